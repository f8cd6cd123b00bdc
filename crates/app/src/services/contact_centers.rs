//! Contact centers: the rules they must satisfy, and the changes to them,
//! whichever way they are written (API, dashboard, demo seeding). A change
//! tells the replicas, which drop what they keep for the contact center.

use chrono::Utc;
use escalate_domain::contact_center::{ContactCenterSettings, SettingsPatch};
use escalate_domain::validation::{FieldError, is_slug};
use escalate_store::repos::ContactCenterInput;
use escalate_store::{ContactCenterRecord, TenantScope};
use uuid::Uuid;

use crate::App;
pub use crate::center::Center;
use crate::error::{AppError, AppResult, ErrorCode, conflict_on};
use crate::events::Event;
use crate::message_template;
use crate::principal::Principal;
use crate::services::audit::{self, Target};
use escalate_domain::audit::AuditAction;

/// One of the caller's contact centers.
pub async fn resolve(app: &App, scope: TenantScope, id: Uuid) -> AppResult<Center> {
    Ok(Center::new(scope, app.store.contact_center(scope, id).await?))
}

/// Checks a contact center's name, slug and settings, naming every bad
/// field, then that the message template renders.
pub async fn validate(name: &str, slug: &str, settings: &ContactCenterSettings) -> AppResult<()> {
    let mut errors = settings.validate().err().unwrap_or_default();
    if name.is_empty() || name.chars().count() > 100 {
        errors.insert(0, FieldError::new("name", "must be 1-100 characters"));
    }
    if !is_slug(slug) {
        errors.insert(0, FieldError::new("slug", "must be 2-48 lowercase letters, digits and single hyphens"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    message_template::validate(&settings.message_template).await
}

/// A Twilio client with the contact center's credentials (for calls outside
/// an escalation: Flex installation, recordings).
pub async fn twilio_client(app: &App, scope: TenantScope, id: Uuid) -> AppResult<escalate_twilio::AccountClient> {
    let center = resolve(app, scope, id).await?;
    Ok(app.twilio.account(center.credentials(app).await?.clone()))
}

/// A new contact center: defaults, then the patch. The slug defaults to one
/// made from the name.
pub async fn create(
    app: &App,
    by: &Principal,
    name: &str,
    slug: Option<&str>,
    patch: SettingsPatch,
) -> AppResult<ContactCenterRecord> {
    let name = name.trim();
    let slug = slug.map(str::to_owned).unwrap_or_else(|| super::slugify(name));
    let mut settings = ContactCenterSettings::default_for(name);
    patch.apply(&mut settings);
    validate(name, &slug, &settings).await?;
    let record = app
        .store
        .create_contact_center(by.scope, ContactCenterInput { name, slug: &slug, settings: &settings }, Utc::now())
        .await
        .map_err(|e| conflict_on(e, "slug", ErrorCode::SlugTaken))?;
    let changes = audit_fields(&record);
    audit::record(app, by, AuditAction::ContactCenterCreated, Some(Target::new("contact_center", record.id)), changes)
        .await;
    Ok(record)
}

/// A contact center's settings as the audit log compares them: every
/// column but its ids and timestamps (none of them is a secret).
fn audit_fields(record: &ContactCenterRecord) -> serde_json::Value {
    let mut v = serde_json::to_value(record).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for k in ["id", "tenant_id", "created_at", "updated_at"] {
            o.remove(k);
        }
    }
    v
}

/// Changes what the patch names; the rest keeps its value.
pub async fn update(
    app: &App,
    by: &Principal,
    id: Uuid,
    name: Option<&str>,
    slug: Option<&str>,
    patch: SettingsPatch,
) -> AppResult<ContactCenterRecord> {
    let scope = by.scope;
    let current = app.store.contact_center(scope, id).await?;
    let name = name.map(str::trim).unwrap_or(&current.name).to_owned();
    let slug = slug.unwrap_or(&current.slug).to_owned();
    let mut settings = current.settings();
    patch.apply(&mut settings);
    validate(&name, &slug, &settings).await?;
    let record = app
        .store
        .update_contact_center(
            scope,
            id,
            ContactCenterInput { name: &name, slug: &slug, settings: &settings },
            Utc::now(),
        )
        .await
        .map_err(|e| conflict_on(e, "slug", ErrorCode::SlugTaken))?;
    app.publish(Event::ContactCenterChanged { contact_center_id: id }).await;
    let changes = escalate_domain::audit::changes(&audit_fields(&current), &audit_fields(&record));
    if changes.as_object().is_some_and(|c| !c.is_empty()) {
        audit::record(app, by, AuditAction::ContactCenterUpdated, Some(Target::new("contact_center", id)), changes)
            .await;
    }
    Ok(record)
}

/// Deletes the contact center with its credentials and escalation history;
/// its open codes stop working on every replica.
pub async fn delete(app: &App, by: &Principal, id: Uuid) -> AppResult<()> {
    let before = app.store.contact_center(by.scope, id).await?;
    app.store.delete_contact_center(by.scope, id).await?;
    app.publish(Event::ContactCenterChanged { contact_center_id: id }).await;
    let changes = serde_json::json!({ "name": before.name, "slug": before.slug });
    audit::record(app, by, AuditAction::ContactCenterDeleted, Some(Target::new("contact_center", id)), changes).await;
    Ok(())
}
