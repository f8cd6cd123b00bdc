//! The customer's side: a room code in, a join page or a room token out.
//!
//! Unknown, malformed and expired codes give the same answer, and each such
//! failure counts against the client's address in a counter shared by every
//! replica (Redis). Once an address reaches the limit, the replica that saw
//! it remembers the block locally until the window ends, so the check costs
//! nothing on the success path; another replica blocks the address at its
//! own next failure, since it increments the same shared counter.
//!
//! The token endpoint is the hot path, so it is served from memory where that
//! is safe: open codes are cached briefly (and dropped at once when an
//! escalation completes on this replica), and so is each contact center's
//! token material (dropped when its credentials or settings change here).
//! Other replicas see a completion within [`CODE_TTL`]; the room itself is
//! already completed at Twilio, so a token minted in that gap cannot join it.

use std::sync::Arc;
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
use crate::events::{Event, broadcast};
use crate::expiring::Expiring;
use crate::state::AppState;

pub enum Lookup {
    Ready(Arc<EscalationRecord>),
    Completed(Arc<EscalationRecord>),
    /// Unknown, malformed or expired: deliberately one case.
    Invalid,
}

pub const CODE_TTL: Duration = Duration::from_secs(5);
const CONTEXT_TTL: Duration = Duration::from_secs(30);

pub async fn lookup(state: &AppState, raw_code: &str, client_ip: &str) -> ApiResult<Lookup> {
    let block = state.join_cache.blocked.get(&client_ip.to_owned());
    if let Some(wait) = block.map(|until| until.saturating_duration_since(Instant::now())) {
        state.metrics.rate_limited("room_code");
        return Err(ApiError::rate_limited(wait.as_secs_f64().ceil() as u64));
    }
    let Ok(code) = RoomCode::parse(raw_code) else {
        return failed(state, client_ip).await;
    };
    let record = match state.join_cache.codes.get(&code.to_string()) {
        Some(e) => Some(e),
        None => state.store.escalation_by_code(code.as_str()).await?.map(Arc::new),
    };
    let Some(e) = record else {
        return failed(state, client_ip).await;
    };
    crate::trace_context::record_tenant(e.tenant_id, Some(e.contact_center_id));
    let status = Status::parse(&e.status).unwrap_or(Status::Failed);
    match escalation::code_state(status, e.expires_at, Utc::now()) {
        CodeState::Ready => {
            state.join_cache.codes.put(e.code.clone(), e.clone(), CODE_TTL);
            Ok(Lookup::Ready(e))
        }
        CodeState::Completed => Ok(Lookup::Completed(e)),
        CodeState::Expired => failed(state, client_ip).await,
    }
}

async fn failed(state: &AppState, client_ip: &str) -> ApiResult<Lookup> {
    let limit = state.config.limits.join_failures_per_ip;
    let (_, count, remaining) = state.limiter.count(&format!("join-fail:{client_ip}"), limit).await;
    if count >= u64::from(limit.max) {
        tracing::warn!(client_ip, count, "room code guessing limit reached");
        broadcast(state, Event::AddressBlocked { ip: client_ip.to_owned(), for_ms: remaining.as_millis() as u64 })
            .await;
    }
    Ok(Lookup::Invalid)
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
    let ctx = context(state, TenantScope::new(e.tenant_id), e.contact_center_id).await?;
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

async fn context(state: &AppState, scope: TenantScope, cc_id: Uuid) -> ApiResult<Arc<JoinContext>> {
    if let Some(ctx) = state.join_cache.contexts.get(&cc_id) {
        return Ok(ctx);
    }
    let cc = state.store.contact_center(scope, cc_id).await?;
    let creds = credentials::load(state, scope, cc_id).await?;
    let ctx = Arc::new(JoinContext {
        account_sid: creds.account_sid,
        api_key_sid: creds.api_key_sid,
        api_key_secret: creds.api_key_secret,
        token_ttl_seconds: cc.token_ttl_seconds,
    });
    state.join_cache.contexts.put(cc_id, ctx.clone(), CONTEXT_TTL);
    Ok(ctx)
}

/// This replica's memory of the join path (see the module docs).
pub struct JoinCache {
    codes: Expiring<String, Arc<EscalationRecord>>,
    contexts: Expiring<Uuid, Arc<JoinContext>>,
    /// Client addresses over the guessing limit, until their window ends.
    blocked: Expiring<String, Instant>,
}

/// Entries per map: bounds memory under a flood of distinct codes or addresses.
const MAX_ENTRIES: usize = 100_000;

impl Default for JoinCache {
    fn default() -> Self {
        Self {
            codes: Expiring::new(MAX_ENTRIES),
            contexts: Expiring::new(MAX_ENTRIES),
            blocked: Expiring::new(MAX_ENTRIES),
        }
    }
}

impl JoinCache {
    /// Brings this replica's memory in line with a change (here or elsewhere).
    pub fn apply(&self, event: &Event) {
        match event {
            Event::CodeClosed { code } => self.codes.remove(code),
            Event::ContactCenterChanged { contact_center_id } => self.contexts.remove(contact_center_id),
            Event::AddressBlocked { ip, for_ms } => {
                let d = Duration::from_millis(*for_ms);
                self.blocked.put(ip.clone(), Instant::now() + d, d);
            }
        }
    }
}
