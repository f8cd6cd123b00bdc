//! `/dashboard/operator`: the platform operator signs in with the operator
//! token, sees every tenant with its usage, and creates tenants. The
//! operator's cookie opens no tenant page, and a tenant's opens no operator page.

use super::*;

impl Browser {
    async fn operator_login(&self, token: &str) -> Response {
        let form = self.html("/dashboard/operator/login").await;
        let csrf = attr_after(&form, "name=\"login_csrf\"", "value").expect("login_csrf field");
        self.post("/dashboard/operator/login", &[("operator_token", token), ("login_csrf", &csrf)]).await
    }
}

/// The row of tenant `id` in the tenants table.
fn tenant_row(html: &str, id: impl std::fmt::Display) -> String {
    let at = html.find(&format!("data-tenant=\"{id}\"")).unwrap_or_else(|| panic!("row of tenant {id}"));
    let row = &html[at..];
    row[..row.find("</tr>").unwrap()].to_owned()
}

fn cell(row: &str, metric: &str) -> String {
    let marker = format!("data-metric=\"{metric}\">");
    let s = &row[row.find(&marker).unwrap_or_else(|| panic!("{metric} in {row}")) + marker.len()..];
    s[..s.find('<').unwrap()].to_owned()
}

#[tokio::test]
async fn operator_sees_every_tenant_with_its_usage() {
    let app = spawn_app().await;
    let busy = app.ready_contact_center("Busy Tenant").await;
    let key = app.api_key(&busy.tenant, &["escalations"]).await;
    for _ in 0..3 {
        let resp = app
            .escalate(
                &busy.cc,
                &key,
                None,
                json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "op" }),
            )
            .await;
        assert_eq!(resp.status(), 201);
    }
    assert_eq!(
        busy.tenant.admin.post("/v1/users", json!({ "email": "second@busy.example", "role": "viewer" })).await.status(),
        201
    );
    let quiet = app.create_tenant("Quiet Tenant").await;

    let op = Browser::new(&app);
    let resp = op.get("/dashboard/operator").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/dashboard/operator/login");

    let resp = op.operator_login("not-the-operator-token-at-all").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().get("set-cookie").is_none_or(|c| !c.to_str().unwrap().starts_with("escalate_operator=")));
    assert!(resp.text().await.unwrap().contains("That is not the operator token."));

    let resp = op.operator_login(&app.operator_token).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = resp.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(
        cookie.contains("Path=/dashboard/operator")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains(&app.operator_token), "the cookie does not carry the token");

    let html = op.html(&location(&resp)).await;
    assert!(html.contains("2 tenants"));
    let row = tenant_row(&html, busy.tenant.id);
    assert!(row.contains("Busy Tenant"));
    assert_eq!(
        (cell(&row, "users"), cell(&row, "contact_centers"), cell(&row, "escalations")),
        ("2".into(), "1".into(), "3".into())
    );
    assert!(row.contains(" UTC</td>"), "last escalation shown: {row}");
    let row = tenant_row(&html, quiet.id);
    assert_eq!(
        (cell(&row, "users"), cell(&row, "contact_centers"), cell(&row, "escalations")),
        ("1".into(), "0".into(), "0".into())
    );
    // The API lists the same tenants.
    let api: Value = app
        .http
        .get(app.url("/v1/platform/tenants"))
        .bearer_auth(&app.operator_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for t in api.as_array().unwrap() {
        assert!(html.contains(&format!("data-tenant=\"{}\"", t["id"].as_str().unwrap())));
    }

    // The operator's cookie is no tenant session; a tenant's session is no operator's.
    assert_eq!(location(&op.get("/dashboard").await), "/dashboard/login?next=%2Fdashboard");
    let admin = Browser::new(&app);
    assert_eq!(admin.login(&quiet.admin_email, &quiet.admin_password).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&admin.get("/dashboard/operator").await), "/dashboard/operator/login");

    // Signing out ends it.
    let resp = op.submit("/dashboard/operator", "/dashboard/operator/logout", &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(resp.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(op.get("/dashboard/operator").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn operator_creates_a_tenant_whose_admin_can_sign_in() {
    let app = spawn_app().await;
    let op = Browser::new(&app);
    assert_eq!(op.operator_login(&app.operator_token).await.status(), StatusCode::SEE_OTHER);
    assert!(op.html("/dashboard/operator").await.contains("No tenants yet"));

    let resp = op
        .submit(
            "/dashboard/operator",
            "/dashboard/operator/tenants",
            &[("name", "Globex Care"), ("admin_email", "Boss@Globex.example")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let html = unescape(&resp.text().await.unwrap());
    let start = html.find("data-testid=\"initial-password\">").unwrap() + "data-testid=\"initial-password\">".len();
    let password = &html[start..start + html[start..].find('<').unwrap()];
    assert!(password.len() >= 16, "{password}");
    app.login("boss@globex.example", password).await;
    let html = op.html("/dashboard/operator").await;
    assert!(html.contains("Globex Care") && !html.contains(password), "the password is shown once");

    // Mistakes are named on their fields; nothing is created.
    let resp = op
        .submit(
            "/dashboard/operator",
            "/dashboard/operator/tenants",
            &[("name", "Globex Care"), ("admin_email", "other@globex.example")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("A tenant with this name already exists."));
    let resp = op
        .submit(
            "/dashboard/operator",
            "/dashboard/operator/tenants",
            &[("name", "Initech"), ("admin_email", "not an email")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("data-error-for=\"admin_email\""));
    // An email is unique within a tenant, not across tenants: the same
    // person may administer a second tenant.
    let resp = op
        .submit(
            "/dashboard/operator",
            "/dashboard/operator/tenants",
            &[("name", "Initech"), ("admin_email", "boss@globex.example")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    // Without the form token nothing happens.
    let resp =
        op.post("/dashboard/operator/tenants", &[("name", "Hooli"), ("admin_email", "boss@hooli.example")]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let api: Value = app
        .http
        .get(app.url("/v1/platform/tenants"))
        .bearer_auth(&app.operator_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api.as_array().unwrap().len(), 2, "{api}");
}

#[tokio::test]
async fn guessing_the_operator_token_is_rate_limited() {
    let app = spawn_app().await;
    let op = Browser::new(&app);
    let mut last = StatusCode::OK;
    for i in 0..31 {
        last = op.operator_login(&format!("guess-{i}-xxxxxxxxxxxxxxxxxxxxxxxx")).await.status();
        if last == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(i, 30, "30 tries a minute per address");
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        op.operator_login(&app.operator_token).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right token waits"
    );
}
