//! ICE servers for the built-in provider, from configuration: STUN URLs as
//! they are, TURN URLs with a short-lived username and password minted per
//! participant under the TURN REST API scheme (what coturn checks with
//! `use-auth-secret`): the username is `<expiry unix time>:<opaque id>` and
//! the password `base64(HMAC-SHA1(shared secret, username))`. Nothing is
//! contacted that is not configured: with no ICE servers, browsers use
//! their host candidates only (enough on one machine or one network).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use escalate_domain::Secret;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::config::WebRtcConfig;

/// One entry of the browser's `RTCConfiguration.iceServers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IceServer {
    pub urls: Vec<String>,
    pub username: Option<String>,
    pub credential: Option<String>,
}

/// `RTCConfiguration.iceTransportPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IcePolicy {
    /// Any candidate: host, reflexive or relayed.
    #[default]
    All,
    /// Only through the TURN server: no browser learns the other's address.
    Relay,
}

impl IcePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Relay => "relay",
        }
    }
}

impl std::str::FromStr for IcePolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "all" => Ok(Self::All),
            "relay" => Ok(Self::Relay),
            other => Err(format!("`{other}` is not `all` or `relay`")),
        }
    }
}

pub fn is_turn_url(url: &str) -> bool {
    url.starts_with("turn:") || url.starts_with("turns:")
}

/// The ICE servers for one participant; TURN passwords valid until `now + turn_ttl`.
pub fn servers(cfg: &WebRtcConfig, now: DateTime<Utc>) -> Vec<IceServer> {
    let (turn, stun): (Vec<&String>, Vec<&String>) = cfg.ice_urls.iter().partition(|u| is_turn_url(u));
    let mut out = Vec::new();
    if !stun.is_empty() {
        out.push(IceServer { urls: stun.into_iter().cloned().collect(), username: None, credential: None });
    }
    if let (false, Some(secret)) = (turn.is_empty(), &cfg.turn_secret) {
        let expiry = now.timestamp() + cfg.turn_ttl.as_secs() as i64;
        let mut id = [0u8; 6];
        rand::fill(&mut id[..]);
        // An opaque id, not the participant's identity: TURN logs name no one.
        let username = format!("{expiry}:p{}", id.iter().map(|b| format!("{b:02x}")).collect::<String>());
        out.push(IceServer {
            urls: turn.into_iter().cloned().collect(),
            credential: Some(turn_password(secret, &username)),
            username: Some(username),
        });
    }
    out
}

/// The TURN REST API password for `username`.
pub fn turn_password(secret: &Secret, username: &str) -> String {
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes any key length");
    mac.update(username.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn turn_passwords_follow_the_turn_rest_scheme() {
        // Computed independently with OpenSSL:
        // printf '1700000000:p1' | openssl dgst -sha1 -hmac secret -binary | base64
        assert_eq!(turn_password(&Secret::new("secret"), "1700000000:p1"), "0eBzZq6Gbz8vtWCnJTCAn+awJQI=");
    }

    #[test]
    fn stun_and_turn_are_separate_entries_and_turn_needs_the_secret() {
        let mut cfg = WebRtcConfig {
            ice_urls: vec!["stun:127.0.0.1:3478".into(), "turn:127.0.0.1:3478?transport=udp".into()],
            turn_secret: Some(Secret::new("s3cret")),
            turn_ttl: Duration::from_secs(600),
            ice_policy: IcePolicy::Relay,
        };
        let now = Utc::now();
        let s = servers(&cfg, now);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].urls, vec!["stun:127.0.0.1:3478"]);
        assert!(s[0].credential.is_none());
        let user = s[1].username.clone().unwrap();
        let expiry: i64 = user.split(':').next().unwrap().parse().unwrap();
        assert_eq!(expiry, now.timestamp() + 600);
        assert_eq!(s[1].credential.as_deref(), Some(turn_password(&Secret::new("s3cret"), &user).as_str()));
        cfg.ice_urls.clear();
        assert!(servers(&cfg, now).is_empty());
    }
}
