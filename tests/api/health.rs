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
    assert!(
        served == checked_in,
        "openapi.yaml is out of date: run `cargo run -q -- openapi --output openapi.yaml`"
    );
    let docs = app.http.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().to_lowercase().contains("swagger"));
}
