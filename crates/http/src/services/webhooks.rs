//! Twilio's room status callbacks: verified against the contact center's
//! auth token, deduplicated, and folded into the escalation's timeline.

use chrono::{DateTime, Utc};
use escalate_domain::escalation::{RoomEvent, RoomEventKind};
use escalate_store::TenantScope;
use escalate_store::repos::{EventOutcome, NewEvent};
use escalate_twilio::signature::verify_signature;
use uuid::Uuid;

use super::credentials;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct Callback<'a> {
    /// The URL Twilio posted to, rebuilt from PUBLIC_BASE_URL (behind a proxy
    /// the Host header is not the one Twilio signed).
    pub url: String,
    pub params: Vec<(String, String)>,
    pub signature: Option<&'a str>,
}

fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

fn forbidden() -> ApiError {
    ApiError::forbidden("the request is not signed by this contact center's Twilio account")
        .with_code("invalid_signature")
}

pub async fn room_callback(state: &AppState, cc_id: Uuid, cb: Callback<'_>) -> ApiResult<EventOutcome> {
    let cc = state.store.contact_center_unscoped(cc_id).await?.ok_or_else(ApiError::not_found)?;
    let scope = TenantScope::new(cc.tenant_id);
    crate::trace_context::record_tenant(cc.tenant_id, Some(cc.id));
    let creds = credentials::load(state, scope, cc.id)
        .await
        .map_err(|e| if e.code == "twilio_credentials_missing" { forbidden() } else { e })?;
    let signature = cb.signature.ok_or_else(forbidden)?;
    if !verify_signature(creds.auth_token.expose(), &cb.url, &cb.params, signature) {
        tracing::warn!(contact_center_id = %cc.id, "room callback with a bad signature");
        return Err(forbidden());
    }
    if param(&cb.params, "AccountSid") != Some(creds.account_sid.as_str()) {
        return Err(forbidden());
    }

    let missing = |name: &str| ApiError::field(name, "is required");
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
    Ok(state.store.record_room_event(scope, cc.id, &room_name, new, now).await?)
}
