use escalate_e2e::{Options, assert_problem, spawn_app, spawn_app_with};
use redis::AsyncCommands;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn login_sets_a_hardened_session_cookie_and_me_answers() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let (resp, client) = app.try_login(&tenant.admin_email, &tenant.admin_password).await;
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("escalate_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    let me: Value = client.get(app.url("/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["kind"], "user");
    assert_eq!(me["tenant"]["id"], tenant.id.to_string());
    assert_eq!(me["user"]["email"], tenant.admin_email);
    assert_eq!(me["permissions"], json!(["view_metrics", "manage_escalations", "manage_settings"]));
    assert!(me["user"]["last_login_at"].is_string());
}

#[tokio::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let (resp, _) = app.try_login(&tenant.admin_email, "not the password").await;
    let a = assert_problem(resp, 401, "invalid_credentials").await;
    let (resp, _) = app.try_login("nobody@example.com", "not the password").await;
    let b = assert_problem(resp, 401, "invalid_credentials").await;
    assert_eq!(a["detail"], b["detail"]);
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_in_redis() {
    let app =
        spawn_app_with(Options { extra: vec![("TRUST_PROXY_HEADERS".into(), "true".into())], ..Default::default() })
            .await;
    let tenant = app.create_tenant("Acme").await;
    let login_from = |ip: &'static str, password: String| {
        let (app, email) = (&app, tenant.admin_email.clone());
        async move {
            reqwest::Client::new()
                .post(app.url("/v1/auth/login"))
                .header("X-Forwarded-For", ip)
                .json(&json!({ "email": email, "password": password }))
                .send()
                .await
                .unwrap()
        }
    };
    // The user has signed in before from home.
    assert_eq!(login_from("198.51.100.20", tenant.admin_password.clone()).await.status(), 200);
    // Ten failures per email per window, whatever the address; then the
    // guessing address is refused even with the right password…
    for _ in 0..10 {
        assert_eq!(login_from("203.0.113.7", "wrong password!".into()).await.status(), 401);
    }
    let resp = login_from("203.0.113.7", tenant.admin_password.clone()).await;
    let retry_after: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 900);
    assert_problem(resp, 429, "rate_limited").await;
    // …and so is any new address, while the user, from where they signed in
    // before, is not locked out by someone else's guessing.
    assert_problem(login_from("192.0.2.99", tenant.admin_password.clone()).await, 429, "rate_limited").await;
    assert_eq!(login_from("198.51.100.20", tenant.admin_password.clone()).await.status(), 200);
    // The count lives in Redis (so every replica sees it), under this app's
    // prefix; only the failures count.
    let client = redis::Client::open(app.redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{}rl:login-fail:{}:203.0.113.7", app.redis_prefix, tenant.admin_email);
    let count: u64 = conn.get(key).await.unwrap();
    assert_eq!(count, 10);
    let across: u64 = conn.get(format!("{}rl:login-fail:{}", app.redis_prefix, tenant.admin_email)).await.unwrap();
    assert_eq!(across, 10);
}

#[tokio::test]
async fn unsafe_requests_with_the_cookie_need_the_csrf_token() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let s = &tenant.admin;
    let no_token =
        s.client.post(app.url("/v1/contact-centers")).json(&json!({ "name": "Support" })).send().await.unwrap();
    assert_problem(no_token, 403, "csrf_failed").await;
    let wrong = s
        .client
        .post(app.url("/v1/contact-centers"))
        .header("X-CSRF-Token", "forged")
        .json(&json!({ "name": "Support" }))
        .send()
        .await
        .unwrap();
    assert_problem(wrong, 403, "csrf_failed").await;
    let ok = s.post("/v1/contact-centers", json!({ "name": "Support" })).await;
    assert_eq!(ok.status(), 201);
    // Nothing was written by the refused requests.
    let list: Vec<Value> = s.get("/v1/contact-centers").await.json().await.unwrap();
    assert_eq!(list.len(), 1);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let s = &tenant.admin;
    let resp = s.send(Method::POST, "/v1/auth/logout", None).await;
    assert_eq!(resp.status(), 204);
    assert!(resp.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_problem(s.get("/v1/me").await, 401, "unauthorized").await;
}

#[tokio::test]
async fn requests_without_credentials_are_refused() {
    let app = spawn_app().await;
    for path in ["/v1/me", "/v1/tenant", "/v1/contact-centers", "/v1/users", "/v1/api-keys"] {
        assert_problem(app.http.get(app.url(path)).send().await.unwrap(), 401, "unauthorized").await;
    }
    let resp = app
        .http
        .get(app.url("/v1/contact-centers"))
        .bearer_auth("esk_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthorized").await;
}

#[tokio::test]
async fn platform_routes_need_the_operator_token() {
    let app = spawn_app().await;
    let resp = app.http.get(app.url("/v1/platform/tenants")).bearer_auth("wrong-token").send().await.unwrap();
    assert_problem(resp, 401, "unauthorized").await;
    let tenant = app.create_tenant("Acme").await;
    // A tenant's own API key is not an operator token.
    let key = app.api_key(&tenant, &["admin"]).await;
    let resp = app.http.get(app.url("/v1/platform/tenants")).bearer_auth(&key).send().await.unwrap();
    assert_problem(resp, 401, "unauthorized").await;
    let list: Vec<Value> = app
        .http
        .get(app.url("/v1/platform/tenants"))
        .bearer_auth(&app.operator_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list.iter().any(|t| t["id"] == tenant.id.to_string()));
}

#[tokio::test]
async fn a_user_can_change_their_password() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let other_device = app.login(&tenant.admin_email, &tenant.admin_password).await;
    assert_eq!(other_device.get("/v1/me").await.status(), 200);
    let resp = tenant
        .admin
        .put("/v1/me/password", json!({ "current_password": "nope", "new_password": "a much better password" }))
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "current_password");
    let resp = tenant
        .admin
        .put("/v1/me/password", json!({ "current_password": tenant.admin_password, "new_password": "short" }))
        .await;
    assert_problem(resp, 422, "validation_failed").await;
    let resp = tenant
        .admin
        .put(
            "/v1/me/password",
            json!({ "current_password": tenant.admin_password, "new_password": tenant.admin_password }),
        )
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "new_password", "the same password again is refused");
    let resp = tenant
        .admin
        .put(
            "/v1/me/password",
            json!({ "current_password": tenant.admin_password, "new_password": "a much better password" }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(tenant.admin.get("/v1/me").await.status(), 200, "the session that changed it stays signed in");
    assert_eq!(other_device.get("/v1/me").await.status(), 401, "every other session ended");
    let (resp, _) = app.try_login(&tenant.admin_email, &tenant.admin_password).await;
    assert_eq!(resp.status(), 401);
    app.login(&tenant.admin_email, "a much better password").await;
}

#[tokio::test]
async fn guessing_the_current_password_is_rate_limited_like_sign_in() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let resp = tenant
            .admin
            .put(
                "/v1/me/password",
                json!({ "current_password": format!("guess number {i}"), "new_password": "a much better password" }),
            )
            .await;
        statuses.push(resp.status().as_u16());
    }
    assert!(statuses[..10].iter().all(|s| *s == 422), "{statuses:?}");
    assert_eq!(statuses[10..], [429, 429], "{statuses:?}");
    // The same budget as signing in with that email.
    let (resp, _) = app.try_login(&tenant.admin_email, &tenant.admin_password).await;
    assert_eq!(resp.status(), 429);
}
