//! Every error a client can see, rendered as `application/problem+json`
//! (RFC 9457) with a stable machine-readable `code`.
//!
//! Handlers return [`ApiError`]; anything else that fails before or around a
//! handler (a malformed body, a missing auth header, an unknown route) is
//! turned into the same shape by [`into_problem`], so clients meet one format.

use std::fmt;

use std::borrow::Cow;

use escalate_app::{AppError, ErrorCode};
use escalate_domain::validation::FieldError;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{ApiResponse, Object};

use crate::request_id;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The body of every error response.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[oai(skip_serializing_if_is_none)]
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
    pub code: ProblemCode,
    /// The request id, also sent as the `X-Request-Id` header; quote it to support.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For `validation_failed`: every field that was wrong and why.
    #[oai(skip_serializing_if_is_empty, default)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

/// [`ErrorCode`] in the OpenAPI document: a string enum listing every code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemCode(pub ErrorCode);

impl serde::Serialize for ProblemCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ProblemCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        ErrorCode::ALL
            .iter()
            .find(|c| c.as_str() == name)
            .map(|c| ProblemCode(*c))
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code {name}")))
    }
}

impl Type for ProblemCode {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "ErrorCode".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference("ErrorCode".into())
    }

    fn register(registry: &mut Registry) {
        registry.create_schema::<Self, _>("ErrorCode".into(), |_| MetaSchema {
            description: Some("A stable error code; new codes may be added."),
            enum_items: ErrorCode::ALL.iter().map(|c| serde_json::Value::from(c.as_str())).collect(),
            ..MetaSchema::new("string")
        });
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ToJSON for ProblemCode {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(self.0.as_str().into())
    }
}

impl ParseFromJSON for ProblemCode {
    fn parse_from_json(value: Option<serde_json::Value>) -> ParseResult<Self> {
        let value = value.unwrap_or_default();
        serde_json::from_value(value).map_err(|e| ParseError::custom(e.to_string()))
    }
}

/// An error as the HTTP layer renders it. Errors of the application core
/// become one with `?` (see the `From` below); errors of the protocol itself
/// (an unreadable body, a bad header) are made here.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
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
    pub fn new(status: StatusCode, code: ErrorCode, title: &'static str, detail: impl Into<String>) -> Self {
        Self { status, code, title, detail: detail.into(), errors: Vec::new(), retry_after_secs: None }
    }

    pub fn bad_request(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        Self {
            errors,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed, "Invalid input", detail)
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "Authentication required", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "Not allowed", detail)
    }

    /// Also the answer for another tenant's ids: indistinguishable from absent.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "Not found", "no such resource")
    }

    pub fn conflict(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, "Conflict", detail)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "Too many requests",
                format!("try again in {} s", retry_after_secs.max(1)),
            )
        }
    }

    pub fn bad_gateway(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, code, "Upstream service failed", detail)
    }

    /// An unexpected failure. The cause is logged with the request id; the
    /// client sees only that id. Callers pass causes that hold no secrets.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "Internal error",
            "an unexpected error occurred; quote the request id to support",
        )
    }

    /// The same error with a more specific stable code.
    pub fn with_code(mut self, code: ErrorCode) -> Self {
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
            code: ProblemCode(self.code),
            request_id: request_id::current(),
            errors: self
                .errors
                .iter()
                .map(|e| ProblemField { field: e.field.clone(), message: e.message.clone() })
                .collect(),
        }
    }
}

