use escalate_domain::access::{Permission, Role, Scopes};
use escalate_store::TenantScope;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub enum Actor {
    /// A signed-in user, with the session the request came with.
    User {
        id: Uuid,
        role: Role,
        session_id: Uuid,
    },
    ApiKey {
        id: Uuid,
        scopes: Scopes,
    },
    /// The platform operator, acting for a tenant from the CLI.
    Operator,
}

/// An authenticated tenant caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub scope: TenantScope,
    pub actor: Actor,
    /// Where the request came from (the audit log's "from where"); `None`
    /// for the CLI.
    pub client_ip: Option<String>,
}

impl Principal {
    /// The platform operator acting for one tenant (CLI commands).
    pub fn operator(scope: TenantScope) -> Self {
        Self { scope, actor: Actor::Operator, client_ip: None }
    }

    pub fn can(&self, p: Permission) -> bool {
        match &self.actor {
            Actor::User { role, .. } => role.grants(p),
            Actor::ApiKey { scopes, .. } => scopes.grants(p),
            Actor::Operator => true,
        }
    }

    /// The tenant scope, if the caller holds `p`.
    pub fn require(&self, p: Permission) -> AppResult<TenantScope> {
        if self.can(p) {
            Ok(self.scope)
        } else {
            Err(AppError::forbidden(match &self.actor {
                Actor::User { .. } => "your role does not allow this",
                Actor::ApiKey { .. } => "this API key's scopes do not allow this",
                Actor::Operator => "not allowed",
            }))
        }
    }

    /// Reading tenant configuration (contact centers, the tenant profile):
    /// any permission at all, since every role needs to see what exists.
    pub fn any(&self) -> TenantScope {
        self.scope
    }
}
