use chrono::Utc;
use escalate_domain::Secret;
use escalate_domain::validation::{Validator, is_email, is_slug};
use escalate_domain::vault::Keyring;
use escalate_store::unscoped::NewTenant;
use escalate_store::{Store, StoreError, TenantRecord, UserRecord};

use crate::auth::password;
use crate::error::ApiError;

pub struct CreatedTenant {
    pub tenant: TenantRecord,
    pub admin: UserRecord,
    /// Shown once to whoever created the tenant; the admin should change it.
    pub initial_password: Secret,
}

/// A tenant with its first admin (random initial password) and a fresh data
/// key wrapped by the active master key.
pub async fn create(
    store: &Store,
    keyring: &Keyring,
    name: &str,
    slug: Option<&str>,
    admin_email: &str,
) -> Result<CreatedTenant, ApiError> {
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
    let (_, data_key) = keyring.new_data_key(id);
    let (tenant, admin) = store
        .create_tenant(
            NewTenant { id, name, slug: &slug, admin_email: &email, admin_password_hash: &hash, data_key },
            Utc::now(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(detail) if detail.contains("email") => {
                ApiError::conflict("email_taken", "a user with this email already exists").with_field("admin_email")
            }
            StoreError::Conflict(_) => {
                ApiError::conflict("slug_taken", "a tenant with this slug already exists").with_field("slug")
            }
            other => other.into(),
        })?;
    Ok(CreatedTenant { tenant, admin, initial_password })
}
