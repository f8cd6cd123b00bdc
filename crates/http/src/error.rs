//! Every error a client can see, rendered as `application/problem+json`
//! (RFC 9457) with a stable machine-readable `code`.
//!
//! Handlers return [`ApiError`]; anything else that fails before or around a
//! handler (a malformed body, a missing auth header, an unknown route) is
//! turned into the same shape by [`into_problem`], so clients meet one format.

use std::fmt;

use escalate_domain::validation::FieldError;
use escalate_store::StoreError;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object};

use crate::request_id;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The body of every error response.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[oai(rename = "Problem")]
pub struct Problem {
    /// A URI reference naming the problem type: `/problems/{code}`.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable identifier to branch on, e.g. `validation_failed`, `not_found`.
    pub code: String,
    /// The request id, also sent as the `X-Request-Id` header; quote it to support.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For `validation_failed`: every field that was wrong and why.
    #[oai(skip_serializing_if_is_empty)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after_secs: Option<u64>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.title, self.code, self.detail)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self { status, code, title, detail: detail.into(), errors: Vec::new(), retry_after_secs: None }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        Self { errors, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "Invalid input", detail) }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Authentication required", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
    }

    /// Also the answer for another tenant's ids: indistinguishable from absent.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found", "no such resource")
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, "Conflict", detail)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests",
                format!("try again in {} s", retry_after_secs.max(1)),
            )
        }
    }

    pub fn bad_gateway(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, code, "Upstream service failed", detail)
    }

    /// An unexpected failure. The cause is logged with the request id; the
    /// client sees only that id. Callers pass causes that hold no secrets.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "an unexpected error occurred; quote the request id to support",
        )
    }

    /// The same error with a more specific stable code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    /// Names the input field the error is about.
    pub fn with_field(mut self, field: &str) -> Self {
        self.errors.push(FieldError::new(field, self.detail.clone()));
        self
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("/problems/{}", self.code),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            request_id: request_id::current(),
            errors: self
                .errors
                .iter()
                .map(|e| ProblemField { field: e.field.clone(), message: e.message.clone() })
                .collect(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(detail) => {
                tracing::debug!(%detail, "unique constraint");
                ApiError::conflict("conflict", "a resource with the same unique value already exists")
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        ApiError::validation(errors)
    }
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn as_response(&self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut resp = Response::builder().status(self.status).content_type(PROBLEM_JSON).body(body);
        if let Some(secs) = self.retry_after_secs {
            resp.headers_mut().insert("Retry-After", secs.into());
        }
        resp
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        poem::error::ResponseError::as_response(&self)
    }
}

/// In the OpenAPI document every operation gets a `default` response with
/// the Problem schema: the statuses differ, the shape does not.
impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "An error, as application/problem+json",
                status: None,
                status_range: None,
                content: vec![MetaMediaType { content_type: PROBLEM_JSON, schema: Problem::schema_ref() }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Renders any error from poem or poem-openapi as a problem.
pub fn into_problem(err: poem::Error) -> ApiError {
    if let Some(api) = err.downcast_ref::<ApiError>() {
        return api.clone();
    }
    let status = err.status();
    let message = err.to_string();
    use poem_openapi::error as oe;
    if err.is::<oe::ParseRequestPayloadError>() || err.is::<poem::error::ParseJsonError>() {
        return ApiError::bad_request("invalid_body", message);
    }
    if err.is::<oe::ParseParamError>() {
        return ApiError::bad_request("invalid_parameter", message);
    }
    if let Some(path_err) = err.downcast_ref::<oe::ParsePathError>() {
        // poem-openapi names path parameters `param0`…; the reason is what helps.
        return ApiError::bad_request(
            "invalid_parameter",
            format!("a path parameter is malformed: {}", path_err.reason),
        );
    }
    if err.is::<oe::ContentTypeError>() {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            message,
        );
    }
    if err.is::<oe::AuthorizationError>() {
        return ApiError::unauthorized("missing or malformed credentials");
    }
    match status {
        StatusCode::NOT_FOUND => ApiError::new(status, "not_found", "Not found", "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(status, "method_not_allowed", "Method not allowed", message),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(status, "payload_too_large", "Payload too large", "the request body is larger than allowed")
        }
        StatusCode::UNAUTHORIZED => ApiError::unauthorized(message),
        s if s.is_server_error() => ApiError::internal(message),
        s if s == StatusCode::BAD_REQUEST => ApiError::bad_request("bad_request", message),
        _ => ApiError::new(status, "http_error", "Request failed", message),
    }
}
