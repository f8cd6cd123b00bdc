//! What can go wrong in an operation, as types. The HTTP layer maps each
//! kind to a status and renders it as problem+json; the stable
//! [`ErrorCode`] travels unchanged, so clients (the Flex plugin, the join
//! page, integrators) can switch on it and the OpenAPI document lists them all.

use std::borrow::Cow;
use std::fmt;

use escalate_domain::validation::FieldError;
use escalate_store::StoreError;

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal, )*) => {
        /// Every stable error code a client can meet.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    /// Input broke a rule; `errors` names every field.
    ValidationFailed = "validation_failed",
    /// Absent, or another tenant's: the two are never told apart.
    NotFound = "not_found",
    Unauthorized = "unauthorized",
    Forbidden = "forbidden",
    /// A unique value is already taken.
    Conflict = "conflict",
    /// Too many attempts; `Retry-After` says when to try again.
    RateLimited = "rate_limited",
    /// Unexpected; quote the request id to support.
    Internal = "internal",
    BadRequest = "bad_request",
    /// The body is missing or does not match the operation's schema.
    InvalidBody = "invalid_body",
    MalformedJson = "malformed_json",
    UnreadableBody = "unreadable_body",
    InvalidParameter = "invalid_parameter",
    UnsupportedMediaType = "unsupported_media_type",
    PayloadTooLarge = "payload_too_large",
    /// The request's headers are larger than allowed.
    HeadersTooLarge = "headers_too_large",
    MethodNotAllowed = "method_not_allowed",
    HttpError = "http_error",
    /// A cookie-authenticated unsafe request without the session's CSRF token.
    CsrfFailed = "csrf_failed",
    /// Wrong email or password.
    InvalidCredentials = "invalid_credentials",
    /// Twilio did not vouch for the Flex token.
    InvalidFlexToken = "invalid_flex_token",
    /// A Twilio callback not signed by the contact center's account.
    InvalidSignature = "invalid_signature",
    /// The operation needs a signed-in user, not an API key.
    NotASession = "not_a_session",
    /// Operator routes are off: no `OPERATOR_TOKEN` is configured.
    OperatorDisabled = "operator_disabled",
    SlugTaken = "slug_taken",
    EmailTaken = "email_taken",
    /// A tenant must keep at least one admin.
    LastAdmin = "last_admin",
    /// The Idempotency-Key was used for another task or conversation.
    IdempotencyKeyReused = "idempotency_key_reused",
    /// The escalation with this Idempotency-Key is still being made; retry.
    EscalationInProgress = "escalation_in_progress",
    EscalationNotOpen = "escalation_not_open",
    /// The escalation's call is still open: end it before erasing its customer's data.
    EscalationStillOpen = "escalation_still_open",
    /// The contact center does not allow snapshots (its `snapshots.enabled` setting).
    SnapshotsDisabled = "snapshots_disabled",
    /// The escalation holds as many snapshots as allowed (20).
    SnapshotLimitReached = "snapshot_limit_reached",
    /// The snapshot is larger than 4 MiB.
    SnapshotTooLarge = "snapshot_too_large",
    /// The snapshot is not a JPEG or PNG picture of at most 4096 pixels a side.
    SnapshotNotAnImage = "snapshot_not_an_image",
    /// A Flex agent asked for another agent's escalation.
    NotYourEscalation = "not_your_escalation",
    /// The contact center's message template cannot be rendered; fix it in the settings.
    MessageTemplateInvalid = "message_template_invalid",
    /// The video call behind the code has ended.
    CodeCompleted = "code_completed",
    /// The customer rated this call already (one rating per escalation).
    AlreadyRated = "already_rated",
    /// The customer has not been in the call yet: there is nothing to rate.
    NotRateable = "not_rateable",
    /// The call is recorded: the customer must agree to it before joining.
    RecordingConsentRequired = "recording_consent_required",
    TwilioCredentialsMissing = "twilio_credentials_missing",
    /// The contact center's video provider cannot carry a call from this
    /// service (Twilio Video while Twilio is the simulator).
    VideoUnavailableHere = "video_unavailable_here",
    /// This service has no Flex plugin bundle to install (its build folder was not found at start).
    FlexPluginNotBuilt = "flex_plugin_not_built",
    /// Twilio refused the contact center's credentials.
    TwilioCredentialsRejected = "twilio_credentials_rejected",
    /// Twilio refused the request itself.
    TwilioRejected = "twilio_rejected",
    TwilioRateLimited = "twilio_rate_limited",
    /// Twilio did not answer in time; retry shortly.
    TwilioUnavailable = "twilio_unavailable",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The failure of an application operation, by kind.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule, every bad field named.
    #[error("invalid input: {}", fields_text(.0))]
    Invalid(Vec<FieldError>),
    /// Absent, or another tenant's.
    #[error("{detail}")]
    NotFound { detail: Cow<'static, str> },
    #[error("{detail}")]
    BadRequest { code: ErrorCode, detail: String },
    #[error("{detail}")]
    Unauthorized { code: ErrorCode, detail: String },
    #[error("{detail}")]
    Forbidden { code: ErrorCode, detail: String },
    /// The request clashes with the state of things (a taken name, a call still being made).
    #[error("{detail}")]
    Conflict { code: ErrorCode, detail: String, field: Option<&'static str> },
    /// It existed and is over (an ended call).
    #[error("{detail}")]
    Gone { code: ErrorCode, detail: String },
    /// Well-formed input that an outside party (Twilio) turned down.
    #[error("{detail}")]
    Rejected { code: ErrorCode, detail: String, field: Option<&'static str> },
    #[error("rate limited: retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// A body larger than the operation takes (a snapshot over its bound).
    #[error("{detail}")]
    TooLarge { code: ErrorCode, detail: String },
    /// A body whose content is not a kind the operation takes (a snapshot that is no picture).
    #[error("{detail}")]
    UnsupportedMedia { code: ErrorCode, detail: String },
    /// An outside service (Twilio) failed or did not answer.
    #[error("{detail}")]
    Upstream { code: ErrorCode, detail: String },
    /// Unexpected; the cause was logged where it happened (it may hold
    /// details a client must not see).
    #[error("internal error")]
    Internal,
}

fn fields_text(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn not_found() -> Self {
        Self::NotFound { detail: Cow::Borrowed("no such resource") }
    }

    pub fn unauthorized(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Unauthorized { code, detail: detail.into() }
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden { code: ErrorCode::Forbidden, detail: detail.into() }
    }

    pub fn bad_request(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::BadRequest { code, detail: detail.into() }
    }

    pub fn conflict(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Conflict { code, detail: detail.into(), field: None }
    }

    pub fn upstream(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Upstream { code, detail: detail.into() }
    }

    pub fn rate_limited(retry_after: std::time::Duration) -> Self {
        Self::RateLimited { retry_after_secs: (retry_after.as_secs_f64().ceil() as u64).max(1) }
    }

    /// An unexpected failure: the cause is logged here (with the request id
    /// of the span it happens in), the client learns only that it happened.
    /// Callers pass causes that hold no secrets.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::Internal
    }

    /// Names the field a conflict or rejection is about.
    pub fn on_field(self, name: &'static str) -> Self {
        match self {
            Self::Conflict { code, detail, .. } => Self::Conflict { code, detail, field: Some(name) },
            Self::Rejected { code, detail, .. } => Self::Rejected { code, detail, field: Some(name) },
            other => other,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(_) => ErrorCode::ValidationFailed,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Internal => ErrorCode::Internal,
            Self::BadRequest { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::Conflict { code, .. }
            | Self::Gone { code, .. }
            | Self::Rejected { code, .. }
            | Self::TooLarge { code, .. }
            | Self::UnsupportedMedia { code, .. }
            | Self::Upstream { code, .. } => *code,
        }
    }

    /// Every field the error names, with its message.
    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            Self::Invalid(errors) => errors.clone(),
            Self::Conflict { field: Some(f), detail, .. } | Self::Rejected { field: Some(f), detail, .. } => {
                vec![FieldError::new(*f, detail.clone())]
            }
            _ => Vec::new(),
        }
    }

    /// The human sentence a client shows.
    pub fn detail(&self) -> String {
        match self {
            Self::Internal => "an unexpected error occurred; quote the request id to support".to_owned(),
            Self::RateLimited { retry_after_secs } => format!("try again in {retry_after_secs} s"),
            other => other.to_string(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Conflict(detail) => {
                tracing::debug!(%detail, "unique constraint");
                AppError::conflict(ErrorCode::Conflict, "a resource with the same unique value already exists")
            }
            other => AppError::internal(other),
        }
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(errors: Vec<FieldError>) -> Self {
        AppError::Invalid(errors)
    }
}

/// A unique-constraint conflict as the field it concerns; other errors as they are.
pub fn conflict_on(err: StoreError, field: &'static str, code: ErrorCode) -> AppError {
    match err {
        StoreError::Conflict(_) => AppError::conflict(code, format!("{field} is already taken")).on_field(field),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
        }
    }

    #[test]
    fn kinds_carry_their_codes_and_fields() {
        let e = AppError::field("name", "is required");
        assert_eq!(e.code(), ErrorCode::ValidationFailed);
        assert_eq!(e.fields()[0].field, "name");
        let e = AppError::conflict(ErrorCode::SlugTaken, "slug is already taken").on_field("slug");
        assert_eq!((e.code(), e.fields()[0].field.as_str()), (ErrorCode::SlugTaken, "slug"));
        assert!(AppError::internal("boom").detail().contains("request id"));
    }
}
