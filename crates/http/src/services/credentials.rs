//! A contact center's Twilio credentials: sealed with the tenant's data key
//! on the way in, opened only where a Twilio call or a token needs them.

use chrono::Utc;
use escalate_domain::Secret;
use escalate_domain::validation::{Validator, is_twilio_sid};
use escalate_store::repos::NewCredentials;
use escalate_store::{TenantScope, TwilioCredentialRecord};
use escalate_twilio::{Credentials, TwilioError};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

pub struct CredentialsInput {
    pub account_sid: String,
    pub api_key_sid: String,
    pub api_key_secret: Secret,
    pub auth_token: Secret,
}

fn context(contact_center_id: Uuid, field: &str) -> String {
    format!("twilio_credentials:{contact_center_id}:{field}")
}

/// Validates, optionally verifies with Twilio, then seals and stores. Nothing
/// is written when verification fails.
pub async fn put(
    state: &AppState,
    scope: TenantScope,
    contact_center_id: Uuid,
    input: CredentialsInput,
    verify: bool,
) -> Result<TwilioCredentialRecord, ApiError> {
    let mut v = Validator::new();
    v.check(is_twilio_sid(&input.account_sid, "AC"), "account_sid", "must be AC followed by 32 hex digits")
        .check(is_twilio_sid(&input.api_key_sid, "SK"), "api_key_sid", "must be SK followed by 32 hex digits")
        .check((16..=128).contains(&input.api_key_secret.expose().len()), "api_key_secret", "must be 16-128 characters")
        .check((16..=128).contains(&input.auth_token.expose().len()), "auth_token", "must be 16-128 characters");
    v.finish()?;
    // Fail on a foreign or missing contact center before calling Twilio.
    state.store.contact_center(scope, contact_center_id).await?;

    let creds = Credentials {
        account_sid: input.account_sid.clone(),
        api_key_sid: input.api_key_sid.clone(),
        api_key_secret: input.api_key_secret.clone(),
        auth_token: input.auth_token.clone(),
    };
    let verified_at = if verify {
        check_with_twilio(state, creds).await?;
        Some(Utc::now())
    } else {
        None
    };

    let data_key =
        state.keyring.unwrap(scope.tenant_id(), &state.store.data_key(scope).await?).map_err(ApiError::internal)?;
    let tenant = scope.tenant_id();
    let new = NewCredentials {
        account_sid: input.account_sid,
        api_key_sid: input.api_key_sid,
        api_key_secret_ciphertext: data_key.seal(
            tenant,
            &context(contact_center_id, "api_key_secret"),
            &input.api_key_secret,
        ),
        auth_token_ciphertext: data_key.seal(tenant, &context(contact_center_id, "auth_token"), &input.auth_token),
        verified_at,
    };
    let record = state.store.put_credentials(scope, contact_center_id, new, Utc::now()).await?;
    crate::events::broadcast(state, crate::events::Event::ContactCenterChanged { contact_center_id }).await;
    Ok(record)
}

/// The plaintext credentials of a contact center.
pub async fn load(state: &AppState, scope: TenantScope, contact_center_id: Uuid) -> Result<Credentials, ApiError> {
    // Another tenant's contact center is "not found", never "has no credentials".
    state.store.contact_center(scope, contact_center_id).await?;
    let record = state.store.credentials(scope, contact_center_id).await.map_err(|e| match e {
        escalate_store::StoreError::NotFound => {
            ApiError::conflict("twilio_credentials_missing", "this contact center has no Twilio credentials yet")
        }
        other => other.into(),
    })?;
    open(state, scope, &record).await
}

pub async fn open(
    state: &AppState,
    scope: TenantScope,
    record: &TwilioCredentialRecord,
) -> Result<Credentials, ApiError> {
    let data_key =
        state.keyring.unwrap(scope.tenant_id(), &state.store.data_key(scope).await?).map_err(ApiError::internal)?;
    let tenant = scope.tenant_id();
    let cc = record.contact_center_id;
    let api_key_secret = data_key
        .open(tenant, &context(cc, "api_key_secret"), &record.api_key_secret_ciphertext)
        .map_err(ApiError::internal)?;
    let auth_token =
        data_key.open(tenant, &context(cc, "auth_token"), &record.auth_token_ciphertext).map_err(ApiError::internal)?;
    Ok(Credentials {
        account_sid: record.account_sid.clone(),
        api_key_sid: record.api_key_sid.clone(),
        api_key_secret,
        auth_token,
    })
}

/// Fetches the account twice: once with the API key (used for rooms,
/// messages and tokens) and once with the auth token (used for webhook
/// signatures), so a typo in either is caught on save.
pub async fn check_with_twilio(state: &AppState, creds: Credentials) -> Result<(), ApiError> {
    let client = state.twilio.account(creds);
    client.fetch_account().await.map_err(|e| rejected(e, "api_key_secret"))?;
    client.fetch_account_with_auth_token().await.map_err(|e| rejected(e, "auth_token"))?;
    Ok(())
}

fn rejected(err: TwilioError, field: &str) -> ApiError {
    match err.status() {
        Some(401 | 403 | 404) => ApiError::new(
            poem::http::StatusCode::UNPROCESSABLE_ENTITY,
            "twilio_credentials_rejected",
            "Twilio rejected the credentials",
            format!(
                "Twilio did not accept these credentials (Twilio error {})",
                err.code().map_or("unknown".into(), |c| c.to_string())
            ),
        )
        .with_field(field),
        _ => {
            tracing::warn!(error = %err, "Twilio credential check failed");
            ApiError::bad_gateway("twilio_unavailable", "could not reach Twilio to check the credentials; try again")
        }
    }
}
