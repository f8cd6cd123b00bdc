//! What the service tells its operators: Prometheus metrics (served as text
//! at `GET /metrics`) and the tenant a request's span served.
//!
//! Metrics: requests and their
//! latency by route, Twilio calls by operation and outcome, escalations
//! created, room callbacks by outcome, rate-limit hits. Labels are bounded
//! (route names, not paths; no ids), so series do not grow with traffic.

use std::sync::Arc;
use std::time::Duration;

use escalate_twilio::{CallObserver, CallOutcome};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TwilioLabels {
    op: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpLabels {
    op: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 8 s.
    Histogram::new(exponential_buckets(0.00025, 2.0, 16))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: HistogramFamily<RouteLabels>,
    twilio_calls: Family<TwilioLabels, Counter>,
    twilio_seconds: HistogramFamily<OpLabels>,
    escalations_created: Counter,
    callbacks: Family<OutcomeLabels, Counter>,
    rate_limited: Family<LimitLabels, Counter>,
    audit_write_failures: Counter,
    audit_entries_suppressed: Counter,
    webhook_attempts: Family<OutcomeLabels, Counter>,
    redis_up: prometheus_client::metrics::gauge::Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("escalate");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by route, method and status", requests.clone());
        let request_seconds: HistogramFamily<RouteLabels> = Family::new_with_constructor(latency_histogram);
        registry.register("http_request_duration_seconds", "HTTP request latency by route", request_seconds.clone());
        let twilio_calls = Family::<TwilioLabels, Counter>::default();
        registry.register(
            "twilio_calls",
            "Twilio API calls (after retries) by operation and outcome",
            twilio_calls.clone(),
        );
        let twilio_seconds: HistogramFamily<OpLabels> = Family::new_with_constructor(latency_histogram);
        registry.register(
            "twilio_call_duration_seconds",
            "Twilio API call latency, retries included",
            twilio_seconds.clone(),
        );
        let escalations_created = Counter::default();
        registry.register(
            "escalations_created",
            "Escalations created (rooms made, links posted)",
            escalations_created.clone(),
        );
        let callbacks = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "room_callbacks",
            "Twilio room callbacks by outcome (applied, duplicate, unmatched, rejected)",
            callbacks.clone(),
        );
        let rate_limited = Family::<LimitLabels, Counter>::default();
        registry.register("rate_limited", "Requests refused by a rate limit", rate_limited.clone());
        let audit_write_failures = Counter::default();
        registry.register(
            "audit_write_failures",
            "Audit log entries that could not be written (the action itself happened)",
            audit_write_failures.clone(),
        );
        let audit_entries_suppressed = Counter::default();
        registry.register(
            "audit_entries_suppressed",
            "Refusals left out of the audit log because their source was over its bound",
            audit_entries_suppressed.clone(),
        );
        let webhook_attempts = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "webhook_attempts",
            "Webhook delivery attempts by outcome (delivered, retry, failed)",
            webhook_attempts.clone(),
        );
        let redis_up = prometheus_client::metrics::gauge::Gauge::default();
        registry.register(
            "redis_up",
            "1 while Redis answers (or none is configured); 0 while limits and caches run per replica",
            redis_up.clone(),
        );
        redis_up.set(1);
        Self {
            registry,
            requests,
            request_seconds,
            twilio_calls,
            twilio_seconds,
            escalations_created,
            callbacks,
            rate_limited,
            audit_write_failures,
            audit_entries_suppressed,
            webhook_attempts,
            redis_up,
        }
    }

    /// Whether Redis answered the last readiness check.
    pub fn redis_up(&self, up: bool) {
        self.redis_up.set(i64::from(up));
    }

    pub fn observe_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels { route: route.into(), method: method.into(), status: status.to_string() })
            .inc();
        self.request_seconds.get_or_create(&RouteLabels { route: route.into() }).observe(elapsed.as_secs_f64());
    }

    pub fn escalation_created(&self) {
        self.escalations_created.inc();
    }

    pub fn callback(&self, outcome: &str) {
        self.callbacks.get_or_create(&OutcomeLabels { outcome: outcome.into() }).inc();
    }

    pub fn rate_limited(&self, limit: &str) {
        self.rate_limited.get_or_create(&LimitLabels { limit: limit.into() }).inc();
    }

    pub fn webhook_attempt(&self, outcome: &str) {
        self.webhook_attempts.get_or_create(&OutcomeLabels { outcome: outcome.into() }).inc();
    }

    pub fn audit_write_failed(&self) {
        self.audit_write_failures.inc();
    }

    /// A refusal not written to the audit log because its source was over its bound.
    pub fn audit_entry_suppressed(&self) {
        self.audit_entries_suppressed.inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        out
    }
}

impl CallObserver for Metrics {
    fn observe(&self, op: &'static str, outcome: CallOutcome, _attempts: u32, elapsed: Duration) {
        self.twilio_calls.get_or_create(&TwilioLabels { op: op.into(), outcome: outcome.as_str().into() }).inc();
        self.twilio_seconds.get_or_create(&OpLabels { op: op.into() }).observe(elapsed.as_secs_f64());
    }
}

pub type SharedMetrics = Arc<Metrics>;

/// Notes on the current (request's) span which tenant, and contact center,
/// it served. Ids only: never secrets, tokens or room codes.
pub fn record_tenant(tenant_id: uuid::Uuid, contact_center_id: Option<uuid::Uuid>) {
    let span = tracing::Span::current();
    span.record("tenant_id", tracing::field::display(tenant_id));
    if let Some(cc) = contact_center_id {
        span.record("contact_center_id", tracing::field::display(cc));
    }
}
