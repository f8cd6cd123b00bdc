//! Event webhook endpoints: registered by a tenant admin (per tenant or per
//! contact center) with the events they want, checked to be https and
//! public, given a signing secret that is shown once and sealed with the
//! tenant's data key, rotated with overlap; their delivery log, and replay.
//! Deliveries themselves are written by the store with the changes they
//! report and sent by [`crate::webhook_dispatch`].

use chrono::{DateTime, Utc};
use escalate_domain::Secret;
use escalate_domain::audit::AuditAction;
use escalate_domain::validation::FieldError;
use escalate_domain::webhook::{self, EventType};
use escalate_store::repos::{DeliveryFilter, NewWebhookEndpoint, WebhookEndpointPatch};
use escalate_store::{TenantScope, WebhookDeliveryRecord, WebhookEndpointRecord};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::config::WebhookConfig;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;
use crate::services::audit::{self, Target};

/// How long the secret before a rotation keeps signing, so receivers can
/// switch over without dropping a delivery.
pub const SECRET_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

pub struct EndpointInput {
    pub url: String,
    pub events: Vec<EventType>,
    pub contact_center_id: Option<Uuid>,
    pub description: Option<String>,
}

pub struct EndpointChange {
    pub url: Option<String>,
    pub events: Option<Vec<EventType>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

pub struct CreatedEndpoint {
    pub endpoint: WebhookEndpointRecord,
    /// Shown to its creator once.
    pub secret: Secret,
}

fn secret_context(endpoint_id: Uuid, which: &str) -> String {
    format!("webhook_endpoint:{endpoint_id}:{which}")
}

/// Checks an endpoint URL: https (http only to loopback when allowed), no
/// credentials in it, an allowed port, and a host whose every address is public. The
/// dispatcher checks the addresses again when it connects, since DNS
/// answers change.
pub async fn check_url(raw: &str, config: &WebhookConfig) -> Result<url::Url, FieldError> {
    let allow_loopback = config.allow_loopback;
    let bad = |m: &str| FieldError::new("url", m);
    if raw.len() > 2000 {
        return Err(bad("must be at most 2000 characters"));
    }
    let url = url::Url::parse(raw.trim()).map_err(|_| bad("must be an absolute URL"))?;
    let host = url.host().ok_or_else(|| bad("must name a host"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry a user name or password; the signature authenticates us"));
    }
    if url.fragment().is_some() {
        return Err(bad("must not have a #fragment"));
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<std::net::IpAddr> = match host {
        url::Host::Ipv4(ip) => vec![ip.into()],
        url::Host::Ipv6(ip) => vec![ip.into()],
        url::Host::Domain(name) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|_| bad("its host does not resolve"))?
            .map(|a| a.ip())
            .collect(),
    };
    if addrs.is_empty() {
        return Err(bad("its host does not resolve"));
    }
    if !allow_loopback && addrs.iter().all(|ip| ip.is_loopback()) {
        return Err(bad(
            "points at this machine (a loopback address): production endpoints must be public https:// URLs; \
             for a test receiver on the same machine, run the service with WEBHOOK_ALLOW_LOOPBACK=true",
        ));
    }
    if let Some(ip) = addrs.iter().find(|ip| !webhook::is_deliverable(**ip, allow_loopback)) {
        return Err(bad(&format!(
            "resolves to {ip}, a private, loopback or link-local address; endpoints must be reachable on the internet"
        )));
    }
    let loopback = addrs.iter().all(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if allow_loopback && loopback => {}
        "http" => {
            return Err(bad(
                "must be an https:// URL (http:// is accepted only for loopback receivers when the service runs with WEBHOOK_ALLOW_LOOPBACK, for local tests)",
            ));
        }
        _ => return Err(bad("must be an https:// URL")),
    }
    if !config.port_allowed(port, loopback) {
        return Err(bad(&format!(
            "port {port} is not allowed; endpoints may use ports {}",
            config.allowed_ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(url)
}

fn check_events(events: &[EventType]) -> Result<webhook::EventSet, FieldError> {
    if events.is_empty() {
        return Err(FieldError::new("events", "must name at least one event"));
    }
    Ok(webhook::EventSet::new(events))
}

fn check_description(d: Option<String>) -> Result<Option<String>, FieldError> {
    match d.map(|d| d.trim().to_owned()) {
        Some(d) if d.chars().count() > 200 => Err(FieldError::new("description", "must be at most 200 characters")),
        other => Ok(other),
    }
}

fn invalid(errors: Vec<FieldError>) -> AppResult<()> {
    if errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(errors)) }
}

async fn seal(app: &App, scope: TenantScope, endpoint_id: Uuid, secret: &Secret) -> AppResult<Vec<u8>> {
    let data_key = super::keys::data_key(app, scope).await?;
    Ok(data_key.seal(scope.tenant_id(), &secret_context(endpoint_id, "secret"), secret))
}

/// The secrets that sign a delivery to `endpoint` now: the current one,
/// and the one before a rotation while its overlap lasts.
pub async fn signing_secrets(
    app: &App,
    scope: TenantScope,
    endpoint: &WebhookEndpointRecord,
    now: DateTime<Utc>,
) -> AppResult<Vec<Secret>> {
    let data_key = super::keys::data_key(app, scope).await?;
    let context = secret_context(endpoint.id, "secret");
    let mut secrets =
        vec![data_key.open(scope.tenant_id(), &context, &endpoint.secret_ciphertext).map_err(AppError::internal)?];
    if let (Some(previous), Some(until)) = (&endpoint.previous_secret_ciphertext, endpoint.previous_secret_expires_at)
        && now < until
    {
        secrets.push(data_key.open(scope.tenant_id(), &context, previous).map_err(AppError::internal)?);
    }
    Ok(secrets)
}

fn audit_fields(e: &WebhookEndpointRecord) -> serde_json::Value {
    let events: Vec<&str> = e.events.events().into_iter().map(EventType::as_str).collect();
    json!({
        "url": e.url,
        "events": events,
        "contact_center_id": e.contact_center_id,
        "description": e.description,
        "enabled": e.enabled,
    })
}

pub async fn create(app: &App, by: &Principal, input: EndpointInput) -> AppResult<CreatedEndpoint> {
    let mut errors = Vec::new();
    let url = check_url(&input.url, &app.config.webhooks).await.map_err(|e| errors.push(e)).ok();
    let events = check_events(&input.events).map_err(|e| errors.push(e)).ok();
    let description = check_description(input.description).map_err(|e| errors.push(e)).ok().flatten();
    invalid(errors)?;
    let (Some(url), Some(events)) = (url, events) else { return Err(AppError::internal("checked above")) };
    let id = Uuid::now_v7();
    let secret = webhook::generate_secret();
    let new = NewWebhookEndpoint {
        id,
        contact_center_id: input.contact_center_id,
        url: url.to_string(),
        description: description.unwrap_or_default(),
        events,
        secret_ciphertext: seal(app, by.scope, id, &secret).await?,
    };
    let endpoint = app.store.create_webhook_endpoint(by.scope, new, Utc::now()).await.map_err(|e| match e {
        escalate_store::StoreError::NotFound => {
            AppError::field("contact_center_id", "is not one of your contact centers")
        }
        other => other.into(),
    })?;
    let target = Some(Target::new("webhook_endpoint", endpoint.id));
    audit::record(app, by, AuditAction::WebhookEndpointCreated, target, audit_fields(&endpoint)).await;
    Ok(CreatedEndpoint { endpoint, secret })
}

pub async fn update(app: &App, by: &Principal, id: Uuid, change: EndpointChange) -> AppResult<WebhookEndpointRecord> {
    let before = app.store.webhook_endpoint(by.scope, id).await?;
    let mut errors = Vec::new();
    let mut patch = WebhookEndpointPatch { enabled: change.enabled, ..Default::default() };
    if let Some(url) = change.url {
        patch.url = check_url(&url, &app.config.webhooks).await.map(|u| u.to_string()).map_err(|e| errors.push(e)).ok();
    }
    if let Some(events) = change.events {
        patch.events = check_events(&events).map_err(|e| errors.push(e)).ok();
    }
    if change.description.is_some() {
        patch.description = check_description(change.description).map_err(|e| errors.push(e)).ok().flatten();
    }
    invalid(errors)?;
    let after = app.store.update_webhook_endpoint(by.scope, id, patch, Utc::now()).await?;
    let changes = escalate_domain::audit::changes(&audit_fields(&before), &audit_fields(&after));
    if changes.as_object().is_some_and(|c| !c.is_empty()) {
        let target = Some(Target::new("webhook_endpoint", id));
        audit::record(app, by, AuditAction::WebhookEndpointUpdated, target, changes).await;
    }
    Ok(after)
}

pub async fn delete(app: &App, by: &Principal, id: Uuid) -> AppResult<()> {
    let before = app.store.webhook_endpoint(by.scope, id).await?;
    app.store.delete_webhook_endpoint(by.scope, id).await?;
    let target = Some(Target::new("webhook_endpoint", id));
    audit::record(app, by, AuditAction::WebhookEndpointDeleted, target, audit_fields(&before)).await;
    Ok(())
}

pub struct RotatedSecret {
    pub secret: Secret,
    /// Until then deliveries are signed with the old secret too.
    pub previous_expires_at: DateTime<Utc>,
}

/// A new secret, shown once; the old one keeps signing for a day.
pub async fn rotate_secret(app: &App, by: &Principal, id: Uuid) -> AppResult<RotatedSecret> {
    app.store.webhook_endpoint(by.scope, id).await?;
    let secret = webhook::generate_secret();
    let now = Utc::now();
    let previous_expires_at = now + SECRET_OVERLAP;
    let sealed = seal(app, by.scope, id, &secret).await?;
    app.store.rotate_webhook_secret(by.scope, id, sealed, previous_expires_at, now).await?;
    let changes = json!({ "previous_secret_signs_until": previous_expires_at.to_rfc3339() });
    audit::record(app, by, AuditAction::WebhookSecretRotated, Some(Target::new("webhook_endpoint", id)), changes).await;
    Ok(RotatedSecret { secret, previous_expires_at })
}

pub async fn deliveries(
    app: &App,
    scope: TenantScope,
    endpoint_id: Uuid,
    filter: &DeliveryFilter,
) -> AppResult<Vec<WebhookDeliveryRecord>> {
    app.store.webhook_endpoint(scope, endpoint_id).await?;
    Ok(app.store.list_webhook_deliveries(scope, endpoint_id, filter).await?)
}

/// Sends a delivery again (same `webhook-id`), whatever became of it.
pub async fn replay(app: &App, by: &Principal, id: i64) -> AppResult<WebhookDeliveryRecord> {
    let d = app.store.replay_webhook_delivery(by.scope, id, Utc::now()).await?;
    let changes = json!({ "event_type": d.event_type.as_str(), "message_id": d.message_id });
    let target = Some(Target::new("webhook_delivery", d.id));
    audit::record(app, by, AuditAction::WebhookDeliveryReplayed, target, changes).await;
    app.webhooks_wake();
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::check_url;
    use crate::config::WebhookConfig;

    fn config(allow_loopback: bool) -> WebhookConfig {
        WebhookConfig {
            timeout: std::time::Duration::from_secs(1),
            retry_base: std::time::Duration::from_secs(1),
            retry_for: std::time::Duration::from_secs(1),
            allow_loopback,
            allowed_ports: vec![443, 8443],
        }
    }

    #[tokio::test]
    async fn endpoint_urls_must_be_https_public_and_on_an_allowed_port() {
        for (url, allow) in [
            ("http://93.184.216.34/hook", false),
            ("https://127.0.0.1/hook", false),
            ("https://10.0.0.5/hook", false),
            ("https://169.254.169.254/latest/meta-data", false),
            ("https://[::1]/hook", false),
            ("https://user:pw@93.184.216.34/hook", false),
            ("https://localhost/hook", false),
            ("http://10.0.0.5/hook", true),
            ("ftp://93.184.216.34/hook", false),
            ("not a url", false),
            ("https://[2002:7f00:1::]/hook", false),
            ("https://[::ffff:0:7f00:1]/hook", false),
            ("https://[fec0::1]/hook", false),
            ("https://[100::1]/hook", false),
            ("https://192.88.99.1/hook", false),
            ("https://93.184.216.34:22/hook", false),
            ("https://93.184.216.34:6379/hook", false),
            ("https://93.184.216.34:6379/hook", true),
        ] {
            assert!(check_url(url, &config(allow)).await.is_err(), "{url} (loopback allowed: {allow})");
        }
        assert!(check_url("https://93.184.216.34/hook?x=1", &config(false)).await.is_ok());
        assert!(check_url("https://93.184.216.34:8443/hook", &config(false)).await.is_ok());
        assert!(check_url("http://127.0.0.1:9/hook", &config(true)).await.is_ok());
        assert!(check_url("http://localhost:9/hook", &config(true)).await.is_ok());
    }
}
