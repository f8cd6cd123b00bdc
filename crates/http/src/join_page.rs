//! `GET /join/{code}`: the customer's branded page. The look-up is the same
//! as the token endpoint's (and counts failures the same way); unknown and
//! expired codes render the same neutral page.

use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::auth::client_ip;
use crate::pages::{JoinBrand, JoinPageView, JoinState};
use crate::services::join::{self, Lookup};
use crate::state::AppState;

#[handler]
pub async fn join_page(state: Data<&AppState>, req: &Request, Path(code): Path<String>) -> Response {
    let ip = client_ip(req, state.config.trust_proxy_headers);
    let lookup = match join::lookup(&state, &code, &ip).await {
        Ok(l) => l,
        Err(e) if e.code == "rate_limited" => return state.pages.join_rate_limited(e.retry_after_secs.unwrap_or(60)),
        Err(e) => return poem::IntoResponse::into_response(e),
    };
    let (e, join_state) = match lookup {
        Lookup::Ready(e) => (e, JoinState::Ready),
        Lookup::Completed(e) => (e, JoinState::Completed),
        Lookup::Invalid => {
            return state.pages.join_page(&JoinPageView {
                code,
                state: JoinState::Unknown,
                brand: None,
                expires_at: None,
            });
        }
    };
    let brand =
        match state.store.contact_center(escalate_store::TenantScope::new(e.tenant_id), e.contact_center_id).await {
            Ok(cc) => JoinBrand::from(cc.settings().branding),
            Err(err) => return poem::IntoResponse::into_response(crate::error::ApiError::from(err)),
        };
    state.pages.join_page(&JoinPageView {
        code: e.code.clone(),
        state: join_state,
        brand: Some(brand),
        expires_at: Some(e.expires_at),
    })
}
