//! `/dashboard/operator`: the platform operator's pages, signed in with the
//! configured `OPERATOR_TOKEN` (the same secret as the `/v1/platform` API):
//! every tenant with its usage, and a form to create a tenant.
//!
//! The session is a signed cookie scoped to these pages
//! (`auth::operator_session`); it never grants access to a tenant's pages.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use minijinja::{Value, context};
use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Request, Response, handler};
use subtle::ConstantTimeEq;

use super::sign_in::{human_wait, login_csrf_ok, with_login_csrf_cookie};
use super::web::{self, Form, PageError};
use crate::auth::client_ip;
use crate::auth::operator_session::{self, OperatorSession};
use crate::error::ApiError;
use crate::state::AppState;
use escalate_app::services::{reads, sessions, tenants};
use escalate_app::{AppError, ErrorCode};

const LOGIN_CSRF_COOKIE: &str = "escalate_operator_login_csrf";
const LOGIN_PATH: &str = "/dashboard/operator/login";
/// Operator sessions are short: the operator can create tenants.
const SESSION_HOURS: i64 = 1;
/// The usage columns count escalations of this many days.
const USAGE_DAYS: i64 = 30;

fn disabled(state: &AppState) -> Response {
    web::plain_error(
        state,
        ApiError::forbidden("Operator pages are disabled: no OPERATOR_TOKEN is configured.")
            .with_code(ErrorCode::OperatorDisabled),
    )
    .response()
}

fn login_page(state: &AppState, status: StatusCode, error: Option<&str>, flash: Value) -> Response {
    let token = sessions::new_token();
    let resp = web::render(
        state,
        status,
        "operator_login.html",
        context! { title => "Operator sign-in", error => error, flash => flash, login_csrf => token.clone(), bare => true },
    );
    with_login_csrf_cookie(state, resp, LOGIN_CSRF_COOKIE, LOGIN_PATH, &token)
}

/// The operator session behind the cookie, or the sign-in page.
fn signed_in(state: &AppState, req: &Request) -> Result<OperatorSession, PageError> {
    let Some(token) = &state.http().operator_token else { return Err(disabled(state).into()) };
    match web::cookie(req, operator_session::COOKIE).and_then(|v| operator_session::verify(token, &v, Utc::now())) {
        Some(s) => Ok(s),
        None => Err(web::redirect(LOGIN_PATH).into()),
    }
}

fn check_csrf(state: &AppState, session: &OperatorSession, form: &Form) -> Result<(), PageError> {
    let sent = form.get("csrf_token");
    if !sent.is_empty() && bool::from(sent.as_bytes().ct_eq(session.csrf_token.as_bytes())) {
        Ok(())
    } else {
        Err(web::csrf_failed(state).into())
    }
}

#[handler]
pub async fn login_form(state: Data<&AppState>, req: &Request) -> Response {
    if state.http().operator_token.is_none() {
        return disabled(&state);
    }
    if signed_in(&state, req).is_ok() {
        return web::redirect("/dashboard/operator");
    }
    login_page(&state, StatusCode::OK, None, web::flash_value(req))
}

#[handler]
pub async fn login_submit(state: Data<&AppState>, req: &Request, body: bytes::Bytes) -> Response {
    let Some(expected) = &state.http().operator_token else { return disabled(&state) };
    let form = Form::parse(&body).unwrap_or_else(Form::empty);
    if !login_csrf_ok(req, &form, LOGIN_CSRF_COOKIE) {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired. Please sign in again."),
            ().into(),
        );
    }
    let ip = client_ip(req, state.http().trust_proxy_headers);
    if let Err(AppError::RateLimited { retry_after_secs }) = sessions::limit_operator_sign_in(&state, &ip).await {
        let msg = format!("Too many sign-in attempts. Please wait {} and try again.", human_wait(retry_after_secs));
        return login_page(&state, StatusCode::TOO_MANY_REQUESTS, Some(&msg), ().into());
    }
    let sent = form.get("operator_token");
    if sent.is_empty() || !bool::from(sent.trim().as_bytes().ct_eq(expected.expose().as_bytes())) {
        tracing::warn!(client_ip = %ip, "operator sign-in with a wrong token");
        return login_page(&state, StatusCode::UNAUTHORIZED, Some("That is not the operator token."), ().into());
    }
    let (value, _) = operator_session::issue(expected, Utc::now() + Duration::hours(SESSION_HOURS));
    let mut resp = web::redirect("/dashboard/operator");
    if let Ok(v) = operator_session::cookie(&value, SESSION_HOURS * 3600, state.http().cookie_secure).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[handler]
