//! What an outside probe found in the third hardening round, one test per
//! finding: sign-in limits per email across addresses, the audit log's
//! refusals (bounded, anonymous ones marked), callback signatures over the
//! exact URL, the webhook address filter's special-purpose ranges and
//! ports, and the API docs page's headers.

use escalate_e2e::{Options, TestApp, assert_problem, conversation_sid, spawn_app, spawn_app_with, task_sid};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn trusting_proxy() -> Options {
    Options { extra: vec![("TRUST_PROXY_HEADERS".into(), "true".into())], ..Default::default() }
}

async fn login_from(app: &TestApp, email: &str, password: &str, ip: &str) -> reqwest::Response {
    app.http
        .post(app.url("/v1/auth/login"))
        .header("X-Forwarded-For", ip)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn audit(app: &TestApp, t: &escalate_e2e::Tenant, action: &str) -> Vec<Value> {
    let _ = app;
    let page: Value = t.admin.get(&format!("/v1/audit-log?limit=200&action={action}")).await.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn sign_in_failures_count_per_email_across_addresses_without_locking_the_user_out() {
    let app = spawn_app_with(trusting_proxy()).await;
    let t = app.create_tenant("Acme").await;
    // The admin has signed in before from their office.
    assert_eq!(login_from(&app, &t.admin_email, &t.admin_password, "203.0.113.10").await.status(), 200);

    let mut statuses = Vec::new();
    for i in 0..12 {
        statuses.push(login_from(&app, &t.admin_email, "wrong password!!", &format!("198.51.100.{i}")).await.status());
    }
    assert_eq!(statuses[..10], [StatusCode::UNAUTHORIZED; 10], "{statuses:?}");
    assert_eq!(statuses[10..], [StatusCode::TOO_MANY_REQUESTS; 2], "ten per email, whatever the address: {statuses:?}");
    // Even the right password from a stranger's address waits out the window…
    let resp = login_from(&app, &t.admin_email, &t.admin_password, "198.51.100.200").await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry <= 15 * 60, "never longer than the window (15 minutes): {retry} s");
    // …but the user, from where they signed in before, is not locked out.
    assert_eq!(login_from(&app, &t.admin_email, &t.admin_password, "203.0.113.10").await.status(), 200);

    // The log says it once, and marks the failures as nobody's doing.
    let limited = audit(&app, &t, "sign_in.limited").await;
    assert_eq!(limited.len(), 1, "{limited:#?}");
    assert_eq!(limited[0]["actor_kind"], "anonymous");
    let failed = audit(&app, &t, "sign_in_failed").await;
    assert_eq!(failed.len(), 10);
    assert!(failed.iter().all(|e| e["actor_kind"] == "anonymous" && e["actor_id"].is_null()), "{failed:#?}");
}

#[tokio::test]
async fn a_stranger_cannot_fill_a_tenants_audit_log() {
    let app = spawn_app_with(Options {
        extra: vec![("TRUST_PROXY_HEADERS".into(), "true".into()), ("LOGIN_LIMIT_PER_EMAIL".into(), "1000/10m".into())],
        ..Default::default()
    })
    .await;
    let r = app.ready_contact_center("Acme").await;
    for i in 0..60u32 {
        let ip = format!("198.51.100.{i}");
        assert_eq!(login_from(&app, &r.tenant.admin_email, "wrong password!!", &ip).await.status(), 401);
        let resp = app
            .http
            .post(app.url(&format!("/v1/contact-centers/{}/escalations", r.cc)))
            .bearer_auth(format!("junk-{i}"))
            .header("X-Forwarded-For", &ip)
            .json(&json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
    }
    let failed = audit(&app, &r.tenant, "sign_in_failed").await;
    let refused = audit(&app, &r.tenant, "flex_token.refused").await;
    assert_eq!((failed.len(), refused.len()), (20, 20), "bounded per tenant, whatever the addresses");
    assert_eq!(refused[0]["target_id"], r.cc.as_str());
    assert_eq!(refused[0]["changes"]["why"], "not a JWT");
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l.starts_with("escalate_audit_entries_suppressed_total 80")), "{metrics}");
}

