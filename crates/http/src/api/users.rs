use escalate_app::services::reads;
use escalate_app::services::users;
use escalate_domain::access::{Permission, Role};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use super::views::UserView;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::state::AppState;

pub struct UsersApi;

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct InviteUser {
    email: String,
    role: Role,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct InvitedUser {
    user: UserView,
    /// The user's initial password, shown only in this response.
    initial_password: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct UpdateUser {
    role: Role,
}

#[derive(ApiResponse)]
enum InviteResponse {
    #[oai(status = 201)]
    Created(Json<InvitedUser>),
}

#[derive(ApiResponse)]
enum Deleted {
    #[oai(status = 204)]
    Done,
}

#[OpenApi(tag = "Tag::Users")]
impl UsersApi {
    /// Users of the tenant.
    #[oai(path = "/v1/users", method = "get", operation_id = "listUsers")]
    async fn list(&self, state: Data<&AppState>, auth: TenantAuth) -> ApiResult<Json<Vec<UserView>>> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(reads::users(&state, scope).await?.into_iter().map(Into::into).collect()))
    }

    /// Add a user with a role; answers with a one-time initial password.
    #[oai(path = "/v1/users", method = "post", operation_id = "inviteUser")]
    async fn invite(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        body: Json<InviteUser>,
    ) -> ApiResult<InviteResponse> {
        auth.principal().require(Permission::ManageSettings)?;
        let invited = users::invite(&state, auth.principal(), &body.0.email, body.0.role).await?;
        Ok(InviteResponse::Created(Json(InvitedUser {
            user: invited.user.into(),
            initial_password: invited.initial_password.expose().to_owned(),
        })))
    }

    /// Change a user's role. The last admin cannot be demoted.
    #[oai(path = "/v1/users/:id", method = "patch", operation_id = "updateUser")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        id: Path<Uuid>,
        body: Json<UpdateUser>,
    ) -> ApiResult<Json<UserView>> {
        auth.principal().require(Permission::ManageSettings)?;
        let user = users::set_role(&state, auth.principal(), id.0, body.0.role).await?;
        Ok(Json(user.into()))
    }

    /// Remove a user. The last admin cannot be removed.
    #[oai(path = "/v1/users/:id", method = "delete", operation_id = "deleteUser")]
    async fn delete(&self, state: Data<&AppState>, auth: TenantAuth, id: Path<Uuid>) -> ApiResult<Deleted> {
        auth.principal().require(Permission::ManageSettings)?;
        users::remove(&state, auth.principal(), id.0).await?;
        Ok(Deleted::Done)
    }
}
