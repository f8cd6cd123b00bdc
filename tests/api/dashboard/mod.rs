//! The admin dashboard (`/dashboard`): sign-in, CSRF on forms, roles, the
//! settings and credentials forms, metrics equal to the API's, and a
//! headless Chromium walk-through (`tests/browser/dashboard.mjs`).

mod account;
mod details;
mod first_use;
mod operator;
mod pages;
mod reporting;
mod trips;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use escalate_e2e::{TestApp, conversation_sid, spawn_app, task_sid};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use twilio_sim::SimAccount;

/// A browser-like client: cookie jar, no automatic redirects.
pub(crate) struct Browser {
    client: Client,
    base: String,
}

impl Browser {
    pub(crate) fn new(app: &TestApp) -> Self {
        Self {
            client: Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            base: app.address.clone(),
        }
    }

    async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub(crate) async fn html(&self, path: &str) -> String {
        let resp = self.get(path).await;
        assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
        unescape(&resp.text().await.unwrap())
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client.post(format!("{}{path}", self.base)).form(form).send().await.unwrap()
    }

    /// Posts `form` with the CSRF token of the page at `page`.
    async fn submit(&self, page: &str, path: &str, form: &[(&str, &str)]) -> Response {
        let token = csrf(&self.html(page).await);
        let mut fields: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }

    /// Opens the sign-in form (for its token) and submits it.
    pub(crate) async fn login(&self, email: &str, password: &str) -> Response {
        self.login_to(email, password, "/dashboard").await
    }

    async fn login_to(&self, email: &str, password: &str, next: &str) -> Response {
        let token =
            attr_after(&self.html("/dashboard/login").await, "name=\"login_csrf\"", "value").expect("login_csrf field");
        self.post(
            "/dashboard/login",
            &[("email", email), ("password", password), ("next", next), ("login_csrf", &token)],
        )
        .await
    }
}

fn location(resp: &Response) -> String {
    resp.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// The value of the first `csrf_token` hidden field.
fn csrf(html: &str) -> String {
    attr_after(html, "name=\"csrf_token\"", "value").expect("a csrf_token field")
}

/// The value of `attr` in the tag that contains `marker`.
fn attr_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let open = html[..at].rfind('<')?;
    let close = at + html[at..].find('>')?;
    let tag = &html[open..close];
    let needle = format!(" {attr}=\"");
    let s = tag.find(&needle)? + needle.len();
    let e = tag[s..].find('"')? + s;
    Some(tag[s..e].replace("&amp;", "&").replace("&quot;", "\"").replace("&#x2f;", "/").replace("&#x27;", "'"))
}

/// HTML with minijinja's escapes undone (it escapes `/` too).
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `data-value` of `data-metric="{name}"` inside `section`.
fn metric(section: &str, name: &str) -> String {
    attr_after(section, &format!("data-metric=\"{name}\""), "data-value")
        .unwrap_or_else(|| panic!("metric {name} in {section}"))
}

fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("#{id} in page"));
    let rest = &html[start..];
    let end = rest.find("</section>").or_else(|| rest.find("</table>")).unwrap_or(rest.len());
    &rest[..end]
}

fn api_number(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Number(n) => {
            let f = n.as_f64().unwrap();
            if f.fract() == 0.0 && n.is_i64() { n.to_string() } else { format_f64(f) }
        }
        other => panic!("not a number: {other}"),
    }
}

/// How minijinja prints an f64 (Rust's `Display`, with `.0` for whole numbers).
fn format_f64(f: f64) -> String {
    if f.fract() == 0.0 { format!("{f:.1}") } else { f.to_string() }
}

async fn admin_browser(app: &TestApp) -> (escalate_e2e::Tenant, Browser) {
    admin_browser_of(app, "Dash Co").await
}

async fn admin_browser_of(app: &TestApp, name: &str) -> (escalate_e2e::Tenant, Browser) {
    let tenant = app.create_tenant(name).await;
    let b = Browser::new(app);
    let resp = b.login(&tenant.admin_email, &tenant.admin_password).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    (tenant, b)
}

