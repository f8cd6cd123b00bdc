//! `/dashboard/login` and `/dashboard/logout`: the same rules, rate limits,
//! session row and cookie as `POST /v1/auth/login`.

use escalate_app::services::sessions;
use escalate_app::{AppError, ErrorCode};
use escalate_domain::Secret;
use minijinja::context;
use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Request, Response, handler};
use subtle::ConstantTimeEq;

use super::web::{self, Form, Page, SignedForm};
use crate::auth::{client_ip, session};
use crate::state::AppState;

/// The sign-in form has no session yet, so its CSRF token is a double-submit
/// cookie (only sent to the sign-in path) that the form must repeat.
const LOGIN_CSRF_COOKIE: &str = "escalate_login_csrf";

fn login_page(
    state: &AppState,
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<&str>,
    flash: minijinja::Value,
) -> Response {
    let token = sessions::new_token();
    let resp = web::render(
        state,
        status,
        "login.html",
        context! { title => "Sign in", email => email, next => next, error => error, flash => flash, login_csrf => token.clone(), bare => true },
    );
    with_login_csrf_cookie(state, resp, LOGIN_CSRF_COOKIE, "/dashboard/login", &token)
}

/// Sets the double-submit cookie a sign-in form at `path` must repeat.
pub(super) fn with_login_csrf_cookie(
    state: &AppState,
    mut resp: Response,
    name: &str,
    path: &str,
    token: &str,
) -> Response {
    let cookie = format!(
        "{name}={token}; Path={path}; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        if state.http().cookie_secure { "; Secure" } else { "" }
    );
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Whether the form's `login_csrf` field repeats the cookie `name`.
pub(super) fn login_csrf_ok(req: &Request, form: &Form, name: &str) -> bool {
    let sent = form.get("login_csrf");
    let expected = web::cookie(req, name).unwrap_or_default();
    !sent.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

#[handler]
pub async fn login_form(state: Data<&AppState>, req: &Request) -> Response {
    let next = web::safe_next(&web::query_param(req, "next").unwrap_or_default());
    // Already signed in: straight to the dashboard.
    if let Some(token) = web::session_token(req)
        && let Ok(Some(_)) = sessions::find(&state, &token).await
    {
        return web::redirect(&next);
    }
    login_page(&state, StatusCode::OK, "", &next, None, web::flash_value(req))
}

#[handler]
pub async fn login_submit(state: Data<&AppState>, req: &Request, body: bytes::Bytes) -> Page {
    let form = Form::parse(&body).unwrap_or_else(Form::empty);
    let email = form.get("email").trim().to_lowercase();
    let pw = Secret::new(form.get("password"));
    let next = web::safe_next(&form.get("next"));
    if !login_csrf_ok(req, &form, LOGIN_CSRF_COOKIE) {
        return Ok(login_page(
            &state,
            StatusCode::FORBIDDEN,
            &email,
            &next,
            Some("The sign-in form expired. Please sign in again."),
            ().into(),
        ));
    }
    let ip = client_ip(req, state.http().trust_proxy_headers);
    match sessions::sign_in(&state, &email, pw, &ip).await {
        Ok(signed) => {
            // A first sign-in uses a password someone else was shown: choose one first.
            let to = if signed.first_sign_in { "/dashboard/account?flash=choose_password" } else { next.as_str() };
            let mut resp = web::redirect(to);
            let cookie =
                session::cookie(signed.token.expose(), state.config.session_ttl.as_secs(), state.http().cookie_secure);
            if let Ok(v) = cookie.parse() {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Err(AppError::RateLimited { retry_after_secs: secs }) => {
            let msg = format!("Too many sign-in attempts. Please wait {} and try again.", human_wait(secs));
            let mut resp = login_page(&state, StatusCode::TOO_MANY_REQUESTS, &email, &next, Some(&msg), ().into());
            if let Ok(v) = secs.to_string().parse() {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(resp)
        }
        Err(e) if e.code() == ErrorCode::InvalidCredentials => {
            Ok(login_page(&state, StatusCode::UNAUTHORIZED, &email, &next, Some("Wrong email or password."), ().into()))
        }
        Err(e) => Err(web::plain_error(&state, e.into())),
    }
}

pub(super) fn human_wait(secs: u64) -> String {
    if secs < 90 { format!("{secs} seconds") } else { format!("{} minutes", secs.div_ceil(60)) }
}

#[handler]
pub async fn logout(SignedForm { ctx, .. }: SignedForm, req: &Request) -> Page {
    let state = &ctx.state;
    if let Some(token) = web::session_token(req) {
        sessions::sign_out(state, &token).await.map_err(|e| web::plain_error(state, e.into()))?;
    }
    let mut resp = web::redirect("/dashboard/login?flash=signed_out");
    if let Ok(v) = session::clear_cookie(state.http().cookie_secure).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}
