//! poem-openapi security schemes. They appear in the OpenAPI document and
//! resolve the caller before a handler runs.

use chrono::Utc;
use escalate_domain::access::{Role, parse_scopes};
use escalate_domain::api_key;
use escalate_store::TenantScope;
use poem::Request;
use poem::http::Method;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};
use subtle::ConstantTimeEq;

use super::principal::{Actor, Principal};
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
    Ok(authenticate_api_key(state(req)?, &bearer.token).await?)
}

/// The principal behind a tenant API key (`esk_…`).
pub async fn authenticate_api_key(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let invalid = || ApiError::unauthorized("invalid or revoked API key");
    let prefix = api_key::prefix_of(token).ok_or_else(invalid)?;
    let key = state.store.find_api_key_by_prefix(prefix).await.map_err(ApiError::from)?.ok_or_else(invalid)?;
    if key.revoked_at.is_some() || !api_key::verify(token, &key.key_hash) {
        return Err(invalid());
    }
    let scopes = parse_scopes(&key.scopes).map_err(|e| ApiError::internal(format!("stored scopes: {e}")))?;
    // Recording last use is a write on the request path: do it at most once a
    // minute per key and off the request's critical path.
    let now = Utc::now();
    if key.last_used_at.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
        let store = state.store.clone();
        let id = key.id;
        tokio::spawn(async move {
            if let Err(err) = store.touch_api_key(id, now).await {
                tracing::warn!(error = %err, "could not record API key use");
            }
        });
    }
    crate::trace_context::record_tenant(key.tenant_id, None);
    Ok(Principal { scope: TenantScope::new(key.tenant_id), actor: Actor::ApiKey { id: key.id, scopes } })
}

async fn check_session(req: &Request, cookie: ApiKey) -> poem::Result<Principal> {
    let state = state(req)?;
    let (session, user) = state
        .store
        .find_session(&session::hash(&cookie.key), Utc::now())
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::unauthorized("session expired or signed out"))?;
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let sent = req.header(session::CSRF_HEADER).unwrap_or_default();
        if !bool::from(sent.as_bytes().ct_eq(session.csrf_token.as_bytes())) {
            return Err(ApiError::forbidden("missing or wrong X-CSRF-Token").with_code("csrf_failed").into());
        }
    }
    let role: Role = user.role.parse().map_err(|e| ApiError::internal(format!("stored role: {e}")))?;
    crate::trace_context::record_tenant(user.tenant_id, None);
    Ok(Principal {
        scope: TenantScope::new(user.tenant_id),
        actor: Actor::User { id: user.id, role, session_id: session.id },
    })
}

async fn check_operator(req: &Request, bearer: Bearer) -> poem::Result<()> {
    let state = state(req)?;
    let Some(expected) = &state.config.operator_token else {
        return Err(ApiError::forbidden("platform routes are disabled: no OPERATOR_TOKEN configured").into());
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
    if trust_proxy {
        if let Some(ip) = req
            .header("X-Forwarded-For")
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
        {
            return ip.to_owned();
        }
    }
    match req.remote_addr().as_socket_addr() {
        Some(addr) => addr.ip().to_string(),
        None => "unknown".to_owned(),
    }
}
