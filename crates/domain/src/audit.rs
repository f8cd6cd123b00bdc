//! The audit log's vocabulary: what an admin did, and who did it. Each
//! action has one stable name (stored, filtered on, exported), so an
//! integrator's query keeps working when wording on a page changes.

/// Something a person or a key did to a tenant's settings or access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType), sea_orm(value_type = "String"))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
pub enum AuditAction {
    #[cfg_attr(feature = "openapi", oai(rename = "sign_in"))]
    SignIn,
    #[cfg_attr(feature = "openapi", oai(rename = "sign_in_failed"))]
    SignInFailed,
    #[cfg_attr(feature = "openapi", oai(rename = "password.changed"))]
    PasswordChanged,
    #[cfg_attr(feature = "openapi", oai(rename = "tenant.renamed"))]
    TenantRenamed,
    #[cfg_attr(feature = "openapi", oai(rename = "contact_center.created"))]
    ContactCenterCreated,
    #[cfg_attr(feature = "openapi", oai(rename = "contact_center.updated"))]
    ContactCenterUpdated,
    #[cfg_attr(feature = "openapi", oai(rename = "contact_center.deleted"))]
    ContactCenterDeleted,
    #[cfg_attr(feature = "openapi", oai(rename = "credentials.set"))]
    CredentialsSet,
    #[cfg_attr(feature = "openapi", oai(rename = "credentials.verified"))]
    CredentialsVerified,
    #[cfg_attr(feature = "openapi", oai(rename = "credentials.deleted"))]
    CredentialsDeleted,
    #[cfg_attr(feature = "openapi", oai(rename = "api_key.created"))]
    ApiKeyCreated,
    #[cfg_attr(feature = "openapi", oai(rename = "api_key.revoked"))]
    ApiKeyRevoked,
    #[cfg_attr(feature = "openapi", oai(rename = "user.invited"))]
    UserInvited,
    #[cfg_attr(feature = "openapi", oai(rename = "user.role_changed"))]
    UserRoleChanged,
    #[cfg_attr(feature = "openapi", oai(rename = "user.removed"))]
    UserRemoved,
    #[cfg_attr(feature = "openapi", oai(rename = "flex.installed"))]
    FlexInstalled,
    #[cfg_attr(feature = "openapi", oai(rename = "flex.uninstalled"))]
    FlexUninstalled,
    #[cfg_attr(feature = "openapi", oai(rename = "webhook_endpoint.created"))]
    WebhookEndpointCreated,
    #[cfg_attr(feature = "openapi", oai(rename = "webhook_endpoint.updated"))]
    WebhookEndpointUpdated,
    #[cfg_attr(feature = "openapi", oai(rename = "webhook_endpoint.deleted"))]
    WebhookEndpointDeleted,
    #[cfg_attr(feature = "openapi", oai(rename = "webhook_endpoint.secret_rotated"))]
    WebhookSecretRotated,
    #[cfg_attr(feature = "openapi", oai(rename = "webhook_delivery.replayed"))]
    WebhookDeliveryReplayed,
    #[cfg_attr(feature = "openapi", oai(rename = "access.denied"))]
    AccessDenied,
    #[cfg_attr(feature = "openapi", oai(rename = "flex_token.refused"))]
    FlexTokenRefused,
    #[cfg_attr(feature = "openapi", oai(rename = "sign_in.limited"))]
    SignInLimited,
    #[cfg_attr(feature = "openapi", oai(rename = "recording.accessed"))]
    RecordingAccessed,
    #[cfg_attr(feature = "openapi", oai(rename = "escalation.erased"))]
    EscalationErased,
    #[cfg_attr(feature = "openapi", oai(rename = "snapshot.downloaded"))]
    SnapshotDownloaded,
    #[cfg_attr(feature = "openapi", oai(rename = "snapshot.deleted"))]
    SnapshotDeleted,
}

