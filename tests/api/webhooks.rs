//! Signed event webhooks against a real receiver: every event of an
//! escalation delivered once, in order, signed so Standard Webhooks' own
//! library verifies it; a receiver that fails, hangs and recovers gets
//! everything; one that never recovers gets its deliveries marked failed,
//! and replay sends them again; two replicas share one outbox; secrets
//! rotate with overlap; endpoints must be https and public.

use std::collections::HashMap;
use std::time::Duration;

use escalate_e2e::receiver::{Mode, Received, Receiver};
use escalate_e2e::{Options, Ready, TestApp, assert_problem, conversation_sid, spawn_app_with, task_sid};
use serde_json::{Value, json};

const FAST: [(&str, &str); 4] = [
    ("WEBHOOK_ALLOW_LOOPBACK", "true"),
    ("WEBHOOK_TIMEOUT_MS", "300"),
    ("WEBHOOK_RETRY_BASE_MS", "100"),
    ("WEBHOOK_RETRY_FOR_SECONDS", "60"),
];

async fn spawn(extra: &[(&str, &str)]) -> TestApp {
    let mut pairs: Vec<(String, String)> = FAST.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    spawn_app_with(Options { extra: pairs, ..Options::default() }).await
}

async fn endpoint(r: &Ready, url: &str, events: &[&str]) -> (String, String) {
    let resp = r.tenant.admin.post("/v1/webhook-endpoints", json!({ "url": url, "events": events })).await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let body: Value = resp.json().await.unwrap();
    (body["endpoint"]["id"].as_str().unwrap().to_owned(), body["secret"].as_str().unwrap().to_owned())
}