#[tokio::test]
async fn refusals_are_audited_with_who_what_and_why() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let admin = &r.tenant.admin;
    let invited: Value =
        admin.post("/v1/users", json!({ "email": "v@example.com", "role": "viewer" })).await.json().await.unwrap();
    let viewer = app.login("v@example.com", invited["initial_password"].as_str().unwrap()).await;
    assert_problem(viewer.post("/v1/api-keys", json!({ "name": "x", "scopes": ["admin"] })).await, 403, "forbidden")
        .await;
    // A forged request: the session cookie without its CSRF token.
    let forged = admin.client.post(app.url("/v1/api-keys")).json(&json!({ "name": "x", "scopes": ["admin"] }));
    assert_problem(forged.send().await.unwrap(), 403, "csrf_failed").await;
    // The dashboard's form without its token.
    let resp = admin.client.post(app.url("/dashboard/api-keys")).form(&[("name", "x")]).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    // A Flex agent reaching for another agent's call.
    let alex = app.flex_token(&r.account, "alex");
    let e: Value = app
        .escalate(&r.cc, &alex, None, json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }))
        .await
        .json()
        .await
        .unwrap();
    let id = e["id"].as_str().unwrap();
    let sam = app.flex_token(&r.account, "sam");
    let resp = app.http.get(app.url(&format!("/v1/escalations/{id}"))).bearer_auth(&sam).send().await.unwrap();
    assert_problem(resp, 403, "not_your_escalation").await;

    let denied = audit(&app, &r.tenant, "access.denied").await;
    let find = |pred: &dyn Fn(&Value) -> bool| denied.iter().find(|e| pred(e)).cloned();
    let by_viewer = find(&|e| e["actor"] == "v@example.com").expect("the viewer's refusal");
    assert_eq!(by_viewer["changes"], json!({ "what": "POST createApiKey", "why": "forbidden" }));
    let by_admin = |e: &Value, what: &str| e["actor"] == r.tenant.admin_email.as_str() && e["changes"]["what"] == what;
    let csrf = find(&|e| by_admin(e, "POST createApiKey")).unwrap_or_else(|| panic!("{denied:#?}"));
    assert_eq!(csrf["changes"]["why"], "csrf_failed", "{denied:#?}");
    let form = find(&|e| by_admin(e, "POST /dashboard/api-keys")).expect("the forged form");
    assert_eq!(form["changes"]["why"], "csrf_failed");
    let flex = find(&|e| e["actor_kind"] == "flex_agent").expect("the agent's refusal");
    assert_eq!(flex["actor"], "sam");
    assert_eq!((flex["target_kind"].as_str(), flex["target_id"].as_str()), (Some("escalation"), Some(id)));
    assert_eq!(flex["changes"]["why"], "not_your_escalation");

    // One caller's refusals are bounded too.
    for _ in 0..40 {
        assert_eq!(viewer.get("/v1/audit-log").await.status(), 403);
    }
    let denied = audit(&app, &r.tenant, "access.denied").await;
    assert_eq!(denied.iter().filter(|e| e["actor"] == "v@example.com").count(), 20);
}

#[tokio::test]
async fn a_callback_signature_covers_the_exact_url_with_its_query() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    let e: Value = app
        .escalate(&r.cc, &flex, None, json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }))
        .await
        .json()
        .await
        .unwrap();
    let url = app.url(&format!("/v1/webhooks/twilio/rooms/{}", r.cc));
    let params: Vec<(String, String)> = vec![
        ("AccountSid".into(), r.account.account_sid.clone()),
        ("RoomSid".into(), e["room_sid"].as_str().unwrap().to_owned()),
        ("RoomName".into(), e["room_name"].as_str().unwrap().to_owned()),
        ("RoomStatus".into(), "in-progress".into()),
        ("StatusCallbackEvent".into(), "participant-connected".into()),
        ("SequenceNumber".into(), "1".into()),
        ("ParticipantIdentity".into(), "agent:alex".into()),
        ("ParticipantSid".into(), format!("PA{:032x}", 1)),
        ("Timestamp".into(), chrono::Utc::now().to_rfc3339()),
    ];
    let post = |to: String, signed_for: String| {
        let sig = escalate_twilio::signature::expected_signature(&r.account.auth_token, &signed_for, &params);
        app.http.post(to).header("X-Twilio-Signature", sig).form(&params).send()
    };
    // Signed for the plain URL, called with a query added on the way.
    let resp = post(format!("{url}?x=1"), url.clone()).await.unwrap();
    assert_problem(resp, 403, "invalid_signature").await;
    // Signed for the URL with its query, as Twilio signs what it calls.
    let resp = post(format!("{url}?x=1"), format!("{url}?x=1")).await.unwrap();
    assert_eq!(resp.status(), 204);
}

#[tokio::test]
async fn webhook_endpoints_must_be_globally_reachable_and_on_an_allowed_port() {
    let app = spawn_app().await;
    let t = app.create_tenant("Acme").await;
    for url in [
        "https://[2002:7f00:1::]/hook",
        "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
        "https://[::ffff:0:7f00:1]/hook",
        "https://[fec0::1]/hook",
        "https://[100::1]/hook",
        "https://192.88.99.1/hook",
        "https://[64:ff9b::a00:1]/hook",
        "https://93.184.216.34:22/hook",
        "https://93.184.216.34:6379/hook",
    ] {
        let resp = t.admin.post("/v1/webhook-endpoints", json!({ "url": url, "events": ["agent.joined"] })).await;
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}");
    }
    for url in ["https://93.184.216.34:8443/hook", "https://[2606:4700::1111]/hook"] {
        let resp = t.admin.post("/v1/webhook-endpoints", json!({ "url": url, "events": ["agent.joined"] })).await;
        assert_eq!(resp.status(), 201, "{url}: {}", resp.text().await.unwrap());
    }
}

#[tokio::test]
async fn the_api_docs_run_under_a_strict_policy_and_cannot_be_framed() {
    let app = spawn_app().await;
    let resp = app.http.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
    let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_owned();
    for part in ["default-src 'none'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    assert!(!csp.contains("'unsafe-eval'") && !csp.contains("script-src 'unsafe-inline'"), "{csp}");
    // Swagger UI still renders the operations under it.
    let report = escalate_e2e::browser::inspect(
        &app.url("/docs/"),
        escalate_e2e::browser::InspectOptions { wait_for_selector: Some(".opblock".into()), ..Default::default() },
    )
    .await;
    assert!(report.csp_violations.is_empty(), "{:?}", report.csp_violations);
    assert!(report.page_errors.is_empty(), "{:?}", report.page_errors);
}
