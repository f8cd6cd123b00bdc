//! What the HTTP layer reads: one function per question, each scoped to the
//! caller's tenant, so handlers and pages never reach the store themselves
//! (the API and the dashboard ask the same questions the same way).

use chrono::{DateTime, Utc};
use escalate_store::repos::EscalationFilter;
use escalate_store::{
    ApiKeyRecord, ContactCenterRecord, EscalationEventRecord, EscalationRecord, TenantRecord, TenantScope, TenantUsage,
    UserRecord, WebhookDeliveryRecord, WebhookEndpointRecord,
};
use uuid::Uuid;

use crate::App;
use crate::error::AppResult;

pub async fn tenant(app: &App, scope: TenantScope) -> AppResult<TenantRecord> {
    Ok(app.store.tenant(scope).await?)
}

/// Every tenant (operator only).
pub async fn all_tenants(app: &App) -> AppResult<Vec<TenantRecord>> {
    Ok(app.store.unscoped().list_all_tenants().await?)
}

/// Every tenant's usage since `since` (operator only).
pub async fn tenant_usage(app: &App, since: DateTime<Utc>) -> AppResult<Vec<TenantUsage>> {
    Ok(app.store.unscoped().tenant_usage(since).await?)
}

pub async fn user(app: &App, scope: TenantScope, id: Uuid) -> AppResult<UserRecord> {
    Ok(app.store.user(scope, id).await?)
}

pub async fn users(app: &App, scope: TenantScope) -> AppResult<Vec<UserRecord>> {
    Ok(app.store.list_users(scope).await?)
}

pub async fn api_keys(app: &App, scope: TenantScope) -> AppResult<Vec<ApiKeyRecord>> {
    Ok(app.store.list_api_keys(scope).await?)
}

pub async fn contact_center(app: &App, scope: TenantScope, id: Uuid) -> AppResult<ContactCenterRecord> {
    Ok(app.store.contact_center(scope, id).await?)
}

pub async fn contact_centers(app: &App, scope: TenantScope) -> AppResult<Vec<ContactCenterRecord>> {
    Ok(app.store.list_contact_centers(scope).await?)
}

/// A page of the tenant's contact centers (by name), after the one with id
/// `after` (the last of the previous page).
pub async fn contact_centers_page(
    app: &App,
    scope: TenantScope,
    after: Option<Uuid>,
    limit: u64,
) -> AppResult<Vec<ContactCenterRecord>> {
    let after = match after {
        Some(id) => Some(app.store.contact_center(scope, id).await?),
        None => None,
    };
    Ok(app.store.contact_centers_page(scope, after.as_ref(), limit).await?)
}

/// Whether the contact center has Twilio credentials stored.
pub async fn has_credentials(app: &App, scope: TenantScope, contact_center_id: Uuid) -> bool {
    app.store.credentials(scope, contact_center_id).await.is_ok()
}

pub async fn escalation(app: &App, scope: TenantScope, id: Uuid) -> AppResult<EscalationRecord> {
    Ok(app.store.escalation(scope, id).await?)
}

pub async fn escalations(
    app: &App,
    scope: TenantScope,
    contact_center_id: Uuid,
    filter: &EscalationFilter,
) -> AppResult<Vec<EscalationRecord>> {
    Ok(app.store.list_escalations(scope, contact_center_id, filter).await?)
}

/// A page of an escalation's events, after the cursor `(occurred_at, sequence)`.
pub async fn escalation_events(
    app: &App,
    scope: TenantScope,
    id: Uuid,
    after: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> AppResult<Vec<EscalationEventRecord>> {
    Ok(app.store.escalation_events_page(scope, id, after, Some(limit)).await?)
}

/// The events of several escalations (a page of a list).
pub async fn events_of(app: &App, scope: TenantScope, ids: &[Uuid]) -> AppResult<Vec<EscalationEventRecord>> {
    Ok(app.store.events_of_escalations(scope, ids).await?)
}

pub async fn webhook_endpoints(app: &App, scope: TenantScope) -> AppResult<Vec<WebhookEndpointRecord>> {
    Ok(app.store.list_webhook_endpoints(scope).await?)
}

pub async fn webhook_endpoint(app: &App, scope: TenantScope, id: Uuid) -> AppResult<WebhookEndpointRecord> {
    Ok(app.store.webhook_endpoint(scope, id).await?)
}

pub async fn webhook_delivery(app: &App, scope: TenantScope, id: i64) -> AppResult<WebhookDeliveryRecord> {
    Ok(app.store.webhook_delivery(scope, id).await?)
}

/// The names the plugin sent for these agents in the period, by identity.
pub async fn agent_names(
    app: &App,
    scope: TenantScope,
    contact_center_id: Uuid,
    period: (DateTime<Utc>, DateTime<Utc>),
    identities: &[String],
) -> AppResult<std::collections::HashMap<String, String>> {
    Ok(app.store.agent_names(scope, contact_center_id, period, identities).await?)
}
