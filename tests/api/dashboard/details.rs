//! What a newcomer notices first: where `/` leads, what each recent
//! escalation's line says, agents by name, the time-zone list, the hourly
//! chart's axis, and wording that follows the chosen language.

use escalate_e2e::spawn_app;
use serde_json::{Value, json};
use twilio_sim::{ApiOp, Fault};

use super::{Browser, StatusCode, conversation_sid, location, section, task_sid};

#[tokio::test]
async fn the_root_address_leads_to_the_dashboard() {
    let app = spawn_app().await;
    let b = Browser::new(&app);
    let resp = b.get("/").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/dashboard");
    // Signed out, the dashboard goes on to the sign-in form.
    assert_eq!(location(&b.get("/dashboard").await), "/dashboard/login?next=%2Fdashboard");
}

async fn escalate_as(app: &escalate_e2e::TestApp, r: &escalate_e2e::Ready, agent: &str, name: Option<&str>) -> Value {
    let flex = app.flex_token(&r.account, agent);
    let mut body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    if let Some(n) = name {
        body["agent_name"] = json!(n);
    }
    let resp = app.escalate(&r.cc, &flex, None, body).await;
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn recent_escalations_say_what_became_of_each_and_agents_read_by_name() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Outcomes").await;
    let waiting = escalate_as(&app, &r, "alice@acme", Some("Alice Liddell")).await;
    let expired = escalate_as(&app, &r, "bob@acme", None).await;
    // Expire Bob's link in the database, as time would.
    let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
    use sea_orm::ConnectionTrait;
    let sql =
        format!("UPDATE escalations SET expires_at = created_at WHERE code = '{}'", expired["code"].as_str().unwrap());
    db.execute_unprepared(&sql).await.unwrap();
    // A failed one: the chat refused the link.
    app.sim.set_fault(ApiOp::CreateMessage, Fault { status: Some(400), ..Default::default() });
    let flex = app.flex_token(&r.account, "alice@acme");
    let resp = app
        .escalate(&r.cc, &flex, None, json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }))
        .await;
    assert_eq!(resp.status(), 502);
    app.sim.clear_faults();

    let b = Browser::new(&app);
    assert_eq!(b.login(&r.tenant.admin_email, &r.tenant.admin_password).await.status(), StatusCode::SEE_OTHER);
    let html = b.html(&format!("/dashboard/contact-centers/{}", r.cc)).await;
    let line = |id: &Value| -> String {
        let at = html.find(&format!("data-escalation=\"{}\"", id.as_str().unwrap())).expect("the escalation's line");
        let rest = &html[at..];
        rest[..rest.find("</summary>").unwrap()].to_owned()
    };
    let w = line(&waiting["id"]);
    assert!(w.contains("Alice Liddell") && w.contains("waiting for the customer") && w.contains(">open<"), "{w}");
    let x = line(&expired["id"]);
    assert!(x.contains("bob@acme") && !x.contains("agent:bob"), "{x}");
    assert!(x.contains(">expired<") && x.contains("customer did not join"), "{x}");
    let recent = section(&html, "recent-title");
    let failed_at = recent.find(">failed<").expect("the failed escalation's badge");
    let failed = &recent[failed_at..];
    let failed = &failed[..failed.find("</summary>").unwrap()];
    assert!(failed.contains("failed: ") && !failed.contains("customer did not join"), "{failed}");

    // By agent: the names the plugin sent, identities without their prefix otherwise.
    let agents = section(&html, "agents");
    assert!(agents.contains("Alice Liddell") && agents.contains("bob@acme"), "{agents}");
    assert!(!agents.contains("<th scope=\"row\">agent:"), "{agents}");
}

#[tokio::test]
async fn the_zone_list_offers_current_names_and_the_hourly_axis_reads_as_hours() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Zones").await;
    let b = Browser::new(&app);
    assert_eq!(b.login(&r.tenant.admin_email, &r.tenant.admin_password).await.status(), StatusCode::SEE_OTHER);
    let html = b.html(&format!("/dashboard/contact-centers/{}/settings", r.cc)).await;
    let select = &html[html.find("id=\"f-time_zone\"").unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    let first = &select[select.find("<option").unwrap()..];
    assert!(first.starts_with("<option selected>UTC</option>"), "UTC first and selected: {}", &first[..60]);
    assert!(select.contains("<option>Europe/Paris</option>") && select.contains("<option>America/New_York</option>"));
    for legacy in ["Zulu", "GB-Eire", "W-SU", "Cuba", "US/Pacific", "Etc/GMT+5"] {
        assert!(!select.contains(&format!("<option>{legacy}</option>")), "{legacy} is a legacy alias");
    }
    // A contact center already on an alias keeps it (the API still takes any IANA name).
    let resp = r.tenant.admin.patch(&format!("/v1/contact-centers/{}", r.cc), json!({ "time_zone": "GB-Eire" })).await;
    assert_eq!(resp.status(), 200);
    let html = b.html(&format!("/dashboard/contact-centers/{}/settings", r.cc)).await;
    assert!(html.contains("<option selected>GB-Eire</option>"));

    // One day by the hour: ticks every four hours, the day at midnight.
    let today = chrono::Utc::now().date_naive();
    let html = b.html(&format!("/dashboard/contact-centers/{}?bucket=hour&from={today}&to={today}&tz=UTC", r.cc)).await;
    assert!(html.contains(">04:00</text>") && html.contains(">08:00</text>"), "hour ticks");
    assert!(!html.contains("00h</text>"), "no `2 00h` ticks");
}

