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

/// Ready: the database answers. A Redis outage does not stop serving (limits
/// and caches then hold per replica), so it is reported as `degraded` with
/// 200, not as unavailable.
#[handler]
pub async fn readyz(state: Data<&AppState>) -> impl IntoResponse {
    let r = state.readiness().await;
    let (status, word) = match (r.serving(), r.degraded()) {
        (false, _) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        (true, true) => (StatusCode::OK, "degraded"),
        (true, false) => (StatusCode::OK, "ready"),
    };
    Json(json!({ "status": word, "database": r.database.describe(), "redis": r.redis.describe() })).with_status(status)
}

/// Prometheus text exposition. Carries no secrets or tenant data, only
/// counts; restrict it to the scraper at the ingress if that matters.
#[handler]
pub async fn metrics(state: Data<&AppState>) -> impl IntoResponse {
    state.metrics.render().with_content_type("text/plain; version=0.0.4; charset=utf-8")
}
