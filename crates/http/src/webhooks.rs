//! `POST /v1/webhooks/twilio/rooms/{cc}`: Twilio's form-encoded callbacks.
//! A plain poem handler: the body must be read as raw pairs, in order, to
//! check the signature, and Twilio is its only client.

use escalate_app::ErrorCode;
use escalate_app::services::room_callbacks::{self, Callback};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Body, IntoResponse, Request, Response, handler};

use crate::error::ApiError;
use crate::state::AppState;

#[handler]
pub async fn room_status(state: Data<&AppState>, req: &Request, Path(cc): Path<String>, body: Body) -> Response {
    match handle(&state, req, &cc, body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn handle(state: &AppState, req: &Request, cc: &str, body: Body) -> Result<(), ApiError> {
    let cc_id = cc.parse().map_err(|_| ApiError::not_found())?;
    let bytes = body.into_vec().await.map_err(|e| ApiError::bad_request(ErrorCode::UnreadableBody, e.to_string()))?;
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| ApiError::bad_request(ErrorCode::InvalidBody, format!("not a form body: {e}")))?;
    let outcome = room_callbacks::room_callback(
        state,
        cc_id,
        Callback { params, signature: req.header("X-Twilio-Signature"), query: req.uri().query() },
    )
    .await?;
    tracing::debug!(?outcome, "room callback");
    Ok(())
}
