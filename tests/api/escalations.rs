use std::collections::HashSet;

use escalate_e2e::{assert_problem, conversation_sid, spawn_app, task_sid};
use escalate_twilio::Secret;
use escalate_twilio::token::verify_video_token;
use serde_json::{Value, json};
use twilio_sim::{ApiOp, CallbackMode, Fault, ReleaseOrder};

fn body(task: &str, conv: &str) -> Value {
    json!({ "task_sid": task, "conversation_sid": conv, "agent_name": "Alex" })
}

#[tokio::test]
async fn an_agents_flex_token_creates_one_room_and_one_message() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex@acme.example");
    let conv = conversation_sid();
    let resp = app.escalate(&r.cc, &flex, Some("task:1"), body(&task_sid(), &conv)).await;
    assert_eq!(resp.status(), 201);
    let e: Value = resp.json().await.unwrap();
    let code = e["code"].as_str().unwrap();
    assert_eq!(code.len(), 13);
    assert_eq!(e["join_url"], format!("{}/join/{code}", app.address));
    assert_eq!(e["status"], "open");
    assert_eq!(e["agent_identity"], "agent:alex@acme.example");
    let room_name = e["room_name"].as_str().unwrap();

    let rooms = app.sim.rooms();
    assert_eq!(rooms.len(), 1);
    let room = &rooms[0];
    assert_eq!(room.sid, e["room_sid"].as_str().unwrap());
    assert_eq!(room.unique_name, room_name);
    assert_eq!(room.account_sid, r.account.account_sid);
    assert_eq!(
        room.status_callback.as_deref(),
        Some(format!("{}/v1/webhooks/twilio/rooms/{}", app.address, r.cc).as_str())
    );
    assert_eq!((room.empty_room_timeout, room.unused_room_timeout), (5, 10));

    let messages = app.sim.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.conversation_sid, conv);
    assert_eq!(m.body, format!("Please join me on video: {}", e["join_url"].as_str().unwrap()));
    assert_eq!(m.author, "alex@acme.example");
    let attrs: Value = serde_json::from_str(&m.attributes).unwrap();
    assert_eq!(attrs, json!({ "hasVideo": true, "videoUrl": e["join_url"], "uniqueCode": code }));

    // The agent's token: that room only, that identity, signed with the tenant's secret.
    let secret = Secret::new(r.account.api_keys[0].1.clone());
    let claims = verify_video_token(e["agent_token"].as_str().unwrap(), &secret).unwrap();
    assert_eq!(claims.grants.identity.as_deref(), Some("agent:alex@acme.example"));
    assert_eq!(claims.grants.video.unwrap().room.as_deref(), Some(room_name));
    assert_eq!(claims.iss, r.account.api_keys[0].0);
    assert_eq!(claims.sub, r.account.account_sid);
    assert!(verify_video_token(e["agent_token"].as_str().unwrap(), &Secret::new("another secret")).is_err());
}

#[tokio::test]
async fn two_concurrent_requests_with_one_key_make_one_room() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    let (task, conv) = (task_sid(), conversation_sid());
    let (a, b) = tokio::join!(
        app.escalate(&r.cc, &flex, Some("task:double-click"), body(&task, &conv)),
        app.escalate(&r.cc, &flex, Some("task:double-click"), body(&task, &conv)),
    );
    let statuses: HashSet<u16> = [a.status().as_u16(), b.status().as_u16()].into();
    assert_eq!(statuses, HashSet::from([200, 201]), "one creates, one replays");
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a["id"], b["id"]);
    assert_eq!(a["code"], b["code"]);
    assert!(b["agent_token"].is_string() && a["agent_token"].is_string());
    // A later retry is the same escalation too.
    let c: Value =
        app.escalate(&r.cc, &flex, Some("task:double-click"), body(&task, &conv)).await.json().await.unwrap();
    assert_eq!(c["id"], a["id"]);
    assert_eq!(app.sim.rooms().len(), 1);
    assert_eq!(app.sim.messages().len(), 1);
    assert_eq!(app.sim.request_count(ApiOp::CreateRoom), 1);

    // The same key for another task is a client error, not a silent replay.
    let resp = app.escalate(&r.cc, &flex, Some("task:double-click"), body(&task_sid(), &conv)).await;
    assert_problem(resp, 409, "idempotency_key_reused").await;
}

