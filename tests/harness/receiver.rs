//! A webhook receiver for the tests: a real HTTP server on loopback that
//! records what it is sent and can be told to fail, hang or answer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use poem::http::{HeaderMap, StatusCode};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Request, Response, Route, Server, handler, post};

/// How the receiver answers the next requests.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    Ok,
    /// Answers this status.
    Fail(u16),
    /// Sleeps this long before answering 200 (longer than the sender's timeout).
    Hang(Duration),
}

/// A request the receiver acknowledged with a 2xx.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct State {
    mode: Mutex<Option<Mode>>,
    acknowledged: Mutex<Vec<Received>>,
    attempts: AtomicUsize,
}

pub struct Receiver {
    pub url: String,
    state: Arc<State>,
}

#[handler]
async fn hook(req: &Request, body: Vec<u8>, Data(state): Data<&Arc<State>>) -> Response {
    state.attempts.fetch_add(1, Ordering::SeqCst);
    let mode = state.mode.lock().unwrap().unwrap_or(Mode::Ok);
    match mode {
        Mode::Fail(code) => return Response::builder().status(StatusCode::from_u16(code).unwrap()).body("nope"),
        Mode::Hang(d) => {
            tokio::time::sleep(d).await;
            return Response::builder().status(StatusCode::OK).finish();
        }
        Mode::Ok => {}
    }
    state.acknowledged.lock().unwrap().push(Received { headers: req.headers().clone(), body });
    Response::builder().status(StatusCode::NO_CONTENT).finish()
}

impl Receiver {
    pub async fn start() -> Self {
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
        let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
        let state = Arc::new(State::default());
        let app = Route::new().at("/hook", post(hook)).data(state.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Self { url: format!("http://127.0.0.1:{port}/hook"), state }
    }

    pub fn set(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = Some(mode);
    }

    /// Every request that got a 2xx, in the order they arrived.
    pub fn acknowledged(&self) -> Vec<Received> {
        self.state.acknowledged.lock().unwrap().clone()
    }

    /// Every request, whatever was answered.
    pub fn attempts(&self) -> usize {
        self.state.attempts.load(Ordering::SeqCst)
    }

    /// Waits until `n` requests were acknowledged (at most `timeout`).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let got = self.acknowledged();
            if got.len() >= n || std::time::Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
