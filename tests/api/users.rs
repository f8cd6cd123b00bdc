use escalate_e2e::{assert_problem, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn a_viewer_sees_but_cannot_change_settings() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let resp = tenant.admin.post("/v1/users", json!({ "email": "Viewer@Example.com", "role": "viewer" })).await;
    assert_eq!(resp.status(), 201);
    let invited: Value = resp.json().await.unwrap();
    assert_eq!(invited["user"]["email"], "viewer@example.com");
    let viewer = app.login("viewer@example.com", invited["initial_password"].as_str().unwrap()).await;
    assert_eq!(viewer.get("/v1/tenant").await.status(), 200);
    assert_eq!(viewer.get("/v1/contact-centers").await.status(), 200);
    assert_problem(viewer.post("/v1/contact-centers", json!({ "name": "x" })).await, 403, "forbidden").await;
    assert_problem(viewer.get("/v1/users").await, 403, "forbidden").await;
    assert_problem(viewer.post("/v1/api-keys", json!({ "name": "x", "scopes": ["admin"] })).await, 403, "forbidden")
        .await;
    assert_problem(viewer.patch("/v1/tenant", json!({ "name": "Hacked" })).await, 403, "forbidden").await;
    let me: Value = viewer.get("/v1/me").await.json().await.unwrap();
    assert_eq!(me["permissions"], json!(["view_metrics"]));
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_removed() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let me: Value = tenant.admin.get("/v1/me").await.json().await.unwrap();
    let id = me["user"]["id"].as_str().unwrap();
    assert_problem(
        tenant.admin.patch(&format!("/v1/users/{id}"), json!({ "role": "viewer" })).await,
        409,
        "last_admin",
    )
    .await;
    assert_problem(tenant.admin.delete(&format!("/v1/users/{id}")).await, 409, "last_admin").await;
    // With a second admin, the first can step down.
    let resp = tenant.admin.post("/v1/users", json!({ "email": "second@example.com", "role": "admin" })).await;
    assert_eq!(resp.status(), 201);
    let updated: Value =
        tenant.admin.patch(&format!("/v1/users/{id}"), json!({ "role": "viewer" })).await.json().await.unwrap();
    assert_eq!(updated["role"], "viewer");
}

#[tokio::test]
async fn emails_are_unique_across_tenants() {
    let app = spawn_app().await;
    let a = app.create_tenant("A").await;
    let b = app.create_tenant("B").await;
    let resp = b.admin.post("/v1/users", json!({ "email": a.admin_email, "role": "viewer" })).await;
    let body = assert_problem(resp, 409, "email_taken").await;
    assert_eq!(body["errors"][0]["field"], "email");
    assert_problem(
        b.admin.post("/v1/users", json!({ "email": "not-an-email", "role": "viewer" })).await,
        422,
        "validation_failed",
    )
    .await;
}
