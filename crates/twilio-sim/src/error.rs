//! Errors: Twilio-shaped API errors, and errors of the control API.

use poem::{Response, http::StatusCode};
use serde_json::json;

/// An answer in Twilio's error format: `{code, message, more_info, status}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: u32,
    pub message: String,
    pub retry_after_secs: Option<u64>,
}

// Twilio error codes the simulator answers with. 20003/20404/20429/53113 are
// the ones the client relies on; the room validation codes follow Twilio's
// 531xx list, 53628 its composition error for deleted recordings; 20001
// stands in for Twilio's many per-field parameter codes.
pub(crate) mod codes {
    pub const AUTHENTICATE: u32 = 20003;
    pub const INVALID_PARAMETER: u32 = 20001;
    pub const NOT_FOUND: u32 = 20404;
    pub const CONFLICT: u32 = 20409;
    pub const METHOD_NOT_ALLOWED: u32 = 20004;
    pub const TOO_MANY_REQUESTS: u32 = 20429;
    pub const INTERNAL_ERROR: u32 = 20500;
    pub const ROOM_NAME_TOO_LONG: u32 = 53102;
    pub const MAX_PARTICIPANTS_OUT_OF_RANGE: u32 = 53107;
    pub const ROOM_TYPE_INVALID: u32 = 53108;
    pub const TIMEOUT_OUT_OF_RANGE: u32 = 53109;
    pub const STATUS_CALLBACK_METHOD_INVALID: u32 = 53110;
    pub const STATUS_CALLBACK_INVALID: u32 = 53111;
    pub const ROOM_STATUS_INVALID: u32 = 53112;
    pub const ROOM_EXISTS: u32 = 53113;
    pub const ROOM_NOT_FOUND: u32 = 53106;
    pub const ROOM_RECORDINGS_DELETED: u32 = 53628;
}

impl ApiError {
    pub fn new(status: u16, code: u32, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after_secs: None }
    }

    pub fn bad_request(code: u32, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(401, codes::AUTHENTICATE, "Authenticate")
    }

    pub fn not_found(path: &str) -> Self {
        Self::new(404, codes::NOT_FOUND, format!("The requested resource {path} was not found"))
    }

    /// An injected failure with `status` (e.g. 429 or 500).
    pub fn injected(status: u16, retry_after_secs: Option<u64>) -> Self {
        let (code, message) = match status {
            429 => (codes::TOO_MANY_REQUESTS, "Too Many Requests"),
            s if s >= 500 => (codes::INTERNAL_ERROR, "Internal Server Error"),
            _ => (codes::INVALID_PARAMETER, "Injected failure"),
        };
        Self { status, code, message: message.into(), retry_after_secs }
    }

    pub fn into_response(self) -> Response {
        let body = json!({
            "code": self.code,
            "message": self.message,
            "more_info": format!("https://www.twilio.com/docs/errors/{}", self.code),
            "status": self.status,
        });
        let mut builder = Response::builder()
            .status(StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .content_type("application/json");
        if let Some(secs) = self.retry_after_secs {
            builder = builder.header("Retry-After", secs.to_string());
        }
        if self.status == 401 {
            builder = builder.header("WWW-Authenticate", "Basic realm=\"Twilio API\"");
        }
        builder.body(body.to_string())
    }
}

/// Why a control operation (`/_sim/…` or a [`crate::Simulator`] method) failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SimError {
    #[error("no room with sid or unique name {0:?}")]
    UnknownRoom(String),
    #[error("room {0} is not in progress")]
    RoomNotInProgress(String),
    #[error("no connected participant {identity:?} in room {room}")]
    UnknownParticipant { room: String, identity: String },
    #[error("room {0} is full")]
    RoomFull(String),
    #[error("unknown account {0}")]
    UnknownAccount(String),
    #[error("no composition {0}")]
    UnknownComposition(String),
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl SimError {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::UnknownRoom(_)
            | Self::UnknownParticipant { .. }
            | Self::UnknownAccount(_)
            | Self::UnknownComposition(_) => StatusCode::NOT_FOUND,
            Self::RoomNotInProgress(_) | Self::RoomFull(_) => StatusCode::CONFLICT,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
        }
    }
}
