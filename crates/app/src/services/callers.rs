//! Callers of the escalation routes: a Flex agent (their Flex token, checked
//! with Twilio IAM using the contact center's own credentials), a tenant API
//! key with the escalations scope, or a signed-in user. Each route resolves
//! its caller and its contact center here, once, and carries both down.

use chrono::{DateTime, Utc};
use escalate_domain::access::Permission;
use escalate_store::EscalationRecord;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::contact_centers::Center;
use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::principal::Principal;

/// What the caller presented.
pub enum Credential<'a> {
    /// A session or API key, already authenticated.
    Tenant(Principal),
    /// An agent's Flex token (`manager.user.token`).
    FlexToken(&'a str),
}

/// A Flex user, as Twilio vouched for them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlexUser {
    pub identity: String,
    pub worker_sid: Option<String>,
    pub roles: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub enum Caller {
    Flex(FlexUser),
    /// An API key or a dashboard user; the agent identity must come from the request.
    Tenant(Principal),
}

/// The caller, for a contact center named in the path.
pub async fn for_contact_center(app: &App, credential: Credential<'_>, cc_id: Uuid) -> AppResult<(Center, Caller)> {
    let resolved = match credential {
        Credential::Tenant(p) => {
            let scope = p.require(Permission::ManageEscalations)?;
            let center = super::contact_centers::resolve(app, scope, cc_id).await?;
            (center, Caller::Tenant(p))
        }
        Credential::FlexToken(token) => {
            let (cc, scope) = app.store.unscoped().contact_center(cc_id).await?.ok_or_else(AppError::not_found)?;
            let center = Center::new(scope, cc);
            let user = validate_flex_token(app, &center, token).await?;
            (center, Caller::Flex(user))
        }
    };
    crate::telemetry::record_tenant(resolved.0.scope.tenant_id(), Some(cc_id));
    Ok(resolved)
}

/// The caller and the escalation, for an escalation named in the path.
pub async fn for_escalation(
    app: &App,
    credential: Credential<'_>,
    id: Uuid,
    perm: Permission,
) -> AppResult<(Center, EscalationRecord, Caller)> {
    let resolved = match credential {
        Credential::Tenant(p) => {
            let scope = p.require(perm)?;
            let e = app.store.escalation(scope, id).await?;
            let center = super::contact_centers::resolve(app, scope, e.contact_center_id).await?;
            (center, e, Caller::Tenant(p))
        }
        Credential::FlexToken(token) => {
            let (e, scope) = app.store.unscoped().escalation(id).await?.ok_or_else(AppError::not_found)?;
            let cc = app.store.contact_center(scope, e.contact_center_id).await?;
            let center = Center::new(scope, cc);
            let user = validate_flex_token(app, &center, token).await?;
            (center, e, Caller::Flex(user))
        }
    };
    crate::telemetry::record_tenant(resolved.0.scope.tenant_id(), Some(resolved.1.contact_center_id));
    Ok(resolved)
}

fn invalid_flex_token(detail: &str) -> AppError {
    AppError::unauthorized(ErrorCode::InvalidFlexToken, detail)
}

/// Checks a Flex token with Twilio IAM under the contact center's account.
/// A positive answer is cached (Redis when configured) until a minute before
/// the token expires, so agents' calls do not each cost a Twilio round trip.
/// The cache key holds the account: a contact center moved to another
/// Twilio account does not keep the old account's agents.
pub async fn validate_flex_token(app: &App, center: &Center, token: &str) -> AppResult<FlexUser> {
    if token.is_empty() || token.len() > 8192 {
        return Err(invalid_flex_token("invalid Flex token"));
    }
    let creds = center.credentials(app).await?;
    let digest = Sha256::digest(token.as_bytes());
    let key = format!(
        "flex:{}:{}:{}",
        center.id(),
        creds.account_sid,
        digest.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    if let Some(user) = app.cache.get(&key).await.and_then(|v| serde_json::from_str::<FlexUser>(&v).ok()) {
        return Ok(user);
    }
    let answer = app.twilio.account(creds.clone()).validate_flex_token(token).await.map_err(|e| {
        tracing::warn!(error = %e, "Flex token validation failed");
        AppError::upstream(ErrorCode::TwilioUnavailable, "could not check the Flex token with Twilio; try again")
    })?;
    let Some(identity) = answer.identity.filter(|_| answer.valid) else {
        return Err(invalid_flex_token("the Flex token is not valid for this contact center's Twilio account"));
    };
    let user = FlexUser { identity, worker_sid: answer.worker_sid, roles: answer.roles, expires_at: answer.expiration };
    if let Some(exp) = user.expires_at {
        let ttl = (exp - Utc::now() - chrono::Duration::seconds(60)).to_std().unwrap_or_default();
        if let Ok(json) = serde_json::to_string(&user) {
            app.cache.set(&key, &json, ttl).await;
        }
    }
    Ok(user)
}
