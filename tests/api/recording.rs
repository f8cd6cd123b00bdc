//! Recording with consent (Twilio Video, against the simulator): a contact
//! center records calls; its rooms record participants; the customer gets no
//! token without agreeing, and the join page asks first; the agent's
//! credential says the call is recorded; admins list the recordings and get
//! a time-limited link to the composed file; after the retention period
//! everything is deleted from Twilio.

use std::time::Duration;

use escalate_e2e::browser::{InspectOptions, Step, inspect};
use escalate_e2e::{TestApp, assert_problem, conversation_sid, spawn_app, task_sid};
use serde_json::{Value, json};
use twilio_sim::RecordingStatus;

async fn recording_center(app: &TestApp) -> (escalate_e2e::Ready, String) {
    let r = app.ready_contact_center("Acme").await;
    let resp = r
        .tenant
        .admin
        .patch(
            &format!("/v1/contact-centers/{}", r.cc),
            json!({ "recording": { "enabled": true, "retention_days": 7 } }),
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let cc: Value = resp.json().await.unwrap();
    assert_eq!(cc["recording"], json!({ "enabled": true, "retention_days": 7 }));
    let flex = app.flex_token(&r.account, "alex");
    (r, flex)
}

#[tokio::test]
async fn recorded_calls_need_consent_are_composed_linked_and_deleted_after_retention() {
    let app = spawn_app().await;
    let (r, flex) = recording_center(&app).await;
    let admin = &r.tenant.admin;

    // Built-in calls are peer to peer: nothing could record them.
    let resp = admin.patch(&format!("/v1/contact-centers/{}", r.cc), json!({ "video_provider": "builtin" })).await;
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "recording.enabled");

    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    let e: Value = app.escalate(&r.cc, &flex, None, body).await.json().await.unwrap();
    let (id, code, room) = (e["id"].as_str().unwrap(), e["code"].as_str().unwrap(), e["room_sid"].as_str().unwrap());
    assert_eq!(e["recorded"], true);
    assert_eq!(e["agent_video"]["recording"], true, "the agent is told the call is recorded");
    let sim_room = app.sim.rooms().into_iter().find(|r| r.sid == room).unwrap();
    assert!(sim_room.record_participants_on_connect, "the room records its participants");

    // No consent, no token; with it, a token, and the consent is kept.
    let token = |consent: &str| app.http.post(app.url(&format!("/v1/join/{code}/token{consent}"))).send();
    assert_problem(token("").await.unwrap(), 409, "recording_consent_required").await;
    assert_problem(token("?recording_consent=false").await.unwrap(), 409, "recording_consent_required").await;
    let granted = token("?recording_consent=true").await.unwrap();
    assert_eq!(granted.status(), 200);
    assert_eq!(granted.json::<Value>().await.unwrap()["recording"], true);
    let seen: Value = admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    assert!(seen["recording_consent_at"].is_string());

    // The call: agent and customer, then the agent ends it.
    app.sim.connect_participant(room, "agent:alex").unwrap();
    app.sim.connect_participant(room, "customer:0123456789abcdef").unwrap();
    app.wait_for_escalation(&flex, id, |v| v["customer_joined_at"].is_string()).await;
    let done = app.http.post(app.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(&flex).send().await;
    assert!(done.unwrap().status().is_success());

    // Admins see the tracks; the first look composes the room; soon there is a link.
    let path = format!("/v1/escalations/{id}/recordings");
    let first: Value = admin.get(&path).await.json().await.unwrap();
    assert_eq!(first["recorded"], true);
    let tracks = first["rooms"][0]["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 4, "audio and video of two participants: {first}");
    assert!(first["rooms"][0]["composition"]["sid"].as_str().unwrap().starts_with("CJ"));
    let mut linked = Value::Null;
    for _ in 0..100 {
        let v: Value = admin.get(&path).await.json().await.unwrap();
        if v["rooms"][0]["composition"]["media_url"].is_string() {
            linked = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let composition = &linked["rooms"][0]["composition"];
    assert_eq!(composition["status"], "completed", "{linked}");
    assert_eq!(app.sim.compositions().len(), 1, "composed once, however often it is looked at");
    let url = composition["media_url"].as_str().unwrap().to_owned();
    let expires: chrono::DateTime<chrono::Utc> = composition["media_url_expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires > chrono::Utc::now() && expires < chrono::Utc::now() + chrono::Duration::minutes(11));
    let media = app.http.get(&url).send().await.unwrap();
    assert_eq!(media.status(), 200);
    assert_eq!(media.headers()["content-type"], "video/mp4");

    // Only admins.
    let invited: Value =
        admin.post("/v1/users", json!({ "email": "v@example.com", "role": "viewer" })).await.json().await.unwrap();
    let viewer = app.login("v@example.com", invited["initial_password"].as_str().unwrap()).await;
    assert_problem(viewer.get(&path).await, 403, "forbidden").await;
    // Handing out the link is audited, and so is the viewer's refusal.
    let accessed: Value = admin.get("/v1/audit-log?action=recording.accessed").await.json().await.unwrap();
    let accessed = accessed["items"].as_array().unwrap();
    assert!(!accessed.is_empty() && accessed.iter().all(|e| e["target_id"] == id && e["actor_kind"] == "user"));
    assert_eq!(accessed[0]["changes"]["rooms"], json!([room]));
    let denied: Value = admin.get("/v1/audit-log?action=access.denied").await.json().await.unwrap();
    let denied = &denied["items"][0];
    assert_eq!(denied["actor"], "v@example.com");
    assert_eq!(denied["changes"], json!({ "what": "GET listEscalationRecordings", "why": "forbidden" }));

    // Within the retention period nothing is deleted; after it, everything.
    let purge = |days: i64| {
        escalate_app::services::recordings::purge(&app.state, chrono::Utc::now() + chrono::Duration::days(days))
    };
    assert_eq!(purge(6).await.unwrap(), 0);
    assert!(app.sim.recordings().iter().all(|r| r.status != RecordingStatus::Deleted));
    assert_eq!(purge(8).await.unwrap(), 1);
    assert!(app.sim.recordings().iter().all(|r| r.status == RecordingStatus::Deleted));
    assert!(app.sim.compositions().iter().all(|c| c.status == twilio_sim::CompositionStatus::Deleted));
    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 404, "the old link stops working");
    let after: Value = admin.get(&path).await.json().await.unwrap();
    assert!(after["deleted_at"].is_string() && after["rooms"].as_array().unwrap().is_empty(), "{after}");
    assert_eq!(purge(30).await.unwrap(), 0, "done once");
}

#[tokio::test]
async fn the_join_page_asks_for_consent_before_a_recorded_call() {
    if let Some(why) = escalate_e2e::browser::missing_prerequisites() {
        panic!("{why}");
    }
    let app = spawn_app().await;
    let (r, flex) = recording_center(&app).await;
    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    let e: Value = app.escalate(&r.cc, &flex, None, body).await.json().await.unwrap();
    let url = e["join_url"].as_str().unwrap();
    let state = "({ error: document.getElementById('error').textContent, focused: document.activeElement && document.activeElement.id, \
                 consent: !!document.getElementById('recording-consent') })";
    let opts = InspectOptions {
        name: Some("join-consent".into()),
        timeout_ms: Some(40_000),
        steps: vec![
            Step::wait_for_selector("#recording-consent"),
            Step::axe("consent"),
            Step::click("#join-button"),
            Step::wait_for_text("first agree to the call being recorded"),
            Step::evaluate(state),
            Step::click("#recording-consent"),
            Step::screenshot("join-consent.png"),
            Step::click("#join-button"),
            // Twilio itself is not reachable here: the page gets its token, then says so.
            Step::wait_for_text("could not reach the video call"),
        ],
        ..Default::default()
    };
    let report = inspect(url, opts).await;
    assert!(report.page_errors.is_empty(), "{report:#?}");
    assert!(report.axe_violations.is_empty(), "{:#?}", report.axe_violations);
    let asked = report.evaluated.iter().find(|v| v.is_object()).unwrap();
    assert_eq!(asked["focused"], "recording-consent", "focus goes to the box to tick");
    let token_requests: Vec<&String> = report.requests.iter().filter(|r| r.contains("/token")).collect();
    assert_eq!(token_requests.len(), 1, "no token asked before consent: {:?}", report.requests);
    assert!(token_requests[0].contains("recording_consent=true"));
    let seen: Value =
        r.tenant.admin.get(&format!("/v1/escalations/{}", e["id"].as_str().unwrap())).await.json().await.unwrap();
    assert!(seen["recording_consent_at"].is_string());

    // A contact center that does not record asks nothing.
    let other = app.ready_contact_center("Beta").await;
    let flex_b = app.flex_token(&other.account, "sam");
    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    let e: Value = app.escalate(&other.cc, &flex_b, None, body).await.json().await.unwrap();
    let report = inspect(
        e["join_url"].as_str().unwrap(),
        InspectOptions { steps: vec![Step::evaluate(state)], ..Default::default() },
    )
    .await;
    assert_eq!(report.evaluated[0]["consent"], false);
}
