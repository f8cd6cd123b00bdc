//! What an outside probe of the running service broke, each kept broken no
//! more: tenant-authored templates within bounds, callbacks that cannot
//! silence another tenant, Flex-token validation that cannot be abused,
//! callers limited to their own calls, recovery of half-made escalations,
//! Redis outages, NUL bytes, sign-in lockouts, header sizes.

use std::time::{Duration, Instant};

use escalate_e2e::{assert_problem, spawn_app};
use serde_json::json;

#[tokio::test]
async fn a_runaway_template_is_refused_at_save_within_a_second_while_the_service_keeps_answering() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support").await["id"].as_str().unwrap().to_owned();
    // Probe /healthz the whole time the save runs.
    let probe = {
        let (http, url) = (app.http.clone(), app.url("/healthz"));
        tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            for _ in 0..20 {
                let started = Instant::now();
                assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
                slowest = slowest.max(started.elapsed());
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            slowest
        })
    };
    for template in [
        // 1e10 iterations.
        "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}{{ join_url }}",
        // String doubling and repetition.
        "{% set s = join_url %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s }}",
        "{{ join_url * 100000000 }}",
    ] {
        let started = Instant::now();
        let resp =
            tenant.admin.patch(&format!("/v1/contact-centers/{cc}"), json!({ "message_template": template })).await;
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert!(started.elapsed() < Duration::from_secs(1), "{template}: {:?}", started.elapsed());
        assert_eq!(problem["errors"][0]["field"], "message_template", "{problem}");
    }
    let slowest = probe.await.unwrap();
    assert!(slowest < Duration::from_millis(500), "/healthz waited {slowest:?}");
    // Nothing was saved.
    let got: serde_json::Value = tenant.admin.get(&format!("/v1/contact-centers/{cc}")).await.json().await.unwrap();
    assert_eq!(got["message_template"], "Please join me on video: {{ join_url }}");
}

/// Callback fields for a participant joining `e`'s room.
fn customer_joined(e: &serde_json::Value, seq: i64) -> Vec<(&'static str, String)> {
    vec![
        ("RoomSid", e["room_sid"].as_str().unwrap().to_owned()),
        ("RoomName", e["room_name"].as_str().unwrap().to_owned()),
        ("RoomStatus", "in-progress".into()),
        ("RoomType", "group".into()),
        ("StatusCallbackEvent", "participant-connected".into()),
        ("SequenceNumber", seq.to_string()),
        ("ParticipantIdentity", "customer:0123456789abcdef".into()),
        ("ParticipantSid", format!("PA{:032x}", seq)),
        ("Timestamp", chrono::Utc::now().to_rfc3339()),
    ]
}

#[tokio::test]
async fn another_tenant_cannot_silence_a_tenants_room_callbacks() {
    let app = spawn_app().await;
    let a = app.ready_contact_center("Alpha").await;
    let b = app.ready_contact_center("Beta").await;
    let flex = app.flex_token(&a.account, "alex");
    let e: serde_json::Value = app
        .escalate(
            &a.cc,
            &flex,
            None,
            json!({ "task_sid": escalate_e2e::task_sid(), "conversation_sid": escalate_e2e::conversation_sid() }),
        )
        .await
        .json()
        .await
        .unwrap();
    // B signs, with its own auth token, callbacks that carry A's room.
    for seq in 1..=3 {
        let resp = app.post_callback(&b.cc, &b.account, &customer_joined(&e, seq)).await;
        assert_eq!(resp.status(), 204, "accepted and recorded as unmatched, so Twilio does not retry");
    }
    let b_key = app.api_key(&b.tenant, &["admin"]).await;
    let b_list: serde_json::Value = app
        .http
        .get(app.url(&format!("/v1/contact-centers/{}/escalations", b.cc)))
        .bearer_auth(&b_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(b_list["items"].as_array().unwrap().is_empty(), "nothing of B's was touched");
    // A's real callback with the same room, sequence number and event is applied.
    assert_eq!(app.post_callback(&a.cc, &a.account, &customer_joined(&e, 1)).await.status(), 204);
    let got = app.wait_for_escalation(&flex, e["id"].as_str().unwrap(), |v| !v["customer_joined_at"].is_null()).await;
    assert!(got["customer_joined_at"].is_string());
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("outcome=\"unmatched\""), "unmatched callbacks are counted");
}

