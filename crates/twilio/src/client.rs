//! The HTTP client: one connection pool, per-tenant credentials, retries.

use std::{error::Error as _, sync::Arc, time::Duration};

use reqwest::{Method, header::RETRY_AFTER};
use serde::de::DeserializeOwned;
use tracing::{Instrument, field};
use url::Url;

mod flex;
pub mod taskrouter;
mod video;

use crate::{
    Account, ClientOptions, CreateMessage, CreateRoom, FlexTokenValidation, Location, Message, ROOM_EXISTS_CODE, Room,
    Secret, TwilioError,
    retry::{AttemptError, Backoff, Resend},
};

/// Shared by all tenants: cloning is cheap and reuses the connection pool.
#[derive(Clone)]
pub struct Twilio {
    http: reqwest::Client,
    /// The same, but a redirect is the answer rather than followed (media
    /// URLs: Twilio redirects to a time-limited link the caller wants).
    http_no_redirect: reqwest::Client,
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

/// One tenant's Twilio credentials, and where they are valid (API keys are
/// bound to the region they were made in). `Debug` shows the SIDs only.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub account_sid: String,
    pub api_key_sid: String,
    pub api_key_secret: Secret,
    pub auth_token: Secret,
    pub location: Location,
}

/// Calls made on behalf of one Twilio account, in its region.
#[derive(Clone)]
pub struct AccountClient {
    twilio: Twilio,
    creds: Arc<Credentials>,
    location: Location,
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
        let builder = || {
            reqwest::Client::builder()
                .timeout(opts.timeout)
                .connect_timeout(opts.timeout)
                .user_agent(concat!("escalate-twilio/", env!("CARGO_PKG_VERSION")))
        };
        // Only a broken TLS backend makes this fail; nothing here depends on input.
        let http = builder().build().expect("static reqwest client configuration");
        let http_no_redirect =
            builder().redirect(reqwest::redirect::Policy::none()).build().expect("static reqwest client configuration");
        Self { http, http_no_redirect, opts: Arc::new(opts), observer: None, injector: None }
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

    /// Calls for an account, in the region its credentials are for.
    pub fn account(&self, creds: Credentials) -> AccountClient {
        let location = creds.location.clone();
        AccountClient { twilio: self.clone(), creds: Arc::new(creds), location }
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

#[derive(serde::Deserialize)]
struct RoomPage {
    rooms: Vec<Room>,
}

#[derive(serde::Deserialize)]
struct ServicePage {
    services: Vec<ServiceRef>,
}

#[derive(serde::Deserialize)]
struct ServiceRef {
    sid: String,
}

#[derive(serde::Deserialize)]
struct ConversationRef {
    chat_service_sid: String,
}

/// The Twilio API a call goes to.
#[derive(Clone, Copy, Debug)]
enum Api {
    Video,
    Conversations,
    Iam,
    Rest,
    Flex,
    TaskRouter,
}

impl Api {
    /// The product label of its host (`video.twilio.com`).
    fn product(self) -> &'static str {
        match self {
            Api::Video => "video",
            Api::Conversations => "conversations",
            Api::Iam => "iam",
            Api::Rest => "api",
            Api::Flex => "flex-api",
            Api::TaskRouter => "taskrouter",
        }
    }
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
    /// The regional host the request is for, where `url` is not Twilio's own
    /// (the simulator routes by it, as DNS does for real Twilio).
    host: Option<String>,
    auth: Auth,
    body: Body,
    resend: Resend,
    /// Read the answer's body even when the status is not 2xx (Twilio's
    /// token validation answers a refused token with 401 and the reason).
    body_on_error: bool,
    /// A 3xx answer is the result, `{"redirect_to": Location}`, not followed.
    redirect: bool,
    /// The answer is `{"etag": ETag header, "value": body}` (TaskRouter's
    /// revisions, for `If-Match`).
    etag: bool,
    /// Sent as `If-Match`: the change applies only to this revision.
    if_match: Option<String>,
}

impl Call {
    fn new(op: &'static str, method: Method, (url, host): (Url, Option<String>), auth: Auth) -> Self {
        Self {
            op,
            method,
            url,
            host,
            auth,
            body: Body::Empty,
            resend: Resend::Idempotent,
            body_on_error: false,
            redirect: false,
            etag: false,
            if_match: None,
        }
    }

    fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    fn resend(mut self, resend: Resend) -> Self {
        self.resend = resend;
        self
    }
}

impl AccountClient {
    pub fn account_sid(&self) -> &str {
        &self.creds.account_sid
    }

