//! `GET /join/{code}`: the customer's branded page. The look-up is the same
//! as the token endpoint's (and counts failures the same way); unknown and
//! expired codes render the same neutral page. Every code of one brand gets
//! the same bytes, prepared once ([`crate::pages::Pages::customer_join_page`]).

use escalate_app::AppError;
use escalate_app::services::join::{self, JoinPage};
use poem::http::header;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::auth::client_ip;
use crate::pages::{JoinBrand, JoinPageView, JoinState};
use crate::state::AppState;

#[handler]
pub async fn join_page(state: Data<&AppState>, req: &Request, Path(code): Path<String>) -> Response {
    let ip = client_ip(req, state.http().trust_proxy_headers);
    let view = match join::page(&state, &code, &ip).await {
        Ok(JoinPage::Ready { brand, provider, recording, .. }) => {
            JoinPageView::new("", JoinState::Ready, Some(JoinBrand::from(brand)))
                .with_provider(provider)
                .with_recording(recording)
        }
        Ok(JoinPage::Completed { brand }) => JoinPageView::new("", JoinState::Completed, Some(JoinBrand::from(brand))),
        Ok(JoinPage::Invalid) => JoinPageView::new("", JoinState::Unknown, None),
        Err(AppError::RateLimited { retry_after_secs }) => {
            return state.pages().join_rate_limited(retry_after_secs, req.header(header::ACCEPT_LANGUAGE));
        }
        Err(e) => return poem::IntoResponse::into_response(crate::error::ApiError::from(e)),
    };
    let view = view.for_visitor(req.header(header::ACCEPT_LANGUAGE));
    state.pages().customer_join_page(view, req.header(header::ACCEPT_ENCODING)).await
}

/// `/join/` without a code (a link cut short): the neutral page for a link
/// that does not work, in the visitor's language, never an API error.
#[handler]
pub async fn join_without_code(state: Data<&AppState>, req: &Request) -> Response {
    let view = JoinPageView::new("", JoinState::Unknown, None).for_visitor(req.header(header::ACCEPT_LANGUAGE));
    state.pages().customer_join_page(view, req.header(header::ACCEPT_ENCODING)).await
}

/// `GET /join/{code}/qr.svg`: the customer's own link as a QR code, which
/// the join page shows on a desktop so the customer can carry the call to
/// their phone (and its back camera). Looked up like the page itself (the
/// same failure count per address); any code that is not open is a bare 404.
#[handler]
pub async fn join_qr(state: Data<&AppState>, req: &Request, Path(code): Path<String>) -> Response {
    use poem::http::StatusCode;
    let ip = client_ip(req, state.http().trust_proxy_headers);
    match join::page(&state, &code, &ip).await {
        Ok(JoinPage::Ready { .. }) => {}
        Err(AppError::RateLimited { retry_after_secs }) => {
            return Response::builder()
                .status(StatusCode::TOO_MANY_REQUESTS)
                .header(header::RETRY_AFTER, retry_after_secs.to_string())
                .finish();
        }
        _ => return Response::builder().status(StatusCode::NOT_FOUND).finish(),
    }
    let svg = match crate::pages::qr::svg(&state.urls().join(&code)) {
        Some(svg) => svg,
        None => return Response::builder().status(StatusCode::NOT_FOUND).finish(),
    };
    Response::builder()
        .content_type("image/svg+xml")
        // The code is a credential: never kept by a shared cache.
        .header(header::CACHE_CONTROL, "private, no-store")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_SECURITY_POLICY, "default-src 'none'")
        .body(svg)
}
