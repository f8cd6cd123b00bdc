//! How each call went, as both browsers measured it: samples posted for
//! Twilio calls (the customer with the room code, the agent with a Flex
//! token) or sent over the built-in signalling socket, kept per escalation
//! and side, shown on the escalation, counted as poor calls in the metrics.

use std::time::Duration;

use escalate_e2e::impair::Impairment;
use escalate_e2e::turn::Turn;
use escalate_e2e::{Ready, TestApp, assert_problem, conversation_sid, spawn_app, task_sid};
use serde_json::{Value, json};

async fn escalate(app: &TestApp, r: &Ready, agent: &str) -> Value {
    let flex = app.flex_token(&r.account, agent);
    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    let resp = app.escalate(&r.cc, &flex, None, body).await;
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

fn sample(rtt: f64, loss: f64) -> Value {
    json!({ "round_trip_ms": rtt, "packet_loss_percent": loss, "relayed": true, "bitrate_kbps": 812.5,
            "width": 640, "height": 480, "freezes": 1, "reconnects": 0 })
}

async fn customer_sample(app: &TestApp, code: &str, body: &Value) -> reqwest::Response {
    app.http.post(app.url(&format!("/v1/join/{code}/quality"))).json(body).send().await.unwrap()
}

async fn agent_sample(app: &TestApp, flex: &str, id: &str, body: &Value) -> reqwest::Response {
    app.http.post(app.url(&format!("/v1/escalations/{id}/quality"))).bearer_auth(flex).json(body).send().await.unwrap()
}

#[tokio::test]
async fn samples_from_both_sides_make_the_calls_quality_and_the_metrics_poor_share() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let a = escalate(&app, &r, "alex").await;
    let (id, code) = (a["id"].as_str().unwrap(), a["code"].as_str().unwrap());
    assert_eq!(a["quality"], json!({ "agent": null, "customer": null, "poor": null }), "{a}");

    // The customer's side: three samples; the median is what counts.
    for rtt in [40.0, 80.0, 60.0] {
        assert_eq!(customer_sample(&app, code, &sample(rtt, 0.5)).await.status(), 204);
    }
    let e: Value = r.tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    let c = &e["quality"]["customer"];
    assert_eq!((c["samples"].as_u64(), c["round_trip_ms"].as_f64()), (Some(3), Some(60.0)), "{e}");
    assert_eq!((c["packet_loss_percent"].as_f64(), c["relayed"].as_bool()), (Some(0.5), Some(true)), "{e}");
    assert_eq!((c["width"].as_u64(), c["freezes"].as_u64(), c["poor"].as_bool()), (Some(640), Some(1), Some(false)));
    assert!(e["quality"]["agent"].is_null(), "the agent sent nothing yet: {e}");
    assert_eq!(e["quality"]["poor"], false);

    // The agent's side, with a Flex token: a bad network makes the call poor.
    let flex = app.flex_token(&r.account, "alex");
    for _ in 0..2 {
        assert_eq!(agent_sample(&app, &flex, id, &sample(450.0, 6.0)).await.status(), 204);
    }
    let e: Value = r.tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    assert_eq!(e["quality"]["agent"]["samples"], 2, "{e}");
    assert_eq!((e["quality"]["agent"]["poor"].as_bool(), e["quality"]["poor"].as_bool()), (Some(true), Some(true)));

    // A second call measured well: half the measured calls were poor.
    let b = escalate(&app, &r, "blake").await;
    assert_eq!(customer_sample(&app, b["code"].as_str().unwrap(), &sample(30.0, 0.0)).await.status(), 204);
    let _unmeasured = escalate(&app, &r, "casey").await;
    let m: Value =
        r.tenant.admin.get(&format!("/v1/contact-centers/{}/metrics?by=agent", r.cc)).await.json().await.unwrap();
    assert_eq!(m["totals"]["quality"], json!({ "measured": 2, "poor_share": 0.5 }), "{m}");
    let list: Value =
        r.tenant.admin.get(&format!("/v1/contact-centers/{}/escalations", r.cc)).await.json().await.unwrap();
    let poor: Vec<_> = list["items"].as_array().unwrap().iter().map(|e| e["quality"]["poor"].clone()).collect();
    assert_eq!(poor, [json!(null), json!(false), json!(true)], "newest first: {list}");

    // The dashboard shows the share.
    let b = crate::dashboard::Browser::new(&app);
    assert_eq!(b.login(&r.tenant.admin_email, &r.tenant.admin_password).await.status(), 303);
    let html = b.html(&format!("/dashboard/contact-centers/{}", r.cc)).await;
    assert!(html.contains("data-metric=\"poor_quality_share\" data-value=\"0.5\""), "{html}");
    assert!(html.contains("50% of 2"), "{html}");
    // Each call's figures, per side, in its line of the recent escalations.
    let at = html.find(&format!("data-escalation=\"{id}\"")).expect("the call's line");
    let line = &html[at..at + html[at..].find("</li>").unwrap()];
    assert!(line.contains("data-testid=\"poor-quality\""), "{line}");
    assert!(line.contains("round trip 450 ms · loss 6.0 %") && line.contains("2 samples"), "{line}");
    assert!(line.contains("round trip 60 ms · loss 0.5 %") && line.contains("video 640×480"), "{line}");
}

