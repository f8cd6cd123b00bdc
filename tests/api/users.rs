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
async fn an_email_is_unique_within_its_tenant_and_inviting_reveals_nothing_of_other_tenants() {
    let app = spawn_app().await;
    let a = app.create_tenant("A").await;
    let b = app.create_tenant("B").await;
    // The same person may be a user of two tenants: B cannot tell that A has them.
    let resp = b.admin.post("/v1/users", json!({ "email": a.admin_email, "role": "viewer" })).await;
    assert_eq!(resp.status(), 201, "an email of another tenant is invited like any other");
    let invited: Value = resp.json().await.unwrap();
    let fresh = b.admin.post("/v1/users", json!({ "email": "new@example.com", "role": "viewer" })).await;
    assert_eq!(fresh.status(), 201);
    let fresh: Value = fresh.json().await.unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&invited), keys(&fresh), "the same answer");
    // Within a tenant the email is taken.
    let body = assert_problem(
        b.admin.post("/v1/users", json!({ "email": a.admin_email.to_uppercase(), "role": "viewer" })).await,
        409,
        "email_taken",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "email");
    // Each password signs in to its own tenant.
    let in_a = app.login(&a.admin_email, &a.admin_password).await;
    let me: Value = in_a.get("/v1/me").await.json().await.unwrap();
    assert_eq!(me["tenant"]["id"], a.id.to_string());
    let in_b = app.login(&a.admin_email, invited["initial_password"].as_str().unwrap()).await;
    let me: Value = in_b.get("/v1/me").await.json().await.unwrap();
    assert_eq!(me["tenant"]["id"], b.id.to_string());
    assert_eq!(me["user"]["role"], "viewer");
    assert_problem(
        b.admin.post("/v1/users", json!({ "email": "not-an-email", "role": "viewer" })).await,
        422,
        "validation_failed",
    )
    .await;
}
