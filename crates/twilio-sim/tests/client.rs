#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
//! The escalate-twilio client against the simulator over loopback HTTP:
//! every call's success and error classes.

mod common;

use std::time::Duration;

use common::{credentials, env};
use escalate_twilio::{AccountStatus, CreateMessage, CreateRoom, RoomStatus, RoomType, Secret, TwilioError};
use serde_json::json;
use twilio_sim::{ApiOp, FlexAgent, SimAccount};

fn is_sid(value: &str, prefix: &str) -> bool {
    value.len() == 34 && value.starts_with(prefix) && value[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn api_error(err: &TwilioError) -> (u16, Option<u32>) {
    match err {
        TwilioError::Api { status, code, .. } => (*status, *code),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_standard_api_key_is_refused_on_accounts_as_twilio_does_and_checks_out_on_rooms() {
    let env = env().await;
    // Twilio makes Standard keys by default; its /Accounts endpoints need the
    // auth token or a Main key.
    let err = env.client.fetch_account().await.unwrap_err();
    assert_eq!(api_error(&err), (401, Some(20003)));
    env.client.check_api_key().await.unwrap();
    let account = env.client.fetch_account_with_auth_token().await.unwrap();
    assert_eq!(account.sid, env.account.account_sid);
    assert_eq!(account.friendly_name, "Test account");
    assert_eq!(account.status, AccountStatus::Active);
    // A Main key may fetch the account.
    let mut main = SimAccount::generate("Main key account");
    main.main_keys = vec![main.api_keys[0].0.clone()];
    env.sim.add_account(main.clone());
    env.twilio.account(credentials(&main)).fetch_account().await.unwrap();
}

#[tokio::test]
async fn an_api_key_answers_only_in_its_own_region() {
    let env = env().await;
    let mut dublin = SimAccount::generate("Dublin account");
    dublin.key_regions.insert(dublin.api_keys[0].0.clone(), "ie1".into());
    env.sim.add_account(dublin.clone());
    let mut creds = credentials(&dublin);
    assert_eq!(api_error(&env.twilio.account(creds.clone()).check_api_key().await.unwrap_err()), (401, Some(20003)));
    creds.location = escalate_twilio::Location { region: Some("ie1".into()), edge: Some("dublin".into()) };
    let client = env.twilio.account(creds);
    client.check_api_key().await.unwrap();
    let room = client.create_room(&CreateRoom::group("in-dublin")).await.unwrap();
    assert_eq!(room.unique_name, "in-dublin");
    let last = env.sim.requests().into_iter().last().unwrap();
    assert_eq!(last.path, "/v1/Rooms");
}

#[test]
fn a_validation_answer_with_null_roles_reads_as_no_roles() {
    let answer: escalate_twilio::FlexTokenValidation = serde_json::from_value(json!({
        "valid": true, "code": 0, "identity": "alex", "roles": null, "expiration": "2026-12-02T08:00:00.000Z"
    }))
    .unwrap();
    assert!(answer.roles.is_empty());
}

#[test]
fn regional_hosts_are_built_as_twilio_node_builds_them() {
    use escalate_twilio::regional_host;
    assert_eq!(regional_host("video.twilio.com", Some("dublin"), Some("ie1")), "video.dublin.ie1.twilio.com");
    assert_eq!(regional_host("video.twilio.com", None, Some("au1")), "video.au1.twilio.com");
    assert_eq!(regional_host("api.twilio.com", Some("sydney"), None), "api.sydney.us1.twilio.com");
    assert_eq!(regional_host("conversations.twilio.com", None, None), "conversations.twilio.com");
    assert_eq!(regional_host("video.ie1.twilio.com", Some("dublin"), None), "video.dublin.ie1.twilio.com");
}

#[tokio::test]
async fn bad_credentials_are_401_with_twilio_code_20003_and_never_echo_the_secret() {
    let env = env().await;
    let mut creds = credentials(&env.account);
    creds.api_key_secret = Secret::new("wrong-key-secret");
    creds.auth_token = Secret::new("wrong-auth-token");
    let client = env.twilio.account(creds);

    let err = client.fetch_account_with_auth_token().await.unwrap_err();
    assert_eq!(api_error(&err), (401, Some(20003)));
    assert!(!err.is_retryable());
    let err = client.validate_flex_token("whatever").await.unwrap_err();
    assert_eq!(api_error(&err), (401, Some(20003)));
    let err = client.create_room(&CreateRoom::group("r1")).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("wrong-key-secret") && !shown.contains("wrong-auth-token"));
    // 401s are not retried: one request each.
    assert_eq!(env.sim.request_count(ApiOp::FetchAccount), 1);
    assert_eq!(env.sim.request_count(ApiOp::CreateRoom), 1);
}

#[tokio::test]
async fn create_fetch_and_complete_a_room() {
    let env = env().await;
    let req = CreateRoom {
        unique_name: "esc-1".into(),
        room_type: RoomType::Group,
        status_callback: Some("http://127.0.0.1:9/hook".into()),
        status_callback_method: Some("POST".into()),
        max_participants: Some(2),
        empty_room_timeout: Some(3),
        unused_room_timeout: Some(7),
        record_participants_on_connect: Some(false),
    };
    let room = env.client.create_room(&req).await.unwrap();
    assert!(is_sid(&room.sid, "RM"), "{}", room.sid);
    assert_eq!(room.status, RoomStatus::InProgress);
    assert_eq!(room.unique_name, "esc-1");
    assert_eq!(room.account_sid, env.account.account_sid);
    assert_eq!(room.room_type, RoomType::Group);
    assert_eq!((room.max_participants, room.empty_room_timeout, room.unused_room_timeout), (Some(2), Some(3), Some(7)));
    assert_eq!(room.status_callback.as_deref(), Some("http://127.0.0.1:9/hook"));
    assert!(room.url.ends_with(&format!("/v1/Rooms/{}", room.sid)));

    assert_eq!(env.client.fetch_room(&room.sid).await.unwrap(), room);
    assert_eq!(env.client.fetch_room("esc-1").await.unwrap().sid, room.sid);

    let done = env.client.complete_room(&room.sid).await.unwrap();
    assert_eq!(done.status, RoomStatus::Completed);
    assert!(done.end_time.is_some() && done.duration.is_some());
    // Completing again is harmless; a name only resolves to an in-progress room.
    assert_eq!(env.client.complete_room(&room.sid).await.unwrap().status, RoomStatus::Completed);
    assert_eq!(api_error(&env.client.fetch_room("esc-1").await.unwrap_err()), (404, Some(20404)));
    // The name is free again.
    let next = env.client.create_room(&CreateRoom::group("esc-1")).await.unwrap();
    assert_ne!(next.sid, room.sid);
}

#[tokio::test]
async fn unique_names_with_reserved_characters_round_trip() {
    let env = env().await;
    let room = env.client.create_room(&CreateRoom::group("tenant a/esc 1?x")).await.unwrap();
    assert_eq!(env.client.fetch_room("tenant a/esc 1?x").await.unwrap().sid, room.sid);
}

#[tokio::test]
async fn unknown_and_foreign_rooms_are_404() {
    let env = env().await;
    let err = env.client.fetch_room("RM00000000000000000000000000000000").await.unwrap_err();
    assert_eq!(api_error(&err), (404, Some(20404)));
    assert!(!err.is_retryable());

    let other = SimAccount::generate("Other tenant");
    env.sim.add_account(other.clone());
    let theirs = env.twilio.account(credentials(&other)).create_room(&CreateRoom::group("theirs")).await.unwrap();
    assert_eq!(env.client.fetch_room(&theirs.sid).await.unwrap_err().status(), Some(404));
    assert_eq!(env.client.complete_room(&theirs.sid).await.unwrap_err().status(), Some(404));
    // Unique names are per account, too.
    env.client.create_room(&CreateRoom::group("theirs")).await.unwrap();
}

#[tokio::test]
async fn invalid_room_parameters_are_400_and_not_retried() {
    let env = env().await;
    let cases = [
        (CreateRoom { empty_room_timeout: Some(0), ..CreateRoom::group("a") }, 53109),
        (CreateRoom { unused_room_timeout: Some(61), ..CreateRoom::group("b") }, 53109),
        (CreateRoom { max_participants: Some(51), ..CreateRoom::group("c") }, 53107),
        (CreateRoom { status_callback: Some("ftp://x".into()), ..CreateRoom::group("d") }, 53111),
        (CreateRoom { status_callback_method: Some("PUT".into()), ..CreateRoom::group("e") }, 53110),
        (CreateRoom { unique_name: "n".repeat(129), ..CreateRoom::group("") }, 53102),
    ];
    for (req, code) in &cases {
        let err = env.client.create_room(req).await.unwrap_err();
        assert_eq!(api_error(&err), (400, Some(*code)), "{req:?}");
    }
    assert_eq!(env.sim.request_count(ApiOp::CreateRoom), cases.len());
    assert!(env.sim.rooms().is_empty());
}

#[tokio::test]
async fn a_duplicate_unique_name_on_the_first_attempt_is_an_error() {
    let env = env().await;
    env.client.create_room(&CreateRoom::group("dup")).await.unwrap();
    let err = env.client.create_room(&CreateRoom::group("dup")).await.unwrap_err();
    assert_eq!(api_error(&err), (400, Some(53113)));
    assert_eq!(env.sim.rooms().len(), 1);
}

#[tokio::test]
async fn a_retry_that_finds_the_room_exists_returns_that_room() {
    let env = env().await;
    // The first attempt creates the room but the answer is lost.
    env.sim.set_fault(
        ApiOp::CreateRoom,
        twilio_sim::Fault { drop_connection: true, times: Some(1), ..Default::default() },
    );
    let room = env.client.create_room(&CreateRoom::group("idem")).await.unwrap();
    let rooms = env.sim.rooms();
    assert_eq!(rooms.len(), 1, "exactly one room");
    assert_eq!(room.sid, rooms[0].sid);
    assert_eq!(env.sim.request_count(ApiOp::CreateRoom), 2);
    assert_eq!(env.sim.request_count(ApiOp::FetchRoom), 1);
}

#[tokio::test]
async fn messages_are_posted_with_attributes_and_increasing_index() {
    let env = env().await;
    let ch = "CH0123456789abcdef0123456789abcdef";
    let msg = CreateMessage {
        author: Some("Video bot".into()),
        body: "Please join me on video: https://x/join/ABC 🎥".into(),
        attributes: Some(json!({"videoUrl": "https://x/join/ABC", "uniqueCode": "ABC"})),
    };
    let first = env.client.create_message(None, ch, &msg).await.unwrap();
    assert!(is_sid(&first.sid, "IM"));
    assert_eq!(first.index, 0);
    assert_eq!(first.conversation_sid, ch);
    assert_eq!(first.author.as_deref(), Some("Video bot"));
    assert_eq!(first.body.as_deref(), Some(msg.body.as_str()));
    assert_eq!(first.attributes, json!({"videoUrl": "https://x/join/ABC", "uniqueCode": "ABC"}));

    let second = env
        .client
        .create_message(None, ch, &CreateMessage { author: None, body: "2".into(), attributes: None })
        .await
        .unwrap();
    assert_eq!(second.index, 1);
    assert_eq!(second.author.as_deref(), Some("system"));
    assert_eq!(second.attributes, json!({}));
    let other = env.client.create_message(None, "CH0123456789abcdef0123456789abcde0", &msg).await.unwrap();
    assert_eq!(other.index, 0, "indexes count per conversation");

    let stored = env.sim.messages();
    assert_eq!(stored.len(), 3);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&stored[0].attributes).unwrap()["uniqueCode"], "ABC");
}

#[tokio::test]
async fn invalid_messages_are_rejected() {
    let env = env().await;
    let ok_body = CreateMessage { author: None, body: "hi".into(), attributes: None };
    let err = env.client.create_message(None, "CHnot-a-sid", &ok_body).await.unwrap_err();
    assert_eq!(api_error(&err), (404, Some(20404)));
    let ch = "CH0123456789abcdef0123456789abcdef";
    let long = CreateMessage { author: None, body: "é".repeat(1601), attributes: None };
    assert_eq!(env.client.create_message(None, ch, &long).await.unwrap_err().status(), Some(400));
    let exactly = CreateMessage { author: None, body: "é".repeat(1600), attributes: None };
    env.client.create_message(None, ch, &exactly).await.unwrap();
    let empty = CreateMessage { author: None, body: String::new(), attributes: None };
    assert_eq!(env.client.create_message(None, ch, &empty).await.unwrap_err().status(), Some(400));
    assert_eq!(env.sim.messages().len(), 1);
}

#[tokio::test]
async fn flex_tokens_validate_for_their_account_only_and_until_they_expire() {
    let env = env().await;
    let agent = FlexAgent {
        identity: "alice@example.com".into(),
        worker_sid: Some("WK0123456789abcdef0123456789abcdef".into()),
        roles: vec!["agent".into(), "supervisor".into()],
        ttl: Duration::from_secs(600),
    };
    let token = env.sim.mint_flex_token(&env.account.account_sid, agent);
    let valid = env.client.validate_flex_token(&token).await.unwrap();
    assert!(valid.valid);
    assert_eq!(valid.code, 0);
    assert_eq!(valid.message, None);
    assert_eq!(valid.identity.as_deref(), Some("alice@example.com"));
    assert_eq!(valid.worker_sid.as_deref(), Some("WK0123456789abcdef0123456789abcdef"));
    assert_eq!(valid.roles, vec!["agent", "supervisor"]);
    assert!(valid.flex_instance_sid.as_deref().is_some_and(|s| is_sid(s, "GO")));
    assert!(valid.realm_user_id.is_some());
    let expires = valid.expiration.unwrap();
    let ahead = expires - chrono::Utc::now();
    assert!(ahead > chrono::Duration::seconds(590) && ahead <= chrono::Duration::seconds(600), "{ahead}");

    let unknown = env.client.validate_flex_token("not-a-token").await.unwrap();
    assert!(!unknown.valid);
    assert_eq!(unknown.code, 20101);
    assert!(unknown.message.is_some() && unknown.identity.is_none());

    let other = SimAccount::generate("Other");
    env.sim.add_account(other.clone());
    let foreign = env.sim.mint_flex_token(&other.account_sid, FlexAgent::new("bob"));
    let answer = env.client.validate_flex_token(&foreign).await.unwrap();
    assert_eq!((answer.valid, answer.code), (false, 20103));

    let expired =
        env.sim.mint_flex_token(&env.account.account_sid, FlexAgent { ttl: Duration::ZERO, ..FlexAgent::new("carol") });
    let answer = env.client.validate_flex_token(&expired).await.unwrap();
    assert_eq!((answer.valid, answer.code), (false, 20104));
}

#[tokio::test]
async fn an_unreachable_twilio_is_a_transport_error_within_the_bound() {
    // Bind and drop a listener to get a port nobody answers on.
    let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let account = SimAccount::generate("x");
    let twilio = escalate_twilio::Twilio::new(common::fast_options(&format!("http://127.0.0.1:{port}")));
    let started = std::time::Instant::now();
    let err = twilio.account(credentials(&account)).fetch_account().await.unwrap_err();
    assert!(matches!(err, TwilioError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(5));
}
