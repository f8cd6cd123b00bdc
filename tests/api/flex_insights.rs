//! Flex Insights: a contact center that chose it gets each escalation's
//! outcome written into its Flex task's `conversations` attributes (in the
//! simulator's TaskRouter), merged with what the task holds, once, again
//! when a rating arrives before the task completes, never into a finished
//! task, and only in the slots the contact center chose.

use escalate_e2e::{Ready, TestApp, assert_problem, conversation_sid, spawn_app};
use serde_json::{Value, json};
use twilio_sim::{ApiOp, Fault};

async fn escalate_task(app: &TestApp, r: &Ready, flex: &str, task_sid: &str) -> Value {
    let body = json!({ "task_sid": task_sid, "conversation_sid": conversation_sid() });
    let resp = app.escalate(&r.cc, flex, None, body).await;
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

/// Agent and customer in the call, then the agent ends it.
async fn call_and_end(app: &TestApp, flex: &str, e: &Value) {
    let (id, room) = (e["id"].as_str().unwrap(), e["room_sid"].as_str().unwrap());
    app.sim.connect_participant(room, "agent:alex").unwrap();
    app.sim.connect_participant(room, "customer:0123456789abcdef").unwrap();
    app.wait_for_escalation(flex, id, |v| v["customer_joined_at"].is_string()).await;
    let done = app.http.post(app.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(flex).send().await;
    assert!(done.unwrap().status().is_success());
}

async fn sweep(app: &TestApp) -> usize {
    escalate_app::services::insights::run_once(&app.state).await.unwrap()
}

#[tokio::test]
async fn an_ended_escalations_outcome_is_merged_into_its_flex_task_once_and_never_into_a_finished_one() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let admin = &r.tenant.admin;
    let path = format!("/v1/contact-centers/{}", r.cc);
    let cc: Value = admin.get(&path).await.json().await.unwrap();
    assert_eq!(cc["flex_insights"]["enabled"], false, "off unless chosen: {cc}");
    assert_eq!(cc["flex_insights"]["mapping"]["rating"], "conversation_measure_10");

    // Off: nothing is written.
    let flex = app.flex_token(&r.account, "alex");
    let before = json!({ "channelType": "web", "conversations": { "conversation_attribute_1": "sales" } });
    let quiet = app.sim.add_task(&r.account.account_sid, &before, "assigned");
    let e = escalate_task(&app, &r, &flex, &quiet.sid).await;
    call_and_end(&app, &flex, &e).await;
    assert_eq!(sweep(&app).await, 0);
    assert_eq!(app.sim.task(&quiet.sid).unwrap().attributes, before);

    // Slots Insights does not read, or of the wrong kind, are refused.
    let bad = admin
        .patch(
            &path,
            json!({ "flex_insights": { "enabled": true, "mapping": { "rating": "conversation_attribute_2", "customer_joined": "stars" } } }),
        )
        .await;
    let problem = assert_problem(bad, 422, "validation_failed").await;
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["flex_insights.mapping.customer_joined", "flex_insights.mapping.rating"], "{problem}");
    let on = admin.patch(&path, json!({ "flex_insights": { "enabled": true } })).await;
    assert_eq!(on.status(), 200);

    // Turned on, the last day's escalations whose tasks are still open are
    // reported too.
    assert_eq!(sweep(&app).await, 1);
    assert_eq!(app.sim.task(&quiet.sid).unwrap().attributes["conversations"]["conversation_attribute_9"], "Yes");

    // The outcome joins what the task holds. Flex changes the task between
    // the read and the write (the write is held up in the simulator while
    // it does): the write, sent with the revision read (If-Match), is
    // refused, and the task is read again and written with both changes.
    let task = app.sim.add_task(&r.account.account_sid, &before, "assigned");
    let e = escalate_task(&app, &r, &flex, &task.sid).await;
    let id = e["id"].as_str().unwrap().to_owned();
    call_and_end(&app, &flex, &e).await;
    app.sim.set_fault(ApiOp::UpdateTask, Fault { latency_ms: 800, times: Some(1), ..Fault::default() });
    let fetches = app.sim.request_count(ApiOp::FetchTask);
    let flex_meanwhile = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let mut changed = before.clone();
        changed["conversations"]["conversation_attribute_2"] = json!("set by Flex meanwhile");
        app.sim.set_task_attributes(&task.sid, &changed).unwrap();
    };
    let (n, ()) = tokio::join!(sweep(&app), flex_meanwhile);
    assert_eq!(n, 1);
    assert_eq!(app.sim.request_count(ApiOp::FetchTask), fetches + 2, "read again after the 412");
    let attrs = app.sim.task(&task.sid).unwrap().attributes;
    assert_eq!(attrs["channelType"], "web", "{attrs}");
    let c = &attrs["conversations"];
    assert_eq!(c["conversation_attribute_1"], "sales", "the contact center's own slot stays: {attrs}");
    assert_eq!(c["conversation_attribute_2"], "set by Flex meanwhile", "Flex's change is not lost: {attrs}");
    assert_eq!((&c["conversation_attribute_8"], &c["conversation_attribute_9"]), (&json!("Yes"), &json!("Yes")));
    assert!(c["conversation_measure_8"].is_i64() && c["conversation_measure_9"].is_i64(), "{attrs}");
    assert_eq!(c["conversation_label_10"], id.as_str());
    assert!(c.get("conversation_measure_10").is_none(), "not rated yet: {attrs}");
    let writes = app.sim.request_count(ApiOp::UpdateTask);
    assert_eq!(sweep(&app).await, 0, "written once");
    assert_eq!(app.sim.request_count(ApiOp::UpdateTask), writes);

    // A rating before the task completes is written too.
    let code = e["code"].as_str().unwrap();
    let rated = app.http.post(app.url(&format!("/v1/join/{code}/rating"))).json(&json!({ "stars": 4 })).send().await;
    assert_eq!(rated.unwrap().status(), 201);
    assert_eq!(sweep(&app).await, 1);
    let attrs = app.sim.task(&task.sid).unwrap().attributes;
    assert_eq!(attrs["conversations"]["conversation_measure_10"], 4, "{attrs}");
    assert_eq!(attrs["conversations"]["conversation_attribute_1"], "sales");

    // A task Flex already completed is left as it is (Insights has read it).
    let done = app.sim.add_task(&r.account.account_sid, &before, "assigned");
    let e = escalate_task(&app, &r, &flex, &done.sid).await;
    call_and_end(&app, &flex, &e).await;
    app.sim.set_task_status(&done.sid, "completed");
    assert_eq!(sweep(&app).await, 0);
    assert_eq!(app.sim.task(&done.sid).unwrap().attributes, before);
    assert_eq!(sweep(&app).await, 0, "and not tried again");

    // The contact center's own slots.
    let mapping =
        json!({ "customer_joined": "conversation_attribute_3", "call_duration_seconds": "conversation_measure_2" });
    let mine = admin.patch(&path, json!({ "flex_insights": { "mapping": mapping } })).await;
    assert_eq!(mine.status(), 200);
    let v: Value = mine.json().await.unwrap();
    assert_eq!(v["flex_insights"]["mapping"]["rating"], Value::Null, "the whole mapping is replaced: {v}");
    let own = app.sim.add_task(&r.account.account_sid, &json!({}), "wrapping");
    let e = escalate_task(&app, &r, &flex, &own.sid).await;
    call_and_end(&app, &flex, &e).await;
    assert_eq!(sweep(&app).await, 1);
    let c = app.sim.task(&own.sid).unwrap().attributes["conversations"].clone();
    let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["conversation_attribute_3", "conversation_measure_2"], "{c}");
}
