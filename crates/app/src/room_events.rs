//! One path for what happens in a room, whichever provider carries the call.
//!
//! Each provider's adapter turns what it hears (Twilio's signed status
//! callbacks, the built-in signalling's joins and leaves, a later provider's
//! webhooks) into a provider-neutral [`RoomEvent`] and hands it to
//! [`record`]: deduplicated, stored in the escalation's timeline (in batches,
//! see `event_writer`), counted, and, when it ends the room, told to every
//! replica. The escalation flow never learns which provider spoke.

use escalate_domain::escalation::RoomEvent;
use escalate_store::TenantScope;
use escalate_store::repos::{EventOutcome, NewEvent, RoomCallback};
use uuid::Uuid;

use crate::App;
use crate::error::AppResult;
use crate::events::Event;

/// The room an event belongs to: the contact center and the room's name
/// find its escalation.
#[derive(Debug, Clone)]
pub struct RoomTarget {
    pub scope: TenantScope,
    pub contact_center_id: Uuid,
    pub room_name: String,
}

/// One event as a provider reported it.
#[derive(Debug, Clone)]
pub struct Reported {
    /// The provider's id of this run of the room.
    pub room_sid: String,
    /// Orders and deduplicates a room's events (a provider may repeat one).
    pub sequence_number: i64,
    /// The provider's id of the participant, when it has one.
    pub participant_sid: Option<String>,
    pub event: RoomEvent,
    /// What the provider sent, kept with the event for inspection.
    pub raw: serde_json::Value,
}

/// Records one event and applies it to the escalation's timeline.
pub async fn record(app: &App, target: RoomTarget, reported: Reported) -> AppResult<EventOutcome> {
    let callback = RoomCallback {
        scope: target.scope,
        contact_center_id: target.contact_center_id,
        room_name: target.room_name,
        event: NewEvent {
            room_sid: reported.room_sid,
            sequence_number: reported.sequence_number,
            participant_sid: reported.participant_sid,
            payload: reported.raw,
            domain: reported.event,
        },
    };
    let outcome = app.event_writer().record(callback).await;
    app.metrics.callback(match &outcome {
        Ok(EventOutcome::Applied | EventOutcome::RoomEnded { .. }) => "applied",
        Ok(EventOutcome::Duplicate) => "duplicate",
        Ok(EventOutcome::Unmatched) => "unmatched",
        Err(_) => "rejected",
    });
    if let Ok(EventOutcome::RoomEnded { code }) = &outcome {
        // The next token for the code makes the room again; no replica may
        // keep serving the record that names the ended room.
        app.publish(Event::CodeChanged { code: code.clone() }).await;
    }
    outcome
}
