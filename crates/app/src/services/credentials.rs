//! A contact center's Twilio credentials: sealed with the tenant's data key
//! on the way in, opened only where a Twilio call or a token needs them,
//! shown only masked. Every change tells the replicas, which drop the token
//! material they keep for the contact center.

use chrono::{DateTime, Utc};
use escalate_domain::Secret;
use escalate_domain::validation::{Validator, is_twilio_sid};
use escalate_store::repos::NewCredentials;
use escalate_store::{ContactCenterRecord, StoreError, TenantScope, TwilioCredentialRecord};
use escalate_twilio::{Credentials, Location, TwilioError};
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::Event;
use crate::principal::Principal;
use crate::services::audit::{self, Target};
use escalate_domain::audit::AuditAction;
use serde_json::json;

pub struct CredentialsInput {
    pub account_sid: String,
    pub api_key_sid: String,
    pub api_key_secret: Secret,
    pub auth_token: Secret,
    /// The Twilio region the API key was made in (`us1` when unset).
    pub region: Option<String>,
    /// The edge location to reach Twilio through (Twilio's choice when unset).
    pub edge: Option<String>,
}

/// `us1`, `ie1`, `au1`…: two letters and a digit, as Twilio names regions.
fn is_region(s: &str) -> bool {
    s.len() == 3 && s[..2].bytes().all(|b| b.is_ascii_lowercase()) && s.as_bytes()[2].is_ascii_digit()
}

