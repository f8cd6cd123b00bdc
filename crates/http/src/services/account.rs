//! A signed-in user's own account: changing their password, for the API's
//! `PUT /v1/me/password` and the dashboard's account page alike.

use escalate_domain::Secret;
use escalate_store::TenantScope;
use uuid::Uuid;

use crate::auth::password;
use crate::error::{ApiError, ApiResult};
use crate::rate_limit::Decision;
use crate::state::AppState;

/// Checks the current password, sets the new one and ends the user's other
/// sessions (the one making the change stays signed in).
///
/// Wrong current passwords count against the same per-email limit as
/// sign-in, so a stolen session cannot be used to guess the password.
/// Errors name the field: `current_password` or `new_password`.
pub async fn change_password(
    state: &AppState,
    scope: TenantScope,
    user_id: Uuid,
    session_id: Uuid,
    current: Secret,
    new: Secret,
) -> ApiResult<()> {
    let user = state.store.user(scope, user_id).await?;
    let limit_key = format!("login:email:{}", user.email.to_lowercase());
    if let Decision::Limited { retry_after } = state.limiter.hit(&limit_key, state.config.limits.login_per_email).await
    {
        state.metrics.rate_limited("login");
        return Err(ApiError::rate_limited(retry_after.as_secs_f64().ceil() as u64));
    }
    let same = current.expose() == new.expose();
    if !password::verify(current, Some(user.password_hash)).await? {
        return Err(ApiError::field("current_password", "is wrong"));
    }
    state.limiter.reset(&limit_key).await;
    password::check_strength(new.expose()).map_err(|_| {
        ApiError::field("new_password", format!("must be {}-{} characters", password::MIN_LEN, password::MAX_LEN))
    })?;
    if same {
        return Err(ApiError::field("new_password", "must differ from the current password"));
    }
    let hash = password::hash(new).await?;
    state.store.set_user_password(scope, user_id, &hash, Some(session_id)).await?;
    tracing::info!(user_id = %user_id, "password changed; other sessions ended");
    Ok(())
}
