//! Erasing a customer's traces from a finished escalation.

use escalate_app::call_quality;
use escalate_app::services::erasure;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::views::{EscalationView, view};
use crate::api::Tag;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::state::AppState;

pub struct EraseApi;

#[OpenApi(tag = "Tag::Escalations")]
impl EraseApi {
    /// Erase the customer's data from a finished escalation (a
    /// data-protection request; admins): the rating's comment, the
    /// conversation, the customer's identities and the providers' raw
    /// payloads in its room events, its snapshots, its webhook deliveries
    /// (pending ones are not sent), and its recordings at Twilio. The
    /// anonymous figures the metrics read (times, stars, call quality) stay;
    /// `erased_at` says when. Audited as `escalation.erased`. A call still
    /// open answers `escalation_still_open` (409): end it first.
    #[oai(path = "/v1/escalations/:id/erase", method = "post", operation_id = "eraseEscalation")]
    async fn erase(&self, state: Data<&AppState>, auth: TenantAuth, id: Path<Uuid>) -> ApiResult<Json<EscalationView>> {
        let e = erasure::erase(&state, auth.principal(), id.0).await?;
        let quality = call_quality::of(&state, auth.principal().scope, e.id).await?;
        Ok(Json(view(&state, e, None, true, quality)))
    }
}