#[tokio::test]
async fn flex_token_answers_are_cached_until_expiry() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    for key in ["a", "b", "c"] {
        assert_eq!(app.escalate(&r.cc, &flex, Some(key), body(&task_sid(), &conversation_sid())).await.status(), 201);
    }
    assert_eq!(app.sim.request_count(ApiOp::ValidateToken), 1);
}

#[tokio::test]
async fn bad_flex_tokens_and_other_tenants_are_refused_without_a_room() {
    let app = spawn_app().await;
    let a = app.ready_contact_center("Alpha").await;
    let b = app.ready_contact_center("Beta").await;
    let resp = app.escalate(&a.cc, "not-a-flex-token", Some("k"), body(&task_sid(), &conversation_sid())).await;
    assert_problem(resp, 401, "invalid_flex_token").await;
    // An agent of tenant B, with B's Flex token, on A's contact center.
    let b_agent = app.flex_token(&b.account, "bob");
    let resp = app.escalate(&a.cc, &b_agent, Some("k"), body(&task_sid(), &conversation_sid())).await;
    assert_problem(resp, 401, "invalid_flex_token").await;
    // B's API key on A's contact center: not found.
    let b_key = app.api_key(&b.tenant, &["escalations"]).await;
    let resp = app
        .escalate(
            &a.cc,
            &b_key,
            Some("k"),
            json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "bob" }),
        )
        .await;
    assert_problem(resp, 404, "not_found").await;
    assert!(app.sim.rooms().is_empty());
    assert!(app.sim.messages().is_empty());
    // And B's escalation is invisible to A's agent.
    let created: Value =
        app.escalate(&b.cc, &b_agent, Some("k"), body(&task_sid(), &conversation_sid())).await.json().await.unwrap();
    let a_agent = app.flex_token(&a.account, "alice");
    let id = created["id"].as_str().unwrap();
    for path in [format!("/v1/escalations/{id}/complete"), format!("/v1/escalations/{id}/agent-token")] {
        let resp = app.http.post(app.url(&path)).bearer_auth(&a_agent).send().await.unwrap();
        assert_problem(resp, 401, "invalid_flex_token").await;
    }
    let a_key = app.api_key(&a.tenant, &["admin"]).await;
    let resp = app.http.get(app.url(&format!("/v1/escalations/{id}"))).bearer_auth(&a_key).send().await.unwrap();
    assert_problem(resp, 404, "not_found").await;
}

#[tokio::test]
async fn an_api_key_escalates_on_behalf_of_a_named_agent() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let key = app.api_key(&r.tenant, &["escalations"]).await;
    let resp = app
        .escalate(&r.cc, &key, None, json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }))
        .await;
    assert_eq!(assert_problem(resp, 422, "validation_failed").await["errors"][0]["field"], "agent_identity");
    let resp = app
        .escalate(
            &r.cc,
            &key,
            None,
            json!({ "task_sid": task_sid(), "conversation_sid": "CH1", "agent_identity": "sam" }),
        )
        .await;
    assert_eq!(assert_problem(resp, 422, "validation_failed").await["errors"][0]["field"], "conversation_sid");
    let resp = app
        .escalate(
            &r.cc,
            &key,
            None,
            json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "sam" }),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["agent_identity"], "agent:sam");
    let metrics_key = app.api_key(&r.tenant, &["metrics"]).await;
    let resp = app
        .escalate(
            &r.cc,
            &metrics_key,
            None,
            json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "sam" }),
        )
        .await;
    assert_problem(resp, 403, "forbidden").await;
    // Viewers and metrics keys can read it, not end it.
    let id = e["id"].as_str().unwrap();
    assert_eq!(
        app.http
            .get(app.url(&format!("/v1/escalations/{id}")))
            .bearer_auth(&metrics_key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let resp = app
        .http
        .post(app.url(&format!("/v1/escalations/{id}/complete")))
        .bearer_auth(&metrics_key)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;
}

#[tokio::test]
async fn the_customer_trades_the_code_for_a_token_to_that_room_only() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    let e: Value =
        app.escalate(&r.cc, &flex, Some("k"), body(&task_sid(), &conversation_sid())).await.json().await.unwrap();
    let code = e["code"].as_str().unwrap();
    let resp = app.http.post(app.url(&format!("/v1/join/{code}/token"))).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let t: Value = resp.json().await.unwrap();
    assert_eq!(t["room_name"], e["room_name"]);
    let identity = t["identity"].as_str().unwrap();
    assert!(identity.starts_with("customer:"));
    let claims =
        verify_video_token(t["token"].as_str().unwrap(), &Secret::new(r.account.api_keys[0].1.clone())).unwrap();
    assert_eq!(claims.grants.identity.as_deref(), Some(identity));
    assert_eq!(claims.grants.video.unwrap().room.as_deref(), e["room_name"].as_str());
    let code_expiry = chrono::DateTime::parse_from_rfc3339(e["expires_at"].as_str().unwrap()).unwrap().timestamp();
    assert!(claims.exp as i64 <= code_expiry, "a customer token never outlives the code");
    // Lower-case and hyphenated input still works (Crockford).
    let spaced = format!("{}-{}", &code[..6].to_lowercase(), &code[6..]);
    let t2: Value =
        app.http.post(app.url(&format!("/v1/join/{spaced}/token"))).send().await.unwrap().json().await.unwrap();
    assert_ne!(t2["identity"], t["identity"], "every join gets its own identity");
}

