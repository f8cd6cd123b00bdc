use escalate_app::services::reads;
use escalate_app::services::tenants;
use escalate_domain::access::Permission;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use super::views::TenantView;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::state::AppState;

pub struct TenantApi;

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct UpdateTenant {
    name: String,
}

#[OpenApi(tag = "Tag::Tenant")]
impl TenantApi {
    /// The caller's tenant.
    #[oai(path = "/v1/tenant", method = "get", operation_id = "getTenant")]
    async fn get(&self, state: Data<&AppState>, auth: TenantAuth) -> ApiResult<Json<TenantView>> {
        Ok(Json(reads::tenant(&state, auth.principal().any()).await?.into()))
    }

    /// Rename the tenant.
    #[oai(path = "/v1/tenant", method = "patch", operation_id = "updateTenant")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        body: Json<UpdateTenant>,
    ) -> ApiResult<Json<TenantView>> {
        auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(tenants::rename(&state, auth.principal(), &body.0.name).await?.into()))
    }
}
