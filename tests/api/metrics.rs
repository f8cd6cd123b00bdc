use chrono::{DateTime, Duration, Utc};
use escalate_e2e::{Ready, TestApp, assert_problem, conversation_sid, spawn_app, task_sid};
use serde_json::{Value, json};
use twilio_sim::{ApiOp, Fault};

struct Made {
    id: String,
    room_sid: String,
    room_name: String,
    created: DateTime<Utc>,
}

async fn escalate(app: &TestApp, r: &Ready, key: &str, agent: &str) -> Made {
    let resp = app.escalate(&r.cc, key, None, json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": agent })).await;
    assert_eq!(resp.status(), 201);
    let e: Value = resp.json().await.unwrap();
    Made {
        id: e["id"].as_str().unwrap().into(),
        room_sid: e["room_sid"].as_str().unwrap().into(),
        room_name: e["room_name"].as_str().unwrap().into(),
        created: DateTime::parse_from_rfc3339(e["created_at"].as_str().unwrap()).unwrap().with_timezone(&Utc),
    }
}

async fn event(app: &TestApp, r: &Ready, m: &Made, seq: i64, kind: &str, at_secs: i64, who: Option<&str>, room_duration: Option<i64>) {
    let at = m.created + Duration::seconds(at_secs);
    let mut params = vec![
        ("RoomSid", m.room_sid.clone()),
        ("RoomName", m.room_name.clone()),
        ("RoomStatus", if kind == "room-ended" { "completed".into() } else { "in-progress".into() }),
        ("RoomType", "group".into()),
        ("StatusCallbackEvent", kind.into()),
        ("SequenceNumber", seq.to_string()),
        ("Timestamp", at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
    ];
    if let Some(w) = who {
        params.push(("ParticipantIdentity", w.into()));
        params.push(("ParticipantSid", format!("PA{:032x}", seq)));
    }
    if let Some(d) = room_duration {
        params.push(("RoomDuration", d.to_string()));
    }
    assert_eq!(app.post_callback(&r.cc, &r.account, &params).await.status(), 204);
}

fn figures(v: &Value) -> (i64, i64, f64, Value, Value, Value, Value) {
    (
        v["escalations"].as_i64().unwrap(),
        v["customers_joined"].as_i64().unwrap(),
        v["join_rate"].as_f64().unwrap(),
        v["time_to_join_seconds"]["median"].clone(),
        v["time_to_join_seconds"]["p90"].clone(),
        v["call_duration_seconds"]["median"].clone(),
        v["call_duration_seconds"]["p90"].clone(),
    )
}

#[tokio::test]
async fn metrics_match_hand_computed_figures() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let key = app.api_key(&r.tenant, &["escalations"]).await;

    // E1 alex: joins after 10 s, call of 100 s. Callbacks reversed and repeated.
    let e1 = escalate(&app, &r, &key, "alex").await;
    for _ in 0..2 {
        event(&app, &r, &e1, 104, "room-ended", 110, None, Some(110)).await;
        event(&app, &r, &e1, 103, "participant-disconnected", 110, Some("customer:aa"), None).await;
        event(&app, &r, &e1, 102, "participant-connected", 10, Some("customer:aa"), None).await;
        event(&app, &r, &e1, 101, "participant-connected", 2, Some("agent:alex"), None).await;
    }
    // E2 alex: joins after 30 s, leaves, rejoins (the first join counts), call ends at 330 s.
    let e2 = escalate(&app, &r, &key, "alex").await;
    event(&app, &r, &e2, 105, "participant-connected", 200, Some("customer:bb2"), None).await;
    event(&app, &r, &e2, 102, "participant-connected", 30, Some("customer:bb"), None).await;
    event(&app, &r, &e2, 106, "room-ended", 330, None, Some(330)).await;
    // E3 alex: the customer never joins.
    let e3 = escalate(&app, &r, &key, "alex").await;
    event(&app, &r, &e3, 101, "participant-connected", 3, Some("agent:alex"), None).await;
    event(&app, &r, &e3, 102, "room-ended", 600, None, Some(600)).await;
    // E4 sam: joined after 20 s, still in the call.
    let e4 = escalate(&app, &r, &key, "sam").await;
    event(&app, &r, &e4, 102, "participant-connected", 20, Some("customer:dd"), None).await;
    // A failed attempt does not count.
    app.sim.set_fault(ApiOp::CreateRoom, Fault { status: Some(500), ..Default::default() });
    let resp = app.escalate(&r.cc, &key, None, json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "alex" })).await;
    assert_eq!(resp.status(), 502);
    app.sim.clear_faults();

    let from = (e1.created - Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = (e4.created + Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let m: Value = r
        .tenant
        .admin
        .get(&format!("/v1/contact-centers/{}/metrics?from={from}&to={to}&bucket=hour", r.cc))
        .await
        .json()
        .await
        .unwrap();
    // Totals: 4 escalations, 3 joined; time to join [10, 20, 30]; calls [100, 300].
    assert_eq!(figures(&m["totals"]), (4, 3, 0.75, json!(10.0 + 10.0), json!(30.0), json!(100.0), json!(300.0)), "{m}");
    let agents = m["by_agent"].as_array().unwrap();
    assert_eq!(agents.len(), 2);
    assert_eq!(agents[0]["agent_identity"], "agent:alex");
    assert_eq!(figures(&agents[0]["figures"]), (3, 2, 0.667, json!(10.0), json!(30.0), json!(100.0), json!(300.0)));
    assert_eq!(agents[1]["agent_identity"], "agent:sam");
    assert_eq!(figures(&agents[1]["figures"]), (1, 1, 1.0, json!(20.0), json!(20.0), Value::Null, Value::Null));
    // The hourly series covers the range, and its buckets add up to the totals.
    let series = m["series"].as_array().unwrap();
    assert!(series.len() >= 2);
    let sum: i64 = series.iter().map(|b| b["figures"]["escalations"].as_i64().unwrap()).sum();
    assert_eq!(sum, 4);
    let escalation: Value = r.tenant.admin.get(&format!("/v1/escalations/{}", e2.id)).await.json().await.unwrap();
    assert_eq!(escalation["duration_seconds"], 330);

    // A viewer can read metrics; a bad zone or range names the field.
    let bad = r.tenant.admin.get(&format!("/v1/contact-centers/{}/metrics?tz=Mars/Base", r.cc)).await;
    assert_eq!(assert_problem(bad, 422, "validation_failed").await["errors"][0]["field"], "tz");
    let bad = r.tenant.admin.get(&format!("/v1/contact-centers/{}/metrics?from={to}&to={from}", r.cc)).await;
    assert_problem(bad, 422, "validation_failed").await;

    // The tenant roll-up adds a second contact center.
    let other = app.create_contact_center(&r.tenant, "Sales").await;
    let other_id = other["id"].as_str().unwrap();
    assert_eq!(app.store_credentials(&r.tenant, other_id, &r.account).await.status(), 200);
    let resp = app.escalate(other_id, &key, None, json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "kim" })).await;
    assert_eq!(resp.status(), 201);
    let t: Value = r.tenant.admin.get(&format!("/v1/metrics?from={from}&to={}", (Utc::now() + Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))).await.json().await.unwrap();
    assert_eq!(t["totals"]["escalations"], 5);
    let per_cc = t["by_contact_center"].as_array().unwrap();
    let sales = per_cc.iter().find(|c| c["contact_center_id"] == other_id).unwrap();
    assert_eq!(sales["figures"]["escalations"], 1);
    let support = per_cc.iter().find(|c| c["contact_center_id"] == r.cc.as_str()).unwrap();
    assert_eq!(support["figures"]["customers_joined"], 3);

    // CSV: every escalation of the range (the failed one too), newest first.
    let resp = r.tenant.admin.get(&format!("/v1/contact-centers/{}/escalations.csv?from={from}&to={to}", r.cc)).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("escalations-support-"));
    let text = resp.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id,created_at,status,agent_identity"));
    assert_eq!(lines.len(), 1 + 5);
    let e1_line = lines.iter().find(|l| l.starts_with(&e1.id)).unwrap();
    assert!(e1_line.contains(",10.000,") && e1_line.contains(",100.000,110"), "{e1_line}");
}

#[tokio::test]
async fn metrics_are_scoped_and_need_permission() {
    let app = spawn_app().await;
    let a = app.ready_contact_center("Alpha").await;
    let b = app.create_tenant("Beta").await;
    let resp = b.admin.get(&format!("/v1/contact-centers/{}/metrics", a.cc)).await;
    assert_problem(resp, 404, "not_found").await;
    let resp = b.admin.get(&format!("/v1/contact-centers/{}/escalations.csv", a.cc)).await;
    assert_problem(resp, 404, "not_found").await;
    let esc_key = app.api_key(&a.tenant, &["escalations"]).await;
    let resp = app.http.get(app.url(&format!("/v1/contact-centers/{}/metrics", a.cc))).bearer_auth(&esc_key).send().await.unwrap();
    assert_problem(resp, 403, "forbidden").await;
    let metrics_key = app.api_key(&a.tenant, &["metrics"]).await;
    let m: Value = app.http.get(app.url(&format!("/v1/contact-centers/{}/metrics", a.cc))).bearer_auth(&metrics_key).send().await.unwrap().json().await.unwrap();
    assert_eq!(m["totals"]["escalations"], 0);
    assert_eq!(m["series"].as_array().unwrap().len(), 31, "30 days by day, partial first and last");
}