#[tokio::test]
async fn callbacks_repeated_and_reordered_move_the_escalation_through_its_states() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    app.sim.set_callback_mode(CallbackMode { repeat: 2, hold: true });
    let e: Value =
        app.escalate(&r.cc, &flex, Some("k"), body(&task_sid(), &conversation_sid())).await.json().await.unwrap();
    let id = e["id"].as_str().unwrap();
    let room = e["room_sid"].as_str().unwrap();
    app.sim.connect_participant(room, "agent:alex").unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.sim.connect_participant(room, "customer:0123456789abcdef").unwrap();
    app.sim.disconnect_participant(room, "customer:0123456789abcdef").unwrap();
    app.sim.complete_room(room).unwrap();
    // Deliver everything newest first, each twice.
    let released = app.sim.release_callbacks(ReleaseOrder::Reverse).await;
    // room-created, two connects, two disconnects, room-ended.
    assert_eq!(released, 6);
    app.sim.flush_callbacks().await;
    let done =
        app.wait_for_escalation(&flex, id, |v| !v["ended_at"].is_null() && v["customer_joined_at"].is_string()).await;
    assert!(done["room_created_at"].is_string());
    assert!(done["agent_joined_at"].is_string());
    assert!(done["ended_at"].is_string());
    assert!(done["duration_seconds"].as_i64().unwrap() >= 1);
    let agent = chrono::DateTime::parse_from_rfc3339(done["agent_joined_at"].as_str().unwrap()).unwrap();
    let customer = chrono::DateTime::parse_from_rfc3339(done["customer_joined_at"].as_str().unwrap()).unwrap();
    assert!(customer > agent);
    // Every delivery was accepted; duplicates were stored once.
    for d in app.sim.callback_deliveries() {
        assert_eq!(d.status, Some(204), "{} #{}", d.event, d.sequence_number);
    }
    let events: Vec<Value> = escalate_e2e::events_of(&r.tenant, id).await;
    let unique: HashSet<(i64, String)> = events
        .iter()
        .map(|e| (e["sequence_number"].as_i64().unwrap(), e["event"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(unique.len(), events.len());
    assert_eq!(events.len(), 6);
    assert_eq!(app.sim.callback_deliveries().len(), 12);
    // The room ended; the escalation did not: the customer's code still
    // works, and asking for a token makes the room again.
    assert_eq!(done["status"], "open");
    assert!(done.get("room_sid").is_none(), "{done}");
    let resp = app.http.post(app.url(&format!("/v1/join/{}/token", e["code"].as_str().unwrap()))).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let rooms: Vec<_> =
        app.sim.rooms().into_iter().filter(|r| r.unique_name == e["room_name"].as_str().unwrap()).collect();
    assert_eq!(rooms.len(), 2, "the same room name, a new room");
    assert_eq!(rooms[1].status, escalate_twilio::RoomStatus::InProgress);
}

#[tokio::test]
async fn forged_callbacks_are_refused() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let url = app.url(&format!("/v1/webhooks/twilio/rooms/{}", r.cc));
    let form = [
        ("AccountSid", r.account.account_sid.as_str()),
        ("RoomSid", "RM00000000000000000000000000000000"),
        ("RoomName", "esc-x"),
        ("StatusCallbackEvent", "room-ended"),
    ];
    let resp = app.http.post(&url).form(&form).send().await.unwrap();
    assert_problem(resp, 403, "invalid_signature").await;
    let resp =
        app.http.post(&url).header("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJl").form(&form).send().await.unwrap();
    assert_problem(resp, 403, "invalid_signature").await;
    // Signed with the right token but for another URL (a replay elsewhere).
    let params: Vec<(String, String)> = form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let sig = escalate_twilio::signature::expected_signature(&r.account.auth_token, &format!("{url}?x=1"), &params);
    let resp = app.http.post(&url).header("X-Twilio-Signature", sig).form(&form).send().await.unwrap();
    assert_problem(resp, 403, "invalid_signature").await;
    let sig = escalate_twilio::signature::expected_signature(&r.account.auth_token, &url, &params);
    let resp = app.http.post(&url).header("X-Twilio-Signature", sig).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 204);
}