async fn create_center(b: &Browser, name: &str) -> String {
    let resp = b.submit("/dashboard/contact-centers/new", "/dashboard/contact-centers", &[("name", name)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "create: {}", resp.text().await.unwrap());
    let to = location(&resp);
    to.trim_start_matches("/dashboard/contact-centers/").split('/').next().unwrap().to_owned()
}

#[test]
fn every_dashboard_template_compiles() {
    use escalate_http::files::DashboardFiles;
    let dir = DashboardFiles::Dir(tests_dir().join("../dashboard"));
    escalate_http::dashboard::Templates::load(&dir).map(|_| ()).expect("dashboard templates compile");
    escalate_http::dashboard::Templates::load(&DashboardFiles::Embedded).map(|_| ()).expect("embedded copy compiles");
    assert!(escalate_http::dashboard::Templates::load(&DashboardFiles::Dir(tests_dir().join("no-such-dir"))).is_err());
}

#[tokio::test]
async fn sign_in_form_sets_the_session_cookie() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Sign In Co").await;
    let b = Browser::new(&app);

    // Signed out: every page sends to the sign-in form, remembering where to go.
    let resp = b.get("/dashboard/api-keys").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/dashboard/login?next=%2Fdashboard%2Fapi-keys");
    let resp = b.get("/dashboard/login").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = resp.text().await.unwrap();
    assert!(html.contains("<label for=\"email\">Email</label>") && html.contains("type=\"password\""), "{html}");

    // A wrong password: the form again, the same message as an unknown email.
    let resp = b.login(&tenant.admin_email, "wrong password here").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.text().await.unwrap().contains("Wrong email or password."));
    let resp = b.login("nobody@example.com", "wrong password here").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    // The sign-in form needs its own CSRF token (a double-submit cookie).
    let resp =
        b.post("/dashboard/login", &[("email", &tenant.admin_email), ("password", &tenant.admin_password)]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.text().await.unwrap().contains("The sign-in form expired"));
    let resp = b.login_to(&tenant.admin_email.to_uppercase(), &tenant.admin_password, "/dashboard/api-keys").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/dashboard/api-keys");
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("escalate_session="))
        .unwrap();
    assert!(
        cookie.starts_with("escalate_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    // The same session works for the API (it is the API's session row).
    let me: Value = b.get("/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["email"], tenant.admin_email.as_str());

    // A foreign "next" is ignored.
    let b2 = Browser::new(&app);
    let resp = b2.login_to(&tenant.admin_email, &tenant.admin_password, "//evil.example/x").await;
    assert_eq!(location(&resp), "/dashboard");
    // So is one that is not a clean path of ours: CR/LF (which would break
    // the Location header), spaces, look-alike prefixes, backslashes.
    for next in
        ["/dashboard\r\nX: y", "/dashboard\nSet-Cookie: a=b", "/dashboard x", "/dashboardevil", "/dashboard/\\evil"]
    {
        let b3 = Browser::new(&app);
        let resp = b3.login_to(&tenant.admin_email, &tenant.admin_password, next).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&resp), "/dashboard", "{next:?}");
        assert!(resp.headers().get("x").is_none());
    }
    let resp = Browser::new(&app).login_to(&tenant.admin_email, &tenant.admin_password, "/dashboard/audit?x=1").await;
    assert_eq!(location(&resp), "/dashboard/audit?x=1", "a clean path of ours is kept");

    // The overview of a new tenant says what to do next.
    let html = b.html("/dashboard").await;
    assert!(
        html.contains("Add a contact center")
            && html.contains("Add your Twilio credentials")
            && html.contains("Install the Flex plugin"),
        "{html}"
    );
    assert!(html.contains(&app.address), "service base URL shown for the plugin");

    // Assets, with path-traversal protection.
    let resp = b.get("/dashboard/assets/admin.css").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    for bad in [
        "/dashboard/assets/../templates/admin/layout.html",
        "/dashboard/assets/%2e%2e/join.css",
        "/dashboard/assets/.hidden.css",
        "/dashboard/assets/nope.css",
    ] {
        assert_eq!(b.get(bad).await.status(), StatusCode::NOT_FOUND, "{bad}");
    }

    // Sign out (with the CSRF token) ends the session.
    let resp = b.submit("/dashboard", "/dashboard/logout", &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(resp.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(b.get("/dashboard").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_sessions_go_back_to_the_sign_in_page() {
    let app = spawn_app().await;
    // A cookie whose session does not exist (or expired) is treated as signed out.
    let url = reqwest::Url::parse(&app.address).unwrap();
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str("escalate_session=expired-or-unknown; Path=/", &url);
    let client = Client::builder().cookie_provider(jar).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resp = client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).contains("flash=expired"), "{}", location(&resp));
    let html = client.get(app.url(&location(&resp))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Your session has expired"), "{html}");
}

#[tokio::test]
async fn forms_need_the_session_csrf_token() {
    let app = spawn_app().await;
    let (_tenant, b) = admin_browser(&app).await;
    for form in [
        vec![("name", "No Token")],
        vec![("name", "Wrong Token"), ("csrf_token", "not-the-token")],
        vec![("name", "Empty"), ("csrf_token", "")],
    ] {
        let resp = b.post("/dashboard/contact-centers", &form).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let html = resp.text().await.unwrap();
        assert!(html.contains("This form has expired") && html.contains("data-error-code=\"csrf_failed\""), "{html}");
    }
    assert_eq!(b.post("/dashboard/logout", &[]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(b.get("/dashboard").await.status(), StatusCode::OK, "still signed in");
    let html = b.html("/dashboard").await;
    assert!(!html.contains("No Token") && !html.contains("Wrong Token"));
    // With the token it works.
    let id = create_center(&b, "With Token").await;
    assert!(b.html("/dashboard").await.contains("With Token"));
    assert_eq!(id.len(), 36);
}

#[tokio::test]
async fn viewers_see_metrics_only() {
    let app = spawn_app().await;
    let (tenant, admin) = admin_browser(&app).await;
    let cc = create_center(&admin, "Support").await;
    let resp = tenant.admin.post("/v1/users", json!({ "email": "viewer@dash.example", "role": "viewer" })).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let pw = resp.json::<Value>().await.unwrap()["initial_password"].as_str().unwrap().to_owned();
    let viewer = Browser::new(&app);
    assert_eq!(viewer.login("viewer@dash.example", &pw).await.status(), StatusCode::SEE_OTHER);

    let overview = viewer.html("/dashboard").await;
    assert!(
        !overview.contains("href=\"/dashboard/api-keys\"") && !overview.contains("href=\"/dashboard/users\""),
        "nav hides admin pages"
    );
    let detail = viewer.html(&format!("/dashboard/contact-centers/{cc}")).await;
    assert!(!detail.contains("/settings\"") && !detail.contains("/credentials\""), "tabs hide admin pages");
    let token = csrf(&overview);

    for path in [
        "/dashboard/contact-centers/new".to_owned(),
        format!("/dashboard/contact-centers/{cc}/settings"),
        format!("/dashboard/contact-centers/{cc}/credentials"),
        format!("/dashboard/contact-centers/{cc}/preview"),
        "/dashboard/api-keys".into(),
        "/dashboard/users".into(),
    ] {
        let resp = viewer.get(&path).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "GET {path}");
        assert!(resp.text().await.unwrap().contains("Only admins"), "{path}");
    }
    for path in [
        "/dashboard/contact-centers".to_owned(),
        format!("/dashboard/contact-centers/{cc}/settings"),
        format!("/dashboard/contact-centers/{cc}/credentials"),
        format!("/dashboard/contact-centers/{cc}/credentials/verify"),
        "/dashboard/api-keys".into(),
        "/dashboard/users".into(),
    ] {
        let resp = viewer
            .post(
                &path,
                &[
                    ("csrf_token", &token),
                    ("name", "Viewer was here"),
                    ("email", "x@example.com"),
                    ("role", "admin"),
                    ("scopes", "admin"),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "POST {path}");
    }
    let users: Value = tenant.admin.get("/v1/users").await.json().await.unwrap();
    assert_eq!(users.as_array().unwrap().len(), 2, "nothing was created");
    let ccs: Value = tenant.admin.get("/v1/contact-centers").await.json().await.unwrap();
    assert_eq!(ccs.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn settings_form_changes_the_contact_center() {
    let app = spawn_app().await;
    let (tenant, b) = admin_browser(&app).await;
    let cc = create_center(&b, "Acme Support").await;
    let page = format!("/dashboard/contact-centers/{cc}/settings");
    let html = b.html(&page).await;
    assert!(html.contains("id=\"join-preview\""), "preview frame");

    let good = [
        ("name", "Acme Care"),
        ("display_name", "Acme Care Team"),
        ("logo_url", "https://cdn.acme.example/logo.png"),
        ("primary_colour", "#0b5fff"),
        ("accent_colour", "#ff6600"),
        ("headline", "We will see you now"),
        ("button_text", "Start video"),
        ("locale", "es"),
        ("message_template", "Hola! Join here: {{ join_url }}"),
        ("code_ttl_seconds", "1800"),
        ("token_ttl_seconds", "900"),
        ("room_type", "group"),
        ("max_participants", "4"),
        ("empty_room_timeout_minutes", "3"),
        ("unused_room_timeout_minutes", "7"),
    ];
    let resp = b.submit(&page, &page, &good).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", resp.text().await.unwrap());
    assert!(location(&resp).ends_with("flash=settings_saved"));
    assert!(b.html(&location(&resp)).await.contains("Settings saved"));

    let got: Value = tenant.admin.get(&format!("/v1/contact-centers/{cc}")).await.json().await.unwrap();
    assert_eq!(got["name"], "Acme Care");
    assert_eq!(got["branding"]["display_name"], "Acme Care Team");
    assert_eq!(got["branding"]["logo_url"], "https://cdn.acme.example/logo.png");
    assert_eq!(got["branding"]["primary_colour"], "#0b5fff");
    assert_eq!(got["branding"]["accent_colour"], "#ff6600");
    assert_eq!(got["branding"]["headline"], "We will see you now");
    assert_eq!(got["branding"]["button_text"], "Start video");
    assert_eq!(got["branding"]["locale"], "es");
    assert_eq!(got["message_template"], "Hola! Join here: {{ join_url }}");
    assert_eq!(got["code_ttl_seconds"], 1800);
    assert_eq!(got["token_ttl_seconds"], 900);
    assert_eq!(
        got["room"],
        json!({ "room_type": "group", "max_participants": 4, "empty_room_timeout_minutes": 3, "unused_room_timeout_minutes": 7 })
    );

    // Invalid values: errors next to their fields, nothing saved.
    let mut bad: Vec<(&str, &str)> = good.to_vec();
    for (k, v) in [
        ("logo_url", "http://not-https.example/logo.png"),
        ("message_template", "No link here"),
        ("code_ttl_seconds", "10"),
        ("max_participants", "many"),
        ("display_name", " "),
    ] {
        bad.retain(|(name, _)| *name != k);
        bad.push((k, v));
    }
    let resp = b.submit(&page, &page, &bad).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    for field in ["logo_url", "message_template", "code_ttl_seconds", "max_participants", "display_name"] {
        assert!(html.contains(&format!("data-error-for=\"{field}\"")), "error for {field}");
    }
    let html = unescape(&html);
    assert!(html.contains("Must be an https:// URL"), "the domain's own message");
    assert!(html.contains("value=\"http://not-https.example/logo.png\""), "the form keeps what was typed");
    let again: Value = tenant.admin.get(&format!("/v1/contact-centers/{cc}")).await.json().await.unwrap();
    assert_eq!(again, got, "nothing saved");

    // The preview is the real join page with the form's values, framable by us only.
    let resp = b.get(&format!("/dashboard/contact-centers/{cc}/preview?display_name=Preview+Name&primary_colour=%23123456&headline=Hello+there&button_text=Go&locale=en")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert_eq!(resp.headers()["x-frame-options"], "SAMEORIGIN");
    let html = resp.text().await.unwrap();
    assert!(html.contains("Preview Name") && html.contains("#123456") && html.contains("Hello there"), "{html}");
    assert!(!html.contains("<script"), "the preview runs no script: {html}");
}

#[tokio::test]
async fn credentials_form_stores_and_masks() {
    let app = spawn_app().await;
    let (tenant, b) = admin_browser(&app).await;
    let cc = create_center(&b, "Support").await;
    let page = format!("/dashboard/contact-centers/{cc}/credentials");
    assert!(b.html(&page).await.contains("No Twilio credentials yet"));
    let account: SimAccount = app.sim_account();
    let (sk, secret) = account.api_keys[0].clone();

    // A wrong secret: Twilio refuses, nothing stored, the field is named.
    let resp = b
        .submit(
            &page,
            &page,
            &[
                ("account_sid", &account.account_sid),
                ("api_key_sid", &sk),
                ("api_key_secret", "wrong-secret-0123456789"),
                ("auth_token", &account.auth_token),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("data-error-for=\"api_key_secret\"") && html.contains("Twilio rejected the API key"),
        "{html}"
    );
    assert!(!html.contains("wrong-secret-0123456789"), "secrets are never echoed");
    assert_eq!(
        tenant.admin.get(&format!("/v1/contact-centers/{cc}/twilio-credentials")).await.status(),
        StatusCode::NOT_FOUND
    );

    // A wrong auth token is named too.
    let resp = b
        .submit(
            &page,
            &page,
            &[
                ("account_sid", &account.account_sid),
                ("api_key_sid", &sk),
                ("api_key_secret", &secret),
                ("auth_token", "0123456789abcdef0123456789abcdef"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("data-error-for=\"auth_token\""));

    // Malformed SIDs: validation messages by field.
    let resp = b
        .submit(
            &page,
            &page,
            &[("account_sid", "AC123"), ("api_key_sid", "nope"), ("api_key_secret", "short"), ("auth_token", "short")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    for f in ["account_sid", "api_key_sid", "api_key_secret", "auth_token"] {
        assert!(html.contains(&format!("data-error-for=\"{f}\"")), "{f}");
    }

    let resp = b
        .submit(
            &page,
            &page,
            &[
                ("account_sid", &account.account_sid),
                ("api_key_sid", &sk),
                ("api_key_secret", &secret),
                ("auth_token", &account.auth_token),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html = b.html(&location(&resp)).await;
    assert!(html.contains("Twilio accepted the credentials"));
    assert!(html.contains(&account.account_sid) && html.contains(&sk));
    assert!(html.contains(&format!("••••{}", &secret[secret.len() - 4..])), "masked secret");
    assert!(html.contains(&format!("••••{}", &account.auth_token[account.auth_token.len() - 4..])), "masked token");
    assert!(!html.contains(&secret) && !html.contains(&account.auth_token), "never the secrets");
    let api: Value =
        tenant.admin.get(&format!("/v1/contact-centers/{cc}/twilio-credentials")).await.json().await.unwrap();
    assert_eq!(api["account_sid"], account.account_sid.as_str());
    assert!(api["verified_at"].is_string());

    // Verify again with the stored credentials.
    let resp = b.submit(&page, &format!("{page}/verify"), &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(b.html(&location(&resp)).await.contains("Twilio accepted the stored credentials"));

    // Twilio down: a clear message, 502.
    app.sim.set_fault(twilio_sim::ApiOp::FetchAccount, twilio_sim::Fault { status: Some(503), ..Default::default() });
    let resp = b.submit(&page, &format!("{page}/verify"), &[]).await;
    app.sim.clear_faults();
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert!(resp.text().await.unwrap().contains("Twilio could not be reached"));
    assert!(!escalate_e2e::captured_logs().contains(&secret));
}

/// Escalations driven by signed callbacks, as tests/api/metrics.rs does.
async fn escalation_with_join(
    app: &TestApp,
    cc: &str,
    account: &SimAccount,
    key: &str,
    agent: &str,
    join_after: Option<i64>,
    ended_after: Option<i64>,
) -> String {
    let resp = app
        .escalate(
            cc,
            key,
            None,
            json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": agent }),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let e: Value = resp.json().await.unwrap();
    let created = DateTime::parse_from_rfc3339(e["created_at"].as_str().unwrap()).unwrap().with_timezone(&Utc);
    let room_sid = e["room_sid"].as_str().unwrap().to_owned();
    let room_name = e["room_name"].as_str().unwrap().to_owned();
    let mut seq = 100;
    let mut send = |kind: &'static str, at: i64, who: Option<String>, duration: Option<i64>| {
        seq += 1;
        let mut params = vec![
            ("RoomSid", room_sid.clone()),
            ("RoomName", room_name.clone()),
            ("RoomStatus", if kind == "room-ended" { "completed".into() } else { "in-progress".into() }),
            ("RoomType", "group".into()),
            ("StatusCallbackEvent", kind.into()),
            ("SequenceNumber", seq.to_string()),
            (
                "Timestamp",
                (created + chrono::Duration::seconds(at)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            ),
        ];
        if let Some(w) = who {
            params.push(("ParticipantIdentity", w));
            params.push(("ParticipantSid", format!("PA{seq:032x}")));
        }
        if let Some(d) = duration {
            params.push(("RoomDuration", d.to_string()));
        }
        params
    };
    let mut all = vec![send("participant-connected", 2, Some(format!("agent:{agent}")), None)];
    if let Some(j) = join_after {
        all.push(send("participant-connected", j, Some("customer:c1".into()), None));
    }
    if let Some(end) = ended_after {
        all.push(send("room-ended", end, None, Some(end)));
    }
    for params in all {
        // Twilio retries a callback that failed; so do we (SQLite can answer
        // "database is locked" when the simulator's own callbacks race ours).
        let mut status = app.post_callback(cc, account, &params).await.status();
        for _ in 0..4 {
            if status != StatusCode::INTERNAL_SERVER_ERROR {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            status = app.post_callback(cc, account, &params).await.status();
        }
        assert_eq!(status, 204);
    }
    e["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn detail_page_numbers_equal_the_api() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Metrics Co").await;
    let key = app.api_key(&r.tenant, &["escalations", "metrics"]).await;
    escalation_with_join(&app, &r.cc, &r.account, &key, "alex", Some(12), Some(130)).await;
    escalation_with_join(&app, &r.cc, &r.account, &key, "alex", Some(40), Some(400)).await;
    escalation_with_join(&app, &r.cc, &r.account, &key, "alex", None, Some(600)).await;
    let last = escalation_with_join(&app, &r.cc, &r.account, &key, "sam", Some(25), None).await;
    app.wait_for_escalation(&key, &last, |e| !e["customer_joined_at"].is_null()).await;

    let b = Browser::new(&app);
    assert_eq!(b.login(&r.tenant.admin_email, &r.tenant.admin_password).await.status(), StatusCode::SEE_OTHER);
    let html = b.html(&format!("/dashboard/contact-centers/{}", r.cc)).await;
    let totals = section(&html, "totals");
    let api_url = attr_after(&html, "id=\"totals\"", "data-api-url").expect("api url");
    let api: Value = r.tenant.admin.get(&api_url).await.json().await.unwrap();
    let t = &api["totals"];
    assert_eq!(t["escalations"], 4, "{api}");
    assert_eq!(metric(totals, "escalations"), api_number(&t["escalations"]));
    assert_eq!(metric(totals, "customers_joined"), api_number(&t["customers_joined"]));
    assert_eq!(metric(totals, "join_rate"), api_number(&t["join_rate"]));
    assert_eq!(metric(totals, "ttj_median"), api_number(&t["time_to_join_seconds"]["median"]));
    assert_eq!(metric(totals, "ttj_p90"), api_number(&t["time_to_join_seconds"]["p90"]));
    assert_eq!(metric(totals, "duration_median"), api_number(&t["call_duration_seconds"]["median"]));
    assert_eq!(metric(totals, "duration_p90"), api_number(&t["call_duration_seconds"]["p90"]));
    assert!(totals.contains(">75%<"), "join rate shown as a percentage");

    // Per agent.
    let agents = section(&html, "agents");
    for a in api["by_agent"].as_array().unwrap() {
        let name = a["agent_identity"].as_str().unwrap();
        let row_start = agents.find(&format!("data-agent=\"{name}\"")).unwrap_or_else(|| panic!("row of {name}"));
        let row = &agents[row_start..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(&format!("data-metric=\"escalations\">{}<", a["figures"]["escalations"])), "{row}");
        assert!(
            row.contains(&format!("data-metric=\"customers_joined\">{}<", a["figures"]["customers_joined"])),
            "{row}"
        );
        assert_eq!(metric(row, "join_rate"), api_number(&a["figures"]["join_rate"]));
    }
    // The chart's data table has every bucket of the API's series with the same counts.
    for bucket in api["series"].as_array().unwrap() {
        let start = bucket["start"].as_str().unwrap().replace("+00:00", "Z");
        let at = html.find(&format!("data-bucket-start=\"{start}\"")).unwrap_or_else(|| panic!("bucket {start}"));
        let row = &html[at..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(&format!("data-metric=\"escalations\">{}<", bucket["figures"]["escalations"])), "{row}");
    }
    assert!(
        html.contains("<svg class=\"chart\"") && html.contains("role=\"img\"") && html.contains("<title"),
        "accessible chart"
    );
    // Recent escalations with their room events; the CSV link works with the session.
    assert!(html.contains("participant-connected") && html.contains("customer:c1"));
    let csv = attr_after(&html, "data-testid=\"csv-link\"", "href").unwrap();
    let resp = b.get(&csv).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap().lines().count(), 5, "header + 4 escalations");

    // The overview: today's figures equal the API's for today.
    let html = b.html("/dashboard").await;
    let today = Utc::now().date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let api: Value = r
        .tenant
        .admin
        .get(&format!(
            "/v1/contact-centers/{}/metrics?from={}&bucket=day",
            r.cc,
            today.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).replace('+', "%2B")
        ))
        .await
        .json()
        .await
        .unwrap();
    let at = html.find(&format!("data-contact-center=\"{}\"", r.cc)).unwrap();
    let card = &html[at..];
    assert_eq!(metric(card, "escalations"), api_number(&api["totals"]["escalations"]));
    assert_eq!(metric(card, "join_rate"), api_number(&api["totals"]["join_rate"]));
    assert_eq!(metric(card, "ttj_median"), api_number(&api["totals"]["time_to_join_seconds"]["median"]));
    assert!(!html.contains("data-testid=\"setup\""), "no set-up steps once escalations flow");

    // A bad range is explained, not a crash.
    let resp = b.get(&format!("/dashboard/contact-centers/{}?from=2026-01-01&to=2026-03-01&bucket=hour", r.cc)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("Hourly buckets are limited to 31 days."));
    let resp = b.get(&format!("/dashboard/contact-centers/{}?from=yesterday", r.cc)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("is not a date"));
}

#[tokio::test]
async fn api_keys_and_users_through_the_forms() {
    let app = spawn_app().await;
    let (tenant, b) = admin_browser(&app).await;

    // API key: shown once, works, revocable.
    let resp = b
        .submit(
            "/dashboard/api-keys",
            "/dashboard/api-keys",
            &[("name", "CRM sync"), ("scopes", "metrics"), ("scopes", "escalations")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let html = resp.text().await.unwrap();
    let key = attr_after(&html, "id=\"new-key\"", "id").map(|_| {
        let at = html.find("id=\"new-key\"").unwrap();
        let rest = &html[at..];
        rest[rest.find('>').unwrap() + 1..rest.find("</code>").unwrap()].to_owned()
    });
    let key = key.unwrap();
    assert!(key.starts_with("esk_"), "{key}");
    let me: Value = app.http.get(app.url("/v1/me")).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["kind"], "api_key");
    let list = b.html("/dashboard/api-keys").await;
    assert!(list.contains("CRM sync") && !list.contains(&key), "listed, never shown again");
    let id = me["api_key_id"].as_str().unwrap();
    let resp = b.submit("/dashboard/api-keys", &format!("/dashboard/api-keys/{id}/revoke"), &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.http.get(app.url("/v1/me")).bearer_auth(&key).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // No scope: an error next to the scopes.
    let resp = b.submit("/dashboard/api-keys", "/dashboard/api-keys", &[("name", "Nothing")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("data-error-for=\"scopes\""));

    // Users: invite shows the password once; it signs in.
    let resp =
        b.submit("/dashboard/users", "/dashboard/users", &[("email", "Ana@Dash.example"), ("role", "admin")]).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let html = resp.text().await.unwrap();
    let at = html.find("id=\"initial-password\"").unwrap();
    let rest = &html[at..];
    let password = rest[rest.find('>').unwrap() + 1..rest.find("</code>").unwrap()].to_owned();
    let ana = Browser::new(&app);
    assert_eq!(ana.login("ana@dash.example", &password).await.status(), StatusCode::SEE_OTHER);
    // Duplicate email.
    let resp =
        b.submit("/dashboard/users", "/dashboard/users", &[("email", "ana@dash.example"), ("role", "viewer")]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(resp.text().await.unwrap().contains("already exists"));

    // Demote Ana, then try to demote and remove the last admin.
    let users: Value = tenant.admin.get("/v1/users").await.json().await.unwrap();
    let id_of = |email: &str| {
        users.as_array().unwrap().iter().find(|u| u["email"] == email).unwrap()["id"].as_str().unwrap().to_owned()
    };
    let ana_id = id_of("ana@dash.example");
    let me_id = id_of(&tenant.admin_email);
    let resp = b.submit("/dashboard/users", &format!("/dashboard/users/{ana_id}/role"), &[("role", "viewer")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(ana.get("/dashboard/users").await.status(), StatusCode::FORBIDDEN, "the new role applies at once");
    let resp = b.submit("/dashboard/users", &format!("/dashboard/users/{me_id}/role"), &[("role", "viewer")]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(resp.text().await.unwrap().contains("at least one admin"));
    let resp = b.submit("/dashboard/users", &format!("/dashboard/users/{me_id}/remove"), &[]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(resp.text().await.unwrap().contains("at least one admin"));
    let resp = b.submit("/dashboard/users", &format!("/dashboard/users/{ana_id}/remove"), &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(b.html(&location(&resp)).await.contains("User removed"));
    assert_eq!(ana.get("/dashboard").await.status(), StatusCode::SEE_OTHER, "removed user is signed out");
}

// ---- headless Chromium ----------------------------------------------------------

fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn browser_walk_through() {
    if let Some(why) = escalate_e2e::browser::missing_prerequisites() {
        panic!("{why}");
    }
    let app = spawn_app().await;
    let tenant = app.create_tenant("Browser Co").await;
    let account = app.sim_account();
    let (sk, secret) = account.api_keys[0].clone();

    // The script drives the UI; between its phases it asks us (on stdin/stdout)
    // to make escalations through the API and drive them with callbacks.
    let input = json!({
        "base": app.address,
        "email": tenant.admin_email,
        "password": tenant.admin_password,
        "account_sid": account.account_sid,
        "api_key_sid": sk,
        "api_key_secret": secret,
        "auth_token": account.auth_token,
    });
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let session = app.login(&tenant.admin_email, &tenant.admin_password).await;
    let mut child = tokio::process::Command::new("node")
        .arg(tests_dir().join("browser/dashboard.mjs"))
        .arg(input.to_string())
        .current_dir(tests_dir().join("browser"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (scripts/browser.sh)");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut report = Value::Null;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    loop {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .expect("dashboard.mjs finishes in time")
            .unwrap();
        let Some(line) = line else { break };
        let Ok(msg) = serde_json::from_str::<Value>(&line) else { continue };
        match msg["ask"].as_str() {
            Some("escalations") => {
                let cc = msg["contact_center_id"].as_str().unwrap().to_owned();
                let key = msg["api_key"].as_str().unwrap().to_owned();
                escalation_with_join(&app, &cc, &account, &key, "alex", Some(9), Some(120)).await;
                escalation_with_join(&app, &cc, &account, &key, "alex", None, Some(300)).await;
                let last = escalation_with_join(&app, &cc, &account, &key, "sam", Some(31), Some(200)).await;
                app.wait_for_escalation(&key, &last, |e| !e["ended_at"].is_null()).await;
                stdin.write_all(b"{\"ok\":true}\n").await.unwrap();
                stdin.flush().await.unwrap();
            }
            Some("metrics") => {
                let cc = msg["contact_center_id"].as_str().unwrap();
                let from = msg["from"].as_str().unwrap().replace('+', "%2B");
                let to = msg["to"].as_str().unwrap().replace('+', "%2B");
                let api: Value = session
                    .get(&format!("/v1/contact-centers/{cc}/metrics?from={from}&to={to}&bucket=day"))
                    .await
                    .json()
                    .await
                    .unwrap();
                let reply = json!({ "api": api }).to_string() + "\n";
                stdin.write_all(reply.as_bytes()).await.unwrap();
                stdin.flush().await.unwrap();
            }
            _ if msg.get("report").is_some() => report = msg["report"].clone(),
            _ => {}
        }
    }
    let out = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(report.is_object(), "dashboard.mjs gave no report (exit {:?}); stderr: {stderr}", out.status.code());
    let problems = report["problems"].as_array().unwrap();
    assert!(problems.is_empty(), "browser walk-through problems: {report:#}\nstderr: {stderr}");
    assert_eq!(report["metrics_checked"], true, "{report:#}");
    // axe-core (WCAG 2.0/2.1 A and AA) checked every page, and found nothing.
    for page in [
        "login",
        "overview-empty",
        "overview",
        "center",
        "settings",
        "credentials",
        "api-keys",
        "api-key-created",
        "users",
        "account",
        "test-call",
        "test-call-started",
        "overview-phone",
        "center-phone",
    ] {
        let found =
            report["axe"][page].as_array().unwrap_or_else(|| panic!("axe-core did not check {page}: {report:#}"));
        assert!(found.is_empty(), "{page}: {found:#?}");
    }
    // 320 px: no page scrolls sideways (a current tab off-screen would be among the problems above).
    let narrow = report["narrow"].as_object().expect("320 px widths");
    assert_eq!(narrow.len(), 8, "{narrow:?}");
    for (page, width) in narrow {
        assert!(width.as_u64().is_some_and(|w| w <= 320), "{page} at 320 px: scrollWidth {width}");
    }
    assert_eq!(report["checks"]["preview_fits"], true, "{report:#}");
    assert_eq!(report["checks"]["revoke_visible"], true, "{report:#}");
    assert_eq!(report["checks"]["nav_contact_centers"], "Contact centers", "{report:#}");
    assert!(!escalate_e2e::captured_logs().contains(&account.auth_token));
}

#[tokio::test]
async fn sign_in_is_rate_limited_like_the_api() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Limit Co").await;
    let b = Browser::new(&app);
    // The API's per-email limit (10 per 15 minutes) counts dashboard attempts too: same keys.
    for _ in 0..10 {
        assert_eq!(b.login(&tenant.admin_email, "not the password!").await.status(), StatusCode::UNAUTHORIZED);
    }
    let resp = b.login(&tenant.admin_email, &tenant.admin_password).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    assert!(resp.text().await.unwrap().contains("Too many sign-in attempts"));
    let (resp, _) = app.try_login(&tenant.admin_email, &tenant.admin_password).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "the API sees the same counter");
}

#[tokio::test]
async fn another_tenants_contact_center_is_not_found() {
    let app = spawn_app().await;
    let (_a, a) = admin_browser(&app).await;
    let theirs = create_center(&a, "Theirs").await;
    let (_b, b) = admin_browser_of(&app, "Other Co").await;
    for path in [
        format!("/dashboard/contact-centers/{theirs}"),
        format!("/dashboard/contact-centers/{theirs}/settings"),
        format!("/dashboard/contact-centers/{theirs}/credentials"),
        format!("/dashboard/contact-centers/{theirs}/preview"),
        "/dashboard/contact-centers/not-a-uuid".into(),
    ] {
        let resp = b.get(&path).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(!resp.text().await.unwrap().contains("Theirs"), "{path}");
    }
    let page = format!("/dashboard/contact-centers/{theirs}/settings");
    let token = csrf(&b.html("/dashboard").await);
    let resp = b.post(&page, &[("csrf_token", &token), ("name", "Hijacked")]).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(a.html(&format!("/dashboard/contact-centers/{theirs}")).await.contains("Theirs"));
}
