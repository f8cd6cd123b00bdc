//! The customer's side: a room code in, a join page or a room token out.
//!
//! Unknown, malformed and expired codes give the same answer, and each such
//! failure counts against the client's address in a counter shared by every
//! replica (Redis). Once an address reaches the limit, the replica that saw
//! it remembers the block locally until the window ends, and that address's
//! failures are refused at once; another replica blocks the address at its
//! own next failure, since it increments the same shared counter. A code
//! that exists is answered whatever its address's failures (see [`lookup`]).
//!
//! The token endpoint is the hot path, so it is served from memory where that
//! is safe ([`crate::join_cache`]): open codes are kept, and so is each
//! contact center's brand and token material; both are dropped on every
//! replica when an escalation completes or a contact center changes, and
//! not used at all while a replica might miss such a change. The one case it
//! cannot see (an event connection that died silently) is bounded by
//! [`CODE_TTL`](crate::join_cache::CODE_TTL); the room itself is already
//! completed, so a token minted in that gap cannot join it.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use escalate_domain::contact_center::{Branding, VideoProvider};
use escalate_domain::escalation::{self, CodeState};
use escalate_domain::room_code::RoomCode;
use escalate_store::EscalationRecord;
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::Event;
use crate::join_cache::{JoinContext, TwilioKey};
use crate::video::{self, Grant};

pub enum Lookup {
    Ready(Arc<EscalationRecord>),
    Completed(Arc<EscalationRecord>),
    /// Unknown, malformed or expired: deliberately one case.
    Invalid,
}

/// The escalation behind a code. A code that exists always gets its answer,
/// even from an address over the failure limit: carrier-grade NAT and
/// offices put thousands of customers behind one address, and a guesser
/// gains nothing from the limit's absence on codes it cannot guess (65
/// random bits). Only failures are limited, and a limited address's failures
/// are answered `rate_limited` without counting further.
pub async fn lookup(app: &App, raw_code: &str, client_ip: &str) -> AppResult<Lookup> {
    let Ok(code) = RoomCode::parse(raw_code) else {
        return failed(app, client_ip).await;
    };
    let (record, remembered) = match app.join_cache.code(code.as_str()) {
        Some(e) => (Some(e), true),
        None => (app.store.unscoped().escalation_by_code(code.as_str()).await?.map(|(e, _)| Arc::new(e)), false),
    };
    let Some(e) = record else {
        return failed(app, client_ip).await;
    };
    crate::telemetry::record_tenant(e.tenant_id, Some(e.contact_center_id));
    match escalation::code_state(e.status, e.expires_at, Utc::now()) {
        CodeState::Ready => {
            // Kept from when it was read (not renewed by use): the time to live bounds its age.
            if !remembered {
                app.join_cache.put_code(e.clone());
            }
            Ok(Lookup::Ready(e))
        }
        CodeState::Completed => Ok(Lookup::Completed(e)),
        CodeState::Expired => failed(app, client_ip).await,
    }
}

/// A code that does not work: refused as `rate_limited` once the address is
/// over its limit, else counted and answered as invalid.
async fn failed(app: &App, client_ip: &str) -> AppResult<Lookup> {
    let block = app.join_cache.blocked_until(client_ip);
    if let Some(wait) = block.map(|until| until.saturating_duration_since(Instant::now())) {
        app.metrics.rate_limited("room_code");
        return Err(AppError::rate_limited(wait));
    }
    let limit = app.config.limits.join_failures_per_ip;
    let (_, count, remaining) = app.limiter.count(&format!("join-fail:{client_ip}"), limit).await;
    if count >= u64::from(limit.max) {
        tracing::warn!(client_ip, count, "room code guessing limit reached");
        app.publish(Event::AddressBlocked { ip: client_ip.to_owned(), for_ms: remaining.as_millis() as u64 }).await;
    }
    Ok(Lookup::Invalid)
}

pub fn invalid_code() -> AppError {
    AppError::NotFound { detail: Cow::Borrowed("this link is not valid or has expired") }
}

pub fn completed_code() -> AppError {
    AppError::Gone { code: ErrorCode::CodeCompleted, detail: "this video call has ended".into() }
}

/// What the join page shows for a code: the contact center's brand when the
/// code is ready or its call has ended, nothing for any other code.
pub enum JoinPage {
    Ready {
        code: String,
        expires_at: chrono::DateTime<Utc>,
        brand: Branding,
        provider: VideoProvider,
        /// The call is recorded: the customer must agree before joining.
        recording: bool,
    },
    Completed {
        brand: Branding,
    },
    Invalid,
}

