//! A signed-in user's own account: changing their password, for the API's
//! `PUT /v1/me/password` and the dashboard's account page alike.

use escalate_domain::Secret;
use escalate_store::TenantScope;
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::password;
use crate::rate_limit::Decision;

/// Checks the current password, sets the new one and ends the user's other
/// sessions (the one making the change stays signed in).
///
/// Wrong current passwords count against the same limit as failed
/// sign-ins for that email from that address, so a stolen session cannot be
/// used to guess the password.
/// Errors name the field: `current_password` or `new_password`.
pub async fn change_password(
    app: &App,
    scope: TenantScope,
    user_id: Uuid,
    session_id: Uuid,
    current: Secret,
    new: Secret,
    client_ip: &str,
) -> AppResult<()> {
    let user = app.store.user(scope, user_id).await?;
    // The very counters of failed sign-ins for this email. The caller is
    // signed in from here, so this address's own count is the one that
    // stops them (as for a known address while the email is paused).
    let (_, failures) = super::sessions::failure_keys(&user.email, client_ip);
    let limit = app.config.limits.login_per_email;
    if let Decision::Limited { retry_after } = app.limiter.peek(&failures, limit).await {
        app.metrics.rate_limited("login");
        return Err(AppError::rate_limited(retry_after));
    }
    let same = current.expose() == new.expose();
    if !password::verify(current, Some(user.password_hash.clone())).await? {
        super::sessions::count_failed_password(app, &user.email, client_ip).await;
        return Err(AppError::field("current_password", "is wrong"));
    }
    app.limiter.reset(&failures).await;
    password::check_strength(new.expose()).map_err(|_| {
        AppError::field("new_password", format!("must be {}-{} characters", password::MIN_LEN, password::MAX_LEN))
    })?;
    if same {
        return Err(AppError::field("new_password", "must differ from the current password"));
    }
    let hash = password::hash(new).await?;
    app.store.set_user_password(scope, user_id, &hash, Some(session_id)).await?;
    super::audit::record_user(app, scope, &user, client_ip, escalate_domain::audit::AuditAction::PasswordChanged).await;
    tracing::info!(user_id = %user_id, "password changed; other sessions ended");
    Ok(())
}