fn new_chat() -> serde_json::Value {
    json!({ "task_sid": escalate_e2e::task_sid(), "conversation_sid": escalate_e2e::conversation_sid() })
}

#[tokio::test]
async fn junk_bearer_tokens_cannot_make_the_service_call_twilio_without_limit() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let before = app.sim.request_count(twilio_sim::ApiOp::ValidateToken);
    let mut limited = 0;
    for i in 0..60 {
        let resp = app.escalate(&r.cc, &format!("junk-token-{i}"), None, new_chat()).await;
        match resp.status().as_u16() {
            401 => {}
            429 => limited += 1,
            other => panic!("attempt {i}: {other}"),
        }
    }
    let calls = app.sim.request_count(twilio_sim::ApiOp::ValidateToken) - before;
    assert!(calls <= 20, "{calls} Twilio calls for 60 junk tokens");
    assert!(limited >= 40, "the address was limited after its failures ({limited} refused)");
}

#[tokio::test]
async fn a_refused_token_is_remembered_and_unknown_ids_look_like_refused_tokens() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let before = app.sim.request_count(twilio_sim::ApiOp::ValidateToken);
    let forged = app.forged_flex_token(&r.account, 1);
    for _ in 0..3 {
        assert_problem(app.escalate(&r.cc, &forged, None, new_chat()).await, 401, "invalid_flex_token").await;
    }
    assert_eq!(app.sim.request_count(twilio_sim::ApiOp::ValidateToken) - before, 1, "the refusal was cached");
    // An id that exists and one that does not answer the same.
    let known = app.escalate(&r.cc, &forged, None, new_chat()).await;
    let unknown = app.escalate(&uuid::Uuid::now_v7().to_string(), &forged, None, new_chat()).await;
    assert_eq!(known.status(), unknown.status());
    let strip = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("request_id");
        v
    };
    let (k, u): (serde_json::Value, serde_json::Value) = (known.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(strip(k), strip(u));
    let e_unknown = app
        .http
        .get(app.url(&format!("/v1/escalations/{}", uuid::Uuid::now_v7())))
        .bearer_auth(&forged)
        .send()
        .await
        .unwrap();
    assert_problem(e_unknown, 401, "invalid_flex_token").await;
    // The room name tells nothing about the escalation.
    let flex = app.flex_token(&r.account, "alex");
    let e: serde_json::Value = app.escalate(&r.cc, &flex, None, new_chat()).await.json().await.unwrap();
    let id = uuid::Uuid::parse_str(e["id"].as_str().unwrap()).unwrap();
    assert!(!e["room_name"].as_str().unwrap().contains(&id.simple().to_string()), "{e}");
}

