//! The dashboard's test call: an admin starts an escalation as the agent
//! (no chat behind it), joins it in the very page customers use, and gets
//! the customer link to open elsewhere. It works with either video
//! provider, so a Twilio setup can be checked before the Flex plugin is
//! rolled out. Test calls are marked and left out of the metrics.

use escalate_app::records::{ContactCenterRecord, EscalationRecord};
use escalate_app::services::contact_centers::Center;
use escalate_app::services::escalations;
use escalate_app::services::reads;
use escalate_domain::contact_center::VideoProvider;
use escalate_domain::escalation::Status;
use minijinja::context;
use poem::http::StatusCode;
use poem::web::Path;
use poem::{IntoResponse, Response, handler};
use uuid::Uuid;

use super::centers::{cc_value, center};
use super::web::{self, Admin, AdminForm, Ctx, Page};
use crate::error::ApiError;
use crate::pages::{AgentCall, JoinBrand, JoinPageView, JoinState};

fn page(ctx: &Ctx, status: StatusCode, cc: &ContactCenterRecord, needs_credentials: bool, error: Option<&str>) -> Page {
    let provider_label = match cc.video_provider {
        VideoProvider::Builtin => "built-in",
        VideoProvider::Twilio => "Twilio",
    };
    Ok(ctx.render(
        status,
        "test_call.html",
        "",
        &format!("Test call · {}", cc.name),
        context! {
            cc => cc_value(cc), tab => "test-call", provider_label => provider_label,
            needs_credentials => needs_credentials, error => error,
            unavailable => escalations::video_unavailable_here(&ctx.state, cc.video_provider),
        },
    ))
}

/// Twilio Video needs the account; built-in calls need nothing more.
async fn needs_credentials(ctx: &Ctx, cc: &ContactCenterRecord) -> bool {
    cc.video_provider == VideoProvider::Twilio && !reads::has_credentials(&ctx.state, ctx.scope(), cc.id).await
}

#[handler]
pub async fn start_form(Admin(ctx): Admin, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    let needs = needs_credentials(&ctx, &cc).await;
    page(&ctx, StatusCode::OK, &cc, needs, None)
}

#[handler]
pub async fn start(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    let center = Center::new(ctx.scope(), cc.clone());
    match escalations::start_test_call(&ctx.state, &center, &ctx.user.email, "Test agent").await {
        Ok(created) => {
            Ok(web::redirect(&format!("/dashboard/contact-centers/{}/test-call/{}", cc.id, created.escalation.id)))
        }
        Err(err) => {
            let err = ApiError::from(err);
            let needs = needs_credentials(&ctx, &cc).await;
            page(&ctx, err.status, &cc, needs, Some(&err.detail))
        }
    }
}

/// The escalation of a test call of this contact center, or a 404 page.
async fn test_call(ctx: &Ctx, cc: &ContactCenterRecord, call: &str) -> Result<EscalationRecord, web::PageError> {
    let not_found = || ctx.error_page(ApiError::not_found());
    let id = Uuid::parse_str(call).map_err(|_| not_found())?;
    let e = reads::escalation(&ctx.state, ctx.scope(), id).await.map_err(|e| ctx.error_page(e))?;
    if e.contact_center_id != cc.id || !e.test_call {
        return Err(not_found());
    }
    Ok(e)
}

/// The agent's side of the call: the join page, with the customer link and an "End test call" button.
#[handler]
pub async fn call_page(Admin(ctx): Admin, Path((id, call)): Path<(String, String)>) -> Page {
    let cc = center(&ctx, &id).await?;
    let e = test_call(&ctx, &cc, &call).await?;
    let brand = Some(JoinBrand::from(cc.settings().branding));
    let base = format!("/dashboard/contact-centers/{}/test-call/{}", cc.id, e.id);
    let view = if e.status == Status::Open {
        JoinPageView {
            agent: Some(AgentCall {
                token_url: format!("{base}/token"),
                end_url: format!("{base}/end"),
                snapshots_url: format!("/v1/escalations/{}/snapshots", e.id),
                csrf: ctx.session.csrf_token.clone(),
                customer_url: ctx.state.urls().join(&e.code),
                back_url: format!("/dashboard/contact-centers/{}", cc.id),
            }),
            ..JoinPageView::new(e.code.clone(), JoinState::Ready, brand).with_provider(e.video_provider)
        }
    } else {
        JoinPageView::new(e.code.clone(), JoinState::Completed, brand)
    };
    let mut resp = ctx.state.pages().join_page(&view);
    // The admin's page, not a customer's: the status follows the call, not the code.
    resp.set_status(StatusCode::OK);
    Ok(resp)
}

/// The agent's room credential (JSON, as the API's token answer).
#[handler]
pub async fn token(AdminForm { ctx, .. }: AdminForm, Path((id, call)): Path<(String, String)>) -> Response {
    let result = async {
        let cc = center(&ctx, &id).await?;
        let e = test_call(&ctx, &cc, &call).await?;
        let center = Center::new(ctx.scope(), cc);
        Ok::<_, web::PageError>(escalations::agent_token(&ctx.state, &center, &e, &e.agent_identity).await)
    };
    match result.await {
        Ok(Ok(grant)) => crate::api::grant_response(grant),
        Ok(Err(err)) => ApiError::from(err).into_response(),
        Err(page) => page.response(),
    }
}

/// Ends the test call: both pages hear it over their signalling (or Twilio).
#[handler]
pub async fn end(AdminForm { ctx, .. }: AdminForm, Path((id, call)): Path<(String, String)>) -> Response {
    let result = async {
        let cc = center(&ctx, &id).await?;
        let e = test_call(&ctx, &cc, &call).await?;
        let center = Center::new(ctx.scope(), cc);
        Ok::<_, web::PageError>(escalations::complete(&ctx.state, &center, e).await)
    };
    match result.await {
        Ok(Ok(done)) => poem::web::Json(serde_json::json!({ "status": done.status.as_str() })).into_response(),
        Ok(Err(err)) => ApiError::from(err).into_response(),
        Err(page) => page.response(),
    }
}
