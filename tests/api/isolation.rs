//! Tenant isolation: every operation of the served OpenAPI document that
//! takes an id, and every dashboard route that takes one, tried by tenant B
//! with tenant A's ids, answers 404 (never 403, never data) and changes
//! nothing. The routes come from the service itself, so a new route with an
//! id fails this test until it is added to the table below.

use std::collections::BTreeMap;

use escalate_e2e::{
    Options, Tenant, TestApp, assert_problem, conversation_sid, credentials_body, spawn_app_with, task_sid,
};
use reqwest::Method;
use serde_json::{Value, json};

struct Fixture {
    cc: String,
    user: String,
    key: String,
    escalation: String,
    endpoint: String,
    delivery: String,
    snapshot: String,
}

fn snapshot_picture() -> Vec<u8> {
    escalate_e2e::picture(8, 6, image::ImageFormat::Png)
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
    // Nothing listens there: its deliveries wait in the outbox.
    let endpoint: Value = tenant
        .admin
        .post("/v1/webhook-endpoints", json!({ "url": "http://127.0.0.1:9/hook", "events": ["escalation.created"] }))
        .await
        .json()
        .await
        .unwrap();
    let endpoint = endpoint["endpoint"]["id"].as_str().expect("endpoint created").to_owned();
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
    let log: Value =
        tenant.admin.get(&format!("/v1/webhook-endpoints/{endpoint}/deliveries")).await.json().await.unwrap();
    let escalation = e["id"].as_str().expect("escalation created");
    let snapshot = tenant
        .admin
        .post_bytes(&format!("/v1/escalations/{escalation}/snapshots"), "image/png", snapshot_picture())
        .await;
    assert_eq!(snapshot.status(), 201);
    let snapshot: Value = snapshot.json().await.unwrap();
    Fixture {
        snapshot: snapshot["id"].as_str().unwrap().to_owned(),
        cc,
        user: user["user"]["id"].as_str().unwrap().to_owned(),
        key: keys[0]["id"].as_str().unwrap().to_owned(),
        escalation: e["id"].as_str().expect("escalation created").to_owned(),
        delivery: log["items"][0]["id"].as_i64().expect("a delivery queued").to_string(),
        endpoint,
    }
}

/// Operations whose path parameter is not a tenant's id, and why.
const NOT_TENANT_IDS: &[(&str, &str)] = &[
    ("/v1/join/{code}/token", "the room code is the customer's credential; tested in join_page and escalations"),
    ("/v1/join/{code}/rating", "the room code is the customer's credential; tested in rating"),
    ("/v1/join/{code}/quality", "the room code is the customer's credential; tested in call_quality"),
    ("/v1/join/{code}/network", "the room code is the customer's credential; tested in webrtc"),
];

/// A valid body for each operation that takes one, so that a 404 comes from
/// the tenant check and not from validation.
fn body_for(method: &Method, template: &str, account: &twilio_sim::SimAccount) -> Option<Value> {
    Some(match (method.as_str(), template) {
        ("PATCH", "/v1/contact-centers/{cc}") => json!({ "name": "Pwned" }),
        ("PUT", "/v1/contact-centers/{cc}/twilio-credentials") => credentials_body(account),
        ("POST", "/v1/contact-centers/{cc}/twilio-credentials/verify") => json!({}),
        ("PATCH", "/v1/users/{id}") => json!({ "role": "admin" }),
        ("PATCH", "/v1/webhook-endpoints/{id}") => json!({ "description": "Pwned", "enabled": false }),
        ("POST", "/v1/contact-centers/{cc}/escalations") => {
            json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "eve" })
        }
        ("POST", "/v1/escalations/{id}/quality") => {
            json!({ "round_trip_ms": 20.0, "packet_loss_percent": 0.0, "relayed": false })
        }
        _ => return None,
    })
}

