//! A recorded escalation's recordings at Twilio.

use chrono::{DateTime, Utc};
use escalate_app::services::recordings;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use crate::api::Tag;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::state::AppState;

pub struct RecordingsApi;

/// What Twilio holds of a recorded escalation.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(super) struct RecordingsView {
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
pub(super) struct RoomRecordingsView {
    room_sid: String,
    /// One audio and one video recording per participant.
    tracks: Vec<TrackRecordingView>,
    /// The room as one playable file.
    composition: Option<CompositionView>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(super) struct TrackRecordingView {
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
pub(super) struct CompositionView {
    sid: String,
    /// `enqueued`, `processing`, `completed`, `failed`.
    status: String,
    duration_seconds: Option<u64>,
    size_bytes: Option<u64>,
    /// The MP4, for a few minutes (ask again for a fresh link).
    media_url: Option<String>,
    media_url_expires_at: Option<DateTime<Utc>>,
}

#[OpenApi(tag = "Tag::Escalations")]
impl RecordingsApi {
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
}
