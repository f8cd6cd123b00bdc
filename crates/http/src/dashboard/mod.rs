//! The admin dashboard: server-rendered pages under `/dashboard` for tenant
//! admins and viewers, from templates in `{DASHBOARD_DIR}/templates/admin/`
//! and assets in `{DASHBOARD_DIR}/assets/admin/` (served at
//! `/dashboard/assets/*`).
//!
//! Pages reuse the API's logic: the same session rows and cookie, the same
//! store queries for metrics, the same services for credentials. Every form
//! carries the session's CSRF token (`csrf_token`), checked in constant time
//! on every POST; viewers see metrics only.

mod account;
mod admin;
mod audit;
mod centers;
mod escalation;
mod escalation_text;
mod figures;
mod operator;
mod overview;
mod sign_in;
pub mod templates;
mod test_call;
mod web;
mod webhooks;

pub use templates::Templates;
pub use web::PageError;

use poem::http::{StatusCode, header};
use poem::web::{Data, Path};
use poem::{Response, Route, get, handler, post};

use crate::state::AppState;

/// The dashboard's routes, written once: [`routes`] serves them and
/// [`route_table`] lists them (the isolation test walks every route that
/// takes an id, so a new one cannot slip past it).
macro_rules! dashboard_routes {
    ($($path:literal => $first:ident($handler:path) $(. $method:ident($more:path))*,)*) => {
        /// The `/dashboard` routes; mount with `.nest("/dashboard", dashboard::routes())`.
        pub fn routes() -> Route {
            Route::new()$(.at($path, $first($handler)$(.$method($more))*))*
        }

        /// Every route as `(path, methods)`, paths relative to `/dashboard`.
        pub fn route_table() -> Vec<(&'static str, Vec<&'static str>)> {
            vec![$(($path, vec![stringify!($first) $(, stringify!($method))*]),)*]
        }
    };
}

dashboard_routes! {
    "/" => get(overview::page),
    "/login" => get(sign_in::login_form).post(sign_in::login_submit),
    "/logout" => post(sign_in::logout),
    "/account" => get(account::show),
    "/account/password" => post(account::change_password),
    "/contact-centers" => post(centers::create),
    "/contact-centers/new" => get(centers::new_form),
    "/contact-centers/:id" => get(centers::detail),
    "/contact-centers/:id/settings" => get(centers::settings_form).post(centers::save_settings),
    "/contact-centers/:id/preview" => get(centers::preview),
    "/contact-centers/:id/credentials" => get(centers::credentials_form).post(centers::save_credentials),
    "/contact-centers/:id/credentials/verify" => post(centers::verify_credentials),
    "/contact-centers/:id/credentials/delete" => post(centers::delete_credentials),
    "/contact-centers/:id/delete" => post(centers::delete_center),
    "/contact-centers/:id/flex/install" => post(centers::install_in_flex),
    "/contact-centers/:id/flex/uninstall" => post(centers::uninstall_from_flex),
    "/contact-centers/:id/test-call" => get(test_call::start_form).post(test_call::start),
    "/contact-centers/:id/test-call/:call" => get(test_call::call_page),
    "/contact-centers/:id/test-call/:call/token" => post(test_call::token),
    "/contact-centers/:id/test-call/:call/end" => post(test_call::end),
    "/escalations/:id" => get(escalation::page),
    "/escalations/:id/end" => post(escalation::end),
    "/escalations/:id/erase" => post(escalation::erase),
    "/operator" => get(operator::list_tenants),
    "/operator/login" => get(operator::login_form).post(operator::login_submit),
    "/operator/logout" => post(operator::logout),
    "/operator/tenants" => post(operator::create_tenant),
    "/api-keys" => get(admin::list_keys).post(admin::create_key),
    "/api-keys/:id/revoke" => post(admin::revoke_key),
    "/users" => get(admin::list_users).post(admin::invite),
    "/users/:id/role" => post(admin::set_role),
    "/users/:id/remove" => post(admin::remove_user),
    "/audit" => get(audit::page),
    "/webhooks" => get(webhooks::list).post(webhooks::create),
    "/webhooks/:id" => get(webhooks::detail),
    "/webhooks/:id/toggle" => post(webhooks::toggle),
    "/webhooks/:id/rotate" => post(webhooks::rotate),
    "/webhooks/:id/delete" => post(webhooks::delete),
    "/webhooks/:id/deliveries/:delivery/replay" => post(webhooks::replay),
    "/assets/*path" => get(asset),
}

/// Files under `assets/admin/` of the [`crate::files::DashboardFiles`], with
/// the join page's name checks.
#[handler]
async fn asset(state: Data<&AppState>, req: &poem::Request, Path(path): Path<String>) -> Response {
    let not_found = || {
        Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .header("X-Content-Type-Options", "nosniff")
            .body("not found")
    };
    let Some(bytes) = state.http().files.asset("assets/admin", &path).await else { return not_found() };
    let versioned = req.uri().query().is_some_and(|q| q.split('&').any(|p| p.starts_with("v=")));
    Response::builder()
        .header(header::CONTENT_TYPE, crate::files::content_type(&path).unwrap_or("application/octet-stream"))
        .header(header::CACHE_CONTROL, if versioned { "public, max-age=31536000, immutable" } else { "no-cache" })
        .header("X-Content-Type-Options", "nosniff")
        .header("Cross-Origin-Resource-Policy", "same-origin")
        .body(bytes)
}
