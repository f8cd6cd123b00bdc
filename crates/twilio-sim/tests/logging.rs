#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
//! What the client logs: one span per call with operation, path, attempts
//! and outcome, and never a credential or token.

mod common;

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use common::{credentials, env};
use escalate_twilio::{CreateRoom, Secret};
use twilio_sim::{ApiOp, Fault, FlexAgent};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn calls_are_traced_without_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    // The test runtime is single-threaded, so a thread-local default covers
    // the client, the simulator and its callback task.
    let _guard = tracing::subscriber::set_default(subscriber);

    let env = env().await;
    let flex_token = env.sim.mint_flex_token(&env.account.account_sid, FlexAgent::new("agent-x"));
    env.sim.set_fault(ApiOp::ValidateToken, Fault { status: Some(500), times: Some(1), ..Fault::default() });
    assert!(env.client.validate_flex_token(&flex_token).await.unwrap().valid);
    env.client.create_room(&CreateRoom::group("traced")).await.unwrap();
    let mut bad = credentials(&env.account);
    bad.api_key_secret = Secret::new("bad-secret-value-123");
    env.twilio.account(bad).fetch_account().await.unwrap_err();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("twilio.call"), "{log}");
    assert!(log.contains("op=\"validate_flex_token\"") || log.contains("op=validate_flex_token"), "{log}");
    assert!(log.contains("attempts=2"), "{log}");
    assert!(log.contains("outcome=\"ok\"") || log.contains("outcome=ok"), "{log}");
    assert!(log.contains("outcome=\"error\"") || log.contains("outcome=error"), "{log}");
    for secret in [
        env.account.auth_token.as_str(),
        env.account.api_keys[0].1.as_str(),
        "bad-secret-value-123",
        flex_token.as_str(),
    ] {
        assert!(!log.contains(secret), "a secret leaked into the log");
    }
}
