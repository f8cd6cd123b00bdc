//! Room credentials: a fresh one for the agent, and the customer's for
//! their code.

use escalate_app::services::callers::{self, Caller};
use escalate_app::services::{escalations, join};
use escalate_domain::access::Permission;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::views::{JoinNetwork, VideoToken, join_network_view, token_view};
use crate::api::Tag;
use crate::auth::agent::EscalationAuth;
use crate::auth::client_ip;
use crate::error::ApiResult;
use crate::state::AppState;

pub struct TokensApi;

#[derive(ApiResponse)]
enum NetworkAnswer {
    /// TURN passwords in it: never kept by a cache.
    #[oai(status = 200)]
    Ok(Json<JoinNetwork>, #[oai(header = "Cache-Control")] String),
}

#[OpenApi(tag = "Tag::Escalations")]
impl TokensApi {
    /// A fresh Video token for the agent (with a Flex token: for the caller).
    #[oai(path = "/v1/escalations/:id/agent-token", method = "post", operation_id = "createAgentToken")]
    async fn agent_token(
        &self,
        state: Data<&AppState>,
        auth: EscalationAuth,
        req: &Request,
        id: Path<Uuid>,
    ) -> ApiResult<Json<VideoToken>> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let (center, e, caller) =
            callers::for_escalation(&state, auth.credential(&state, &ip).await?, id.0, Permission::ManageEscalations)
                .await?;
        let identity = match &caller {
            Caller::Flex(user) => escalate_domain::escalation::agent_identity(&user.identity),
            Caller::Tenant(_) => e.agent_identity.clone(),
        };
        let token = escalations::agent_token(&state, &center, &e, &identity).await?;
        Ok(Json(token_view(token)))
    }

    /// The customer's token: trade a room code for a token to that room only.
    ///
    /// Unknown, malformed and expired codes all answer 404; an ended call 410.
    /// Failed look-ups are rate-limited per client address (429).
    #[oai(path = "/v1/join/:code/token", method = "post", operation_id = "createCustomerToken")]
    async fn customer_token(
        &self,
        state: Data<&AppState>,
        req: &Request,
        code: Path<String>,
        /// `true` once the customer agreed to the call being recorded; a
        /// recorded call refuses a token without it (`recording_consent_required`, 409).
        recording_consent: Query<Option<bool>>,
    ) -> ApiResult<Json<VideoToken>> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let token = join::customer_token(&state, &code.0, &ip, recording_consent.0.unwrap_or(false)).await?;
        Ok(Json(token_view(token)))
    }

    /// What the customer's page may prepare before the click on Join.
    ///
    /// A built-in call's ICE servers, for a connection that allocates its TURN
    /// relay while the customer reads the page, so the click does not wait for
    /// it; a Twilio call's page gets none (twilio-video brings its own). The
    /// code is looked up like the token's: unknown, malformed and expired codes
    /// answer 404, an ended call 410, and failed look-ups count against the
    /// client address's limit (429).
    #[oai(path = "/v1/join/:code/network", method = "get", operation_id = "getJoinNetwork")]
    async fn join_network(
        &self,
        state: Data<&AppState>,
        req: &Request,
        code: Path<String>,
    ) -> ApiResult<NetworkAnswer> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let ahead = join::network_ahead(&state, &code.0, &ip).await?;
        Ok(NetworkAnswer::Ok(Json(join_network_view(ahead)), "private, no-store".to_owned()))
    }
}
