//! Dashboard sessions: signing in (for the API's `POST /v1/auth/login` and
//! the dashboard's form alike: the same rate limits per address and per
//! email, shared by replicas, the same answer for an unknown email and a
//! wrong password), finding the session behind a cookie, signing out.
//!
//! The session token lives only in the user's cookie; the database keeps
//! its SHA-256, so a leaked table does not leak live sessions.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use escalate_domain::Secret;
use escalate_store::repos::NewSession;
use escalate_store::{SessionRecord, TenantScope, UserRecord};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::password;
use crate::rate_limit::Decision;
use crate::services::audit::{self, Target};
use escalate_domain::audit::AuditAction;

/// How long an address a user signed in from stays theirs for the sign-in limits.
const KNOWN_ADDRESS_TTL: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

pub struct SignedIn {
    pub user: UserRecord,
    pub scope: TenantScope,
    /// Goes into the session cookie, nowhere else.
    pub token: Secret,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    /// The user's first sign-in: their password is the initial one someone
    /// else was shown, so the dashboard asks them to choose their own.
    pub first_sign_in: bool,
}

/// A live session and who it belongs to.
pub struct Session {
    pub record: SessionRecord,
    pub user: UserRecord,
    pub scope: TenantScope,
}

/// A random token: 32 bytes, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes[..]);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Errors: `rate_limited` (429 with Retry-After) or `invalid_credentials` (401).
///
/// Limits, shared by replicas:
/// - every attempt counts per client address;
/// - failed attempts count per email, whatever the address: after
///   `login_per_email` failures in its window, that email's sign-ins pause
///   until the window ends (at most the window, never longer), and the
///   tenant's audit log gets one `sign_in.limited` notice;
/// - while paused, an address this user signed in from before (within
///   [`KNOWN_ADDRESS_TTL`]) is still let through, limited by its own
///   failures: a stranger guessing from elsewhere cannot lock the user out.
pub async fn sign_in(app: &App, email: &str, password: Secret, client_ip: &str) -> AppResult<SignedIn> {
    let email = email.trim().to_lowercase();
    let limits = &app.config.limits;
    let (email_failures, address_failures) = failure_keys(&email, client_ip);
    let known_address = format!("login-known:{email}:{client_ip}");
    let over = match app.limiter.hit(&format!("login:ip:{client_ip}"), limits.login_per_ip).await {
        Decision::Limited { retry_after } => Some(retry_after),
        Decision::Allowed => match app.limiter.peek(&email_failures, limits.login_per_email).await {
            Decision::Allowed => None,
            Decision::Limited { retry_after } if app.cache.get(&known_address).await.is_none() => Some(retry_after),
            Decision::Limited { .. } => match app.limiter.peek(&address_failures, limits.login_per_email).await {
                Decision::Limited { retry_after } => Some(retry_after),
                Decision::Allowed => None,
            },
        },
    };
    if let Some(retry_after) = over {
        tracing::warn!(client_ip, "sign-in rate limit hit");
        app.metrics.rate_limited("login");
        return Err(AppError::rate_limited(retry_after));
    }
    // An email may belong to users of several tenants: the one whose
    // password this is signs in (the most recently used first). An unknown
    // email costs one hash check too, so timing tells nothing.
    let candidates = app.store.unscoped().users_by_email(&email).await?;
    let mut signed_in = None;
    for (user, scope) in &candidates {
        if password::verify(password.clone(), Some(user.password_hash.clone())).await? {
            signed_in = Some((user.clone(), *scope));
            break;
        }
    }
    if candidates.is_empty() {
        password::verify(password, None).await?;
    }
    let Some((user, scope)) = signed_in else {
        let count = count_failed_password(app, &email, client_ip).await;
        for (user, scope) in &candidates {
            let target = Target::new("user", user.id);
            let details = json!({ "email": user.email });
            audit::record_anonymous(app, *scope, AuditAction::SignInFailed, client_ip, target.clone(), details.clone())
                .await;
            if count == u64::from(limits.login_per_email.max) {
                // The failure that paused this email's sign-ins: said once per window.
                audit::record_anonymous(app, *scope, AuditAction::SignInLimited, client_ip, target, details).await;
            }
        }
        return Err(AppError::unauthorized(ErrorCode::InvalidCredentials, "wrong email or password"));
    };
    app.limiter.reset(&address_failures).await;
    app.cache.set(&known_address, "1", KNOWN_ADDRESS_TTL).await;

    let now = Utc::now();
    let token = new_token();
    let expires_at = now + chrono::Duration::from_std(app.config.session_ttl).map_err(AppError::internal)?;
    let csrf_token = new_token();
    app.store
        .create_session(
            scope,
            NewSession {
                id: Uuid::now_v7(),
                user_id: user.id,
                token_hash: hash(&token),
                csrf_token: csrf_token.clone(),
                created_at: now,
                expires_at,
            },
        )
        .await?;
    audit::record_user(app, scope, &user, client_ip, AuditAction::SignIn).await;
    let first_sign_in = user.last_login_at.is_none();
    Ok(SignedIn { user, scope, token: Secret::new(token), csrf_token, expires_at, first_sign_in })
}

/// The counters of wrong passwords for `email`: across every address, and
/// from `client_ip`. Changing the password with a wrong current one counts
/// against the same budget as signing in.
pub(crate) fn failure_keys(email: &str, client_ip: &str) -> (String, String) {
    let email = email.to_lowercase();
    (format!("login-fail:{email}"), format!("login-fail:{email}:{client_ip}"))
}

/// Counts a wrong password for `email` from `client_ip`; how many failures
/// the email has had across addresses in this window.
pub(crate) async fn count_failed_password(app: &App, email: &str, client_ip: &str) -> u64 {
    let limit = app.config.limits.login_per_email;
    let (email_failures, address_failures) = failure_keys(email, client_ip);
    app.limiter.hit(&address_failures, limit).await;
    app.limiter.count(&email_failures, limit).await.1
}

/// The live session behind a cookie's token, if any.
pub async fn find(app: &App, token: &str) -> AppResult<Option<Session>> {
    if token.is_empty() {
        return Ok(None);
    }
    let found = app.store.unscoped().session_by_token_hash(&hash(token), Utc::now()).await?;
    Ok(found.map(|(record, user, scope)| Session { record, user, scope }))
}

/// Ends the session behind a cookie's token.
pub async fn sign_out(app: &App, token: &str) -> AppResult<()> {
    Ok(app.store.unscoped().delete_session_by_token_hash(&hash(token)).await?)
}

/// Counts an operator sign-in attempt from `client_ip` against the
/// sign-in limit per address; `rate_limited` once over it.
pub async fn limit_operator_sign_in(app: &App, client_ip: &str) -> AppResult<()> {
    let limit = app.config.limits.login_per_ip;
    if let Decision::Limited { retry_after } = app.limiter.hit(&format!("operator-login:ip:{client_ip}"), limit).await {
        tracing::warn!(client_ip, "operator sign-in rate limit hit");
        app.metrics.rate_limited("login");
        return Err(AppError::rate_limited(retry_after));
    }
    Ok(())
}
