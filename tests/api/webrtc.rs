//! The built-in WebRTC provider: signalling over real WebSockets (admission,
//! relay, presence, refusals), and whole calls between two headless
//! Chromium pages with their media relayed by Debian's coturn on loopback
//! (ICE policy `relay`), on one replica and across two.

use std::time::Duration;

use escalate_app::video::builtin::credential::{self, RoomRef};
use escalate_e2e::replica::Replica;
use escalate_e2e::turn::{self, Turn};
use escalate_e2e::{Options, Tenant, TestApp, browser, captured_logs, spawn_app, spawn_app_with};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A built-in contact center (the default for new ones) and a test call in it, started from the dashboard.
pub(crate) async fn test_call(app: &TestApp, tenant: &Tenant) -> (String, Value) {
    let resp = tenant.admin.post("/v1/contact-centers", json!({ "name": "Video desk" })).await;
    assert_eq!(resp.status(), 201);
    let cc: Value = resp.json().await.unwrap();
    assert_eq!(cc["video_provider"], "builtin", "new contact centers get the built-in provider");
    let cc_id = cc["id"].as_str().unwrap().to_owned();
    let e = start_test_call(app, tenant, &cc_id).await;
    (cc_id, e)
}

pub(crate) async fn start_test_call(app: &TestApp, tenant: &Tenant, cc_id: &str) -> Value {
    let resp = tenant
        .admin
        .client
        .post(app.url(&format!("/dashboard/contact-centers/{cc_id}/test-call")))
        .form(&[("csrf_token", tenant.admin.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "the test call page after the redirect");
    let id = resp.url().path().rsplit('/').next().unwrap().to_owned();
    let e: Value = tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    assert_eq!(e["test_call"], true);
    assert_eq!(e["video_provider"], "builtin");
    assert_eq!(e["task_sid"], "", "no chat behind a test call");
    e
}

async fn agent_grant(tenant: &Tenant, e: &Value) -> Value {
    let resp =
        tenant.admin.post(&format!("/v1/escalations/{}/agent-token", e["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn customer_grant(app: &TestApp, e: &Value) -> Value {
    let resp = app.http.post(app.url(&format!("/v1/join/{}/token", e["code"].as_str().unwrap()))).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn open(url: &str) -> Ws {
    tokio_tungstenite::connect_async(url).await.expect("WebSocket upgrade").0
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

/// The next JSON message, or `None` when the connection closed or nothing came within `wait`.
async fn next(ws: &mut Ws, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return Some(serde_json::from_str(&t).unwrap()),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            _ => return None,
        }
    }
}

/// The close code the service ends the connection with.
async fn close_code(ws: &mut Ws) -> Option<u16> {
    loop {
        match tokio::time::timeout(Duration::from_secs(15), ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

/// Connects with a grant's credential and answers the `welcome`.
async fn join(grant: &Value, session: &str) -> (Ws, Value) {
    let mut ws = open(grant["signaling_url"].as_str().unwrap()).await;
    send(&mut ws, json!({ "type": "hello", "token": grant["token"], "session": session })).await;
    let welcome = next(&mut ws, Duration::from_secs(5)).await.expect("a welcome");
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    (ws, welcome)
}

#[tokio::test]
async fn grants_carry_the_signalling_url_and_short_lived_turn_passwords() {
    let turn = Turn::start();
    let app = spawn_app_with(Options { extra: turn.settings(), ..Default::default() }).await;
    let tenant = app.create_tenant("Grants").await;
    let (_, e) = test_call(&app, &tenant).await;
    let grant = customer_grant(&app, &e).await;
    assert_eq!(grant["provider"], "builtin");
    assert_eq!(grant["ice_transport_policy"], "relay");
    let url = grant["signaling_url"].as_str().unwrap();
    assert_eq!(url, format!("ws://127.0.0.1:{}/v1/video/rooms/{}/signal", app.port, e["room_name"].as_str().unwrap()));
    let server = &grant["ice_servers"][0];
    assert_eq!(server["urls"][0], format!("turn:127.0.0.1:{}?transport=udp", turn.port));
    let user = server["username"].as_str().unwrap();
    let expiry: i64 = user.split(':').next().unwrap().parse().unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!(expiry > now && expiry <= now + 12 * 3600 + 5, "TURN password expiry {expiry} vs now {now}");
    assert!(!grant.to_string().contains(&turn.secret), "the shared secret never leaves the service");
}

#[tokio::test]
async fn the_join_page_gets_its_turn_relay_before_the_click_for_open_built_in_codes_only() {
    let turn = Turn::start();
    let app = spawn_app_with(Options { extra: turn.settings(), ..Default::default() }).await;
    let tenant = app.create_tenant("Ahead").await;
    let (cc, e) = test_call(&app, &tenant).await;
    let network = |code: &str| app.http.get(app.url(&format!("/v1/join/{code}/network"))).send();
    let code = e["code"].as_str().unwrap();

    let resp = network(code).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "private, no-store", "TURN passwords are never cached");
    let net: Value = resp.json().await.unwrap();
    assert_eq!(net["ice_transport_policy"], "relay", "{net}");
    let server = &net["ice_servers"][0];
    assert_eq!(server["urls"][0], format!("turn:127.0.0.1:{}?transport=udp", turn.port));
    let user = server["username"].as_str().unwrap();
    let expiry: i64 = user.split(':').next().unwrap().parse().unwrap();
    let ends = chrono::DateTime::parse_from_rfc3339(net["expires_at"].as_str().unwrap()).unwrap().timestamp();
    assert!((ends - expiry).abs() <= 1, "the answer says when its passwords end: {ends} vs {expiry}");
    assert!(!net.to_string().contains(&turn.secret), "the shared secret never leaves the service");
    // Each answer is a password of its own (as each grant's is).
    let again: Value = network(code).await.unwrap().json().await.unwrap();
    assert_ne!(again["ice_servers"][0]["username"], server["username"]);

    // Looked up as the token is: an unknown code is not found (and counts
    // against the address, as the token's failures do), an ended call gone.
    escalate_e2e::assert_problem(network("ZZZZZZZZZZZZZ").await.unwrap(), 404, "not_found").await;
    let mut limited = false;
    for _ in 0..40 {
        if network("ZZZZZZZZZZZZZ").await.unwrap().status() == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "failed look-ups of /network are limited per address");
    assert_eq!(network(code).await.unwrap().status(), 200, "a code that exists is answered all the same");
    let id = e["id"].as_str().unwrap();
    assert_eq!(tenant.admin.post(&format!("/v1/escalations/{id}/complete"), json!({})).await.status(), 200);
    escalate_e2e::assert_problem(network(code).await.unwrap(), 410, "code_completed").await;

    // A Twilio call's page has nothing to prepare: twilio-video brings its own network.
    let resp = tenant.admin.patch(&format!("/v1/contact-centers/{cc}"), json!({ "video_provider": "twilio" })).await;
    assert_eq!(resp.status(), 200);
    let account = app.sim_account();
    assert_eq!(app.store_credentials(&tenant, &cc, &account).await.status(), 200);
    let flex = app.flex_token(&account, "alex");
    let body = json!({ "task_sid": format!("WT{:032x}", 7), "conversation_sid": format!("CH{:032x}", 7) });
    let resp = app.escalate(&cc, &flex, None, body).await;
    assert_eq!(resp.status(), 201);
    let twilio: Value = resp.json().await.unwrap();
    let resp = network(twilio["code"].as_str().unwrap()).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({ "ice_servers": [] }));
}

#[tokio::test]
async fn signalling_relays_between_the_rooms_participants_and_records_presence() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Relay").await;
    let (_, e) = test_call(&app, &tenant).await;
    let agent = agent_grant(&tenant, &e).await;
    let customer = customer_grant(&app, &e).await;

    let (mut a, welcome_a) = join(&agent, "agent-session").await;
    assert_eq!(welcome_a["peers"], json!([]));
    let (mut c, welcome_c) = join(&customer, "customer-session").await;
    assert_eq!(welcome_c["peers"][0]["identity"], agent["identity"]);
    assert_eq!(welcome_c["peers"][0]["role"], "agent");
    let joined = next(&mut a, Duration::from_secs(5)).await.unwrap();
    assert_eq!(joined["type"], "peer_joined");
    assert_eq!(joined["peer"]["identity"], customer["identity"]);

    // An offer from the customer reaches the agent, named by who sent it.
    let offer = json!({ "description": { "type": "offer", "sdp": "v=0 fake" } });
    send(&mut c, json!({ "type": "signal", "to": agent["identity"], "data": offer })).await;
    let got = next(&mut a, Duration::from_secs(5)).await.unwrap();
    assert_eq!(got, json!({ "type": "signal", "from": customer["identity"], "data": offer }));
    // To a name that is not in the room: nobody gets it.
    send(&mut c, json!({ "type": "signal", "to": "agent:someone-else", "data": offer })).await;
    send(&mut c, json!({ "type": "state", "audio": false, "video": true })).await;
    let state = next(&mut a, Duration::from_secs(5)).await.unwrap();
    assert_eq!(state, json!({ "type": "state", "from": customer["identity"], "audio": false, "video": true }));

    // A dropped connection that comes back with the same session is a reconnect.
    drop(c);
    let (c2, welcome) = join(&customer, "customer-session").await;
    assert_eq!(welcome["reconnected"], true);
    let back = next(&mut a, Duration::from_secs(5)).await.unwrap();
    assert_eq!(back["type"], "peer_reconnected", "{back}");

    // Leaving says so to the others at once.
    let mut c2 = c2;
    send(&mut c2, json!({ "type": "bye" })).await;
    assert_eq!(close_code(&mut c2).await, Some(1000));
    let left = next(&mut a, Duration::from_secs(5)).await.unwrap();
    assert_eq!(left, json!({ "type": "peer_left", "identity": customer["identity"], "reason": "left" }));

    let id = e["id"].as_str().unwrap();
    let events: Vec<Value> = wait_events(&tenant, id, |evs| {
        evs.iter().filter(|e| e["event"] == "participant-connected").count() >= 2
            && evs.iter().any(|e| e["event"] == "participant-reconnected")
            && evs.iter().any(|e| e["event"] == "participant-disconnected")
    })
    .await;
    assert!(events.iter().any(|e| e["event"] == "room-created"));
    let escalation: Value = tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    assert!(escalation["agent_joined_at"].is_string() && escalation["customer_joined_at"].is_string(), "{escalation}");

    // Ending the call ends every connection in the room with 4410.
    let done = tenant.admin.post(&format!("/v1/escalations/{id}/complete"), json!({})).await;
    assert_eq!(done.status(), 200);
    assert_eq!(next(&mut a, Duration::from_secs(5)).await.unwrap()["type"], "ended");
    assert_eq!(close_code(&mut a).await, Some(4410));
    let events = wait_events(&tenant, id, |evs| evs.iter().any(|e| e["event"] == "room-ended")).await;
    assert!(events.iter().all(|e| e["room_sid"].as_str().unwrap().starts_with("RT")), "{events:?}");
    // A credential of an ended call opens nothing.
    let mut late = open(agent["signaling_url"].as_str().unwrap()).await;
    send(&mut late, json!({ "type": "hello", "token": agent["token"], "session": "late" })).await;
    assert_eq!(close_code(&mut late).await, Some(4410));
}

async fn wait_events(tenant: &Tenant, id: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut last = Vec::new();
    for _ in 0..100 {
        last = escalate_e2e::events_of(tenant, id).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("events never arrived: {last:#?}");
}

#[tokio::test]
async fn bad_signalling_is_refused_with_a_clear_close_code_and_never_relayed() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Refusals").await;
    let (cc, e) = test_call(&app, &tenant).await;
    let other = start_test_call(&app, &tenant, &cc).await;
    let agent = agent_grant(&tenant, &e).await;
    let customer = customer_grant(&app, &e).await;
    let url = agent["signaling_url"].as_str().unwrap().to_owned();
    let (mut a, _) = join(&agent, "a").await;

    let refused = |hello: Value, url: String| async move {
        let mut ws = open(&url).await;
        send(&mut ws, hello).await;
        close_code(&mut ws).await
    };
    // A credential for another room.
    let other_grant = agent_grant(&tenant, &other).await;
    assert_eq!(
        refused(json!({ "type": "hello", "token": other_grant["token"], "session": "x" }), url.clone()).await,
        Some(4403)
    );
    // Forged, and expired.
    assert_eq!(
        refused(json!({ "type": "hello", "token": "eyJhbGciOiJIUzI1NiJ9.e30.x", "session": "x" }), url.clone()).await,
        Some(4401)
    );
    let room = RoomRef {
        escalation_id: e["id"].as_str().unwrap().parse().unwrap(),
        contact_center_id: cc.parse().unwrap(),
        room_name: e["room_name"].as_str().unwrap(),
    };
    let expired =
        credential::mint(&app.state.keyring, room, "agent:x", 1, chrono::Utc::now() - chrono::Duration::minutes(5))
            .unwrap();
    assert_eq!(
        refused(json!({ "type": "hello", "token": expired.token, "session": "x" }), url.clone()).await,
        Some(4401)
    );
    // Not a hello first, not JSON, a bad session name.
    assert_eq!(refused(json!({ "type": "ping" }), url.clone()).await, Some(4400));
    assert_eq!(
        refused(json!({ "type": "hello", "token": agent["token"], "session": "a|b" }), url.clone()).await,
        Some(4400)
    );

    // A second customer while one is in (the link opened on a phone): it
    // takes over, and the first steps aside with `replaced` instead of
    // fighting for the place; the agent sees one customer leave, one join.
    let (mut c, _) = join(&customer, "c").await;
    assert_eq!(next(&mut a, Duration::from_secs(5)).await.unwrap()["type"], "peer_joined");
    let second = customer_grant(&app, &e).await;
    let (mut c2, _) = join(&second, "c2").await;
    assert_eq!(close_code(&mut c).await, Some(4000));
    let heard: Vec<Value> =
        vec![next(&mut a, Duration::from_secs(5)).await.unwrap(), next(&mut a, Duration::from_secs(5)).await.unwrap()];
    assert!(heard.iter().any(|m| m["type"] == "peer_left" && m["identity"] == customer["identity"]), "{heard:?}");
    assert!(
        heard.iter().any(|m| m["type"] == "peer_joined" && m["peer"]["identity"] == second["identity"]),
        "{heard:?}"
    );
    // Staff beyond the room's three find it full.
    let staff = |who: &str| credential::mint(&app.state.keyring, room, who, 600, chrono::Utc::now()).unwrap().token;
    let (_sup, _) = join(&json!({ "signaling_url": url, "token": staff("agent:sup") }), "sup").await;
    let _ = next(&mut a, Duration::from_secs(5)).await; // its peer_joined
    assert_eq!(
        refused(json!({ "type": "hello", "token": staff("agent:fourth"), "session": "x4" }), url.clone()).await,
        Some(4409)
    );

    // Oversized, malformed and binary messages, and floods, close the sender; the agent hears none of it.
    let (mut big, _) = join(&second_customer_slot(&app, &e, &mut c2).await, "big").await;
    let _ = next(&mut a, Duration::from_millis(500)).await; // its peer_joined
    let huge = "x".repeat(40 * 1024);
    send(&mut big, json!({ "type": "signal", "to": agent["identity"], "data": { "candidate": huge } })).await;
    assert_eq!(close_code(&mut big).await, Some(4413));

    for (payload, code) in [(Message::text("{not json"), 4400), (Message::binary(vec![1, 2, 3]), 4400)] {
        let g = customer_grant(&app, &e).await;
        let _ = next(&mut a, Duration::from_millis(700)).await; // the previous one leaving
        let (mut ws, _) = join(&g, "m").await;
        ws.send(payload).await.unwrap();
        assert_eq!(close_code(&mut ws).await, Some(code));
    }
    let g = customer_grant(&app, &e).await;
    let _ = next(&mut a, Duration::from_millis(700)).await;
    let (mut flood, _) = join(&g, "flood").await;
    for _ in 0..400 {
        if flood.send(Message::text(json!({ "type": "ping" }).to_string())).await.is_err() {
            break;
        }
    }
    assert_eq!(close_code(&mut flood).await, Some(4429));
    // Nothing the refused senders wrote reached the agent: only presence news.
    while let Some(m) = next(&mut a, Duration::from_millis(700)).await {
        assert!(["peer_joined", "peer_left"].contains(&m["type"].as_str().unwrap()), "relayed: {m}");
    }
    let logs = captured_logs();
    for reason in ["wrong_room", "unauthorized", "room_full", "message_too_big", "rate_limited", "bad_message"] {
        assert!(logs.contains(reason), "refusal `{reason}` is logged");
    }
    for secret in [agent["token"].as_str().unwrap(), customer["token"].as_str().unwrap(), &expired.token] {
        let leak = logs.lines().find(|l| l.contains(secret));
        assert!(leak.is_none(), "a call credential reached the logs: {leak:?}");
    }
}

/// Frees the customer's place (the first customer leaves) for the next
/// customer credential, which it answers.
async fn second_customer_slot(app: &TestApp, e: &Value, current: &mut Ws) -> Value {
    send(current, json!({ "type": "bye" })).await;
    let _ = close_code(current).await;
    customer_grant(app, e).await
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_hello_timeout() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Silent").await;
    let (_, e) = test_call(&app, &tenant).await;
    let grant = customer_grant(&app, &e).await;
    let mut ws = open(grant["signaling_url"].as_str().unwrap()).await;
    let start = std::time::Instant::now();
    assert_eq!(close_code(&mut ws).await, Some(4408));
    assert!(start.elapsed() >= Duration::from_secs(9), "closed after {:?}", start.elapsed());
}

/// Everything the call report must show for a call that really connected:
/// video decoded and rising on both pages, the remote track not the page's
/// own camera, and no ICE candidate on any address but loopback.
/// A built-in test call on a service with `settings`, walked through
/// `phases` by two headless Chromiums (`tests/browser/call.mjs`) with the
/// dashboard's test call as the agent; `extra` adds options to the walk.
pub(crate) struct Walk {
    /// The service, alive while the walk's result is.
    pub app: TestApp,
    pub tenant: Tenant,
    pub cc: String,
    pub id: String,
    pub report: Value,
}

pub(crate) async fn walk_test_call(settings: Vec<(String, String)>, phases: Value, extra: Value) -> Walk {
    let app = spawn_app_with(Options { extra: settings, ..Default::default() }).await;
    let tenant = app.create_tenant("Call").await;
    let (cc, e) = test_call(&app, &tenant).await;
    let id = e["id"].as_str().unwrap().to_owned();
    let mut opts = json!({
        "agent_base": app.address,
        "email": tenant.admin_email,
        "password": tenant.admin_password,
        "agent_url": app.url(&format!("/dashboard/contact-centers/{cc}/test-call/{id}")),
        "customer_url": e["join_url"],
        "phases": phases,
    });
    for (k, v) in extra.as_object().into_iter().flatten() {
        opts[k] = v.clone();
    }
    let report = browser::call(opts).await;
    Walk { app, tenant, cc, id, report }
}

fn assert_media_flowed(report: &Value, phase: &str) {
    for who in ["agent", "customer"] {
        let p = &report["phases"][phase][who];
        assert!(p["after"].as_u64().unwrap() > p["before"].as_u64().unwrap(), "{phase}/{who}: {p}");
        let stats = &p["stats"];
        assert!(
            stats["remoteTrackLabel"].is_string() && stats["remoteTrackLabel"] != "fake_device_0",
            "{who} plays the other page's video, not its own camera: {stats}"
        );
        let selected = &stats["selected"];
        assert_eq!(selected["local"]["type"], "relay", "{phase}/{who}: media goes through TURN: {selected}");
        for c in stats["candidates"].as_array().unwrap() {
            assert_eq!(c["address"], "127.0.0.1", "{phase}/{who}: a candidate off loopback: {c}");
        }
        assert!(stats["audioBytes"].as_u64().unwrap() > 0, "{who} receives audio");
    }
}

#[tokio::test]
async fn a_test_call_connects_two_browsers_through_turn_and_recovers_from_drops() {
    let turn = Turn::start();
    let phases = json!(["connect", "mute", "drop-signaling", "drop-turn", "end"]);
    let turn_opts = json!({ "turn": { "pid": turn.pid(), "command": turn.command, "args": turn.args } });
    let Walk { app: _app, tenant, cc, id, report } = walk_test_call(turn.settings(), phases, turn_opts).await;
    let id = id.as_str();
    if let Some(pid) = report["phases"]["drop-turn"]["turn_pid"].as_u64() {
        turn::kill_pid(pid as u32);
    }
    assert_eq!(report["problems"], json!([]), "{report:#}");
    assert_eq!(report["console_errors"], json!({ "agent": [], "customer": [] }), "{report:#}");
    assert_media_flowed(&report, "connect");
    assert_media_flowed(&report, "drop-turn");
    let mute = &report["phases"]["mute"];
    assert_eq!(mute["muted"]["audio"], "false");
    assert_eq!(mute["cameraOff"]["video"], "false");
    assert_eq!(report["phases"]["drop-signaling"]["seen"]["audio"], "false");
    assert!(report["phases"]["end"]["customer_text"].as_str().unwrap().contains("ended"), "{report:#}");

    let events = wait_events(&tenant, id, |evs| evs.iter().any(|e| e["event"] == "room-ended")).await;
    let count = |name: &str| events.iter().filter(|e| e["event"] == name).count();
    assert_eq!(count("participant-connected"), 2, "{events:#?}");
    assert!(count("participant-reconnected") >= 1, "the dropped WebSocket came back: {events:#?}");
    assert!(count("participant-disconnected") >= 2, "{events:#?}");

    // A test call is in the metrics only when asked for.
    let with: Value = tenant
        .admin
        .get(&format!("/v1/contact-centers/{cc}/metrics?include_test_calls=true"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(with["totals"]["escalations"], 1, "{with}");
    assert_eq!(with["totals"]["customers_joined"], 1, "{with}");
    assert!(with["totals"]["call_duration_seconds"]["median"].as_f64().unwrap() > 1.0, "{with}");
    let without: Value = tenant.admin.get(&format!("/v1/contact-centers/{cc}/metrics")).await.json().await.unwrap();
    assert_eq!(without["totals"]["escalations"], 0, "{without}");
}

#[tokio::test]
async fn a_call_connects_across_two_replicas_through_redis() {
    let turn = Turn::start();
    let app = spawn_app_with(Options { extra: turn.settings(), ..Default::default() }).await;
    let tenant = app.create_tenant("Replicas").await;
    let (cc, e) = test_call(&app, &tenant).await;
    let id = e["id"].as_str().unwrap();
    // The customer's replica hands out its own signalling URL, so the two
    // participants are on different replicas and only Redis joins them.
    let extra: Vec<(String, String)> = turn.settings();
    let env: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let replica: Replica = app.spawn_replica_with_own_url(&env).await;
    let replica_base = replica.url("");
    let code = e["code"].as_str().unwrap();

    // Signalling alone first: a message crosses from one replica to the other.
    let agent = agent_grant(&tenant, &e).await;
    let customer: Value =
        app.http.post(replica.url(&format!("/v1/join/{code}/token"))).send().await.unwrap().json().await.unwrap();
    assert!(customer["signaling_url"].as_str().unwrap().starts_with(&replica_base.replace("http", "ws")));
    let (mut a, _) = join(&agent, "a").await;
    let (mut c, welcome) = join(&customer, "c").await;
    assert_eq!(welcome["peers"][0]["identity"], agent["identity"], "presence is shared");
    assert_eq!(next(&mut a, Duration::from_secs(5)).await.unwrap()["type"], "peer_joined");
    send(&mut c, json!({ "type": "signal", "to": agent["identity"], "data": { "candidate": { "candidate": "x" } } }))
        .await;
    assert_eq!(next(&mut a, Duration::from_secs(5)).await.unwrap()["from"], customer["identity"]);
    send(&mut c, json!({ "type": "bye" })).await;
    send(&mut a, json!({ "type": "bye" })).await;
    let _ = (close_code(&mut a).await, close_code(&mut c).await);

    // Then the browsers: agent on the first replica, customer on the second.
    let report = browser::call(json!({
        "agent_base": app.address,
        "email": tenant.admin_email,
        "password": tenant.admin_password,
        "agent_url": app.url(&format!("/dashboard/contact-centers/{cc}/test-call/{id}")),
        "customer_url": replica.url(&format!("/join/{code}")),
        "phases": ["connect", "mute", "end"],
    }))
    .await;
    assert_eq!(report["problems"], json!([]), "{report:#}\nreplica log:\n{}", replica.logs());
    assert_media_flowed(&report, "connect");
    assert_eq!(report["phases"]["mute"]["muted"]["audio"], "false");
    wait_events(&tenant, id, |evs| evs.iter().any(|e| e["event"] == "room-ended")).await;
}

/// The Flex plugin's own call code, built for the browser from the same
/// sources as the plugin (`npm run build` in sdk-flex-plugin; `scripts/test`
/// runs it first), as the agent of a built-in escalation made with the
/// agent's Flex token, and the join page as the customer, through TURN.
#[tokio::test]
async fn the_flex_plugin_joins_a_built_in_call_with_the_customer() {
    let bundle = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../sdk-flex-plugin/build/browser/plugin-video.js")
        .canonicalize()
        .expect("the plugin's browser bundle: run `npm ci && npm run build` in sdk-flex-plugin (scripts/test does)");
    let turn = Turn::start();
    let app = spawn_app_with(Options { extra: turn.settings(), ..Default::default() }).await;
    let r = app.ready_contact_center("Plugin").await;
    let resp =
        r.tenant.admin.patch(&format!("/v1/contact-centers/{}", r.cc), json!({ "video_provider": "builtin" })).await;
    assert_eq!(resp.status(), 200);
    let flex = app.flex_token(&r.account, "alex@acme.example");
    let resp = app
        .escalate(
            &r.cc,
            &flex,
            Some("plugin-call"),
            json!({ "task_sid": escalate_e2e::task_sid(), "conversation_sid": escalate_e2e::conversation_sid(), "agent_name": "Alex" }),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let e: Value = resp.json().await.unwrap();
    // What the plugin joins with: the create answer's grant, as its store keeps it.
    let grant = e["agent_video"].clone();
    assert_eq!(grant["provider"], "builtin", "{e}");
    let report = browser::plugin_call(json!({
        "service_url": app.address,
        "grant": grant,
        "customer_url": e["join_url"],
        "bundle": bundle.display().to_string(),
        "phases": ["connect", "mute", "end"],
    }))
    .await;
    assert_eq!(report["problems"], json!([]), "{report:#}");
    assert_eq!(report["console_errors"], json!({ "agent": [], "customer": [] }), "{report:#}");
    assert_media_flowed(&report, "connect");
    assert_eq!(report["phases"]["mute"]["muted"]["audio"], "false", "the customer sees the agent muted: {report:#}");
    assert_eq!(report["phases"]["end"]["agent_end_reason"], "left", "{report:#}");

    // Presence written as escalation events, as with the dashboard's test call.
    let id = e["id"].as_str().unwrap();
    let events = wait_events(&r.tenant, id, |evs| {
        evs.iter().any(|e| e["event"] == "participant-disconnected" && e["participant_identity"] == grant["identity"])
    })
    .await;
    let connected: Vec<&Value> = events.iter().filter(|e| e["event"] == "participant-connected").collect();
    assert_eq!(connected.len(), 2, "{events:#?}");
    assert!(connected.iter().any(|e| e["participant_identity"] == "agent:alex@acme.example"), "{events:#?}");
}

/// A customer who blocks the camera and microphone still joins, and the
/// agent sees them present (camera off, no sound) within seconds, not
/// "waiting for the customer" forever.
#[tokio::test]
async fn a_customer_who_blocks_camera_and_microphone_is_visible_to_the_agent() {
    let turn = Turn::start();
    let app = spawn_app_with(Options { extra: turn.settings(), ..Default::default() }).await;
    let tenant = app.create_tenant("NoDevices").await;
    let (cc, e) = test_call(&app, &tenant).await;
    let id = e["id"].as_str().unwrap();
    let report = browser::call(json!({
        "agent_base": app.address,
        "email": tenant.admin_email,
        "password": tenant.admin_password,
        "agent_url": app.url(&format!("/dashboard/contact-centers/{cc}/test-call/{id}")),
        "customer_url": e["join_url"],
        "phases": ["connect-no-devices", "end"],
    }))
    .await;
    assert_eq!(report["problems"], json!([]), "{report:#}");
    let phase = &report["phases"]["connect-no-devices"];
    assert!(phase["agent_saw_after_ms"].as_u64().unwrap() <= 5000, "{phase}");
    assert_eq!(phase["seen"]["video"], "false", "{phase}");
    // And the customer sees the agent.
    assert!(phase["customer"]["after"].as_u64().unwrap() > 0, "{phase}");
}

/// One customer link reconnecting without end (300 page loads, each a new
/// session) writes a bounded number of event rows, and its first join is
/// among them.
#[tokio::test]
async fn reconnects_of_one_credential_write_a_bounded_number_of_event_rows() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Reloads").await;
    let (_, e) = test_call(&app, &tenant).await;
    let id = e["id"].as_str().unwrap();
    let customer = customer_grant(&app, &e).await;
    for i in 0..300 {
        let (mut ws, _) = join(&customer, &format!("page-{i}")).await;
        send(&mut ws, json!({ "type": "bye" })).await;
        let _ = close_code(&mut ws).await;
    }
    // Let the last writes land, then count.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let events: Vec<Value> = escalate_e2e::events_of(&tenant, id).await;
    let theirs: Vec<&Value> = events.iter().filter(|e| e["participant_identity"] == customer["identity"]).collect();
    assert!(theirs.len() <= 20, "{} rows for one credential", theirs.len());
    assert!(theirs.iter().any(|e| e["event"] == "participant-connected"), "the first join is kept");
    let escalation: Value = tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    assert!(escalation["customer_joined_at"].is_string());
}

/// Agent on one replica, customer on another; the customer's replica is
/// killed (SIGKILL: no goodbye). A reloaded page (a new credential) is let
/// back in within seconds, not refused as "room full" for hours, and the
/// dead replica's customer is recorded as having left, once.
#[tokio::test]
async fn a_reload_after_a_replica_crash_rejoins_within_seconds() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Crash").await;
    let (_, e) = test_call(&app, &tenant).await;
    let id = e["id"].as_str().unwrap();
    let code = e["code"].as_str().unwrap();
    let mut replica: Replica = app.spawn_replica_with_own_url(&[]).await;
    let agent = agent_grant(&tenant, &e).await;
    let (_agent_ws, _) = join(&agent, "agent-page").await;
    let first: Value =
        app.http.post(replica.url(&format!("/v1/join/{code}/token"))).send().await.unwrap().json().await.unwrap();
    let (_first_ws, _) = join(&first, "first-page").await;
    wait_events(&tenant, id, |evs| {
        evs.iter().any(|e| e["event"] == "participant-connected" && e["participant_identity"] == first["identity"])
    })
    .await;
    replica.kill();

    let crashed = std::time::Instant::now();
    let mut refusals = 0;
    let welcome = loop {
        assert!(crashed.elapsed() < Duration::from_secs(15), "still refused after 15 s ({refusals} refusals)");
        let again = customer_grant(&app, &e).await;
        let mut ws = open(again["signaling_url"].as_str().unwrap()).await;
        send(&mut ws, json!({ "type": "hello", "token": again["token"], "session": "reloaded-page" })).await;
        match next(&mut ws, Duration::from_secs(5)).await {
            Some(msg) if msg["type"] == "welcome" => break msg,
            _ => {
                refusals += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    };
    assert!(welcome["peers"].as_array().unwrap().iter().any(|p| p["identity"] == agent["identity"]), "{welcome}");
    let events = wait_events(&tenant, id, |evs| {
        evs.iter().any(|e| e["event"] == "participant-disconnected" && e["participant_identity"] == first["identity"])
    })
    .await;
    let left = events
        .iter()
        .filter(|e| e["event"] == "participant-disconnected" && e["participant_identity"] == first["identity"])
        .count();
    assert_eq!(left, 1, "{events:#?}");
}

/// The agent completes a built-in call after both left: the room's
/// empty-room timer, still running, must not move the call's end when it
/// fires a minute later, nor add a second room-ended.
#[tokio::test]
async fn a_completed_built_in_call_keeps_its_end_when_the_empty_room_timer_fires() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Timers").await;
    let (cc, e) = test_call(&app, &tenant).await;
    let resp = tenant
        .admin
        .patch(&format!("/v1/contact-centers/{cc}"), json!({ "room": { "empty_room_timeout_minutes": 1 } }))
        .await;
    assert_eq!(resp.status(), 200);
    let id = e["id"].as_str().unwrap();
    let agent = agent_grant(&tenant, &e).await;
    let customer = customer_grant(&app, &e).await;
    let (mut a, _) = join(&agent, "a").await;
    let (mut c, _) = join(&customer, "c").await;
    for ws in [&mut c, &mut a] {
        send(ws, json!({ "type": "bye" })).await;
        let _ = close_code(ws).await;
    }
    // Both left: the timer runs. The agent ends the call now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let done = tenant.admin.post(&format!("/v1/escalations/{id}/complete"), json!({})).await;
    assert!(done.status().is_success());
    let ended: Value = tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    let ended_at = ended["ended_at"].clone();
    assert!(ended_at.is_string(), "{ended}");
    // A minute (the timeout) and a little more later.
    tokio::time::sleep(Duration::from_secs(65)).await;
    let later: Value = tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    assert_eq!(later["ended_at"], ended_at, "{later}");
    let events = escalate_e2e::events_of(&tenant, id).await;
    assert_eq!(events.iter().filter(|e| e["event"] == "room-ended").count(), 1, "{events:#?}");
}

/// A customer who reloads the page mid-call joins again with a new
/// credential: both sides play video again within seconds, the agent sees
/// one customer (not two), and both joins are in the events.
#[tokio::test]
async fn a_customer_who_reloads_mid_call_is_back_in_the_call() {
    let turn = Turn::start();
    let phases = json!(["connect", "reload", "end"]);
    let Walk { app: _app, tenant, id, report, .. } = walk_test_call(turn.settings(), phases, json!({})).await;
    assert_eq!(report["problems"], json!([]), "{report:#}");
    let reload = &report["phases"]["reload"];
    assert_eq!(reload["agent_peers"], 1, "one customer, not the old page and the new: {reload}");
    assert!(reload["back_after_ms"].as_u64().unwrap() < 15_000, "{reload}");
    assert_media_flowed(&report, "reload");
    let events = wait_events(&tenant, &id, |evs| evs.iter().any(|e| e["event"] == "room-ended")).await;
    let customer_joins = events
        .iter()
        .filter(|e| {
            e["event"] == "participant-connected"
                && e["participant_identity"].as_str().is_some_and(|p| p.starts_with("customer:"))
        })
        .count();
    assert_eq!(customer_joins, 2, "the first page and the reloaded one: {events:#?}");
}

/// The QR hand-off: a desktop customer in the call opens the same link on a
/// phone (390×844, touch); the phone takes the call over within seconds,
/// the desktop page steps aside saying so (camera released, no fight for
/// the place), the agent sees one customer, and the move is recorded as one
/// leave and one join.
#[tokio::test]
async fn a_customer_who_moves_to_the_phone_mid_call_takes_the_call_over() {
    let turn = Turn::start();
    let phases = json!(["connect", "handoff", "end"]);
    let Walk { app: _app, tenant, id, report, .. } = walk_test_call(turn.settings(), phases, json!({})).await;
    assert_eq!(report["problems"], json!([]), "{report:#}");
    let h = &report["phases"]["handoff"];
    assert_eq!(h["qr_shown"], true, "the desktop page offers the QR code: {h}");
    assert!(h["qr_src"].as_str().is_some_and(|s| s.ends_with("/qr.svg")), "{h}");
    assert_eq!(h["phone_qr_shown"], false, "the phone does not: {h}");
    assert!(h["desktop_text"].as_str().unwrap().contains("another device"), "{h}");
    assert_eq!(h["desktop_camera_released"], true, "{h}");
    assert_eq!(h["agent_peers"], 1, "one customer: {h}");
    assert!(h["on_phone_after_ms"].as_u64().unwrap() < 15_000, "{h}");
    assert_media_flowed(&report, "handoff");
    assert_eq!(report["console_errors"]["phone"], json!([]), "{report:#}");
    let events = wait_events(&tenant, &id, |evs| evs.iter().any(|e| e["event"] == "room-ended")).await;
    let joins: Vec<&Value> = events
        .iter()
        .filter(|e| {
            e["event"] == "participant-connected"
                && e["participant_identity"].as_str().is_some_and(|p| p.starts_with("customer:"))
        })
        .collect();
    assert_eq!(joins.len(), 2, "the desktop and the phone: {events:#?}");
    let desktop = &joins[0]["participant_identity"];
    let desktop_left = events
        .iter()
        .filter(|e| e["event"] == "participant-disconnected" && e["participant_identity"] == *desktop)
        .count();
    assert_eq!(desktop_left, 1, "the desktop page left once, when the phone took over: {events:#?}");
}

/// The agent asks for the back camera: the customer's page offers it and
/// never switches by itself; on a device with one camera (the fake one
/// here) it says so and points to the phone. Customers cannot ask anyone.
#[tokio::test]
async fn the_agent_asks_for_the_back_camera_and_the_customer_decides() {
    let turn = Turn::start();
    let phases = json!(["connect", "ask-back-camera", "end"]);
    let phone = json!({ "customer_phone": true });
    let Walk { report, .. } = walk_test_call(turn.settings(), phases, phone).await;
    assert_eq!(report["problems"], json!([]), "{report:#}");
    let p = &report["phases"]["ask-back-camera"];
    let text = p["asked"]["text"].as_str().unwrap();
    assert!(text.contains("back camera") && text.contains("one camera"), "{p}");
    assert_eq!(p["asked"]["offers_switch"], false, "one camera: nothing to switch to: {p}");
    assert_eq!((&p["asked"]["viewport_width"], &p["asked"]["fits"]), (&json!(390), &json!(true)), "on a phone: {p}");
    assert_eq!(p["facing_before"], p["facing_after_wait"], "the page never switches by itself: {p}");
    assert_eq!(p["closed"], true, "{p}");
    assert!(p["agent_status"].as_str().unwrap().contains("Asked the customer"), "{p}");
    assert_eq!(report["console_errors"], json!({ "agent": [], "customer": [] }), "{report:#}");
}

#[tokio::test]
async fn the_agent_annotates_a_snapshot_the_customer_is_told_and_the_admin_downloads_it() {
    let turn = Turn::start();
    let phases = json!(["connect", "snapshot", "end"]);
    let Walk { app, tenant, id, report, .. } = walk_test_call(turn.settings(), phases, json!({})).await;
    assert_eq!(report["problems"], json!([]), "{report:#}");
    assert_eq!(report["console_errors"], json!({ "agent": [], "customer": [] }), "{report:#}");
    let p = &report["phases"]["snapshot"];
    assert_eq!(p["status"], 201, "{p}");
    assert_eq!(p["sent"]["has_csrf"], true, "{p}");
    // At the track's own resolution, not the element's.
    let saved = &p["snapshot"];
    assert_eq!((&saved["width"], &saved["height"]), (&p["picture"]["width"], &p["picture"]["height"]), "{p}");
    assert_eq!(saved["width"], p["video"]["width"], "the received track's width: {p}");
    assert_ne!(saved["width"], p["video"]["shown_width"], "not the element's: {p}");
    // The first frames went out at most 320×240; the snapshot has the camera's full size.
    assert!(p["camera"]["width"].as_u64().unwrap() > 320, "{p}");
    assert_eq!((&saved["width"], &saved["height"]), (&p["camera"]["width"], &p["camera"]["height"]), "{p}");
    assert!(p["told"]["text"].as_str().unwrap().contains("photo"), "{p}");
    assert_eq!(p["customer_loads_snapshot_js"], false, "{p}");
    for who in ["customer", "agent"] {
        let lens = &p["lens"][who];
        assert_eq!((&lens["torch_hidden"], &lens["zoom_hidden"]), (&json!(true), &json!(true)), "{who}: {lens}");
    }

    // The admin downloads it: a picture of the size saved.
    let snap = saved["id"].as_str().unwrap();
    let got = tenant.admin.get(&format!("/v1/escalations/{id}/snapshots/{snap}")).await;
    assert_eq!(got.status(), 200);
    let picture = image::load_from_memory(&got.bytes().await.unwrap()).expect("it decodes as a picture");
    assert_eq!(u64::from(picture.width()), saved["width"].as_u64().unwrap());
    assert_eq!(u64::from(picture.height()), saved["height"].as_u64().unwrap());
    // The annotation is in the picture: the arrow drawn from (20 %, 20 %) to
    // (50 %, 45 %) crosses its middle in the annotator's red.
    let rgb = picture.to_rgb8();
    let (mx, my) = ((rgb.width() as f64 * 0.35) as i64, (rgb.height() as f64 * 0.325) as i64);
    let red_near_middle = (-4..=4).flat_map(|dx| (-4..=4).map(move |dy| (mx + dx, my + dy))).any(|(x, y)| {
        let [r, g, b] = rgb.get_pixel(x as u32, y as u32).0;
        r > 190 && g < 110 && b < 110
    });
    assert!(red_near_middle, "the arrow is drawn into the saved picture");
    // The finished call's page shows it.
    let page = tenant.admin.get(&format!("/dashboard/escalations/{id}")).await.text().await.unwrap();
    assert!(page.contains(&format!("data-snapshot=\"{snap}\"")), "{page}");
    // Gone after the retention period.
    let later = chrono::Utc::now() + chrono::Duration::days(31);
    assert_eq!(escalate_app::services::snapshots::purge(&app.state, later).await.unwrap(), 1);
    assert_eq!(tenant.admin.get(&format!("/v1/escalations/{id}/snapshots/{snap}")).await.status(), 404);
}

/// The browser side of a replica crash: the customer's page is served and
/// signalled by a second replica, which is killed mid-call (SIGKILL). The
/// customer reloads on a live replica and is back in the call, video both
/// ways, within 15 s; the agent sees one customer.
#[tokio::test]
async fn a_customer_whose_replica_is_killed_mid_call_reloads_and_is_back_within_15_s() {
    let turn = Turn::start();
    let settings = turn.settings();
    let app = spawn_app_with(Options { extra: settings.clone(), ..Default::default() }).await;
    let tenant = app.create_tenant("Crash walk").await;
    let (cc, e) = test_call(&app, &tenant).await;
    let id = e["id"].as_str().unwrap().to_owned();
    let code = e["code"].as_str().unwrap();
    let extra: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let replica = app.spawn_replica_with_own_url(&extra).await;
    let opts = json!({
        "agent_base": app.address,
        "email": tenant.admin_email,
        "password": tenant.admin_password,
        "agent_url": app.url(&format!("/dashboard/contact-centers/{cc}/test-call/{id}")),
        "customer_url": replica.url(&format!("/join/{code}")),
        "customer_url_after_crash": e["join_url"],
        "replica_pid": replica.pid(),
        "phases": ["connect", "replica-crash", "end"],
    });
    let report = browser::call(opts).await;
    assert_eq!(report["problems"], json!([]), "{report:#}");
    let p = &report["phases"]["replica-crash"];
    assert!(p["rejoined_ms"].as_u64().unwrap() < 15_000, "{p}");
    assert!(p["back_after_ms"].as_u64().unwrap() < 20_000, "video both ways soon after: {p}");
    assert_eq!(p["agent_peers"], 1, "the agent sees one customer: {p}");
    for who in ["agent", "customer"] {
        assert!(p[who]["after"].as_u64().unwrap() > p[who]["before"].as_u64().unwrap(), "{who} plays video: {p}");
    }
}
