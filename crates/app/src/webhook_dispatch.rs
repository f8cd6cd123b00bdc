//! Sends event webhooks from the outbox the store writes with each change.
//! Every replica runs one dispatcher; a delivery is claimed by one replica
//! at a time (a lease in the row, so one that dies lets it go), an
//! escalation's deliveries to an endpoint go out one after the other in the
//! order they were written, and a failed attempt is retried with growing
//! waits until the retry period is over, then marked failed.
//!
//! Requests are signed as Standard Webhooks sign them, go only to public
//! addresses (checked again at connect time, whatever DNS answers now),
//! follow no redirect, are bounded in time, and read at most a few KiB of
//! the answer.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use escalate_domain::webhook;
use escalate_store::repos::AttemptOutcome;
use escalate_store::{TenantScope, WebhookDeliveryRecord, WebhookEndpointRecord};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::sync::Notify;

use crate::App;
use crate::config::WebhookConfig;

/// Deliveries claimed at once by one replica.
const BATCH: u64 = 32;
/// How often an idle dispatcher looks for due deliveries (a local write wakes it sooner).
const POLL: Duration = Duration::from_millis(500);
/// Of a receiver's answer, at most this much is read (for the delivery log).
const MAX_ANSWER_BYTES: usize = 4096;

pub struct Dispatcher {
    client: reqwest::Client,
    wake: Notify,
}

/// Resolves endpoint hosts to their public addresses only: a name that
/// points at a private, loopback or link-local address (now, whatever it
/// resolved to when the endpoint was saved) gets no connection.
struct PublicOnly {
    allow_loopback: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| webhook::is_deliverable(a.ip(), allow_loopback))
                .collect();
            if found.is_empty() {
                return Err(format!("{} has no public address", name.as_str()).into());
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

impl Dispatcher {
    pub fn new(config: &WebhookConfig) -> Self {
        let client = reqwest::Client::builder()
            .dns_resolver(PublicOnly { allow_loopback: config.allow_loopback })
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("Escalate-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self { client, wake: Notify::new() }
    }

    /// Looks for due deliveries now instead of at the next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Runs this replica's dispatcher until the app is dropped.
pub fn spawn(app: &App) {
    let weak = app.downgrade();
    tokio::spawn(async move {
        loop {
            let Some(app) = App::upgrade(&weak) else { return };
            let claimed = match run_once(&app).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook dispatch round failed");
                    0
                }
            };
            if claimed < BATCH as usize {
                let waiting = tokio::time::sleep(POLL);
                let dispatcher = &app.webhook_dispatch;
                tokio::select! {
                    _ = waiting => {}
                    _ = dispatcher.wake.notified() => {}
                }
            }
        }
    });
}

/// Claims what is due and attempts each; the number claimed.
pub async fn run_once(app: &App) -> Result<usize, escalate_store::StoreError> {
    let now = Utc::now();
    let lease = chrono::Duration::from_std(app.config.webhooks.timeout * 2 + Duration::from_secs(30))
        .unwrap_or(chrono::Duration::minutes(1));
    let claimed = app.store.unscoped().claim_webhook_deliveries(now, now + lease, BATCH).await?;
    let n = claimed.len();
    futures_util::future::join_all(claimed.into_iter().map(|(d, ep, scope)| attempt(app, d, ep, scope))).await;
    Ok(n)
}

async fn attempt(app: &App, d: WebhookDeliveryRecord, ep: WebhookEndpointRecord, scope: TenantScope) {
    let sent = send(app, &d, &ep, scope).await;
    let now = Utc::now();
    let outcome = match sent {
        Ok(status_code) => AttemptOutcome::Delivered { status_code },
        Err((status_code, error)) => {
            let period = chrono::Duration::from_std(app.config.webhooks.retry_for).unwrap_or(chrono::Duration::days(1));
            let wait = webhook::backoff(app.config.webhooks.retry_base, d.attempts.max(1) as u32);
            let next: DateTime<Utc> = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(6));
            if next > d.queued_at + period {
                AttemptOutcome::Failed { status_code, error }
            } else {
                AttemptOutcome::Retry { status_code, error, next_attempt_at: next }
            }
        }
    };
    let label = match &outcome {
        AttemptOutcome::Delivered { .. } => "delivered",
        AttemptOutcome::Retry { .. } => "retry",
        AttemptOutcome::Failed { .. } => "failed",
    };
    app.metrics.webhook_attempt(label);
    tracing::info!(delivery = d.id, endpoint = %ep.id, event = %d.event_type, attempt = d.attempts, outcome = label, "webhook attempt");
    if let Err(e) = app.store.unscoped().finish_webhook_delivery(d.id, outcome, now).await {
        // The lease runs out and another attempt follows: at least once.
        tracing::warn!(error = %e, delivery = d.id, "could not record a webhook attempt");
    }
}

/// One signed POST. Ok: the receiver's 2xx status. Err: its status, if it
/// answered, and what went wrong in words for the delivery log.
async fn send(
    app: &App,
    d: &WebhookDeliveryRecord,
    ep: &WebhookEndpointRecord,
    scope: TenantScope,
) -> Result<i32, (Option<i32>, String)> {
    let cfg = &app.config.webhooks;
    let url = url::Url::parse(&ep.url).map_err(|_| (None, "the endpoint URL does not parse".to_owned()))?;
    // Literal addresses never pass through the resolver: check them here.
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::from(ip)),
        Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::from(ip)),
        _ => None,
    };
    let loopback = literal.is_some_and(|ip| ip.is_loopback())
        || url.host_str().is_some_and(|h| h.eq_ignore_ascii_case("localhost"));
    if literal.is_some_and(|ip| !webhook::is_deliverable(ip, cfg.allow_loopback))
        || (url.scheme() != "https" && !cfg.allow_loopback)
        || !cfg.port_allowed(url.port_or_known_default().unwrap_or(0), loopback)
    {
        return Err((None, "the endpoint is not a public https URL".to_owned()));
    }
    let secrets = crate::services::webhooks::signing_secrets(app, scope, ep, Utc::now())
        .await
        .map_err(|e| (None, format!("signing secret unavailable: {e}")))?;
    let body = serde_json::to_vec(&d.payload).map_err(|e| (None, e.to_string()))?;
    let timestamp = Utc::now().timestamp();
    let refs: Vec<&escalate_domain::Secret> = secrets.iter().collect();
    let signature = webhook::signature_header(&refs, &d.message_id, timestamp, &body);
    let resp = app
        .webhook_dispatch
        .client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| (None, describe(&e)))?;
    let status = resp.status();
    let code = i32::from(status.as_u16());
    if status.is_success() {
        return Ok(code);
    }
    let answer = read_bounded(resp).await;
    Err((
        Some(code),
        format!("answered {status}{}", if answer.is_empty() { String::new() } else { format!(": {answer}") }),
    ))
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
        let mut text = "could not connect".to_owned();
        while let Some(s) = source {
            if s.to_string().contains("public address") {
                text = format!("could not connect: {s}");
            }
            source = s.source();
        }
        text
    } else {
        format!("request failed: {e}")
    }
}

/// The start of an answer's body, for the log; never more than a few KiB is read.
async fn read_bounded(mut resp: reqwest::Response) -> String {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        out.extend_from_slice(&chunk[..chunk.len().min(MAX_ANSWER_BYTES - out.len())]);
        if out.len() >= MAX_ANSWER_BYTES {
            break;
        }
    }
    String::from_utf8_lossy(&out).chars().filter(|c| !c.is_control()).take(300).collect()
}
