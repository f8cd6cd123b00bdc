//! A contact center's escalations as a collection: escalating a chat to
//! video (create) and listing them a page at a time. One API type, since
//! both are operations of one path.

use chrono::{DateTime, Utc};
use escalate_app::call_quality;
use escalate_app::records::EscalationFilter;
use escalate_app::services::callers::{self, Caller};
use escalate_app::services::escalations::{self, CreateInput};
use escalate_app::services::reads;
use escalate_domain::access::Permission;
use escalate_domain::escalation::{AGENT_PREFIX, Status};
use escalate_domain::quality::CallQuality;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::views::{EscalationView, view};
use crate::api::Tag;
use crate::auth::agent::EscalationAuth;
use crate::auth::{TenantAuth, client_ip};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct CollectionApi;

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(super) struct CreateEscalation {
    /// The Flex task (`WT…`).
    task_sid: String,
    /// The customer's Twilio Conversation (`CH…`); the join link is posted there.
    conversation_sid: String,
    /// How the agent is named in the chat message; defaults to their identity.
    agent_name: Option<String>,
    /// The agent's Flex identity. Required with an API key or a session;
    /// ignored with a Flex token, whose identity is used.
    agent_identity: Option<String>,
}

#[derive(ApiResponse)]
pub(super) enum CreateResponse {
    /// A new escalation: room made, join link posted.
    #[oai(status = 201)]
    Created(Json<EscalationView>),
    /// The escalation an earlier request with the same Idempotency-Key made.
    #[oai(status = 200)]
    Replayed(Json<EscalationView>),
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(super) struct EscalationPage {
    items: Vec<EscalationView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    next_before: Option<Uuid>,
}

#[OpenApi(tag = "Tag::Escalations")]
impl CollectionApi {
    /// Escalate a chat to video.
    ///
    /// Creates the Twilio room, posts the contact center's message with the
    /// join link into the conversation, and answers with the agent's token.
    /// Send an `Idempotency-Key` (the Flex plugin uses one per task): a retry
    /// or a double click with the same key returns the same escalation (200)
    /// and makes no second room or message.
    #[oai(path = "/v1/contact-centers/:cc/escalations", method = "post", operation_id = "createEscalation")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: EscalationAuth,
        req: &Request,
        cc: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        body: Json<CreateEscalation>,
    ) -> ApiResult<CreateResponse> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let (center, caller) = callers::for_contact_center(&state, auth.credential(&state, &ip).await?, cc.0).await?;
        let b = body.0;
        let agent = match &caller {
            Caller::Flex(user) => user.identity.clone(),
            Caller::Tenant(_) => {
                b.agent_identity.map(|a| a.strip_prefix(AGENT_PREFIX).map(str::to_owned).unwrap_or(a)).ok_or_else(
                    || ApiError::field("agent_identity", "is required unless you call with the agent's Flex token"),
                )?
            }
        };
        let input = CreateInput {
            task_sid: b.task_sid.trim().to_owned(),
            conversation_sid: b.conversation_sid.trim().to_owned(),
            agent_name: b.agent_name.map(|n| n.trim().to_owned()),
            agent,
            idempotency_key: idempotency_key.0,
        };
        let created = escalations::create(&state, &center, input).await?;
        let v = view(&state, created.escalation, Some(created.agent_token), true, CallQuality::default());
        Ok(if created.replayed { CreateResponse::Replayed(Json(v)) } else { CreateResponse::Created(Json(v)) })
    }

    /// A contact center's escalations, newest first.
    #[oai(path = "/v1/contact-centers/:cc/escalations", method = "get", operation_id = "listEscalations")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        cc: Path<Uuid>,
        status: Query<Option<Status>>,
        /// Created at or after (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Created before (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// The `next_before` of the previous page.
        before: Query<Option<Uuid>>,
        /// 1-200, default 50.
        limit: Query<Option<u64>>,
    ) -> ApiResult<Json<EscalationPage>> {
        let scope = auth.principal().require(Permission::ViewMetrics)?;
        reads::contact_center(&state, scope, cc.0).await?;
        let codes = auth.principal().can(Permission::ManageEscalations);
        let limit = limit.0.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::field("limit", "must be between 1 and 200"));
        }
        let filter = EscalationFilter { status: status.0, from: from.0, to: to.0, before: before.0, limit };
        let rows = reads::escalations(&state, scope, cc.0, &filter).await?;
        let next_before = (rows.len() as u64 == limit).then(|| rows.last().map(|e| e.id)).flatten();
        let ids: Vec<Uuid> = rows.iter().map(|e| e.id).collect();
        let mut quality = call_quality::of_many(&state, scope, &ids).await?;
        Ok(Json(EscalationPage {
            items: rows
                .into_iter()
                .map(|e| {
                    let q = quality.remove(&e.id).unwrap_or_default();
                    view(&state, e, None, codes, q)
                })
                .collect(),
            next_before,
        }))
    }
}
