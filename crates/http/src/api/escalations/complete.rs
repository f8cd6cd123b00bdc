//! Ending a call.

use escalate_app::call_quality;
use escalate_app::services::callers;
use escalate_app::services::escalations;
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

pub struct CompleteApi;

#[OpenApi(tag = "Tag::Escalations")]
impl CompleteApi {
    /// End the video call: completes the room and expires the customer's code.
    #[oai(path = "/v1/escalations/:id/complete", method = "post", operation_id = "completeEscalation")]
    async fn complete(
        &self,
        state: Data<&AppState>,
        auth: EscalationAuth,
        req: &Request,
        id: Path<Uuid>,
    ) -> ApiResult<Json<EscalationView>> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let (center, e, _) =
            callers::for_escalation(&state, auth.credential(&state, &ip).await?, id.0, Permission::ManageEscalations)
                .await?;
        let done = escalations::complete(&state, &center, e).await?;
        let quality = call_quality::of(&state, center.scope, done.id).await?;
        Ok(Json(view(&state, done, None, true, quality)))
    }
}
