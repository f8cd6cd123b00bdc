//! The REST API, one module per feature. Handlers stay thin: parse, check
//! permission, call the store or a service, map the result.

// A handler's parameters are its operation's parameters: path, query,
// headers, body and caller, each typed for the OpenAPI document.
#![allow(clippy::too_many_arguments)]

mod api_keys;
mod audit;
mod auth;
mod constraints;
mod contact_centers;
mod credentials;
mod escalations;
mod flex;
mod metrics;
mod platform;
mod quality;
mod root;
mod tenant;
mod users;
pub mod views;
mod webhooks;

use poem_openapi::{OpenApiService, Tags};

pub mod document;

#[derive(Tags)]
pub enum Tag {
    /// Sign in and out of the dashboard; who am I.
    Auth,
    /// The tenant's own profile.
    Tenant,
    /// People who can sign in to the dashboard.
    Users,
    /// Keys for integrations (the Flex plugin uses the agent's Flex token instead).
    ApiKeys,
    /// Contact centers: brand, message template, code and room settings.
    ContactCenters,
    /// A contact center's Twilio credentials (write-only secrets).
    TwilioCredentials,
    /// The video plugin in a contact center's Flex: install, status, uninstall.
    Flex,
    /// Chat-to-video escalations: create, follow, complete; tokens for agent and customer.
    Escalations,
    /// Escalation metrics per contact center and for the tenant; CSV export.
    Metrics,
    /// Signed event webhooks for integrations: endpoints, secrets, the delivery log and replay.
    Webhooks,
    /// Who changed what: the tenant's audit log, and its CSV export.
    Audit,
    /// Operator routes: tenants.
    Platform,
}

pub type Apis = (
    auth::AuthApi,
    tenant::TenantApi,
    users::UsersApi,
    api_keys::ApiKeysApi,
    contact_centers::ContactCentersApi,
    credentials::CredentialsApi,
    flex::FlexApi,
    escalations::EscalationsApi,
    quality::QualityApi,
    metrics::MetricsApi,
    webhooks::WebhooksApi,
    audit::AuditApi,
    platform::PlatformApi,
    root::RootApi,
);

pub fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            auth::AuthApi,
            tenant::TenantApi,
            users::UsersApi,
            api_keys::ApiKeysApi,
            contact_centers::ContactCentersApi,
            credentials::CredentialsApi,
            flex::FlexApi,
            escalations::api(),
            quality::QualityApi,
            metrics::MetricsApi,
            webhooks::WebhooksApi,
            audit::AuditApi,
            platform::PlatformApi,
            root::RootApi,
        ),
        "Escalate API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Chat-to-video escalation for Twilio Flex contact centers. Errors are application/problem+json \
         with a stable `code`. Authenticate with a tenant API key (`Authorization: Bearer esk_…`) or a \
         dashboard session cookie (unsafe methods then need `X-CSRF-Token`).",
    )
}

/// A room credential answered outside the API's routes (the dashboard's
/// test call), in the API's own `VideoToken` shape.
pub(crate) fn grant_response(grant: escalate_app::video::Grant) -> poem::Response {
    use poem::IntoResponse;
    use poem_openapi::types::ToJSON;
    let body = escalations::token_view(grant).to_json_string();
    poem::Response::builder().content_type("application/json").body(body).into_response()
}
