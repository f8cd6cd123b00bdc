//! The outermost layer: a request id for every request, one span and one log
//! line per request, a bound on body size, and every error rendered as
//! problem+json.

use std::time::Instant;

use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};
use tracing::Instrument;

use crate::cors::CorsPolicy;
use escalate_domain::validation::FieldError;

use crate::error::{ApiError, into_problem};
use crate::{body_errors, request_id};

/// What the outermost layer needs; it runs before the app state is attached.
#[derive(Clone)]
pub struct Edge {
    /// For the audit entries of refusals.
    pub app: escalate_app::App,
    pub max_body: usize,
    pub cors: CorsPolicy,
    pub metrics: escalate_app::telemetry::SharedMetrics,
}

pub async fn request<E: Endpoint>(ep: E, mut req: Request, edge: Edge) -> poem::Result<Response> {
    let id = request_id::from_header(req.header(request_id::HEADER));
    let method = req.method().clone();
    // Never on the span: paths carry room codes (`/join/{code}`). The span
    // gets the route (an operation id or a route label) instead.
    let path = req.uri().path().to_owned();
    let span = tracing::info_span!(
        "request",
        otel.kind = "server",
        %method,
        request_id = %id,
        status = tracing::field::Empty,
        http.route = tracing::field::Empty,
        tenant_id = tracing::field::Empty,
        contact_center_id = tracing::field::Empty,
    );
    crate::trace_context::continue_trace(&span, req.headers());
    let started = Instant::now();
    let Edge { app, max_body, cors, metrics } = edge;
    let asker = crate::auth::asker::Asker::default();
    req.extensions_mut().insert(asker.clone());
    let mut route: &'static str = route_of(&path);
    let origin = req.header("Origin").map(str::to_owned);
    let mut resp = request_id::scope(id.clone(), async {
        if let Some(preflight) = cors.preflight(&req) {
            return preflight;
        }
        if let Err(err) = bounded_headers(&req) {
            return err.into_response();
        }
        let limit = body_limit(&req, max_body);
        let body = match buffer_body(&mut req, limit).await {
            Ok(body) => body,
            Err(err) => return err.into_response(),
        };
        if let Err(err) = no_nul_bytes(&req, &body) {
            return err.into_response();
        }
        if !body.is_empty()
            && req.header("content-type").is_some_and(|t| t.starts_with("application/json"))
            && let Some(err) = body_errors::check_request(req.method().as_str(), req.uri().path(), &body)
        {
            return err.into_response();
        }
        match ep.call(req).await {
            Ok(resp) => {
                let resp = resp.into_response();
                if let Some(op) = resp.data::<poem_openapi::OperationId>() {
                    route = op.0;
                }
                resp
            }
            Err(err) => {
                // A dashboard page that stopped early is already the answer.
                if let Some(page) = err.downcast_ref::<crate::dashboard::PageError>() {
                    // poem gives the answer the error's extensions: keep the page's code.
                    let code = page.code();
                    let mut resp = err.into_response();
                    if let Some(code) = code {
                        resp.extensions_mut().insert(code);
                    }
                    return resp;
                }
                if let Some(op) = err.data::<poem_openapi::OperationId>() {
                    route = op.0;
                }
                if let Some(payload_err) = err.downcast_ref::<poem_openapi::error::ParseRequestPayloadError>()
                    && let Some(precise) = body_errors::explain(&payload_err.reason, &body)
                {
                    return precise.into_response();
                }
                into_problem(err, |i| body_errors::path_parameter(&path, i)).into_response()
            }
        }
    })
    .instrument(span.clone())
    .await;
    let status = resp.status().as_u16();
    if status == 403
        && let Some(by) = asker.take()
    {
        let why = resp.extensions().get::<escalate_app::ErrorCode>().map_or("forbidden", |c| c.as_str());
        // An API operation by its id; a dashboard page by its path (no codes in those).
        let what = if route == "dashboard" { format!("{method} {path}") } else { format!("{method} {route}") };
        escalate_app::services::audit::record_denied(&app, &by, &what, why).instrument(span.clone()).await;
    }
    span.record("status", status);
    span.record("http.route", route);
    // The route is only known now; name the exported span after it.
    crate::trace_context::name_span(&span, format!("{method} {route}"));
    metrics.observe_request(route, method.as_str(), status, started.elapsed());
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, ms, "request failed");
        } else {
            tracing::debug!(status, ms, "request");
        }
    });
    if let Ok(v) = id.parse() {
        resp.headers_mut().insert(request_id::HEADER, v);
    }
    resp.headers_mut().insert("X-Content-Type-Options", poem::http::HeaderValue::from_static("nosniff"));
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED
        && !resp.headers().contains_key(poem::http::header::ALLOW)
        && let Ok(v) = body_errors::allowed_methods(&path).join(", ").parse()
    {
        resp.headers_mut().insert(poem::http::header::ALLOW, v);
    }
    cors.decorate(&mut resp, origin.as_deref());
    Ok(resp)
}