/// A client address, as a proxy that the service trusts reports it.
async fn escalate_from(app: &escalate_e2e::TestApp, cc: &str, bearer: &str, ip: &str) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/v1/contact-centers/{cc}/escalations")))
        .bearer_auth(bearer)
        .header("X-Forwarded-For", ip)
        .json(&new_chat())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn junk_flex_tokens_from_many_addresses_cost_no_twilio_call_and_lock_no_agent_out() {
    let app = escalate_e2e::spawn_app_with(escalate_e2e::Options {
        extra: vec![("TRUST_PROXY_HEADERS".into(), "true".into())],
        ..Default::default()
    })
    .await;
    let r = app.ready_contact_center("Acme").await;
    let other = app.sim_account();
    let before = app.sim.request_count(twilio_sim::ApiOp::ValidateToken);
    // 31 addresses × 20 bearers that cannot be this account's live Flex
    // tokens: junk, another account's real token, an expired one.
    let expired = app.forged_flex_token_expiring(&r.account, 7, -3600);
    let foreign = app.flex_token(&other, "elsewhere");
    for a in 0..31 {
        for i in 0..20 {
            let bearer = match i % 4 {
                0 => format!("junk-{a}-{i}"),
                1 => foreign.clone(),
                2 => expired.clone(),
                _ => format!("eyJhbGciOiJIUzI1NiJ9.e30.{a}{i}"),
            };
            let status = escalate_from(&app, &r.cc, &bearer, &format!("198.51.100.{a}")).await.status();
            assert!(status == 401 || status == 429, "{status}");
        }
    }
    assert_eq!(app.sim.request_count(twilio_sim::ApiOp::ValidateToken) - before, 0, "no Twilio call for junk");
    // A real agent's new token, from an address never seen before.
    let agent = app.flex_token(&r.account, "alex");
    assert_eq!(escalate_from(&app, &r.cc, &agent, "203.0.113.7").await.status(), 201);
}

#[tokio::test]
async fn a_flood_of_plausible_tokens_leaves_agents_addresses_their_half_of_the_budget() {
    let app = escalate_e2e::spawn_app_with(escalate_e2e::Options {
        extra: vec![
            ("TRUST_PROXY_HEADERS".into(), "true".into()),
            ("FLEX_CHECK_LIMIT_PER_CONTACT_CENTER".into(), "40/1m".into()),
        ],
        ..Default::default()
    })
    .await;
    let r = app.ready_contact_center("Acme").await;
    // An agent has worked from this address before.
    let first = app.flex_token(&r.account, "alex");
    assert_eq!(escalate_from(&app, &r.cc, &first, "203.0.113.7").await.status(), 201);
    let before = app.sim.request_count(twilio_sim::ApiOp::ValidateToken);
    // Forged tokens with the right account, 10 addresses × 10.
    let mut n = 0;
    for a in 0..10 {
        for _ in 0..10 {
            n += 1;
            let status = escalate_from(&app, &r.cc, &app.forged_flex_token(&r.account, n), &format!("198.51.100.{a}"))
                .await
                .status();
            assert!(status == 401 || status == 429, "{status}");
        }
    }
    let spent = app.sim.request_count(twilio_sim::ApiOp::ValidateToken) - before;
    // The agent's first check came from a new address too: 1 + 19 = half of 40.
    assert_eq!(spent, 19, "new addresses spend at most half of the 40 checks");
    // The agent's next new token from their usual address is checked; and
    // the token already checked keeps working from anywhere.
    let next = app.flex_token(&r.account, "alex");
    assert_eq!(escalate_from(&app, &r.cc, &next, "203.0.113.7").await.status(), 201);
    assert_eq!(escalate_from(&app, &r.cc, &first, "192.0.2.1").await.status(), 201);
}

#[tokio::test]
async fn new_flex_tokens_are_checked_within_a_limit_per_contact_center() {
    let app = escalate_e2e::spawn_app_with(escalate_e2e::Options {
        extra: vec![("FLEX_CHECK_LIMIT_PER_CONTACT_CENTER".into(), "5/1m".into())],
        ..Default::default()
    })
    .await;
    let r = app.ready_contact_center("Acme").await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let token = app.flex_token(&r.account, &format!("agent-{i}"));
        statuses.push(app.escalate(&r.cc, &token, None, new_chat()).await.status().as_u16());
    }
    assert_eq!(statuses, [201, 201, 201, 201, 201, 429, 429, 429]);
}

