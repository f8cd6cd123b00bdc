use chrono::Utc;
use escalate_domain::Secret;
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use super::views::{TenantView, UserView};
use crate::auth::{Actor, TenantAuth, client_ip, session};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use escalate_app::ErrorCode;
use escalate_app::services::{account, reads, sessions};
use poem::web::Data;

pub struct AuthApi;

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct LoginRequest {
    email: String,
    password: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct SessionView {
    user: UserView,
    tenant: TenantView,
    /// Send this as `X-CSRF-Token` on every unsafe request made with the cookie.
    csrf_token: String,
    expires_at: chrono::DateTime<Utc>,
}

#[derive(ApiResponse)]
enum LoginResponse {
    /// Signed in; the session cookie is set.
    #[oai(status = 200)]
    Ok(Json<SessionView>, #[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum LogoutResponse {
    /// Signed out; the cookie is cleared.
    #[oai(status = 204)]
    Done(#[oai(header = "Set-Cookie")] String),
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct Me {
    tenant: TenantView,
    /// `user` or `api_key`.
    kind: String,
    user: Option<UserView>,
    api_key_id: Option<Uuid>,
    /// What this caller may do: `view_metrics`, `manage_escalations`, `manage_settings`.
    permissions: Vec<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct ChangePassword {
    current_password: String,
    new_password: String,
}

#[OpenApi(tag = "Tag::Auth")]
impl AuthApi {
    /// Sign in with email and password.
    ///
    /// Rate-limited per client address and per email; answers 429 with
    /// `Retry-After` when exceeded, and the same 401 for an unknown email and a
    /// wrong password.
    #[oai(path = "/v1/auth/login", method = "post", operation_id = "login")]
    async fn login(&self, state: Data<&AppState>, req: &Request, body: Json<LoginRequest>) -> ApiResult<LoginResponse> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let signed = sessions::sign_in(&state, &body.0.email, Secret::new(body.0.password), &ip).await?;
        let tenant = reads::tenant(&state, signed.scope).await?;
        let cookie =
            session::cookie(signed.token.expose(), state.config.session_ttl.as_secs(), state.http().cookie_secure);
        Ok(LoginResponse::Ok(
            Json(SessionView {
                user: signed.user.into(),
                tenant: tenant.into(),
                csrf_token: signed.csrf_token,
                expires_at: signed.expires_at,
            }),
            cookie,
        ))
    }

    /// Sign out: ends the session behind the cookie.
    #[oai(path = "/v1/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, state: Data<&AppState>, req: &Request, auth: TenantAuth) -> ApiResult<LogoutResponse> {
        if !matches!(auth.principal().actor, Actor::User { .. }) {
            return Err(ApiError::bad_request(
                ErrorCode::NotASession,
                "API keys have no session; revoke the key instead",
            ));
        }
        if let Some(cookie) = req.cookie().get(session::COOKIE) {
            sessions::sign_out(&state, cookie.value_str()).await?;
        }
        Ok(LogoutResponse::Done(session::clear_cookie(state.http().cookie_secure)))
    }

    /// Who is calling, for which tenant, allowed to do what.
    #[oai(path = "/v1/me", method = "get", operation_id = "me")]
    async fn me(&self, state: Data<&AppState>, auth: TenantAuth) -> ApiResult<Json<Me>> {
        use escalate_domain::access::Permission::*;
        let p = auth.principal();
        let tenant = reads::tenant(&state, p.scope).await?;
        let permissions = [
            (ViewMetrics, "view_metrics"),
            (ManageEscalations, "manage_escalations"),
            (ManageSettings, "manage_settings"),
        ]
        .into_iter()
        .filter(|(perm, _)| p.can(*perm))
        .map(|(_, name)| name.to_owned())
        .collect();
        let (kind, user, api_key_id) = match &p.actor {
            Actor::User { id, .. } => ("user", Some(reads::user(&state, p.scope, *id).await?.into()), None),
            Actor::ApiKey { id, .. } => ("api_key", None, Some(*id)),
            Actor::Operator => ("operator", None, None),
        };
        Ok(Json(Me { tenant: tenant.into(), kind: kind.into(), user, api_key_id, permissions }))
    }

    /// Change the signed-in user's password.
    ///
    /// Ends the user's other sessions; the one making the change stays
    /// signed in. Wrong current passwords count against the sign-in limit.
    #[oai(path = "/v1/me/password", method = "put", operation_id = "changePassword")]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: TenantAuth,
        body: Json<ChangePassword>,
    ) -> ApiResult<()> {
        let p = auth.principal();
        let Actor::User { id, session_id, .. } = p.actor else {
            return Err(ApiError::bad_request(ErrorCode::NotASession, "only a signed-in user has a password"));
        };
        let b = body.0;
        Ok(account::change_password(
            &state,
            p.scope,
            id,
            session_id,
            Secret::new(b.current_password),
            Secret::new(b.new_password),
            &client_ip(req, state.http().trust_proxy_headers),
        )
        .await?)
    }
}
