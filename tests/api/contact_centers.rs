use escalate_e2e::{assert_problem, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn create_gets_defaults_and_patch_changes_only_what_is_sent() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support EU").await;
    assert_eq!(cc["slug"], "support-eu");
    assert_eq!(cc["branding"]["display_name"], "Support EU");
    assert_eq!(cc["branding"]["button_text"], "Join Video Room");
    assert_eq!(cc["room"]["room_type"], "group");
    assert_eq!(cc["code_ttl_seconds"], 3600);
    let id = cc["id"].as_str().unwrap();
    assert_eq!(cc["status_callback_url"], format!("{}/v1/webhooks/twilio/rooms/{id}", app.address));

    let resp = tenant
        .admin
        .patch(
            &format!("/v1/contact-centers/{id}"),
            json!({ "branding": { "primary_colour": "#ff0000", "logo_url": "https://cdn.example.com/logo.png", "locale": "es" },
                    "room": { "empty_room_timeout_minutes": 2 },
                    "message_template": "Hola, {{ agent_name }}: {{ join_url }}" }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated: Value = resp.json().await.unwrap();
    assert_eq!(updated["branding"]["primary_colour"], "#ff0000");
    assert_eq!(updated["branding"]["locale"], "es");
    // A button text left at its default follows the new locale.
    assert_eq!(updated["branding"]["button_text"], "Unirse a la videollamada");
    assert_eq!(updated["room"]["empty_room_timeout_minutes"], 2);
    assert_eq!(updated["room"]["unused_room_timeout_minutes"], cc["room"]["unused_room_timeout_minutes"]);
    let fetched: Value = tenant.admin.get(&format!("/v1/contact-centers/{id}")).await.json().await.unwrap();
    assert_eq!(fetched["branding"]["logo_url"], "https://cdn.example.com/logo.png");
    // null removes the logo
    let cleared: Value = tenant
        .admin
        .patch(&format!("/v1/contact-centers/{id}"), json!({ "branding": { "logo_url": null } }))
        .await
        .json()
        .await
        .unwrap();
    assert!(cleared["branding"]["logo_url"].is_null());
}

#[tokio::test]
async fn invalid_settings_name_every_field_and_change_nothing() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support").await;
    let id = cc["id"].as_str().unwrap();
    let resp = tenant
        .admin
        .patch(
            &format!("/v1/contact-centers/{id}"),
            json!({ "branding": { "primary_colour": "red", "logo_url": "http://insecure" }, "code_ttl_seconds": 1, "room": { "max_participants": 500 } }),
        )
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["branding.logo_url", "branding.primary_colour", "code_ttl_seconds", "room.max_participants"]);
    let after: Value = tenant.admin.get(&format!("/v1/contact-centers/{id}")).await.json().await.unwrap();
    assert_eq!(after["branding"], cc["branding"]);

    let resp = tenant
        .admin
        .patch(&format!("/v1/contact-centers/{id}"), json!({ "message_template": "Join at {{ join_link }}" }))
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "message_template");
}

#[tokio::test]
async fn slugs_are_unique_per_tenant_only() {
    let app = spawn_app().await;
    let a = app.create_tenant("A").await;
    let b = app.create_tenant("B").await;
    app.create_contact_center(&a, "Support").await;
    let dup = a.admin.post("/v1/contact-centers", json!({ "name": "Support" })).await;
    assert_eq!(assert_problem(dup, 409, "slug_taken").await["errors"][0]["field"], "slug");
    app.create_contact_center(&b, "Support").await;
}

#[tokio::test]
async fn delete_removes_it() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support").await;
    let path = format!("/v1/contact-centers/{}", cc["id"].as_str().unwrap());
    assert_eq!(tenant.admin.delete(&path).await.status(), 204);
    assert_problem(tenant.admin.get(&path).await, 404, "not_found").await;
    assert_problem(tenant.admin.delete(&path).await, 404, "not_found").await;
}

/// The list stays an array (the plugin reads it so); with `limit` it pages,
/// by name, and a `Link` header names the next page.
#[tokio::test]
async fn the_list_pages_with_limit_and_a_link_to_the_next_page() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    for name in ["Delta", "Alpha", "Charlie", "Bravo", "Echo"] {
        app.create_contact_center(&tenant, name).await;
    }
    let names =
        |v: &Value| v.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let all: Value = tenant.admin.get("/v1/contact-centers").await.json().await.unwrap();
    assert_eq!(names(&all), ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]);

    let mut url = "/v1/contact-centers?limit=2".to_owned();
    let mut pages = Vec::new();
    loop {
        let resp = tenant.admin.get(&url).await;
        assert_eq!(resp.status(), 200);
        let link = resp.headers().get("link").map(|l| l.to_str().unwrap().to_owned());
        pages.push(names(&resp.json().await.unwrap()));
        let Some(link) = link else { break };
        assert!(link.ends_with("; rel=\"next\""), "{link}");
        url = link[1..link.find('>').unwrap()].to_owned();
    }
    assert_eq!(pages, [vec!["Alpha", "Bravo"], vec!["Charlie", "Delta"], vec!["Echo"]]);
    let problem = assert_problem(tenant.admin.get("/v1/contact-centers?limit=0").await, 400, "invalid_parameter").await;
    assert_eq!(problem["errors"][0]["field"], "limit");
    // Another tenant's id as the cursor finds nothing.
    let other = app.create_tenant("Other").await;
    let theirs = app.create_contact_center(&other, "Zulu").await;
    let url = format!("/v1/contact-centers?limit=2&after={}", theirs["id"].as_str().unwrap());
    assert_problem(tenant.admin.get(&url).await, 404, "not_found").await;
}
