//! The customer's rating of the call.

use chrono::{DateTime, Utc};
use escalate_app::services::join;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::api::Tag;
use crate::auth::client_ip;
use crate::error::ApiResult;
use crate::state::AppState;

pub struct RatingApi;

/// A customer's rating of their call.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(super) struct RatingRequest {
    /// 1 to 5.
    stars: i32,
    /// Optional, at most 1,000 characters.
    comment: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub(super) struct RatingView {
    stars: i32,
    comment: Option<String>,
    rated_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
pub(super) enum RateResponse {
    /// Thank you: the rating is stored.
    #[oai(status = 201)]
    Rated(Json<RatingView>),
}

#[OpenApi(tag = "Tag::Escalations")]
impl RatingApi {
    /// The customer rates the call: 1–5 stars and an optional comment.
    ///
    /// Once per escalation (`already_rated`, 409), after the customer was in
    /// the call (`not_rateable`, 409), while the link lives (the call may
    /// have ended; unknown and expired codes answer 404 as for the token).
    /// Rate-limited per client address. Sends `rating.received` webhooks.
    #[oai(path = "/v1/join/:code/rating", method = "post", operation_id = "rateCall")]
    async fn rate(
        &self,
        state: Data<&AppState>,
        req: &Request,
        code: Path<String>,
        body: Json<RatingRequest>,
    ) -> ApiResult<RateResponse> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let b = body.0;
        let e = join::rate(&state, &code.0, &ip, join::RatingInput { stars: b.stars, comment: b.comment }).await?;
        Ok(RateResponse::Rated(Json(RatingView {
            stars: e.rating.unwrap_or(b.stars),
            comment: e.rating_comment,
            rated_at: e.rated_at.unwrap_or_else(Utc::now),
        })))
    }
}
