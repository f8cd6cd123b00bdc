//! What the HTTP layer needs from the service's configuration. The binary
//! reads settings from file and environment and builds this once.

use std::time::Duration;

use escalate_domain::Secret;

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Where customers and Twilio reach us, without a trailing slash: join
    /// URLs and webhook URLs are built from it, and webhook signatures are
    /// checked against it (behind a proxy the Host header is not ours).
    pub public_base_url: String,
    /// Bearer token for the platform (operator) routes; unset disables them.
    pub operator_token: Option<Secret>,
    pub session_ttl: Duration,
    pub max_body_bytes: usize,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy_headers: bool,
    pub limits: Limits,
    /// Folder with `templates/` and `assets/` for the server-rendered pages
    /// (join page, dashboard); `assets/vendor/` is filled from npm at build time.
    pub dashboard_dir: std::path::PathBuf,
    /// Origins allowed to call the API from a browser (the Flex UI).
    pub cors: crate::cors::CorsPolicy,
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub login_per_ip: crate::rate_limit::Limit,
    pub login_per_email: crate::rate_limit::Limit,
    /// Failed room-code look-ups (unknown or expired codes) per client address.
    pub join_failures_per_ip: crate::rate_limit::Limit,
}

impl Default for Limits {
    fn default() -> Self {
        use crate::rate_limit::Limit;
        Self {
            login_per_ip: Limit { max: 30, window: Duration::from_secs(60) },
            login_per_email: Limit { max: 10, window: Duration::from_secs(15 * 60) },
            join_failures_per_ip: Limit { max: 20, window: Duration::from_secs(10 * 60) },
        }
    }
}

impl HttpConfig {
    pub fn cookie_secure(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }
}
