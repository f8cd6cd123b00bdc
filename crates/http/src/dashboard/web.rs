//! The plumbing every dashboard page shares: templates, the signed-in user
//! behind the session cookie, CSRF checks on forms, flash messages, security
//! headers, and error pages.

use escalate_app::services::reads;
use std::collections::BTreeMap;

use escalate_app::records::{SessionRecord, TenantRecord, TenantScope, UserRecord};
use escalate_app::services::sessions;
use escalate_app::{Actor, AppError, ErrorCode, Principal};
use escalate_domain::access::{Permission, Role};
use minijinja::{Value, context};
use poem::http::{StatusCode, header};
use poem::{FromRequest, Request, RequestBody, Response};
use subtle::ConstantTimeEq;

use crate::auth::session;
use crate::error::ApiError;
use crate::state::AppState;

/// The dashboard's Content-Security-Policy: nothing inline, everything from us;
/// the join-page preview is a same-origin frame.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
font-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn with_headers(builder: poem::ResponseBuilder) -> poem::ResponseBuilder {
    builder
        .header("Content-Security-Policy", CSP)
        .header("X-Frame-Options", "DENY")
        .header("Referrer-Policy", "same-origin")
        .header("X-Content-Type-Options", "nosniff")
        .header("Cross-Origin-Opener-Policy", "same-origin")
        .header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
        .header("X-Robots-Tag", "noindex, nofollow")
        .header(header::CACHE_CONTROL, "no-store")
}

pub fn redirect(to: &str) -> Response {
    with_headers(Response::builder().status(StatusCode::SEE_OTHER)).header(header::LOCATION, to).finish()
}

/// Renders `name` with `ctx` (merged with the shared page values).
pub fn render(state: &AppState, status: StatusCode, name: &str, ctx: Value) -> Response {
    let html = state.dashboard().render(name, ctx);
    match html {
        Ok(html) => with_headers(Response::builder().status(status))
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(html),
        Err(err) => {
            tracing::error!(error = %err, "dashboard page does not render");
            with_headers(Response::builder().status(StatusCode::INTERNAL_SERVER_ERROR))
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body("This page is unavailable right now. Please try again in a moment.")
        }
    }
}

/// A signed-in dashboard user.
pub struct Ctx {
    pub state: AppState,
    pub user: UserRecord,
    pub session: SessionRecord,
    pub role: Role,
    pub tenant: TenantRecord,
    scope: TenantScope,
    client_ip: String,
}

impl Ctx {
    pub fn scope(&self) -> TenantScope {
        self.scope
    }

    /// The signed-in user as the application core knows a caller.
    pub fn principal(&self) -> Principal {
        Principal {
            scope: self.scope,
            actor: Actor::User { id: self.user.id, role: self.role, session_id: self.session.id },
            client_ip: Some(self.client_ip.clone()),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role.grants(Permission::ManageSettings)
    }

    /// Values every page's layout needs.
    pub fn page(&self, nav: &str, title: &str) -> Value {
        context! {
            nav => nav,
            title => title,
            tenant_name => self.tenant.name.clone(),
            user_email => self.user.email.clone(),
            role => self.role.as_str(),
            is_admin => self.is_admin(),
            csrf_token => self.session.csrf_token.clone(),
        }
    }

    pub fn render(&self, status: StatusCode, name: &str, nav: &str, title: &str, ctx: Value) -> Response {
        render(&self.state, status, name, context! { ..ctx, ..self.page(nav, title) })
    }

    /// A full page telling what went wrong (403, 404, 409, 5xx…).
    pub fn error_page(&self, err: impl Into<ApiError>) -> PageError {
        let err = err.into();
        let (heading, text) = explain(&err);
        let ctx = context! { heading => heading, message => text, code => err.code.as_str() };
        let mut resp = self.render(err.status, "error.html", "", heading, ctx);
        resp.extensions_mut().insert(err.code);
        PageError::from(resp)
    }

    /// Admin-only pages: a clear 403 page for viewers.
    fn require_admin(&self) -> Result<(), PageError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(self.error_page(ApiError::forbidden(
                "Only admins can open this page. Ask an admin of your team to change your role.",
            )))
        }
    }

    /// Checks the form's `csrf_token` against the session's, in constant time.
    fn check_csrf(&self, form: &Form) -> Result<(), PageError> {
        let sent = form.get("csrf_token");
        if bool::from(sent.as_bytes().ct_eq(self.session.csrf_token.as_bytes())) && !sent.is_empty() {
            Ok(())
        } else {
            Err(csrf_failed(&self.state).into())
        }
    }
}

fn bad_form(state: &AppState) -> PageError {
    plain_error(
        state,
        ApiError::bad_request(ErrorCode::InvalidBody, "The form could not be read. Go back and try again."),
    )
}

pub fn csrf_failed(state: &AppState) -> Response {
    let mut resp = render(
        state,
        StatusCode::FORBIDDEN,
        "error.html",
        context! {
            title => "Form expired",
            heading => "This form has expired",
            message => "The form was missing its security token or it did not match your session. Go back, reload the page and try again.",
            code => "csrf_failed",
            bare => true,
        },
    );
    resp.extensions_mut().insert(ErrorCode::CsrfFailed);
    resp
}

