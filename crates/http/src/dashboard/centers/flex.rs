//! Installing the video plugin in a contact center's Flex, and taking it
//! out again.

use std::collections::BTreeMap;

use escalate_app::records::ContactCenterRecord;
use escalate_app::services::flex_install;
use escalate_app::{AppError, ErrorCode};
use minijinja::Value;
use poem::handler;
use poem::web::Path;

use crate::dashboard::web::{self, AdminForm, Ctx, Page};

use super::credentials::{credential_status, credentials_page};
use super::lookup::center;

/// The credentials page again with why a Flex change did not happen.
async fn flex_failed(ctx: &Ctx, cc: &ContactCenterRecord, err: AppError) -> Page {
    let banner = match err.code() {
        ErrorCode::TwilioCredentialsMissing => {
            "This contact center has no Twilio credentials yet: store them below first.".to_owned()
        }
        ErrorCode::TwilioCredentialsRejected => {
            "Twilio rejected the stored credentials for the Flex APIs: check them (Verify with Twilio), or use an API key allowed to manage Flex.".to_owned()
        }
        ErrorCode::TwilioUnavailable | ErrorCode::TwilioRateLimited => format!(
            "Twilio did not answer, so Flex may be partly changed; run it again (it continues where it stopped). {}",
            err.detail()
        ),
        _ => err.detail(),
    };
    let status = credential_status(&err);
    credentials_page(ctx, status, cc, Value::from(()), BTreeMap::new(), Some(banner), Value::from(())).await
}

#[handler]
pub async fn install_in_flex(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    match flex_install::install(&ctx.state, &ctx.principal(), cc.id).await {
        Ok(_) => Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=flex_installed", cc.id))),
        Err(err) => flex_failed(&ctx, &cc, err).await,
    }
}

#[handler]
pub async fn uninstall_from_flex(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    match flex_install::uninstall(&ctx.state, &ctx.principal(), cc.id).await {
        Ok(_) => Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=flex_uninstalled", cc.id))),
        Err(err) => flex_failed(&ctx, &cc, err).await,
    }
}
