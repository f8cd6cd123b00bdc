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
}

/// An authenticated tenant caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub scope: TenantScope,
    pub actor: Actor,
}

impl Principal {
    pub fn can(&self, p: Permission) -> bool {
        match &self.actor {
            Actor::User { role, .. } => role.grants(p),
            Actor::ApiKey { scopes, .. } => scopes.grants(p),
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
            }))
        }
    }

    /// Reading tenant configuration (contact centers, the tenant profile):
    /// any permission at all, since every role needs to see what exists.
    pub fn any(&self) -> TenantScope {
        self.scope
    }
}
