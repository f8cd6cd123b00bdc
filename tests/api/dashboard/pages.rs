//! What the dashboard's pages say and how they are built, over HTTP: the
//! API keys page's advice, the sidebar, counts and durations worded so they
//! cannot be misread, long organisation names, and scrolling boxes a
//! keyboard can reach. What they look like is checked in Chromium by
//! `browser_walk_through` (axe-core on every page, 320 px, screenshots).

use super::*;

#[tokio::test]
async fn the_api_keys_page_says_the_flex_plugin_needs_no_key() {
    let app = spawn_app().await;
    let (tenant, b) = admin_browser(&app).await;
    app.api_key(&tenant, &["metrics"]).await;
    let html = b.html("/dashboard/api-keys").await;
    assert!(html.contains("The Flex plugin does not need a key"), "{html}");
    assert!(html.contains("agent's Flex token"), "{html}");
    assert!(!html.contains("For the Flex plugin's server side"), "the old advice is gone: {html}");
    assert!(!html.contains("placeholder=\"e.g. Flex plugin\""), "no key named after the plugin: {html}");
    // The keys table is one wide card (its Revoke buttons fit), and its
    // scroll box on a narrow screen can be reached from the keyboard.
    assert!(!html.contains("two-col"), "{html}");
    assert!(
        html.contains("class=\"table-wrap\" role=\"region\" aria-labelledby=\"keys-title\" tabindex=\"0\""),
        "{html}"
    );
}

#[tokio::test]
async fn the_sidebar_has_contact_centers_marked_on_their_pages() {
    let app = spawn_app().await;
    let (_tenant, b) = admin_browser(&app).await;
    let cc = create_center(&b, "Support").await;
    let marked = "data-testid=\"nav-contact-centers\" aria-current=\"page\"";

    let overview = b.html("/dashboard").await;
    assert!(overview.contains("href=\"/dashboard#centers\" data-testid=\"nav-contact-centers\""), "{overview}");
    assert!(!overview.contains(marked), "not the current page on the overview");
    assert!(overview.contains("<a href=\"/dashboard\" aria-current=\"page\">Overview</a>"), "{overview}");
    assert!(overview.contains("id=\"centers\""), "the entry's target: {overview}");

    for path in [
        format!("/dashboard/contact-centers/{cc}"),
        format!("/dashboard/contact-centers/{cc}/settings"),
        format!("/dashboard/contact-centers/{cc}/credentials"),
        format!("/dashboard/contact-centers/{cc}/test-call"),
    ] {
        let html = b.html(&path).await;
        assert!(html.contains(marked), "{path}: {html}");
        assert!(!html.contains("<a href=\"/dashboard\" aria-current=\"page\">"), "{path}: one current entry");
    }
    let html = b.html("/dashboard/users").await;
    assert!(!html.contains(marked));
}

#[tokio::test]
async fn counts_and_durations_say_what_they_are() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Words Co").await;
    let key = app.api_key(&r.tenant, &["escalations", "metrics"]).await;
    let id = escalation_with_join(&app, &r.cc, &r.account, &key, "alex", Some(10), Some(70)).await;
    app.wait_for_escalation(&key, &id, |e| !e["ended_at"].is_null()).await;
    let b = Browser::new(&app);
    assert_eq!(b.login(&r.tenant.admin_email, &r.tenant.admin_password).await.status(), StatusCode::SEE_OTHER);

    // One escalation is not "1 escalations".
    let overview = b.html("/dashboard").await;
    assert!(overview.contains("· 1 escalation, "), "{overview}");
    assert!(!overview.contains(" 1 escalations"), "{overview}");

    // One escalation's time in the call, and the figure over all of them.
    let html = b.html(&format!("/dashboard/contact-centers/{}", r.cc)).await;
    assert!(html.contains("data-testid=\"escalation-duration\">in call "), "{html}");
    assert!(!html.contains("<span class=\"muted\">call "), "{html}");
    assert!(section(&html, "totals").contains("<dt>Median call duration</dt>"), "{html}");
}

#[tokio::test]
async fn a_long_organisation_name_keeps_its_full_text() {
    let app = spawn_app().await;
    let name = "Acme Healthcare Customer Services International";
    let (_tenant, b) = admin_browser_of(&app, name).await;
    let html = b.html("/dashboard").await;
    assert!(html.contains(&format!("title=\"{name} (your organisation)\"")), "{html}");
    assert!(html.contains(&format!("data-testid=\"tenant-name\">{name}</span>")), "{html}");
}

#[tokio::test]
async fn scrolling_boxes_can_be_reached_from_the_keyboard() {
    let app = spawn_app().await;
    let (_tenant, b) = admin_browser(&app).await;
    let cc = create_center(&b, "Support").await;
    let users = b.html("/dashboard/users").await;
    assert!(
        users.contains("class=\"table-wrap\" role=\"region\" aria-labelledby=\"users-title\" tabindex=\"0\""),
        "{users}"
    );
    let credentials = b.html(&format!("/dashboard/contact-centers/{cc}/credentials")).await;
    assert!(
        credentials.contains("<pre class=\"code\" tabindex=\"0\" aria-label=\"Flex plugin configuration\">"),
        "{credentials}"
    );
}
