//! Who may do what: user roles, API key scopes, and the permissions they grant.
//!
//! Routes ask for a [`Permission`]; how a caller got it (a role, a key scope)
//! is decided here and nowhere else.

use std::fmt;
use std::str::FromStr;

pub use crate::names::UnknownName;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read metrics and escalations.
    ViewMetrics,
    /// Create, read and complete escalations.
    ManageEscalations,
    /// Read and change tenant settings: contact centers, credentials, users, API keys.
    ManageSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType), sea_orm(value_type = "String"))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum), oai(rename_all = "snake_case"))]
pub enum Role {
    Admin,
    Viewer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum), oai(rename_all = "snake_case"))]
pub enum Scope {
    /// Create and complete escalations (what the Flex plugin and integrations need).
    Escalations,
    /// Read metrics and escalation history.
    Metrics,
    /// Everything a tenant admin can do.
    Admin,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Viewer];

    pub fn grants(self, p: Permission) -> bool {
        match self {
            Role::Admin => true,
            Role::Viewer => p == Permission::ViewMetrics,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Escalations, Scope::Metrics, Scope::Admin];

    pub fn grants(self, p: Permission) -> bool {
        match self {
            Scope::Admin => true,
            Scope::Escalations => p == Permission::ManageEscalations,
            Scope::Metrics => p == Permission::ViewMetrics,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Escalations => "escalations",
            Scope::Metrics => "metrics",
            Scope::Admin => "admin",
        }
    }
}

crate::names::named!(Role, "role");
crate::names::named!(Scope, "scope");

/// An API key's scopes, sorted and without repeats; stored as one
/// space-separated string (OAuth style).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType), sea_orm(value_type = "String"))]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    pub fn new(mut scopes: Vec<Scope>) -> Self {
        scopes.sort();
        scopes.dedup();
        Self(scopes)
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn grants(&self, p: Permission) -> bool {
        self.0.iter().any(|s| s.grants(p))
    }
}

impl FromStr for Scopes {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Scopes::new(s.split_whitespace().map(str::parse).collect::<Result<_, _>>()?))
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_sees_metrics_only() {
        assert!(Role::Viewer.grants(Permission::ViewMetrics));
        assert!(!Role::Viewer.grants(Permission::ManageSettings));
        assert!(!Role::Viewer.grants(Permission::ManageEscalations));
        assert!(Role::Admin.grants(Permission::ManageSettings));
    }

    #[test]
    fn scopes_grant_what_they_name() {
        assert!(Scope::Escalations.grants(Permission::ManageEscalations));
        assert!(!Scope::Escalations.grants(Permission::ManageSettings));
        assert!(!Scope::Metrics.grants(Permission::ManageEscalations));
        assert!(Scope::Admin.grants(Permission::ManageSettings));
    }

    #[test]
    fn scopes_round_trip() {
        let s: Scopes = "metrics escalations metrics".parse().unwrap();
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![Scope::Escalations, Scope::Metrics]);
        assert_eq!(s.to_string(), "escalations metrics");
        assert_eq!("root".parse::<Scopes>().unwrap_err().value, "root");
    }
}
