//! Signing in, for the API's `POST /v1/auth/login` and the dashboard's form
//! alike: the same rate limits (per address and per email, shared by replicas),
//! the same answer for an unknown email and a wrong password, the same session.

use chrono::{DateTime, Utc};
use escalate_domain::Secret;
use escalate_store::{SessionRecord, UserRecord};
use uuid::Uuid;

use crate::auth::{password, session};
use crate::error::{ApiError, ApiResult};
use crate::rate_limit::Decision;
use crate::state::AppState;

pub struct SignedIn {
    pub user: UserRecord,
    /// `Set-Cookie` value carrying the session token.
    pub cookie: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Errors: `rate_limited` (429 with Retry-After) or `invalid_credentials` (401).
pub async fn sign_in(state: &AppState, email: &str, password: Secret, client_ip: &str) -> ApiResult<SignedIn> {
    let email = email.trim().to_lowercase();
    for (key, limit) in [
        (format!("login:ip:{client_ip}"), state.config.limits.login_per_ip),
        (format!("login:email:{email}"), state.config.limits.login_per_email),
    ] {
        if let Decision::Limited { retry_after } = state.limiter.hit(&key, limit).await {
            tracing::warn!(client_ip, "sign-in rate limit hit");
            state.metrics.rate_limited("login");
            return Err(ApiError::rate_limited(retry_after.as_secs_f64().ceil() as u64));
        }
    }
    let user = state.store.find_user_by_email(&email).await?;
    let ok = password::verify(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let Some(user) = user.filter(|_| ok) else {
        return Err(ApiError::unauthorized("wrong email or password").with_code("invalid_credentials"));
    };
    state.limiter.reset(&format!("login:email:{email}")).await;

    let now = Utc::now();
    let token = session::new_token();
    let ttl = state.config.session_ttl;
    let expires_at = now + chrono::Duration::from_std(ttl).map_err(ApiError::internal)?;
    let csrf_token = session::new_token();
    state
        .store
        .create_session(SessionRecord {
            id: Uuid::now_v7(),
            tenant_id: user.tenant_id,
            user_id: user.id,
            token_hash: session::hash(&token),
            csrf_token: csrf_token.clone(),
            created_at: now,
            expires_at,
        })
        .await?;
    state.store.record_login(user.id, now).await?;
    let cookie = session::cookie(&token, ttl.as_secs(), state.config.cookie_secure());
    Ok(SignedIn { user, cookie, csrf_token, expires_at })
}