    /// The URL of `segments` on `api`, in this account's region: Twilio's
    /// regional host for Twilio's own base URLs (as twilio-node builds it),
    /// or the configured base (the simulator) with that host to send.
    fn url(&self, api: Api, segments: &[&str]) -> Result<(Url, Option<String>), TwilioError> {
        let e = &self.twilio.opts.endpoints;
        let base = match api {
            Api::Video => &e.video,
            Api::Conversations => &e.conversations,
            Api::Iam => &e.iam,
            Api::Rest => &e.api,
            Api::Flex => &e.flex,
            Api::TaskRouter => &e.taskrouter,
        };
        let mut url = endpoint(base, segments)?;
        let regional = format!("{}.twilio.com", api.product());
        let regional = regional_host(&regional, self.location.edge.as_deref(), self.location.region.as_deref());
        if url.host_str().is_some_and(|h| h.ends_with(".twilio.com")) {
            url.set_host(Some(&regional)).map_err(|e| TwilioError::Transport(format!("regional host: {e}")))?;
            Ok((url, None))
        } else if self.location.is_default() {
            Ok((url, None))
        } else {
            Ok((url, Some(regional)))
        }
    }

    /// `GET {api}/2010-04-01/Accounts/{AC}.json` with the auth token: proves
    /// the account SID and auth token (which verifies webhook signatures)
    /// belong together. (With a Standard API key Twilio refuses this call:
    /// check the key with [`Self::check_api_key`].)
    pub async fn fetch_account_with_auth_token(&self) -> Result<Account, TwilioError> {
        self.fetch_account_as(Auth::AuthToken).await
    }

    /// The same fetch with the API key; only a *Main* key may make it.
    pub async fn fetch_account(&self) -> Result<Account, TwilioError> {
        self.fetch_account_as(Auth::ApiKey).await
    }

    async fn fetch_account_as(&self, auth: Auth) -> Result<Account, TwilioError> {
        let file = format!("{}.json", self.creds.account_sid);
        let call =
            Call::new("fetch_account", Method::GET, self.url(Api::Rest, &["2010-04-01", "Accounts", &file])?, auth);
        self.execute(call).await.0
    }

    /// `GET {video}/v1/Rooms?PageSize=1` with the API key: the call the key
    /// is used for (rooms), which a Standard key may make. Proves the account
    /// SID, API key SID and secret belong together, in this region.
    pub async fn check_api_key(&self) -> Result<(), TwilioError> {
        self.recent_rooms(1).await.map(|_| ())
    }

    /// `GET {video}/v1/Rooms?PageSize={limit}`: the account's latest rooms.
    pub async fn recent_rooms(&self, limit: u32) -> Result<Vec<Room>, TwilioError> {
        let mut target = self.url(Api::Video, &["v1", "Rooms"])?;
        target.0.query_pairs_mut().append_pair("PageSize", &limit.to_string());
        let page: Result<RoomPage, TwilioError> =
            self.execute(Call::new("list_rooms", Method::GET, target, Auth::ApiKey)).await.0;
        page.map(|p| p.rooms)
    }

    /// `POST {video}/v1/Rooms`. Retried like an idempotent call because the
    /// unique name makes a second creation fail with 53113 instead of making a
    /// second room: when a *retry* meets 53113 our earlier attempt created the
    /// room, so it is fetched by name and returned.
    pub async fn create_room(&self, req: &CreateRoom) -> Result<Room, TwilioError> {
        let call = Call::new("create_room", Method::POST, self.url(Api::Video, &["v1", "Rooms"])?, Auth::ApiKey)
            .body(Body::Form(req.form()));
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
        let target = self.url(Api::Video, &["v1", "Rooms", sid_or_unique_name])?;
        self.execute(Call::new("fetch_room", Method::GET, target, Auth::ApiKey)).await.0
    }

    /// `POST {video}/v1/Rooms/{sid or unique name}` with `Status=completed`
    /// (Twilio answers 202).
    pub async fn complete_room(&self, sid_or_unique_name: &str) -> Result<Room, TwilioError> {
        let target = self.url(Api::Video, &["v1", "Rooms", sid_or_unique_name])?;
        let call = Call::new("complete_room", Method::POST, target, Auth::ApiKey)
            .body(Body::Form(vec![("Status", "completed".into())]));
        self.execute(call).await.0
    }

