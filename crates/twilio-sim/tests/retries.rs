#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
//! Retries, backoff and time bounds under injected faults. Attempts are
//! counted from the simulator's request log. Timing bounds follow from
//! `common::fast_options`: timeout 500 ms, 3 retries, backoff 20 ms doubling,
//! pauses capped at 1.5 s.

mod common;

use std::time::{Duration, Instant};

use common::env;
use escalate_twilio::{CreateMessage, CreateRoom, TwilioError};
use twilio_sim::{ApiOp, Fault};

const CH: &str = "CH0123456789abcdef0123456789abcdef";

fn status(status: u16, times: u32) -> Fault {
    Fault { status: Some(status), times: Some(times), ..Fault::default() }
}

fn latency(ms: u64, times: Option<u32>) -> Fault {
    Fault { latency_ms: ms, times, ..Fault::default() }
}

fn message() -> CreateMessage {
    CreateMessage { author: None, body: "join us".into(), attributes: None }
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_retry_after_pause() {
    let env = env().await;
    env.sim.set_fault(ApiOp::FetchAccount, Fault { retry_after_secs: Some(1), ..status(429, 1) });
    let started = Instant::now();
    env.client.fetch_account_with_auth_token().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(env.sim.request_count(ApiOp::FetchAccount), 2);
    assert!(elapsed >= Duration::from_secs(1), "Retry-After honoured: {elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[tokio::test]
async fn a_retry_after_longer_than_our_own_pauses_is_honoured_within_the_budget() {
    let env = env().await;
    env.sim.set_fault(ApiOp::FetchRoom, Fault { retry_after_secs: Some(2), ..status(429, 1) });
    env.client.create_room(&escalate_twilio::CreateRoom::group("patient")).await.unwrap();
    let started = Instant::now();
    env.client.fetch_room("patient").await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(2), "waited as Twilio asked: {:?}", started.elapsed());
}

#[tokio::test]
async fn a_retry_after_beyond_the_calls_budget_gives_up_at_once() {
    let env = env().await;
    env.sim.set_fault(ApiOp::FetchRoom, Fault { retry_after_secs: Some(30), ..status(429, 5) });
    let started = Instant::now();
    let err = env.client.fetch_room("anything").await.unwrap_err();
    assert_eq!(err, TwilioError::RateLimited { retry_after: Some(Duration::from_secs(30)) });
    assert_eq!(err.status(), Some(429));
    assert_eq!(env.sim.request_count(ApiOp::FetchRoom), 1);
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn server_errors_are_retried_until_they_pass() {
    let env = env().await;
    env.sim.set_fault(ApiOp::FetchAccount, status(500, 2));
    env.client.fetch_account_with_auth_token().await.unwrap();
    assert_eq!(env.sim.request_count(ApiOp::FetchAccount), 3);

    env.sim.set_fault(ApiOp::ValidateToken, status(503, 1));
    let answer = env.client.validate_flex_token("unknown").await.unwrap();
    assert!(!answer.valid);
    assert_eq!(env.sim.request_count(ApiOp::ValidateToken), 2);
}

#[tokio::test]
async fn persistent_server_errors_stop_after_max_retries_within_the_bound() {
    let env = env().await;
    env.sim.set_fault(ApiOp::UpdateRoom, status(500, 100));
    let started = Instant::now();
    let err = env.client.complete_room("RM00000000000000000000000000000000").await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.code(), Some(20500));
    assert!(err.is_retryable());
    assert_eq!(env.sim.request_count(ApiOp::UpdateRoom), 4, "1 attempt + 3 retries");
    // Backoff ceilings 20 + 40 + 80 ms.
    assert!(started.elapsed() < Duration::from_millis(1000), "{:?}", started.elapsed());
}

#[tokio::test]
async fn timeouts_are_retried_for_idempotent_calls() {
    let env = env().await;
    env.sim.set_fault(ApiOp::FetchAccount, latency(2000, Some(1)));
    let started = Instant::now();
    env.client.fetch_account_with_auth_token().await.unwrap();
    assert_eq!(env.sim.request_count(ApiOp::FetchAccount), 2);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(500) && elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[tokio::test]
async fn persistent_timeouts_end_in_timeout_within_the_bound() {
    let env = env().await;
    env.sim.set_fault(ApiOp::FetchRoom, latency(5000, None));
    let started = Instant::now();
    let err = env.client.fetch_room("x").await.unwrap_err();
    assert_eq!(err, TwilioError::Timeout);
    assert_eq!(env.sim.request_count(ApiOp::FetchRoom), 4);
    // 4 attempts x 500 ms + backoff (< 140 ms) + slack.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(2) && elapsed < Duration::from_millis(3000), "{elapsed:?}");
}

#[tokio::test]
async fn room_creation_is_retried_after_errors_and_timeouts_without_duplicates() {
    let env = env().await;
    env.sim.set_fault(ApiOp::CreateRoom, status(500, 1));
    let room = env.client.create_room(&CreateRoom::group("after-500")).await.unwrap();
    assert_eq!(env.sim.request_count(ApiOp::CreateRoom), 2);
    assert_eq!(env.sim.rooms().len(), 1);
    assert_eq!(env.sim.rooms()[0].sid, room.sid);

    env.sim.set_fault(ApiOp::CreateRoom, latency(1000, Some(1)));
    env.client.create_room(&CreateRoom::group("after-timeout")).await.unwrap();
    assert_eq!(env.sim.request_count(ApiOp::CreateRoom), 4);
    // The slow first attempt may still finish on the server after the client
    // gave up; the retry then meets "room exists" and fetches. Either way:
    // one room per name.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let names: Vec<String> = env.sim.rooms().into_iter().map(|r| r.unique_name).collect();
    assert_eq!(names.iter().filter(|n| *n == "after-timeout").count(), 1, "{names:?}");
}

#[tokio::test]
async fn messages_are_not_resent_after_a_server_error() {
    let env = env().await;
    env.sim.set_fault(ApiOp::CreateMessage, status(500, 1));
    let err = env.client.create_message(None, CH, &message()).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(env.sim.request_count(ApiOp::CreateMessage), 1);
}

#[tokio::test]
async fn messages_are_not_resent_after_a_timeout() {
    let env = env().await;
    env.sim.set_fault(ApiOp::CreateMessage, latency(1000, Some(1)));
    let err = env.client.create_message(None, CH, &message()).await.unwrap_err();
    assert_eq!(err, TwilioError::Timeout);
    assert_eq!(env.sim.request_count(ApiOp::CreateMessage), 1);
    // The server finishes the slow request after the client left: exactly one message.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(env.sim.messages().len() <= 1);
}

#[tokio::test]
async fn messages_are_not_resent_after_a_dropped_connection() {
    let env = env().await;
    env.sim.set_fault(ApiOp::CreateMessage, Fault { drop_connection: true, times: Some(1), ..Fault::default() });
    let err = env.client.create_message(None, CH, &message()).await.unwrap_err();
    assert!(matches!(err, TwilioError::Transport(_)), "{err:?}");
    assert_eq!(env.sim.request_count(ApiOp::CreateMessage), 1);
    assert_eq!(env.sim.messages().len(), 1, "processed once, never duplicated");
}

#[tokio::test]
async fn messages_are_resent_after_a_rate_limit() {
    let env = env().await;
    env.sim.set_fault(ApiOp::CreateMessage, Fault { retry_after_secs: Some(0), ..status(429, 2) });
    let msg = env.client.create_message(None, CH, &message()).await.unwrap();
    assert_eq!(msg.index, 0);
    assert_eq!(env.sim.request_count(ApiOp::CreateMessage), 3);
    assert_eq!(env.sim.messages().len(), 1);
}

#[tokio::test]
async fn rate_limits_that_never_end_surface_as_rate_limited() {
    let env = env().await;
    env.sim.set_fault(ApiOp::FetchAccount, status(429, 100));
    let err = env.client.fetch_account_with_auth_token().await.unwrap_err();
    assert_eq!(err, TwilioError::RateLimited { retry_after: None });
    assert_eq!(env.sim.request_count(ApiOp::FetchAccount), 4);
}
