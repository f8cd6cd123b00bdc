#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
//! The `/_sim/` control API over HTTP, as the standalone simulator is driven.

mod common;

use std::time::Duration;

use common::{Receiver, credentials, env};
use escalate_twilio::{CreateRoom, TwilioError};
use serde_json::{Value, json};
use twilio_sim::SimAccount;

async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn accounts_and_flex_tokens_via_the_control_api() {
    let env = env().await;
    let base = &env.running.base_url;
    let account = SimAccount::generate("Added over HTTP");
    let (status, _) =
        call(reqwest::Method::POST, format!("{base}/_sim/accounts"), Some(serde_json::to_value(&account).unwrap()))
            .await;
    assert_eq!(status, 201);
    let client = env.twilio.account(credentials(&account));
    assert_eq!(client.fetch_account_with_auth_token().await.unwrap().friendly_name, "Added over HTTP");

    let (status, body) = call(
        reqwest::Method::POST,
        format!("{base}/_sim/flex-tokens"),
        Some(json!({"account_sid": account.account_sid, "identity": "dave", "roles": ["supervisor"], "ttl": 120})),
    )
    .await;
    assert_eq!(status, 201);
    let answer = client.validate_flex_token(body["token"].as_str().unwrap()).await.unwrap();
    assert!(answer.valid);
    assert_eq!(answer.identity.as_deref(), Some("dave"));
    assert_eq!(answer.roles, ["supervisor"]);
}

#[tokio::test]
async fn rooms_participants_callbacks_and_faults_via_the_control_api() {
    let env = env().await;
    let base = &env.running.base_url;
    let receiver = Receiver::start(Duration::ZERO).await;
    let (status, mode) =
        call(reqwest::Method::PUT, format!("{base}/_sim/callbacks/mode"), Some(json!({"repeat": 2, "hold": true})))
            .await;
    assert_eq!((status, mode), (200, json!({"repeat": 2, "hold": true})));

    let req = CreateRoom { status_callback: Some(format!("{}/hook", receiver.base_url)), ..CreateRoom::group("ctl") };
    let room = env.client.create_room(&req).await.unwrap();
    let (status, participant) = call(
        reqwest::Method::POST,
        format!("{base}/_sim/rooms/ctl/participants"),
        Some(json!({"identity": "customer:x"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(participant["status"], "connected");
    let (status, _) =
        call(reqwest::Method::POST, format!("{base}/_sim/rooms/{}/participants/customer:x/disconnect", room.sid), None)
            .await;
    assert_eq!(status, 200);
    let (status, ended) = call(reqwest::Method::POST, format!("{base}/_sim/rooms/{}/complete", room.sid), None).await;
    assert_eq!((status, ended["status"].as_str()), (200, Some("completed")));
    let (status, _) = call(reqwest::Method::POST, format!("{base}/_sim/rooms/nope/complete"), None).await;
    assert_eq!(status, 404);

    let (_, released) =
        call(reqwest::Method::POST, format!("{base}/_sim/callbacks/release"), Some(json!({"order": "reverse"}))).await;
    assert_eq!(released, json!({"released": 4}));
    let (_, log) = call(reqwest::Method::GET, format!("{base}/_sim/callbacks"), None).await;
    let seqs: Vec<u64> = log.as_array().unwrap().iter().map(|d| d["sequence_number"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [3, 3, 2, 2, 1, 1, 0, 0]);
    assert_eq!(receiver.received().len(), 8);

    let (_, rooms) = call(reqwest::Method::GET, format!("{base}/_sim/rooms"), None).await;
    assert_eq!(rooms[0]["participants"][0]["identity"], "customer:x");

    let (status, _) = call(
        reqwest::Method::PUT,
        format!("{base}/_sim/faults/fetch_account"),
        Some(json!({"status": 503, "times": 10})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(env.client.fetch_account_with_auth_token().await.unwrap_err().status(), Some(503));
    let (status, _) = call(reqwest::Method::PUT, format!("{base}/_sim/faults/bogus"), Some(json!({}))).await;
    assert_eq!(status, 400);
    call(reqwest::Method::DELETE, format!("{base}/_sim/faults"), None).await;
    env.client.fetch_account_with_auth_token().await.unwrap();

    let (_, requests) = call(reqwest::Method::GET, format!("{base}/_sim/requests"), None).await;
    let fetches = requests.as_array().unwrap().iter().filter(|r| r["op"] == "fetch_account").count();
    assert_eq!(fetches, 5);

    let (status, _) = call(reqwest::Method::POST, format!("{base}/_sim/reset"), None).await;
    assert_eq!(status, 200);
    let (_, rooms) = call(reqwest::Method::GET, format!("{base}/_sim/rooms"), None).await;
    assert_eq!(rooms, json!([]));
    // Accounts survive a reset.
    env.client.fetch_account_with_auth_token().await.unwrap();
}

#[tokio::test]
async fn twilio_paths_that_do_not_exist_are_twilio_404s() {
    let env = env().await;
    let base = &env.running.base_url;
    let (status, body) = call(reqwest::Method::GET, format!("{base}/v1/Nope"), None).await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], 20404);
    assert_eq!(body["status"], 404);
    assert!(body["more_info"].as_str().unwrap().contains("20404"));
    // No credentials at all.
    let (status, body) = call(reqwest::Method::POST, format!("{base}/v1/Rooms"), None).await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(20003)));
    let (status, body) = call(reqwest::Method::DELETE, format!("{base}/v1/Rooms"), None).await;
    assert_eq!((status, body["code"].as_u64()), (405, Some(20004)));
}

#[tokio::test]
async fn credentials_of_one_account_do_not_open_another() {
    let env = env().await;
    let other = SimAccount::generate("Other");
    env.sim.add_account(other.clone());
    // Our API key, their account SID in the path.
    let mut creds = credentials(&env.account);
    creds.account_sid = other.account_sid.clone();
    let err = env.twilio.account(creds).fetch_account().await.unwrap_err();
    assert!(matches!(err, TwilioError::Api { status: 401, code: Some(20003), .. }), "{err:?}");
}

#[tokio::test]
async fn the_standalone_server_serves_on_a_listener() {
    let account = SimAccount::generate("Standalone");
    let config = twilio_sim::SimConfig::parse_accounts(&format!(
        "{}:{}:{}:{}",
        account.account_sid, account.auth_token, account.api_keys[0].0, account.api_keys[0].1
    ))
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(twilio_sim::Simulator::new(config).serve(listener));
    let twilio = escalate_twilio::Twilio::new(common::fast_options(&base));
    let fetched = twilio.account(credentials(&account)).fetch_account_with_auth_token().await.unwrap();
    assert_eq!(fetched.sid, account.account_sid);
    server.abort();
}
