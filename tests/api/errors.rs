use escalate_e2e::{assert_problem, spawn_app};
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_a_problem_not_a_panic() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let resp = tenant
        .admin
        .client
        .post(app.url("/v1/contact-centers"))
        .header("X-CSRF-Token", &tenant.admin.csrf)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 400, "malformed_json").await;
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_named() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let resp = tenant.admin.post("/v1/contact-centers", json!({ "slug": 7 })).await;
    let body = assert_problem(resp, 400, "invalid_body").await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "slug"]);
    let resp = tenant.admin.post("/v1/contact-centers", json!({ "name": "x", "room": { "room_type": "huge" } })).await;
    let body = assert_problem(resp, 400, "invalid_body").await;
    assert_eq!(body["errors"][0]["field"], "room.room_type");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let huge = "x".repeat(200 * 1024);
    let resp = tenant.admin.post("/v1/contact-centers", json!({ "name": huge })).await;
    assert_problem(resp, 413, "payload_too_large").await;
    // Also when the client streams without a Content-Length.
    let stream = futures_stream(vec![vec![b' '; 40 * 1024], vec![b' '; 40 * 1024]]);
    let resp = tenant
        .admin
        .client
        .post(app.url("/v1/contact-centers"))
        .header("X-CSRF-Token", &tenant.admin.csrf)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 413, "payload_too_large").await;
    let list: Vec<serde_json::Value> = tenant.admin.get("/v1/contact-centers").await.json().await.unwrap();
    assert!(list.is_empty());
}

fn futures_stream(chunks: Vec<Vec<u8>>) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::iter(chunks.into_iter().map(Ok))
}

#[tokio::test]
async fn bad_ids_unknown_routes_and_wrong_media_types() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    assert_problem(tenant.admin.get("/v1/contact-centers/not-a-uuid").await, 400, "invalid_parameter").await;
    assert_problem(tenant.admin.get(&format!("/v1/contact-centers/{}", uuid::Uuid::now_v7())).await, 404, "not_found")
        .await;
    assert_problem(app.http.get(app.url("/v1/nothing-here")).send().await.unwrap(), 404, "not_found").await;
    let resp = tenant
        .admin
        .client
        .post(app.url("/v1/contact-centers"))
        .header("X-CSRF-Token", &tenant.admin.csrf)
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn validation_errors_are_422_with_fields() {
    let app = spawn_app().await;
    let resp = app
        .http
        .post(app.url("/v1/platform/tenants"))
        .bearer_auth(&app.operator_token)
        .json(&json!({ "name": "", "slug": "Bad Slug", "admin_email": "nope" }))
        .send()
        .await
        .unwrap();
    let body = assert_problem(resp, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "slug", "admin_email"]);
}

#[tokio::test]
async fn the_body_limit_follows_configuration() {
    let app = escalate_e2e::spawn_app_with(escalate_e2e::Options {
        extra: vec![("MAX_BODY_BYTES".into(), "2048".into())],
        ..Default::default()
    })
    .await;
    let tenant = app.create_tenant("Acme").await;
    let resp = tenant.admin.post("/v1/contact-centers", json!({ "name": "x".repeat(3000) })).await;
    assert_problem(resp, 413, "payload_too_large").await;
    let resp = tenant.admin.post("/v1/contact-centers", json!({ "name": "Support" })).await;
    assert_eq!(resp.status(), 201);
}

/// A parameter poem cannot read is named, with what it must be, in the
/// problem's `errors` as a body field would be.
#[tokio::test]
async fn bad_path_and_query_values_name_the_parameter_and_its_format() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let id = "00000000-0000-0000-0000-000000000000";
    for (path, field, words) in [
        ("/v1/escalations/not-a-uuid".to_owned(), "id", "a UUID"),
        ("/v1/contact-centers/nope/escalations".to_owned(), "cc", "a UUID"),
        (format!("/v1/escalations/{id}/events?limit=abc"), "limit", "a whole number"),
        (format!("/v1/escalations/{id}/events?limit=9999"), "limit", "at most 500"),
        ("/v1/audit-log?from=yesterday".to_owned(), "from", "an RFC 3339 date-time"),
        ("/v1/metrics?include_test_calls=maybe".to_owned(), "include_test_calls", "true or false"),
    ] {
        let problem = assert_problem(tenant.admin.get(&path).await, 400, "invalid_parameter").await;
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(&format!("`{field}`")) && detail.contains(words), "{path}: {detail}");
    }
}
