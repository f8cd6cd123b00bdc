//! What a new admin, agent or customer tripped on, tried as they would:
//! links that do not work answer in the visitor's language, the simulator
//! makes a ready account from an empty request, a contact center's pages
//! say exactly what needs Twilio credentials, and the API docs lead with
//! the common integration.

use escalate_e2e::spawn_app;

async fn page(app: &escalate_e2e::TestApp, path: &str, lang: &str) -> (u16, String, String) {
    let resp = app.http.get(app.url(path)).header("Accept-Language", lang).send().await.unwrap();
    let status = resp.status().as_u16();
    let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
    (status, ctype, resp.text().await.unwrap())
}

#[tokio::test]
async fn a_link_that_does_not_work_answers_in_the_visitors_language() {
    let app = spawn_app().await;
    for (lang, html_lang, title) in [
        ("es-ES,es;q=0.9,en;q=0.5", "es", "Este enlace ya no es válido"),
        ("fr-FR,es;q=0.8", "es", "Este enlace ya no es válido"),
        ("en-GB,en;q=0.9", "en", "This link is no longer valid"),
        ("de", "en", "This link is no longer valid"),
    ] {
        for path in ["/join/ABCDEFGHJKMN", "/join/", "/join"] {
            let (status, ctype, html) = page(&app, path, lang).await;
            assert_eq!(status, 404, "{path} {lang}");
            assert!(ctype.starts_with("text/html"), "{path}: a page, not an API error ({ctype})");
            assert!(html.contains(&format!("<html lang=\"{html_lang}\"")), "{path} {lang}");
            assert!(html.contains(title), "{path} {lang}: {title}");
        }
    }
    // The page over the failure limit speaks the visitor's language too.
    let mut last = (0, String::new(), String::new());
    for i in 0..25 {
        last = page(&app, &format!("/join/UNKNOWN{i:04}"), "es").await;
    }
    assert_eq!(last.0, 429);
    assert!(last.2.contains("<html lang=\"es\""), "{}", last.2);
}
