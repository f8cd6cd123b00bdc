use escalate_e2e::spawn_app;
use serde_json::Value;

#[tokio::test]
async fn healthz_and_readyz_report_database_and_redis() {
    let app = spawn_app().await;
    let resp = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("x-request-id").is_some());
    let ready: Value = app.http.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["database"], "ok");
    assert_eq!(ready["redis"], "ok");
}

#[tokio::test]
async fn a_callers_request_id_is_echoed() {
    let app = spawn_app().await;
    let resp = app.http.get(app.url("/healthz")).header("X-Request-Id", "trace-abc-123").send().await.unwrap();
    assert_eq!(resp.headers()["x-request-id"], "trace-abc-123");
    // Ids that are not plain are replaced, not echoed into logs.
    let resp = app.http.get(app.url("/healthz")).header("X-Request-Id", "a b\"c").send().await.unwrap();
    assert_ne!(resp.headers()["x-request-id"], "a b\"c");
}

#[tokio::test]
async fn served_openapi_equals_the_checked_in_openapi_yaml() {
    let app = spawn_app().await;
    let served: Value = app.http.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let text = std::fs::read_to_string(path).expect("openapi.yaml at the repository root");
    let checked_in: Value = serde_yaml::from_str(&text).unwrap();
    assert!(served == checked_in, "openapi.yaml is out of date: run `cargo run -q -- openapi --output openapi.yaml`");
    let docs = app.http.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().to_lowercase().contains("swagger"));
}

#[tokio::test]
async fn the_flex_origin_may_call_the_api_and_read_errors() {
    let app = spawn_app().await;
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/v1/escalations/00000000-0000-0000-0000-000000000000"))
        .header("Origin", "https://flex.twilio.com")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, idempotency-key, content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "https://flex.twilio.com");
    assert!(h["access-control-allow-headers"].to_str().unwrap().contains("Idempotency-Key"));
    assert!(h.get("access-control-allow-credentials").is_none(), "cookies never cross origins");
    // An error answer is readable by the plugin too.
    let resp = app
        .http
        .get(app.url("/v1/escalations/00000000-0000-0000-0000-000000000000"))
        .header("Origin", "https://flex.twilio.com")
        .bearer_auth("not-a-flex-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "an unknown id answers a Flex token as a refused one");
    assert_eq!(resp.headers()["access-control-allow-origin"], "https://flex.twilio.com");
    assert!(resp.headers()["access-control-expose-headers"].to_str().unwrap().contains("X-Request-Id"));
    // Other origins get nothing.
    let evil = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/v1/me"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn replicas_starting_together_migrate_once_without_errors() {
    // Three services on one fresh database at the same moment, as when a
    // deployment scales from zero: the advisory lock makes them take turns.
    let db = escalate_e2e::TestDb::create().await;
    let start = || escalate_e2e::spawn_app_with(escalate_e2e::Options { db: Some(db.clone()), ..Default::default() });
    let (a, b, c) = tokio::join!(start(), start(), start());
    for app in [&a, &b, &c] {
        let ready: Value = app.http.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
        assert_eq!(ready["status"], "ready");
    }
    // Every replica sees the same schema and data.
    let tenant = a.create_tenant("Acme").await;
    let via_c = c.login(&tenant.admin_email, &tenant.admin_password).await;
    assert_eq!(via_c.get("/v1/tenant").await.status(), 200);
}

#[tokio::test]
async fn prometheus_metrics_count_requests_twilio_calls_escalations_and_callbacks() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    let e: Value = app
        .escalate(&r.cc, &flex, Some("k"), serde_json::json!({ "task_sid": escalate_e2e::task_sid(), "conversation_sid": escalate_e2e::conversation_sid() }))
        .await
        .json()
        .await
        .unwrap();
    app.sim.connect_participant(e["room_sid"].as_str().unwrap(), "agent:alex").unwrap();
    app.sim.flush_callbacks().await;
    let forged = app
        .http
        .post(app.url(&format!("/v1/webhooks/twilio/rooms/{}", r.cc)))
        .form(&[("RoomSid", "RMx")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let resp = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = resp.text().await.unwrap();
    for expected in [
        r#"escalate_http_requests_total{route="createEscalation",method="POST",status="201"} 1"#,
        r#"escalate_twilio_calls_total{op="create_room",outcome="ok"} 1"#,
        r#"escalate_twilio_calls_total{op="validate_flex_token",outcome="ok"} 1"#,
        "escalate_escalations_created_total 1",
        r#"escalate_room_callbacks_total{outcome="rejected"} 1"#,
        r#"escalate_http_request_duration_seconds_count{route="createEscalation"} 1"#,
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    assert!(text.contains(r#"escalate_room_callbacks_total{outcome="applied"}"#));
    // No ids or secrets in labels.
    assert!(!text.contains(&r.cc) && !text.contains(&r.account.auth_token) && !text.contains(&r.account.account_sid));
}
