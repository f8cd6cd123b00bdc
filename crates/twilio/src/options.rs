//! Where the client sends requests and how patiently.

use std::time::Duration;

/// Base URLs of the Twilio APIs the service uses, without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub video: String,
    pub conversations: String,
    pub iam: String,
    pub api: String,
    pub flex: String,
    pub taskrouter: String,
}

impl Endpoints {
    /// Real Twilio.
    pub fn twilio() -> Self {
        Self {
            video: "https://video.twilio.com".into(),
            conversations: "https://conversations.twilio.com".into(),
            iam: "https://iam.twilio.com".into(),
            api: "https://api.twilio.com".into(),
            flex: "https://flex-api.twilio.com".into(),
            taskrouter: "https://taskrouter.twilio.com".into(),
        }
    }

    /// Every API at one base URL, e.g. the simulator (`http://127.0.0.1:4010`).
    pub fn all(base: &str) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        Self {
            video: base.clone(),
            conversations: base.clone(),
            iam: base.clone(),
            api: base.clone(),
            flex: base.clone(),
            taskrouter: base,
        }
    }
}

/// Where an account's data and API keys live: a Twilio region (`us1`,
/// `ie1`, `au1`…) and an edge location (`dublin`, `sydney`…). Both unset is
/// Twilio's default (us1 through the nearest edge).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub region: Option<String>,
    pub edge: Option<String>,
}

impl Location {
    pub fn is_default(&self) -> bool {
        self.region.is_none() && self.edge.is_none()
    }
}

/// Timeouts and retry policy.
///
/// One call, with its retries, takes at most `budget`: every attempt has
/// `timeout`, a backoff pause is at most `max_backoff`, and Twilio's
/// `Retry-After` (seconds or an HTTP date) is honoured when the retry still
/// fits the budget; when it does not, the call ends at once with
/// [`crate::TwilioError::RateLimited`] (the caller can surface it).
#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub endpoints: Endpoints,
    /// Per attempt, connect to last body byte.
    pub timeout: Duration,
    /// Attempts after the first one.
    pub max_retries: u32,
    /// First backoff ceiling; doubles per retry (full jitter below it).
    pub backoff_base: Duration,
    /// Cap on a backoff pause of our own choosing.
    pub max_backoff: Duration,
    /// The whole call, retries and pauses included.
    pub budget: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            endpoints: Endpoints::twilio(),
            timeout: Duration::from_secs(10),
            max_retries: 3,
            backoff_base: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            budget: Duration::from_secs(25),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_points_every_api_at_one_base_without_a_trailing_slash() {
        let e = Endpoints::all("http://127.0.0.1:4010/");
        assert_eq!([&e.video, &e.conversations, &e.iam, &e.api, &e.flex, &e.taskrouter], ["http://127.0.0.1:4010"; 6]);
        assert_eq!(Endpoints::twilio().iam, "https://iam.twilio.com");
        let defaults = ClientOptions::default();
        assert_eq!((defaults.timeout, defaults.max_retries), (Duration::from_secs(10), 3));
    }
}
