//! Every setting of the service, in one place, grouped by what it concerns.
//! Each has an environment variable ([`KEYS`] names them all); a TOML file
//! named by `CONFIG_FILE` (default `escalate.toml`, if present) may set the
//! same names in lower case, and the environment wins. Bad values fail at
//! start with the setting's name. Secrets (master keys, tokens, URLs that
//! may carry passwords) are [`Secret`]s: printing the settings shows `***`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use escalate_domain::Secret;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use figment::value::Value;
use serde::{Deserialize, Serialize};

/// Every environment variable read, and where its value lives in [`Settings`].
pub const KEYS: &[(&str, &str)] = &[
    ("LISTEN_ADDR", "server.listen_addr"),
    ("PUBLIC_BASE_URL", "server.public_base_url"),
    ("MAX_BODY_BYTES", "server.max_body_bytes"),
    ("TRUST_PROXY_HEADERS", "server.trust_proxy_headers"),
    ("CORS_ALLOWED_ORIGINS", "server.cors_allowed_origins"),
    ("DASHBOARD_DIR", "server.dashboard_dir"),
    ("FLEX_PLUGIN_DIR", "server.flex_plugin_dir"),
    ("SESSION_TTL_MINUTES", "server.session_ttl_minutes"),
    ("AUDIT_RETENTION_DAYS", "server.audit_retention_days"),
    ("OPERATOR_TOKEN", "server.operator_token"),
    ("DATABASE_URL", "database.url"),
    ("DATABASE_MAX_CONNECTIONS", "database.max_connections"),
    ("REDIS_URL", "redis.url"),
    ("REDIS_KEY_PREFIX", "redis.key_prefix"),
    ("REDIS_TIMEOUT_MS", "redis.timeout_ms"),
    ("MASTER_KEYS", "keys.master_keys"),
    ("ACTIVE_MASTER_KEY_ID", "keys.active_master_key_id"),
    ("TWILIO_MODE", "twilio.mode"),
    ("TWILIO_VIDEO_BASE_URL", "twilio.video_base_url"),
    ("TWILIO_CONVERSATIONS_BASE_URL", "twilio.conversations_base_url"),
    ("TWILIO_IAM_BASE_URL", "twilio.iam_base_url"),
    ("TWILIO_API_BASE_URL", "twilio.api_base_url"),
    ("TWILIO_FLEX_BASE_URL", "twilio.flex_base_url"),
    ("TWILIO_TASKROUTER_BASE_URL", "twilio.taskrouter_base_url"),
    ("TWILIO_TIMEOUT_MS", "twilio.timeout_ms"),
    ("TWILIO_MAX_RETRIES", "twilio.max_retries"),
    ("LOGIN_LIMIT_PER_IP", "limits.login_per_ip"),
    ("LOGIN_LIMIT_PER_EMAIL", "limits.login_per_email"),
    ("JOIN_FAILURE_LIMIT_PER_IP", "limits.join_failures_per_ip"),
    ("FLEX_FAILURE_LIMIT_PER_IP", "limits.flex_failures_per_ip"),
    ("FLEX_CHECK_LIMIT_PER_CONTACT_CENTER", "limits.flex_checks_per_contact_center"),
    ("WEBHOOK_TIMEOUT_MS", "webhooks.timeout_ms"),
    ("WEBHOOK_RETRY_BASE_MS", "webhooks.retry_base_ms"),
    ("WEBHOOK_RETRY_FOR_SECONDS", "webhooks.retry_for_seconds"),
    ("WEBHOOK_ALLOW_LOOPBACK", "webhooks.allow_loopback"),
    ("WEBHOOK_ALLOWED_PORTS", "webhooks.allowed_ports"),
    ("WEBRTC_ICE_SERVERS", "webrtc.ice_servers"),
    ("WEBRTC_TURN_SECRET", "webrtc.turn_secret"),
    ("WEBRTC_TURN_TTL_MINUTES", "webrtc.turn_ttl_minutes"),
    ("WEBRTC_ICE_TRANSPORT_POLICY", "webrtc.ice_transport_policy"),
    ("LOG_FORMAT", "telemetry.log_format"),
    ("LOG_LEVEL", "telemetry.log_level"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "telemetry.otel_exporter_otlp_endpoint"),
    ("OTEL_SERVICE_NAME", "telemetry.otel_service_name"),
    ("OTEL_TRACES_SAMPLER_ARG", "telemetry.otel_traces_sampler_arg"),
];

