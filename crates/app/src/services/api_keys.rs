//! Tenant API keys: made with scopes (the key shown once), authenticated by
//! the key itself, revoked at once.

use chrono::Utc;
use escalate_domain::Secret;
use escalate_domain::access::{Scope, Scopes};
use escalate_domain::api_key;
use escalate_store::ApiKeyRecord;
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::principal::{Actor, Principal};
use crate::services::audit::{self, Target};
use escalate_domain::audit::AuditAction;
use serde_json::json;

pub struct CreatedKey {
    pub record: ApiKeyRecord,
    /// The key itself: shown to its creator once, stored only as a hash.
    pub key: Secret,
}

pub async fn create(app: &App, by: &Principal, name: &str, scopes: Vec<Scope>) -> AppResult<CreatedKey> {
    let name = name.trim();
    let scopes = Scopes::new(scopes);
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(escalate_domain::validation::FieldError::new("name", "must be 1-100 characters"));
    }
    if scopes.is_empty() {
        errors.push(escalate_domain::validation::FieldError::new("scopes", "must name at least one scope"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let new = api_key::generate();
    let record = app.store.create_api_key(by.scope, name, &new.prefix, new.hash, scopes, Utc::now()).await?;
    let scope_names: Vec<&str> = record.scopes.iter().map(|s| s.as_str()).collect();
    let changes = json!({ "name": record.name, "prefix": record.prefix, "scopes": scope_names });
    audit::record(app, by, AuditAction::ApiKeyCreated, Some(Target::new("api_key", record.id)), changes).await;
    Ok(CreatedKey { record, key: new.key })
}

/// Revoking twice keeps the first revocation time.
pub async fn revoke(app: &App, by: &Principal, id: Uuid) -> AppResult<ApiKeyRecord> {
    let before = app.store.api_key(by.scope, id).await?;
    let record = app.store.revoke_api_key(by.scope, id, Utc::now()).await?;
    if before.revoked_at.is_none() {
        let changes = json!({ "name": record.name, "prefix": record.prefix });
        audit::record(app, by, AuditAction::ApiKeyRevoked, Some(Target::new("api_key", id)), changes).await;
    }
    Ok(record)
}

/// The principal behind a tenant API key (`esk_…`).
pub async fn authenticate(app: &App, token: &str) -> AppResult<Principal> {
    let Some((key, scope)) = app.store.unscoped().api_key_by_token(token).await? else {
        return Err(AppError::unauthorized(ErrorCode::Unauthorized, "invalid or revoked API key"));
    };
    // Recording last use is a write on the request path: do it at most once a
    // minute per key and off the request's critical path.
    let now = Utc::now();
    if key.last_used_at.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
        let store = app.store.clone();
        let id = key.id;
        tokio::spawn(async move {
            if let Err(err) = store.touch_api_key(scope, id, now).await {
                tracing::warn!(error = %err, "could not record API key use");
            }
        });
    }
    crate::telemetry::record_tenant(key.tenant_id, None);
    Ok(Principal { scope, actor: Actor::ApiKey { id: key.id, scopes: key.scopes }, client_ip: None })
}
