//! Response shapes shared by several route groups.

use chrono::{DateTime, Utc};
use escalate_store::{ApiKeyRecord, TenantRecord, UserRecord};
use poem_openapi::{Enum, Object};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RoleDto {
    Admin,
    Viewer,
}

impl From<RoleDto> for escalate_domain::access::Role {
    fn from(r: RoleDto) -> Self {
        match r {
            RoleDto::Admin => Self::Admin,
            RoleDto::Viewer => Self::Viewer,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ScopeDto {
    /// Create, read and complete escalations (the Flex plugin, integrations).
    Escalations,
    /// Read metrics and escalation history.
    Metrics,
    /// Everything a tenant admin can do.
    Admin,
}

impl From<ScopeDto> for escalate_domain::access::Scope {
    fn from(s: ScopeDto) -> Self {
        match s {
            ScopeDto::Escalations => Self::Escalations,
            ScopeDto::Metrics => Self::Metrics,
            ScopeDto::Admin => Self::Admin,
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(rename = "Tenant")]
pub struct TenantView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub created_at: DateTime<Utc>,
}

impl From<TenantRecord> for TenantView {
    fn from(t: TenantRecord) -> Self {
        Self { id: t.id, name: t.name, slug: t.slug, created_at: t.created_at }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(rename = "User")]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    /// `admin` or `viewer`.
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<UserRecord> for UserView {
    fn from(u: UserRecord) -> Self {
        Self { id: u.id, email: u.email, role: u.role, created_at: u.created_at, last_login_at: u.last_login_at }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(rename = "ApiKey")]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    /// The public part of the key (`esk_<prefix>_…`), to tell keys apart.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRecord> for ApiKeyView {
    fn from(k: ApiKeyRecord) -> Self {
        Self {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            scopes: k.scopes.split_whitespace().map(str::to_owned).collect(),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}
