//! An escalation's room events, a page at a time.

use chrono::{DateTime, Utc};
use escalate_app::services::reads;
use escalate_domain::access::Permission;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use crate::api::Tag;
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct EventsApi;

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(super) struct EventPage {
    items: Vec<EscalationEvent>,
    /// Pass as `after` for the next page; absent on the last page.
    next_after: Option<String>,
}

pub(super) fn default_event_limit() -> u64 {
    100
}

/// `<occurred_at in ns>.<sequence number>` of the last event of a page: the
/// time to the nanosecond, as SQLite keeps it (PostgreSQL keeps µs).
pub(super) fn parse_event_cursor(cursor: &str) -> Option<(DateTime<Utc>, i64)> {
    let (nanos, seq) = cursor.split_once('.')?;
    Some((DateTime::from_timestamp_nanos(nanos.parse().ok()?), seq.parse().ok()?))
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(super) struct EscalationEvent {
    event: String,
    sequence_number: i64,
    occurred_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    participant_identity: Option<String>,
    room_sid: String,
}

#[OpenApi(tag = "Tag::Escalations")]
impl EventsApi {
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
}
