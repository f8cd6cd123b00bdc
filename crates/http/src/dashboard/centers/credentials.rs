//! A contact center's Twilio credentials: store, verify, delete.

use std::collections::BTreeMap;

use escalate_app::records::ContactCenterRecord;
use escalate_app::services::credentials::{self, CredentialsInput};
use escalate_app::{AppError, ErrorCode};
use escalate_domain::Secret;
use minijinja::{Value, context};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, handler};

use crate::dashboard::overview::plugin_config;
use crate::dashboard::web::{self, Admin, AdminForm, Ctx, Page};

use super::lookup::{cc_value, center};

pub(super) async fn credentials_page(
    ctx: &Ctx,
    status: StatusCode,
    cc: &ContactCenterRecord,
    form: Value,
    errors: BTreeMap<String, String>,
    banner: Option<String>,
    flash: Value,
) -> Page {
    let current = match credentials::get(&ctx.state, ctx.scope(), cc.id).await {
        Ok(m) => context! {
            account_sid => m.account_sid,
            api_key_sid => m.api_key_sid,
            api_key_secret => m.api_key_secret,
            auth_token => m.auth_token,
            verified_at => m.verified_at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            updated_at => m.updated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            region => m.region.unwrap_or_else(|| "us1".into()),
            edge => m.edge,
        },
        Err(AppError::NotFound { .. }) => Value::from(()),
        Err(e) => return Err(ctx.error_page(e)),
    };
    Ok(ctx.render(
        status,
        "credentials.html",
        "center",
        &format!("{} · Twilio credentials", cc.name),
        context! {
            cc => cc_value(cc),
            tab => "credentials",
            builtin => cc.video_provider == escalate_domain::contact_center::VideoProvider::Builtin,
            current => current,
            form => form,
            errors => errors,
            banner => banner,
            status_callback_url => ctx.state.urls().room_callback(cc.id),
            plugin_config => plugin_config(&ctx.state, cc.id),
            flex_bundle => ctx.state.config.flex_plugin.as_ref().map(|b| b.version.clone()),
            flash => flash,
        },
    ))
}

#[handler]
pub async fn credentials_form(Admin(ctx): Admin, req: &Request, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    credentials_page(&ctx, StatusCode::OK, &cc, Value::from(()), BTreeMap::new(), None, web::flash_value(req)).await
}

/// Errors of a credential save or check, by field, plus a banner.
fn credential_errors(err: &AppError) -> (BTreeMap<String, String>, String) {
    let mut fields = web::field_errors(err);
    let banner = match err.code() {
        ErrorCode::TwilioCredentialsRejected => {
            let field = err.fields().first().map(|f| f.field.clone()).unwrap_or_default();
            let hint = match field.as_str() {
                "auth_token" => {
                    "Twilio rejected the Auth Token (the API key was accepted). Copy the Auth Token from the Twilio Console again."
                }
                _ => {
                    "Twilio rejected the API key: check the API Key SID and its secret (and that the key belongs to this Account SID)."
                }
            };
            if field == "api_key_secret" {
                fields.insert("api_key_sid".into(), "Check this SID together with its secret.".into());
            }
            fields.insert(field, hint.to_owned());
            format!("{} — {}", hint, err.detail())
        }
        ErrorCode::TwilioUnavailable => {
            "Twilio could not be reached to check the credentials, so nothing was changed. Try again in a moment."
                .to_owned()
        }
        ErrorCode::TwilioCredentialsMissing => {
            "This contact center has no Twilio credentials yet: store them below first.".to_owned()
        }
        ErrorCode::ValidationFailed => "Some values are not valid: see the fields below.".to_owned(),
        _ => err.detail(),
    };
    (fields, banner)
}

pub(super) fn credential_status(err: &AppError) -> StatusCode {
    if matches!(err, AppError::Upstream { .. } | AppError::Internal) {
        StatusCode::BAD_GATEWAY
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

#[handler]
pub async fn save_credentials(AdminForm { ctx, form }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    let input = CredentialsInput {
        account_sid: form.get("account_sid").trim().to_owned(),
        api_key_sid: form.get("api_key_sid").trim().to_owned(),
        api_key_secret: Secret::new(form.get("api_key_secret").trim()),
        auth_token: Secret::new(form.get("auth_token").trim()),
        region: Some(form.get("region").trim().to_owned()).filter(|r| !r.is_empty()),
        edge: Some(form.get("edge").trim().to_owned()).filter(|e| !e.is_empty()),
    };
    match credentials::put(&ctx.state, &ctx.principal(), cc.id, input, true).await {
        Ok(_) => {
            Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=credentials_saved", cc.id)))
        }
        Err(err) => {
            let (fields, banner) = credential_errors(&err);
            // Only the SIDs come back into the form; secrets are never echoed.
            let values = context! {
                account_sid => form.get("account_sid"),
                api_key_sid => form.get("api_key_sid"),
                region => form.get("region"),
                edge => form.get("edge"),
            };
            credentials_page(&ctx, credential_status(&err), &cc, values, fields, Some(banner), Value::from(())).await
        }
    }
}

#[handler]
pub async fn verify_credentials(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    match credentials::verify(&ctx.state, &ctx.principal(), cc.id).await {
        Ok(_) => {
            Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=credentials_verified", cc.id)))
        }
        Err(err) => {
            let (_, banner) = credential_errors(&err);
            let status = credential_status(&err);
            credentials_page(&ctx, status, &cc, Value::from(()), BTreeMap::new(), Some(banner), Value::from(())).await
        }
    }
}

#[handler]
pub async fn delete_credentials(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    credentials::delete(&ctx.state, &ctx.principal(), cc.id).await.map_err(|e| ctx.error_page(e))?;
    Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=credentials_deleted", cc.id)))
}
