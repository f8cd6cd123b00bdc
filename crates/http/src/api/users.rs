use chrono::Utc;
use escalate_domain::access::{Permission, Role};
use escalate_domain::validation::is_email;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use super::views::{RoleDto, UserView};
use crate::auth::{TenantAuth, password};
use crate::error::{ApiError, ApiResult};
use crate::services::conflict_on;
use crate::state::AppState;

pub struct UsersApi;

#[derive(Object)]
struct InviteUser {
    email: String,
    role: RoleDto,
}

#[derive(Object)]
struct InvitedUser {
    user: UserView,
    /// The user's initial password, shown only in this response.
    initial_password: String,
}

#[derive(Object)]
struct UpdateUser {
    role: RoleDto,
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
        Ok(Json(state.store.list_users(scope).await?.into_iter().map(Into::into).collect()))
    }

    /// Add a user with a role; answers with a one-time initial password.
    #[oai(path = "/v1/users", method = "post", operation_id = "inviteUser")]
    async fn invite(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        body: Json<InviteUser>,
    ) -> ApiResult<InviteResponse> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        let email = body.0.email.trim().to_lowercase();
        if !is_email(&email) {
            return Err(ApiError::field("email", "must be an email address"));
        }
        let initial = password::generate();
        let hash = password::hash(initial.clone()).await?;
        let role = Role::from(body.0.role);
        let user = state
            .store
            .create_user(scope, &email, &hash, role.as_str(), Utc::now())
            .await
            .map_err(|e| conflict_on(e, "email", "email_taken").with_field("email"))?;
        Ok(InviteResponse::Created(Json(InvitedUser {
            user: user.into(),
            initial_password: initial.expose().to_owned(),
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
        let scope = auth.principal().require(Permission::ManageSettings)?;
        let role = Role::from(body.0.role);
        let user = state.store.set_user_role(scope, id.0, role.as_str()).await.map_err(last_admin)?;
        Ok(Json(user.into()))
    }

    /// Remove a user. The last admin cannot be removed.
    #[oai(path = "/v1/users/:id", method = "delete", operation_id = "deleteUser")]
    async fn delete(&self, state: Data<&AppState>, auth: TenantAuth, id: Path<Uuid>) -> ApiResult<Deleted> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        state.store.delete_user(scope, id.0).await.map_err(last_admin)?;
        Ok(Deleted::Done)
    }
}

fn last_admin(err: escalate_store::StoreError) -> ApiError {
    match err {
        escalate_store::StoreError::Conflict(_) => {
            ApiError::conflict("last_admin", "a tenant must keep at least one admin")
        }
        other => other.into(),
    }
}
