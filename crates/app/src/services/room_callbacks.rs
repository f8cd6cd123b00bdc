//! Twilio's room status callbacks: verified against the contact center's
//! auth token, deduplicated, and folded into the escalation's timeline.

use chrono::{DateTime, Utc};
use escalate_domain::escalation::{RoomEvent, RoomEventKind};
use escalate_store::repos::{EventOutcome, NewEvent};
use escalate_twilio::signature::verify_signature;
use uuid::Uuid;

use super::contact_centers::Center;
use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};

pub struct Callback<'a> {
    pub params: Vec<(String, String)>,
    pub signature: Option<&'a str>,
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

/// Verifies, records and applies one callback; counted by outcome in the metrics.
pub async fn room_callback(app: &App, cc_id: Uuid, cb: Callback<'_>) -> AppResult<EventOutcome> {
    let outcome = record(app, cc_id, cb).await;
    app.metrics.callback(match &outcome {
        Ok(EventOutcome::Applied) => "applied",
        Ok(EventOutcome::Duplicate) => "duplicate",
        Ok(EventOutcome::Unmatched) => "unmatched",
        Err(_) => "rejected",
    });
    outcome
}

async fn record(app: &App, cc_id: Uuid, cb: Callback<'_>) -> AppResult<EventOutcome> {
    let (cc, scope) = app.store.unscoped().contact_center(cc_id).await?.ok_or_else(AppError::not_found)?;
    crate::telemetry::record_tenant(cc.tenant_id, Some(cc.id));
    let center = Center::new(scope, cc);
    let creds = center.credentials(app).await.map_err(|e| match e.code() {
        ErrorCode::TwilioCredentialsMissing => forbidden(),
        _ => e,
    })?;
    let signature = cb.signature.ok_or_else(forbidden)?;
    // Exactly the URL we gave Twilio (behind a proxy the Host header is not the one Twilio signed).
    let url = app.urls().room_callback(cc_id);
    if !verify_signature(creds.auth_token.expose(), &url, &cb.params, signature) {
        tracing::warn!(contact_center_id = %cc_id, "room callback with a bad signature");
        return Err(forbidden());
    }
    if param(&cb.params, "AccountSid") != Some(creds.account_sid.as_str()) {
        return Err(forbidden());
    }

    let missing = |name: &str| AppError::field(name, "is required");
    let room_sid = param(&cb.params, "RoomSid").ok_or_else(|| missing("RoomSid"))?.to_owned();
    let room_name = param(&cb.params, "RoomName").ok_or_else(|| missing("RoomName"))?.to_owned();
    let event = param(&cb.params, "StatusCallbackEvent").ok_or_else(|| missing("StatusCallbackEvent"))?.to_owned();
    let sequence_number = param(&cb.params, "SequenceNumber").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let now = Utc::now();
    let occurred_at = param(&cb.params, "Timestamp")
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok().map(|d| d.with_timezone(&Utc)))
        .unwrap_or(now);
    let participant_identity = param(&cb.params, "ParticipantIdentity").map(str::to_owned);
    let payload = serde_json::Value::Object(
        cb.params.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect(),
    );
    let domain = RoomEvent {
        kind: RoomEventKind::parse(&event),
        at: occurred_at,
        participant_identity: participant_identity.clone(),
        room_duration_seconds: param(&cb.params, "RoomDuration").and_then(|v| v.parse().ok()),
    };
    let new = NewEvent {
        room_sid,
        sequence_number,
        event,
        participant_sid: param(&cb.params, "ParticipantSid").map(str::to_owned),
        participant_identity,
        occurred_at,
        payload,
        domain,
    };
    Ok(app.store.record_room_event(scope, cc_id, &room_name, new, now).await?)
}
