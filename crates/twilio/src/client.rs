//! The HTTP client: one connection pool, per-tenant credentials, retries.

use std::{error::Error as _, sync::Arc, time::Duration};

use reqwest::{Method, header::RETRY_AFTER};
use serde::de::DeserializeOwned;
use tracing::{Instrument, field};
use url::Url;

use crate::{
    Account, ClientOptions, CreateMessage, CreateRoom, FlexTokenValidation, Message, ROOM_EXISTS_CODE, Room, Secret,
    TwilioError,
    retry::{AttemptError, Backoff, Resend},
};

/// Shared by all tenants: cloning is cheap and reuses the connection pool.
#[derive(Clone)]
pub struct Twilio {
    http: reqwest::Client,
    opts: Arc<ClientOptions>,
    observer: Option<Arc<dyn CallObserver>>,
    injector: Option<Arc<HeaderInjector>>,
}

/// Adds headers to every outgoing request (W3C `traceparent`, say). It runs
/// inside the call's tracing span, so it sees that span as current.
pub type HeaderInjector = dyn Fn(&mut reqwest::header::HeaderMap) + Send + Sync;

/// Told the outcome of every Twilio call (after retries), e.g. to count them
/// in metrics. `op` is the call's name (`create_room`, `validate_token`, …).
pub trait CallObserver: Send + Sync {
    fn observe(&self, op: &'static str, outcome: CallOutcome, attempts: u32, elapsed: std::time::Duration);
}

/// A call's result class, for metrics labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    Ok,
    ClientError,
    ServerError,
    RateLimited,
    Timeout,
    Transport,
    Decode,
}

impl CallOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Ok => "ok",
            CallOutcome::ClientError => "client_error",
            CallOutcome::ServerError => "server_error",
            CallOutcome::RateLimited => "rate_limited",
            CallOutcome::Timeout => "timeout",
            CallOutcome::Transport => "transport",
            CallOutcome::Decode => "decode",
        }
    }

    fn of(error: &TwilioError) -> Self {
        match error {
            TwilioError::Api { status, .. } if *status >= 500 => CallOutcome::ServerError,
            TwilioError::Api { .. } => CallOutcome::ClientError,
            TwilioError::RateLimited { .. } => CallOutcome::RateLimited,
            TwilioError::Timeout => CallOutcome::Timeout,
            TwilioError::Transport(_) => CallOutcome::Transport,
            TwilioError::Decode(_) => CallOutcome::Decode,
        }
    }
}

/// One tenant's Twilio credentials. `Debug` shows the SIDs only.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub account_sid: String,
    pub api_key_sid: String,
    pub api_key_secret: Secret,
    pub auth_token: Secret,
}

/// Calls made on behalf of one Twilio account.
#[derive(Clone)]
pub struct AccountClient {
    twilio: Twilio,
    creds: Arc<Credentials>,
}

impl std::fmt::Debug for AccountClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountClient").field("account_sid", &self.creds.account_sid).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Twilio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Twilio").field("options", &self.opts).finish_non_exhaustive()
    }
}

impl Twilio {
    pub fn new(opts: ClientOptions) -> Self {
        let http = reqwest::Client::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout)
            .user_agent(concat!("escalate-twilio/", env!("CARGO_PKG_VERSION")))
            .build()
            // Only a broken TLS backend makes this fail; nothing here depends on input.
            .expect("static reqwest client configuration");
        Self { http, opts: Arc::new(opts), observer: None, injector: None }
    }

    /// Adds headers to every request, e.g. to propagate the trace context.
    pub fn with_header_injector(mut self, injector: Arc<HeaderInjector>) -> Self {
        self.injector = Some(injector);
        self
    }

    /// Reports every call's outcome to `observer` (metrics).
    pub fn with_observer(mut self, observer: Arc<dyn CallObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    pub fn account(&self, creds: Credentials) -> AccountClient {
        AccountClient { twilio: self.clone(), creds: Arc::new(creds) }
    }
}

/// Which of the account's two credentials authenticates a request.
#[derive(Clone, Copy, Debug)]
enum Auth {
    ApiKey,
    AuthToken,
}

#[derive(serde::Deserialize)]
struct MessagePage {
    messages: Vec<Message>,
}