pub const DEFAULT_SQLITE_FILE: &str = "escalate.db";

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub keys: KeySettings,
    pub twilio: TwilioSettings,
    pub limits: escalate_app::Limits,
    pub webrtc: WebRtcSettings,
    pub webhooks: WebhookSettings,
    pub telemetry: TelemetrySettings,
}

/// The HTTP server and what it serves.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address the HTTP server binds.
    pub listen_addr: SocketAddr,
    /// Public URL of this service (join links, Twilio webhooks); default `http://LISTEN_ADDR`.
    pub public_base_url: Option<String>,
    pub max_body_bytes: usize,
    /// Take client addresses from X-Forwarded-For; only behind a proxy that sets it.
    pub trust_proxy_headers: bool,
    /// Origins allowed to call the API from a browser, comma-separated: the
    /// Flex UI's origin. `*` allows any (bearer tokens only; never cookies).
    pub cors_allowed_origins: String,
    /// A `dashboard/` folder (`templates/`, `assets/`) to serve the pages
    /// from instead of the copy embedded in the binary: for editing
    /// templates and scripts without a rebuild. Unset: the embedded copy.
    pub dashboard_dir: Option<PathBuf>,
    /// The Flex plugin's build folder (`plugin-video-escalation.js` and
    /// `manifest.json`, made by `npm run build` in `sdk-flex-plugin/`), which
    /// the service hosts for "Install in Flex". Unset: that folder of the
    /// source tree this binary was built from, if it is there.
    pub flex_plugin_dir: Option<PathBuf>,
    pub session_ttl_minutes: u64,
    /// How long audit log entries are kept, in days (then purged).
    pub audit_retention_days: u32,
    /// Bearer token for the operator's platform routes; unset disables them.
    pub operator_token: Option<Secret>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_base_url: None,
            max_body_bytes: 64 * 1024,
            trust_proxy_headers: false,
            cors_allowed_origins: "https://flex.twilio.com".into(),
            dashboard_dir: None,
            flex_plugin_dir: None,
            session_ttl_minutes: 12 * 60,
            audit_retention_days: 365,
            operator_token: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// PostgreSQL or SQLite URL; default a SQLite file `escalate.db` in the working directory.
    pub url: Option<Secret>,
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self { url: None, max_connections: 20 }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisSettings {
    /// Unset means in-process rate limits, caches and events (one replica only).
    pub url: Option<Secret>,
    /// Prefix of every Redis key, so deployments (or tests) can share a server.
    pub key_prefix: String,
    /// How long one Redis command may take before the replica stops
    /// waiting and uses its in-process fallback for a second.
    pub timeout_ms: u64,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self { url: None, key_prefix: "escalate:".into(), timeout_ms: 250 }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeySettings {
    /// `id:base64key[,id:base64key…]`: 32-byte master keys wrapping tenant data keys.
    pub master_keys: Option<Secret>,
    /// Which of MASTER_KEYS wraps new data keys; may be omitted when there is one key.
    pub active_master_key_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TwilioSettings {
    /// `auto` (the in-process simulator when no DATABASE_URL and no Twilio URLs are set,
    /// else real Twilio), `simulator`, or `real`.
    pub mode: TwilioMode,
    pub video_base_url: Option<String>,
    pub conversations_base_url: Option<String>,
    pub iam_base_url: Option<String>,
    pub api_base_url: Option<String>,
    pub flex_base_url: Option<String>,
    pub taskrouter_base_url: Option<String>,
    pub timeout_ms: u64,
    pub max_retries: u32,
}

impl Default for TwilioSettings {
    fn default() -> Self {
        Self {
            mode: TwilioMode::Auto,
            video_base_url: None,
            conversations_base_url: None,
            iam_base_url: None,
            api_base_url: None,
            flex_base_url: None,
            taskrouter_base_url: None,
            timeout_ms: 10_000,
            max_retries: 3,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TwilioMode {
    #[default]
    Auto,
    Simulator,
    Real,
}

/// Deliveries of event webhooks to integrators' endpoints.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// How long one delivery attempt may take (connect, send, answer).
    pub timeout_ms: u64,
    /// The wait after the first failed attempt; each later wait is four times longer (at most 6 h).
    pub retry_base_ms: u64,
    /// How long a delivery is retried before it is marked failed.
    pub retry_for_seconds: u64,
    /// Allow `http://` endpoints on loopback addresses. For tests on one
    /// machine only: production endpoints must be https and public.
    pub allow_loopback: bool,
    /// Comma-separated ports an endpoint may name (default `443,8443`).
    pub allowed_ports: String,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout_ms: 10_000,
            retry_base_ms: 5_000,
            retry_for_seconds: 24 * 3600,
            allow_loopback: false,
            allowed_ports: "443,8443".into(),
        }
    }
}

impl WebhookSettings {
    pub fn config(&self) -> escalate_app::config::WebhookConfig {
        escalate_app::config::WebhookConfig {
            timeout: Duration::from_millis(self.timeout_ms),
            retry_base: Duration::from_millis(self.retry_base_ms),
            retry_for: Duration::from_secs(self.retry_for_seconds),
            allow_loopback: self.allow_loopback,
            allowed_ports: self.ports().unwrap_or_default(),
        }
    }

    fn ports(&self) -> Option<Vec<u16>> {
        self.allowed_ports.split(',').map(str::trim).filter(|p| !p.is_empty()).map(|p| p.parse().ok()).collect()
    }

    fn validate(&self) -> Result<(), SettingsError> {
        if self.ports().is_none_or(|p| p.is_empty() || p.contains(&0)) {
            return Err(invalid("WEBHOOK_ALLOWED_PORTS", "must be a comma-separated list of ports, such as 443,8443"));
        }
        if !(100..=60_000).contains(&self.timeout_ms) {
            return Err(invalid("WEBHOOK_TIMEOUT_MS", "must be between 100 and 60000"));
        }
        if !(10..=3_600_000).contains(&self.retry_base_ms) {
            return Err(invalid("WEBHOOK_RETRY_BASE_MS", "must be between 10 and 3600000"));
        }
        if !(1..=7 * 24 * 3600).contains(&self.retry_for_seconds) {
            return Err(invalid("WEBHOOK_RETRY_FOR_SECONDS", "must be between 1 and 604800 (a week)"));
        }
        Ok(())
    }
}

/// The built-in video provider's network: what browsers use to reach each other.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebRtcSettings {
    /// Comma-separated `stun:`, `turn:` and `turns:` URLs for browsers in
    /// built-in calls. Empty: none (host candidates only: one machine or one network).
    pub ice_servers: String,
    /// The TURN server's shared secret (coturn's `static-auth-secret`);
    /// required with `turn:` URLs. Browsers get passwords derived from it, never it.
    pub turn_secret: Option<Secret>,
    /// How long a TURN password minted for a participant works.
    pub turn_ttl_minutes: u64,
    /// `all`, or `relay`: media only through the TURN server (no browser learns the other's address).
    pub ice_transport_policy: escalate_app::video::IcePolicy,
}

impl Default for WebRtcSettings {
    fn default() -> Self {
        Self {
            ice_servers: String::new(),
            turn_secret: None,
            turn_ttl_minutes: 12 * 60,
            ice_transport_policy: escalate_app::video::IcePolicy::All,
        }
    }
}

impl WebRtcSettings {
    fn urls(&self) -> Vec<String> {
        self.ice_servers.split(',').map(str::trim).filter(|u| !u.is_empty()).map(str::to_owned).collect()
    }

    pub fn config(&self) -> escalate_app::config::WebRtcConfig {
        escalate_app::config::WebRtcConfig {
            ice_urls: self.urls(),
            turn_secret: self.turn_secret.clone(),
            turn_ttl: Duration::from_secs(self.turn_ttl_minutes * 60),
            ice_policy: self.ice_transport_policy,
        }
    }

    fn validate(&self) -> Result<(), SettingsError> {
        use escalate_app::video::builtin::ice::is_turn_url;
        let urls = self.urls();
        if let Some(bad) = urls.iter().find(|u| !(u.starts_with("stun:") || is_turn_url(u))) {
            return Err(invalid("WEBRTC_ICE_SERVERS", format!("`{bad}` is not a stun:, turn: or turns: URL")));
        }
        let has_turn = urls.iter().any(|u| is_turn_url(u));
        if has_turn && self.turn_secret.as_ref().is_none_or(|s| s.expose().is_empty()) {
            return Err(invalid("WEBRTC_TURN_SECRET", "is required with turn: URLs in WEBRTC_ICE_SERVERS"));
        }
        if self.ice_transport_policy == escalate_app::video::IcePolicy::Relay && !has_turn {
            return Err(invalid("WEBRTC_ICE_TRANSPORT_POLICY", "relay needs a turn: URL in WEBRTC_ICE_SERVERS"));
        }
        if self.turn_ttl_minutes == 0 {
            return Err(invalid("WEBRTC_TURN_TTL_MINUTES", "must be at least 1"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetrySettings {
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `escalate_http=debug,info`.
    pub log_level: String,
    /// OTLP/HTTP collector base URL (e.g. `http://otel-collector:4318`); unset: no trace export.
    pub otel_exporter_otlp_endpoint: Option<String>,
    pub otel_service_name: String,
    /// Share of new traces sampled, 0.0-1.0 (a caller's decision is followed).
    pub otel_traces_sampler_arg: f64,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            log_format: LogFormat::Pretty,
            log_level: "info".into(),
            otel_exporter_otlp_endpoint: None,
            otel_service_name: "escalate".into(),
            otel_traces_sampler_arg: 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration: {setting}: {message}")]
    Invalid { setting: String, message: String },
}

fn invalid(setting: &str, message: impl Into<String>) -> SettingsError {
    SettingsError::Invalid { setting: setting.to_owned(), message: message.into() }
}

/// The environment variable of a path in [`Settings`] (`server.listen_addr` → `LISTEN_ADDR`).
fn env_name(path: &str) -> &str {
    KEYS.iter().find(|(_, p)| *p == path).map_or(path, |(env, _)| env)
}

fn path_of(env: &str) -> Option<&'static str> {
    KEYS.iter().find(|(e, _)| e.eq_ignore_ascii_case(env)).map(|(_, p)| *p)
}

impl Settings {
    /// Reads the config file (if any) and the environment.
    pub fn load() -> Result<Self, SettingsError> {
        let file = std::env::var("CONFIG_FILE").map(PathBuf::from).unwrap_or_else(|_| "escalate.toml".into());
        let mut figment = Figment::new();
        if file.exists() {
            let flat: std::collections::BTreeMap<String, Value> = Figment::from(Toml::file(&file))
                .extract()
                .map_err(|e| invalid("CONFIG_FILE", format!("{}: {e}", file.display())))?;
            for (key, value) in flat {
                let path = path_of(&key).ok_or_else(|| invalid("CONFIG_FILE", format!("unknown setting `{key}`")))?;
                figment = figment.merge((path, value));
            }
        }
        let env = Env::raw().filter_map(|key| path_of(key.as_str()).map(Into::into));
        Self::from_figment(figment.merge(env))
    }

    pub fn from_figment(figment: Figment) -> Result<Self, SettingsError> {
        let s: Settings = figment.extract().map_err(|e| {
            let path = e.path.join(".");
            let setting = env_name(&path).to_owned();
            invalid(if setting.is_empty() { "configuration" } else { &setting }, e.kind.to_string())
        })?;
        s.validate()?;
        Ok(s)
    }

    /// Defaults only, plus the given overrides (tests and tools); values are
    /// read exactly as environment variables would be.
    pub fn with(pairs: &[(&str, &str)]) -> Result<Self, SettingsError> {
        let mut f = Figment::new();
        for (k, v) in pairs {
            let path = path_of(k).ok_or_else(|| invalid(k, "is not a setting"))?;
            let value: Value = v.parse().unwrap_or_else(|_| (*v).into());
            f = f.merge((path, value));
        }
        Self::from_figment(f)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let http_url = |u: &str| (u.starts_with("http://") || u.starts_with("https://")) && !u.ends_with('/');
        if let Some(url) = &self.server.public_base_url
            && !http_url(url)
        {
            return Err(invalid("PUBLIC_BASE_URL", "must start with http:// or https:// and not end with /"));
        }
        if let Some(url) = &self.database.url
            && !["postgres://", "postgresql://", "sqlite:"].iter().any(|p| url.expose().starts_with(p))
        {
            return Err(invalid("DATABASE_URL", "must be a postgres:// or sqlite: URL"));
        }
        if let Some(url) = &self.redis.url
            && !(url.expose().starts_with("redis://") || url.expose().starts_with("rediss://"))
        {
            return Err(invalid("REDIS_URL", "must be a redis:// or rediss:// URL"));
        }
        if !(10..=10_000).contains(&self.redis.timeout_ms) {
            return Err(invalid("REDIS_TIMEOUT_MS", "must be between 10 and 10000"));
        }
        let t = &self.twilio;
        for (name, value) in [
            ("TWILIO_VIDEO_BASE_URL", &t.video_base_url),
            ("TWILIO_CONVERSATIONS_BASE_URL", &t.conversations_base_url),
            ("TWILIO_IAM_BASE_URL", &t.iam_base_url),
            ("TWILIO_API_BASE_URL", &t.api_base_url),
            ("TWILIO_FLEX_BASE_URL", &t.flex_base_url),
            ("TWILIO_TASKROUTER_BASE_URL", &t.taskrouter_base_url),
        ] {
            if let Some(url) = value
                && (url::Url::parse(url).is_err() || url.ends_with('/'))
            {
                return Err(invalid(name, "must be an absolute URL without a trailing /"));
            }
        }
        if let Some(token) = &self.server.operator_token
            && token.expose().len() < 24
        {
            return Err(invalid("OPERATOR_TOKEN", "must be at least 24 characters"));
        }
        if self.database.max_connections == 0 {
            return Err(invalid("DATABASE_MAX_CONNECTIONS", "must be at least 1"));
        }
        if self.server.max_body_bytes < 1024 {
            return Err(invalid("MAX_BODY_BYTES", "must be at least 1024"));
        }
        if !(0.0..=1.0).contains(&self.telemetry.otel_traces_sampler_arg) {
            return Err(invalid("OTEL_TRACES_SAMPLER_ARG", "must be between 0 and 1"));
        }
        if let Some(url) = &self.telemetry.otel_exporter_otlp_endpoint
            && url::Url::parse(url).is_err()
        {
            return Err(invalid("OTEL_EXPORTER_OTLP_ENDPOINT", "must be an absolute URL"));
        }
        if self.server.session_ttl_minutes == 0 {
            return Err(invalid("SESSION_TTL_MINUTES", "must be at least 1"));
        }
        if !(1..=3650).contains(&self.server.audit_retention_days) {
            return Err(invalid("AUDIT_RETENTION_DAYS", "must be between 1 and 3650"));
        }
        self.webhooks.validate()?;
        self.webrtc.validate()
    }

    pub fn public_base_url(&self) -> String {
        self.server.public_base_url.clone().unwrap_or_else(|| format!("http://{}", self.server.listen_addr))
    }

    pub fn database_url(&self) -> Secret {
        self.database.url.clone().unwrap_or_else(|| Secret::new(format!("sqlite://{DEFAULT_SQLITE_FILE}?mode=rwc")))
    }

    /// True when nothing points at real infrastructure: the one-machine demo.
    pub fn is_embedded(&self) -> bool {
        self.database.url.is_none()
    }

    pub fn uses_simulator(&self) -> bool {
        let t = &self.twilio;
        match t.mode {
            TwilioMode::Simulator => true,
            TwilioMode::Real => false,
            TwilioMode::Auto => {
                self.database.url.is_none()
                    && t.video_base_url.is_none()
                    && t.conversations_base_url.is_none()
                    && t.iam_base_url.is_none()
                    && t.api_base_url.is_none()
                    && t.flex_base_url.is_none()
                    && t.taskrouter_base_url.is_none()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_embedded_demo() {
        let s = Settings::with(&[]).unwrap();
        assert_eq!(s.server.listen_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_base_url(), "http://127.0.0.1:8080");
        assert!(s.database_url().expose().starts_with("sqlite://"));
        assert!(s.is_embedded() && s.uses_simulator());
    }

    #[test]
    fn bad_values_name_the_setting() {
        for (key, value) in [
            ("PUBLIC_BASE_URL", "ftp://x"),
            ("LISTEN_ADDR", "nowhere"),
            ("DATABASE_URL", "mysql://x"),
            ("OPERATOR_TOKEN", "short"),
            ("DATABASE_MAX_CONNECTIONS", "lots"),
            ("LOGIN_LIMIT_PER_IP", "thirty"),
            ("JOIN_FAILURE_LIMIT_PER_IP", "5/0s"),
        ] {
            let err = Settings::with(&[(key, value)]).unwrap_err().to_string();
            assert!(err.contains(key), "{key}: {err}");
        }
    }

    #[test]
    fn a_real_database_turns_off_the_simulator() {
        let s = Settings::with(&[("DATABASE_URL", "postgres://localhost/x")]).unwrap();
        assert!(!s.uses_simulator());
        let s = Settings::with(&[("DATABASE_URL", "postgres://localhost/x"), ("TWILIO_MODE", "simulator")]).unwrap();
        assert!(s.uses_simulator());
    }

    #[test]
    fn rate_limits_are_settings() {
        let s = Settings::with(&[("LOGIN_LIMIT_PER_EMAIL", "3/2m"), ("JOIN_FAILURE_LIMIT_PER_IP", "50/1h")]).unwrap();
        let l = &s.limits;
        assert_eq!((l.login_per_email.max, l.login_per_email.window), (3, Duration::from_secs(120)));
        assert_eq!((l.join_failures_per_ip.max, l.join_failures_per_ip.window), (50, Duration::from_secs(3600)));
        assert_eq!(l.login_per_ip, escalate_app::Limits::default().login_per_ip, "unset keeps the default");
    }

    #[test]
    fn secrets_print_as_stars() {
        let token = "an-operator-token-of-some-length";
        let s = Settings::with(&[
            ("OPERATOR_TOKEN", token),
            ("MASTER_KEYS", "k1:c2VjcmV0LWtleS1tYXRlcmlhbA=="),
            ("DATABASE_URL", "postgres://app:hunter2@db/x"),
            ("REDIS_URL", "redis://:hunter3@cache"),
        ])
        .unwrap();
        let printed = format!("{s:?} {}", serde_json::to_string(&s).unwrap());
        for secret in [token, "c2VjcmV0", "hunter2", "hunter3"] {
            assert!(!printed.contains(secret), "{secret} printed: {printed}");
        }
    }

    /// The settings the code reads, the environment variables in [`KEYS`]
    /// and the README's configuration table are one and the same list.
    #[test]
    fn documented_and_parsed_settings_are_the_same_list() {
        let parsed: std::collections::BTreeSet<String> = {
            let value = serde_json::to_value(Settings::default()).unwrap();
            let mut paths = std::collections::BTreeSet::new();
            for (group, fields) in value.as_object().unwrap() {
                for field in fields.as_object().unwrap().keys() {
                    paths.insert(format!("{group}.{field}"));
                }
            }
            paths
        };
        let mapped: std::collections::BTreeSet<String> = KEYS.iter().map(|(_, p)| p.to_string()).collect();
        assert_eq!(parsed, mapped, "every field has exactly one environment variable");

        let readme = include_str!("../../../README.md");
        let section = readme.split("## Configuration").nth(1).unwrap().split("\n## ").next().unwrap();
        let documented: std::collections::BTreeSet<String> = section
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .flat_map(|l| {
                let names = l.split(" | ").next().unwrap_or_default();
                names.split(", ").map(|n| n.trim_matches('`').to_owned()).collect::<Vec<_>>()
            })
            .collect();
        let keys: std::collections::BTreeSet<String> = KEYS.iter().map(|(e, _)| e.to_string()).collect();
        assert_eq!(documented, keys, "the README's configuration table lists every setting, and only those");
    }
}