#[tokio::test]
async fn another_tenants_ids_answer_404_on_every_route() {
    let app =
        spawn_app_with(Options { extra: vec![("WEBHOOK_ALLOW_LOOPBACK".into(), "true".into())], ..Options::default() })
            .await;
    let a = app.create_tenant("Alpha").await;
    let b = app.create_tenant("Beta").await;
    let fa = populate(&app, &a).await;
    let _fb = populate(&app, &b).await;
    let b_key = app.api_key(&b, &["admin"]).await;
    let account = app.sim_account();
    let ids: BTreeMap<&str, &str> =
        [("{cc}", fa.cc.as_str()), ("{escalation}", fa.escalation.as_str())].into_iter().collect();

    // Every operation with a path parameter, from the document the service serves.
    let spec: Value = app.http.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut tried = 0;
    for (template, item) in spec["paths"].as_object().unwrap() {
        if !template.contains('{') || NOT_TENANT_IDS.iter().any(|(p, _)| p == template) {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            // `{id}` is a user, an API key or an escalation depending on the path.
            let id = if template.starts_with("/v1/users/") {
                fa.user.as_str()
            } else if template.starts_with("/v1/api-keys/") {
                fa.key.as_str()
            } else if template.starts_with("/v1/escalations/") {
                ids["{escalation}"]
            } else if template.starts_with("/v1/webhook-endpoints/") {
                fa.endpoint.as_str()
            } else if template.starts_with("/v1/webhook-deliveries/") {
                fa.delivery.as_str()
            } else {
                ""
            };
            let path = template.replace("{cc}", ids["{cc}"]).replace("{id}", id).replace("{snapshot_id}", &fa.snapshot);
            assert!(!path.contains('{'), "{method} {template}: the isolation test does not know this parameter");
            // A snapshot's body is a picture, not JSON.
            if method == Method::POST && template == "/v1/escalations/{id}/snapshots" {
                let resp = b.admin.post_bytes(&path, "image/png", snapshot_picture()).await;
                assert_problem(resp, 404, "not_found").await;
                let req = app.http.post(app.url(&path)).bearer_auth(&b_key).header("Content-Type", "image/png");
                assert_problem(req.body(snapshot_picture()).send().await.unwrap(), 404, "not_found").await;
                tried += 1;
                continue;
            }
            let body = body_for(&method, template, &account);
            // An operation that reads a body must get a valid one, or its 404 could be a 400 in disguise.
            if op.get("requestBody").is_some_and(|b| b["required"] == true) {
                assert!(body.is_some(), "{method} {template}: add a valid body to body_for");
            }
            // As B's admin session…
            let resp = b.admin.send(method.clone(), &path, body.clone()).await;
            let problem = assert_problem(resp, 404, "not_found").await;
            assert!(!problem.to_string().contains(&a.id.to_string()), "{method} {path} leaks A's id");
            // …and as B's admin API key.
            let mut req = app.http.request(method.clone(), app.url(&path)).bearer_auth(&b_key);
            if let Some(b) = &body {
                req = req.json(b);
            }
            assert_problem(req.send().await.unwrap(), 404, "not_found").await;
            tried += 1;
        }
    }
    assert!(tried >= 18, "only {tried} operations tried: is the served document complete?");

    // Every dashboard route with an id, the POST forms with B's valid CSRF token.
    for (route, methods) in escalate_http::dashboard::route_table() {
        if !route.contains(":id") {
            continue;
        }
        let id = if route.starts_with("/users/") {
            &fa.user
        } else if route.starts_with("/api-keys/") {
            &fa.key
        } else if route.starts_with("/webhooks/") {
            &fa.endpoint
        } else if route.starts_with("/escalations/") {
            &fa.escalation
        } else {
            assert!(route.starts_with("/contact-centers/"), "{route}: the isolation test does not know this route");
            &fa.cc
        };
        let path = format!("/dashboard{}", route.replace(":id", id).replace(":delivery", &fa.delivery));
        for method in methods {
            let resp = match method {
                "get" => b.admin.client.get(app.url(&path)).send().await.unwrap(),
                "post" => b
                    .admin
                    .client
                    .post(app.url(&path))
                    .form(&[
                        ("csrf_token", b.admin.csrf.as_str()),
                        ("name", "Pwned"),
                        ("role", "admin"),
                        ("account_sid", &account.account_sid),
                        ("api_key_sid", &account.api_keys[0].0),
                        ("api_key_secret", &account.api_keys[0].1),
                        ("auth_token", &account.auth_token),
                    ])
                    .send()
                    .await
                    .unwrap(),
                other => panic!("{other} {route}: the isolation test does not know this method"),
            };
            assert_eq!(resp.status(), 404, "{method} {path}");
            let html = resp.text().await.unwrap();
            assert!(!html.contains("Support") && !html.contains(&a.admin_email), "{method} {path} shows A's data");
        }
    }

    // A's data is untouched.
    let cc: Value = a.admin.get(&format!("/v1/contact-centers/{}", fa.cc)).await.json().await.unwrap();
    assert_eq!(cc["name"], "Support");
    assert_eq!(a.admin.get(&format!("/v1/contact-centers/{}/twilio-credentials", fa.cc)).await.status(), 200);
    let users: Vec<Value> = a.admin.get("/v1/users").await.json().await.unwrap();
    assert!(users.iter().any(|u| u["id"] == fa.user.as_str() && u["role"] == "viewer"));
    let keys: Vec<Value> = a.admin.get("/v1/api-keys").await.json().await.unwrap();
    assert!(keys.iter().all(|k| k["revoked_at"].is_null()));
    let ep: Value = a.admin.get(&format!("/v1/webhook-endpoints/{}", fa.endpoint)).await.json().await.unwrap();
    assert_eq!((ep["enabled"].as_bool(), ep["description"].as_str()), (Some(true), Some("")));
    let e: Value = a.admin.get(&format!("/v1/escalations/{}", fa.escalation)).await.json().await.unwrap();
    assert_eq!(e["status"], "open");
    let shots: Value = a.admin.get(&format!("/v1/escalations/{}/snapshots", fa.escalation)).await.json().await.unwrap();
    let shots = shots["items"].as_array().unwrap();
    assert_eq!(shots.len(), 1, "B added no snapshot to A's escalation and deleted none");
    assert_eq!(shots[0]["id"], fa.snapshot.as_str());
    let listed: Value = a.admin.get(&format!("/v1/contact-centers/{}/escalations", fa.cc)).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "B created nothing in A's contact center");

    // Lists show only the caller's own rows.
    for path in [
        "/v1/contact-centers",
        "/v1/users",
        "/v1/api-keys",
        "/v1/metrics",
        "/v1/audit-log",
        "/v1/audit-log.csv",
        "/v1/webhook-endpoints",
    ] {
        let text = b.admin.get(path).await.text().await.unwrap();
        assert!(
            !text.contains(&fa.cc)
                && !text.contains(&fa.endpoint)
                && !text.contains(&fa.user)
                && !text.contains(&fa.key)
                && !text.contains(&a.admin_email),
            "{path} leaks A"
        );
    }
    let tenant: Value = b.admin.get("/v1/tenant").await.json().await.unwrap();
    assert_eq!(tenant["id"], b.id.to_string());
}
