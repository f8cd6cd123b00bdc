//! Twilio's room status callbacks: verified against the contact center's
//! auth token, deduplicated, and folded into the escalation's timeline.

use chrono::{DateTime, Utc};
use escalate_domain::contact_center::VideoProvider;
use escalate_domain::escalation::{RoomEvent, RoomEventKind};
use escalate_store::repos::EventOutcome;
use escalate_twilio::signature::verify_signature;
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::room_events::{self, Reported, RoomTarget};

pub struct Callback<'a> {
    pub params: Vec<(String, String)>,
    pub signature: Option<&'a str>,
    /// The query string of the URL that was called, if any: Twilio signs the
    /// full URL, so a query added on the way must fail the check.
    pub query: Option<&'a str>,
}

fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

fn forbidden() -> AppError {
    AppError::Forbidden {
        code: ErrorCode::InvalidSignature,
        detail: "the request is not signed by this contact center's Twilio account".into(),
    }
}

/// Verifies one callback and records it on the room-event path; counted by
/// outcome in the metrics.
pub async fn room_callback(app: &App, cc_id: Uuid, cb: Callback<'_>) -> AppResult<EventOutcome> {
    match verified(app, cc_id, cb).await {
        Ok((target, reported)) => room_events::record(app, target, reported).await,
        Err(err) => {
            app.metrics.callback("rejected");
            Err(err)
        }
    }
}

async fn verified(app: &App, cc_id: Uuid, cb: Callback<'_>) -> AppResult<(RoomTarget, Reported)> {
    // The contact center's auth token, from memory while fresh (the join path's).
    let ctx = super::join::context(app, cc_id).await?;
    crate::telemetry::record_tenant(ctx.scope.tenant_id(), Some(cc_id));
    let creds = ctx.twilio.as_ref().ok_or_else(forbidden)?;
    let signature = cb.signature.ok_or_else(forbidden)?;
    // Exactly the URL that was called, as Twilio signs it: the one we gave
    // Twilio (behind a proxy the Host header is not the one Twilio signed),
    // with the query the request came with.
    let mut url = app.urls().room_callback(cc_id);
    if let Some(query) = cb.query.filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(query);
    }
    if !verify_signature(creds.auth_token.expose(), &url, &cb.params, signature) {
        tracing::warn!(contact_center_id = %cc_id, "room callback with a bad signature");
        return Err(forbidden());
    }
    if param(&cb.params, "AccountSid") != Some(creds.account_sid.as_str()) {
        return Err(forbidden());
    }

    let (room_name, reported) = parse(&cb.params, Utc::now())?;
    Ok((RoomTarget { scope: ctx.scope, contact_center_id: cc_id, room_name }, reported))
}

/// The fields a callback must and may carry, bounded as they are stored.
const MAX_SID: usize = 34;
const MAX_EVENT: usize = 64;
const MAX_IDENTITY: usize = 200;
const MAX_ROOM_NAME: usize = 128;

/// A callback's form fields as the event to record, and the room name to
/// find its escalation by. Never panics; refuses what cannot be stored.
pub fn parse(params: &[(String, String)], now: DateTime<Utc>) -> AppResult<(String, Reported)> {
    let too_long = |name: &str, max: usize| AppError::field(name, format!("must be at most {max} characters"));
    for (name, max) in [
        ("RoomSid", MAX_SID),
        ("ParticipantSid", MAX_SID),
        ("StatusCallbackEvent", MAX_EVENT),
        ("ParticipantIdentity", MAX_IDENTITY),
        ("RoomName", MAX_ROOM_NAME),
    ] {
        if param(params, name).is_some_and(|v| v.chars().count() > max) {
            return Err(too_long(name, max));
        }
    }
    // The payload is stored as JSON, which cannot hold a NUL.
    if let Some((name, _)) = params.iter().find(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(AppError::field(name, "must not contain a NUL character"));
    }
    let missing = |name: &str| AppError::field(name, "is required");
    let room_sid = param(params, "RoomSid").ok_or_else(|| missing("RoomSid"))?.to_owned();
    let room_name = param(params, "RoomName").ok_or_else(|| missing("RoomName"))?.to_owned();
    let event = param(params, "StatusCallbackEvent").ok_or_else(|| missing("StatusCallbackEvent"))?.to_owned();
    let sequence_number = param(params, "SequenceNumber").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let occurred_at = param(params, "Timestamp")
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok().map(|d| d.with_timezone(&Utc)))
        .unwrap_or(now);
    let participant_identity = param(params, "ParticipantIdentity").map(str::to_owned);
    let payload = serde_json::Value::Object(
        params.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect(),
    );
    let event = RoomEvent {
        provider: VideoProvider::Twilio,
        kind: RoomEventKind::from_name(&event),
        at: occurred_at,
        participant_identity,
        room_duration_seconds: param(params, "RoomDuration").and_then(|v| v.parse().ok()),
    };
    let new = Reported {
        room_sid,
        sequence_number,
        participant_sid: param(params, "ParticipantSid").map(str::to_owned),
        event,
        raw: payload,
    };
    Ok((room_name, new))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn names() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("RoomSid".to_owned()),
            Just("RoomName".to_owned()),
            Just("StatusCallbackEvent".to_owned()),
            Just("SequenceNumber".to_owned()),
            Just("Timestamp".to_owned()),
            Just("ParticipantIdentity".to_owned()),
            Just("ParticipantSid".to_owned()),
            Just("RoomDuration".to_owned()),
            any::<String>(),
        ]
    }

    proptest! {
        /// Whatever a form carries, parsing answers (never panics), and what
        /// it accepts fits the columns it is stored in.
        #[test]
        fn any_form_parses_or_is_refused_within_bounds(
            params in proptest::collection::vec((names(), any::<String>()), 0..12)
        ) {
            if let Ok((room_name, ev)) = parse(&params, Utc::now()) {
                prop_assert!(!room_name.is_empty() && room_name.chars().count() <= MAX_ROOM_NAME);
                prop_assert!(ev.room_sid.chars().count() <= MAX_SID && !ev.room_sid.is_empty());
                prop_assert!(ev.event.kind.as_str().chars().count() <= MAX_EVENT);
                prop_assert!(ev.event.participant_identity.as_ref().is_none_or(|p| p.chars().count() <= MAX_IDENTITY));
                prop_assert!(!ev.raw.to_string().contains("\\u0000"));
            }
        }

        /// The raw body, as Twilio or anyone may send it, never panics the form reader.
        #[test]
        fn any_body_reads_as_a_form_or_is_refused(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            if let Ok(params) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) {
                let _ = parse(&params, Utc::now());
            }
        }
    }
}
