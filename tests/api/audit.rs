//! The audit log: every admin action (sign-ins and failed ones, the tenant's
//! name, contact centers and their branding, Twilio credentials, API keys,
//! users, passwords) is recorded with who, when, from where and what
//! changed, never a secret; admins list, filter, page and export it; nobody
//! else sees it; entries past the retention period are purged.

use chrono::{Duration, Utc};
use escalate_e2e::{Options, Tenant, TestApp, assert_problem, credentials_body, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn log(t: &Tenant, query: &str) -> Vec<Value> {
    let resp = t.admin.get(&format!("/v1/audit-log?limit=200{query}")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page: Value = resp.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

fn find<'a>(entries: &'a [Value], action: &str) -> Vec<&'a Value> {
    entries.iter().filter(|e| e["action"] == action).collect()
}

fn one<'a>(entries: &'a [Value], action: &str) -> &'a Value {
    let found = find(entries, action);
    assert_eq!(found.len(), 1, "exactly one {action} in {entries:#?}");
    found[0]
}

/// Everything an admin can do, through the API (as a user and as a key) and the dashboard.
async fn act(app: &TestApp, t: &Tenant) -> (String, String, String, String) {
    let account = app.sim_account();
    // A failed sign-in for a known user, and one for an unknown email (no tenant's log).
    assert_eq!(app.try_login(&t.admin_email, "wrong password!!").await.0.status(), 401);
    assert_eq!(app.try_login("nobody@example.com", "wrong password!!").await.0.status(), 401);
    assert_eq!(t.admin.patch("/v1/tenant", json!({ "name": "Acme Renamed" })).await.status(), 200);
    let cc: Value = t.admin.post("/v1/contact-centers", json!({ "name": "Support" })).await.json().await.unwrap();
    let cc = cc["id"].as_str().unwrap().to_owned();
    let resp = t
        .admin
        .patch(
            &format!("/v1/contact-centers/{cc}"),
            json!({ "branding": { "display_name": "Acme Help", "primary_colour": "#112233", "locale": "es" } }),
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let resp = t.admin.put(&format!("/v1/contact-centers/{cc}/twilio-credentials"), credentials_body(&account)).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let resp = t.admin.post(&format!("/v1/contact-centers/{cc}/twilio-credentials/verify"), json!({})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(t.admin.delete(&format!("/v1/contact-centers/{cc}/twilio-credentials")).await.status(), 204);

    // An API key made in the dashboard, which then acts on its own.
    let resp = t
        .admin
        .client
        .post(app.url("/dashboard/api-keys"))
        .form(&[("csrf_token", t.admin.csrf.as_str()), ("name", "CRM sync"), ("scopes", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let html = resp.text().await.unwrap();
    let key = html.split("data-testid=\"new-key\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    let as_key = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut req =
            app.http.request(method, app.url(path)).bearer_auth(&key).header("X-Forwarded-For", "203.0.113.9");
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send()
    };
    let invited: Value =
        as_key(reqwest::Method::POST, "/v1/users", Some(json!({ "email": "viewer@example.com", "role": "viewer" })))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let user = invited["user"]["id"].as_str().unwrap().to_owned();
    let resp = as_key(reqwest::Method::PATCH, &format!("/v1/users/{user}"), Some(json!({ "role": "admin" }))).await;
    assert_eq!(resp.unwrap().status(), 200);
    // Setting the same role again changes nothing and records nothing.
    let resp = as_key(reqwest::Method::PATCH, &format!("/v1/users/{user}"), Some(json!({ "role": "admin" }))).await;
    assert_eq!(resp.unwrap().status(), 200);
    assert_eq!(as_key(reqwest::Method::DELETE, &format!("/v1/users/{user}"), None).await.unwrap().status(), 204);

    let keys: Vec<Value> = t.admin.get("/v1/api-keys").await.json().await.unwrap();
    let key_id = keys.iter().find(|k| k["name"] == "CRM sync").unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(t.admin.delete(&format!("/v1/api-keys/{key_id}")).await.status(), 200);
    assert_eq!(t.admin.delete(&format!("/v1/contact-centers/{cc}")).await.status(), 204);
    let resp = t
        .admin
        .put("/v1/me/password", json!({ "current_password": t.admin_password, "new_password": "a new long password" }))
        .await;
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    (cc, key, key_id, user)
}

#[tokio::test]
async fn every_admin_action_is_recorded_with_who_when_from_where_and_never_a_secret() {
    let app = spawn_app().await;
    let t = app.create_tenant("Acme").await;
    let started = Utc::now() - Duration::seconds(5);
    let (cc, key, key_id, user) = act(&app, &t).await;
    let entries = log(&t, "").await;

    // Newest first, each with a time, an actor and where it came from.
    let times: Vec<&str> = entries.iter().map(|e| e["occurred_at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    for e in &entries {
        let at: chrono::DateTime<Utc> = e["occurred_at"].as_str().unwrap().parse().unwrap();
        assert!(at >= started && at <= Utc::now(), "{e}");
        assert!(e["client_ip"].is_string(), "{e}");
    }

    let admin_id = {
        let me: Value = t.admin.get("/v1/me").await.json().await.unwrap();
        me["user"]["id"].as_str().unwrap().to_owned()
    };
    let by_admin = |e: &Value| e["actor_kind"] == "user" && e["actor"] == t.admin_email.as_str();
    assert!(find(&entries, "sign_in").iter().all(|e| by_admin(e) && e["actor_id"] == admin_id.as_str()));
    assert!(!find(&entries, "sign_in").is_empty());
    // Anyone can try a known email: the failure is marked as nobody's
    // doing, never as the user's, and names whom it was about.
    let failed = one(&entries, "sign_in_failed");
    assert_eq!(failed["actor_kind"], "anonymous", "{failed}");
    assert!(failed["actor_id"].is_null());
    assert_eq!((failed["target_kind"].as_str(), failed["target_id"].as_str()), (Some("user"), Some(&*admin_id)));
    assert_eq!(failed["changes"]["email"], t.admin_email.as_str());
    assert_eq!(failed["client_ip"], "127.0.0.1");

    let renamed = one(&entries, "tenant.renamed");
    assert_eq!(renamed["changes"]["name"], json!({ "from": "Acme", "to": "Acme Renamed" }));
    let created = one(&entries, "contact_center.created");
    assert_eq!((created["target_kind"].as_str(), created["target_id"].as_str()), (Some("contact_center"), Some(&*cc)));
    assert_eq!(created["changes"]["name"], "Support");
    let updated = one(&entries, "contact_center.updated");
    assert_eq!(updated["changes"]["display_name"]["to"], "Acme Help");
    assert_eq!(updated["changes"]["primary_colour"]["to"], "#112233");
    assert_eq!(updated["changes"]["locale"], json!({ "from": "en", "to": "es" }));
    assert!(updated["changes"].get("name").is_none(), "only what changed: {}", updated["changes"]);

    let set = one(&entries, "credentials.set");
    assert_eq!(set["target_id"], cc.as_str());
    assert!(set["changes"]["account_sid"]["to"].as_str().unwrap().starts_with("AC"));
    assert_eq!(set["changes"]["secrets"], "replaced");
    assert_eq!(one(&entries, "credentials.verified")["changes"]["result"], "accepted");
    assert!(one(&entries, "credentials.deleted")["changes"]["api_key_sid"].as_str().unwrap().starts_with("SK"));

    // The dashboard's form is recorded like the API, as the signed-in user.
    let key_created = one(&entries, "api_key.created");
    assert!(by_admin(key_created));
    assert_eq!(key_created["target_id"], key_id.as_str());
    assert_eq!(key_created["changes"]["scopes"], json!(["admin"]));

    // What the key did is the key's, from the address it came from (the
    // proxy header is not trusted by default, so the socket's).
    let by_key = |e: &Value| e["actor_kind"] == "api_key" && e["actor_id"] == key_id.as_str();
    for action in ["user.invited", "user.role_changed", "user.removed"] {
        let e = one(&entries, action);
        assert!(by_key(e), "{e}");
        assert!(e["actor"].as_str().unwrap().starts_with("CRM sync ("), "{e}");
        assert_eq!(e["client_ip"], "127.0.0.1");
        assert_eq!(e["target_id"], user.as_str());
    }
    assert_eq!(one(&entries, "user.invited")["changes"]["role"], "viewer");
    assert_eq!(one(&entries, "user.role_changed")["changes"]["role"], json!({ "from": "viewer", "to": "admin" }));
    assert_eq!(one(&entries, "api_key.revoked")["target_id"], key_id.as_str());
    assert_eq!(one(&entries, "contact_center.deleted")["changes"]["name"], "Support");
    assert!(by_admin(one(&entries, "password.changed")));

    // Never a secret: not the key, not the credentials' secrets, not a password.
    let text = serde_json::to_string(&entries).unwrap();
    for secret in [key.as_str(), t.admin_password.as_str(), "a new long password", "wrong password!!"] {
        assert!(!text.contains(secret), "the log holds a secret");
    }
    for field in ["api_key_secret", "auth_token", "initial_password", "\"password\""] {
        assert!(!text.contains(field), "the log names {field}");
    }
}

#[tokio::test]
async fn the_log_filters_pages_exports_and_belongs_to_admins_of_its_tenant() {
    let app = spawn_app().await;
    let t = app.create_tenant("Acme").await;
    let other = app.create_tenant("Other").await;
    let (_cc, key, _, _) = act(&app, &t).await;
    let all = log(&t, "").await;
    assert!(all.len() >= 15, "{}", all.len());

    // Filters.
    let only = log(&t, "&action=contact_center.updated").await;
    assert_eq!(only.len(), 1);
    let key_id = one(&all, "user.invited")["actor_id"].as_str().unwrap().to_owned();
    let by_key = log(&t, &format!("&actor_id={key_id}")).await;
    assert_eq!(by_key.len(), 3, "{by_key:#?}");
    let future = (Utc::now() + Duration::hours(1)).to_rfc3339().replace('+', "%2B");
    assert!(log(&t, &format!("&from={future}")).await.is_empty());
    assert_problem(t.admin.get("/v1/audit-log?action=credentials.stolen").await, 400, "invalid_parameter").await;
    assert_problem(t.admin.get("/v1/audit-log?limit=0").await, 422, "validation_failed").await;

    // Pages: newest first, no entry twice, none missed.
    let mut paged = Vec::new();
    let mut before = String::new();
    loop {
        let page: Value = t.admin.get(&format!("/v1/audit-log?limit=4{before}")).await.json().await.unwrap();
        paged.extend(page["items"].as_array().unwrap().iter().map(|e| e["id"].clone()));
        match page["next_before"].as_str() {
            Some(next) => before = format!("&before={next}"),
            None => break,
        }
    }
    let ids: Vec<Value> = all.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(paged, ids);

    // CSV: the same entries, one row each.
    let resp = t.admin.get("/v1/audit-log.csv").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("audit-log-"));
    let csv = resp.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["id", "occurred_at", "action", "actor_kind", "actor_id", "actor", "client_ip", "target", "changes"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.iter().map(|r| Value::from(&r[0])).collect::<Vec<_>>(), ids);
    assert!(!csv.contains(&key) && !csv.contains(&t.admin_password));
    let filtered = t.admin.get("/v1/audit-log.csv?action=sign_in_failed").await.text().await.unwrap();
    assert_eq!(filtered.lines().count(), 2, "{filtered}");

    // The dashboard page shows the same, for admins.
    let html = t.admin.get("/dashboard/audit").await.text().await.unwrap();
    assert!(html.contains("Created an API key") && html.contains("Changed a contact center"), "{html}");
    assert!(html.contains("locale: en → es"));
    let html = t.admin.get("/dashboard/audit?action=user.removed").await.text().await.unwrap();
    assert_eq!(html.matches("data-entry=").count(), 1);

    // Only admins: a viewer and a metrics key are refused; another tenant sees only its own.
    let invited: Value =
        t.admin.post("/v1/users", json!({ "email": "v@example.com", "role": "viewer" })).await.json().await.unwrap();
    let viewer = app.login("v@example.com", invited["initial_password"].as_str().unwrap()).await;
    assert_problem(viewer.get("/v1/audit-log").await, 403, "forbidden").await;
    assert_problem(viewer.get("/v1/audit-log.csv").await, 403, "forbidden").await;
    assert_eq!(viewer.get("/dashboard/audit").await.status(), 403);
    let metrics_key = app.api_key(&t, &["metrics"]).await;
    let resp = app.http.get(app.url("/v1/audit-log")).bearer_auth(&metrics_key).send().await.unwrap();
    assert_problem(resp, 403, "forbidden").await;
    let theirs = log(&other, "").await;
    assert!(!theirs.is_empty());
    let text = serde_json::to_string(&theirs).unwrap();
    assert!(!text.contains(&t.admin_email) && !text.contains("CRM sync"), "another tenant's log leaks");
    let csv = other.admin.get("/v1/audit-log.csv").await.text().await.unwrap();
    assert!(!csv.contains(&t.admin_email));
}

#[tokio::test]
async fn entries_past_the_retention_period_are_purged() {
    let app =
        spawn_app_with(Options { extra: vec![("AUDIT_RETENTION_DAYS".into(), "30".into())], ..Options::default() })
            .await;
    let t = app.create_tenant("Acme").await;
    assert_eq!(t.admin.patch("/v1/tenant", json!({ "name": "Acme 2" })).await.status(), 200);
    let before = log(&t, "").await.len();
    assert!(before >= 2);

    // Twenty-nine days on, everything is kept; thirty-one days on, nothing.
    let kept = escalate_app::services::audit::purge(&app.state, Utc::now() + Duration::days(29)).await.unwrap();
    assert_eq!(kept, 0);
    assert_eq!(log(&t, "").await.len(), before);
    let purged = escalate_app::services::audit::purge(&app.state, Utc::now() + Duration::days(31)).await.unwrap();
    assert_eq!(purged as usize, before);
    assert!(log(&t, "").await.is_empty());

    // The setting is checked at start.
    let bad = escalate::Settings::with(&[("AUDIT_RETENTION_DAYS", "0")]).expect_err("0 days is refused");
    assert!(bad.to_string().contains("AUDIT_RETENTION_DAYS"), "{bad}");
}