/// `dublin`, `sao-paulo`…: lowercase letters and hyphens.
fn is_edge(s: &str) -> bool {
    (2..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// Stored credentials as anyone may see them: SIDs, and the secrets' last
/// four characters.
pub struct MaskedCredentials {
    pub account_sid: String,
    pub api_key_sid: String,
    pub api_key_secret: String,
    pub auth_token: String,
    /// When Twilio last accepted them; `None` if never checked or the last check failed.
    pub verified_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub region: Option<String>,
    pub edge: Option<String>,
}

fn context(contact_center_id: Uuid, field: &str) -> String {
    format!("twilio_credentials:{contact_center_id}:{field}")
}

/// Validates, optionally verifies with Twilio, then seals and stores. Nothing
/// is written when verification fails.
pub async fn put(
    app: &App,
    by: &Principal,
    contact_center_id: Uuid,
    input: CredentialsInput,
    verify: bool,
) -> AppResult<MaskedCredentials> {
    let scope = by.scope;
    let mut v = Validator::new();
    v.check(is_twilio_sid(&input.account_sid, "AC"), "account_sid", "must be AC followed by 32 hex digits")
        .check(is_twilio_sid(&input.api_key_sid, "SK"), "api_key_sid", "must be SK followed by 32 hex digits")
        .check((16..=128).contains(&input.api_key_secret.expose().len()), "api_key_secret", "must be 16-128 characters")
        .check((16..=128).contains(&input.auth_token.expose().len()), "auth_token", "must be 16-128 characters")
        .check(
            input.region.as_deref().is_none_or(is_region),
            "region",
            "must be a Twilio region such as us1, ie1 or au1",
        )
        .check(input.edge.as_deref().is_none_or(is_edge), "edge", "must be a Twilio edge such as dublin or sydney");
    v.finish()?;
    // Fail on a foreign or missing contact center before calling Twilio.
    app.store.contact_center(scope, contact_center_id).await?;
    let before = app.store.credentials(scope, contact_center_id).await.ok();

    let creds = Credentials {
        account_sid: input.account_sid.clone(),
        api_key_sid: input.api_key_sid.clone(),
        api_key_secret: input.api_key_secret.clone(),
        auth_token: input.auth_token.clone(),
        location: Location { region: input.region.clone(), edge: input.edge.clone() },
    };
    let verified_at = if verify {
        check_with_twilio(app, creds).await?;
        Some(Utc::now())
    } else {
        None
    };

    let data_key = super::keys::data_key(app, scope).await?;
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
        region: input.region,
        edge: input.edge,
    };
    let record = app.store.put_credentials(scope, contact_center_id, new, Utc::now()).await?;
    app.publish(Event::ContactCenterChanged { contact_center_id }).await;
    let mut changes = audit_changes(before.as_ref().map(public_fields), public_fields(&record));
    // That the secrets were replaced is worth knowing; what they are is not recorded.
    changes["secrets"] = json!("replaced");
    changes["verified"] = json!(verify);
    audit::record(
        app,
        by,
        AuditAction::CredentialsSet,
        Some(Target::new("contact_center", contact_center_id)),
        changes,
    )
    .await;
    masked(app, scope, &record).await
}

/// The credentials' fields that are not secret, as the audit log shows them.
fn public_fields(r: &TwilioCredentialRecord) -> serde_json::Value {
    json!({ "account_sid": r.account_sid, "api_key_sid": r.api_key_sid, "region": r.region, "edge": r.edge })
}

fn audit_changes(before: Option<serde_json::Value>, after: serde_json::Value) -> serde_json::Value {
    escalate_domain::audit::changes(&before.unwrap_or(serde_json::Value::Null), &after)
}

/// The stored credentials, masked.
pub async fn get(app: &App, scope: TenantScope, contact_center_id: Uuid) -> AppResult<MaskedCredentials> {
    let record = app.store.credentials(scope, contact_center_id).await?;
    masked(app, scope, &record).await
}

/// Checks the stored credentials with Twilio now. A rejection clears
/// "verified", so no page keeps calling refused credentials verified.
pub async fn verify(app: &App, by: &Principal, contact_center_id: Uuid) -> AppResult<MaskedCredentials> {
    let scope = by.scope;
    let cc = app.store.contact_center(scope, contact_center_id).await?;
    let creds = load(app, scope, &cc).await?;
    let checked = check_with_twilio(app, creds).await;
    let verified_at = match &checked {
        Ok(()) => Some(Utc::now()),
        Err(AppError::Rejected { .. }) => None,
        // Twilio did not answer: that says nothing about the credentials.
        Err(e) => return Err(e.clone()),
    };
    app.store.set_credentials_verified(scope, contact_center_id, verified_at).await?;
    let changes = json!({ "result": if checked.is_ok() { "accepted" } else { "rejected" } });
    audit::record(
        app,
        by,
        AuditAction::CredentialsVerified,
        Some(Target::new("contact_center", contact_center_id)),
        changes,
    )
    .await;
    checked?;
    get(app, scope, contact_center_id).await
}

/// Removes the credentials; customer tokens for the contact center stop
/// being minted on every replica at once.
pub async fn delete(app: &App, by: &Principal, contact_center_id: Uuid) -> AppResult<()> {
    let before = app.store.credentials(by.scope, contact_center_id).await?;
    app.store.delete_credentials(by.scope, contact_center_id).await?;
    app.publish(Event::ContactCenterChanged { contact_center_id }).await;
    let target = Some(Target::new("contact_center", contact_center_id));
    audit::record(app, by, AuditAction::CredentialsDeleted, target, public_fields(&before)).await;
    Ok(())
}

/// The plaintext credentials of a contact center the caller has already
/// resolved (so "not yours" was answered before "no credentials yet").
pub(crate) async fn load(app: &App, scope: TenantScope, cc: &ContactCenterRecord) -> AppResult<Credentials> {
    let record = app.store.credentials(scope, cc.id).await.map_err(|e| match e {
        StoreError::NotFound => {
            AppError::conflict(ErrorCode::TwilioCredentialsMissing, "this contact center has no Twilio credentials yet")
        }
        other => other.into(),
    })?;
    open(app, scope, &record).await
}

async fn open(app: &App, scope: TenantScope, record: &TwilioCredentialRecord) -> AppResult<Credentials> {
    let data_key = super::keys::data_key(app, scope).await?;
    let tenant = scope.tenant_id();
    let cc = record.contact_center_id;
    let api_key_secret = data_key
        .open(tenant, &context(cc, "api_key_secret"), &record.api_key_secret_ciphertext)
        .map_err(AppError::internal)?;
    let auth_token =
        data_key.open(tenant, &context(cc, "auth_token"), &record.auth_token_ciphertext).map_err(AppError::internal)?;
    Ok(Credentials {
        account_sid: record.account_sid.clone(),
        api_key_sid: record.api_key_sid.clone(),
        api_key_secret,
        auth_token,
        location: Location { region: record.region.clone(), edge: record.edge.clone() },
    })
}

async fn masked(app: &App, scope: TenantScope, record: &TwilioCredentialRecord) -> AppResult<MaskedCredentials> {
    let plain = open(app, scope, record).await?;
    Ok(MaskedCredentials {
        account_sid: record.account_sid.clone(),
        api_key_sid: record.api_key_sid.clone(),
        api_key_secret: plain.api_key_secret.masked_tail(4),
        auth_token: plain.auth_token.masked_tail(4),
        verified_at: record.verified_at,
        updated_at: record.updated_at,
        region: record.region.clone(),
        edge: record.edge.clone(),
    })
}

/// Checks each credential with a call it is really used for: the API key
/// (rooms, messages, tokens) by listing rooms, in the key's region, which a
/// Standard key may do (Twilio's `/Accounts` endpoints refuse Standard keys,
/// the kind it makes by default); the auth token (webhook signatures) by
/// fetching the account. A typo in either is caught on save, and named.
async fn check_with_twilio(app: &App, creds: Credentials) -> AppResult<()> {
    let client = app.twilio.account(creds);
    client.check_api_key().await.map_err(|e| rejected(e, "api_key_secret"))?;
    client.fetch_account_with_auth_token().await.map_err(|e| rejected(e, "auth_token"))?;
    Ok(())
}

fn rejected(err: TwilioError, field: &'static str) -> AppError {
    match err.status() {
        Some(401 | 403 | 404) => AppError::Rejected {
            code: ErrorCode::TwilioCredentialsRejected,
            detail: format!(
                "Twilio did not accept these credentials (Twilio error {})",
                err.code().map_or("unknown".into(), |c| c.to_string())
            ),
            field: Some(field),
        },
        _ => {
            tracing::warn!(error = %err, "Twilio credential check failed");
            AppError::upstream(
                ErrorCode::TwilioUnavailable,
                "could not reach Twilio to check the credentials; try again",
            )
        }
    }
}
