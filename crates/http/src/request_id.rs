//! Request ids: taken from a well-formed incoming `X-Request-Id` or made fresh,
//! echoed in the response header, recorded on the request's tracing span and
//! written into every problem body.

use uuid::Uuid;

pub const HEADER: &str = "X-Request-Id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request this task is serving, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

pub async fn scope<F: Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// Accepts a caller's id only if it is short and plain, so it is safe to log.
pub fn from_header(value: Option<&str>) -> String {
    match value {
        Some(v)
            if !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            v.to_owned()
        }
        _ => Uuid::new_v4().simple().to_string(),
    }
}
