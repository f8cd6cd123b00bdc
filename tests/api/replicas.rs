//! Two server processes on one PostgreSQL and one Redis: any replica serves
//! any request, and shared state holds across them.

use std::collections::HashSet;

use escalate_e2e::{assert_problem, conversation_sid, spawn_app, task_sid};
use serde_json::{Value, json};
use twilio_sim::ApiOp;

#[tokio::test]
async fn an_idempotent_escalation_sent_to_both_replicas_at_once_makes_one_room() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let (a, b) = tokio::join!(app.spawn_replica(), app.spawn_replica());
    let flex = app.flex_token(&r.account, "alex");
    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    let send = |base: String| {
        let (app, flex, body, cc) = (&app, flex.clone(), body.clone(), r.cc.clone());
        async move {
            app.http
                .post(format!("{base}/v1/contact-centers/{cc}/escalations"))
                .bearer_auth(flex)
                .header("Idempotency-Key", "task:both")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let (ra, rb) = tokio::join!(send(a.address.clone()), send(b.address.clone()));
    let statuses: HashSet<u16> = [ra.status().as_u16(), rb.status().as_u16()].into();
    assert_eq!(statuses, HashSet::from([200, 201]));
    let (ea, eb): (Value, Value) = (ra.json().await.unwrap(), rb.json().await.unwrap());
    assert_eq!(ea["id"], eb["id"]);
    assert_eq!(app.sim.request_count(ApiOp::CreateRoom), 1);
    assert_eq!(app.sim.rooms().len(), 1);
    assert_eq!(app.sim.messages().len(), 1);
    // The Flex token was validated by at most one replica each (cached in shared Redis after).
    assert!(app.sim.request_count(ApiOp::ValidateToken) <= 2);
}

#[tokio::test]
async fn code_guessing_limits_count_across_replicas() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let (a, b) = tokio::join!(app.spawn_replica(), app.spawn_replica());
    let flex = app.flex_token(&r.account, "alex");
    let e: Value = app
        .escalate(&r.cc, &flex, Some("k"), json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }))
        .await
        .json()
        .await
        .unwrap();
    let code = e["code"].as_str().unwrap();
    // 20 wrong codes, alternating replicas: each replica alone saw only 10.
    for i in 0..20 {
        let base = if i % 2 == 0 { &a.address } else { &b.address };
        let resp = app.http.post(format!("{base}/v1/join/ZZZZZZZZZZZZ{}/token", i % 10)).send().await.unwrap();
        assert_eq!(resp.status(), 404, "attempt {i}");
    }
    // Now another wrong code is refused on both replicas (the block is
    // shared), while the right code still gets its token on both: the
    // limit is on failures, never on a code that exists.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for base in [&a.address, &b.address] {
        let resp = app.http.post(format!("{base}/v1/join/ZZZZZZZZZZZZZ/token")).send().await.unwrap();
        assert_problem(resp, 429, "rate_limited").await;
        let resp = app.http.post(format!("{base}/v1/join/{code}/token")).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{base}");
    }
}

