//! What can go wrong talking to Twilio.
//!
//! Messages carry statuses, Twilio codes and Twilio's own error text, never
//! credentials or tokens: requests authenticate with a header and the Flex
//! token travels in a body, and neither is ever copied into an error.

use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TwilioError {
    /// Twilio answered with an error document (`{code, message, more_info, status}`).
    #[error("Twilio API error {status}{}: {message}", .code.map(|c| format!(" (code {c})")).unwrap_or_default())]
    Api { status: u16, code: Option<u32>, message: String, more_info: Option<String> },
    /// 429 and we ran out of retries, or Twilio asked for a longer pause than we wait.
    #[error("Twilio rate limited the request (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    /// No complete answer within the per-attempt timeout.
    #[error("Twilio request timed out")]
    Timeout,
    /// Connection refused, reset or closed mid-answer.
    #[error("Twilio transport error: {0}")]
    Transport(String),
    /// A success status with a body we could not read.
    #[error("unexpected Twilio response: {0}")]
    Decode(String),
}

impl TwilioError {
    /// Whether the same request might succeed later (429, 5xx, timeout,
    /// transport). Whether it is *safe* to resend depends on the call; see
    /// the client.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api { status, .. } => *status >= 500,
            Self::RateLimited { .. } | Self::Timeout | Self::Transport(_) => true,
            Self::Decode(_) => false,
        }
    }

    /// The HTTP status Twilio answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Twilio's error code (e.g. 20404, 53113), if any.
    pub fn code(&self) -> Option<u32> {
        match self {
            Self::Api { code, .. } => *code,
            _ => None,
        }
    }

    /// Build from a non-success answer.
    pub(crate) fn from_response(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Self {
        if status == 429 {
            return Self::RateLimited { retry_after };
        }
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(doc) => Self::Api {
                status,
                code: doc.code,
                message: doc.message.unwrap_or_else(|| default_message(status)),
                more_info: doc.more_info,
            },
            Err(_) => Self::Api { status, code: None, message: default_message(status), more_info: None },
        }
    }
}

/// Twilio's error document; every field is optional because proxies and
/// outages answer with HTML or nothing.
#[derive(Deserialize)]
struct ErrorBody {
    code: Option<u32>,
    message: Option<String>,
    more_info: Option<String>,
}

fn default_message(status: u16) -> String {
    format!("HTTP {status} without a Twilio error document")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_error_documents_become_api_errors() {
        let body = br#"{"code": 20404, "message": "The requested resource /Rooms/x was not found", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}"#;
        let err = TwilioError::from_response(404, None, body);
        assert_eq!(
            err,
            TwilioError::Api {
                status: 404,
                code: Some(20404),
                message: "The requested resource /Rooms/x was not found".into(),
                more_info: Some("https://www.twilio.com/docs/errors/20404".into()),
            }
        );
        assert_eq!(err.to_string(), "Twilio API error 404 (code 20404): The requested resource /Rooms/x was not found");
        assert!(!err.is_retryable());
    }

    #[test]
    fn non_twilio_bodies_and_rate_limits_are_classified() {
        let err = TwilioError::from_response(502, None, b"<html>bad gateway</html>");
        assert_eq!(err.status(), Some(502));
        assert_eq!(err.code(), None);
        assert_eq!(err.to_string(), "Twilio API error 502: HTTP 502 without a Twilio error document");
        assert!(err.is_retryable());
        let limited = TwilioError::from_response(429, Some(Duration::from_secs(2)), b"{}");
        assert_eq!(limited, TwilioError::RateLimited { retry_after: Some(Duration::from_secs(2)) });
        assert_eq!(limited.status(), Some(429));
        assert!(limited.is_retryable());
    }
}
