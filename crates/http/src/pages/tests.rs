use std::path::PathBuf;

use poem::{Endpoint, Request, Route};

use super::*;
use escalate_domain::contact_center::VideoProvider;

fn dashboard_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboard"))
}

fn dir(path: PathBuf) -> DashboardFiles {
    DashboardFiles::Dir(path)
}

/// The pages as the binary serves them: from its embedded copy.
fn pages() -> Pages {
    Pages::load(&DashboardFiles::Embedded).expect("dashboard templates load")
}

fn brand() -> JoinBrand {
    JoinBrand {
        display_name: "Acme Support".into(),
        logo_url: None,
        primary_colour: "#0b5fff".into(),
        accent_colour: "#0f9d58".into(),
        headline: "Your agent is ready to see you".into(),
        button_text: "Join Video Room".into(),
        locale: "en".into(),
    }
}

fn view(state: JoinState, brand: Option<JoinBrand>) -> JoinPageView {
    JoinPageView::new("ABCD2345EFGH", state, brand)
}

async fn body(resp: poem::Response) -> String {
    resp.into_body().into_string().await.unwrap()
}

fn header(resp: &poem::Response, name: &str) -> String {
    resp.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

#[tokio::test]
async fn each_state_renders_with_its_status() {
    let pages = pages();
    let ready = pages.join_page(&view(JoinState::Ready, Some(brand())));
    assert_eq!(ready.status(), 200);
    assert_eq!(header(&ready, "content-type"), "text/html; charset=utf-8");
    let html = body(ready).await;
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("Join Video Room"));
    assert!(html.contains("Acme Support"));
    assert!(html.contains(r#"data-code="ABCD2345EFGH""#));
    assert!(html.contains("--brand:#0b5fff"));
    assert!(html.contains("/assets/join.js?v="));

    let completed = pages.join_page(&view(JoinState::Completed, Some(brand())));
    assert_eq!(completed.status(), 410);
    let html = body(completed).await;
    assert!(html.contains("This call has ended"));
    assert!(html.contains("Acme Support"));
    assert!(!html.contains("join.js"), "nothing to run on an ended call");
    assert!(!html.contains("ABCD2345EFGH"));

    for state in [JoinState::Expired, JoinState::Unknown] {
        let resp = pages.join_page(&view(state, None));
        assert_eq!(resp.status(), 404);
        let html = body(resp).await;
        assert!(html.contains("This link is no longer valid"));
        assert!(!html.contains("ABCD2345EFGH"));
        assert!(!html.contains("<script"));
    }
}

#[tokio::test]
async fn unknown_and_expired_are_byte_identical() {
    let pages = pages();
    // Even when the caller hands the expired view its brand, nothing of it shows.
    let expired = pages.join_page(&view(JoinState::Expired, Some(brand())));
    let unknown = pages.join_page(&JoinPageView { code: "ZZZZ9999ZZZZ".into(), ..view(JoinState::Unknown, None) });
    assert_eq!(expired.status(), unknown.status());
    let mut he: Vec<_> = expired.headers().iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect();
    let mut hu: Vec<_> = unknown.headers().iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect();
    he.sort();
    hu.sort();
    assert_eq!(he, hu, "same headers");
    let (be, bu) = (body(expired).await, body(unknown).await);
    assert_eq!(be, bu, "same bytes");
    assert!(!be.contains("Acme"));
}

#[tokio::test]
async fn spanish_brand_renders_spanish_wording() {
    let pages = pages();
    let es = JoinBrand { locale: "es".into(), button_text: "Unirse".into(), ..brand() };
    let html = body(pages.join_page(&view(JoinState::Ready, Some(es.clone())))).await;
    assert!(html.contains(r#"<html lang="es">"#));
    assert!(html.contains(i18n::ES.intro));
    assert!(html.contains(r#"data-t-mute="Silenciar""#));
    let html = body(pages.join_page(&view(JoinState::Completed, Some(es)))).await;
    assert!(html.contains("Esta llamada ha terminado"));
}

#[tokio::test]
async fn brand_fields_are_html_escaped() {
    let pages = pages();
    let evil = JoinBrand {
        display_name: "Acme <b>Bold</b> & Co".into(),
        headline: "<script>alert(1)</script>".into(),
        button_text: "\"><img src=x onerror=alert(1)>".into(),
        ..brand()
    };
    let html = body(pages.join_page(&view(JoinState::Ready, Some(evil)))).await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(!html.contains("<img src=x"));
    assert!(!html.contains("<b>Bold</b>"));
    assert!(html.contains("&amp; Co"));
    // The only scripts are our own files: the Twilio SDK, the call client, the page.
    assert_eq!(html.matches("<script").count(), 3);
    let builtin =
        body(pages.join_page(&view(JoinState::Ready, Some(brand())).with_provider(VideoProvider::Builtin))).await;
    assert_eq!(builtin.matches("<script").count(), 2, "built-in calls load no Twilio SDK");
    assert!(!builtin.contains("twilio-video"));
}

#[tokio::test]
async fn invalid_colours_and_codes_never_reach_the_page() {
    let pages = pages();
    let bad = JoinBrand { primary_colour: "red;}</style><script>".into(), ..brand() };
    let html = body(pages.join_page(&JoinPageView { code: "\"><x".into(), ..view(JoinState::Ready, Some(bad)) })).await;
    assert!(!html.contains("</style><script>"));
    assert!(html.contains("--brand:#3a4a5f"));
    assert!(!html.contains("\"><x"));
}

#[tokio::test]
async fn csp_and_security_headers_are_strict() {
    let pages = pages();
    let resp = pages.join_page_with_nonce(&view(JoinState::Ready, Some(brand())), "TESTNONCE");
    let csp = header(&resp, "content-security-policy");
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'nonce-TESTNONCE'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self' https://*.twilio.com wss://*.twilio.com",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.split("; ").any(|d| d == part), "CSP lacks `{part}`: {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert!(
        !csp.contains("https:;") && !csp.contains("https: ") && !csp.ends_with("https:"),
        "no blanket https: {csp}"
    );
    assert_eq!(header(&resp, "referrer-policy"), "no-referrer");
    assert_eq!(header(&resp, "x-frame-options"), "DENY");
    assert_eq!(header(&resp, "cache-control"), "no-store");
    let html = body(resp).await;
    assert!(html.contains(r#"<style nonce="TESTNONCE">"#));
    assert!(!html.contains(" style=\""), "no style attributes (blocked by the CSP)");
    let handler = html.match_indices(" on").any(|(i, _)| {
        let rest = &html[i + 3..];
        let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        name_len > 0 && rest[name_len..].starts_with('=')
    });
    assert!(!handler, "no inline event handlers");

    // A fresh nonce for every response.
    let a = header(&pages.join_page(&view(JoinState::Ready, Some(brand()))), "content-security-policy");
    let b = header(&pages.join_page(&view(JoinState::Ready, Some(brand()))), "content-security-policy");
    assert_ne!(a, b);
}

#[tokio::test]
async fn logo_origin_is_allowed_only_with_a_logo() {
    let pages = pages();
    let without = pages.join_page(&view(JoinState::Ready, Some(brand())));
    let csp = header(&without, "content-security-policy");
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    assert!(!body(without).await.contains("brand__logo"));

    let with = JoinBrand { logo_url: Some("https://cdn.acme.example:8443/brand/logo.png?v=2".into()), ..brand() };
    let resp = pages.join_page(&view(JoinState::Ready, Some(with)));
    let csp = header(&resp, "content-security-policy");
    assert!(csp.contains("img-src 'self' data: https://cdn.acme.example:8443;"), "{csp}");
    let html = body(resp).await;
    // Escaped like every brand field (`/` as `&#x2f;`, which browsers decode).
    assert!(html.contains(r#"src="https:&#x2f;&#x2f;cdn.acme.example:8443&#x2f;brand&#x2f;logo.png?v=2""#), "{html}");

    // Not https: not shown and not allowed.
    let http = JoinBrand { logo_url: Some("http://acme.example/logo.png".into()), ..brand() };
    let resp = pages.join_page(&view(JoinState::Ready, Some(http)));
    assert!(!header(&resp, "content-security-policy").contains("acme.example"));
    assert!(!body(resp).await.contains("acme.example/logo.png"));
}

#[test]
fn load_fails_without_templates() {
    let dir = std::env::temp_dir().join(format!("pages-empty-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    let files = self::dir(dir.clone());
    let err = Pages::load(&files).unwrap_err();
    assert!(matches!(err, PagesError::Missing { name: "join.html", .. }), "{err}");
    // A page whose script is missing does not start either.
    std::fs::copy(dashboard_dir().join("templates/join.html"), dir.join("templates/join.html")).unwrap();
    let err = Pages::load(&files).unwrap_err();
    assert!(matches!(err, PagesError::Missing { name: "join.css", .. }), "{err}");
    std::fs::write(dir.join("templates/join.html"), "{% if %}").unwrap();
    assert!(matches!(Pages::load(&files).unwrap_err(), PagesError::Template { .. }));
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(matches!(Pages::load(&files).unwrap_err(), PagesError::Read { .. }));
}

#[test]
fn every_locale_has_all_wording_and_button_text_contrasts() {
    for s in [&i18n::EN, &i18n::ES] {
        assert!(s.to_map().values().all(|v| !v.trim().is_empty()));
        assert!(s.rate_limited.contains("{seconds}"));
    }
    assert_eq!(i18n::EN.to_map().len(), i18n::ES.to_map().len());
    for bg in ["#0b5fff", "#ffeb3b", "#000000", "#ffffff", "#0f9d58", "#777777"] {
        let text = readable_text_on(bg);
        assert!(contrast_ratio(bg, text) >= 4.4, "{bg} on {text}");
    }
    assert_eq!(valid_colour("#ABC").as_deref(), Some("#aabbcc"));
    assert_eq!(valid_colour("#12345"), None);
    assert_eq!(initials("Acme  support team"), "AS");
}

fn assets_app() -> Route {
    Route::new().nest("/assets", assets_endpoint(DashboardFiles::Embedded))
}

async fn get(app: &Route, uri: &str) -> poem::Response {
    app.call(Request::builder().uri(uri.parse().unwrap()).finish()).await.unwrap_or_else(|e| e.into_response())
}

#[tokio::test]
async fn assets_serve_js_and_css_with_types_and_caching() {
    let app = assets_app();
    let resp = get(&app, "/assets/join.js").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header(&resp, "cache-control"), "public, max-age=300");
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
    assert!(body(resp).await.contains("/v1/join/"));

    let resp = get(&app, "/assets/join.css?v=abc123").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-type"), "text/css; charset=utf-8");
    assert!(header(&resp, "cache-control").contains("immutable"));

    // The page links exactly what the endpoint serves.
    let html = body(pages().join_page(&view(JoinState::Ready, Some(brand())))).await;
    let start = html.find("/assets/join.js?v=").unwrap();
    let url = &html[start..html[start..].find('"').unwrap() + start];
    assert_eq!(get(&app, url).await.status(), 200);
}

#[tokio::test]
async fn assets_refuse_traversal_and_unknown_files() {
    let app = assets_app();
    for uri in [
        "/assets/../templates/join.html",
        "/assets/..%2Ftemplates%2Fjoin.html",
        "/assets/%2e%2e/templates/join.html",
        "/assets/vendor/../../templates/join.html",
        "/assets/..\\templates\\join.html",
        "/assets/.gitignore",
        "/assets/",
        "/assets/nope.js",
        "/assets//etc/passwd",
        "/assets/join.html",
    ] {
        let resp = match uri.parse() {
            Ok(u) => app.call(Request::builder().uri(u).finish()).await.unwrap_or_else(|e| e.into_response()),
            Err(_) => continue,
        };
        assert_eq!(resp.status(), 404, "{uri}");
        assert!(!body(resp).await.contains("<html"), "{uri}");
    }
    // Directly, below the router's normalisation, embedded and on disk.
    for files in [DashboardFiles::Embedded, dir(dashboard_dir())] {
        assert!(files.asset("assets", "../templates/join.html").await.is_none());
        assert!(files.asset("assets", "vendor/../../templates/join.html").await.is_none());
        assert!(files.asset("assets", "/etc/passwd").await.is_none());
        assert!(files.asset("assets", "join.js").await.is_some());
    }

    let post = app
        .call(Request::builder().method(poem::http::Method::POST).uri("/assets/join.js".parse().unwrap()).finish())
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
}

#[tokio::test]
async fn rate_limited_page_is_neutral_with_retry_after() {
    let pages = pages();
    let resp = pages.join_rate_limited(42, None);
    assert_eq!(resp.status(), 429);
    assert_eq!(header(&resp, "retry-after"), "42");
    assert_eq!(header(&resp, "cache-control"), "no-store");
    assert!(header(&resp, "content-security-policy").contains("frame-ancestors 'none'"));
    let html = body(resp).await;
    assert!(html.contains("Too many attempts. Please try again in 42 s."));
    assert!(!html.contains("<script"));
    assert_eq!(pages.join_rate_limited(0, None).headers().get("retry-after").unwrap(), "1");
}
