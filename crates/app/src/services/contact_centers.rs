//! Contact centers: the rules they must satisfy, and the changes to them,
//! whichever way they are written (API, dashboard, demo seeding). A change
//! tells the replicas, which drop what they keep for the contact center.

use chrono::Utc;
use escalate_domain::contact_center::{ContactCenterSettings, SettingsPatch};
use escalate_domain::validation::{FieldError, is_slug};
use escalate_store::repos::ContactCenterInput;
use escalate_store::{ContactCenterRecord, TenantScope};
use escalate_twilio::Credentials;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::credentials;
use crate::App;
use crate::error::{AppError, AppResult, ErrorCode, conflict_on};
use crate::events::Event;
use crate::message_template;

/// A contact center resolved once for a request, with its credentials
/// opened at most once (and only if the request needs them).
pub struct Center {
    pub scope: TenantScope,
    pub record: ContactCenterRecord,
    credentials: OnceCell<Credentials>,
}

impl Center {
    pub fn new(scope: TenantScope, record: ContactCenterRecord) -> Self {
        Self { scope, record, credentials: OnceCell::new() }
    }

    pub fn id(&self) -> Uuid {
        self.record.id
    }

    /// The contact center's Twilio credentials (`twilio_credentials_missing` without them).
    pub async fn credentials(&self, app: &App) -> AppResult<&Credentials> {
        self.credentials.get_or_try_init(|| credentials::load(app, self.scope, &self.record)).await
    }
}

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

/// A new contact center: defaults, then the patch. The slug defaults to one
/// made from the name.
pub async fn create(
    app: &App,
    scope: TenantScope,
    name: &str,
    slug: Option<&str>,
    patch: SettingsPatch,
) -> AppResult<ContactCenterRecord> {
    let name = name.trim();
    let slug = slug.map(str::to_owned).unwrap_or_else(|| super::slugify(name));
    let mut settings = ContactCenterSettings::default_for(name);
    patch.apply(&mut settings);
    validate(name, &slug, &settings).await?;
    app.store
        .create_contact_center(scope, ContactCenterInput { name, slug: &slug, settings: &settings }, Utc::now())
        .await
        .map_err(|e| conflict_on(e, "slug", ErrorCode::SlugTaken))
}

/// Changes what the patch names; the rest keeps its value.
pub async fn update(
    app: &App,
    scope: TenantScope,
    id: Uuid,
    name: Option<&str>,
    slug: Option<&str>,
    patch: SettingsPatch,
) -> AppResult<ContactCenterRecord> {
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
    Ok(record)
}

/// Deletes the contact center with its credentials and escalation history;
/// its open codes stop working on every replica.
pub async fn delete(app: &App, scope: TenantScope, id: Uuid) -> AppResult<()> {
    app.store.delete_contact_center(scope, id).await?;
    app.publish(Event::ContactCenterChanged { contact_center_id: id }).await;
    Ok(())
}
