//! Traces: a server process exports spans over OTLP/HTTP to a receiver in
//! this test; one escalation's spans arrive with the caller's trace id, the
//! tenant and contact center, database and Twilio child spans (one per SQL
//! statement, so a request's database cost is visible), and no secret.

use std::sync::{Arc, Mutex};

use escalate_e2e::{conversation_sid, spawn_app, task_sid};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Route, Server, handler, post};
use serde_json::{Value, json};
use twilio_sim::ApiOp;

type Received = Arc<Mutex<Vec<String>>>;

#[handler]
fn traces(Data(store): Data<&Received>, body: String) -> &'static str {
    store.lock().unwrap().push(body);
    "{}"
}

/// A minimal OTLP/HTTP (JSON) receiver.
async fn receiver() -> (String, Received) {
    let store: Received = Arc::default();
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().cloned().unwrap();
    let app = Route::new().at("/v1/traces", post(traces)).data(store.clone());
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}"), store)
}

fn attr<'a>(span: &'a Value, key: &str) -> Option<&'a str> {
    span["attributes"].as_array()?.iter().find(|a| a["key"] == key)?["value"]["stringValue"].as_str()
}

fn spans(received: &Received) -> Vec<Value> {
    let mut out = Vec::new();
    for body in received.lock().unwrap().iter() {
        let doc: Value = serde_json::from_str(body).unwrap();
        for rs in doc["resourceSpans"].as_array().into_iter().flatten() {
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                out.extend(ss["spans"].as_array().into_iter().flatten().cloned());
            }
        }
    }
    out
}

#[tokio::test]
async fn an_escalations_spans_arrive_over_otlp_with_ids_and_without_secrets() {
    let (otlp, received) = receiver().await;
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let replica =
        app.spawn_replica_with(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &otlp), ("OTEL_BSP_SCHEDULE_DELAY", "100")]).await;
    let flex = app.flex_token(&r.account, "alex");
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let resp = app
        .http
        .post(replica.url(&format!("/v1/contact-centers/{}/escalations", r.cc)))
        .bearer_auth(&flex)
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .json(&json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);

    let mut ours = Vec::new();
    for _ in 0..100 {
        ours = spans(&received).into_iter().filter(|s| s["traceId"] == trace_id).collect();
        if ours.iter().any(|s| s["name"] == "POST createEscalation") && ours.iter().any(|s| s["name"] == "twilio.call")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let request = ours.iter().find(|s| s["name"] == "POST createEscalation").unwrap_or_else(|| {
        panic!(
            "no request span among {:?}\n{}",
            ours.iter().map(|s| (s["name"].clone(), attr(s, "http.route").map(str::to_owned))).collect::<Vec<_>>(),
            replica.logs()
        )
    });
    assert_eq!(request["parentSpanId"], "00f067aa0ba902b7", "continues the caller's trace");
    assert_eq!(attr(request, "tenant_id"), Some(r.tenant.id.to_string().as_str()));
    assert_eq!(attr(request, "contact_center_id"), Some(r.cc.as_str()));
    assert_eq!(attr(request, "http.route"), Some("createEscalation"));
    let twilio: Vec<&Value> = ours.iter().filter(|s| s["name"] == "twilio.call").collect();
    let ops: Vec<&str> = twilio.iter().filter_map(|s| attr(s, "op")).collect();
    assert!(ops.contains(&"create_room") && ops.contains(&"create_message"), "{ops:?}");
    let db_ops: Vec<&str> = ours.iter().filter(|s| s["name"] == "db").filter_map(|s| attr(s, "db.operation")).collect();
    assert!(db_ops.contains(&"insert_escalation") && db_ops.contains(&"open_escalation"), "{db_ops:?}");
    // A cold create (a Flex token not seen before) costs at most 7 statements:
    // the contact center, its credentials and data key once each, the insert
    // and the one-statement open.
    let statements: Vec<&str> =
        ours.iter().filter(|s| s["name"] == "db.query").filter_map(|s| attr(s, "db.statement.kind")).collect();
    assert!((5..=7).contains(&statements.len()), "{} statements: {statements:?} in {db_ops:?}", statements.len());
    assert_eq!(statements.iter().filter(|k| **k == "INSERT").count(), 1, "{statements:?}");

    // The trace went on to Twilio.
    let create_room = app.sim.requests().into_iter().find(|q| q.op == Some(ApiOp::CreateRoom)).unwrap();
    assert!(create_room.traceparent.as_deref().unwrap_or_default().contains(trace_id), "{create_room:?}");

    // Nothing secret was exported.
    let raw = received.lock().unwrap().join("\n");
    for secret in [&r.account.auth_token, &r.account.api_keys[0].1, &flex] {
        assert!(!raw.contains(secret.as_str()), "a secret reached the trace export");
    }
}
