//! The customer's side: a room code in, a join page or a room token out.
//!
//! Unknown, malformed and expired codes give the same answer, and each such
//! failure counts against the client's address (shared by replicas through
//! Redis) so codes cannot be guessed at speed. The token path is the hot one:
//! one indexed look-up by code, and the contact center's token material from
//! a short-lived in-process cache instead of three queries and a decryption.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use escalate_domain::Secret;
use escalate_domain::escalation::{self, CodeState, Status};
use escalate_domain::room_code::RoomCode;
use escalate_store::{EscalationRecord, TenantScope};
use uuid::Uuid;

use super::credentials;
use super::tokens::{self, IssuedToken};
use crate::error::{ApiError, ApiResult};
use crate::rate_limit::Decision;
use crate::state::AppState;

pub enum Lookup {
    Ready(EscalationRecord),
    Completed(EscalationRecord),
    /// Unknown, malformed or expired: deliberately one case.
    Invalid,
}

pub async fn lookup(state: &AppState, raw_code: &str, client_ip: &str) -> ApiResult<Lookup> {
    let limit = state.config.limits.join_failures_per_ip;
    let key = format!("join-fail:{client_ip}");
    if let Some(wait) = state.limiter.exceeded(&key, limit).await {
        return Err(ApiError::rate_limited(wait.as_secs_f64().ceil() as u64));
    }
    let found = match RoomCode::parse(raw_code) {
        Ok(code) => state.store.escalation_by_code(code.as_str()).await?,
        Err(_) => None,
    };
    let outcome = match found {
        None => Lookup::Invalid,
        Some(e) => {
            let status = Status::parse(&e.status).unwrap_or(Status::Failed);
            match escalation::code_state(status, e.expires_at, Utc::now()) {
                CodeState::Ready => Lookup::Ready(e),
                CodeState::Completed => Lookup::Completed(e),
                CodeState::Expired => Lookup::Invalid,
            }
        }
    };
    if matches!(outcome, Lookup::Invalid) {
        if let Decision::Limited { .. } = state.limiter.hit(&key, limit).await {
            tracing::warn!(client_ip, "room code guessing limit reached");
        }
    }
    Ok(outcome)
}

pub fn invalid_code() -> ApiError {
    ApiError::not_found().with_detail("this link is not valid or has expired")
}

pub fn completed_code() -> ApiError {
    ApiError::new(poem::http::StatusCode::GONE, "code_completed", "Call ended", "this video call has ended")
}

/// A token for a new customer participant, scoped to the escalation's room.
pub async fn customer_token(state: &AppState, raw_code: &str, client_ip: &str) -> ApiResult<IssuedToken> {
    let e = match lookup(state, raw_code, client_ip).await? {
        Lookup::Ready(e) => e,
        Lookup::Completed(_) => return Err(completed_code()),
        Lookup::Invalid => return Err(invalid_code()),
    };
    let ctx = state.join_contexts.get(state, TenantScope::new(e.tenant_id), e.contact_center_id).await?;
    let now = Utc::now();
    let ttl = escalation::customer_token_ttl_seconds(ctx.token_ttl_seconds, e.expires_at, now);
    if ttl <= 0 {
        return Err(invalid_code());
    }
    let identity = escalation::new_customer_identity();
    tokens::mint_with(&ctx.account_sid, &ctx.api_key_sid, &ctx.api_key_secret, &identity, &e.room_name, ttl, now)
}

/// What minting a customer token needs from a contact center.
pub struct JoinContext {
    pub account_sid: String,
    pub api_key_sid: String,
    pub api_key_secret: Secret,
    pub token_ttl_seconds: i64,
}

/// Per-replica cache of [`JoinContext`]s. Entries live briefly, and this
/// replica drops them at once when the credentials or settings change here;
/// other replicas pick changes up within the TTL.
#[derive(Default)]
pub struct JoinContextCache {
    entries: Mutex<HashMap<Uuid, (Arc<JoinContext>, Instant)>>,
}

const CONTEXT_TTL: Duration = Duration::from_secs(30);

impl JoinContextCache {
    pub async fn get(&self, state: &AppState, scope: TenantScope, cc_id: Uuid) -> ApiResult<Arc<JoinContext>> {
        if let Some((ctx, at)) = self.entries.lock().unwrap_or_else(|e| e.into_inner()).get(&cc_id) {
            if at.elapsed() < CONTEXT_TTL {
                return Ok(ctx.clone());
            }
        }
        let cc = state.store.contact_center(scope, cc_id).await?;
        let creds = credentials::load(state, scope, cc_id).await?;
        let ctx = Arc::new(JoinContext {
            account_sid: creds.account_sid,
            api_key_sid: creds.api_key_sid,
            api_key_secret: creds.api_key_secret,
            token_ttl_seconds: cc.token_ttl_seconds,
        });
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).insert(cc_id, (ctx.clone(), Instant::now()));
        Ok(ctx)
    }

    pub fn forget(&self, cc_id: Uuid) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(&cc_id);
    }
}