#[tokio::test]
async fn a_callback_delivered_to_either_replica_is_applied_once_and_completion_is_seen_everywhere() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let (a, b) = tokio::join!(app.spawn_replica(), app.spawn_replica());
    let flex = app.flex_token(&r.account, "alex");
    let e: Value = app
        .escalate(&r.cc, &flex, Some("k"), json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }))
        .await
        .json()
        .await
        .unwrap();
    let code = e["code"].as_str().unwrap();
    // Both replicas cache the open code.
    for base in [&a.address, &b.address] {
        assert_eq!(app.http.post(format!("{base}/v1/join/{code}/token")).send().await.unwrap().status(), 200);
    }
    // The same signed callback, delivered once to each replica.
    let url = format!("{}/v1/webhooks/twilio/rooms/{}", app.address, r.cc);
    let params: Vec<(String, String)> = vec![
        ("AccountSid".into(), r.account.account_sid.clone()),
        ("RoomSid".into(), e["room_sid"].as_str().unwrap().into()),
        ("RoomName".into(), e["room_name"].as_str().unwrap().into()),
        ("StatusCallbackEvent".into(), "participant-connected".into()),
        ("SequenceNumber".into(), "41".into()),
        ("ParticipantIdentity".into(), "customer:feedbeef".into()),
        ("Timestamp".into(), chrono::Utc::now().to_rfc3339()),
    ];
    let sig = escalate_twilio::signature::expected_signature(&r.account.auth_token, &url, &params);
    for base in [&a.address, &b.address] {
        let resp = app
            .http
            .post(format!("{base}/v1/webhooks/twilio/rooms/{}", r.cc))
            .header("X-Twilio-Signature", &sig)
            .form(&params)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204);
    }
    let id = e["id"].as_str().unwrap();
    let events: Vec<Value> = escalate_e2e::events_of(&r.tenant, id).await;
    assert_eq!(events.iter().filter(|e| e["sequence_number"] == 41).count(), 1);

    // The agent ends the call through replica A; replica B stops issuing tokens at once.
    let resp = app.http.post(a.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(&flex).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let resp = app.http.post(format!("{}/v1/join/{code}/token", b.address)).send().await.unwrap();
    assert_problem(resp, 410, "code_completed").await;
}

#[tokio::test]
async fn a_replica_killed_mid_load_loses_no_accepted_request() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let (mut a, b) = tokio::join!(app.spawn_replica(), app.spawn_replica());
    let key = app.api_key(&r.tenant, &["escalations"]).await;
    let requests: Vec<(String, Value)> = (0..40)
        .map(|i| {
            (
                format!("load-{i}"),
                json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "sam" }),
            )
        })
        .collect();
    let send = |base: String, idem: String, body: Value| {
        let (app, key, cc) = (&app, key.clone(), r.cc.clone());
        async move {
            app.http
                .post(format!("{base}/v1/contact-centers/{cc}/escalations"))
                .bearer_auth(key)
                .header("Idempotency-Key", idem)
                .json(&body)
                .send()
                .await
        }
    };
    // Half the load to A, half to B; A dies while requests are in flight.
    let load = futures_util::future::join_all(requests.iter().enumerate().map(|(i, (idem, body))| {
        let base = if i % 2 == 0 { a.address.clone() } else { b.address.clone() };
        send(base, idem.clone(), body.clone())
    }));
    let killer = async {
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
        a.kill();
    };
    let (results, ()) = tokio::join!(load, killer);

    let mut accepted = Vec::new();
    let mut failed = Vec::new();
    for ((idem, body), res) in requests.iter().zip(results) {
        match res {
            Ok(resp) if resp.status().is_success() => {
                accepted.push((idem.clone(), resp.json::<Value>().await.unwrap()))
            }
            // A clean error: the connection was cut, or a problem document.
            Ok(resp) => {
                let status = resp.status().as_u16();
                let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
                assert_eq!(ct, "application/problem+json", "status {status}");
                failed.push((idem.clone(), body.clone()));
            }
            Err(_) => failed.push((idem.clone(), body.clone())),
        }
    }
    assert!(!accepted.is_empty(), "some requests were served");
    assert!(!failed.is_empty(), "the replica died with requests in flight");
    // Every accepted escalation is in the database, open, with its own room and message.
    let rooms: HashSet<String> = app.sim.rooms().into_iter().map(|r| r.sid).collect();
    for (_, e) in &accepted {
        let stored: Value =
            r.tenant.admin.get(&format!("/v1/escalations/{}", e["id"].as_str().unwrap())).await.json().await.unwrap();
        assert_eq!(stored["status"], "open");
        assert!(rooms.contains(stored["room_sid"].as_str().unwrap()));
    }
    // The clients retry what failed, with the same keys, on the surviving replica.
    let retries = futures_util::future::join_all(
        failed.iter().map(|(idem, body)| send(b.address.clone(), idem.clone(), body.clone())),
    )
    .await;
    for ((idem, _), resp) in failed.iter().zip(retries) {
        let resp = resp.unwrap();
        let status = resp.status().as_u16();
        // Done (200/201), or still marked in progress by the dead replica (409, clean).
        assert!(matches!(status, 200 | 201 | 409), "retry of {idem}: {status} {}", resp.text().await.unwrap());
    }
    // No key ever made two rooms.
    let listed: Value =
        r.tenant.admin.get(&format!("/v1/contact-centers/{}/escalations?limit=200", r.cc)).await.json().await.unwrap();
    let items = listed["items"].as_array().unwrap();
    assert!(items.len() <= requests.len());
    let open_rooms: Vec<&str> =
        items.iter().filter(|e| e["status"] == "open").map(|e| e["room_sid"].as_str().unwrap()).collect();
    let unique: HashSet<&&str> = open_rooms.iter().collect();
    assert_eq!(unique.len(), open_rooms.len());
}