impl AuditAction {
    pub const ALL: [AuditAction; 29] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::PasswordChanged,
        AuditAction::TenantRenamed,
        AuditAction::ContactCenterCreated,
        AuditAction::ContactCenterUpdated,
        AuditAction::ContactCenterDeleted,
        AuditAction::CredentialsSet,
        AuditAction::CredentialsVerified,
        AuditAction::CredentialsDeleted,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRevoked,
        AuditAction::UserInvited,
        AuditAction::UserRoleChanged,
        AuditAction::UserRemoved,
        AuditAction::FlexInstalled,
        AuditAction::FlexUninstalled,
        AuditAction::WebhookEndpointCreated,
        AuditAction::WebhookEndpointUpdated,
        AuditAction::WebhookEndpointDeleted,
        AuditAction::WebhookSecretRotated,
        AuditAction::WebhookDeliveryReplayed,
        AuditAction::AccessDenied,
        AuditAction::FlexTokenRefused,
        AuditAction::SignInLimited,
        AuditAction::RecordingAccessed,
        AuditAction::EscalationErased,
        AuditAction::SnapshotDownloaded,
        AuditAction::SnapshotDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::PasswordChanged => "password.changed",
            AuditAction::TenantRenamed => "tenant.renamed",
            AuditAction::ContactCenterCreated => "contact_center.created",
            AuditAction::ContactCenterUpdated => "contact_center.updated",
            AuditAction::ContactCenterDeleted => "contact_center.deleted",
            AuditAction::CredentialsSet => "credentials.set",
            AuditAction::CredentialsVerified => "credentials.verified",
            AuditAction::CredentialsDeleted => "credentials.deleted",
            AuditAction::ApiKeyCreated => "api_key.created",
            AuditAction::ApiKeyRevoked => "api_key.revoked",
            AuditAction::UserInvited => "user.invited",
            AuditAction::UserRoleChanged => "user.role_changed",
            AuditAction::UserRemoved => "user.removed",
            AuditAction::FlexInstalled => "flex.installed",
            AuditAction::FlexUninstalled => "flex.uninstalled",
            AuditAction::WebhookEndpointCreated => "webhook_endpoint.created",
            AuditAction::WebhookEndpointUpdated => "webhook_endpoint.updated",
            AuditAction::WebhookEndpointDeleted => "webhook_endpoint.deleted",
            AuditAction::WebhookSecretRotated => "webhook_endpoint.secret_rotated",
            AuditAction::WebhookDeliveryReplayed => "webhook_delivery.replayed",
            AuditAction::AccessDenied => "access.denied",
            AuditAction::FlexTokenRefused => "flex_token.refused",
            AuditAction::SignInLimited => "sign_in.limited",
            AuditAction::RecordingAccessed => "recording.accessed",
            AuditAction::EscalationErased => "escalation.erased",
            AuditAction::SnapshotDownloaded => "snapshot.downloaded",
            AuditAction::SnapshotDeleted => "snapshot.deleted",
        }
    }

    /// What a person reads in the dashboard.
    pub fn describe(self) -> &'static str {
        match self {
            AuditAction::SignIn => "Signed in",
            AuditAction::SignInFailed => "Failed sign-in",
            AuditAction::PasswordChanged => "Changed their password",
            AuditAction::TenantRenamed => "Renamed the account",
            AuditAction::ContactCenterCreated => "Created a contact center",
            AuditAction::ContactCenterUpdated => "Changed a contact center",
            AuditAction::ContactCenterDeleted => "Deleted a contact center",
            AuditAction::CredentialsSet => "Set Twilio credentials",
            AuditAction::CredentialsVerified => "Checked Twilio credentials",
            AuditAction::CredentialsDeleted => "Deleted Twilio credentials",
            AuditAction::ApiKeyCreated => "Created an API key",
            AuditAction::ApiKeyRevoked => "Revoked an API key",
            AuditAction::UserInvited => "Invited a user",
            AuditAction::UserRoleChanged => "Changed a user's role",
            AuditAction::UserRemoved => "Removed a user",
            AuditAction::FlexInstalled => "Installed the plugin in Flex",
            AuditAction::FlexUninstalled => "Took the plugin out of Flex",
            AuditAction::WebhookEndpointCreated => "Added a webhook endpoint",
            AuditAction::WebhookEndpointUpdated => "Changed a webhook endpoint",
            AuditAction::WebhookEndpointDeleted => "Deleted a webhook endpoint",
            AuditAction::WebhookSecretRotated => "Rotated a webhook signing secret",
            AuditAction::WebhookDeliveryReplayed => "Replayed a webhook delivery",
            AuditAction::AccessDenied => "Was refused an action",
            AuditAction::FlexTokenRefused => "Presented a Flex token that was refused",
            AuditAction::SignInLimited => "Sign-ins paused after repeated failures",
            AuditAction::RecordingAccessed => "Opened call recordings",
            AuditAction::EscalationErased => "Erased a customer's data from an escalation",
            AuditAction::SnapshotDownloaded => "Downloaded a snapshot of a call",
            AuditAction::SnapshotDeleted => "Deleted a snapshot of a call",
        }
    }
}

