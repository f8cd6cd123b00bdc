//! Every setting of the service, in one place. Each has an environment
//! variable of the same name in upper case; a TOML file named by
//! `CONFIG_FILE` (default `escalate.toml`, if present) may set them too, and
//! the environment wins. Bad values fail at start with the setting's name.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server binds.
    #[serde(default = "default_listen_addr")]
    pub listen_addr: SocketAddr,
    /// Public URL of this service (join links, Twilio webhooks); default `http://LISTEN_ADDR`.
    pub public_base_url: Option<String>,
    /// PostgreSQL or SQLite URL; default a SQLite file `escalate.db` in the working directory.
    pub database_url: Option<String>,
    #[serde(default = "default_db_connections")]
    pub database_max_connections: u32,
    /// Redis URL; unset means in-process rate limits and caches (one replica only).
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, so deployments (or tests) can share a server.
    #[serde(default = "default_redis_prefix")]
    pub redis_key_prefix: String,
    /// `id:base64key[,id:base64key…]`: 32-byte master keys wrapping tenant data keys.
    pub master_keys: Option<String>,
    /// Which of MASTER_KEYS wraps new data keys; may be omitted when there is one key.
    pub active_master_key_id: Option<String>,
    /// Bearer token for the operator's platform routes; unset disables them.
    pub operator_token: Option<String>,
    /// `auto` (the in-process simulator when no DATABASE_URL and no Twilio URLs are set,
    /// else real Twilio), `simulator`, or `real`.
    #[serde(default)]
    pub twilio_mode: TwilioMode,
    pub twilio_video_base_url: Option<String>,
    pub twilio_conversations_base_url: Option<String>,
    pub twilio_iam_base_url: Option<String>,
    pub twilio_api_base_url: Option<String>,
    #[serde(default = "default_twilio_timeout_ms")]
    pub twilio_timeout_ms: u64,
    #[serde(default = "default_twilio_retries")]
    pub twilio_max_retries: u32,
    #[serde(default = "default_session_ttl_minutes")]
    pub session_ttl_minutes: u64,
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// Take client addresses from X-Forwarded-For; only behind a proxy that sets it.
    #[serde(default)]
    pub trust_proxy_headers: bool,
    /// Origins allowed to call the API from a browser, comma-separated: the
    /// Flex UI's origin. `*` allows any (bearer tokens only; never cookies).
    #[serde(default = "default_cors_origins")]
    pub cors_allowed_origins: String,
    /// Folder holding the page templates and assets (`templates/`, `assets/`).
    #[serde(default = "default_dashboard_dir")]
    pub dashboard_dir: PathBuf,
    /// `pretty` or `json`.
    #[serde(default)]
    pub log_format: LogFormat,
    /// OTLP/HTTP collector base URL (e.g. `http://otel-collector:4318`); unset: no trace export.
    pub otel_exporter_otlp_endpoint: Option<String>,
    #[serde(default = "default_service_name")]
    pub otel_service_name: String,
    /// Share of new traces sampled, 0.0-1.0 (a caller's decision is followed).
    #[serde(default = "default_sampler_ratio")]
    pub otel_traces_sampler_arg: f64,
    /// A tracing filter, e.g. `info` or `escalate_http=debug,info`.
    #[serde(default = "default_log_level")]
    pub log_level: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TwilioMode {
    #[default]
    Auto,
    Simulator,
    Real,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

/// The environment variables read, one per field above.
const KEYS: &[&str] = &[
    "LISTEN_ADDR",
    "PUBLIC_BASE_URL",
    "DATABASE_URL",
    "DATABASE_MAX_CONNECTIONS",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "MASTER_KEYS",
    "ACTIVE_MASTER_KEY_ID",
    "OPERATOR_TOKEN",
    "TWILIO_MODE",
    "TWILIO_VIDEO_BASE_URL",
    "TWILIO_CONVERSATIONS_BASE_URL",
    "TWILIO_IAM_BASE_URL",
    "TWILIO_API_BASE_URL",
    "TWILIO_TIMEOUT_MS",
    "TWILIO_MAX_RETRIES",
    "SESSION_TTL_MINUTES",
    "MAX_BODY_BYTES",
    "TRUST_PROXY_HEADERS",
    "DASHBOARD_DIR",
    "CORS_ALLOWED_ORIGINS",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "OTEL_TRACES_SAMPLER_ARG",
    "LOG_FORMAT",
    "LOG_LEVEL",
];

pub const DEFAULT_SQLITE_FILE: &str = "escalate.db";

fn default_listen_addr() -> SocketAddr {
    "127.0.0.1:8080".parse().expect("valid default address")
}
fn default_db_connections() -> u32 {
    20
}
fn default_redis_prefix() -> String {
    "escalate:".into()
}
fn default_twilio_timeout_ms() -> u64 {
    10_000
}
fn default_twilio_retries() -> u32 {
    3
}
fn default_session_ttl_minutes() -> u64 {
    12 * 60
}
fn default_max_body_bytes() -> usize {
    64 * 1024
}
fn default_cors_origins() -> String {
    "https://flex.twilio.com".into()
}
fn default_dashboard_dir() -> PathBuf {
    "dashboard".into()
}
fn default_service_name() -> String {
    "escalate".into()
}
fn default_sampler_ratio() -> f64 {
    1.0
}
fn default_log_level() -> String {
    "info".into()
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration: {0}")]
    Figment(#[from] Box<figment::Error>),
    #[error("configuration: {setting}: {message}")]
    Invalid { setting: &'static str, message: String },
}

impl Settings {
    /// Reads the config file (if any) and the environment.
    pub fn load() -> Result<Self, SettingsError> {
        let file = std::env::var("CONFIG_FILE").map(PathBuf::from).unwrap_or_else(|_| "escalate.toml".into());
        Self::from_figment(Figment::new().merge(Toml::file(file)).merge(Env::raw().only(KEYS)))
    }

    pub fn from_figment(figment: Figment) -> Result<Self, SettingsError> {
        let s: Settings = figment.extract().map_err(|e| SettingsError::Figment(Box::new(e)))?;
        s.validate()?;
        Ok(s)
    }

    /// Defaults only, plus the given overrides (tests and tools); values are
    /// read exactly as environment variables would be.
    pub fn with(pairs: &[(&str, &str)]) -> Result<Self, SettingsError> {
        let mut f = Figment::new();
        for (k, v) in pairs {
            let value: figment::value::Value = v.parse().unwrap_or_else(|_| (*v).into());
            f = f.merge((k.to_lowercase(), value));
        }
        Self::from_figment(f)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        if let Some(url) = &self.public_base_url
            && (!(url.starts_with("http://") || url.starts_with("https://")) || url.ends_with('/'))
        {
            return Err(invalid("PUBLIC_BASE_URL", "must start with http:// or https:// and not end with /"));
        }
        if let Some(url) = &self.database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("sqlite:"))
        {
            return Err(invalid("DATABASE_URL", "must be a postgres:// or sqlite: URL"));
        }
        if let Some(url) = &self.redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            return Err(invalid("REDIS_URL", "must be a redis:// or rediss:// URL"));
        }
        for (name, value) in [
            ("TWILIO_VIDEO_BASE_URL", &self.twilio_video_base_url),
            ("TWILIO_CONVERSATIONS_BASE_URL", &self.twilio_conversations_base_url),
            ("TWILIO_IAM_BASE_URL", &self.twilio_iam_base_url),
            ("TWILIO_API_BASE_URL", &self.twilio_api_base_url),
        ] {
            if let Some(url) = value
                && (url::Url::parse(url).is_err() || url.ends_with('/'))
            {
                return Err(invalid(name, "must be an absolute URL without a trailing /"));
            }
        }
        if let Some(token) = &self.operator_token
            && token.len() < 24
        {
            return Err(invalid("OPERATOR_TOKEN", "must be at least 24 characters"));
        }
        if self.database_max_connections == 0 {
            return Err(invalid("DATABASE_MAX_CONNECTIONS", "must be at least 1"));
        }
        if self.max_body_bytes < 1024 {
            return Err(invalid("MAX_BODY_BYTES", "must be at least 1024"));
        }
        if !(0.0..=1.0).contains(&self.otel_traces_sampler_arg) {
            return Err(invalid("OTEL_TRACES_SAMPLER_ARG", "must be between 0 and 1"));
        }
        if let Some(url) = &self.otel_exporter_otlp_endpoint
            && url::Url::parse(url).is_err()
        {
            return Err(invalid("OTEL_EXPORTER_OTLP_ENDPOINT", "must be an absolute URL"));
        }
        if self.session_ttl_minutes == 0 {
            return Err(invalid("SESSION_TTL_MINUTES", "must be at least 1"));
        }
        Ok(())
    }

    pub fn public_base_url(&self) -> String {
        self.public_base_url.clone().unwrap_or_else(|| format!("http://{}", self.listen_addr))
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{DEFAULT_SQLITE_FILE}?mode=rwc"))
    }

    /// True when nothing points at real infrastructure: the one-machine demo.
    pub fn is_embedded(&self) -> bool {
        self.database_url.is_none()
    }

    pub fn uses_simulator(&self) -> bool {
        match self.twilio_mode {
            TwilioMode::Simulator => true,
            TwilioMode::Real => false,
            TwilioMode::Auto => {
                self.database_url.is_none()
                    && self.twilio_video_base_url.is_none()
                    && self.twilio_conversations_base_url.is_none()
                    && self.twilio_iam_base_url.is_none()
                    && self.twilio_api_base_url.is_none()
            }
        }
    }
}

fn invalid(setting: &'static str, message: &str) -> SettingsError {
    SettingsError::Invalid { setting, message: message.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_embedded_demo() {
        let s = Settings::with(&[]).unwrap();
        assert_eq!(s.listen_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_base_url(), "http://127.0.0.1:8080");
        assert!(s.database_url().starts_with("sqlite://"));
        assert!(s.is_embedded() && s.uses_simulator());
    }

    #[test]
    fn bad_values_name_the_setting() {
        let err = Settings::with(&[("PUBLIC_BASE_URL", "ftp://x")]).unwrap_err().to_string();
        assert!(err.contains("PUBLIC_BASE_URL"), "{err}");
        let err = Settings::with(&[("LISTEN_ADDR", "nowhere")]).unwrap_err().to_string();
        assert!(err.contains("listen_addr"), "{err}");
        let err = Settings::with(&[("DATABASE_URL", "mysql://x")]).unwrap_err().to_string();
        assert!(err.contains("DATABASE_URL"), "{err}");
        let err = Settings::with(&[("OPERATOR_TOKEN", "short")]).unwrap_err().to_string();
        assert!(err.contains("OPERATOR_TOKEN"), "{err}");
    }

    #[test]
    fn a_real_database_turns_off_the_simulator() {
        let s = Settings::with(&[("DATABASE_URL", "postgres://localhost/x")]).unwrap();
        assert!(!s.uses_simulator());
        let s = Settings::with(&[("DATABASE_URL", "postgres://localhost/x"), ("TWILIO_MODE", "simulator")]).unwrap();
        assert!(s.uses_simulator());
    }
}
