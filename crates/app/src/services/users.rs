//! The people who sign in to a tenant's dashboard: invited with a role and
//! a one-time initial password, their role changed, removed. A tenant always
//! keeps at least one admin.

use chrono::Utc;
use escalate_domain::Secret;
use escalate_domain::access::Role;
use escalate_domain::audit::AuditAction;
use escalate_domain::validation::is_email;
use escalate_store::{StoreError, UserRecord};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult, ErrorCode, conflict_on};
use crate::password;
use crate::principal::Principal;
use crate::services::audit::{self, Target};

pub struct Invited {
    pub user: UserRecord,
    /// Shown once to whoever invited the user.
    pub initial_password: Secret,
}

pub async fn invite(app: &App, by: &Principal, email: &str, role: Role) -> AppResult<Invited> {
    let email = email.trim().to_lowercase();
    if !is_email(&email) {
        return Err(AppError::field("email", "must be an email address"));
    }
    let initial_password = password::generate();
    let hash = password::hash(initial_password.clone()).await?;
    let user = app
        .store
        .create_user(by.scope, &email, &hash, role, Utc::now())
        .await
        .map_err(|e| conflict_on(e, "email", ErrorCode::EmailTaken))?;
    let changes = json!({ "email": user.email, "role": user.role.as_str() });
    audit::record(app, by, AuditAction::UserInvited, Some(Target::new("user", user.id)), changes).await;
    Ok(Invited { user, initial_password })
}

pub async fn set_role(app: &App, by: &Principal, id: Uuid, role: Role) -> AppResult<UserRecord> {
    let before = app.store.user(by.scope, id).await?;
    let user = app.store.set_user_role(by.scope, id, role).await.map_err(last_admin)?;
    if before.role != user.role {
        let changes =
            json!({ "email": user.email, "role": { "from": before.role.as_str(), "to": user.role.as_str() } });
        audit::record(app, by, AuditAction::UserRoleChanged, Some(Target::new("user", id)), changes).await;
    }
    Ok(user)
}

/// Removes the user; their sessions end with them.
pub async fn remove(app: &App, by: &Principal, id: Uuid) -> AppResult<()> {
    let before = app.store.user(by.scope, id).await?;
    app.store.delete_user(by.scope, id).await.map_err(last_admin)?;
    let changes = json!({ "email": before.email, "role": before.role.as_str() });
    audit::record(app, by, AuditAction::UserRemoved, Some(Target::new("user", id)), changes).await;
    Ok(())
}

fn last_admin(err: StoreError) -> AppError {
    match err {
        StoreError::Conflict(_) => AppError::conflict(ErrorCode::LastAdmin, "a tenant must keep at least one admin"),
        other => other.into(),
    }
}
