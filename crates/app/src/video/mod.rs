//! Video providers: who carries an escalation's call.
//!
//! The escalation flow ([`crate::services::escalations`]) knows rooms only
//! through [`Provider`]: open the escalation's room, find it, end it, and
//! grant a participant a credential scoped to that room and identity. Each
//! provider reports what happens in its rooms as the same escalation events
//! (room created, participant connected/disconnected, room ended) the
//! metrics read: Twilio through its signed status callbacks
//! ([`crate::services::room_callbacks`]), the built-in provider from its own
//! signalling ([`builtin::hub`]).
//!
//! Adding a provider (LiveKit, say) is a variant of
//! [`VideoProvider`](escalate_domain::contact_center::VideoProvider), a module
//! implementing [`Provider`], and an arm in [`provider`]; the browsers pick
//! their client by [`Grant::provider`].

pub mod builtin;
pub mod twilio;

use chrono::{DateTime, Utc};
use escalate_domain::contact_center::VideoProvider;
use escalate_store::EscalationRecord;

use crate::App;
use crate::error::AppResult;
use crate::services::contact_centers::Center;

pub use builtin::ice::{IcePolicy, IceServer};

/// A participant's credential for one room, and what their browser needs
/// to use it.
#[derive(Debug, Clone)]
pub struct Grant {
    pub provider: VideoProvider,
    /// Twilio: an access token with a Video grant. Built-in: a signed room credential.
    pub token: String,
    pub identity: String,
    pub room_name: String,
    pub expires_at: DateTime<Utc>,
    /// Built-in only: where to signal and how to reach the other browser.
    pub builtin: Option<BuiltinGrant>,
    /// The room records its participants (the agent's view shows it).
    pub recording: bool,
}

#[derive(Debug, Clone)]
pub struct BuiltinGrant {
    /// The room's WebSocket signalling URL (`ws://` or `wss://`).
    pub signaling_url: String,
    pub ice_servers: Vec<IceServer>,
    pub ice_transport_policy: IcePolicy,
}

/// What a video provider does for an escalation.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// Opens the escalation's room, or finds the one an earlier attempt
    /// opened under the escalation's room name; answers the room's id.
    async fn open_room(&self, app: &App, center: &Center, e: &EscalationRecord) -> AppResult<String>;

    /// The escalation's room while it is still open, if any (for finishing
    /// an escalation a replica left mid-creation).
    async fn find_room(&self, app: &App, center: &Center, e: &EscalationRecord) -> AppResult<Option<String>>;

    /// Ends the room and everyone's part in it; a room already ended is not an error.
    async fn end_room(&self, app: &App, center: &Center, e: &EscalationRecord, room_sid: &str) -> AppResult<()>;

    /// A credential for `identity` in the escalation's room, valid
    /// `ttl_seconds`. `center` is given when the caller has it at hand (its
    /// credentials may be open already); without it, cached material is used.
    async fn grant(
        &self,
        app: &App,
        center: Option<&Center>,
        e: &EscalationRecord,
        identity: &str,
        ttl_seconds: i64,
    ) -> AppResult<Grant>;
}

/// The provider that carries calls of `kind`.
pub fn provider(kind: VideoProvider) -> &'static dyn Provider {
    match kind {
        VideoProvider::Twilio => &twilio::TwilioVideo,
        VideoProvider::Builtin => &builtin::Builtin,
    }
}
