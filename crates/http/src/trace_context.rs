//! W3C trace context: taken from incoming requests (so a caller's trace
//! continues here), put on outgoing Twilio calls, and the tenant and contact
//! center recorded on the request's span. Ids only: never secrets, tokens or
//! room codes.

use opentelemetry::propagation::{Extractor, Injector};
use tracing_opentelemetry::OpenTelemetrySpanExt;

struct RequestHeaders<'a>(&'a poem::http::HeaderMap);

impl Extractor for RequestHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

struct OutgoingHeaders<'a>(&'a mut poem::http::HeaderMap);

impl Injector for OutgoingHeaders<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) =
            (poem::http::HeaderName::from_bytes(key.as_bytes()), poem::http::HeaderValue::from_str(&value))
        {
            self.0.insert(name, value);
        }
    }
}

/// Makes `span` a child of the trace the request carries, if any.
pub fn continue_trace(span: &tracing::Span, headers: &poem::http::HeaderMap) {
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&RequestHeaders(headers)));
    let _ = span.set_parent(parent);
}

/// Writes the current span's context (`traceparent`) into outgoing headers.
pub fn inject_current(headers: &mut poem::http::HeaderMap) {
    let cx = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&cx, &mut OutgoingHeaders(headers)));
}

/// Renames the exported span (e.g. `POST createEscalation`).
pub fn name_span(span: &tracing::Span, name: String) {
    use opentelemetry::trace::TraceContextExt;
    span.context().span().update_name(name);
}