pub async fn page(app: &App, raw_code: &str, client_ip: &str) -> AppResult<JoinPage> {
    let (e, ready) = match lookup(app, raw_code, client_ip).await? {
        Lookup::Ready(e) => (e, true),
        Lookup::Completed(e) => (e, false),
        Lookup::Invalid => return Ok(JoinPage::Invalid),
    };
    // The escalation's row vouches for its tenant.
    let brand = match context(app, e.contact_center_id).await {
        Ok(ctx) => ctx.brand.clone(),
        // A contact center deleted since the code was read: the code is no more.
        Err(err) if err.code() == ErrorCode::NotFound => return Ok(JoinPage::Invalid),
        Err(err) => return Err(err),
    };
    Ok(if ready {
        JoinPage::Ready {
            code: e.code.clone(),
            expires_at: e.expires_at,
            brand,
            provider: e.video_provider,
            recording: e.recorded,
        }
    } else {
        JoinPage::Completed { brand }
    })
}

/// A credential for a new customer participant, scoped to the escalation's
/// room. A recorded call needs the customer's consent (`recording_consent`),
/// which is kept on the escalation (the first time it is given).
pub async fn customer_token(app: &App, raw_code: &str, client_ip: &str, recording_consent: bool) -> AppResult<Grant> {
    let Open { e, ctx } = open_for_credential(app, raw_code, client_ip).await?;
    if let Some(why) = super::escalations::video_unavailable_here(app, e.video_provider) {
        return Err(AppError::conflict(ErrorCode::VideoUnavailableHere, why));
    }
    if e.recorded {
        if !recording_consent {
            return Err(AppError::conflict(
                ErrorCode::RecordingConsentRequired,
                "this call is recorded: agree to the recording to join (recording_consent=true)",
            ));
        }
        app.store.note_recording_consent(ctx.scope, e.id, Utc::now()).await?;
    }
    if e.room_sid.is_none() {
        // Its room ended (or was never made): make it again before anyone
        // is given a token to it. Rare, so the slow path is fine.
        let Some((cc, scope)) = app.store.unscoped().contact_center(e.contact_center_id).await? else {
            return Err(invalid_code());
        };
        let center = super::contact_centers::Center::new(scope, cc);
        video::ensure_room(app, &center, &e).await?;
    }
    // Again after the room: the credential never outlives the code, however
    // long remaking the room took.
    let ttl = escalation::customer_token_ttl_seconds(ctx.token_ttl_seconds, e.expires_at, Utc::now());
    if ttl <= 0 {
        return Err(invalid_code());
    }
    let identity = escalation::new_customer_identity();
    video::provider(e.video_provider).grant(app, video::CenterRef::Cached(&ctx), &e, &identity, ttl).await.map_err(
        |err| match err.code() {
            // Credentials deleted since: no customer token can be minted.
            ErrorCode::TwilioCredentialsMissing => invalid_code(),
            _ => err,
        },
    )
}

/// A code a customer credential may be given for, and its contact center.
struct Open {
    e: Arc<EscalationRecord>,
    ctx: Arc<JoinContext>,
}

/// Where the token and the network ahead both begin: the code is open (410
/// once its call ended, 404 if unknown, failures counted per address), its
/// contact center is there, and the code has time left for a credential.
async fn open_for_credential(app: &App, raw_code: &str, client_ip: &str) -> AppResult<Open> {
    let e = match lookup(app, raw_code, client_ip).await? {
        Lookup::Ready(e) => e,
        Lookup::Completed(_) => return Err(completed_code()),
        Lookup::Invalid => return Err(invalid_code()),
    };
    let ctx = center_context(app, &e).await?;
    if escalation::customer_token_ttl_seconds(ctx.token_ttl_seconds, e.expires_at, Utc::now()) <= 0 {
        return Err(invalid_code());
    }
    Ok(Open { e, ctx })
}

/// The network the customer's page may prepare before the click (see
/// [`video::NetworkAhead`]): for an open code only, looked up like the token
/// (the same answers and the same failure count per address). `None`: the
/// call's provider brings its own.
pub async fn network_ahead(app: &App, raw_code: &str, client_ip: &str) -> AppResult<Option<video::NetworkAhead>> {
    let Open { e, .. } = open_for_credential(app, raw_code, client_ip).await?;
    Ok(video::provider(e.video_provider).network_ahead(app))
}

