//! Tenant isolation: every tenant-scoped route, tried by tenant B with tenant
//! A's ids, answers 404 (never 403, never data) and changes nothing.

use escalate_e2e::{Tenant, TestApp, assert_problem, conversation_sid, credentials_body, spawn_app, task_sid};
use reqwest::Method;
use serde_json::{Value, json};

struct Fixture {
    cc: String,
    user: String,
    key: String,
    escalation: String,
}

async fn populate(app: &TestApp, tenant: &Tenant) -> Fixture {
    let cc = app.create_contact_center(tenant, "Support").await["id"].as_str().unwrap().to_owned();
    assert_eq!(app.store_credentials(tenant, &cc, &app.sim_account()).await.status(), 200);
    let user: Value = tenant
        .admin
        .post("/v1/users", json!({ "email": format!("v-{}@example.com", tenant.slug), "role": "viewer" }))
        .await
        .json()
        .await
        .unwrap();
    app.api_key(tenant, &["metrics"]).await;
    let keys: Vec<Value> = tenant.admin.get("/v1/api-keys").await.json().await.unwrap();
    let e: Value = tenant
        .admin
        .post(
            &format!("/v1/contact-centers/{cc}/escalations"),
            json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "sam" }),
        )
        .await
        .json()
        .await
        .unwrap();
    Fixture {
        cc,
        user: user["user"]["id"].as_str().unwrap().to_owned(),
        key: keys[0]["id"].as_str().unwrap().to_owned(),
        escalation: e["id"].as_str().expect("escalation created").to_owned(),
    }
}

#[tokio::test]
async fn another_tenants_ids_answer_404_on_every_route() {
    let app = spawn_app().await;
    let a = app.create_tenant("Alpha").await;
    let b = app.create_tenant("Beta").await;
    let fa = populate(&app, &a).await;
    let _fb = populate(&app, &b).await;
    let b_key = app.api_key(&b, &["admin"]).await;
    let account = app.sim_account();

    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/contact-centers/{}", fa.cc), None),
        (Method::PATCH, format!("/v1/contact-centers/{}", fa.cc), Some(json!({ "name": "Pwned" }))),
        (Method::DELETE, format!("/v1/contact-centers/{}", fa.cc), None),
        (Method::GET, format!("/v1/contact-centers/{}/twilio-credentials", fa.cc), None),
        (Method::PUT, format!("/v1/contact-centers/{}/twilio-credentials", fa.cc), Some(credentials_body(&account))),
        (Method::POST, format!("/v1/contact-centers/{}/twilio-credentials/verify", fa.cc), Some(json!({}))),
        (Method::DELETE, format!("/v1/contact-centers/{}/twilio-credentials", fa.cc), None),
        (Method::PATCH, format!("/v1/users/{}", fa.user), Some(json!({ "role": "admin" }))),
        (Method::DELETE, format!("/v1/users/{}", fa.user), None),
        (Method::DELETE, format!("/v1/api-keys/{}", fa.key), None),
        (
            Method::POST,
            format!("/v1/contact-centers/{}/escalations", fa.cc),
            Some(json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "eve" })),
        ),
        (Method::GET, format!("/v1/contact-centers/{}/escalations", fa.cc), None),
        (Method::GET, format!("/v1/escalations/{}", fa.escalation), None),
        (Method::GET, format!("/v1/escalations/{}/events", fa.escalation), None),
        (Method::POST, format!("/v1/escalations/{}/complete", fa.escalation), None),
        (Method::POST, format!("/v1/escalations/{}/agent-token", fa.escalation), None),
    ];
    for (method, path, body) in &routes {
        // As B's admin session…
        let resp = b.admin.send(method.clone(), path, body.clone()).await;
        let problem = assert_problem(resp, 404, "not_found").await;
        assert!(!problem.to_string().contains(&a.id.to_string()), "{method} {path} leaks A's id");
        // …and as B's admin API key.
        let mut req = app.http.request(method.clone(), app.url(path)).bearer_auth(&b_key);
        if let Some(b) = body {
            req = req.json(b);
        }
        assert_problem(req.send().await.unwrap(), 404, "not_found").await;
    }

    // A's data is untouched.
    let cc: Value = a.admin.get(&format!("/v1/contact-centers/{}", fa.cc)).await.json().await.unwrap();
    assert_eq!(cc["name"], "Support");
    assert_eq!(a.admin.get(&format!("/v1/contact-centers/{}/twilio-credentials", fa.cc)).await.status(), 200);
    let users: Vec<Value> = a.admin.get("/v1/users").await.json().await.unwrap();
    assert!(users.iter().any(|u| u["id"] == fa.user.as_str() && u["role"] == "viewer"));
    let keys: Vec<Value> = a.admin.get("/v1/api-keys").await.json().await.unwrap();
    assert!(keys.iter().all(|k| k["revoked_at"].is_null()));
    let e: Value = a.admin.get(&format!("/v1/escalations/{}", fa.escalation)).await.json().await.unwrap();
    assert_eq!(e["status"], "open");
    let listed: Value = a.admin.get(&format!("/v1/contact-centers/{}/escalations", fa.cc)).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "B created nothing in A's contact center");

    // Lists show only the caller's own rows.
    for path in ["/v1/contact-centers", "/v1/users", "/v1/api-keys"] {
        let text = b.admin.get(path).await.text().await.unwrap();
        assert!(
            !text.contains(&fa.cc)
                && !text.contains(&fa.user)
                && !text.contains(&fa.key)
                && !text.contains(&a.admin_email),
            "{path} leaks A"
        );
    }
    let tenant: Value = b.admin.get("/v1/tenant").await.json().await.unwrap();
    assert_eq!(tenant["id"], b.id.to_string());
}
