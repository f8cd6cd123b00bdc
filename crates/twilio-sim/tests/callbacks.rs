#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
//! Room status callbacks: signed, numbered, repeated, held and released out
//! of order, logged, and never blocking the API call that caused them.

mod common;

use std::time::{Duration, Instant};

use common::{Receiver, env};
use escalate_twilio::{CreateRoom, signature::verify_signature};
use twilio_sim::{CallbackMode, ReleaseOrder};

fn room_with_callback(name: &str, url: &str) -> CreateRoom {
    CreateRoom { status_callback: Some(url.to_owned()), ..CreateRoom::group(name) }
}

fn seq(r: &common::Received) -> u64 {
    r.param("SequenceNumber").unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_rooms_lifecycle_arrives_signed_and_in_sequence() {
    let env = env().await;
    let receiver = Receiver::start(Duration::ZERO).await;
    // Query string and explicit port are part of what is signed.
    let hook = format!("{}/webhooks/rooms/cc-1?tenant=t%201&x=ü", receiver.base_url);
    let room = env.client.create_room(&room_with_callback("lifecycle", &hook)).await.unwrap();
    env.sim.connect_participant(&room.sid, "agent:alice").unwrap();
    env.sim.connect_participant("lifecycle", "customer:1").unwrap();
    env.sim.disconnect_participant(&room.sid, "customer:1").unwrap();
    env.client.complete_room(&room.sid).await.unwrap();

    let got = receiver.wait_for(6).await;
    let events: Vec<&str> = got.iter().map(|r| r.param("StatusCallbackEvent").unwrap()).collect();
    assert_eq!(
        events,
        [
            "room-created",
            "participant-connected",
            "participant-connected",
            "participant-disconnected",
            "participant-disconnected", // alice, when the room ends
            "room-ended"
        ]
    );
    assert_eq!(got.iter().map(seq).collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5]);
    for r in &got {
        assert_eq!(r.method, "POST");
        let signature = r.signature.as_deref().expect("signed");
        assert!(verify_signature(&env.account.auth_token, &r.url, &r.params, signature), "signature for {r:?}");
        assert!(!verify_signature("another-token", &r.url, &r.params, signature));
        assert_eq!(r.param("AccountSid"), Some(env.account.account_sid.as_str()));
        assert_eq!(r.param("RoomSid"), Some(room.sid.as_str()));
        assert_eq!(r.param("RoomName"), Some("lifecycle"));
        assert_eq!(r.param("RoomType"), Some("group"));
        assert!(r.param("Timestamp").unwrap().parse::<chrono::DateTime<chrono::Utc>>().is_ok());
        assert!(r.idempotency_token.is_some());
    }
    assert!(got[0].url.contains("?tenant=t%201&x="), "URL delivered as configured: {}", got[0].url);
    assert_eq!(got[1].param("ParticipantIdentity"), Some("agent:alice"));
    assert_eq!(got[1].param("ParticipantStatus"), Some("connected"));
    assert!(got[1].param("ParticipantSid").unwrap().starts_with("PA"));
    assert_eq!(got[3].param("ParticipantIdentity"), Some("customer:1"));
    assert_eq!(got[3].param("ParticipantStatus"), Some("disconnected"));
    assert!(got[3].param("ParticipantDuration").is_some());
    assert_eq!(got[5].param("RoomStatus"), Some("completed"));
    assert!(got[5].param("RoomDuration").is_some());
    assert_eq!(got[0].param("RoomStatus"), Some("in-progress"));

    env.sim.flush_callbacks().await;
    let log = env.sim.callback_deliveries();
    assert_eq!(log.len(), 6);
    assert!(log.iter().all(|d| d.status == Some(200) && d.copy == 1));
}

#[tokio::test]
async fn repeated_callbacks_carry_the_same_sequence_number_and_token() {
    let env = env().await;
    let receiver = Receiver::start(Duration::ZERO).await;
    env.sim.set_callback_mode(CallbackMode { repeat: 3, hold: false });
    let hook = format!("{}/hook", receiver.base_url);
    let room = env.client.create_room(&room_with_callback("repeat", &hook)).await.unwrap();
    env.sim.connect_participant(&room.sid, "agent:a").unwrap();
    let got = receiver.wait_for(6).await;
    assert_eq!(got.iter().map(seq).collect::<Vec<_>>(), [0, 0, 0, 1, 1, 1]);
    assert!(got[..3].iter().all(|r| r.idempotency_token == got[0].idempotency_token));
    assert_ne!(got[0].idempotency_token, got[3].idempotency_token);
    env.sim.flush_callbacks().await;
    let copies: Vec<u32> = env.sim.callback_deliveries().iter().map(|d| d.copy).collect();
    assert_eq!(copies, [1, 2, 3, 1, 2, 3]);
}

