//! What a tenant meets on a real Twilio account, modelled by the simulator
//! and met by the service: Standard API keys, rooms that Twilio ends on its
//! own, conversations outside the default service, regions, a post whose
//! answer is lost, room types Twilio no longer offers.

use std::sync::Arc;
use std::time::Duration;

use escalate_e2e::{Options, assert_problem, conversation_sid, credentials_body, spawn_app, spawn_app_with, task_sid};
use serde_json::{Value, json};
use twilio_sim::{ApiOp, Fault, SimConfig, Simulator};

fn chat(conversation: &str) -> Value {
    json!({ "task_sid": task_sid(), "conversation_sid": conversation })
}

#[tokio::test]
async fn credentials_with_a_standard_api_key_are_checked_with_the_calls_they_are_for() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support").await["id"].as_str().unwrap().to_owned();
    let account = app.sim_account(); // a Standard key, Twilio's default kind
    let resp = app.store_credentials(&tenant, &cc, &account).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let ops: Vec<_> = app.sim.requests().into_iter().filter_map(|q| q.op).collect();
    assert!(ops.contains(&ApiOp::ListRooms), "the key checked against the Rooms API: {ops:?}");
    // Each credential is named when it is the wrong one.
    for (field, body) in [
        ("api_key_secret", json!({ "api_key_secret": "a-wrong-secret-of-some-length" })),
        ("auth_token", json!({ "auth_token": "a-wrong-auth-token-of-some-length" })),
    ] {
        let mut full = credentials_body(&account);
        full.as_object_mut().unwrap().extend(body.as_object().unwrap().clone());
        let resp = tenant.admin.put(&format!("/v1/contact-centers/{cc}/twilio-credentials"), full).await;
        let problem = assert_problem(resp, 422, "twilio_credentials_rejected").await;
        assert_eq!(problem["errors"][0]["field"], field);
    }
}

#[tokio::test]
async fn a_room_twilio_ends_for_inactivity_is_made_again_and_the_link_lives_on() {
    // A simulator whose "minute" is 100 ms: rooms end while the test watches.
    let sim = Simulator::new(SimConfig { room_minute: Duration::from_millis(100), ..SimConfig::default() });
    let running = Arc::new(sim.clone().spawn("127.0.0.1:0").await.unwrap());
    let app = spawn_app_with(Options { sim: Some((sim, running)), ..Default::default() }).await;
    let r = app.ready_contact_center("Acme").await;
    let patch = json!({ "room": { "unused_room_timeout_minutes": 2, "empty_room_timeout_minutes": 1 } });
    assert_eq!(r.tenant.admin.patch(&format!("/v1/contact-centers/{}", r.cc), patch).await.status(), 200);
    let flex = app.flex_token(&r.account, "alex");
    let e: Value = app.escalate(&r.cc, &flex, None, chat(&conversation_sid())).await.json().await.unwrap();
    let (id, code) = (e["id"].as_str().unwrap(), e["code"].as_str().unwrap().to_owned());
    // Nobody joins: Twilio ends the room after its UnusedRoomTimeout.
    let ended = app.wait_for_escalation(&flex, id, |v| !v["ended_at"].is_null()).await;
    assert_eq!(ended["status"], "open", "the escalation outlives its room");
    assert!(ended.get("room_sid").is_none());
    // The customer comes late: the room is made again, same name.
    let resp = app.http.post(app.url(&format!("/v1/join/{code}/token"))).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let token: Value = resp.json().await.unwrap();
    assert_eq!(token["room_name"], e["room_name"]);
    let rooms: Vec<_> = app.sim.rooms().into_iter().filter(|x| x.unique_name == e["room_name"]).collect();
    assert_eq!(rooms.len(), 2);
    let live = app.wait_for_escalation(&flex, id, |v| v["room_sid"].is_string()).await;
    assert_eq!(live["room_sid"], rooms[1].sid.as_str());
    // The customer joins and leaves: after EmptyRoomTimeout the room ends, the
    // agent comes back: a token makes it again.
    app.sim.connect_participant(&rooms[1].sid, "customer:0123456789abcdef").unwrap();
    app.sim.disconnect_participant(&rooms[1].sid, "customer:0123456789abcdef").unwrap();
    app.wait_for_escalation(&flex, id, |v| v.get("room_sid").is_none()).await;
    let resp =
        app.http.post(app.url(&format!("/v1/escalations/{id}/agent-token"))).bearer_auth(&flex).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(app.sim.rooms().into_iter().filter(|x| x.unique_name == e["room_name"]).count(), 3);
    // Only the agent ends the escalation.
    let done =
        app.http.post(app.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(&flex).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let resp = app.http.post(app.url(&format!("/v1/join/{code}/token"))).send().await.unwrap();
    assert_problem(resp, 410, "code_completed").await;
}

#[tokio::test]
async fn conversations_outside_the_default_service_are_posted_to_in_their_service() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    let service = format!("IS{}", uuid::Uuid::new_v4().simple());
    // Found from the conversation when the contact center does not say.
    let conv = conversation_sid();
    app.sim.add_conversation_in_service(&r.account.account_sid, &service, &conv);
    let resp = app.escalate(&r.cc, &flex, None, chat(&conv)).await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let posted = app.sim.messages().into_iter().find(|m| m.conversation_sid == conv).expect("posted");
    assert_eq!(posted.chat_service_sid, service);
    // Set on the contact center: posted there at once, nothing looked up.
    let patch = json!({ "conversations_service_sid": service });
    assert_eq!(r.tenant.admin.patch(&format!("/v1/contact-centers/{}", r.cc), patch).await.status(), 200);
    let conv2 = conversation_sid();
    app.sim.add_conversation_in_service(&r.account.account_sid, &service, &conv2);
    let lookups = app.sim.request_count(ApiOp::ListServices);
    assert_eq!(app.escalate(&r.cc, &flex, None, chat(&conv2)).await.status(), 201);
    assert_eq!(app.sim.request_count(ApiOp::ListServices), lookups);
    // The simulator refuses the default path for such a conversation, as Twilio does.
    let bad = json!({ "conversations_service_sid": "IS0123" });
    let resp = r.tenant.admin.patch(&format!("/v1/contact-centers/{}", r.cc), bad).await;
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "conversations_service_sid");
}