fn explain(err: &ApiError) -> (&'static str, String) {
    match err.status.as_u16() {
        403 => ("Not allowed", err.detail.clone()),
        404 => ("Not found", "This page does not exist, or it belongs to another account.".into()),
        409 | 422 => ("That did not work", err.detail.clone()),
        429 => ("Too many attempts", "Please wait a moment and try again.".into()),
        502..=504 => ("Twilio is unavailable", err.detail.clone()),
        _ => ("Something went wrong", "An unexpected error happened. Please try again; if it persists, contact support with the time it happened.".into()),
    }
}

/// The signed-in user behind the session cookie, or a redirect to the sign-in page.
async fn signed_in(state: &AppState, req: &Request) -> Result<Ctx, PageError> {
    let next =
        req.original_uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/dashboard".into());
    let to_login = |expired: bool| {
        let mut url = format!("/dashboard/login?next={}", urlencode(&next));
        if expired {
            url.push_str("&flash=expired");
        }
        PageError::from(redirect(&url))
    };
    let Some(token) = session_token(req).filter(|t| !t.is_empty()) else { return Err(to_login(false)) };
    let found = sessions::find(state, &token).await.map_err(|e| plain_error(state, e.into()))?;
    let Some(session) = found else { return Err(to_login(true)) };
    let tenant = reads::tenant(state, session.scope).await.map_err(|e| plain_error(state, e.into()))?;
    let ctx = Ctx {
        state: state.clone(),
        role: session.user.role,
        user: session.user,
        session: session.record,
        tenant,
        scope: session.scope,
        client_ip: crate::auth::client_ip(req, state.http().trust_proxy_headers),
    };
    crate::auth::asker::Asker::note(req, &ctx.principal());
    Ok(ctx)
}

fn app_state(req: &Request) -> Result<&AppState, PageError> {
    req.data::<AppState>()
        .ok_or_else(|| PageError::from(Response::builder().status(StatusCode::INTERNAL_SERVER_ERROR).finish()))
}

/// A signed-in dashboard user (any role), as an extractor.
impl<'a> FromRequest<'a> for Ctx {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(signed_in(app_state(req)?, req).await?)
    }
}

/// A signed-in admin; viewers get a 403 page.
pub struct Admin(pub Ctx);

impl<'a> FromRequest<'a> for Admin {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let ctx = signed_in(app_state(req)?, req).await?;
        ctx.require_admin()?;
        Ok(Admin(ctx))
    }
}

/// A form posted by a signed-in user, its CSRF token checked.
pub struct SignedForm {
    pub ctx: Ctx,
    pub form: Form,
}

impl<'a> FromRequest<'a> for SignedForm {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let state = app_state(req)?;
        let ctx = signed_in(state, req).await?;
        let form = Form::read(state, body).await?;
        ctx.check_csrf(&form)?;
        Ok(SignedForm { ctx, form })
    }
}

/// A form posted by a signed-in admin, its CSRF token checked first.
pub struct AdminForm {
    pub ctx: Ctx,
    pub form: Form,
}

impl<'a> FromRequest<'a> for AdminForm {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let SignedForm { ctx, form } = SignedForm::from_request(req, body).await?;
        ctx.require_admin()?;
        Ok(AdminForm { ctx, form })
    }
}

/// A finished page (a redirect to sign-in, a 403 or 404 page, a form shown
/// again with its errors) returned where a handler or an extractor stops
/// early, so both can use `?`. The outermost layer sends it as it is.
#[derive(Debug)]
pub struct PageError(std::sync::Mutex<Option<Box<Response>>>);

impl From<Response> for PageError {
    fn from(resp: Response) -> Self {
        Self(std::sync::Mutex::new(Some(Box::new(resp))))
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a dashboard page")
    }
}

impl std::error::Error for PageError {}

impl poem::error::ResponseError for PageError {
    fn status(&self) -> StatusCode {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map_or(StatusCode::INTERNAL_SERVER_ERROR, |r| r.status())
    }

    fn as_response(&self) -> Response {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .map(|r| *r)
            .unwrap_or_else(|| Response::builder().status(StatusCode::INTERNAL_SERVER_ERROR).body("page already sent"))
    }
}

impl PageError {
    /// The error code the page reports, if it reports one (for the audit of refusals).
    pub fn code(&self) -> Option<ErrorCode> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).as_ref().and_then(|r| r.extensions().get().copied())
    }

    /// The page itself, for handlers that answer a plain `Response`.
    pub fn response(self) -> Response {
        poem::error::ResponseError::as_response(&self)
    }
}

/// What a dashboard handler answers: a page either way.
pub type Page = Result<Response, PageError>;

/// The session cookie's value.
pub fn session_token(req: &Request) -> Option<String> {
    cookie(req, session::COOKIE)
}

/// A cookie's value, read from the header (the app has no cookie-jar middleware).
pub fn cookie(req: &Request, wanted: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.trim().to_owned())
}

