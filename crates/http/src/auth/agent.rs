//! The security scheme of the escalation routes: `Authorization: Bearer`
//! with an agent's Flex token or a tenant API key (`esk_…`), or a dashboard
//! session. Which of those the caller is, and what it may do, is resolved by
//! `escalate_app::services::callers`.

use escalate_app::services::callers::Credential;
use escalate_app::services::{api_keys, callers};
use escalate_domain::api_key;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::extract::SessionAuth;
use crate::error::ApiResult;
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

pub use callers::{Caller, FlexUser};

impl EscalationAuth {
    /// What the caller presented: an authenticated tenant principal, or a
    /// Flex token still to be checked with the contact center's account.
    pub async fn credential<'a>(&'a self, state: &AppState, client_ip: &'a str) -> ApiResult<Credential<'a>> {
        Ok(match self {
            EscalationAuth::Session(s) => Credential::Tenant(s.0.clone()),
            EscalationAuth::Bearer(AgentBearer(b)) if api_key::prefix_of(&b.token).is_some() => {
                Credential::Tenant(api_keys::authenticate(state, &b.token).await?)
            }
            EscalationAuth::Bearer(AgentBearer(b)) => Credential::FlexToken { token: &b.token, client_ip },
        })
    }
}
