use escalate_app::services::reads;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Tag;
use super::views::{TenantView, UserView};
use crate::auth::OperatorAuth;
use crate::error::ApiResult;
use crate::state::AppState;
use escalate_app::services::tenants;

pub struct PlatformApi;

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct CreateTenant {
    name: String,
    /// Defaults to one made from the name.
    slug: Option<String>,
    admin_email: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct CreatedTenant {
    tenant: TenantView,
    admin: UserView,
    /// The admin's initial password, shown only in this response.
    initial_password: String,
}

#[derive(ApiResponse)]
enum CreateTenantResponse {
    #[oai(status = 201)]
    Created(Json<CreatedTenant>),
}

#[OpenApi(tag = "Tag::Platform")]
impl PlatformApi {
    /// Create a tenant with its first admin user.
    #[oai(path = "/v1/platform/tenants", method = "post", operation_id = "createTenant")]
    async fn create(
        &self,
        state: Data<&AppState>,
        _op: OperatorAuth,
        body: Json<CreateTenant>,
    ) -> ApiResult<CreateTenantResponse> {
        let b = body.0;
        let created = tenants::create(&state, &b.name, b.slug.as_deref(), &b.admin_email).await?;
        Ok(CreateTenantResponse::Created(Json(CreatedTenant {
            tenant: created.tenant.into(),
            admin: created.admin.into(),
            initial_password: created.initial_password.expose().to_owned(),
        })))
    }

    /// List every tenant.
    #[oai(path = "/v1/platform/tenants", method = "get", operation_id = "listTenants")]
    async fn list(&self, state: Data<&AppState>, _op: OperatorAuth) -> ApiResult<Json<Vec<TenantView>>> {
        Ok(Json(reads::all_tenants(&state).await?.into_iter().map(Into::into).collect()))
    }
}
