//! Liveness and readiness, for load balancers and orchestrators.

use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, handler};
use serde_json::json;

use crate::state::AppState;

/// Alive: the process answers. Nothing else is checked.
#[handler]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready: the database answers, and Redis too when one is configured.
#[handler]
pub async fn readyz(state: Data<&AppState>) -> impl IntoResponse {
    let r = state.readiness().await;
    let ready = r.database.usable() && r.database != escalate_app::Check::NotConfigured && r.redis.usable();
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    Json(json!({
        "status": if ready { "ready" } else { "unavailable" },
        "database": r.database.describe(),
        "redis": r.redis.describe(),
    }))
    .with_status(status)
}

/// Prometheus text exposition. Carries no secrets or tenant data, only
/// counts; restrict it to the scraper at the ingress if that matters.
#[handler]
pub async fn metrics(state: Data<&AppState>) -> impl IntoResponse {
    state.metrics.render().with_content_type("text/plain; version=0.0.4; charset=utf-8")
}
