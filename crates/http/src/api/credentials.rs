use chrono::{DateTime, Utc};
use escalate_domain::Secret;
use escalate_domain::access::Permission;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::state::AppState;
use escalate_app::services::credentials::{self, CredentialsInput, MaskedCredentials};

pub struct CredentialsApi;

/// Write-only: secrets go in and never come back.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct PutCredentials {
    /// `AC` + 32 hex digits.
    account_sid: String,
    /// `SK` + 32 hex digits: the API key used for rooms, messages and tokens.
    api_key_sid: String,
    api_key_secret: String,
    /// Used only to check Twilio's webhook signatures.
    auth_token: String,
    /// The Twilio region the API key was made in (`us1`, `ie1`, `au1`…; default us1).
    region: Option<String>,
    /// The Twilio edge to reach it through (`dublin`, `sydney`…; default Twilio's choice).
    edge: Option<String>,
    /// Check the credentials with Twilio before saving (default true).
    #[oai(default = "default_true")]
    verify: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
#[oai(rename = "TwilioCredentials")]
struct CredentialsView {
    account_sid: String,
    api_key_sid: String,
    /// Masked: only the last four characters.
    api_key_secret: String,
    /// Masked: only the last four characters.
    auth_token: String,
    /// When Twilio last accepted these credentials; absent if never checked or last refused.
    verified_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    region: Option<String>,
    edge: Option<String>,
}

#[derive(ApiResponse)]
enum Deleted {
    #[oai(status = 204)]
    Done,
}

fn view(m: MaskedCredentials) -> CredentialsView {
    CredentialsView {
        account_sid: m.account_sid,
        api_key_sid: m.api_key_sid,
        api_key_secret: m.api_key_secret,
        auth_token: m.auth_token,
        verified_at: m.verified_at,
        updated_at: m.updated_at,
        region: m.region,
        edge: m.edge,
    }
}

#[OpenApi(tag = "Tag::TwilioCredentials")]
impl CredentialsApi {
    /// Store (or replace) the contact center's Twilio credentials.
    ///
    /// They are checked with Twilio first unless `verify` is false; on
    /// rejection nothing is stored (422 `twilio_credentials_rejected`).
    #[oai(path = "/v1/contact-centers/:cc/twilio-credentials", method = "put", operation_id = "putTwilioCredentials")]
    async fn put(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        cc: Path<Uuid>,
        body: Json<PutCredentials>,
    ) -> ApiResult<Json<CredentialsView>> {
        auth.principal().require(Permission::ManageSettings)?;
        let b = body.0;
        let input = CredentialsInput {
            account_sid: b.account_sid.trim().to_owned(),
            api_key_sid: b.api_key_sid.trim().to_owned(),
            api_key_secret: Secret::new(b.api_key_secret.trim()),
            auth_token: Secret::new(b.auth_token.trim()),
            region: b.region.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()),
            edge: b.edge.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()),
        };
        Ok(Json(view(credentials::put(&state, auth.principal(), cc.0, input, b.verify).await?)))
    }

    /// The SIDs and masked secrets.
    #[oai(path = "/v1/contact-centers/:cc/twilio-credentials", method = "get", operation_id = "getTwilioCredentials")]
    async fn get(&self, state: Data<&AppState>, auth: TenantAuth, cc: Path<Uuid>) -> ApiResult<Json<CredentialsView>> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(view(credentials::get(&state, scope, cc.0).await?)))
    }

    /// Check the stored credentials with Twilio now.
    #[oai(
        path = "/v1/contact-centers/:cc/twilio-credentials/verify",
        method = "post",
        operation_id = "verifyTwilioCredentials"
    )]
    async fn verify(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        cc: Path<Uuid>,
    ) -> ApiResult<Json<CredentialsView>> {
        auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(view(credentials::verify(&state, auth.principal(), cc.0).await?)))
    }

    /// Remove the credentials.
    #[oai(
        path = "/v1/contact-centers/:cc/twilio-credentials",
        method = "delete",
        operation_id = "deleteTwilioCredentials"
    )]
    async fn delete(&self, state: Data<&AppState>, auth: TenantAuth, cc: Path<Uuid>) -> ApiResult<Deleted> {
        auth.principal().require(Permission::ManageSettings)?;
        credentials::delete(&state, auth.principal(), cc.0).await?;
        Ok(Deleted::Done)
    }
}
