//! Shared set-up: a simulator on a free loopback port, a client for one of
//! its accounts, and a small webhook receiver.
#![allow(dead_code)]

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU16, Ordering},
    },
    time::Duration,
};

use escalate_twilio::{AccountClient, ClientOptions, Credentials, Endpoints, Secret, Twilio};
use poem::{EndpointExt, Request, Response, http::StatusCode};
use twilio_sim::{RunningSimulator, SimAccount, SimConfig, Simulator};

pub struct Env {
    pub sim: Simulator,
    pub running: RunningSimulator,
    pub account: SimAccount,
    pub twilio: Twilio,
    pub client: AccountClient,
}

/// Quick retries so the suite stays fast; the bounds in assertions follow from these.
pub fn fast_options(base_url: &str) -> ClientOptions {
    ClientOptions {
        endpoints: Endpoints::all(base_url),
        timeout: Duration::from_millis(500),
        max_retries: 3,
        backoff_base: Duration::from_millis(20),
        max_backoff: Duration::from_millis(1500),
        budget: Duration::from_secs(10),
    }
}

pub fn credentials(account: &SimAccount) -> Credentials {
    Credentials {
        location: Default::default(),
        account_sid: account.account_sid.clone(),
        api_key_sid: account.api_keys[0].0.clone(),
        api_key_secret: Secret::new(account.api_keys[0].1.clone()),
        auth_token: Secret::new(account.auth_token.clone()),
    }
}

pub async fn env() -> Env {
    env_with(SimConfig::default()).await
}

/// [`env`] with a simulator configured as `config` (plus the test account).
pub async fn env_with(config: SimConfig) -> Env {
    let account = SimAccount::generate("Test account");
    let sim = Simulator::new(config.with_account(account.clone()));
    let running = sim.clone().spawn("127.0.0.1:0").await.expect("simulator binds a loopback port");
    let twilio = Twilio::new(fast_options(&running.base_url));
    let client = twilio.account(credentials(&account));
    Env { sim, running, account, twilio, client }
}

/// One request a webhook receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub url: String,
    pub method: String,
    pub params: Vec<(String, String)>,
    pub signature: Option<String>,
    pub idempotency_token: Option<String>,
}

impl Received {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A webhook receiver on a free port that records every request and answers
/// `status` (200 by default), optionally after `delay`.
pub struct Receiver {
    pub base_url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub status: Arc<AtomicU16>,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start(delay: Duration) -> Self {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(200));
        let (store, answer) = (received.clone(), status.clone());
        let endpoint = poem::endpoint::make(move |req: Request| {
            let (store, answer) = (store.clone(), answer.clone());
            async move {
                let host = req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or_default().to_owned();
                let url = format!("http://{host}{}", req.uri());
                let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                let (signature, idempotency_token) =
                    (header("x-twilio-signature"), header("i-twilio-idempotency-token"));
                let method = req.method().to_string();
                let body = req.into_body().into_bytes().await.unwrap_or_default();
                let params: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
                tokio::time::sleep(delay).await;
                store.lock().unwrap().push(Received { url, method, params, signature, idempotency_token });
                Response::builder().status(StatusCode::from_u16(answer.load(Ordering::SeqCst)).unwrap()).finish()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
        let task = tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor).run(endpoint.map_to_response()).await;
        });
        Self { base_url: format!("http://{addr}"), received, status, _task: task }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Wait until at least `n` requests arrived (or fail after 5 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..500 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("expected {n} callbacks, got {:?}", self.received());
    }
}
