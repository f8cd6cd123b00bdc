//! Video providers: who carries an escalation's call.
//!
//! The escalation flow knows rooms only through [`Provider`]: open the
//! escalation's room, find it, end it, and grant a participant a credential
//! scoped to that room and identity ([`Grant`], whose [`ProviderGrant`]
//! holds what only that provider's browser client needs). Each provider
//! reports what happens in its rooms as the same provider-neutral room
//! events the metrics read: Twilio through its signed status callbacks,
//! the built-in provider from its own signalling ([`builtin::hub`]).
//!
//! Providers depend on the core's parts ([`App`], [`Center`], the store),
//! never on the operations that use them.
//!
//! Adding a provider (LiveKit, say) is a variant of
//! [`VideoProvider`](escalate_domain::contact_center::VideoProvider) and of
//! [`ProviderGrant`], a module implementing [`Provider`] (and turning its
//! webhooks into room events), and an arm in [`provider`].

pub mod builtin;
pub mod twilio;

use chrono::{DateTime, Utc};
use escalate_domain::contact_center::VideoProvider;
use escalate_domain::escalation::Status;
use escalate_store::EscalationRecord;

use crate::App;
use crate::center::Center;
use crate::error::AppResult;
use crate::events::Event;
use crate::join_cache::JoinContext;

pub use builtin::ice::{IcePolicy, IceServer};

/// A participant's credential for one room, and what their browser needs
/// to use it.
#[derive(Debug, Clone)]
pub struct Grant {
    /// Twilio: an access token with a Video grant. Built-in: a signed room credential.
    pub token: String,
    pub identity: String,
    pub room_name: String,
    pub expires_at: DateTime<Utc>,
    /// The room records its participants (the agent's view shows it).
    pub recording: bool,
    /// What only this provider's client needs.
    pub detail: ProviderGrant,
}

impl Grant {
    pub fn provider(&self) -> VideoProvider {
        match self.detail {
            ProviderGrant::Twilio => VideoProvider::Twilio,
            ProviderGrant::Builtin(_) => VideoProvider::Builtin,
        }
    }
}

/// One variant per provider: a new provider adds its own, and no other
/// provider's fields become optional.
#[derive(Debug, Clone)]
pub enum ProviderGrant {
    /// twilio-video needs the token alone.
    Twilio,
    Builtin(BuiltinGrant),
}

#[derive(Debug, Clone)]
pub struct BuiltinGrant {
    /// The room's WebSocket signalling URL (`ws://` or `wss://`).
    pub signaling_url: String,
    pub ice_servers: Vec<IceServer>,
    pub ice_transport_policy: IcePolicy,
}

/// The contact center a credential is minted for, as the caller has it:
/// resolved for this request (its credentials opened on demand), or the
/// join path's cached context (the hot path of a customer's token).
#[derive(Clone, Copy)]
pub enum CenterRef<'a> {
    Open(&'a Center),
    Cached(&'a JoinContext),
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

    /// A credential for `identity` in the escalation's room, valid `ttl_seconds`.
    async fn grant(
        &self,
        app: &App,
        center: CenterRef<'_>,
        e: &EscalationRecord,
        identity: &str,
        ttl_seconds: i64,
    ) -> AppResult<Grant>;

    /// What a participant's browser may set up before it holds a credential,
    /// so that joining does not wait for it; `None` where the provider's own
    /// client brings its network (twilio-video).
    fn network_ahead(&self, _app: &App) -> Option<NetworkAhead> {
        None
    }
}

/// The network a browser may prepare ahead of joining: the built-in
/// provider's ICE servers, so that a customer's page allocates its TURN relay
/// while the customer reads it, and the click does not wait the relay's two
/// round trips (on a slow mobile path, the biggest share of the time to
/// video). The TURN password is the same kind a grant carries: short-lived,
/// opaque, and no use without a room credential to signal with.
#[derive(Debug, Clone)]
pub struct NetworkAhead {
    pub ice_servers: Vec<IceServer>,
    pub ice_transport_policy: IcePolicy,
    /// When the TURN passwords stop working: a page keeps its relay no longer.
    pub expires_at: DateTime<Utc>,
}

/// The provider that carries calls of `kind`.
pub fn provider(kind: VideoProvider) -> &'static dyn Provider {
    match kind {
        VideoProvider::Twilio => &twilio::TwilioVideo,
        VideoProvider::Builtin => &builtin::Builtin,
    }
}

/// Makes the escalation's room again when its earlier one ended (rooms
/// left unused or empty for a few minutes end) or was never made: the same
/// name, so credentials already handed out join it. A credential is only
/// worth minting for a room that exists, with the events that make the metrics.
pub async fn ensure_room(app: &App, center: &Center, e: &EscalationRecord) -> AppResult<()> {
    if e.room_sid.is_some() || e.status != Status::Open {
        return Ok(());
    }
    let room_sid = provider(e.video_provider).open_room(app, center, e).await?;
    if app.store.set_room(center.scope, e.id, &room_sid, Utc::now()).await? {
        tracing::info!(escalation_id = %e.id, room_sid = %room_sid, "made the escalation's room again");
    }
    // Replicas drop what they remember of the code (its record names no room).
    app.publish(Event::CodeChanged { code: e.code.clone() }).await;
    Ok(())
}