enum Body {
    Empty,
    Form(Vec<(&'static str, String)>),
    Json(serde_json::Value),
}

struct Call {
    op: &'static str,
    method: Method,
    url: Url,
    auth: Auth,
    body: Body,
    resend: Resend,
}

impl AccountClient {
    pub fn account_sid(&self) -> &str {
        &self.creds.account_sid
    }

    /// `GET {api}/2010-04-01/Accounts/{AC}.json` with the API key: proves the
    /// account SID, API key SID and secret belong together.
    pub async fn fetch_account(&self) -> Result<Account, TwilioError> {
        self.fetch_account_as(Auth::ApiKey).await
    }

    /// The same fetch authenticated with the auth token, to check the token
    /// that will verify webhook signatures.
    pub async fn fetch_account_with_auth_token(&self) -> Result<Account, TwilioError> {
        self.fetch_account_as(Auth::AuthToken).await
    }

    async fn fetch_account_as(&self, auth: Auth) -> Result<Account, TwilioError> {
        let file = format!("{}.json", self.creds.account_sid);
        let url = endpoint(&self.twilio.opts.endpoints.api, &["2010-04-01", "Accounts", &file])?;
        let call =
            Call { op: "fetch_account", method: Method::GET, url, auth, body: Body::Empty, resend: Resend::Idempotent };
        self.execute(call).await.0
    }

    /// `POST {video}/v1/Rooms`. Retried like an idempotent call because the
    /// unique name makes a second creation fail with 53113 instead of making a
    /// second room: when a *retry* meets 53113 our earlier attempt created the
    /// room, so it is fetched by name and returned.
    pub async fn create_room(&self, req: &CreateRoom) -> Result<Room, TwilioError> {
        let url = endpoint(&self.twilio.opts.endpoints.video, &["v1", "Rooms"])?;
        let call = Call {
            op: "create_room",
            method: Method::POST,
            url,
            auth: Auth::ApiKey,
            body: Body::Form(req.form()),
            resend: Resend::Idempotent,
        };
        match self.execute(call).await {
            (Err(e), attempts) if attempts > 1 && e.code() == Some(ROOM_EXISTS_CODE) => {
                tracing::info!(unique_name = %req.unique_name, "room created by an earlier attempt; fetching it");
                self.fetch_room(&req.unique_name).await
            }
            (result, _) => result,
        }
    }

    /// `GET {video}/v1/Rooms/{sid or unique name}` (names resolve to in-progress rooms only).
    pub async fn fetch_room(&self, sid_or_unique_name: &str) -> Result<Room, TwilioError> {
        let url = endpoint(&self.twilio.opts.endpoints.video, &["v1", "Rooms", sid_or_unique_name])?;
        let call = Call {
            op: "fetch_room",
            method: Method::GET,
            url,
            auth: Auth::ApiKey,
            body: Body::Empty,
            resend: Resend::Idempotent,
        };
        self.execute(call).await.0
    }

    /// `POST {video}/v1/Rooms/{sid or unique name}` with `Status=completed`.
    pub async fn complete_room(&self, sid_or_unique_name: &str) -> Result<Room, TwilioError> {
        let url = endpoint(&self.twilio.opts.endpoints.video, &["v1", "Rooms", sid_or_unique_name])?;
        let call = Call {
            op: "complete_room",
            method: Method::POST,
            url,
            auth: Auth::ApiKey,
            body: Body::Form(vec![("Status", "completed".into())]),
            resend: Resend::Idempotent,
        };
        self.execute(call).await.0
    }

    /// `POST {conversations}/v1/Conversations/{CH}/Messages`. Not idempotent:
    /// resent only after a 429 or a failed connect, never after a timeout or
    /// 5xx (the customer would see the message twice).
    pub async fn create_message(&self, conversation_sid: &str, msg: &CreateMessage) -> Result<Message, TwilioError> {
        let url = endpoint(
            &self.twilio.opts.endpoints.conversations,
            &["v1", "Conversations", conversation_sid, "Messages"],
        )?;
        let call = Call {
            op: "create_message",
            method: Method::POST,
            url,
            auth: Auth::ApiKey,
            body: Body::Form(msg.form()),
            resend: Resend::OnlyIfUnprocessed,
        };
        self.execute(call).await.0
    }

    /// `GET {conversations}/v1/Conversations/{CH}/Messages?Order=desc`: the
    /// conversation's latest messages, newest first (one page of `limit`).
    pub async fn recent_messages(&self, conversation_sid: &str, limit: u32) -> Result<Vec<Message>, TwilioError> {
        let mut url = endpoint(
            &self.twilio.opts.endpoints.conversations,
            &["v1", "Conversations", conversation_sid, "Messages"],
        )?;
        url.query_pairs_mut().append_pair("Order", "desc").append_pair("PageSize", &limit.min(100).to_string());
        let call = Call {
            op: "list_messages",
            method: Method::GET,
            url,
            auth: Auth::ApiKey,
            body: Body::Empty,
            resend: Resend::Idempotent,
        };
        let page: Result<MessagePage, TwilioError> = self.execute(call).await.0;
        page.map(|p| p.messages)
    }

    /// `POST {iam}/v1/Accounts/{AC}/Tokens/validate` with `{"token": ...}`,
    /// authenticated with the auth token as Twilio's own
    /// `twilio-flex-token-validator` does. An invalid token is `Ok` with
    /// `valid: false`; `Err` means we could not ask.
    pub async fn validate_flex_token(&self, token: &str) -> Result<FlexTokenValidation, TwilioError> {
        let url = endpoint(
            &self.twilio.opts.endpoints.iam,
            &["v1", "Accounts", &self.creds.account_sid, "Tokens", "validate"],
        )?;
        let call = Call {
            op: "validate_flex_token",
            method: Method::POST,
            url,
            auth: Auth::AuthToken,
            body: Body::Json(serde_json::json!({ "token": token })),
            resend: Resend::Idempotent,
        };
        self.execute(call).await.0
    }

    /// Runs a call with retries; returns the result and the number of attempts.
    async fn execute<T: DeserializeOwned>(&self, call: Call) -> (Result<T, TwilioError>, u32) {
        let span = tracing::info_span!(
            "twilio.call",
            op = call.op,
            http.method = %call.method,
            url.path = call.url.path(),
            account_sid = %self.creds.account_sid,
            attempts = field::Empty,
            outcome = field::Empty,
        );
        let started = std::time::Instant::now();
        async {
            let opts = &self.twilio.opts;
            let backoff = Backoff { base: opts.backoff_base, max: opts.max_backoff };
            let mut attempt = 0u32;
            let result = loop {
                attempt += 1;
                let failure = match self.attempt(&call).await {
                    Ok(value) => break Ok(value),
                    Err(failure) => failure,
                };
                if attempt > opts.max_retries || !call.resend.allows(&failure) {
                    break Err(failure.error);
                }
                let pause = match &failure.error {
                    TwilioError::RateLimited { retry_after: Some(wait) } if *wait > opts.max_backoff => {
                        // Twilio asked for a longer pause than we are willing to hold a request for.
                        break Err(failure.error);
                    }
                    TwilioError::RateLimited { retry_after: Some(wait) } => *wait,
                    _ => backoff.delay(attempt - 1),
                };
                tracing::warn!(attempt, error = %failure.error, pause_ms = pause.as_millis() as u64, "Twilio call failed; retrying");
                tokio::time::sleep(pause).await;
            };
            let span = tracing::Span::current();
            span.record("attempts", attempt);
            match &result {
                Ok(_) => {
                    span.record("outcome", "ok");
                    tracing::debug!(attempts = attempt, "Twilio call succeeded");
                }
                Err(error) => {
                    span.record("outcome", "error");
                    tracing::warn!(attempts = attempt, %error, "Twilio call failed");
                }
            }
            if let Some(observer) = &self.twilio.observer {
                let outcome = result.as_ref().map_or_else(CallOutcome::of, |_| CallOutcome::Ok);
                observer.observe(call.op, outcome, attempt, started.elapsed());
            }
            (result, attempt)
        }
        .instrument(span)
        .await
    }

    async fn attempt<T: DeserializeOwned>(&self, call: &Call) -> Result<T, AttemptError> {
        let (user, password) = match call.auth {
            Auth::ApiKey => (&self.creds.api_key_sid, &self.creds.api_key_secret),
            Auth::AuthToken => (&self.creds.account_sid, &self.creds.auth_token),
        };
        let mut request = self
            .twilio
            .http
            .request(call.method.clone(), call.url.clone())
            .basic_auth(user, Some(password.expose()))
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(inject) = &self.twilio.injector {
            let mut headers = reqwest::header::HeaderMap::new();
            inject(&mut headers);
            request = request.headers(headers);
        }
        request = match &call.body {
            Body::Empty => request,
            Body::Form(form) => request.form(form),
            Body::Json(json) => request.json(json),
        };
        let response = request.send().await.map_err(transport_failure)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(transport_failure)?;
        if !status.is_success() {
            let error = TwilioError::from_response(status.as_u16(), retry_after, &body);
            return Err(AttemptError { error, unsent: false });
        }
        serde_json::from_slice(&body)
            .map_err(|e| AttemptError { error: TwilioError::Decode(e.to_string()), unsent: false })
    }
}

fn transport_failure(e: reqwest::Error) -> AttemptError {
    // A failed connect means the request never left; anything later may have been processed.
    let unsent = e.is_connect();
    let error = if e.is_timeout() { TwilioError::Timeout } else { TwilioError::Transport(describe(e)) };
    AttemptError { error, unsent }
}

/// The error and its causes on one line, without the URL (it is in the span).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `base` joined with `segments`, each percent-encoded as one path segment
/// (a unique name may contain `/` or spaces).
fn endpoint(base: &str, segments: &[&str]) -> Result<Url, TwilioError> {
    let mut url = Url::parse(base).map_err(|e| TwilioError::Transport(format!("invalid Twilio base URL: {e}")))?;
    url.path_segments_mut()
        .map_err(|()| TwilioError::Transport("Twilio base URL cannot have a path".into()))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_encodes_each_segment_and_keeps_a_base_path() {
        let url = endpoint("http://127.0.0.1:9/prefix/", &["v1", "Rooms", "a b/c"]).unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9/prefix/v1/Rooms/a%20b%2Fc");
        let url = endpoint("https://video.twilio.com", &["v1", "Rooms"]).unwrap();
        assert_eq!(url.as_str(), "https://video.twilio.com/v1/Rooms");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let creds = Credentials {
            account_sid: "AC1".into(),
            api_key_sid: "SK1".into(),
            api_key_secret: Secret::new("key-secret-value"),
            auth_token: Secret::new("auth-token-value"),
        };
        let client = Twilio::new(ClientOptions::default()).account(creds.clone());
        let shown = format!("{creds:?} {client:?}");
        assert!(!shown.contains("key-secret-value") && !shown.contains("auth-token-value"), "{shown}");
        assert!(shown.contains("AC1"));
    }
}
