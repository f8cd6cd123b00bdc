//! What the application core needs from the service's settings. The binary
//! reads settings from file and environment and builds this once.

use std::time::Duration;

use uuid::Uuid;

use crate::rate_limit::Limit;

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where customers and Twilio reach us, without a trailing slash: join
    /// URLs and callback URLs are built from it, and callback signatures are
    /// checked against it (behind a proxy the Host header is not ours).
    pub public_base_url: String,
    pub session_ttl: Duration,
    /// Audit log entries older than this are purged.
    pub audit_retention: Duration,
    pub limits: Limits,
    pub webrtc: WebRtcConfig,
    pub webhooks: WebhookConfig,
    /// The Flex plugin bundle this service hosts ("Install in Flex"); `None`
    /// when its build folder was not found at start.
    pub flex_plugin: Option<std::sync::Arc<crate::flex_plugin::FlexPluginBundle>>,
    /// Whether Twilio Video rooms carry media from here: false when Twilio
    /// is the simulator, which answers Twilio's API but has no media server.
    pub twilio_video_media: bool,
}

/// How event webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// One attempt's bound: connect, send, and the receiver's answer.
    pub timeout: Duration,
    /// The first retry's wait; later ones grow (see `escalate_domain::webhook::backoff`).
    pub retry_base: Duration,
    /// Retries stop this long after a delivery was queued; it is then failed.
    pub retry_for: Duration,
    /// `http://` and loopback endpoints (tests on one machine).
    pub allow_loopback: bool,
    /// The ports an endpoint may name (a URL on port 22 or 6379 is not a webhook receiver).
    pub allowed_ports: Vec<u16>,
}

impl WebhookConfig {
    /// Whether an endpoint may use `port`: an allowed one, or any port on
    /// loopback when loopback endpoints are allowed (a test's receiver).
    pub fn port_allowed(&self, port: u16, loopback: bool) -> bool {
        self.allowed_ports.contains(&port) || (loopback && self.allow_loopback)
    }
}

/// The built-in video provider's network settings.
#[derive(Debug, Clone, Default)]
pub struct WebRtcConfig {
    /// `stun:`, `turn:` and `turns:` URLs handed to browsers.
    pub ice_urls: Vec<String>,
    /// The TURN server's shared secret (coturn's `static-auth-secret`).
    pub turn_secret: Option<escalate_domain::Secret>,
    /// How long a minted TURN password works (a call outliving it cannot
    /// refresh its relay, so this is longer than a room credential).
    pub turn_ttl: Duration,
    pub ice_policy: crate::video::IcePolicy,
}

impl AppConfig {
    pub fn urls(&self) -> Urls<'_> {
        Urls { base: &self.public_base_url }
    }
}

/// The URLs we hand out. One function each, so what Twilio signs and what
/// the callback check rebuilds can never drift apart.
#[derive(Debug, Clone, Copy)]
pub struct Urls<'a> {
    base: &'a str,
}

impl Urls<'_> {
    /// The customer's join link for a room code.
    pub fn join(&self, code: &str) -> String {
        format!("{}/join/{code}", self.base)
    }

    /// Where Twilio posts a contact center's room status callbacks.
    pub fn room_callback(&self, contact_center_id: Uuid) -> String {
        format!("{}{}", self.base, Self::room_callback_path(contact_center_id))
    }

    pub fn room_callback_path(contact_center_id: Uuid) -> String {
        format!("/v1/webhooks/twilio/rooms/{contact_center_id}")
    }

    /// The WebSocket a built-in room's participants signal through.
    pub fn signaling(&self, room_name: &str) -> String {
        let ws = if let Some(rest) = self.base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else {
            format!("ws://{}", self.base.strip_prefix("http://").unwrap_or(self.base))
        };
        format!("{ws}/v1/video/rooms/{room_name}/signal")
    }

    pub fn base(&self) -> &str {
        self.base
    }
}

/// Rate limits, read straight from the service's settings (`[limits]`),
/// each `<count>/<window>` such as `30/1m`.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Sign-in attempts per client address.
    pub login_per_ip: Limit,
    /// Sign-in attempts per email (failed ones, and wrong current passwords).
    pub login_per_email: Limit,
    /// Failed room-code look-ups (unknown or expired codes) per client
    /// address. A code that exists and is open is never refused by it.
    pub join_failures_per_ip: Limit,
    /// Flex tokens Twilio turned down (and unknown ids tried with one) per client address.
    pub flex_failures_per_ip: Limit,
    /// Flex tokens checked with Twilio per contact center (answers are cached, so
    /// this counts new tokens): bounds the Twilio calls anyone can cause.
    pub flex_checks_per_contact_center: Limit,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login_per_ip: Limit { max: 30, window: Duration::from_secs(60) },
            login_per_email: Limit { max: 10, window: Duration::from_secs(15 * 60) },
            join_failures_per_ip: Limit { max: 20, window: Duration::from_secs(10 * 60) },
            flex_failures_per_ip: Limit { max: 20, window: Duration::from_secs(10 * 60) },
            flex_checks_per_contact_center: Limit { max: 600, window: Duration::from_secs(60) },
        }
    }
}
