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
        Ok(JoinPage::Ready { code, expires_at, brand, provider }) => JoinPageView {
            expires_at: Some(expires_at),
            ..JoinPageView::new(code, JoinState::Ready, Some(JoinBrand::from(brand))).with_provider(provider)
        },
        Ok(JoinPage::Completed { brand }) => {
            JoinPageView::new(code, JoinState::Completed, Some(JoinBrand::from(brand)))
        }
        Ok(JoinPage::Invalid) => JoinPageView::new(code, JoinState::Unknown, None),
        Err(AppError::RateLimited { retry_after_secs }) => return state.pages().join_rate_limited(retry_after_secs),
        Err(e) => return poem::IntoResponse::into_response(crate::error::ApiError::from(e)),
    };
    state.pages().join_page(&view)
}