pub async fn logout(state: Data<&AppState>, req: &Request, body: bytes::Bytes) -> Response {
    let session = match signed_in(&state, req) {
        Ok(s) => s,
        Err(r) => return r.response(),
    };
    if let Err(r) = check_csrf(&state, &session, &Form::parse(&body).unwrap_or_else(Form::empty)) {
        return r.response();
    }
    let mut resp = web::redirect(&format!("{LOGIN_PATH}?flash=signed_out"));
    if let Ok(v) = operator_session::cookie("", 0, state.http().cookie_secure).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

async fn tenants_page(state: &AppState, session: &OperatorSession, status: StatusCode, extra: Value) -> Response {
    let usage = match reads::tenant_usage(state, Utc::now() - Duration::days(USAGE_DAYS)).await {
        Ok(u) => u,
        Err(e) => return web::plain_error(state, e.into()).response(),
    };
    let rows: Vec<Value> = usage
        .iter()
        .map(|u| {
            context! {
                id => u.tenant.id.to_string(),
                name => u.tenant.name.clone(),
                slug => u.tenant.slug.clone(),
                created_at => u.tenant.created_at.format("%-d %b %Y").to_string(),
                users => u.users,
                contact_centers => u.contact_centers,
                escalations => u.escalations,
                last_escalation_at => u.last_escalation_at.map(|t| t.format("%-d %b %Y, %H:%M UTC").to_string()),
            }
        })
        .collect();
    web::render(
        state,
        status,
        "operator_tenants.html",
        context! {
            title => "Tenants",
            operator => true,
            nav => "tenants",
            csrf_token => session.csrf_token.clone(),
            tenants => rows,
            usage_days => USAGE_DAYS,
            ..extra
        },
    )
}

#[handler]
pub async fn list_tenants(state: Data<&AppState>, req: &Request) -> Response {
    let session = match signed_in(&state, req) {
        Ok(s) => s,
        Err(r) => return r.response(),
    };
    tenants_page(&state, &session, StatusCode::OK, context! { flash => web::flash_value(req) }).await
}

#[handler]
pub async fn create_tenant(state: Data<&AppState>, req: &Request, body: bytes::Bytes) -> Response {
    let session = match signed_in(&state, req) {
        Ok(s) => s,
        Err(r) => return r.response(),
    };
    let form = Form::parse(&body).unwrap_or_else(Form::empty);
    if let Err(r) = check_csrf(&state, &session, &form) {
        return r.response();
    }
    let name = form.get("name");
    let email = form.get("admin_email");
    match tenants::create(&state, &name, None, &email).await {
        // The initial password is shown once, on this answer, never in a URL.
        Ok(created) => {
            tracing::info!(tenant_id = %created.tenant.id, "tenant created from the operator dashboard");
            tenants_page(
                &state,
                &session,
                StatusCode::CREATED,
                context! {
                    created => context! {
                        name => created.tenant.name.clone(),
                        admin_email => created.admin.email.clone(),
                        initial_password => created.initial_password.expose().to_owned(),
                    },
                },
            )
            .await
        }
        Err(e) if !e.fields().is_empty() => {
            let mut errors: BTreeMap<String, String> = web::field_errors(&e);
            // The slug is made from the name; the form only has the name.
            if let Some(msg) = errors.remove("slug") {
                let text = if e.code() == ErrorCode::SlugTaken {
                    "A tenant with this name already exists.".to_owned()
                } else {
                    format!("Gives an unusable slug: {}", msg.to_lowercase())
                };
                errors.entry("name".into()).or_insert(text);
            }
            let error_count = errors.len();
            tenants_page(
                &state,
                &session,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { errors => errors, error_count => error_count, v => context! { name => name, admin_email => email } },
            )
            .await
        }
        Err(e) => web::plain_error(&state, e.into()).response(),
    }
}