#[tokio::test]
async fn agents_reach_only_their_own_calls_and_viewers_never_see_codes() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex_as = |identity: &str, roles: &[&str]| {
        app.sim.mint_flex_token(
            &r.account.account_sid,
            twilio_sim::FlexAgent {
                identity: identity.into(),
                worker_sid: None,
                roles: roles.iter().map(|r| r.to_string()).collect(),
                ttl: Duration::from_secs(3600),
            },
        )
    };
    let alice = flex_as("alice", &["agent"]);
    let mallory = flex_as("mallory", &["agent"]);
    let sam = flex_as("sam", &["supervisor"]);
    let guest = flex_as("guest", &["wfo.quality_process_manager"]);
    let chat = new_chat();
    let e: serde_json::Value = app.escalate(&r.cc, &alice, Some("task:1"), chat.clone()).await.json().await.unwrap();
    let id = e["id"].as_str().unwrap();
    let call = |method: reqwest::Method, path: String, token: &str| {
        app.http.request(method, app.url(&path)).bearer_auth(token.to_owned()).send()
    };
    // Mallory, another agent: neither the code nor a token nor ending it.
    for (method, path) in [
        (reqwest::Method::GET, format!("/v1/escalations/{id}")),
        (reqwest::Method::POST, format!("/v1/escalations/{id}/agent-token")),
        (reqwest::Method::POST, format!("/v1/escalations/{id}/complete")),
    ] {
        assert_problem(call(method.clone(), path.clone(), &mallory).await.unwrap(), 403, "not_your_escalation").await;
    }
    // The same Idempotency-Key from Mallory is not a retry of Alice's request.
    assert_problem(app.escalate(&r.cc, &mallory, Some("task:1"), chat).await, 409, "idempotency_key_reused").await;
    // A supervisor may join (with their own identity).
    let token: serde_json::Value = call(reqwest::Method::POST, format!("/v1/escalations/{id}/agent-token"), &sam)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["identity"], "agent:sam");
    // A Flex user with none of the roles cannot escalate.
    assert_problem(app.escalate(&r.cc, &guest, None, new_chat()).await, 403, "forbidden").await;

    // Viewers and metrics-only keys see escalations without their codes.
    let metrics_key = app.api_key(&r.tenant, &["metrics"]).await;
    let listed: serde_json::Value = app
        .http
        .get(app.url(&format!("/v1/contact-centers/{}/escalations", r.cc)))
        .bearer_auth(&metrics_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item = &listed["items"][0];
    assert_eq!(item["id"], id);
    assert!(item.get("code").is_none() && item.get("join_url").is_none(), "{item}");
    let one: serde_json::Value = app
        .http
        .get(app.url(&format!("/v1/escalations/{id}")))
        .bearer_auth(&metrics_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(one.get("code").is_none(), "{one}");
    let text = app
        .http
        .get(app.url(&format!("/v1/contact-centers/{}/escalations.csv", r.cc)))
        .bearer_auth(&metrics_key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains(e["code"].as_str().unwrap()), "the CSV holds no code");
    // The agent's own view has them.
    let own: serde_json::Value =
        call(reqwest::Method::GET, format!("/v1/escalations/{id}"), &alice).await.unwrap().json().await.unwrap();
    assert_eq!(own["code"], e["code"]);
}

/// Puts an escalation back where a replica that stopped mid-create leaves
/// it: `creating`, without its room and message SIDs, last touched long ago.
/// With `room_name`, it names a room (and a conversation) Twilio never saw:
/// the replica stopped before it made either.
async fn abandon(app: &escalate_e2e::TestApp, id: &str, room_name: Option<&str>) {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
    let backend = db.get_database_backend();
    let stale = chrono::Utc::now() - chrono::Duration::minutes(10);
    let id = uuid::Uuid::parse_str(id).unwrap();
    let mut sql =
        "UPDATE escalations SET status = 'creating', room_sid = NULL, message_sid = NULL, updated_at = $1".to_owned();
    let mut values: Vec<sea_orm::Value> = vec![stale.into()];
    if let Some(name) = room_name {
        sql.push_str(", room_name = $3, conversation_sid = $4");
        values.push(id.into());
        values.push(name.into());
        values.push(escalate_e2e::conversation_sid().into());
    } else {
        values.push(id.into());
    }
    sql.push_str(" WHERE id = $2");
    if backend != DbBackend::Postgres {
        // SQLite numbers its parameters as ?NNN.
        sql = sql.replace('$', "?");
    }
    db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.unwrap();
}

#[tokio::test]
async fn escalations_abandoned_mid_create_are_finished_or_failed_and_the_first_link_keeps_working() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    // No room callbacks: one landing after `abandon` would make the row look
    // recently touched, and recovery rightly leaves such rows for later.
    app.sim.set_callback_mode(twilio_sim::CallbackMode { repeat: 1, hold: true });
    let flex = app.flex_token(&r.account, "alex");
    let made = |key: &'static str| {
        let (app, flex, cc) = (&app, flex.clone(), r.cc.clone());
        async move {
            let e: serde_json::Value = app.escalate(&cc, &flex, Some(key), new_chat()).await.json().await.unwrap();
            e
        }
    };
    // Room and message made, row never opened.
    let whole = made("task:whole").await;
    abandon(&app, whole["id"].as_str().unwrap(), None).await;
    // Died before the room: the row names a room Twilio never made.
    let early = made("task:early").await;
    abandon(&app, early["id"].as_str().unwrap(), Some("esc-0000000000000000000000000000dead")).await;
    let token = |code: String| app.http.post(app.url(&format!("/v1/join/{code}/token"))).send();
    assert_eq!(token(whole["code"].as_str().unwrap().to_owned()).await.unwrap().status(), 404, "not open yet");

    let messages_before = app.sim.messages().len();
    let done = escalate_app::services::recovery::run_once(&app.state).await.unwrap();
    // The replica's own recovery task (every 30 s) may be mid-round when this
    // one starts on a loaded machine; each row is claimed by one of the two,
    // so what counts is where the rows end up.
    assert!(done.opened <= 1 && done.failed <= 1, "{done:?}");
    app.wait_for_escalation(&flex, whole["id"].as_str().unwrap(), |v| v["status"] == "open").await;
    assert_eq!(app.sim.messages().len(), messages_before, "the posted message was found, not posted again");
    assert_eq!(token(whole["code"].as_str().unwrap().to_owned()).await.unwrap().status(), 200, "the first link works");
    let got = app.wait_for_escalation(&flex, early["id"].as_str().unwrap(), |v| v["status"] == "failed").await;
    assert!(got["failure_reason"].as_str().unwrap().contains("abandoned"));
    // A second round finds nothing left.
    assert_eq!(escalate_app::services::recovery::run_once(&app.state).await.unwrap().opened, 0);

    // The plugin's retry with the same key finds the finished escalation: same code, no second message.
    let retried = made("task:retry").await;
    abandon(&app, retried["id"].as_str().unwrap(), None).await;
    let replay = app.escalate(&r.cc, &flex, Some("task:retry"), new_chat()).await;
    assert_eq!(replay.status(), 409, "another chat with the same key is still refused");
    let chat = json!({ "task_sid": retried["task_sid"], "conversation_sid": retried["conversation_sid"] });
    let again = app.escalate(&r.cc, &flex, Some("task:retry"), chat).await;
    assert_eq!(again.status(), 200);
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!((&again["id"], &again["code"], &again["status"]), (&retried["id"], &retried["code"], &json!("open")));
    let ours = app.sim.messages().into_iter().filter(|m| m.conversation_sid == retried["conversation_sid"]).count();
    assert_eq!(ours, 1, "one message with one link");
}

