use chrono::{DateTime, Utc};
use escalate_app::call_quality;
use escalate_app::records::EscalationFilter;
use escalate_app::records::EscalationRecord;
use escalate_app::services::callers::{self, Caller};
use escalate_app::services::escalations::{self, CreateInput};
use escalate_app::services::join;
use escalate_app::services::reads;
use escalate_app::services::recordings;
use escalate_app::video::{Grant, IcePolicy, ProviderGrant};
use escalate_domain::access::Permission;
use escalate_domain::contact_center::VideoProvider;
use escalate_domain::escalation::{AGENT_PREFIX, Status};
use escalate_domain::quality::CallQuality;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use crate::auth::agent::EscalationAuth;
use crate::auth::{TenantAuth, client_ip};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct EscalationsApi;

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct CreateEscalation {
    /// The Flex task (`WT…`).
    task_sid: String,
    /// The customer's Twilio Conversation (`CH…`); the join link is posted there.
    conversation_sid: String,
    /// How the agent is named in the chat message; defaults to their identity.
    agent_name: Option<String>,
    /// The agent's Flex identity. Required with an API key or a session;
    /// ignored with a Flex token, whose identity is used.
    agent_identity: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
#[oai(rename = "Escalation")]
struct EscalationView {
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
    /// The agent's room credential, scoped to this room (on create only);
    /// `agent_video` has what the browser needs to use it.
    agent_token: Option<String>,
    agent_token_expires_at: Option<DateTime<Utc>>,
    agent_video: Option<VideoToken>,
    /// How the call went, as both browsers measured it.
    quality: super::quality::CallQualityView,
}

/// What Twilio holds of a recorded escalation.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct RecordingsView {
    /// Made while its contact center recorded calls.
    recorded: bool,
    /// When the customer agreed to the recording.
    consent_at: Option<DateTime<Utc>>,
    /// When its recordings were deleted (retention period over).
    deleted_at: Option<DateTime<Utc>>,
    rooms: Vec<RoomRecordingsView>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct RoomRecordingsView {
    room_sid: String,
    /// One audio and one video recording per participant.
    tracks: Vec<TrackRecordingView>,
    /// The room as one playable file.
    composition: Option<CompositionView>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct TrackRecordingView {
    sid: String,
    /// `audio` or `video`.
    kind: String,
    /// `processing`, `completed`, `failed`.
    status: String,
    duration_seconds: Option<u64>,
    size_bytes: Option<u64>,
    participant_sid: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct CompositionView {
    sid: String,
    /// `enqueued`, `processing`, `completed`, `failed`.
    status: String,
    duration_seconds: Option<u64>,
    size_bytes: Option<u64>,
    /// The MP4, for a few minutes (ask again for a fresh link).
    media_url: Option<String>,
    media_url_expires_at: Option<DateTime<Utc>>,
}

/// A customer's rating of their call.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct RatingRequest {
    /// 1 to 5.
    stars: i32,
    /// Optional, at most 1,000 characters.
    comment: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct RatingView {
    stars: i32,
    comment: Option<String>,
    rated_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum RateResponse {
    /// Thank you: the rating is stored.
    #[oai(status = 201)]
    Rated(Json<RatingView>),
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
struct IceServer {
    urls: Vec<String>,
    username: Option<String>,
    credential: Option<String>,
}

#[derive(poem_openapi::Enum)]
#[oai(rename_all = "lowercase")]
enum IceTransportPolicy {
    All,
    Relay,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct EscalationPage {
    items: Vec<EscalationView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    next_before: Option<Uuid>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct EventPage {
    items: Vec<EscalationEvent>,
    /// Pass as `after` for the next page; absent on the last page.
    next_after: Option<String>,
}

fn default_event_limit() -> u64 {
    100
}

/// `<occurred_at in ns>.<sequence number>` of the last event of a page: the
/// time to the nanosecond, as SQLite keeps it (PostgreSQL keeps µs).
fn parse_event_cursor(cursor: &str) -> Option<(DateTime<Utc>, i64)> {
    let (nanos, seq) = cursor.split_once('.')?;
    Some((DateTime::from_timestamp_nanos(nanos.parse().ok()?), seq.parse().ok()?))
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct EscalationEvent {
    event: String,
    sequence_number: i64,
    occurred_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    participant_identity: Option<String>,
    room_sid: String,
}

#[derive(ApiResponse)]
enum CreateResponse {
    /// A new escalation: room made, join link posted.
    #[oai(status = 201)]
    Created(Json<EscalationView>),
    /// The escalation an earlier request with the same Idempotency-Key made.
    #[oai(status = 200)]
    Replayed(Json<EscalationView>),
}

/// An escalation as a caller sees it: the customer's code and link only for
/// callers who may join the call (see `Caller::sees_codes`).
fn view(
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
        status: e.status,
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
        agent_token_expires_at: token.as_ref().map(|t| t.expires_at),
        agent_token: token.as_ref().map(|t| t.token.clone()),
        agent_video: token.map(token_view),
        quality: super::quality::view(quality),
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
        ice_transport_policy: builtin.as_ref().map(|b| match b.ice_transport_policy {
            IcePolicy::All => IceTransportPolicy::All,
            IcePolicy::Relay => IceTransportPolicy::Relay,
        }),
        ice_servers: builtin.map(|b| {
            b.ice_servers
                .into_iter()
                .map(|s| IceServer { urls: s.urls, username: s.username, credential: s.credential })
                .collect()
        }),
    }
}

#[OpenApi(tag = "Tag::Escalations")]
impl EscalationsApi {
    /// Escalate a chat to video.
    ///
    /// Creates the Twilio room, posts the contact center's message with the
    /// join link into the conversation, and answers with the agent's token.
    /// Send an `Idempotency-Key` (the Flex plugin uses one per task): a retry
    /// or a double click with the same key returns the same escalation (200)
    /// and makes no second room or message.
    #[oai(path = "/v1/contact-centers/:cc/escalations", method = "post", operation_id = "createEscalation")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: EscalationAuth,
        req: &Request,
        cc: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        body: Json<CreateEscalation>,
    ) -> ApiResult<CreateResponse> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let (center, caller) = callers::for_contact_center(&state, auth.credential(&state, &ip).await?, cc.0).await?;
        let b = body.0;
        let agent = match &caller {
            Caller::Flex(user) => user.identity.clone(),
            Caller::Tenant(_) => {
                b.agent_identity.map(|a| a.strip_prefix(AGENT_PREFIX).map(str::to_owned).unwrap_or(a)).ok_or_else(
                    || ApiError::field("agent_identity", "is required unless you call with the agent's Flex token"),
                )?
            }
        };
        let input = CreateInput {
            task_sid: b.task_sid.trim().to_owned(),
            conversation_sid: b.conversation_sid.trim().to_owned(),
            agent_name: b.agent_name.map(|n| n.trim().to_owned()),
            agent,
            idempotency_key: idempotency_key.0,
        };
        let created = escalations::create(&state, &center, input).await?;
        let v = view(&state, created.escalation, Some(created.agent_token), true, CallQuality::default());
        Ok(if created.replayed { CreateResponse::Replayed(Json(v)) } else { CreateResponse::Created(Json(v)) })
    }

    /// A contact center's escalations, newest first.
    #[oai(path = "/v1/contact-centers/:cc/escalations", method = "get", operation_id = "listEscalations")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        cc: Path<Uuid>,
        status: Query<Option<Status>>,
        /// Created at or after (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Created before (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// The `next_before` of the previous page.
        before: Query<Option<Uuid>>,
        /// 1-200, default 50.
        limit: Query<Option<u64>>,
    ) -> ApiResult<Json<EscalationPage>> {
        let scope = auth.principal().require(Permission::ViewMetrics)?;
        reads::contact_center(&state, scope, cc.0).await?;
        let codes = auth.principal().can(Permission::ManageEscalations);
        let limit = limit.0.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::field("limit", "must be between 1 and 200"));
        }
        let filter = EscalationFilter { status: status.0, from: from.0, to: to.0, before: before.0, limit };
        let rows = reads::escalations(&state, scope, cc.0, &filter).await?;
        let next_before = (rows.len() as u64 == limit).then(|| rows.last().map(|e| e.id)).flatten();
        let ids: Vec<Uuid> = rows.iter().map(|e| e.id).collect();
        let mut quality = call_quality::of_many(&state, scope, &ids).await?;
        Ok(Json(EscalationPage {
            items: rows
                .into_iter()
                .map(|e| {
                    let q = quality.remove(&e.id).unwrap_or_default();
                    view(&state, e, None, codes, q)
                })
                .collect(),
            next_before,
        }))
    }

    /// One escalation.
    #[oai(path = "/v1/escalations/:id", method = "get", operation_id = "getEscalation")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: EscalationAuth,
        req: &Request,
        id: Path<Uuid>,
    ) -> ApiResult<Json<EscalationView>> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let (center, e, caller) =
            callers::for_escalation(&state, auth.credential(&state, &ip).await?, id.0, Permission::ViewMetrics).await?;
        let quality = call_quality::of(&state, center.scope, e.id).await?;
        Ok(Json(view(&state, e, None, caller.sees_codes(), quality)))
    }

    /// A recorded escalation's recordings (admins): per room, Twilio's
    /// track recordings and the room composed into one file, with a link to
    /// it that works for 10 minutes once Twilio has made it. The first look
    /// after a room ended asks Twilio to compose it (`status: enqueued`; look
    /// again shortly). After the contact center's retention period the
    /// recordings are deleted and `deleted_at` says when.
    #[oai(path = "/v1/escalations/:id/recordings", method = "get", operation_id = "listEscalationRecordings")]
    async fn recordings(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<RecordingsView>> {
        let r = recordings::list(&state, auth.principal(), id.0).await?;
        let name = |v: serde_json::Value| v.as_str().unwrap_or_default().to_owned();
        Ok(Json(RecordingsView {
            recorded: r.recorded,
            consent_at: r.consent_at,
            deleted_at: r.deleted_at,
            rooms: r
                .rooms
                .into_iter()
                .map(|room| RoomRecordingsView {
                    room_sid: room.room_sid,
                    tracks: room
                        .recordings
                        .into_iter()
                        .map(|t| TrackRecordingView {
                            sid: t.sid,
                            kind: name(serde_json::json!(t.kind)),
                            status: name(serde_json::json!(t.status)),
                            duration_seconds: t.duration,
                            size_bytes: t.size,
                            participant_sid: t.grouping_sids.participant_sid,
                        })
                        .collect(),
                    composition: room.composition.map(|c| CompositionView {
                        sid: c.sid,
                        status: name(serde_json::json!(c.status)),
                        duration_seconds: c.duration,
                        size_bytes: c.size,
                        media_url_expires_at: room.media_url.as_ref().map(|_| r.media_url_expires_at),
                        media_url: room.media_url,
                    }),
                })
                .collect(),
        }))
    }

    /// The room events of an escalation (Twilio's callbacks, or the built-in
    /// provider's joins and leaves), in the order they happened, a page at a
    /// time: pass `next_after` of a page as `after` for the next.
    #[oai(path = "/v1/escalations/:id/events", method = "get", operation_id = "listEscalationEvents")]
    async fn events(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        id: Path<Uuid>,
        /// Events after this cursor (a page's `next_after`).
        #[oai(validator(max_length = 40, pattern = r"^[0-9]{1,20}\.-?[0-9]{1,20}$"))]
        after: Query<Option<String>>,
        /// How many events per page (1–500).
        #[oai(default = "default_event_limit", validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<u64>,
    ) -> ApiResult<Json<EventPage>> {
        let scope = auth.principal().require(Permission::ViewMetrics)?;
        reads::escalation(&state, scope, id.0).await?;
        let after = match after.0.as_deref() {
            None => None,
            Some(c) => {
                Some(parse_event_cursor(c).ok_or_else(|| ApiError::field("after", "is not a cursor of this list"))?)
            }
        };
        let events = reads::escalation_events(&state, scope, id.0, after, limit.0).await?;
        let next_after = (events.len() as u64 == limit.0)
            .then(|| {
                events
                    .last()
                    .and_then(|e| Some(format!("{}.{}", e.occurred_at.timestamp_nanos_opt()?, e.sequence_number)))
            })
            .flatten();
        let items = events
            .into_iter()
            .map(|e| EscalationEvent {
                event: e.event,
                sequence_number: e.sequence_number,
                occurred_at: e.occurred_at,
                received_at: e.received_at,
                participant_identity: e.participant_identity,
                room_sid: e.room_sid,
            })
            .collect();
        Ok(Json(EventPage { items, next_after }))
    }

    /// End the video call: completes the room and expires the customer's code.
    #[oai(path = "/v1/escalations/:id/complete", method = "post", operation_id = "completeEscalation")]
    async fn complete(
        &self,
        state: Data<&AppState>,
        auth: EscalationAuth,
        req: &Request,
        id: Path<Uuid>,
    ) -> ApiResult<Json<EscalationView>> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let (center, e, _) =
            callers::for_escalation(&state, auth.credential(&state, &ip).await?, id.0, Permission::ManageEscalations)
                .await?;
        let done = escalations::complete(&state, &center, e).await?;
        let quality = call_quality::of(&state, center.scope, done.id).await?;
        Ok(Json(view(&state, done, None, true, quality)))
    }

    /// A fresh Video token for the agent (with a Flex token: for the caller).
    #[oai(path = "/v1/escalations/:id/agent-token", method = "post", operation_id = "createAgentToken")]
    async fn agent_token(
        &self,
        state: Data<&AppState>,
        auth: EscalationAuth,
        req: &Request,
        id: Path<Uuid>,
    ) -> ApiResult<Json<VideoToken>> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let (center, e, caller) =
            callers::for_escalation(&state, auth.credential(&state, &ip).await?, id.0, Permission::ManageEscalations)
                .await?;
        let identity = match &caller {
            Caller::Flex(user) => escalate_domain::escalation::agent_identity(&user.identity),
            Caller::Tenant(_) => e.agent_identity.clone(),
        };
        let token = escalations::agent_token(&state, &center, &e, &identity).await?;
        Ok(Json(token_view(token)))
    }

    /// The customer rates the call: 1–5 stars and an optional comment.
    ///
    /// Once per escalation (`already_rated`, 409), after the customer was in
    /// the call (`not_rateable`, 409), while the link lives (the call may
    /// have ended; unknown and expired codes answer 404 as for the token).
    /// Rate-limited per client address. Sends `rating.received` webhooks.
    #[oai(path = "/v1/join/:code/rating", method = "post", operation_id = "rateCall")]
    async fn rate(
        &self,
        state: Data<&AppState>,
        req: &Request,
        code: Path<String>,
        body: Json<RatingRequest>,
    ) -> ApiResult<RateResponse> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let b = body.0;
        let e = join::rate(&state, &code.0, &ip, join::RatingInput { stars: b.stars, comment: b.comment }).await?;
        Ok(RateResponse::Rated(Json(RatingView {
            stars: e.rating.unwrap_or(b.stars),
            comment: e.rating_comment,
            rated_at: e.rated_at.unwrap_or_else(Utc::now),
        })))
    }

    /// The customer's token: trade a room code for a token to that room only.
    ///
    /// Unknown, malformed and expired codes all answer 404; an ended call 410.
    /// Failed look-ups are rate-limited per client address (429).
    #[oai(path = "/v1/join/:code/token", method = "post", operation_id = "createCustomerToken")]
    async fn customer_token(
        &self,
        state: Data<&AppState>,
        req: &Request,
        code: Path<String>,
        /// `true` once the customer agreed to the call being recorded; a
        /// recorded call refuses a token without it (`recording_consent_required`, 409).
        recording_consent: Query<Option<bool>>,
    ) -> ApiResult<Json<VideoToken>> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let token = join::customer_token(&state, &code.0, &ip, recording_consent.0.unwrap_or(false)).await?;
        Ok(Json(token_view(token)))
    }
}