    /// The messages resource of a conversation: in its Conversations
    /// service when one is given, else on the default-service path.
    fn messages_url(
        &self,
        service: Option<&str>,
        conversation_sid: &str,
    ) -> Result<(Url, Option<String>), TwilioError> {
        match service {
            Some(is) => {
                self.url(Api::Conversations, &["v1", "Services", is, "Conversations", conversation_sid, "Messages"])
            }
            None => self.url(Api::Conversations, &["v1", "Conversations", conversation_sid, "Messages"]),
        }
    }

    /// `POST {conversations}/v1/[Services/{IS}/]Conversations/{CH}/Messages`.
    /// Not idempotent: resent only after a 429 or a failed connect, never
    /// after a timeout or 5xx (the customer would see the message twice).
    pub async fn create_message(
        &self,
        service: Option<&str>,
        conversation_sid: &str,
        msg: &CreateMessage,
    ) -> Result<Message, TwilioError> {
        let call =
            Call::new("create_message", Method::POST, self.messages_url(service, conversation_sid)?, Auth::ApiKey)
                .body(Body::Form(msg.form()))
                .resend(Resend::OnlyIfUnprocessed);
        self.execute(call).await.0
    }

    /// `DELETE …/Conversations/{CH}/Messages/{IM}` (Twilio answers 204).
    pub async fn delete_message(
        &self,
        service: Option<&str>,
        conversation_sid: &str,
        message_sid: &str,
    ) -> Result<(), TwilioError> {
        let mut target = self.messages_url(service, conversation_sid)?;
        target
            .0
            .path_segments_mut()
            .map_err(|()| TwilioError::Transport("Twilio base URL cannot have a path".into()))?
            .push(message_sid);
        let call = Call::new("delete_message", Method::DELETE, target, Auth::ApiKey);
        let answer: Result<serde_json::Value, TwilioError> = self.execute(call).await.0;
        match answer {
            Ok(_) | Err(TwilioError::Decode(_)) => Ok(()), // 204: no body
            Err(e) => Err(e),
        }
    }

    /// The conversation's latest messages, newest first (one page of `limit`).
    pub async fn recent_messages(
        &self,
        service: Option<&str>,
        conversation_sid: &str,
        limit: u32,
    ) -> Result<Vec<Message>, TwilioError> {
        let mut target = self.messages_url(service, conversation_sid)?;
        target.0.query_pairs_mut().append_pair("Order", "desc").append_pair("PageSize", &limit.min(100).to_string());
        let page: Result<MessagePage, TwilioError> =
            self.execute(Call::new("list_messages", Method::GET, target, Auth::ApiKey)).await.0;
        page.map(|p| p.messages)
    }