#[tokio::test]
async fn completing_ends_the_room_and_the_code() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    let e: Value =
        app.escalate(&r.cc, &flex, Some("k"), body(&task_sid(), &conversation_sid())).await.json().await.unwrap();
    let id = e["id"].as_str().unwrap();
    let t: Value = app
        .http
        .post(app.url(&format!("/v1/escalations/{id}/agent-token")))
        .bearer_auth(&flex)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["room_name"], e["room_name"]);
    let done: Value = app
        .http
        .post(app.url(&format!("/v1/escalations/{id}/complete")))
        .bearer_auth(&flex)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(done["status"], "completed");
    assert!(done["ended_at"].is_string());
    assert_eq!(app.sim.rooms()[0].status, escalate_twilio::RoomStatus::Completed);
    let resp = app.http.post(app.url(&format!("/v1/join/{}/token", e["code"].as_str().unwrap()))).send().await.unwrap();
    assert_problem(resp, 410, "code_completed").await;
    let resp =
        app.http.post(app.url(&format!("/v1/escalations/{id}/agent-token"))).bearer_auth(&flex).send().await.unwrap();
    assert_problem(resp, 409, "escalation_not_open").await;
    // Completing twice is harmless.
    let again =
        app.http.post(app.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(&flex).send().await.unwrap();
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn expired_and_unknown_codes_are_indistinguishable_and_guessing_is_limited() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    let e: Value =
        app.escalate(&r.cc, &flex, Some("k"), body(&task_sid(), &conversation_sid())).await.json().await.unwrap();
    let code = e["code"].as_str().unwrap().to_owned();
    // Expire it in the database, as time would.
    let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
    use sea_orm::ConnectionTrait;
    db.execute_unprepared(&format!("UPDATE escalations SET expires_at = created_at WHERE code = '{code}'"))
        .await
        .unwrap();

    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("request_id");
        v
    };
    let expired = assert_problem(
        app.http.post(app.url(&format!("/v1/join/{code}/token"))).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    let unknown =
        assert_problem(app.http.post(app.url("/v1/join/0000000000000/token")).send().await.unwrap(), 404, "not_found")
            .await;
    let malformed =
        assert_problem(app.http.post(app.url("/v1/join/!!/token")).send().await.unwrap(), 404, "not_found").await;
    assert_eq!(strip(expired), strip(unknown.clone()));
    assert_eq!(strip(malformed), strip(unknown));

    // 3 failures so far; the limit is 20 per address, then wrong codes wait…
    for _ in 3..25 {
        let status = app.http.post(app.url("/v1/join/ZZZZZZZZZZZZZ/token")).send().await.unwrap().status();
        assert!(status == 404 || status == 429, "{status}");
    }
    let resp = app.http.post(app.url("/v1/join/ZZZZZZZZZZZZZ/token")).send().await.unwrap();
    assert!(resp.headers().get("retry-after").is_some());
    assert_problem(resp, 429, "rate_limited").await;
    // …but a code that exists always gets its token and its page: customers
    // behind one carrier or office address do not lock each other out.
    let fresh: Value =
        app.escalate(&r.cc, &flex, Some("k2"), body(&task_sid(), &conversation_sid())).await.json().await.unwrap();
    let code = fresh["code"].as_str().unwrap();
    let resp = app.http.post(app.url(&format!("/v1/join/{code}/token"))).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(app.http.get(app.url(&format!("/join/{code}"))).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_twilio_failure_after_the_room_exists_leaves_no_orphan_and_a_retry_succeeds() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    let (task, conv) = (task_sid(), conversation_sid());
    app.sim.set_fault(ApiOp::CreateMessage, Fault { status: Some(500), times: Some(1), ..Default::default() });
    let resp = app.escalate(&r.cc, &flex, Some("task:x"), body(&task, &conv)).await;
    let problem = assert_problem(resp, 502, "twilio_unavailable").await;
    assert!(problem["detail"].as_str().unwrap().contains("join link"));
    let rooms = app.sim.rooms();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].status, escalate_twilio::RoomStatus::Completed, "the room was closed, not orphaned");
    assert!(app.sim.messages().is_empty());

    // The agent clicks again: same key, now Twilio answers.
    let resp = app.escalate(&r.cc, &flex, Some("task:x"), body(&task, &conv)).await;
    assert_eq!(resp.status(), 201);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["status"], "open");
    assert_eq!(app.sim.messages().len(), 1);
    let open: Vec<_> =
        app.sim.rooms().into_iter().filter(|r| r.status == escalate_twilio::RoomStatus::InProgress).collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].sid, e["room_sid"].as_str().unwrap());

    // A room that cannot be made while the link is posted: the escalation
    // opens (the customer has the link) and the room is made when someone
    // asks for a token.
    app.sim.set_fault(ApiOp::CreateRoom, Fault { status: Some(503), ..Default::default() });
    let resp = app.escalate(&r.cc, &flex, Some("task:y"), body(&task_sid(), &conversation_sid())).await;
    assert_eq!(resp.status(), 201);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["status"], "open");
    assert!(e.get("room_sid").is_none(), "{e}");
    assert_eq!(app.sim.rooms().len(), 2, "no third room yet");
    app.sim.clear_faults();
    let code = e["code"].as_str().unwrap();
    let token = app.http.post(app.url(&format!("/v1/join/{code}/token"))).send().await.unwrap();
    assert_eq!(token.status(), 200);
    let rooms = app.sim.rooms();
    assert_eq!(rooms.len(), 3);
    assert_eq!(rooms[2].unique_name, e["room_name"].as_str().unwrap());
    assert!(rooms[2].status_callback.as_deref().unwrap().ends_with(&format!("/v1/webhooks/twilio/rooms/{}", r.cc)));

    // Neither the room nor the link: a clear error, and the escalation failed.
    app.sim.set_fault(ApiOp::CreateRoom, Fault { status: Some(503), ..Default::default() });
    app.sim.set_fault(ApiOp::CreateMessage, Fault { status: Some(400), ..Default::default() });
    let resp = app.escalate(&r.cc, &flex, Some("task:z"), body(&task_sid(), &conversation_sid())).await;
    assert_eq!(resp.status(), 502);
    let listed: Value = r
        .tenant
        .admin
        .get(&format!("/v1/contact-centers/{}/escalations?status=failed", r.cc))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(listed["items"][0]["failure_reason"].as_str().unwrap().contains("room"));
}

