//! When a failed attempt may be sent again, and how long to wait first.

use std::time::Duration;

use rand::RngExt;

use crate::TwilioError;

/// How safe it is to send a request twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Reads, "set status" updates and creations keyed by a unique name:
    /// resending after any retryable failure cannot do anything twice.
    Idempotent,
    /// Creations without a natural key (chat messages): resend only when we
    /// know Twilio did not process the request — a 429, or a connection that
    /// never opened. A timeout or 5xx may hide a message that was posted.
    OnlyIfUnprocessed,
}

/// One failed attempt, with what we know about whether Twilio saw it.
#[derive(Debug)]
pub(crate) struct AttemptError {
    pub error: TwilioError,
    /// True when the request certainly never reached Twilio (connect failure).
    pub unsent: bool,
}

impl Resend {
    pub fn allows(self, failure: &AttemptError) -> bool {
        match self {
            Self::Idempotent => failure.error.is_retryable(),
            Self::OnlyIfUnprocessed => failure.unsent || matches!(failure.error, TwilioError::RateLimited { .. }),
        }
    }
}

/// Exponential backoff with full jitter: pause `n` (0-based) is uniform in
/// `[0, min(max, base * 2^n)]`, which spreads a burst of tenants hitting the
/// same outage instead of having them retry in lockstep.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << retry.min(16)).min(self.max);
        let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_the_doubling_ceiling_and_the_cap() {
        let b = Backoff { base: Duration::from_millis(100), max: Duration::from_millis(500) };
        for _ in 0..200 {
            assert!(b.delay(0) <= Duration::from_millis(100));
            assert!(b.delay(1) <= Duration::from_millis(200));
            assert!(b.delay(10) <= Duration::from_millis(500));
        }
    }

    #[test]
    fn messages_are_resent_only_when_twilio_cannot_have_processed_them() {
        let failure = |error, unsent| AttemptError { error, unsent };
        let server = TwilioError::Api { status: 500, code: None, message: String::new(), more_info: None };
        let only = Resend::OnlyIfUnprocessed;
        assert!(only.allows(&failure(TwilioError::RateLimited { retry_after: None }, false)));
        assert!(only.allows(&failure(TwilioError::Transport("refused".into()), true)));
        assert!(!only.allows(&failure(TwilioError::Timeout, false)));
        assert!(!only.allows(&failure(server.clone(), false)));
        assert!(Resend::Idempotent.allows(&failure(server, false)));
        assert!(Resend::Idempotent.allows(&failure(TwilioError::Timeout, false)));
        let bad = TwilioError::Api { status: 400, code: Some(1), message: String::new(), more_info: None };
        assert!(!Resend::Idempotent.allows(&failure(bad, false)));
    }
}