pub fn plain_error(state: &AppState, err: ApiError) -> PageError {
    let (heading, message) = explain(&err);
    let ctx =
        context! { title => heading, heading => heading, message => message, code => err.code.as_str(), bare => true };
    render(state, err.status, "error.html", ctx).into()
}

/// A urlencoded form body.
pub struct Form(Vec<(String, String)>);

impl Form {
    /// Reads the request's form; a body that is not a form is a 400 page, not an empty form.
    pub async fn read(state: &AppState, body: &mut RequestBody) -> Result<Self, PageError> {
        let bytes = body.take().map_err(|_| bad_form(state))?.into_bytes().await.map_err(|_| bad_form(state))?;
        Self::parse(&bytes).ok_or_else(|| bad_form(state))
    }

    pub fn empty() -> Self {
        Self(Vec::new())
    }

    pub fn parse(body: &[u8]) -> Option<Self> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).ok().map(Self)
    }

    /// The form as a typed value (absent fields `None` where the type allows).
    pub fn to<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        let encoded = serde_urlencoded::to_string(&self.0).map_err(|e| e.to_string())?;
        serde_urlencoded::from_str(&encoded).map_err(|e| e.to_string())
    }

    pub fn get(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    pub fn opt(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }
}

/// Flash messages after a redirect: a fixed table, so a crafted link can
/// only show one of our own sentences.
pub fn flash(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "expired" => ("info", "Your session has expired. Please sign in again."),
        "signed_out" => ("success", "You are signed out."),
        "cc_created" => (
            "success",
            "Contact center created, with built-in video: its test call works now. Escalations from Flex need its Twilio credentials: add them next.",
        ),
        "settings_saved" => ("success", "Settings saved. New join links use them right away."),
        "credentials_saved" => ("success", "Twilio accepted the credentials; they are stored encrypted."),
        "credentials_verified" => ("success", "Twilio accepted the stored credentials."),
        "credentials_deleted" => {
            ("success", "Twilio credentials deleted. Escalations from Flex stop until new ones are stored.")
        }
        "cc_deleted" => ("success", "Contact center deleted, with its escalations and credentials."),
        "call_ended" => ("success", "Call ended. The customer's link no longer works."),
        "customer_data_erased" => (
            "success",
            "The customer's data is erased: their comment, chat, identities and recordings. The anonymous figures stay.",
        ),
        "flex_installed" => (
            "success",
            "Installed in Flex: the plugin is released beside your other plugins and configured for this contact center. Agents get it on their next Flex reload.",
        ),
        "flex_uninstalled" => (
            "success",
            "Removed from Flex: the plugin is no longer released and its settings are gone. Your other plugins are unchanged.",
        ),
        "key_revoked" => ("success", "API key revoked. It stopped working immediately."),
        "role_changed" => ("success", "Role changed."),
        "user_removed" => ("success", "User removed. Their sessions ended."),
        "password_changed" => ("success", "Password changed. You were signed out everywhere else."),
        "choose_password" => (
            "info",
            "Welcome! You signed in with a password someone else gave you: choose your own below, so only you know it.",
        ),
        "endpoint_deleted" => ("success", "Endpoint deleted. Nothing more is sent to it."),
        "endpoint_paused" => ("success", "Endpoint paused: events are not queued for it until you resume it."),
        "endpoint_resumed" => ("success", "Endpoint resumed."),
        "delivery_replayed" => ("success", "Delivery queued again: it is sent within a second or so."),
        _ => return None,
    })
}

pub fn flash_value(req: &Request) -> Value {
    let key = query_param(req, "flash").unwrap_or_default();
    match flash(&key) {
        Some((kind, text)) => context! { kind => kind, text => text },
        None => Value::from(()),
    }
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    let q = req.uri().query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok()?.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Field errors by form field name (`branding.primary_colour` →
/// `primary_colour`; the snapshots' fields keep their group, since the
/// recording's have the same last names).
pub fn field_errors(err: &AppError) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in &err.fields() {
        let name = match e.field.as_str() {
            "snapshots.enabled" => "snapshots_enabled".to_owned(),
            "snapshots.retention_days" => "snapshot_retention_days".to_owned(),
            other => other.rsplit('.').next().unwrap_or(other).to_owned(),
        };
        let mut chars = e.message.chars();
        let message = chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default();
        out.entry(name).or_insert(message);
    }
    out
}

/// A "next" URL after sign-in: only a clean path of our own dashboard.
/// Anything else (another site, a scheme-relative `//host`, a backslash,
/// control characters such as CR/LF that would break the `Location`
/// header, spaces or non-ASCII) is ignored for `/dashboard`.
pub fn safe_next(next: &str) -> String {
    let ours = next == "/dashboard" || next.strip_prefix("/dashboard").is_some_and(|r| r.starts_with(['/', '?', '#']));
    let clean = next.len() <= 2000 && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if ours && clean && !next.starts_with("//") && !next.starts_with("/dashboard/login") {
        next.to_owned()
    } else {
        "/dashboard".to_owned()
    }
}
