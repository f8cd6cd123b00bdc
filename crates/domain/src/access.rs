//! Who may do what: user roles, API key scopes, and the permissions they grant.
//!
//! Routes ask for a [`Permission`]; how a caller got it (a role, a key scope)
//! is decided here and nowhere else.

use std::fmt;
use std::str::FromStr;

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
pub enum Role {
    Admin,
    Viewer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Create and complete escalations (what the Flex plugin and integrations need).
    Escalations,
    /// Read metrics and escalation history.
    Metrics,
    /// Everything a tenant admin can do.
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`")]
pub struct UnknownName {
    pub kind: &'static str,
    pub value: String,
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

impl FromStr for Role {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownName { kind: "role", value: s.to_owned() })
    }
}

impl FromStr for Scope {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownName { kind: "scope", value: s.to_owned() })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Scopes stored as a space-separated string (OAuth style).
pub fn parse_scopes(s: &str) -> Result<Vec<Scope>, UnknownName> {
    let mut scopes: Vec<Scope> = s.split_whitespace().map(str::parse).collect::<Result<_, _>>()?;
    scopes.sort();
    scopes.dedup();
    Ok(scopes)
}

pub fn format_scopes(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
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
        let s = parse_scopes("metrics escalations metrics").unwrap();
        assert_eq!(s, vec![Scope::Escalations, Scope::Metrics]);
        assert_eq!(format_scopes(&s), "escalations metrics");
        assert_eq!(parse_scopes("root").unwrap_err().value, "root");
    }
}
