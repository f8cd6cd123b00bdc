//! The HTTP surface of the service: the REST API (poem-openapi), the
//! customer's join page, the dashboard, health routes, and the middleware
//! every request passes through. Handlers parse, call the application core
//! (`escalate_app`) and render; no module here owns state or side effects.

pub mod api;
pub mod auth;
pub mod compress;
pub mod config;
pub mod cors;
pub mod dashboard;
pub mod error;
pub mod files;
pub mod request_id;
pub mod state;
pub mod trace_context;

mod body_errors;
mod docs;
mod flex_plugin;
mod health;
mod join_page;
mod middleware;
pub mod pages;
pub mod signaling;
mod webhooks;

use poem::middleware::CatchPanic;
use poem::{Endpoint, EndpointExt, IntoResponse, Route, get, post};

pub use config::HttpConfig;
pub use state::AppState;

/// The whole application as one poem endpoint.
pub fn app(state: AppState) -> impl Endpoint {
    let api = api::service();
    let edge = middleware::Edge {
        app: state.app().clone(),
        max_body: state.http().max_body_bytes,
        cors: state.http().cors.clone(),
        metrics: state.metrics.clone(),
    };
    Route::new()
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/metrics", get(health::metrics))
        .at("/v1/webhooks/twilio/rooms/:cc", post(webhooks::room_status))
        .at("/join/:code", get(join_page::join_page).around(compress::pages))
        .at("/join/:code/qr.svg", get(join_page::join_qr))
        .at("/join", get(join_page::join_without_code))
        .at("/join/", get(join_page::join_without_code))
        .at("/v1/video/rooms/:room/signal", get(signaling::signal))
        .nest("/assets", pages::assets_endpoint(state.http().files.clone()))
        .at("/flex-plugin/:digest/:file", flex_plugin::bundle)
        .nest("/dashboard", dashboard::routes().around(compress::pages))
        .at("/openapi.json", get(openapi_document))
        .nest("/docs", docs::endpoint(&api))
        .nest("/", api)
        // A bug must cost one request a 500 problem, never the connection.
        .with(CatchPanic::new().with_handler(|_| error::ApiError::internal("a handler panicked").into_response()))
        .data(state)
        .around(move |ep, req| middleware::request(ep, req, edge.clone()))
}

/// The OpenAPI document as YAML: what `openapi.yaml` in the repository holds.
pub fn openapi_yaml() -> String {
    api::document::yaml()
}

/// The OpenAPI document as JSON, as served at `/openapi.json`.
pub fn openapi_json() -> String {
    api::document::json()
}

#[poem::handler]
fn openapi_document() -> poem::Response {
    poem::Response::builder().content_type("application/json; charset=utf-8").body(openapi_json())
}