/// The most body bytes a request may send, and the code of a larger one:
/// the configured bound, except for a snapshot's picture (an `image/*`
/// body to its one route), which has its own.
fn body_limit(req: &Request, max_body: usize) -> (usize, escalate_app::ErrorCode) {
    let path = req.uri().path();
    if req.method() == poem::http::Method::POST
        && req.header("content-type").is_some_and(|t| t.starts_with("image/"))
        && path.starts_with("/v1/escalations/")
        && path.ends_with("/snapshots")
        && path.matches('/').count() == 4
    {
        return (escalate_domain::snapshot::MAX_BYTES, escalate_app::ErrorCode::SnapshotTooLarge);
    }
    (max_body, escalate_app::ErrorCode::PayloadTooLarge)
}

/// Reads the body (at most `max` bytes) so it can be both parsed by the
/// handler and consulted to explain a parse failure. Bodies are small JSON
/// or form documents here (and snapshots' pictures); anything larger is
/// refused with 413.
async fn buffer_body(
    req: &mut Request,
    (max, code): (usize, escalate_app::ErrorCode),
) -> Result<bytes::Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            code,
            "Payload too large",
            format!("the request body is larger than {max} bytes"),
        )
    };
    if let Some(len) = req.header("content-length").and_then(|v| v.parse::<usize>().ok())
        && len > max
    {
        return Err(too_large());
    }
    let bytes = req.take_body().into_bytes_limit(max).await.map_err(|e| match e {
        poem::error::ReadBodyError::PayloadTooLarge => too_large(),
        other => ApiError::bad_request(escalate_app::ErrorCode::UnreadableBody, other.to_string()),
    })?;
    req.set_body(bytes.clone());
    Ok(bytes)
}

/// The most header bytes (names and values) a request may carry. Browsers
/// and Flex send a few kilobytes; more is an attack on memory.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

fn bounded_headers(req: &Request) -> Result<(), ApiError> {
    let size: usize = req.headers().iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    if size > MAX_HEADER_BYTES {
        return Err(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            escalate_app::ErrorCode::HeadersTooLarge,
            "Request headers too large",
            format!("the request's headers are larger than {MAX_HEADER_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// A NUL character cannot be stored (PostgreSQL refuses it in text) and has
/// no business in any field: JSON and form bodies that carry one are refused
/// naming the field, before anything reads them.
fn no_nul_bytes(req: &Request, body: &[u8]) -> Result<(), ApiError> {
    if !body.contains(&0)
        && !body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
        && !body.windows(3).any(|w| w == b"%00")
    {
        return Ok(());
    }
    let content_type = req.header("content-type").unwrap_or_default();
    let mut fields = Vec::new();
    if content_type.starts_with("application/json") {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
            nul_fields(&value, String::new(), &mut fields);
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        fields.extend(pairs.into_iter().filter(|(k, v)| k.contains('\0') || v.contains('\0')).map(|(k, _)| k));
    }
    if fields.is_empty() {
        return Ok(());
    }
    Err(ApiError::validation(
        fields.into_iter().map(|f| FieldError::new(f, "must not contain a NUL character")).collect(),
    ))
}

fn nul_fields(value: &serde_json::Value, path: String, out: &mut Vec<String>) {
    use serde_json::Value;
    let join = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match value {
        Value::String(s) if s.contains('\0') => out.push(if path.is_empty() { "body".into() } else { path }),
        Value::Object(map) => {
            for (k, v) in map {
                if k.contains('\0') {
                    out.push(join(k));
                }
                nul_fields(v, join(k), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                nul_fields(v, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The route label of a request that no API operation claimed.
pub fn route_of(path: &str) -> &'static str {
    match path {
        "/healthz" => "healthz",
        "/readyz" => "readyz",
        "/metrics" => "metrics",
        "/openapi.json" => "openapi",
        p if p.starts_with("/docs") => "docs",
        p if p.starts_with("/join/") => "join_page",
        p if p.starts_with("/assets/") => "assets",
        p if p.starts_with("/v1/webhooks/twilio/rooms/") => "room_callback",
        p if p.starts_with("/dashboard") => "dashboard",
        _ => "other",
    }
}
