//! How an escalation and a room credential look on the wire, shared by
//! the escalation operations (and the dashboard's test call).

use chrono::{DateTime, Utc};
use escalate_app::records::EscalationRecord;
use escalate_app::video::{Grant, IcePolicy, NetworkAhead, ProviderGrant};
use escalate_domain::contact_center::VideoProvider;
use escalate_domain::escalation::Status;
use escalate_domain::quality::CallQuality;
use poem_openapi::Object;
use uuid::Uuid;

use crate::api::quality;
use crate::state::AppState;

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
#[oai(rename = "Escalation")]
pub(super) struct EscalationView {
    id: Uuid,
    contact_center_id: Uuid,
    status: Status,
    /// Who carries the call (fixed when the escalation is made).
    video_provider: VideoProvider,
    /// Started from the dashboard's test call: no chat behind it, left out of the metrics.
    test_call: bool,
    /// The customer's room code; with `join_url`, a bearer credential for the room.
    #[oai(skip_serializing_if_is_none)]
    code: Option<String>,
    /// Absent, with `code`, for callers who may not join calls (viewers, metrics-only keys).
    #[oai(skip_serializing_if_is_none)]
    join_url: Option<String>,
    room_sid: Option<String>,
    room_name: String,
    /// Empty for test calls, as is `conversation_sid`.
    task_sid: String,
    conversation_sid: String,
    agent_identity: String,
    agent_name: Option<String>,
    /// When the customer's code stops working.
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    room_created_at: Option<DateTime<Utc>>,
    agent_joined_at: Option<DateTime<Utc>>,
    customer_joined_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
    duration_seconds: Option<i64>,
    failure_reason: Option<String>,
    /// The customer's rating of the call (1–5 stars), once they gave one.
    rating: Option<i32>,
    rating_comment: Option<String>,
    rated_at: Option<DateTime<Utc>>,
    /// Its rooms record participants (see `/v1/escalations/{id}/recordings`).
    recorded: bool,
    /// When the customer agreed to the recording.
    recording_consent_at: Option<DateTime<Utc>>,
    /// When the customer's data was erased (see `POST /v1/escalations/{id}/erase`).
    erased_at: Option<DateTime<Utc>>,
    /// The agent's room credential, scoped to this room (on create only);
    /// `agent_video` has what the browser needs to use it.
    agent_token: Option<String>,
    agent_token_expires_at: Option<DateTime<Utc>>,
    agent_video: Option<VideoToken>,
    /// How the call went, as both browsers measured it.
    quality: quality::CallQualityView,
}

/// A participant's credential for one room, and how the browser uses it.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(crate) struct VideoToken {
    /// `twilio`: connect with twilio-video using `token` and `room_name`.
    /// `builtin`: open `signaling_url` and send `token` in the first message.
    provider: VideoProvider,
    token: String,
    room_name: String,
    identity: String,
    expires_at: DateTime<Utc>,
    /// Built-in only: the room's WebSocket signalling endpoint.
    signaling_url: Option<String>,
    /// Built-in only: `RTCConfiguration.iceServers` (TURN passwords are short-lived and per participant).
    ice_servers: Option<Vec<IceServer>>,
    /// Built-in only: `RTCConfiguration.iceTransportPolicy`.
    ice_transport_policy: Option<IceTransportPolicy>,
    /// The room records its participants: show that the call is recorded.
    recording: bool,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(super) struct IceServer {
    urls: Vec<String>,
    username: Option<String>,
    credential: Option<String>,
}

#[derive(poem_openapi::Enum)]
#[oai(rename_all = "lowercase")]
pub(super) enum IceTransportPolicy {
    All,
    Relay,
}

/// An escalation as a caller sees it: the customer's code and link only for
/// callers who may join the call (see `Caller::sees_codes`).
pub(super) fn view(
    state: &AppState,
    e: EscalationRecord,
    token: Option<Grant>,
    codes: bool,
    quality: CallQuality,
) -> EscalationView {
    EscalationView {
        join_url: codes.then(|| state.urls().join(&e.code)),
        id: e.id,
        contact_center_id: e.contact_center_id,
        status: escalate_app::records::status_now(&e),
        video_provider: e.video_provider,
        test_call: e.test_call,
        code: codes.then_some(e.code),
        room_sid: e.room_sid,
        room_name: e.room_name,
        task_sid: e.task_sid,
        conversation_sid: e.conversation_sid,
        agent_identity: e.agent_identity,
        agent_name: e.agent_name,
        expires_at: e.expires_at,
        created_at: e.created_at,
        room_created_at: e.room_created_at,
        agent_joined_at: e.agent_joined_at,
        customer_joined_at: e.customer_joined_at,
        ended_at: e.ended_at,
        duration_seconds: e.duration_seconds,
        failure_reason: e.failure_reason,
        rating: e.rating,
        rating_comment: e.rating_comment,
        rated_at: e.rated_at,
        recorded: e.recorded,
        recording_consent_at: e.recording_consent_at,
        erased_at: e.erased_at,
        agent_token_expires_at: token.as_ref().map(|t| t.expires_at),
        agent_token: token.as_ref().map(|t| t.token.clone()),
        agent_video: token.map(token_view),
        quality: quality::view(quality),
    }
}

/// What the customer's page may set up before the click: ICE servers to
/// allocate a TURN relay with while the customer reads the page.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(super) struct JoinNetwork {
    /// `RTCConfiguration.iceServers` for a connection made ahead of joining;
    /// empty when the call's provider brings its own (Twilio).
    ice_servers: Vec<IceServer>,
    /// `RTCConfiguration.iceTransportPolicy` (built-in calls).
    ice_transport_policy: Option<IceTransportPolicy>,
    /// When the TURN passwords stop working: fetch again to keep a connection ready longer.
    expires_at: Option<DateTime<Utc>>,
}

pub(super) fn join_network_view(ahead: Option<NetworkAhead>) -> JoinNetwork {
    match ahead {
        None => JoinNetwork { ice_servers: Vec::new(), ice_transport_policy: None, expires_at: None },
        Some(a) => JoinNetwork {
            ice_servers: ice_servers_view(a.ice_servers),
            ice_transport_policy: Some(ice_policy_view(a.ice_transport_policy)),
            expires_at: Some(a.expires_at),
        },
    }
}

fn ice_servers_view(servers: Vec<escalate_app::video::IceServer>) -> Vec<IceServer> {
    servers.into_iter().map(|s| IceServer { urls: s.urls, username: s.username, credential: s.credential }).collect()
}

fn ice_policy_view(policy: IcePolicy) -> IceTransportPolicy {
    match policy {
        IcePolicy::All => IceTransportPolicy::All,
        IcePolicy::Relay => IceTransportPolicy::Relay,
    }
}

pub(crate) fn token_view(t: Grant) -> VideoToken {
    let provider = t.provider();
    let builtin = match t.detail {
        ProviderGrant::Builtin(b) => Some(b),
        ProviderGrant::Twilio => None,
    };
    VideoToken {
        recording: t.recording,
        provider,
        token: t.token,
        room_name: t.room_name,
        identity: t.identity,
        expires_at: t.expires_at,
        signaling_url: builtin.as_ref().map(|b| b.signaling_url.clone()),
        ice_transport_policy: builtin.as_ref().map(|b| ice_policy_view(b.ice_transport_policy)),
        ice_servers: builtin.map(|b| ice_servers_view(b.ice_servers)),
    }
}
