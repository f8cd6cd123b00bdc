//! What a new tenant admin tripped on in the dashboard: no way to delete a
//! contact center or its credentials, no nudge to replace the initial
//! password, contact centers named by id in the audit log, a reversed date
//! range in the API's words, and a loopback webhook refused without saying
//! what production needs.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Browser, admin_browser, create_center, csrf, location, unescape};

#[tokio::test]
async fn contact_centers_and_their_credentials_can_be_deleted_from_the_dashboard() {
    let app = escalate_e2e::spawn_app().await;
    let (t, b) = admin_browser(&app).await;
    let cc = create_center(&b, "Doomed").await;
    let account = app.sim_account();
    assert_eq!(app.store_credentials(&t, &cc, &account).await.status(), 200);
    let page = b.html(&format!("/dashboard/contact-centers/{cc}/credentials")).await;
    assert!(page.contains("id=\"delete-credentials\"") && page.contains("data-confirm="), "{page}");
    let resp = b
        .submit(
            &format!("/dashboard/contact-centers/{cc}/credentials"),
            &format!("/dashboard/contact-centers/{cc}/credentials/delete"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).ends_with("flash=credentials_deleted"));
    let gone = t.admin.get(&format!("/v1/contact-centers/{cc}/twilio-credentials")).await;
    assert_eq!(gone.status(), 404);

    let settings = b.html(&format!("/dashboard/contact-centers/{cc}/settings")).await;
    assert!(settings.contains("id=\"delete-contact-center\""));
    let resp = b
        .submit(
            &format!("/dashboard/contact-centers/{cc}/settings"),
            &format!("/dashboard/contact-centers/{cc}/delete"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/dashboard?flash=cc_deleted");
    assert_eq!(t.admin.get(&format!("/v1/contact-centers/{cc}")).await.status(), 404);
    // Without the form's token nothing is deleted.
    let other = create_center(&b, "Kept").await;
    let resp = b.post(&format!("/dashboard/contact-centers/{other}/delete"), &[]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(t.admin.get(&format!("/v1/contact-centers/{other}")).await.status(), 200);
    // The audit log names them, not by id.
    let audit = b.html("/dashboard/audit").await;
    assert!(audit.contains("contact center Doomed (deleted)") && audit.contains("contact center Kept"), "{audit}");
}

#[tokio::test]
async fn a_new_user_is_asked_to_choose_their_own_password_at_first_sign_in() {
    let app = escalate_e2e::spawn_app().await;
    let t = app.create_tenant("Acme").await;
    let invited: Value =
        t.admin.post("/v1/users", json!({ "email": "new@example.com", "role": "viewer" })).await.json().await.unwrap();
    let initial = invited["initial_password"].as_str().unwrap();
    let b = Browser::new(&app);
    let resp = b.login_to("new@example.com", initial, "/dashboard/audit").await;
    assert_eq!(location(&resp), "/dashboard/account?flash=choose_password");
    let page = b.html("/dashboard/account?flash=choose_password").await;
    assert!(page.contains("choose your own below"), "{page}");
    // Once they have signed in, the next sign-in goes where it was going.
    let again = Browser::new(&app).login_to("new@example.com", initial, "/dashboard/users").await;
    assert_eq!(location(&again), "/dashboard/users");
}

#[tokio::test]
async fn a_reversed_date_range_is_explained_in_the_forms_words() {
    let app = escalate_e2e::spawn_app().await;
    let (_, b) = admin_browser(&app).await;
    let cc = create_center(&b, "Help").await;
    let html = b.html(&format!("/dashboard/contact-centers/{cc}?from=2026-12-07&to=2026-12-01")).await;
    assert!(html.contains("“From” (7 Dec 2026) is after “To” (1 Dec 2026)"), "{html}");
    assert!(!html.contains("`from`") && !html.contains("`to`"));
}

#[tokio::test]
async fn a_loopback_webhook_is_refused_with_what_production_needs() {
    let app = escalate_e2e::spawn_app().await;
    let (_, b) = admin_browser(&app).await;
    let page = b.html("/dashboard/webhooks").await;
    let resp = b
        .post(
            "/dashboard/webhooks",
            &[("csrf_token", &csrf(&page)), ("url", "http://127.0.0.1:9000/hook"), ("events", "agent.joined")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescape(&resp.text().await.unwrap());
    assert!(html.contains("production endpoints must be public https:// URLs"), "{html}");
    assert!(html.contains("WEBHOOK_ALLOW_LOOPBACK=true"), "{html}");
}