#[tokio::test]
async fn held_callbacks_are_released_in_reverse() {
    let env = env().await;
    let receiver = Receiver::start(Duration::ZERO).await;
    env.sim.set_callback_mode(CallbackMode { repeat: 1, hold: true });
    let hook = format!("{}/hook", receiver.base_url);
    let room = env.client.create_room(&room_with_callback("held", &hook)).await.unwrap();
    env.sim.connect_participant(&room.sid, "agent:a").unwrap();
    env.sim.connect_participant(&room.sid, "customer:b").unwrap();
    env.sim.complete_room(&room.sid).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(receiver.received().is_empty(), "nothing is sent while held");
    assert_eq!(env.sim.held_callbacks(), 6);

    assert_eq!(env.sim.release_callbacks(ReleaseOrder::Reverse).await, 6);
    let got = receiver.received();
    assert_eq!(got.iter().map(seq).collect::<Vec<_>>(), [5, 4, 3, 2, 1, 0]);
    assert_eq!(got[0].param("StatusCallbackEvent"), Some("room-ended"));
    assert!(got.iter().all(|r| verify_signature(
        &env.account.auth_token,
        &r.url,
        &r.params,
        r.signature.as_deref().unwrap()
    )));
    assert_eq!(env.sim.held_callbacks(), 0);
}

#[tokio::test]
async fn shuffled_release_delivers_every_callback_once() {
    let env = env().await;
    let receiver = Receiver::start(Duration::ZERO).await;
    env.sim.set_callback_mode(CallbackMode { repeat: 1, hold: true });
    let hook = format!("{}/hook", receiver.base_url);
    let room = env.client.create_room(&room_with_callback("shuffle", &hook)).await.unwrap();
    for i in 0..9 {
        env.sim.connect_participant(&room.sid, &format!("p{i}")).unwrap();
    }
    env.sim.release_callbacks(ReleaseOrder::Shuffle).await;
    let mut seqs: Vec<u64> = receiver.received().iter().map(seq).collect();
    seqs.sort();
    assert_eq!(seqs, (0..10).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_slow_receiver_does_not_slow_the_api_and_its_answers_are_logged() {
    let env = env().await;
    let receiver = Receiver::start(Duration::from_millis(800)).await;
    receiver.status.store(500, std::sync::atomic::Ordering::SeqCst);
    let hook = format!("{}/hook", receiver.base_url);
    let started = Instant::now();
    let room = env.client.create_room(&room_with_callback("slow", &hook)).await.unwrap();
    env.client.complete_room(&room.sid).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(400), "API waited for callbacks: {:?}", started.elapsed());
    env.sim.flush_callbacks().await;
    let log = env.sim.callback_deliveries();
    assert_eq!(log.iter().map(|d| d.event.as_str()).collect::<Vec<_>>(), ["room-created", "room-ended"]);
    assert!(log.iter().all(|d| d.status == Some(500)));
}

#[tokio::test]
async fn an_unreachable_callback_url_is_logged_as_an_error() {
    let env = env().await;
    let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    env.client.create_room(&room_with_callback("nowhere", &format!("http://127.0.0.1:{port}/hook"))).await.unwrap();
    env.sim.flush_callbacks().await;
    let log = env.sim.callback_deliveries();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, None);
    assert!(log[0].error.is_some());
}

#[tokio::test]
async fn get_callbacks_carry_their_parameters_in_the_signed_url() {
    let env = env().await;
    let receiver = Receiver::start(Duration::ZERO).await;
    let req = CreateRoom {
        status_callback_method: Some("GET".into()),
        ..room_with_callback("get", &format!("{}/hook?cc=1", receiver.base_url))
    };
    env.client.create_room(&req).await.unwrap();
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].method, "GET");
    assert!(got[0].url.contains("StatusCallbackEvent=room-created"), "{}", got[0].url);
    assert!(verify_signature(&env.account.auth_token, &got[0].url, &[], got[0].signature.as_deref().unwrap()));
}

#[tokio::test]
async fn rooms_without_a_status_callback_send_nothing() {
    let env = env().await;
    let room = env.client.create_room(&CreateRoom::group("quiet")).await.unwrap();
    env.sim.connect_participant(&room.sid, "a").unwrap();
    env.sim.complete_room(&room.sid).unwrap();
    env.sim.flush_callbacks().await;
    assert!(env.sim.callback_deliveries().is_empty());
    let rooms = env.sim.rooms();
    assert_eq!(rooms[0].participants.len(), 1);
    assert_eq!(rooms[0].participants[0].status, twilio_sim::ParticipantStatus::Disconnected);
}
