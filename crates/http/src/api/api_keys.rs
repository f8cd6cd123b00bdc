use chrono::Utc;
use escalate_domain::access::{Permission, Scope, format_scopes};
use escalate_domain::api_key;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use super::views::{ApiKeyView, ScopeDto};
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct ApiKeysApi;

#[derive(Object)]
struct CreateApiKey {
    /// What the key is for, e.g. "Flex plugin" or "CRM sync".
    name: String,
    scopes: Vec<ScopeDto>,
}

#[derive(Object)]
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
        Ok(Json(state.store.list_api_keys(scope).await?.into_iter().map(Into::into).collect()))
    }

    /// Create an API key with scopes; the key is in this response only.
    #[oai(path = "/v1/api-keys", method = "post", operation_id = "createApiKey")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        body: Json<CreateApiKey>,
    ) -> ApiResult<CreateResponse> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        let name = body.0.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::field("name", "must be 1-100 characters"));
        }
        if body.0.scopes.is_empty() {
            return Err(ApiError::field("scopes", "must name at least one scope"));
        }
        let mut scopes: Vec<Scope> = body.0.scopes.into_iter().map(Into::into).collect();
        scopes.sort();
        scopes.dedup();
        let new = api_key::generate();
        let record =
            state.store.create_api_key(scope, name, &new.prefix, new.hash, &format_scopes(&scopes), Utc::now()).await?;
        Ok(CreateResponse::Created(Json(CreatedApiKey { api_key: record.into(), key: new.key.expose().to_owned() })))
    }

    /// Revoke an API key; it stops working at once.
    #[oai(path = "/v1/api-keys/:id", method = "delete", operation_id = "revokeApiKey")]
    async fn revoke(&self, state: Data<&AppState>, auth: TenantAuth, id: Path<Uuid>) -> ApiResult<Json<ApiKeyView>> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(state.store.revoke_api_key(scope, id.0, Utc::now()).await?.into()))
    }
}
