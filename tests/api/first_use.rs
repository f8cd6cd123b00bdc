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

/// The value of the first `csrf_token` hidden field of a dashboard page.
fn csrf_field(html: &str) -> String {
    let at =
        html.find("name=\"csrf_token\" value=\"").expect("a csrf_token field") + "name=\"csrf_token\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_contact_centers_pages_say_exactly_what_needs_twilio_credentials() {
    let app = spawn_app().await;
    let t = app.create_tenant("Acme").await;
    let cc: serde_json::Value =
        t.admin.post("/v1/contact-centers", serde_json::json!({ "name": "Help" })).await.json().await.unwrap();
    let id = cc["id"].as_str().unwrap();
    assert_eq!(cc["video_provider"], "builtin", "new contact centers have built-in video");
    let page = t.admin.get(&format!("/dashboard/contact-centers/{id}/credentials")).await.text().await.unwrap();
    assert!(!page.contains("Calls cannot start"), "{page}");
    assert!(page.contains("Escalations from Flex need them") && page.contains("test call</a> does not"), "{page}");
    let overview = t.admin.get("/dashboard").await.text().await.unwrap();
    assert!(overview.contains("a test call with built-in video works without them"), "{overview}");
    // Its test call starts without credentials.
    let form = t.admin.get(&format!("/dashboard/contact-centers/{id}/test-call")).await.text().await.unwrap();
    assert!(!form.contains("disabled>Start test call") && !form.contains("video-unavailable"), "{form}");
    assert_eq!(start_test_call(&app, &t, id).await.status(), 200, "followed to the call");
    // With Twilio Video, everything needs them, the test call too.
    let resp =
        t.admin.patch(&format!("/v1/contact-centers/{id}"), serde_json::json!({ "video_provider": "twilio" })).await;
    assert_eq!(resp.status(), 200);
    let page = t.admin.get(&format!("/dashboard/contact-centers/{id}/credentials")).await.text().await.unwrap();
    assert!(page.contains("Every call needs them") && page.contains("The test call needs them too"), "{page}");
}

#[tokio::test]
async fn the_agents_side_of_a_test_call_speaks_the_contact_centers_language() {
    let app = spawn_app().await;
    let t = app.create_tenant("Acme").await;
    let cc: serde_json::Value = t
        .admin
        .post("/v1/contact-centers", serde_json::json!({ "name": "Ayuda", "branding": { "locale": "es" } }))
        .await
        .json()
        .await
        .unwrap();
    let id = cc["id"].as_str().unwrap();
    let call = start_test_call(&app, &t, id).await;
    assert_eq!(call.status(), 200);
    let html = call.text().await.unwrap();
    for spanish in [
        "Llamada de prueba",
        "Eres el agente",
        "Finalizar la llamada de prueba",
        "Esperando a que el cliente se una…",
        "El cliente ha salido de la llamada.",
    ] {
        assert!(html.contains(spanish), "{spanish} in {html}");
    }
    for english in ["Waiting for the customer", "End test call", "you are the agent", "Back to the contact center"] {
        assert!(!html.contains(english), "{english} in {html}");
    }
}

/// Starts a test call of contact center `id` from its dashboard page, as an
/// admin would (the answer is the call's page, redirects followed).
async fn start_test_call(app: &escalate_e2e::TestApp, t: &escalate_e2e::Tenant, id: &str) -> reqwest::Response {
    let form = t.admin.get(&format!("/dashboard/contact-centers/{id}/test-call")).await.text().await.unwrap();
    t.admin
        .client
        .post(app.url(&format!("/dashboard/contact-centers/{id}/test-call")))
        .form(&[("csrf_token", csrf_field(&form))])
        .send()
        .await
        .unwrap()
}