#[tokio::test]
async fn wording_left_at_its_default_follows_the_chosen_language() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Idiomas").await;
    let admin = &r.tenant.admin;
    let resp = admin.patch(&format!("/v1/contact-centers/{}", r.cc), json!({ "branding": { "locale": "es" } })).await;
    assert_eq!(resp.status(), 200);
    let cc: Value = resp.json().await.unwrap();
    assert_eq!(cc["branding"]["headline"], "Tu agente está listo para verte");
    assert_eq!(cc["branding"]["button_text"], "Unirse a la videollamada");
    assert_eq!(cc["message_template"], "Únete a la videollamada: {{ join_url }}");

    // The chat message and the page are Spanish throughout.
    let e = escalate_as(&app, &r, "ana@acme", Some("Ana")).await;
    let messages = app.sim.messages();
    assert!(messages[0].body.starts_with("Únete a la videollamada: "), "{}", messages[0].body);
    let page = app.http.get(e["join_url"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
    let page = super::unescape(&page);
    assert!(page.contains("Tu agente está listo para verte") && page.contains("Unirse a la videollamada"), "{page}");
    assert!(!page.contains("Your agent is ready") && !page.contains("Join Video Room"), "{page}");

    // The settings preview says the same before anything is saved.
    let b = Browser::new(&app);
    assert_eq!(b.login(&r.tenant.admin_email, &r.tenant.admin_password).await.status(), StatusCode::SEE_OTHER);
    let preview = b
        .html(&format!(
            "/dashboard/contact-centers/{}/preview?locale=en&headline=Tu%20agente%20est%C3%A1%20listo%20para%20verte",
            r.cc
        ))
        .await;
    assert!(preview.contains("Your agent is ready to see you") && preview.contains("Join Video Room"), "{preview}");

    // A tenant's own wording stays as written in any language.
    let resp = admin
        .patch(&format!("/v1/contact-centers/{}", r.cc), json!({ "branding": { "headline": "Hola, te vemos ya" } }))
        .await;
    assert_eq!(resp.status(), 200);
    let resp = admin.patch(&format!("/v1/contact-centers/{}", r.cc), json!({ "branding": { "locale": "en" } })).await;
    let cc: Value = resp.json().await.unwrap();
    assert_eq!(cc["branding"]["headline"], "Hola, te vemos ya");
    assert_eq!(cc["branding"]["button_text"], "Join Video Room");
}

/// One page per escalation: its outcome, timeline, rating and comment and
/// quality for a finished call; End call for an open one (admins only,
/// with the form's CSRF token); another tenant's id is a 404 page.
#[tokio::test]
async fn each_escalation_has_a_page_with_its_timeline_rating_and_an_end_call_button() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Pages").await;
    let flex = app.flex_token(&r.account, "alice@acme");
    let done = escalate_as(&app, &r, "alice@acme", Some("Alice Liddell")).await;
    let id = done["id"].as_str().unwrap().to_owned();
    let room = done["room_sid"].as_str().unwrap().to_owned();
    app.sim.connect_participant(&room, "agent:alice@acme").unwrap();
    app.sim.connect_participant(&room, "customer:0123456789abcdef").unwrap();
    app.wait_for_escalation(&flex, &id, |v| v["customer_joined_at"].is_string()).await;
    let code = done["code"].as_str().unwrap();
    let rated = app
        .http
        .post(app.url(&format!("/v1/join/{code}/rating")))
        .json(&json!({ "stars": 4, "comment": "Saw the <b>broken</b> hinge" }))
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), 201);
    let ended = app.http.post(app.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(&flex).send().await;
    assert!(ended.unwrap().status().is_success());
    let open = escalate_as(&app, &r, "alice@acme", None).await;
    let open_id = open["id"].as_str().unwrap().to_owned();

    let b = Browser::new(&app);
    assert_eq!(b.login(&r.tenant.admin_email, &r.tenant.admin_password).await.status(), StatusCode::SEE_OTHER);
    // The list links to each escalation's page.
    let list = b.html(&format!("/dashboard/contact-centers/{}", r.cc)).await;
    assert!(list.contains(&format!("href=\"/dashboard/escalations/{id}\"")), "the recent list links to the page");

    let page = b.html(&format!("/dashboard/escalations/{id}")).await;
    assert!(page.contains("data-testid=\"escalation-status\">completed<"), "{page}");
    assert!(page.contains("Alice Liddell") && page.contains("joined after"), "{page}");
    assert!(page.contains("4 ★"), "{page}");
    // (`html` reads the page as text; the bytes themselves carry no markup of the customer's.)
    let raw = b.get(&format!("/dashboard/escalations/{id}")).await.text().await.unwrap();
    assert!(raw.contains("Saw the &lt;b&gt;broken") && !raw.contains("<b>broken"), "the comment is text, never markup");
    let timeline = section(&page, "timeline-title");
    for what in [
        "escalation created",
        "join link posted in the chat",
        "participant-connected",
        "customer rated the call",
        "escalation ended",
    ] {
        assert!(timeline.contains(what), "{what} in {timeline}");
    }
    assert!(timeline.find("escalation created").unwrap() < timeline.find("escalation ended").unwrap());
    assert!(!page.contains("data-testid=\"end-call\""), "a finished call has no End call");

    // An open one can be ended from its page, with the form's token only.
    let page = b.html(&format!("/dashboard/escalations/{open_id}")).await;
    assert!(page.contains("data-testid=\"end-call\""), "{page}");
    let forged = b.post(&format!("/dashboard/escalations/{open_id}/end"), &[("csrf_token", "forged")]).await;
    assert_ne!(forged.status(), StatusCode::SEE_OTHER);
    let resp = b
        .submit(&format!("/dashboard/escalations/{open_id}"), &format!("/dashboard/escalations/{open_id}/end"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let v = app.wait_for_escalation(&flex, &open_id, |_| true).await;
    assert_eq!(v["status"], "completed");
    let open_code = open["code"].as_str().unwrap();
    assert_eq!(app.http.get(app.url(&format!("/join/{open_code}"))).send().await.unwrap().status(), 410);

    // Erasing the customer's data: refused while the call is open…
    let open_again = escalate_as(&app, &r, "alice@acme", None).await;
    let still_open =
        r.tenant.admin.post(&format!("/v1/escalations/{}/erase", open_again["id"].as_str().unwrap()), json!({})).await;
    escalate_e2e::assert_problem(still_open, 409, "escalation_still_open").await;
    // …and done from the finished call's page: comment, chat and identities go, the figures stay.
    let page = b.html(&format!("/dashboard/escalations/{id}")).await;
    assert!(page.contains("data-testid=\"erase-customer-data\""), "{page}");
    let resp =
        b.submit(&format!("/dashboard/escalations/{id}"), &format!("/dashboard/escalations/{id}/erase"), &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let v: Value = r.tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    assert!(v["erased_at"].is_string() && v["rating_comment"].is_null(), "{v}");
    assert_eq!((v["rating"].as_i64(), v["conversation_sid"].as_str()), (Some(4), Some("")), "{v}");
    let events = escalate_e2e::events_of(&r.tenant, &id).await;
    assert!(events.iter().any(|e| e["participant_identity"] == "customer:erased"), "{events:?}");
    assert!(!events.iter().any(|e| e["participant_identity"] == "customer:0123456789abcdef"), "{events:?}");
    let page = b.html(&format!("/dashboard/escalations/{id}")).await;
    assert!(page.contains("data-testid=\"erased\"") && !page.contains("broken"), "{page}");
    let audit: Value = r.tenant.admin.get("/v1/audit-log?action=escalation.erased").await.json().await.unwrap();
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
    let m: Value = r.tenant.admin.get(&format!("/v1/contact-centers/{}/metrics", r.cc)).await.json().await.unwrap();
    assert_eq!(m["totals"]["rating"]["count"], 1, "the anonymous figures stay: {m}");

    // Another tenant's admin gets the not-found page for the same id.
    let other = app.create_tenant("Other").await;
    let ob = Browser::new(&app);
    assert_eq!(ob.login(&other.admin_email, &other.admin_password).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(ob.get(&format!("/dashboard/escalations/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(ob.get("/dashboard/escalations/not-an-id").await.status(), StatusCode::NOT_FOUND);
}
