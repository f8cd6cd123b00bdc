//! The customer's rating after the call: asked for by the join page once the
//! call ends (skippable, localised, accessible), stored once per escalation,
//! sent as a `rating.received` webhook, and counted per agent and per
//! contact center in the metrics and the CSV export.

use std::time::Duration;

use escalate_e2e::browser::{InspectOptions, Step, inspect};
use escalate_e2e::receiver::Receiver;
use escalate_e2e::{Options, Ready, TestApp, assert_problem, conversation_sid, spawn_app_with, task_sid};
use serde_json::{Value, json};

async fn spawn() -> TestApp {
    spawn_app_with(Options { extra: vec![("WEBHOOK_ALLOW_LOOPBACK".into(), "true".into())], ..Options::default() })
        .await
}

async fn escalate(app: &TestApp, r: &Ready, agent: &str) -> Value {
    let flex = app.flex_token(&r.account, agent);
    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    let resp = app.escalate(&r.cc, &flex, None, body).await;
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

async fn rate(app: &TestApp, code: &str, body: Value) -> reqwest::Response {
    app.http.post(app.url(&format!("/v1/join/{code}/rating"))).json(&body).send().await.unwrap()
}

#[tokio::test]
async fn ratings_are_checked_kept_once_per_call_and_counted_per_agent_and_contact_center() {
    let app = spawn().await;
    let r = app.ready_contact_center("Acme").await;
    let rx = Receiver::start().await;
    let resp =
        r.tenant.admin.post("/v1/webhook-endpoints", json!({ "url": rx.url, "events": ["rating.received"] })).await;
    assert_eq!(resp.status(), 201);

    let a = escalate(&app, &r, "alex").await;
    let code = a["code"].as_str().unwrap();
    // Not in the call yet: nothing to rate.
    assert_problem(rate(&app, code, json!({ "stars": 5 })).await, 409, "not_rateable").await;
    app.sim.connect_participant(a["room_sid"].as_str().unwrap(), "customer:0123456789abcdef").unwrap();
    let flex = app.flex_token(&r.account, "alex");
    app.wait_for_escalation(&flex, a["id"].as_str().unwrap(), |v| v["customer_joined_at"].is_string()).await;

    // Bad input names its field.
    for (body, field) in [
        (json!({ "stars": 0 }), "stars"),
        (json!({ "stars": 6 }), "stars"),
        (json!({ "stars": 4, "comment": "x".repeat(1001) }), "comment"),
    ] {
        let problem = assert_problem(rate(&app, code, body).await, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field);
    }
    assert_eq!(rate(&app, code, json!({ "stars": "five" })).await.status(), 400);
    assert_problem(rate(&app, "ZZZZZZZZZZZZZ", json!({ "stars": 5 })).await, 404, "not_found").await;

    let resp = rate(&app, code, json!({ "stars": 5, "comment": "  Very helpful, thanks!  " })).await;
    assert_eq!(resp.status(), 201);
    let rated: Value = resp.json().await.unwrap();
    assert_eq!((rated["stars"].as_i64(), rated["comment"].as_str()), (Some(5), Some("Very helpful, thanks!")));
    assert_problem(rate(&app, code, json!({ "stars": 1 })).await, 409, "already_rated").await;

    // A second call, by another agent, rated after it ended.
    let b = escalate(&app, &r, "blake").await;
    app.sim.connect_participant(b["room_sid"].as_str().unwrap(), "customer:fedcba9876543210").unwrap();
    let flex_b = app.flex_token(&r.account, "blake");
    let id_b = b["id"].as_str().unwrap();
    app.wait_for_escalation(&flex_b, id_b, |v| v["customer_joined_at"].is_string()).await;
    let done = app.http.post(app.url(&format!("/v1/escalations/{id_b}/complete"))).bearer_auth(&flex_b).send().await;
    assert!(done.unwrap().status().is_success());
    assert_eq!(rate(&app, b["code"].as_str().unwrap(), json!({ "stars": 2 })).await.status(), 201);

    // The escalation shows it; the metrics count it per contact center and per agent.
    let e: Value =
        r.tenant.admin.get(&format!("/v1/escalations/{}", a["id"].as_str().unwrap())).await.json().await.unwrap();
    assert_eq!((e["rating"].as_i64(), e["rating_comment"].as_str()), (Some(5), Some("Very helpful, thanks!")));
    let m: Value = r.tenant.admin.get(&format!("/v1/contact-centers/{}/metrics", r.cc)).await.json().await.unwrap();
    assert_eq!(m["totals"]["rating"], json!({ "count": 2, "average": 3.5, "distribution": [0, 1, 0, 0, 1] }), "{m}");
    let by_agent = m["by_agent"].as_array().expect("by_agent");
    let alex = by_agent.iter().find(|a| a["agent_identity"] == "agent:alex").unwrap();
    assert_eq!(alex["figures"]["rating"], json!({ "count": 1, "average": 5.0, "distribution": [0, 0, 0, 0, 1] }));
    let tenant: Value = r.tenant.admin.get("/v1/metrics").await.json().await.unwrap();
    assert_eq!(tenant["totals"]["rating"]["count"], 2, "{tenant}");

    // The dashboard shows the same.
    let page = r.tenant.admin.get(&format!("/dashboard/contact-centers/{}", r.cc)).await.text().await.unwrap();
    assert!(page.contains("3.5 ★ (2)"), "contact center's rating on its page");
    assert!(page.contains("5.0 ★ (1)") && page.contains("2.0 ★ (1)"), "each agent's rating");

    // The CSV export has both.
    let csv = r.tenant.admin.get(&format!("/v1/contact-centers/{}/escalations.csv", r.cc)).await.text().await.unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with("rating,rating_comment"), "{header}");
    assert!(csv.contains(",5,\"Very helpful, thanks!\"") || csv.contains(",5,Very helpful"), "{csv}");

    // Each rating went out as a webhook, with the stars and the comment.
    let got = rx.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 2);
    let first = got[0].json();
    assert_eq!(first["type"], "rating.received");
    assert_eq!(
        (first["data"]["rating"].as_i64(), first["data"]["rating_comment"].as_str()),
        (Some(5), Some("Very helpful, thanks!"))
    );

    // Trying many codes from one address is limited.
    let mut limited = false;
    for _ in 0..25 {
        if rate(&app, code, json!({ "stars": 3 })).await.status() == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "ratings are rate-limited per address");
}