/// How each kind of application error is answered.
impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let (status, title) = match &err {
            AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "Invalid input"),
            AppError::NotFound { .. } => (StatusCode::NOT_FOUND, "Not found"),
            AppError::BadRequest { .. } => (StatusCode::BAD_REQUEST, "Bad request"),
            AppError::Unauthorized { .. } => (StatusCode::UNAUTHORIZED, "Authentication required"),
            AppError::Forbidden { .. } => (StatusCode::FORBIDDEN, "Not allowed"),
            AppError::Conflict { .. } => (StatusCode::CONFLICT, "Conflict"),
            AppError::Gone { .. } => (StatusCode::GONE, "Gone"),
            AppError::Rejected { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "Rejected"),
            AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
            AppError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "Payload too large"),
            AppError::UnsupportedMedia { .. } => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
            AppError::Upstream { .. } => (StatusCode::BAD_GATEWAY, "Upstream service failed"),
            AppError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
        };
        let retry_after_secs = match &err {
            AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        Self { status, code: err.code(), title, detail: err.detail(), errors: err.fields(), retry_after_secs }
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
        // For the edge: the code of a refusal goes into its audit entry.
        resp.extensions_mut().insert(self.code);
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

/// A query or path parameter poem-openapi could not read: its name and what
/// it must be, in words (poem-openapi says `failed to parse "string_uuid"`).
fn parameter_error(name: &str, reason: &str) -> ApiError {
    let expected = expected_format(reason);
    let mut err = ApiError::bad_request(ErrorCode::InvalidParameter, format!("parameter `{name}` must be {expected}"));
    err.errors = vec![FieldError::new(name, format!("must be {expected}"))];
    err
}

fn expected_format(reason: &str) -> String {
    let bound = |key: &str| {
        let at = reason.find(&format!("{key}("))? + key.len() + 1;
        reason[at..].split([',', ')']).next().map(str::to_owned)
    };
    if reason.contains("verification failed") {
        return match (bound("minimum"), bound("maximum"), bound("max_length")) {
            (Some(lo), Some(hi), _) => format!("from {lo} to {hi}"),
            (Some(lo), None, _) => format!("at least {lo}"),
            (None, Some(hi), _) => format!("at most {hi}"),
            (_, _, Some(max)) => format!("at most {max} characters"),
            _ => "in the documented format".into(),
        };
    }
    let kinds: [(&str, &str); 8] = [
        ("string_uuid", "a UUID"),
        ("string_date-time", "an RFC 3339 date-time such as 2026-01-31T09:00:00Z"),
        ("integer(uint", "a whole number of at least 0"),
        ("integer(int", "a whole number"),
        ("number(", "a number"),
        ("boolean", "true or false"),
        ("\"string\"", "a string"),
        ("required", "given (it is required)"),
    ];
    kinds
        .iter()
        .find(|(key, _)| reason.contains(key))
        .map_or_else(|| format!("valid ({reason})"), |(_, words)| (*words).to_owned())
}

/// Renders any error from poem or poem-openapi as a problem.
/// `path_parameter(i)` names the request's `i`-th path parameter as the
/// document does (poem-openapi calls it `param{i}`).
pub fn into_problem(err: poem::Error, path_parameter: impl Fn(usize) -> Option<String>) -> ApiError {
    if let Some(api) = err.downcast_ref::<ApiError>() {
        return api.clone();
    }
    let status = err.status();
    let message = err.to_string();
    use poem_openapi::error as oe;
    if err.is::<oe::ParseRequestPayloadError>() || err.is::<poem::error::ParseJsonError>() {
        return ApiError::bad_request(ErrorCode::InvalidBody, message);
    }
    if let Some(e) = err.downcast_ref::<oe::ParseParamError>() {
        return parameter_error(e.name, &e.reason);
    }
    if let Some(e) = err.downcast_ref::<oe::ParsePathError>() {
        let name = e
            .name
            .strip_prefix("param")
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(path_parameter)
            .unwrap_or_else(|| e.name.to_owned());
        return parameter_error(&name, &e.reason);
    }
    if err.is::<oe::ContentTypeError>() {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Unsupported media type",
            message,
        );
    }
    if err.is::<oe::AuthorizationError>() {
        return ApiError::unauthorized("missing or malformed credentials");
    }
    match status {
        StatusCode::NOT_FOUND => ApiError::new(status, ErrorCode::NotFound, "Not found", "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => {
            ApiError::new(status, ErrorCode::MethodNotAllowed, "Method not allowed", message)
        }
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            ErrorCode::PayloadTooLarge,
            "Payload too large",
            "the request body is larger than allowed",
        ),
        StatusCode::UNAUTHORIZED => ApiError::unauthorized(message),
        s if s.is_server_error() => ApiError::internal(message),
        s if s == StatusCode::BAD_REQUEST => ApiError::bad_request(ErrorCode::BadRequest, message),
        _ => ApiError::new(status, ErrorCode::HttpError, "Request failed", message),
    }
}
