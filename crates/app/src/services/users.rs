//! The people who sign in to a tenant's dashboard: invited with a role and
//! a one-time initial password, their role changed, removed. A tenant always
//! keeps at least one admin.

use chrono::Utc;
use escalate_domain::Secret;
use escalate_domain::access::Role;
use escalate_domain::validation::is_email;
use escalate_store::{StoreError, TenantScope, UserRecord};
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult, ErrorCode, conflict_on};
use crate::password;

pub struct Invited {
    pub user: UserRecord,
    /// Shown once to whoever invited the user.
    pub initial_password: Secret,
}

pub async fn invite(app: &App, scope: TenantScope, email: &str, role: Role) -> AppResult<Invited> {
    let email = email.trim().to_lowercase();
    if !is_email(&email) {
        return Err(AppError::field("email", "must be an email address"));
    }
    let initial_password = password::generate();
    let hash = password::hash(initial_password.clone()).await?;
    let user = app
        .store
        .create_user(scope, &email, &hash, role, Utc::now())
        .await
        .map_err(|e| conflict_on(e, "email", ErrorCode::EmailTaken))?;
    Ok(Invited { user, initial_password })
}

pub async fn set_role(app: &App, scope: TenantScope, id: Uuid, role: Role) -> AppResult<UserRecord> {
    app.store.set_user_role(scope, id, role).await.map_err(last_admin)
}

/// Removes the user; their sessions end with them.
pub async fn remove(app: &App, scope: TenantScope, id: Uuid) -> AppResult<()> {
    app.store.delete_user(scope, id).await.map_err(last_admin)
}

fn last_admin(err: StoreError) -> AppError {
    match err {
        StoreError::Conflict(_) => AppError::conflict(ErrorCode::LastAdmin, "a tenant must keep at least one admin"),
        other => other.into(),
    }
}