#[tokio::test]
async fn sigterm_finishes_in_flight_requests_then_exits() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let mut replica = app.spawn_replica().await;
    let key = app.api_key(&r.tenant, &["escalations"]).await;
    // Twilio answers the chat message slowly, so the request is in flight when SIGTERM lands.
    app.sim
        .set_fault(ApiOp::CreateMessage, twilio_sim::Fault { latency_ms: 1000, times: Some(1), ..Default::default() });
    let request = app
        .http
        .post(replica.url(&format!("/v1/contact-centers/{}/escalations", r.cc)))
        .bearer_auth(&key)
        .json(&json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "sam" }))
        .send();
    let terminate = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        replica.terminate();
    };
    let (resp, ()) = tokio::join!(request, terminate);
    let resp = resp.expect("the in-flight request is answered");
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap_or_default());
    let status = replica.wait_exit(std::time::Duration::from_secs(25)).await.expect("the process exits");
    assert!(status.success(), "clean exit: {status:?}\n{}", replica.logs());
    assert!(replica.logs().contains("shutting down"));
    // Nothing answers any more on its port.
    assert!(app.http.get(replica.url("/healthz")).send().await.is_err());
}

#[tokio::test]
async fn deleted_credentials_stop_customer_tokens_on_every_replica_at_once() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let (a, b) = tokio::join!(app.spawn_replica(), app.spawn_replica());
    let flex = app.flex_token(&r.account, "alex");
    let e: Value = app
        .escalate(&r.cc, &flex, Some("k"), json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }))
        .await
        .json()
        .await
        .unwrap();
    let code = e["code"].as_str().unwrap();
    // Both replicas mint a token, so both hold the contact center's token material.
    for base in [&a.address, &b.address] {
        let resp = app.http.post(format!("{base}/v1/join/{code}/token")).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{base}");
    }
    // The admin deletes the credentials on replica A.
    let del = app
        .http
        .delete(a.url(&format!("/v1/contact-centers/{}/twilio-credentials", r.cc)))
        .bearer_auth(app.api_key(&r.tenant, &["admin"]).await)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    // Well inside the 30 s the token material used to stay cached.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for base in [&a.address, &b.address] {
        let resp = app.http.post(format!("{base}/v1/join/{code}/token")).send().await.unwrap();
        assert_problem(resp, 404, "not_found").await;
    }
}

#[tokio::test]
async fn moving_a_contact_center_to_another_account_refuses_the_old_accounts_agents() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let replica = app.spawn_replica().await;
    let old_agent = app.flex_token(&r.account, "alex");
    let body = || json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    let post = |token: String| {
        let (app, url, body) = (&app, replica.url(&format!("/v1/contact-centers/{}/escalations", r.cc)), body());
        async move { app.http.post(url).bearer_auth(token).json(&body).send().await.unwrap() }
    };
    assert_eq!(post(old_agent.clone()).await.status(), 201, "validated and cached");
    // The contact center moves to another Twilio account.
    let other = app.sim_account();
    assert_eq!(app.store_credentials(&r.tenant, &r.cc, &other).await.status(), 200);
    let validations = app.sim.request_count(ApiOp::ValidateToken);
    assert_problem(post(old_agent).await, 401, "invalid_flex_token").await;
    // Not served from the cache, and not worth asking Twilio: its subject is the old account.
    assert_eq!(app.sim.request_count(ApiOp::ValidateToken), validations, "refused by its account, not the cache");
    assert_eq!(post(app.flex_token(&other, "blake")).await.status(), 201, "the new account's agents work");
}
