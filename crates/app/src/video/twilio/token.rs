//! Twilio Video access tokens, scoped to one room, signed with the contact
//! center's API key secret.

use chrono::{DateTime, Utc};
use escalate_twilio::Credentials;
use escalate_twilio::token::{VideoTokenRequest, mint_video_token};

use crate::error::{AppError, AppResult};

pub struct IssuedToken {
    pub token: String,
    pub identity: String,
    pub room_name: String,
    pub expires_at: DateTime<Utc>,
}

pub fn mint(
    creds: &Credentials,
    identity: &str,
    room_name: &str,
    ttl_seconds: i64,
    now: DateTime<Utc>,
) -> AppResult<IssuedToken> {
    mint_with(&creds.account_sid, &creds.api_key_sid, &creds.api_key_secret, identity, room_name, ttl_seconds, now)
}

pub fn mint_with(
    account_sid: &str,
    api_key_sid: &str,
    api_key_secret: &escalate_domain::Secret,
    identity: &str,
    room_name: &str,
    ttl_seconds: i64,
    now: DateTime<Utc>,
) -> AppResult<IssuedToken> {
    let ttl = std::time::Duration::from_secs(ttl_seconds.max(1) as u64);
    let req = VideoTokenRequest { account_sid, api_key_sid, identity, room: room_name, ttl, now };
    let token = mint_video_token(&req, api_key_secret).map_err(AppError::internal)?;
    Ok(IssuedToken {
        token,
        identity: identity.to_owned(),
        room_name: room_name.to_owned(),
        expires_at: now + chrono::Duration::seconds(ttl.as_secs() as i64),
    })
}