#[tokio::test]
async fn escalations_are_listed_newest_first_with_paging() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let key = app.api_key(&r.tenant, &["escalations"]).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let e: Value = app
            .escalate(
                &r.cc,
                &key,
                None,
                json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "sam" }),
            )
            .await
            .json()
            .await
            .unwrap();
        ids.push(e["id"].as_str().unwrap().to_owned());
    }
    ids.reverse();
    let page1: Value =
        r.tenant.admin.get(&format!("/v1/contact-centers/{}/escalations?limit=3", r.cc)).await.json().await.unwrap();
    let got: Vec<&str> = page1["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(got, ids[..3]);
    assert!(page1["items"][0].get("agent_token").is_none_or(Value::is_null));
    let before = page1["next_before"].as_str().unwrap();
    let page2: Value = r
        .tenant
        .admin
        .get(&format!("/v1/contact-centers/{}/escalations?limit=3&before={before}", r.cc))
        .await
        .json()
        .await
        .unwrap();
    let got: Vec<&str> = page2["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(got, ids[3..]);
    assert!(page2["next_before"].is_null());
}

/// Callbacks are written many to a transaction under load: a burst of every
/// room's events at once, each sent twice, still stores each event once,
/// counts each repeat, and leaves every escalation's timeline whole.
#[tokio::test]
async fn a_burst_of_callbacks_for_many_rooms_is_stored_once_each_and_accounted_for() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    // The simulator's own callbacks are held back: this test sends them.
    app.sim.set_callback_mode(CallbackMode { repeat: 1, hold: true });
    let mut rooms = Vec::new();
    for _ in 0..8 {
        let e: Value =
            app.escalate(&r.cc, &flex, None, body(&task_sid(), &conversation_sid())).await.json().await.unwrap();
        rooms.push(e);
    }
    let counter = |text: &str, outcome: &str| -> u64 {
        let needle = format!("escalate_room_callbacks_total{{outcome=\"{outcome}\"}} ");
        text.lines().find_map(|l| l.strip_prefix(&needle)).map_or(0, |v| v.trim().parse().unwrap())
    };
    let before = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let mut sends = Vec::new();
    for e in &rooms {
        let (sid, name) = (e["room_sid"].as_str().unwrap().to_owned(), e["room_name"].as_str().unwrap().to_owned());
        let events = [
            ("room-created", None),
            ("participant-connected", Some("agent:alex")),
            ("participant-connected", Some("customer:0123456789abcdef")),
            ("participant-disconnected", Some("customer:0123456789abcdef")),
            ("participant-disconnected", Some("agent:alex")),
            ("room-ended", None),
        ];
        for (seq, (event, who)) in events.into_iter().enumerate() {
            let mut form = vec![
                ("RoomSid", sid.clone()),
                ("RoomName", name.clone()),
                ("StatusCallbackEvent", event.to_owned()),
                ("SequenceNumber", seq.to_string()),
                ("Timestamp", (chrono::Utc::now() + chrono::Duration::seconds(seq as i64 * 10)).to_rfc3339()),
            ];
            if let Some(who) = who {
                form.push(("ParticipantIdentity", who.to_owned()));
            }
            if event == "room-ended" {
                form.push(("RoomDuration", "50".to_owned()));
            }
            sends.push(form.clone());
            sends.push(form);
        }
    }
    let answers =
        futures_util::future::join_all(sends.iter().map(|form| app.post_callback(&r.cc, &r.account, form))).await;
    for a in &answers {
        assert_eq!(a.status(), 204);
    }
    let after = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert_eq!(counter(&after, "applied") - counter(&before, "applied"), 48);
    assert_eq!(counter(&after, "duplicate") - counter(&before, "duplicate"), 48);
    for e in &rooms {
        let id = e["id"].as_str().unwrap();
        let events: Vec<Value> = escalate_e2e::events_of(&r.tenant, id).await;
        assert_eq!(events.len(), 6, "{id}");
        // The same events, two at a time, by the cursor of each page.
        let mut paged = Vec::new();
        let mut path = format!("/v1/escalations/{id}/events?limit=2");
        loop {
            let page: Value = r.tenant.admin.get(&path).await.json().await.unwrap();
            paged.extend(page["items"].as_array().unwrap().iter().cloned());
            let Some(next) = page["next_after"].as_str() else { break };
            path = format!("/v1/escalations/{id}/events?limit=2&after={next}");
        }
        assert_eq!(paged, events, "{id}");
        let done: Value = r.tenant.admin.get(&format!("/v1/escalations/{id}")).await.json().await.unwrap();
        assert!(done["customer_joined_at"].is_string() && done["ended_at"].is_string(), "{done}");
        assert!(done.get("room_sid").is_none(), "the room ended: {done}");
    }
}