/// A Redis server of this test's own, to stop in the middle.
struct OwnRedis {
    child: std::process::Child,
    url: String,
}

impl OwnRedis {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/services.sh)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, url: format!("redis://127.0.0.1:{port}") }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill").args([sig, &child.id().to_string()]).status().unwrap().success();
    assert!(ok, "kill {sig}");
}

#[tokio::test]
async fn a_redis_that_hangs_costs_requests_milliseconds_not_seconds() {
    let redis = OwnRedis::start();
    let app = escalate_e2e::spawn_app_with(escalate_e2e::Options {
        extra: vec![("REDIS_URL".into(), redis.url.clone())],
        ..Default::default()
    })
    .await;
    let r = app.ready_contact_center("Acme").await;
    let ready: serde_json::Value = app.http.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");

    // Stopped, not dead: connections stay open and nothing answers.
    signal(&redis.child, "-STOP");
    let timed = |label: &'static str, started: std::time::Instant, status: u16| {
        let took = started.elapsed();
        assert!(took < Duration::from_millis(1000), "{label} took {took:?} with Redis hung");
        assert!(status < 500, "{label}: {status}");
    };
    for round in 0..2 {
        let t = std::time::Instant::now();
        let resp = app.http.post(app.url("/v1/join/ABCDEFGHJKMNPQ/token")).send().await.unwrap();
        timed(if round == 0 { "a wrong code" } else { "a wrong code, again" }, t, resp.status().as_u16());

        let t = std::time::Instant::now();
        let (resp, _) = app.try_login(&r.tenant.admin_email, "not the password!!").await;
        timed("a wrong password", t, resp.status().as_u16());

        let t = std::time::Instant::now();
        let token = app.flex_token(&r.account, &format!("alex-{round}"));
        let resp = app.escalate(&r.cc, &token, None, new_chat()).await;
        timed("an escalation with a new Flex token", t, resp.status().as_u16());
        assert_eq!(resp.status(), 201);
    }
    let ready: serde_json::Value = app.http.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "degraded", "{ready}");

    // Resumed: within a few seconds Redis is used again.
    signal(&redis.child, "-CONT");
    let mut status = String::new();
    for _ in 0..50 {
        let ready: serde_json::Value = app.http.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
        status = ready["status"].as_str().unwrap().to_owned();
        if status == "ready" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, "ready");
}

