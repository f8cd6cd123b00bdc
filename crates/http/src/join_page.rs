//! `GET /join/{code}`: the customer's branded page. The look-up is the same
//! as the token endpoint's (and counts failures the same way); unknown and
//! expired codes render the same neutral page.

use escalate_app::AppError;
use escalate_app::services::join::{self, JoinPage};
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::auth::client_ip;
use crate::pages::{JoinBrand, JoinPageView, JoinState};
use crate::state::AppState;

#[handler]
pub async fn join_page(state: Data<&AppState>, req: &Request, Path(code): Path<String>) -> Response {
    let ip = client_ip(req, state.http().trust_proxy_headers);
    let view = match join::page(&state, &code, &ip).await {
        Ok(JoinPage::Ready { code, expires_at, brand }) => JoinPageView {
            code,
            state: JoinState::Ready,
            brand: Some(JoinBrand::from(brand)),
            expires_at: Some(expires_at),
        },
        Ok(JoinPage::Completed { brand }) => {
            JoinPageView { code, state: JoinState::Completed, brand: Some(JoinBrand::from(brand)), expires_at: None }
        }
        Ok(JoinPage::Invalid) => JoinPageView { code, state: JoinState::Unknown, brand: None, expires_at: None },
        Err(AppError::RateLimited { retry_after_secs }) => return state.pages().join_rate_limited(retry_after_secs),
        Err(e) => return poem::IntoResponse::into_response(crate::error::ApiError::from(e)),
    };
    state.pages().join_page(&view)
}
