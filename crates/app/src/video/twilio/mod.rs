//! Twilio Programmable Video rooms in the contact center's own account.
//! Tokens are signed with the contact center's API key; the room's events
//! arrive as Twilio's status callbacks.

use chrono::Utc;
use escalate_store::EscalationRecord;
use escalate_twilio::{AccountClient, CreateRoom, Room, RoomStatus, TwilioError};

pub mod token;

use super::{CenterRef, Grant, Provider, ProviderGrant};
use crate::App;
use crate::center::Center;
use crate::error::{AppError, AppResult, ErrorCode};

pub struct TwilioVideo;

#[async_trait::async_trait]
impl Provider for TwilioVideo {
    async fn open_room(&self, app: &App, center: &Center, e: &EscalationRecord) -> AppResult<String> {
        let client = app.twilio.account(center.credentials(app).await?.clone());
        create_room(&client, app, center, e)
            .await
            .map(|r| r.sid)
            .map_err(|err| failure(err, "could not make the video room"))
    }

    async fn find_room(&self, app: &App, center: &Center, e: &EscalationRecord) -> AppResult<Option<String>> {
        let client = app.twilio.account(center.credentials(app).await?.clone());
        match client.fetch_room(&e.room_name).await {
            Ok(room) if room.status == RoomStatus::InProgress => Ok(Some(room.sid)),
            Ok(_) | Err(TwilioError::Api { status: 404, .. }) => Ok(None),
            Err(err) => Err(failure(err, "could not look up the video room")),
        }
    }

    async fn end_room(&self, app: &App, center: &Center, _e: &EscalationRecord, room_sid: &str) -> AppResult<()> {
        let creds = center.credentials(app).await?;
        match app.twilio.account(creds.clone()).complete_room(room_sid).await {
            // Already ended or gone at Twilio: nothing left to end.
            Ok(_) | Err(TwilioError::Api { status: 400 | 404, .. }) => Ok(()),
            Err(err) => Err(failure(err, "could not end the video room")),
        }
    }

    async fn grant(
        &self,
        app: &App,
        center: CenterRef<'_>,
        e: &EscalationRecord,
        identity: &str,
        ttl_seconds: i64,
    ) -> AppResult<Grant> {
        let t = match center {
            CenterRef::Open(center) => {
                token::mint(center.credentials(app).await?, identity, &e.room_name, ttl_seconds, Utc::now())?
            }
            CenterRef::Cached(ctx) => {
                let key = ctx.twilio.as_ref().ok_or_else(|| {
                    AppError::conflict(
                        ErrorCode::TwilioCredentialsMissing,
                        "the contact center has no Twilio credentials",
                    )
                })?;
                token::mint_with(
                    &key.account_sid,
                    &key.api_key_sid,
                    &key.api_key_secret,
                    identity,
                    &e.room_name,
                    ttl_seconds,
                    Utc::now(),
                )?
            }
        };
        Ok(Grant {
            token: t.token,
            identity: t.identity,
            room_name: t.room_name,
            expires_at: t.expires_at,
            recording: e.recorded,
            detail: ProviderGrant::Twilio,
        })
    }
}

/// Makes the room under the escalation's room name, with our status
/// callback on it; a room of that name already in progress is ours, from
/// an earlier attempt.
async fn create_room(
    client: &AccountClient,
    app: &App,
    center: &Center,
    e: &EscalationRecord,
) -> Result<Room, TwilioError> {
    let cc = &center.record;
    let req = CreateRoom {
        unique_name: e.room_name.clone(),
        room_type: cc.room_type,
        status_callback: Some(app.urls().room_callback(cc.id)),
        status_callback_method: Some("POST".into()),
        max_participants: cc.max_participants.map(|n| n as u32),
        empty_room_timeout: Some(cc.empty_room_timeout_minutes as u32),
        unused_room_timeout: Some(cc.unused_room_timeout_minutes as u32),
        // Only with the customer told and asked on the join page.
        record_participants_on_connect: e.recorded.then_some(true),
    };
    match client.create_room(&req).await {
        Err(TwilioError::Api { code: Some(escalate_twilio::ROOM_EXISTS_CODE), .. }) => {
            client.fetch_room(&e.room_name).await
        }
        other => other,
    }
}

/// A Twilio failure as the caller should see it.
pub(crate) fn failure(err: TwilioError, what: &str) -> AppError {
    match err {
        TwilioError::Api { status: 401 | 403, .. } => AppError::upstream(
            ErrorCode::TwilioCredentialsRejected,
            format!("{what}: Twilio rejected the contact center's credentials"),
        ),
        TwilioError::Api { status: 400 | 404, code, message, .. } => AppError::upstream(
            ErrorCode::TwilioRejected,
            format!("{what}: Twilio said {message} (error {})", code.map_or("unknown".into(), |c| c.to_string())),
        ),
        TwilioError::RateLimited { .. } => {
            AppError::upstream(ErrorCode::TwilioRateLimited, format!("{what}: Twilio is rate limiting; retry shortly"))
        }
        _ => AppError::upstream(ErrorCode::TwilioUnavailable, format!("{what}: Twilio did not answer; retry shortly")),
    }
}