#[tokio::test]
async fn a_redis_outage_degrades_readiness_instead_of_failing_it_and_limits_hold_per_replica() {
    let mut redis = OwnRedis::start();
    let app = escalate_e2e::spawn_app_with(escalate_e2e::Options {
        extra: vec![("REDIS_URL".into(), redis.url.clone()), ("LOGIN_LIMIT_PER_EMAIL".into(), "3/10m".into())],
        ..Default::default()
    })
    .await;
    let ready: serde_json::Value = app.http.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    let tenant = app.create_tenant("Acme").await;
    redis.child.kill().unwrap();
    redis.child.wait().unwrap();

    let resp = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 200, "a load balancer keeps the replica");
    let ready: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(ready["status"], "degraded");
    assert!(ready["redis"].as_str().unwrap().starts_with("error"), "{ready}");
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l.starts_with("escalate_redis_up") && l.ends_with(" 0")), "{metrics}");
    // The API serves, and the per-email sign-in limit holds in this replica.
    assert_eq!(tenant.admin.get("/v1/tenant").await.status(), 200);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.try_login(&tenant.admin_email, "wrong password!!").await.0.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    assert!(escalate_e2e::captured_logs().contains("rate limits now count per replica"));
}

#[tokio::test]
async fn nul_bytes_oversized_headers_and_codes_in_logs() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    // A NUL anywhere is a 422 naming the field, never a database error.
    let resp = tenant.admin.patch("/v1/tenant", json!({ "name": "Ac\u{0}me" })).await;
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "name");
    let resp = tenant
        .admin
        .post("/v1/contact-centers", json!({ "name": "Support", "branding": { "headline": "Hi\u{0}" } }))
        .await;
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "branding.headline");
    let resp = app.http.post(app.url("/v1/auth/login")).json(&json!({ "email": "a\u{0}@x.example", "password": "x" }));
    assert_problem(resp.send().await.unwrap(), 422, "validation_failed").await;
    let resp = app
        .http
        .post(app.url("/dashboard/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=a%00b&password=x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    // A 200 KB header is refused.
    let resp = app.http.get(app.url("/healthz")).header("X-Padding", "x".repeat(200 * 1024)).send().await.unwrap();
    assert_problem(resp, 431, "headers_too_large").await;

    // A room code never reaches the logs, whether of the join page or of the token.
    let r = app.ready_contact_center("Beta").await;
    let flex = app.flex_token(&r.account, "alex");
    let e: serde_json::Value = app.escalate(&r.cc, &flex, None, new_chat()).await.json().await.unwrap();
    let code = e["code"].as_str().unwrap();
    assert_eq!(app.http.get(app.url(&format!("/join/{code}"))).send().await.unwrap().status(), 200);
    assert_eq!(app.http.post(app.url(&format!("/v1/join/{code}/token"))).send().await.unwrap().status(), 200);
    assert!(!escalate_e2e::captured_logs().contains(code), "a room code reached the logs");
}

#[tokio::test]
async fn answers_match_the_served_document() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    // A string field given a boolean or a number is refused, not read as "false".
    for body in [json!({ "name": false }), json!({ "name": 123 })] {
        let problem = assert_problem(tenant.admin.patch("/v1/tenant", body).await, 400, "invalid_body").await;
        assert_eq!(problem["errors"][0]["field"], "name");
    }
    let got: serde_json::Value = tenant.admin.get("/v1/tenant").await.json().await.unwrap();
    assert_eq!(got["name"], "Acme");
    // A 405 says what is allowed.
    let resp = app.http.put(app.url("/v1/tenant")).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET, PATCH");
    // Optional fields without a value are absent (the document does not say null).
    let cc = app.create_contact_center(&tenant, "Support").await;
    assert!(cc["branding"].get("logo_url").is_none(), "{cc}");
    // A problem carries `errors` only when it names fields, as the document says.
    let problem = assert_problem(app.http.get(app.url("/v1/tenant")).send().await.unwrap(), 401, "unauthorized").await;
    assert!(problem.get("errors").is_none());
}

