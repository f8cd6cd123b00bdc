use escalate_app::services::api_keys;
use escalate_app::services::reads;
use escalate_domain::access::{Permission, Scope};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use super::views::ApiKeyView;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::state::AppState;

pub struct ApiKeysApi;

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct CreateApiKey {
    /// What the key is for, e.g. "Flex plugin" or "CRM sync".
    name: String,
    scopes: Vec<Scope>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct CreatedApiKey {
    api_key: ApiKeyView,
    /// The key itself, shown only in this response: store it now.
    key: String,
}

#[derive(ApiResponse)]
enum CreateResponse {
    #[oai(status = 201)]
    Created(Json<CreatedApiKey>),
}

#[OpenApi(tag = "Tag::ApiKeys")]
impl ApiKeysApi {
    /// The tenant's API keys, newest first (secrets are never shown again).
    #[oai(path = "/v1/api-keys", method = "get", operation_id = "listApiKeys")]
    async fn list(&self, state: Data<&AppState>, auth: TenantAuth) -> ApiResult<Json<Vec<ApiKeyView>>> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(reads::api_keys(&state, scope).await?.into_iter().map(Into::into).collect()))
    }

    /// Create an API key with scopes; the key is in this response only.
    #[oai(path = "/v1/api-keys", method = "post", operation_id = "createApiKey")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        body: Json<CreateApiKey>,
    ) -> ApiResult<CreateResponse> {
        auth.principal().require(Permission::ManageSettings)?;
        let created = api_keys::create(&state, auth.principal(), &body.0.name, body.0.scopes).await?;
        Ok(CreateResponse::Created(Json(CreatedApiKey {
            api_key: created.record.into(),
            key: created.key.expose().to_owned(),
        })))
    }

    /// Revoke an API key; it stops working at once.
    #[oai(path = "/v1/api-keys/:id", method = "delete", operation_id = "revokeApiKey")]
    async fn revoke(&self, state: Data<&AppState>, auth: TenantAuth, id: Path<Uuid>) -> ApiResult<Json<ApiKeyView>> {
        auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(api_keys::revoke(&state, auth.principal(), id.0).await?.into()))
    }
}