#[tokio::test]
async fn a_contact_center_in_another_region_uses_its_regional_endpoints() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support EU").await["id"].as_str().unwrap().to_owned();
    let mut account = twilio_sim::SimAccount::generate("Dublin");
    account.key_regions.insert(account.api_keys[0].0.clone(), "ie1".into());
    app.sim.add_account(account.clone());
    // Without the region the key is unknown to us1: refused, and named.
    let resp = app.store_credentials(&tenant, &cc, &account).await;
    let problem = assert_problem(resp, 422, "twilio_credentials_rejected").await;
    assert_eq!(problem["errors"][0]["field"], "api_key_secret");
    // With it, everything goes to ie1 through Dublin.
    let mut body = credentials_body(&account);
    body["region"] = json!("ie1");
    body["edge"] = json!("dublin");
    let resp = tenant.admin.put(&format!("/v1/contact-centers/{cc}/twilio-credentials"), body).await;
    assert_eq!(resp.status(), 200);
    let saved: Value = resp.json().await.unwrap();
    assert_eq!((&saved["region"], &saved["edge"]), (&json!("ie1"), &json!("dublin")));
    let flex = app.flex_token(&account, "alex");
    let resp = app.escalate(&cc, &flex, None, chat(&conversation_sid())).await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let mut bad = credentials_body(&account);
    bad["region"] = json!("Ireland");
    let resp = tenant.admin.put(&format!("/v1/contact-centers/{cc}/twilio-credentials"), bad).await;
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "region");
}

#[tokio::test]
async fn a_post_whose_answer_is_lost_is_found_not_sent_twice() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    let conv = conversation_sid();
    // Twilio posts the message, the answer never arrives.
    app.sim.set_fault(ApiOp::CreateMessage, Fault { drop_connection: true, times: Some(1), ..Default::default() });
    let resp = app.escalate(&r.cc, &flex, Some("task:lost"), chat(&conv)).await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let e: Value = resp.json().await.unwrap();
    let ours: Vec<_> = app.sim.messages().into_iter().filter(|m| m.conversation_sid == conv).collect();
    assert_eq!(ours.len(), 1, "one link");
    assert!(ours[0].attributes.contains(e["code"].as_str().unwrap()), "the customer's first code is the one kept");
}

#[tokio::test]
async fn only_group_rooms_are_offered() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support").await["id"].as_str().unwrap().to_owned();
    for t in ["group-small", "peer-to-peer", "go"] {
        let resp =
            tenant.admin.patch(&format!("/v1/contact-centers/{cc}"), json!({ "room": { "room_type": t } })).await;
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "room.room_type", "{t}");
    }
    let resp =
        tenant.admin.patch(&format!("/v1/contact-centers/{cc}"), json!({ "room": { "max_participants": 51 } })).await;
    assert_problem(resp, 422, "validation_failed").await;
}
