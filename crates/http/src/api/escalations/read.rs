//! One escalation, as the caller may see it.

use escalate_app::call_quality;
use escalate_app::services::callers;
use escalate_domain::access::Permission;
use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::views::{EscalationView, view};
use crate::api::Tag;
use crate::auth::agent::EscalationAuth;
use crate::auth::client_ip;
use crate::error::ApiResult;
use crate::state::AppState;

pub struct ReadApi;

#[OpenApi(tag = "Tag::Escalations")]
impl ReadApi {
    /// One escalation.
    #[oai(path = "/v1/escalations/:id", method = "get", operation_id = "getEscalation")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: EscalationAuth,
        req: &Request,
        id: Path<Uuid>,
    ) -> ApiResult<Json<EscalationView>> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let (center, e, caller) =
            callers::for_escalation(&state, auth.credential(&state, &ip).await?, id.0, Permission::ViewMetrics).await?;
        let quality = call_quality::of(&state, center.scope, e.id).await?;
        Ok(Json(view(&state, e, None, caller.sees_codes(), quality)))
    }
}