/// One escalation through its life: created, agent and customer join, ended.
async fn one_call(app: &TestApp, r: &Ready, agent: &str) -> (String, String) {
    let flex = app.flex_token(&r.account, agent);
    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    let e: Value = app.escalate(&r.cc, &flex, None, body).await.json().await.unwrap();
    let id = e["id"].as_str().expect("escalation created").to_owned();
    let room = e["room_sid"].as_str().unwrap().to_owned();
    app.sim.connect_participant(&room, &format!("agent:{agent}")).unwrap();
    app.wait_for_escalation(&flex, &id, |v| v["agent_joined_at"].is_string()).await;
    app.sim.connect_participant(&room, "customer:0123456789abcdef").unwrap();
    app.wait_for_escalation(&flex, &id, |v| v["customer_joined_at"].is_string()).await;
    let done = app.http.post(app.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(&flex).send().await;
    assert!(done.unwrap().status().is_success());
    (id, e["code"].as_str().unwrap().to_owned())
}

fn verify(secret: &str, got: &Received) {
    let wh = standardwebhooks::Webhook::new(secret).expect("a whsec_ secret");
    wh.verify(&got.body, &got.headers).expect("the signature verifies with the Standard Webhooks library");
}

const LIFE: [&str; 4] = ["escalation.created", "agent.joined", "customer.joined", "escalation.ended"];

#[tokio::test]
async fn a_receiver_that_fails_hangs_and_recovers_gets_every_event_once_in_order_and_signed() {
    let app = spawn(&[]).await;
    let r = app.ready_contact_center("Acme").await;
    let rx = Receiver::start().await;
    let (endpoint_id, secret) = endpoint(&r, &rx.url, &LIFE).await;

    // Down first (500), then too slow (longer than the 300 ms timeout), then well.
    rx.set(Mode::Fail(500));
    let (id, code) = one_call(&app, &r, "alex").await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    rx.set(Mode::Hang(Duration::from_secs(1)));
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(rx.acknowledged().is_empty());
    assert!(rx.attempts() >= 2, "retried while failing: {}", rx.attempts());
    rx.set(Mode::Ok);
    let got = rx.wait_for(4, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_now = rx.acknowledged();
    assert_eq!(got_now.len(), 4, "each event once: {:?}", got_now.iter().map(|g| g.json()).collect::<Vec<_>>());

    let types: Vec<String> = got.iter().map(|g| g.json()["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(types, LIFE, "in the order they happened");
    let mut ids = Vec::new();
    for g in &got {
        verify(&secret, g);
        assert_eq!(g.header("content-type"), "application/json");
        assert!(g.header("webhook-id").starts_with("msg_"));
        let ts: i64 = g.header("webhook-timestamp").parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
        let body = g.json();
        assert_eq!(body["data"]["escalation_id"], id.as_str());
        assert_eq!(body["data"]["contact_center_id"], r.cc.as_str());
        assert_eq!(body["data"]["agent_identity"], "agent:alex");
        // The customer's code is their credential: it never leaves in a webhook.
        assert!(!String::from_utf8_lossy(&g.body).contains(&code));
        ids.push(g.header("webhook-id"));
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
    // A signature made with another secret does not verify.
    let other = standardwebhooks::Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert!(other.verify(&got[0].body, &got[0].headers).is_err());

    // The log: delivered, after several attempts, the failures recorded as they were.
    let log: Value =
        r.tenant.admin.get(&format!("/v1/webhook-endpoints/{endpoint_id}/deliveries")).await.json().await.unwrap();
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|d| d["status"] == "delivered" && d["last_status_code"] == 204));
    let first = items.iter().find(|d| d["event_type"] == "escalation.created").unwrap();
    assert!(first["attempts"].as_i64().unwrap() >= 3, "{first}");
    assert_eq!(first["message_id"], got[0].header("webhook-id").as_str());
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("escalate_webhook_attempts_total{outcome=\"retry\"}"), "{metrics}");
}

#[tokio::test]
async fn a_delivery_that_never_succeeds_is_failed_then_replayed_and_events_reach_only_subscribers() {
    let app = spawn(&[("WEBHOOK_RETRY_FOR_SECONDS", "1")]).await;
    let r = app.ready_contact_center("Acme").await;
    let down = Receiver::start().await;
    let picky = Receiver::start().await;
    let (down_id, _) = endpoint(&r, &down.url, &["escalation.created"]).await;
    let (_, picky_secret) = endpoint(&r, &picky.url, &["escalation.ended"]).await;
    down.set(Mode::Fail(503));
    one_call(&app, &r, "alex").await;

    // The picky endpoint gets only what it asked for.
    let got = picky.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(picky.acknowledged().len(), 1);
    assert_eq!(got[0].json()["type"], "escalation.ended");
    verify(&picky_secret, &got[0]);

    // The down one is given up on after the retry period.
    let path = format!("/v1/webhook-endpoints/{down_id}/deliveries");
    let mut failed = Value::Null;
    for _ in 0..100 {
        let log: Value = r.tenant.admin.get(&path).await.json().await.unwrap();
        if log["items"][0]["status"] == "failed" {
            failed = log["items"][0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(failed["status"], "failed", "marked failed after its retry period");
    assert_eq!(failed["last_status_code"], 503);
    assert!(failed["last_error"].as_str().unwrap().contains("503"));
    let attempts_while_down = down.attempts();
    assert!(attempts_while_down >= 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(down.attempts(), attempts_while_down, "no attempt after it failed");

    // Replay once the receiver is back: the same message, delivered.
    down.set(Mode::Ok);
    let resp = r.tenant.admin.post(&format!("/v1/webhook-deliveries/{}/replay", failed["id"]), json!({})).await;
    assert_eq!(resp.status(), 202);
    let got = down.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("webhook-id"), failed["message_id"].as_str().unwrap());
    let log: Value = r.tenant.admin.get(&path).await.json().await.unwrap();
    assert_eq!(log["items"][0]["status"], "delivered");
    let audit: Value = r.tenant.admin.get("/v1/audit-log?action=webhook_delivery.replayed").await.json().await.unwrap();
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn two_replicas_share_the_outbox_and_deliver_each_event_once_in_order() {
    let app = spawn(&[]).await;
    let extra: Vec<(&str, &str)> = FAST.to_vec();
    let replica = app.spawn_replica_with(&extra).await;
    let r = app.ready_contact_center("Acme").await;
    let rx = Receiver::start().await;
    let (_, secret) = endpoint(&r, &rx.url, &LIFE).await;
    // Slow answers, so both replicas have deliveries in flight at once.
    rx.set(Mode::Ok);
    let calls = 8;
    let mut ids = Vec::new();
    for n in 0..calls {
        ids.push(one_call(&app, &r, &format!("agent{n}")).await.0);
    }
    let got = rx.wait_for(calls * 4, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = if rx.acknowledged().len() > got.len() { rx.acknowledged() } else { got };
    assert_eq!(got.len(), calls * 4, "each event once per endpoint");
    let mut per_escalation: HashMap<String, Vec<String>> = HashMap::new();
    let mut message_ids = std::collections::HashSet::new();
    for g in &got {
        verify(&secret, g);
        assert!(message_ids.insert(g.header("webhook-id")), "delivered twice: {}", g.header("webhook-id"));
        let body = g.json();
        per_escalation
            .entry(body["data"]["escalation_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(body["type"].as_str().unwrap().to_owned());
    }
    for id in &ids {
        assert_eq!(per_escalation[id], LIFE, "escalation {id} in order");
    }
    // Both replicas took part, and between them attempted each delivery once.
    let delivered = |text: String| -> u64 {
        text.lines()
            .find(|l| l.starts_with("escalate_webhook_attempts_total{outcome=\"delivered\"}"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let here = delivered(app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap());
    let there = delivered(app.http.get(replica.url("/metrics")).send().await.unwrap().text().await.unwrap());
    assert_eq!(here + there, (calls * 4) as u64, "here {here}, there {there}");
}

#[tokio::test]
async fn secrets_rotate_with_overlap_and_endpoints_must_be_public_https() {
    let app = spawn(&[]).await;
    let r = app.ready_contact_center("Acme").await;
    let rx = Receiver::start().await;
    let (id, old) = endpoint(&r, &rx.url, &["escalation.created"]).await;

    // The secret is never shown again.
    let listed = r.tenant.admin.get("/v1/webhook-endpoints").await.text().await.unwrap();
    assert!(!listed.contains(&old) && !listed.contains("whsec_"));

    let rotated: Value = r
        .tenant
        .admin
        .post(&format!("/v1/webhook-endpoints/{id}/rotate-secret"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let flex = app.flex_token(&r.account, "alex");
    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    assert_eq!(app.escalate(&r.cc, &flex, None, body).await.status(), 201);
    let got = rx.wait_for(1, Duration::from_secs(10)).await;
    // Signed with both during the overlap: a receiver on either secret verifies.
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);
    verify(&old, &got[0]);
    verify(&new, &got[0]);

    // Pausing stops events from being queued for it.
    let paused = r.tenant.admin.patch(&format!("/v1/webhook-endpoints/{id}"), json!({ "enabled": false })).await;
    assert_eq!(paused.status(), 200);
    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    assert_eq!(app.escalate(&r.cc, &flex, None, body).await.status(), 201);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rx.acknowledged().len(), 1);

    // Where an endpoint may point.
    for (url, why) in [
        ("http://93.184.216.34/hook", "must be an https:// URL"),
        ("https://10.0.0.7/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "private"),
        ("https://user:pw@93.184.216.34/hook", "user name"),
        ("not a url", "absolute URL"),
    ] {
        let resp =
            r.tenant.admin.post("/v1/webhook-endpoints", json!({ "url": url, "events": ["agent.joined"] })).await;
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains(why), "{url}: {problem}");
    }
    let resp = r.tenant.admin.post("/v1/webhook-endpoints", json!({ "url": rx.url, "events": [] })).await;
    assert_eq!(assert_problem(resp, 422, "validation_failed").await["errors"][0]["field"], "events");
    let resp =
        r.tenant.admin.post("/v1/webhook-endpoints", json!({ "url": rx.url, "events": ["room.exploded"] })).await;
    assert_eq!(resp.status(), 400);

    // Every change is in the audit log, never with the secret.
    let audit = r.tenant.admin.get("/v1/audit-log?limit=200").await.text().await.unwrap();
    for action in ["webhook_endpoint.created", "webhook_endpoint.secret_rotated", "webhook_endpoint.updated"] {
        assert!(audit.contains(action), "{action}");
    }
    assert!(!audit.contains(&old) && !audit.contains(&new));
}

#[tokio::test]
async fn production_settings_refuse_loopback_endpoints() {
    let app = spawn_app_with(Options::default()).await;
    let r = app.ready_contact_center("Acme").await;
    let rx = Receiver::start().await;
    let resp = r.tenant.admin.post("/v1/webhook-endpoints", json!({ "url": rx.url, "events": ["agent.joined"] })).await;
    assert_eq!(assert_problem(resp, 422, "validation_failed").await["errors"][0]["field"], "url");
    let https = rx.url.replace("http://", "https://");
    let resp = r.tenant.admin.post("/v1/webhook-endpoints", json!({ "url": https, "events": ["agent.joined"] })).await;
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("loopback"), "{problem}");
}

#[tokio::test]
async fn the_dashboard_adds_an_endpoint_shows_its_log_and_replays() {
    let app = spawn(&[]).await;
    let r = app.ready_contact_center("Acme").await;
    let rx = Receiver::start().await;
    let admin = &r.tenant.admin;
    let form = |extra: Vec<(&'static str, String)>| {
        let mut f = vec![("csrf_token", admin.csrf.clone())];
        f.extend(extra);
        f
    };
    // A bad URL is shown again with the field's error.
    let resp = admin
        .client
        .post(app.url("/dashboard/webhooks"))
        .form(&form(vec![("url", "http://10.0.0.1/x".into()), ("events", "agent.joined".into())]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("data-error-for=\"url\""));

    let resp = admin
        .client
        .post(app.url("/dashboard/webhooks"))
        .form(&form(vec![
            ("url", rx.url.clone()),
            ("description", "CRM".into()),
            ("contact_center_id", r.cc.clone()),
            ("events", "escalation.created".into()),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let html = resp.text().await.unwrap();
    // The page escapes `/` (a base64 character) as an HTML entity.
    let secret =
        html.split("data-testid=\"new-secret\">").nth(1).unwrap().split('<').next().unwrap().replace("&#x2f;", "/");
    assert!(secret.starts_with("whsec_"));
    let listed: Vec<Value> = admin.get("/v1/webhook-endpoints").await.json().await.unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed[0]["contact_center_id"], r.cc.as_str());
    assert_eq!(listed[0]["events"], json!(["escalation.created"]));

    let flex = app.flex_token(&r.account, "alex");
    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    assert_eq!(app.escalate(&r.cc, &flex, None, body).await.status(), 201);
    let got = rx.wait_for(1, Duration::from_secs(10)).await;
    verify(&secret, &got[0]);

    let page = admin.get(&format!("/dashboard/webhooks/{id}")).await.text().await.unwrap();
    assert!(page.contains("data-status=\"delivered\"") && page.contains("escalation.created"), "{page}");
    let delivery = page.split("data-delivery=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let resp = admin
        .client
        .post(app.url(&format!("/dashboard/webhooks/{id}/deliveries/{delivery}/replay")))
        .form(&form(vec![]))
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.unwrap().contains("Delivery queued again"));
    let again = rx.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(again[1].header("webhook-id"), got[0].header("webhook-id"), "a replay is the same message");

    // Pause, rotate, delete.
    let post = |path: String| admin.client.post(app.url(&path)).form(&form(vec![])).send();
    // (The session's client follows the redirect to the endpoint's page.)
    let toggled = post(format!("/dashboard/webhooks/{id}/toggle")).await.unwrap().text().await.unwrap();
    assert!(toggled.contains("Endpoint paused"), "{toggled}");
    let ep: Value = admin.get(&format!("/v1/webhook-endpoints/{id}")).await.json().await.unwrap();
    assert_eq!(ep["enabled"], false);
    let rotated = post(format!("/dashboard/webhooks/{id}/rotate")).await.unwrap().text().await.unwrap();
    assert!(rotated.contains("data-testid=\"new-secret\">whsec_") && !rotated.contains(&secret));
    let deleted = post(format!("/dashboard/webhooks/{id}/delete")).await.unwrap().text().await.unwrap();
    assert!(deleted.contains("Endpoint deleted"));
    assert_eq!(admin.get(&format!("/v1/webhook-endpoints/{id}")).await.status(), 404);
}

/// "Expired" is one state everywhere: from the instant a link runs out with
/// nobody in the call, the API, the list filter once swept, the metrics and
/// the webhooks say so, and sweeping twice (two replicas) announces it once.
#[tokio::test]
async fn a_link_that_runs_out_unused_is_expired_in_the_api_metrics_and_webhooks_once() {
    use sea_orm::ConnectionTrait;
    let app = spawn(&[]).await;
    let r = app.ready_contact_center("Acme").await;
    let rx = Receiver::start().await;
    let (_, secret) = endpoint(&r, &rx.url, &["escalation.created", "escalation.expired", "escalation.ended"]).await;
    let flex = app.flex_token(&r.account, "alex");
    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    let unused: Value = app.escalate(&r.cc, &flex, None, body).await.json().await.unwrap();
    let id = unused["id"].as_str().unwrap().to_owned();
    let joined_id = {
        // An escalation the customer joined stays what it was when its link runs out.
        let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
        let e: Value = app.escalate(&r.cc, &flex, None, body).await.json().await.unwrap();
        let room = e["room_sid"].as_str().unwrap().to_owned();
        app.sim.connect_participant(&room, "customer:0123456789abcdef").unwrap();
        let id = e["id"].as_str().unwrap().to_owned();
        app.wait_for_escalation(&flex, &id, |v| v["customer_joined_at"].is_string()).await;
        id
    };
    rx.wait_for(2, Duration::from_secs(10)).await;

    let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
    db.execute_unprepared("UPDATE escalations SET expires_at = created_at").await.unwrap();

    // Before any sweep: the API and the metrics already say expired.
    let v = app.wait_for_escalation(&flex, &id, |_| true).await;
    assert_eq!(v["status"], "expired");
    let v = app.wait_for_escalation(&flex, &joined_id, |_| true).await;
    assert_eq!(v["status"], "open", "a call that happened is not an expired link");
    let m: Value = r.tenant.admin.get(&format!("/v1/contact-centers/{}/metrics", r.cc)).await.json().await.unwrap();
    assert_eq!(m["totals"]["escalations"], 2, "{m}");
    assert_eq!(m["totals"]["expired"], 1, "{m}");

    // Two sweeps (as two replicas would): written down once, announced once.
    assert_eq!(escalate_app::services::expiry::run_once(&app.state).await.unwrap(), 1);
    assert_eq!(escalate_app::services::expiry::run_once(&app.state).await.unwrap(), 0);
    let path = format!("/v1/contact-centers/{}/escalations?status=expired", r.cc);
    let listed: Value = r.tenant.admin.get(&path).await.json().await.unwrap();
    let ids: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [id.as_str()]);
    let got = rx.wait_for(3, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = if rx.acknowledged().len() > got.len() { rx.acknowledged() } else { got };
    let types: Vec<String> = got.iter().map(|g| g.json()["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(types.iter().filter(|t| *t == "escalation.expired").count(), 1, "{types:?}");
    let expired = got.iter().find(|g| g.json()["type"] == "escalation.expired").unwrap();
    verify(&secret, expired);
    assert_eq!(expired.json()["data"]["escalation_id"], id.as_str());
    assert_eq!(expired.json()["data"]["status"], "expired");

    // Ending it afterwards changes nothing and announces nothing; the link is dead.
    let done = app.http.post(app.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(&flex).send().await;
    let done: Value = done.unwrap().json().await.unwrap();
    assert_eq!(done["status"], "expired");
    let code = unused["code"].as_str().unwrap();
    assert_eq!(app.http.get(app.url(&format!("/join/{code}"))).send().await.unwrap().status(), 404);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.acknowledged().len(), got.len(), "no further events");
}

/// Erasing a customer's data reaches the webhook log too: the bodies about
/// the escalation (the comment, the conversation) are gone from it.
#[tokio::test]
async fn erasing_a_customers_data_removes_the_webhook_bodies_that_carry_it() {
    let app = spawn(&[]).await;
    let r = app.ready_contact_center("Acme").await;
    let rx = Receiver::start().await;
    let (endpoint_id, _) = endpoint(&r, &rx.url, &["escalation.ended", "rating.received"]).await;
    let (id, code) = one_call(&app, &r, "alex").await;
    let rated = app
        .http
        .post(app.url(&format!("/v1/join/{code}/rating")))
        .json(&json!({ "stars": 2, "comment": "my address is 1 Main St" }))
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), 201);
    rx.wait_for(2, Duration::from_secs(10)).await;
    let path = format!("/v1/webhook-endpoints/{endpoint_id}/deliveries");
    let log: Value = r.tenant.admin.get(&path).await.json().await.unwrap();
    assert!(log.to_string().contains("1 Main St"), "{log}");

    let erased = r.tenant.admin.post(&format!("/v1/escalations/{id}/erase"), json!({})).await;
    assert_eq!(erased.status(), 200);
    let log: Value = r.tenant.admin.get(&path).await.json().await.unwrap();
    assert!(!log.to_string().contains("1 Main St"), "{log}");
    assert!(log["items"].as_array().unwrap().iter().all(|d| d["escalation_id"] != id.as_str()), "{log}");
}