#[tokio::test]
async fn the_join_page_asks_for_a_rating_when_the_call_ends() {
    if let Some(why) = escalate_e2e::browser::missing_prerequisites() {
        panic!("{why}");
    }
    let app = spawn().await;
    let r = app.ready_contact_center("Acme").await;
    // The built-in provider: the customer's page joins a real room of this service.
    let resp =
        r.tenant.admin.patch(&format!("/v1/contact-centers/{}", r.cc), json!({ "video_provider": "builtin" })).await;
    assert_eq!(resp.status(), 200);
    let e = escalate(&app, &r, "alex").await;
    let id = e["id"].as_str().unwrap().to_owned();
    let url = e["join_url"].as_str().unwrap().to_owned();

    // The agent ends the call once the customer is in it.
    let flex = app.flex_token(&r.account, "alex");
    let ender = {
        let http = app.http.clone();
        let base = app.address.clone();
        let flex = flex.clone();
        let id = id.clone();
        tokio::spawn(async move {
            for _ in 0..400 {
                let v: Value = http
                    .get(format!("{base}/v1/escalations/{id}"))
                    .bearer_auth(&flex)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                if v["customer_joined_at"].is_string() {
                    let done =
                        http.post(format!("{base}/v1/escalations/{id}/complete")).bearer_auth(&flex).send().await;
                    return done.unwrap().status().is_success();
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            false
        })
    };
    let state = "({ view: document.body.dataset.view, rating: !document.getElementById('rating').hidden, \
                 done: document.getElementById('rating-done').textContent, focused: document.activeElement && document.activeElement.id })";
    let opts = InspectOptions {
        name: Some("join-rating".into()),
        timeout_ms: Some(30_000),
        steps: vec![
            Step::click("#join-button"),
            Step::wait_for_text("This call has ended"),
            Step::wait_for_selector("#rating"),
            Step::evaluate(state),
            Step::axe("rating"),
            // Sending without stars says what to do.
            Step::click("#rating-send"),
            Step::wait_for_text("Choose from 1 to 5 stars"),
            Step::click("label[for=rating-4]"),
            Step::evaluate("document.getElementById('rating-comment').value = 'Clear and quick'"),
            Step::screenshot("join-rating.png"),
            Step::click("#rating-send"),
            Step::wait_for_text("Thank you for your feedback."),
            Step::evaluate(state),
        ],
        ..Default::default()
    };
    let report = inspect(&url, opts).await;
    assert!(ender.await.unwrap(), "the agent ended the call");
    assert!(report.page_errors.is_empty(), "{report:#?}");
    let values: Vec<&Value> = report.evaluated.iter().filter(|v| v.is_object()).collect();
    let [asked, thanked] = &values[..] else { panic!("{report:#?}") };
    assert_eq!((asked["view"].as_str(), asked["rating"].as_bool()), (Some("ended"), Some(true)));
    assert_eq!(thanked["rating"], false);
    assert_eq!(thanked["focused"], "rating-done", "focus moves to the thanks");
    assert!(report.axe_violations.is_empty(), "{:#?}", report.axe_violations);

    let v: Value = r.tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
    assert_eq!((v["rating"].as_i64(), v["rating_comment"].as_str()), (Some(4), Some("Clear and quick")));
}
