use chrono::Utc;
use escalate_domain::Secret;
use escalate_domain::validation::{Validator, is_email, is_slug};
use escalate_store::{NewTenant, StoreError, TenantRecord, TenantScope, UserRecord};

use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::password;

pub struct CreatedTenant {
    pub tenant: TenantRecord,
    pub scope: TenantScope,
    pub admin: UserRecord,
    /// Shown once to whoever created the tenant; the admin should change it.
    pub initial_password: Secret,
}

/// A tenant with its first admin (random initial password) and a fresh data
/// key wrapped by the active master key.
pub async fn create(app: &App, name: &str, slug: Option<&str>, admin_email: &str) -> AppResult<CreatedTenant> {
    let name = name.trim();
    let slug = slug.map(str::to_owned).unwrap_or_else(|| super::slugify(name));
    let email = admin_email.trim().to_lowercase();
    let mut v = Validator::new();
    v.check(!name.is_empty() && name.chars().count() <= 200, "name", "must be 1-200 characters")
        .check(is_slug(&slug), "slug", "must be 2-48 lowercase letters, digits and single hyphens")
        .check(is_email(&email), "admin_email", "must be an email address");
    v.finish()?;

    let initial_password = password::generate();
    let hash = password::hash(initial_password.clone()).await?;
    // The data key is bound to the tenant id (associated data), so the id is
    // chosen here rather than by the store.
    let id = uuid::Uuid::now_v7();
    let (_, data_key) = app.keyring.new_data_key(id);
    let (tenant, admin, scope) = app
        .store
        .unscoped()
        .create_tenant(
            NewTenant { id, name, slug: &slug, admin_email: &email, admin_password_hash: &hash, data_key },
            Utc::now(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(detail) if detail.contains("email") => {
                AppError::conflict(ErrorCode::EmailTaken, "a user with this email already exists")
                    .on_field("admin_email")
            }
            StoreError::Conflict(_) => {
                AppError::conflict(ErrorCode::SlugTaken, "a tenant with this slug already exists").on_field("slug")
            }
            other => other.into(),
        })?;
    Ok(CreatedTenant { tenant, scope, admin, initial_password })
}

/// Renames the caller's tenant.
pub async fn rename(app: &App, by: &crate::Principal, name: &str) -> AppResult<TenantRecord> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::field("name", "must be 1-200 characters"));
    }
    let before = app.store.tenant(by.scope).await?;
    let tenant = app.store.rename_tenant(by.scope, name, chrono::Utc::now()).await?;
    if before.name != tenant.name {
        let changes = serde_json::json!({ "name": { "from": before.name, "to": tenant.name } });
        let target = Some(super::audit::Target::new("tenant", tenant.id));
        super::audit::record(app, by, escalate_domain::audit::AuditAction::TenantRenamed, target, changes).await;
    }
    Ok(tenant)
}