    /// The Conversations service holding `conversation_sid`, when it is not
    /// the default one: `GET /v1/Services`, then the conversation in each.
    /// `None` when no service has it.
    pub async fn find_conversation_service(&self, conversation_sid: &str) -> Result<Option<String>, TwilioError> {
        let call =
            Call::new("list_services", Method::GET, self.url(Api::Conversations, &["v1", "Services"])?, Auth::ApiKey);
        let page: ServicePage = self.execute(call).await.0?;
        for service in page.services {
            let target =
                self.url(Api::Conversations, &["v1", "Services", &service.sid, "Conversations", conversation_sid])?;
            match self
                .execute::<ConversationRef>(Call::new("fetch_conversation", Method::GET, target, Auth::ApiKey))
                .await
                .0
            {
                Ok(c) => return Ok(Some(c.chat_service_sid)),
                Err(TwilioError::Api { status: 404, .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// `POST {iam}/v1/Accounts/{AC}/Tokens/validate` with `{"token": ...}`,
    /// authenticated with the auth token as Twilio's own
    /// `twilio-flex-token-validator` does. A refused token is `Ok` with
    /// `valid: false`, whatever the HTTP status (Twilio answers 401 with the
    /// reason in the body, and the validator reads it); `Err` means we could not ask.
    pub async fn validate_flex_token(&self, token: &str) -> Result<FlexTokenValidation, TwilioError> {
        let target = self.url(Api::Iam, &["v1", "Accounts", &self.creds.account_sid, "Tokens", "validate"])?;
        let mut call = Call::new("validate_flex_token", Method::POST, target, Auth::AuthToken)
            .body(Body::Json(serde_json::json!({ "token": token })));
        call.body_on_error = true;
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
            let deadline = std::time::Instant::now() + opts.budget;
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
                    TwilioError::RateLimited { retry_after: Some(wait) } => *wait,
                    _ => backoff.delay(attempt - 1),
                };
                // A pause (Twilio's Retry-After included) must leave time for
                // the retry itself within the call's budget; else give up now.
                if std::time::Instant::now() + pause + opts.timeout.min(opts.budget / 4) > deadline {
                    break Err(failure.error);
                }
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
        let http = if call.redirect { &self.twilio.http_no_redirect } else { &self.twilio.http };
        let mut request = http
            .request(call.method.clone(), call.url.clone())
            .basic_auth(user, Some(password.expose()))
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(host) = &call.host {
            request = request.header(reqwest::header::HOST, host);
        }
        if let Some(revision) = &call.if_match {
            request = request.header(reqwest::header::IF_MATCH, revision);
        }
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
        if call.redirect && status.is_redirection() {
            return redirect_answer(&call.url, response).await;
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
        let etag = response.headers().get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = response.bytes().await.map_err(transport_failure)?;
        if call.etag && status.is_success() {
            let value: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| AttemptError { error: TwilioError::Decode(e.to_string()), unsent: false })?;
            return serde_json::from_value(serde_json::json!({ "etag": etag, "value": value }))
                .map_err(|e| AttemptError { error: TwilioError::Decode(e.to_string()), unsent: false });
        }
        if !status.is_success()
            && call.body_on_error
            && status.is_client_error()
            && status.as_u16() != 429
            && let Ok(value) = serde_json::from_slice(&body)
        {
            return Ok(value);
        }
        if !status.is_success() {
            let error = TwilioError::from_response(status.as_u16(), retry_after, &body);
            return Err(AttemptError { error, unsent: false });
        }
        serde_json::from_slice(&body)
            .map_err(|e| AttemptError { error: TwilioError::Decode(e.to_string()), unsent: false })
    }
}

/// A redirect as `{"redirect_to": url}`: its `Location` (made absolute),
/// else the `redirect_to` of its body (where Twilio's examples read it).
async fn redirect_answer<T: DeserializeOwned>(from: &Url, response: reqwest::Response) -> Result<T, AttemptError> {
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| from.join(v).ok())
        .map(String::from);
    let body = response.bytes().await.map_err(transport_failure)?;
    let from_body = || {
        serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("redirect_to").and_then(serde_json::Value::as_str).map(str::to_owned))
    };
    let decode = |message: String| AttemptError { error: TwilioError::Decode(message), unsent: false };
    let target = location.or_else(from_body).ok_or_else(|| decode("a redirect without a Location".into()))?;
    serde_json::from_value(serde_json::json!({ "redirect_to": target })).map_err(|e| decode(e.to_string()))
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

/// `Retry-After` in either of its forms: seconds, or an HTTP date.
fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.with_timezone(&chrono::Utc) - now).to_std().unwrap_or_default())
}

/// The host of a Twilio API in a region and edge, exactly as twilio-node's
/// `getHostname` makes it: `video.twilio.com` with edge `dublin` and region
/// `ie1` is `video.dublin.ie1.twilio.com`; an edge alone implies `us1`.
pub fn regional_host(hostname: &str, edge: Option<&str>, region: Option<&str>) -> String {
    let labels: Vec<&str> = hostname.split('.').collect();
    if labels.len() < 2 {
        return hostname.to_owned();
    }
    let domain = labels[labels.len() - 2..].join(".");
    let prefix: Vec<&str> = labels[..labels.len() - 2].to_vec();
    let (product, mut own_edge, mut own_region) =
        (prefix.first().copied(), prefix.get(1).copied(), prefix.get(2).copied());
    if own_edge.is_some() && own_region.is_none() {
        own_region = own_edge;
        own_edge = None;
    }
    let Some(region) = region.or(own_region).or(edge.map(|_| "us1")) else {
        return hostname.to_owned();
    };
    let edge = edge.or(own_edge);
    [product, edge, Some(region), Some(domain.as_str())]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(".")
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
    fn retry_after_reads_seconds_and_http_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-02T07:00:00Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 02 Dec 2026 07:00:45 GMT", now), Some(Duration::from_secs(45)));
        assert_eq!(parse_retry_after("Wed, 02 Dec 2026 06:59:00 GMT", now), Some(Duration::ZERO), "a date gone by");
        assert_eq!(parse_retry_after("soon", now), None);
    }

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
            location: Location::default(),
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
