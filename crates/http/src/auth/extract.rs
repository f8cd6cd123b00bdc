//! poem-openapi security schemes. They appear in the OpenAPI document and
//! resolve the caller before a handler runs.

use escalate_app::services::{self, sessions};
use escalate_app::{Actor, ErrorCode, Principal};
use poem::Request;
use poem::http::Method;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};
use subtle::ConstantTimeEq;

use super::session;
use crate::error::ApiError;
use crate::state::AppState;

/// A tenant API key: `Authorization: Bearer esk_…`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_api_key")]
pub struct ApiKeyAuth(Principal);

/// A dashboard session cookie. Unsafe methods also need the session's CSRF
/// token in `X-CSRF-Token`.
#[derive(SecurityScheme)]
#[oai(ty = "api_key", key_name = "escalate_session", key_in = "cookie", checker = "check_session")]
pub struct SessionAuth(pub Principal);

/// Any tenant caller.
#[derive(SecurityScheme)]
pub enum TenantAuth {
    ApiKey(ApiKeyAuth),
    Session(SessionAuth),
}

impl TenantAuth {
    pub fn principal(&self) -> &Principal {
        match self {
            TenantAuth::ApiKey(ApiKeyAuth(p)) | TenantAuth::Session(SessionAuth(p)) => p,
        }
    }
}

/// The platform operator's token from configuration.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", rename = "OperatorToken", checker = "check_operator")]
pub struct OperatorAuth(());

fn state(req: &Request) -> poem::Result<&AppState> {
    req.data::<AppState>().ok_or_else(|| ApiError::internal("app state missing").into())
}

async fn check_api_key(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = state(req)?;
    let mut principal = services::api_keys::authenticate(state, &bearer.token).await.map_err(ApiError::from)?;
    principal.client_ip = Some(client_ip(req, state.http().trust_proxy_headers));
    super::asker::Asker::note(req, &principal);
    Ok(principal)
}

/// The session behind the cookie; unsafe methods must repeat its CSRF token.
async fn check_session(req: &Request, cookie: ApiKey) -> poem::Result<Principal> {
    let state = state(req)?;
    let session = sessions::find(state, &cookie.key)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::unauthorized("session expired or signed out"))?;
    escalate_app::telemetry::record_tenant(session.scope.tenant_id(), None);
    let principal = Principal {
        scope: session.scope,
        actor: Actor::User { id: session.user.id, role: session.user.role, session_id: session.record.id },
        client_ip: Some(client_ip(req, state.http().trust_proxy_headers)),
    };
    // Noted before the CSRF check, so a forged request is audited too.
    super::asker::Asker::note(req, &principal);
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let sent = req.header(session::CSRF_HEADER).unwrap_or_default();
        if !bool::from(sent.as_bytes().ct_eq(session.record.csrf_token.as_bytes())) {
            return Err(ApiError::forbidden("missing or wrong X-CSRF-Token").with_code(ErrorCode::CsrfFailed).into());
        }
    }
    Ok(principal)
}

async fn check_operator(req: &Request, bearer: Bearer) -> poem::Result<()> {
    let state = state(req)?;
    let Some(expected) = &state.http().operator_token else {
        return Err(ApiError::forbidden("platform routes are disabled: no OPERATOR_TOKEN configured")
            .with_code(ErrorCode::OperatorDisabled)
            .into());
    };
    if bool::from(bearer.token.as_bytes().ct_eq(expected.expose().as_bytes())) {
        Ok(())
    } else {
        Err(ApiError::unauthorized("invalid operator token").into())
    }
}

/// The client's address for rate limiting: the socket peer, or behind a
/// trusted proxy the address it appended last to `X-Forwarded-For`.
pub fn client_ip(req: &Request, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(ip) = req
            .header("X-Forwarded-For")
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
    {
        return ip.to_owned();
    }
    match req.remote_addr().as_socket_addr() {
        Some(addr) => addr.ip().to_string(),
        None => "unknown".to_owned(),
    }
}
