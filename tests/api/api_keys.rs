use escalate_e2e::{assert_problem, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn a_key_is_shown_once_and_stored_hashed() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let resp = tenant
        .admin
        .post("/v1/api-keys", json!({ "name": "CRM", "scopes": ["metrics", "escalations", "metrics"] }))
        .await;
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let key = created["key"].as_str().unwrap();
    assert!(key.starts_with(&format!("esk_{}_", created["api_key"]["prefix"].as_str().unwrap())));
    assert_eq!(created["api_key"]["scopes"], json!(["escalations", "metrics"]));
    let listed = tenant.admin.get("/v1/api-keys").await.text().await.unwrap();
    assert!(!listed.contains(key), "the list must not show the key");
    assert!(listed.contains("CRM"));
}

#[tokio::test]
async fn scopes_limit_what_a_key_can_do() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let metrics = app.api_key(&tenant, &["metrics"]).await;
    let escalations = app.api_key(&tenant, &["escalations"]).await;
    let admin = app.api_key(&tenant, &["admin"]).await;
    let create = |key: String| {
        let app = &app;
        async move {
            app.http
                .post(app.url("/v1/contact-centers"))
                .bearer_auth(key)
                .json(&json!({ "name": "Support" }))
                .send()
                .await
                .unwrap()
        }
    };
    assert_problem(create(metrics.clone()).await, 403, "forbidden").await;
    assert_problem(create(escalations.clone()).await, 403, "forbidden").await;
    assert_eq!(create(admin.clone()).await.status(), 201);
    // Every key can see which contact centers exist; only admin keys see users and keys.
    for key in [&metrics, &escalations, &admin] {
        let resp = app.http.get(app.url("/v1/contact-centers")).bearer_auth(key).send().await.unwrap();
        assert_eq!(resp.status(), 200);
    }
    let resp = app.http.get(app.url("/v1/users")).bearer_auth(&escalations).send().await.unwrap();
    assert_problem(resp, 403, "forbidden").await;
    let resp = app.http.get(app.url("/v1/api-keys")).bearer_auth(&metrics).send().await.unwrap();
    assert_problem(resp, 403, "forbidden").await;
    let me: Value = app.http.get(app.url("/v1/me")).bearer_auth(&metrics).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["kind"], "api_key");
    assert_eq!(me["permissions"], json!(["view_metrics"]));
}

#[tokio::test]
async fn a_revoked_key_stops_working_and_use_is_recorded() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let key = app.api_key(&tenant, &["admin"]).await;
    let resp = app.http.get(app.url("/v1/tenant")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    // last_used_at is written in the background; give it a moment.
    let mut listed: Vec<Value> = Vec::new();
    for _ in 0..50 {
        listed = tenant.admin.get("/v1/api-keys").await.json().await.unwrap();
        if listed[0]["last_used_at"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(listed[0]["last_used_at"].is_string(), "last use recorded: {listed:?}");
    let id = listed[0]["id"].as_str().unwrap();
    let revoked: Value = tenant.admin.delete(&format!("/v1/api-keys/{id}")).await.json().await.unwrap();
    assert!(revoked["revoked_at"].is_string());
    let resp = app.http.get(app.url("/v1/tenant")).bearer_auth(&key).send().await.unwrap();
    assert_problem(resp, 401, "unauthorized").await;
}

#[tokio::test]
async fn a_key_needs_a_name_and_a_known_scope() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let resp = tenant.admin.post("/v1/api-keys", json!({ "name": "", "scopes": ["metrics"] })).await;
    assert_eq!(assert_problem(resp, 422, "validation_failed").await["errors"][0]["field"], "name");
    let resp = tenant.admin.post("/v1/api-keys", json!({ "name": "x", "scopes": [] })).await;
    assert_eq!(assert_problem(resp, 422, "validation_failed").await["errors"][0]["field"], "scopes");
    let resp = tenant.admin.post("/v1/api-keys", json!({ "name": "x", "scopes": ["root"] })).await;
    assert_eq!(assert_problem(resp, 400, "invalid_body").await["errors"][0]["field"], "scopes[0]");
}