/// A replica serves open codes from memory only while it hears the other
/// replicas. Its subscription going silent (Redis stopped with the
/// connection left open) is noticed within seconds, and from then on a
/// change it never heard of (here: made straight in the database) holds at
/// once; it stays so after Redis is back, since what was kept is dropped.
#[tokio::test]
async fn a_replica_that_stops_hearing_events_stops_trusting_its_memory_of_codes() {
    use sea_orm::ConnectionTrait;
    let mut redis = OwnRedis::start();
    let app = escalate_e2e::spawn_app_with(escalate_e2e::Options {
        extra: vec![("REDIS_URL".into(), redis.url.clone())],
        ..Default::default()
    })
    .await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    let e: serde_json::Value = app.escalate(&r.cc, &flex, None, new_chat()).await.json().await.unwrap();
    let code = e["code"].as_str().unwrap().to_owned();
    let token = || app.http.post(app.url(&format!("/v1/join/{code}/token"))).send();
    // The subscription is up within milliseconds of the start; give it that.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(token().await.unwrap().status(), 200);
    let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
    db.execute_unprepared(&format!("UPDATE escalations SET status = 'completed' WHERE code = '{code}'")).await.unwrap();
    assert_eq!(token().await.unwrap().status(), 200, "remembered: no event said otherwise");

    let pid = redis.child.id().to_string();
    let signal = |sig: &str| std::process::Command::new("kill").args([sig, &pid]).status().unwrap();
    assert!(signal("-STOP").success());
    tokio::time::sleep(escalate_app::events::SILENCE + Duration::from_secs(2)).await;
    let resp = token().await.unwrap();
    assert!(signal("-CONT").success());
    assert_problem(resp, 410, "code_completed").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_problem(token().await.unwrap(), 410, "code_completed").await;
    let _ = redis.child.kill();
}
