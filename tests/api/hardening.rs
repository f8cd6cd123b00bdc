//! What an outside probe of the running service broke, each kept broken no
//! more: tenant-authored templates within bounds, callbacks that cannot
//! silence another tenant, Flex-token validation that cannot be abused,
//! callers limited to their own calls, recovery of half-made escalations,
//! Redis outages, NUL bytes, sign-in lockouts, header sizes.

use std::time::{Duration, Instant};

use escalate_e2e::{assert_problem, spawn_app};
use serde_json::json;

#[tokio::test]
async fn a_runaway_template_is_refused_at_save_within_a_second_while_the_service_keeps_answering() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support").await["id"].as_str().unwrap().to_owned();
    // Probe /healthz the whole time the save runs.
    let probe = {
        let (http, url) = (app.http.clone(), app.url("/healthz"));
        tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            for _ in 0..20 {
                let started = Instant::now();
                assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
                slowest = slowest.max(started.elapsed());
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            slowest
        })
    };
    for template in [
        // 1e10 iterations.
        "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}{{ join_url }}",
        // String doubling and repetition.
        "{% set s = join_url %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s }}",
        "{{ join_url * 100000000 }}",
    ] {
        let started = Instant::now();
        let resp =
            tenant.admin.patch(&format!("/v1/contact-centers/{cc}"), json!({ "message_template": template })).await;
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert!(started.elapsed() < Duration::from_secs(1), "{template}: {:?}", started.elapsed());
        assert_eq!(problem["errors"][0]["field"], "message_template", "{problem}");
    }
    let slowest = probe.await.unwrap();
    assert!(slowest < Duration::from_millis(500), "/healthz waited {slowest:?}");
    // Nothing was saved.
    let got: serde_json::Value = tenant.admin.get(&format!("/v1/contact-centers/{cc}")).await.json().await.unwrap();
    assert_eq!(got["message_template"], "Please join me on video: {{ join_url }}");
}

/// Callback fields for a participant joining `e`'s room.
fn customer_joined(e: &serde_json::Value, seq: i64) -> Vec<(&'static str, String)> {
    vec![
        ("RoomSid", e["room_sid"].as_str().unwrap().to_owned()),
        ("RoomName", e["room_name"].as_str().unwrap().to_owned()),
        ("RoomStatus", "in-progress".into()),
        ("RoomType", "group".into()),
        ("StatusCallbackEvent", "participant-connected".into()),
        ("SequenceNumber", seq.to_string()),
        ("ParticipantIdentity", "customer:0123456789abcdef".into()),
        ("ParticipantSid", format!("PA{:032x}", seq)),
        ("Timestamp", chrono::Utc::now().to_rfc3339()),
    ]
}

#[tokio::test]
async fn another_tenant_cannot_silence_a_tenants_room_callbacks() {
    let app = spawn_app().await;
    let a = app.ready_contact_center("Alpha").await;
    let b = app.ready_contact_center("Beta").await;
    let flex = app.flex_token(&a.account, "alex");
    let e: serde_json::Value = app
        .escalate(
            &a.cc,
            &flex,
            None,
            json!({ "task_sid": escalate_e2e::task_sid(), "conversation_sid": escalate_e2e::conversation_sid() }),
        )
        .await
        .json()
        .await
        .unwrap();
    // B signs, with its own auth token, callbacks that carry A's room.
    for seq in 1..=3 {
        let resp = app.post_callback(&b.cc, &b.account, &customer_joined(&e, seq)).await;
        assert_eq!(resp.status(), 204, "accepted and recorded as unmatched, so Twilio does not retry");
    }
    let b_key = app.api_key(&b.tenant, &["admin"]).await;
    let b_list: serde_json::Value = app
        .http
        .get(app.url(&format!("/v1/contact-centers/{}/escalations", b.cc)))
        .bearer_auth(&b_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(b_list["items"].as_array().unwrap().is_empty(), "nothing of B's was touched");
    // A's real callback with the same room, sequence number and event is applied.
    assert_eq!(app.post_callback(&a.cc, &a.account, &customer_joined(&e, 1)).await.status(), 204);
    let got = app.wait_for_escalation(&flex, e["id"].as_str().unwrap(), |v| !v["customer_joined_at"].is_null()).await;
    assert!(got["customer_joined_at"].is_string());
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("outcome=\"unmatched\""), "unmatched callbacks are counted");
}