crate::names::named!(AuditAction, "audit action");

/// Who acted: a dashboard user, an API key, or the platform operator's CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType), sea_orm(value_type = "String"))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum), oai(rename_all = "snake_case"))]
pub enum ActorKind {
    User,
    ApiKey,
    Operator,
    /// A Flex user, as Twilio vouched for them (label: their Flex identity).
    FlexAgent,
    /// Nobody authenticated: a failed sign-in, a refused Flex token. Such
    /// entries say only what was tried and from where, and are bounded per
    /// tenant so a stranger cannot fill a tenant's log.
    Anonymous,
}

impl ActorKind {
    pub const ALL: [ActorKind; 5] =
        [ActorKind::User, ActorKind::ApiKey, ActorKind::Operator, ActorKind::FlexAgent, ActorKind::Anonymous];

    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiKey => "api_key",
            ActorKind::Operator => "operator",
            ActorKind::FlexAgent => "flex_agent",
            ActorKind::Anonymous => "anonymous",
        }
    }
}

crate::names::named!(ActorKind, "actor kind");

/// Keys whose values never go into an audit entry's changes, whatever
/// action writes them: the log is readable by every admin and exported.
const SECRET_KEYS: [&str; 5] = ["api_key_secret", "auth_token", "password", "key", "initial_password"];

/// The fields that differ between two JSON objects, as
/// `{"field": {"from": old, "to": new}}`, secrets left out by name.
pub fn changes(before: &serde_json::Value, after: &serde_json::Value) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    for (k, new) in a {
        if SECRET_KEYS.contains(&k.as_str()) {
            continue;
        }
        let old = b.get(k).unwrap_or(&serde_json::Value::Null);
        if old != new {
            out.insert(k.clone(), serde_json::json!({ "from": old, "to": new }));
        }
    }
    serde_json::Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_action_name_parses_back() {
        for a in AuditAction::ALL {
            assert_eq!(a.as_str().parse::<AuditAction>().unwrap(), a);
        }
        assert!("credentials.stolen".parse::<AuditAction>().is_err());
    }

    #[test]
    fn changes_name_only_what_differs_and_never_secrets() {
        let before = json!({ "name": "Support", "locale": "en", "auth_token": "old-secret" });
        let after = json!({ "name": "Help", "locale": "en", "auth_token": "new-secret", "logo_url": "x" });
        let c = changes(&before, &after);
        assert_eq!(c, json!({ "name": { "from": "Support", "to": "Help" }, "logo_url": { "from": null, "to": "x" } }));
        assert!(!c.to_string().contains("secret"));
    }
}