#[tokio::test]
async fn what_cannot_be_a_measurement_is_refused_and_nothing_is_kept() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let a = escalate(&app, &r, "alex").await;
    let (id, code) = (a["id"].as_str().unwrap(), a["code"].as_str().unwrap());
    for (body, field) in [
        (json!({ "round_trip_ms": -1, "packet_loss_percent": 0, "relayed": false }), "round_trip_ms"),
        (json!({ "round_trip_ms": 10, "packet_loss_percent": 101, "relayed": false }), "packet_loss_percent"),
        (json!({ "round_trip_ms": 10, "packet_loss_percent": 0, "relayed": false, "width": 99999 }), "width"),
        (json!({ "round_trip_ms": 10, "packet_loss_percent": 0 }), "relayed"),
        (json!({ "round_trip_ms": "fast", "packet_loss_percent": 0, "relayed": false }), "round_trip_ms"),
    ] {
        let resp = customer_sample(&app, code, &body).await;
        assert_eq!(resp.status(), 400, "{body}");
        let problem: Value = resp.json().await.unwrap();
        assert!(problem.to_string().contains(field), "{body} -> {problem}");
    }
    assert_problem(customer_sample(&app, "ZZZZZZZZZZZZZ", &sample(10.0, 0.0)).await, 404, "not_found").await;
    // Another tenant's agent cannot report on this call.
    let other = app.ready_contact_center("Other").await;
    let stranger = app.flex_token(&other.account, "alex");
    assert_eq!(agent_sample(&app, &stranger, id, &sample(10.0, 0.0)).await.status(), 401);
    let e: Value = r.tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    assert_eq!(e["quality"], json!({ "agent": null, "customer": null, "poor": null }), "{e}");

    // A flood is cut at 30 a minute per side.
    let mut statuses = Vec::new();
    for _ in 0..35 {
        statuses.push(customer_sample(&app, code, &sample(10.0, 0.0)).await.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|&&s| s == 204).count(), 30, "{statuses:?}");
    assert!(statuses[30..].iter().all(|&s| s == 429), "{statuses:?}");
}

/// A built-in test call between two headless Chromium pages, through TURN,
/// held for 15 s: its report and the escalation afterwards.
async fn measured_call(settings: Vec<(String, String)>) -> (Value, Value, Value) {
    let phases = json!(["connect", "hold", "end"]);
    let walk = crate::webrtc::walk_test_call(settings, phases, json!({ "hold_ms": 15000 })).await;
    let (tenant, cc, id, report) = (&walk.tenant, &walk.cc, &walk.id, walk.report.clone());
    assert_eq!(report["problems"], json!([]), "{report:#}");
    let escalation: Value = tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    let metrics: Value = tenant
        .admin
        .get(&format!("/v1/contact-centers/{cc}/metrics?include_test_calls=true"))
        .await
        .json()
        .await
        .unwrap();
    (report, escalation, metrics)
}

#[tokio::test]
async fn both_browsers_measure_a_call_whose_media_must_use_turn_over_tcp() {
    let turn = Turn::start();
    let (report, e, m) = measured_call(turn.tcp_settings()).await;
    // UDP to TURN refused (not offered): the media went over TCP to the relay.
    for who in ["agent", "customer"] {
        let local = &report["phases"]["hold"][who]["stats"]["selected"]["local"];
        assert_eq!(
            (local["type"].as_str(), local["relay"].as_str()),
            (Some("relay"), Some("tcp")),
            "{who}: {report:#}"
        );
    }
    for side in ["agent", "customer"] {
        let q = &e["quality"][side];
        assert!(q["samples"].as_u64().unwrap_or(0) >= 2, "{side} measured the call: {e:#}");
        assert_eq!(q["relayed"], true, "{side}: {q}");
        assert!(q["round_trip_ms"].as_f64().unwrap() < 300.0, "{side}: loopback is fast: {q}");
        assert!(q["width"].as_u64().unwrap_or(0) > 0, "{side} received video: {q}");
    }
    assert_eq!(e["quality"]["poor"], false, "{e:#}");
    assert_eq!(m["totals"]["quality"], json!({ "measured": 1, "poor_share": 0.0 }), "{m}");
}

#[tokio::test]
async fn an_impaired_path_still_connects_and_its_quality_shows_it() {
    let turn = Turn::start();
    // 150 ms added to what each browser sends, and 5 % of it lost, on its way to TURN.
    let how = Impairment { delay: Duration::from_millis(150), loss_percent: 5 };
    let (report, e, m) = measured_call(turn.impaired_settings(how)).await;
    assert!(report["phases"]["hold"]["customer"].is_object(), "video still flows: {report:#}");
    for side in ["agent", "customer"] {
        let q = &e["quality"][side];
        assert!(q["samples"].as_u64().unwrap_or(0) >= 2, "{side} measured the call: {e:#}");
        let (rtt, loss) = (q["round_trip_ms"].as_f64().unwrap(), q["packet_loss_percent"].as_f64().unwrap());
        assert!(rtt >= 250.0 || loss >= 2.0, "{side}: the impairment shows: {q}");
    }
    assert_eq!(e["quality"]["poor"], true, "{e:#}");
    assert_eq!(m["totals"]["quality"], json!({ "measured": 1, "poor_share": 1.0 }), "{m}");
}
