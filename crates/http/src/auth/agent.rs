//! Callers of the escalation routes: a Flex agent (their Flex token, checked
//! with Twilio IAM using the contact center's own credentials), a tenant API
//! key with the escalations scope, or a signed-in admin.

use chrono::{DateTime, Utc};
use escalate_domain::access::Permission;
use escalate_domain::api_key;
use escalate_store::{ContactCenterRecord, EscalationRecord, TenantScope};
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::extract::{SessionAuth, authenticate_api_key};
use crate::error::{ApiError, ApiResult};
use crate::services::credentials;
use crate::state::AppState;

/// `Authorization: Bearer <Flex token>` (the agent's `manager.user.token`)
/// or `Bearer esk_…` (a tenant API key with the `escalations` scope).
#[derive(SecurityScheme)]
#[oai(ty = "bearer", rename = "AgentToken")]
pub struct AgentBearer(Bearer);

#[derive(SecurityScheme)]
pub enum EscalationAuth {
    Bearer(AgentBearer),
    Session(SessionAuth),
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
    /// An API key or a dashboard user; agent identity must come from the request.
    Tenant,
}

pub struct Resolved {
    pub scope: TenantScope,
    pub contact_center: ContactCenterRecord,
    pub caller: Caller,
}

impl EscalationAuth {
    /// The caller, for a contact center named in the path.
    pub async fn for_contact_center(&self, state: &AppState, cc_id: Uuid) -> ApiResult<Resolved> {
        let resolved = self.for_contact_center_inner(state, cc_id).await?;
        crate::trace_context::record_tenant(resolved.scope.tenant_id(), Some(cc_id));
        Ok(resolved)
    }

    async fn for_contact_center_inner(&self, state: &AppState, cc_id: Uuid) -> ApiResult<Resolved> {
        match self.tenant_scope(state, Permission::ManageEscalations).await? {
            Some(scope) => {
                let contact_center = state.store.contact_center(scope, cc_id).await?;
                Ok(Resolved { scope, contact_center, caller: Caller::Tenant })
            }
            None => {
                let contact_center =
                    state.store.contact_center_unscoped(cc_id).await?.ok_or_else(ApiError::not_found)?;
                let flex = self.flex_user(state, &contact_center).await?;
                Ok(Resolved {
                    scope: TenantScope::new(contact_center.tenant_id),
                    contact_center,
                    caller: Caller::Flex(flex),
                })
            }
        }
    }

    /// The caller and the escalation, for an escalation named in the path.
    pub async fn for_escalation(
        &self,
        state: &AppState,
        id: Uuid,
        perm: Permission,
    ) -> ApiResult<(Resolved, EscalationRecord)> {
        let (resolved, e) = self.for_escalation_inner(state, id, perm).await?;
        crate::trace_context::record_tenant(resolved.scope.tenant_id(), Some(e.contact_center_id));
        Ok((resolved, e))
    }

    async fn for_escalation_inner(
        &self,
        state: &AppState,
        id: Uuid,
        perm: Permission,
    ) -> ApiResult<(Resolved, EscalationRecord)> {
        match self.tenant_scope(state, perm).await? {
            Some(scope) => {
                let e = state.store.escalation(scope, id).await?;
                let contact_center = state.store.contact_center(scope, e.contact_center_id).await?;
                Ok((Resolved { scope, contact_center, caller: Caller::Tenant }, e))
            }
            None => {
                let e = state.store.escalation_unscoped(id).await?.ok_or_else(ApiError::not_found)?;
                let contact_center =
                    state.store.contact_center_unscoped(e.contact_center_id).await?.ok_or_else(ApiError::not_found)?;
                let flex = self.flex_user(state, &contact_center).await?;
                Ok((
                    Resolved {
                        scope: TenantScope::new(contact_center.tenant_id),
                        contact_center,
                        caller: Caller::Flex(flex),
                    },
                    e,
                ))
            }
        }
    }

    /// `Some(scope)` for API keys and sessions (checked for `perm`); `None` when the bearer is a Flex token.
    async fn tenant_scope(&self, state: &AppState, perm: Permission) -> ApiResult<Option<TenantScope>> {
        let principal = match self {
            EscalationAuth::Session(s) => s.0.clone(),
            EscalationAuth::Bearer(AgentBearer(b)) if api_key::prefix_of(&b.token).is_some() => {
                authenticate_api_key(state, &b.token).await?
            }
            EscalationAuth::Bearer(_) => return Ok(None),
        };
        principal.require(perm).map(Some)
    }

    async fn flex_user(&self, state: &AppState, cc: &ContactCenterRecord) -> ApiResult<FlexUser> {
        let EscalationAuth::Bearer(AgentBearer(b)) = self else {
            return Err(ApiError::unauthorized("a Flex token is required"));
        };
        validate_flex_token(state, cc, &b.token).await
    }
}

/// Checks a Flex token with Twilio IAM under the contact center's account.
/// A positive answer is cached (Redis when configured) until a minute before
/// the token expires, so agents' calls do not each cost a Twilio round trip.
pub async fn validate_flex_token(state: &AppState, cc: &ContactCenterRecord, token: &str) -> ApiResult<FlexUser> {
    if token.is_empty() || token.len() > 8192 {
        return Err(ApiError::unauthorized("invalid Flex token").with_code("invalid_flex_token"));
    }
    let digest = Sha256::digest(token.as_bytes());
    let key = format!("flex:{}:{}", cc.id, digest.iter().map(|b| format!("{b:02x}")).collect::<String>());
    if let Some(user) = state.cache.get(&key).await.and_then(|v| serde_json::from_str::<FlexUser>(&v).ok()) {
        return Ok(user);
    }
    let scope = TenantScope::new(cc.tenant_id);
    let creds = credentials::load(state, scope, cc.id).await?;
    let answer = state.twilio.account(creds).validate_flex_token(token).await.map_err(|e| {
        tracing::warn!(error = %e, "Flex token validation failed");
        ApiError::bad_gateway("twilio_unavailable", "could not check the Flex token with Twilio; try again")
    })?;
    let Some(identity) = answer.identity.filter(|_| answer.valid) else {
        return Err(ApiError::unauthorized("the Flex token is not valid for this contact center's Twilio account")
            .with_code("invalid_flex_token"));
    };
    let user = FlexUser { identity, worker_sid: answer.worker_sid, roles: answer.roles, expires_at: answer.expiration };
    if let Some(exp) = user.expires_at {
        let ttl = (exp - Utc::now() - chrono::Duration::seconds(60)).to_std().unwrap_or_default();
        if let Ok(json) = serde_json::to_string(&user) {
            state.cache.set(&key, &json, ttl).await;
        }
    }
    Ok(user)
}
