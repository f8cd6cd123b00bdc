#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
//! Parity with the official `twilio` npm package (v6.2.0): access tokens and
//! webhook signatures computed by our code and by Node on the same inputs.
//!
//! The Node side lives in `tests/node/` (package.json + package-lock.json);
//! if `node_modules` is missing the first test to need it runs `npm ci`.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::OnceLock,
    time::Duration,
};

use base64::prelude::*;
use chrono::{DateTime, Utc};
use escalate_twilio::{
    Secret,
    signature::{expected_signature, verify_signature},
    token::{TokenError, VideoTokenRequest, mint_video_token, verify_video_token},
};
use serde_json::{Map, Value, json};

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("node")
}

/// Install the Node dependencies once per test binary (tests run in parallel).
fn ensure_node_modules() {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    let result = INSTALLED.get_or_init(|| {
        let dir = node_dir();
        if dir.join("node_modules").join("twilio").join("package.json").exists() {
            return Ok(());
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .map_err(|e| format!("running npm ci: {e}"))?;
        if status.success() { Ok(()) } else { Err(format!("npm ci failed: {status}")) }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Run `script` under Node with `input` as JSON on stdin; parse its stdout.
fn node(script: &str, input: &Value) -> Value {
    ensure_node_modules();
    let mut child = Command::new("node")
        .arg(script)
        .current_dir(node_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node is installed");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "node {script}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("node prints JSON")
}

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&BASE64_URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    (decode_part(it.next().unwrap()), decode_part(it.next().unwrap()))
}

struct TokenCase {
    account_sid: &'static str,
    api_key_sid: &'static str,
    secret: &'static str,
    identity: &'static str,
    room: &'static str,
    ttl: u64,
}

const CASES: &[TokenCase] = &[
    TokenCase {
        account_sid: "AC0123456789abcdef0123456789abcdef",
        api_key_sid: "SK0123456789abcdef0123456789abcdef",
        secret: "a-very-secret-api-key-secret",
        identity: "agent:alice@example.com",
        room: "esc_01HZXYZ",
        ttl: 3600,
    },
    TokenCase {
        account_sid: "ACffffffffffffffffffffffffffffffff",
        api_key_sid: "SKeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
        secret: "sécret-ü-🔑",
        identity: "customer:Zoë \"quoted\" </script>",
        room: "salle de réunion 🎥 / 1",
        ttl: 60,
    },
];

fn now_secs() -> DateTime<Utc> {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap()
}

fn ours(case: &TokenCase, now: DateTime<Utc>) -> String {
    let req = VideoTokenRequest {
        account_sid: case.account_sid,
        api_key_sid: case.api_key_sid,
        identity: case.identity,
        room: case.room,
        ttl: Duration::from_secs(case.ttl),
        now,
    };
    mint_video_token(&req, &Secret::new(case.secret)).unwrap()
}

fn theirs(case: &TokenCase, now: DateTime<Utc>) -> String {
    let out = node(
        "token.js",
        &json!({
            "mode": "mint",
            "accountSid": case.account_sid,
            "apiKeySid": case.api_key_sid,
            "secret": case.secret,
            "identity": case.identity,
            "room": case.room,
            "ttl": case.ttl,
            "nowSecs": now.timestamp(),
        }),
    );
    out["token"].as_str().unwrap().to_owned()
}

#[test]
fn tokens_equal_the_official_librarys_for_the_same_clock() {
    let now = now_secs();
    for case in CASES {
        let (ours, theirs) = (ours(case, now), theirs(case, now));
        let (our_header, our_claims) = parts(&ours);
        let (their_header, their_claims) = parts(&theirs);
        assert_eq!(our_header, their_header);
        assert_eq!(our_header, json!({"alg": "HS256", "typ": "JWT", "cty": "twilio-fpa;v=1"}));
        assert_eq!(our_claims, their_claims);
        assert_eq!(their_claims["jti"], format!("{}-{}", case.api_key_sid, now.timestamp()));
        assert_eq!(their_claims["exp"], now.timestamp() + case.ttl as i64);
        // Same header, claim order and signature: the very same string.
        assert_eq!(ours, theirs);
    }
}

#[test]
fn official_tokens_verify_with_ours_and_ours_verify_in_node() {
    let now = now_secs();
    for case in CASES {
        let secret = Secret::new(case.secret);
        let theirs = theirs(case, now);
        let claims = verify_video_token(&theirs, &secret).unwrap();
        assert_eq!(claims.iss, case.api_key_sid);
        assert_eq!(claims.sub, case.account_sid);
        assert_eq!(claims.grants.identity.as_deref(), Some(case.identity));
        assert_eq!(claims.grants.video.as_ref().unwrap().room.as_deref(), Some(case.room));
        assert_eq!(verify_video_token(&theirs, &Secret::new("wrong")), Err(TokenError::BadSignature));

        let ours = ours(case, now);
        let verified = node("token.js", &json!({"mode": "verify", "token": ours, "secret": case.secret}));
        assert!(verified.get("error").is_none(), "{verified}");
        assert_eq!(verified["header"]["cty"], "twilio-fpa;v=1");
        assert_eq!(verified["payload"], parts(&ours).1);
        let rejected = node("token.js", &json!({"mode": "verify", "token": ours, "secret": "wrong"}));
        assert_eq!(rejected["error"], "invalid signature");
    }
}

#[test]
fn expired_official_tokens_are_rejected() {
    let an_hour_ago = now_secs() - chrono::Duration::seconds(3700);
    let case = &CASES[0];
    let token = theirs(case, an_hour_ago);
    assert_eq!(verify_video_token(&token, &Secret::new(case.secret)), Err(TokenError::Expired));
}

/// One signature case: params as ordered pairs (names may repeat).
struct SigCase {
    auth_token: &'static str,
    url: &'static str,
    params: &'static [(&'static str, &'static str)],
    /// The URL the signature is checked against (Twilio may add or drop the port).
    verify_url: &'static str,
}

const SIG_CASES: &[SigCase] = &[
    SigCase {
        auth_token: "12345",
        url: "https://mycompany.com/myapp.php?foo=1&bar=2",
        params: &[("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234")],
        verify_url: "https://mycompany.com:443/myapp.php?foo=1&bar=2",
    },
    SigCase {
        auth_token: "token-with-ü",
        url: "http://example.com:8080/v1/webhooks/twilio/rooms/cc_1?tenant=acme&x=%20y",
        params: &[
            ("RoomName", "salle 🎥 Zoë"),
            ("StatusCallbackEvent", "room-created"),
            ("Ünïcode", "値"),
            ("a", "lower"),
            ("B", "upper"),
            ("_", "underscore"),
            ("\u{E000}", "private use"),
            ("\u{1F600}", "astral name sorts before U+E000 in UTF-16"),
        ],
        verify_url: "http://example.com:8080/v1/webhooks/twilio/rooms/cc_1?tenant=acme&x=%20y",
    },
    SigCase {
        auth_token: "abc",
        url: "https://hooks.example.org/rooms",
        params: &[("Tag", "b"), ("Tag", "a"), ("Tag", "b"), ("Empty", "")],
        verify_url: "https://hooks.example.org:443/rooms",
    },
    SigCase {
        auth_token: "abc",
        url: "http://127.0.0.1:49152/hook?q=1&q=2",
        params: &[],
        verify_url: "http://127.0.0.1:49152/hook?q=1&q=2",
    },
    SigCase {
        auth_token: "abc",
        url: "http://example.com:80/with-default-port",
        params: &[("k", "v")],
        verify_url: "http://example.com/with-default-port",
    },
];

/// Node's params object: a repeated name becomes an array of its values.
fn node_params(params: &[(&str, &str)]) -> Value {
    let mut map = Map::new();
    for (name, value) in params {
        match map.get_mut(*name) {
            None => {
                map.insert((*name).to_owned(), json!(value));
            }
            Some(Value::Array(values)) => values.push(json!(value)),
            Some(single) => *single = json!([single.clone(), value]),
        }
    }
    Value::Object(map)
}

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn signatures_equal_the_official_librarys() {
    let mut cases = Vec::new();
    for case in SIG_CASES {
        let signature = expected_signature(case.auth_token, case.url, &owned(case.params));
        for (url, sig) in [
            (case.url, signature.clone()),
            (case.verify_url, signature.clone()),
            (case.url, "forged+signature/AAAAAAAAAA=".to_owned()),
        ] {
            cases.push((case, url, sig));
        }
    }
    let input = json!({
        "cases": cases.iter().map(|(case, url, sig)| json!({
            "authToken": case.auth_token,
            "url": url,
            "params": node_params(case.params),
            "signature": sig,
        })).collect::<Vec<_>>()
    });
    let results = node("signature.js", &input);
    for ((case, url, sig), result) in cases.iter().zip(results.as_array().unwrap()) {
        let params = owned(case.params);
        assert_eq!(
            expected_signature(case.auth_token, url, &params),
            result["expected"].as_str().unwrap(),
            "expected signature for {url}"
        );
        assert_eq!(
            verify_signature(case.auth_token, url, &params, sig),
            result["valid"].as_bool().unwrap(),
            "verification of {sig} for {url}"
        );
    }
    // Sanity: the genuine signature is accepted at both URL forms, the forged one nowhere.
    let valid: Vec<bool> = results.as_array().unwrap().iter().map(|r| r["valid"].as_bool().unwrap()).collect();
    assert_eq!(valid, SIG_CASES.iter().flat_map(|_| [true, true, false]).collect::<Vec<_>>());
}

/// Regional and edge hosts: ours equal the official package's, case by case.
#[test]
fn regional_hosts_match_twilio_node() {
    let cases: Vec<(&str, Option<&str>, Option<&str>)> = vec![
        ("video.twilio.com", Some("dublin"), Some("ie1")),
        ("video.twilio.com", None, Some("au1")),
        ("api.twilio.com", Some("sydney"), None),
        ("conversations.twilio.com", None, None),
        ("iam.twilio.com", Some("tokyo"), Some("jp1")),
        ("video.ie1.twilio.com", Some("dublin"), None),
        ("video.dublin.ie1.twilio.com", None, Some("au1")),
    ];
    let input = json!({ "cases": cases.iter().map(|(h, e, r)| json!({ "hostname": h, "edge": e, "region": r })).collect::<Vec<_>>() });
    let theirs = node("hostname.js", &input);
    for (i, (host, edge, region)) in cases.iter().enumerate() {
        assert_eq!(escalate_twilio::regional_host(host, *edge, *region), theirs[i], "{host} {edge:?} {region:?}");
    }
}