/// What a customer may say of a call: 1–5 stars, a comment of at most 1,000 characters.
pub struct RatingInput {
    pub stars: i32,
    pub comment: Option<String>,
}

/// Ratings tried per client address in ten minutes (each code rates once;
/// this bounds what one address can try with many codes).
const RATINGS_PER_IP: crate::rate_limit::Limit =
    crate::rate_limit::Limit { max: 20, window: std::time::Duration::from_secs(600) };

/// The customer rates the call behind their code: while the link lives
/// (ready, or its call ended), once they have been in the call, once.
pub async fn rate(app: &App, raw_code: &str, client_ip: &str, input: RatingInput) -> AppResult<EscalationRecord> {
    let mut errors = Vec::new();
    if !(1..=5).contains(&input.stars) {
        errors.push(escalate_domain::validation::FieldError::new("stars", "must be a whole number from 1 to 5"));
    }
    let comment = input.comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > 1000 || c.chars().any(|ch| ch.is_control() && ch != '\n')) {
        errors.push(escalate_domain::validation::FieldError::new("comment", "must be at most 1000 characters of text"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if let crate::rate_limit::Decision::Limited { retry_after } =
        app.limiter.hit(&format!("rating:ip:{client_ip}"), RATINGS_PER_IP).await
    {
        app.metrics.rate_limited("rating");
        return Err(AppError::rate_limited(retry_after));
    }
    let e = match lookup(app, raw_code, client_ip).await? {
        Lookup::Ready(e) | Lookup::Completed(e) => e,
        Lookup::Invalid => return Err(invalid_code()),
    };
    let scope = center_context(app, &e).await?.scope;
    match app.store.rate_escalation(scope, e.id, input.stars, comment, Utc::now()).await? {
        escalate_store::repos::RateOutcome::Rated(e) => {
            let e = *e;
            app.webhooks_wake();
            Ok(e)
        }
        escalate_store::repos::RateOutcome::AlreadyRated => {
            Err(AppError::conflict(ErrorCode::AlreadyRated, "this call has been rated already"))
        }
        escalate_store::repos::RateOutcome::NotJoined => {
            Err(AppError::conflict(ErrorCode::NotRateable, "the call can be rated once you have joined it"))
        }
    }
}

/// The customer's browser reports its side of the call's quality (Twilio
/// calls; built-in calls report over their signalling socket).
pub async fn report_quality(
    app: &App,
    raw_code: &str,
    client_ip: &str,
    sample: escalate_domain::quality::Sample,
) -> AppResult<()> {
    let e = match lookup(app, raw_code, client_ip).await? {
        Lookup::Ready(e) | Lookup::Completed(e) => e,
        Lookup::Invalid => return Err(invalid_code()),
    };
    let scope = center_context(app, &e).await?.scope;
    crate::call_quality::record(app, scope, &e, escalate_domain::quality::Side::Customer, sample).await
}

/// The context of the escalation's contact center (its tenant scope: the
/// escalation's row vouches for it). A contact center deleted since the
/// code was read means the code is no more.
async fn center_context(app: &App, e: &EscalationRecord) -> AppResult<Arc<JoinContext>> {
    context(app, e.contact_center_id).await.map_err(|err| match err.code() {
        ErrorCode::NotFound => invalid_code(),
        _ => err,
    })
}

/// The contact center's brand, token lifetime and Twilio signing key, from
/// memory when fresh (dropped on every replica when the contact center changes).
pub(crate) async fn context(app: &App, cc_id: Uuid) -> AppResult<Arc<JoinContext>> {
    if let Some(ctx) = app.join_cache.context(cc_id) {
        return Ok(ctx);
    }
    let Some((cc, scope)) = app.store.unscoped().contact_center(cc_id).await? else {
        return Err(AppError::not_found());
    };
    let center = super::contact_centers::Center::new(scope, cc);
    let twilio = match center.credentials(app).await {
        Ok(creds) => Some(TwilioKey {
            account_sid: creds.account_sid.clone(),
            api_key_sid: creds.api_key_sid.clone(),
            api_key_secret: creds.api_key_secret.clone(),
            auth_token: creds.auth_token.clone(),
        }),
        Err(e) if e.code() == ErrorCode::TwilioCredentialsMissing => None,
        Err(e) => return Err(e),
    };
    let ctx = Arc::new(JoinContext {
        scope: center.scope,
        brand: center.record.settings().branding,
        token_ttl_seconds: center.record.token_ttl_seconds,
        twilio,
    });
    app.join_cache.put_context(cc_id, ctx.clone());
    Ok(ctx)
}
