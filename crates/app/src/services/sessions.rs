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
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::password;
use crate::rate_limit::Decision;
use crate::services::audit;
use escalate_domain::audit::AuditAction;

pub struct SignedIn {
    pub user: UserRecord,
    pub scope: TenantScope,
    /// Goes into the session cookie, nowhere else.
    pub token: Secret,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
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
/// Two limits, shared by replicas: every attempt counts per client address;
/// only *failed* attempts count per email and address. So nobody can lock a
/// user out from elsewhere by guessing, and a right password always gets in
/// unless this very address has been guessing.
pub async fn sign_in(app: &App, email: &str, password: Secret, client_ip: &str) -> AppResult<SignedIn> {
    let email = email.trim().to_lowercase();
    let limits = &app.config.limits;
    let failures = format!("login-fail:{email}:{client_ip}");
    let over = match app.limiter.hit(&format!("login:ip:{client_ip}"), limits.login_per_ip).await {
        Decision::Limited { retry_after } => Some(retry_after),
        Decision::Allowed => match app.limiter.peek(&failures, limits.login_per_email).await {
            Decision::Limited { retry_after } => Some(retry_after),
            Decision::Allowed => None,
        },
    };
    if let Some(retry_after) = over {
        tracing::warn!(client_ip, "sign-in rate limit hit");
        app.metrics.rate_limited("login");
        return Err(AppError::rate_limited(retry_after));
    }
    let found = app.store.unscoped().user_by_email(&email).await?;
    let ok = password::verify(password, found.as_ref().map(|(u, _)| u.password_hash.clone())).await?;
    let Some((user, scope)) = found.as_ref().filter(|_| ok).cloned() else {
        app.limiter.hit(&failures, limits.login_per_email).await;
        if let Some((user, scope)) = &found {
            audit::record_user(app, *scope, user, client_ip, AuditAction::SignInFailed).await;
        }
        return Err(AppError::unauthorized(ErrorCode::InvalidCredentials, "wrong email or password"));
    };
    app.limiter.reset(&failures).await;

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
    Ok(SignedIn { user, scope, token: Secret::new(token), csrf_token, expires_at })
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