/// The desktop join page's hand-off: its own link as a QR code, drawn by the
/// service, only while the code is open, never cached by a shared cache.
#[tokio::test]
async fn an_open_codes_link_is_served_as_a_qr_code_and_nothing_else_is() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Handoff").await;
    let flex = app.flex_token(&r.account, "alex");
    let e: Value = app.escalate(&r.cc, &flex, None, body(&task_sid(), &conversation_sid())).await.json().await.unwrap();
    let code = e["code"].as_str().unwrap();
    let qr = app.http.get(app.url(&format!("/join/{code}/qr.svg"))).send().await.unwrap();
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert_eq!(qr.headers()["cache-control"], "private, no-store");
    assert_eq!(qr.headers()["content-security-policy"], "default-src 'none'");
    let svg = qr.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.contains("<path") && !svg.contains("<script"), "{svg}");
    // The same link encodes the same picture; another link another one.
    let again = app.http.get(app.url(&format!("/join/{code}/qr.svg"))).send().await.unwrap().text().await.unwrap();
    assert_eq!(again, svg);

    assert_eq!(app.http.get(app.url("/join/NEVER1SSUED1/qr.svg")).send().await.unwrap().status(), 404);
    let id = e["id"].as_str().unwrap();
    let done = app.http.post(app.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(&flex).send().await;
    assert!(done.unwrap().status().is_success());
    assert_eq!(app.http.get(app.url(&format!("/join/{code}/qr.svg"))).send().await.unwrap().status(), 404);
}
