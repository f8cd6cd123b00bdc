//! What the HTTP layer needs from the service's settings (the application
//! core has its own, `escalate_app::AppConfig`). The binary builds this once.

use escalate_domain::Secret;

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Bearer token for the platform (operator) routes; unset disables them.
    pub operator_token: Option<Secret>,
    pub max_body_bytes: usize,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy_headers: bool,
    /// The server-rendered pages' `templates/` and `assets/` (join page,
    /// dashboard): embedded in the binary, or a folder (`DASHBOARD_DIR`).
    pub files: crate::files::DashboardFiles,
    /// Origins allowed to call the API from a browser (the Flex UI).
    pub cors: crate::cors::CorsPolicy,
    /// Cookies carry `Secure` (the public URL is https).
    pub cookie_secure: bool,
}
