//! `GET /flex-plugin/{digest}/{name}.js` (and its `.map`): the Flex plugin
//! bundle this service hosts, at the URL "Install in Flex" registers with a
//! tenant's Flex. The digest names the content, so an answer never changes
//! and is cached for a year; any other digest (an older build) is 404, and
//! Flex keeps loading whatever version its active release names.
//!
//! Flex loads plugins from its own origin (`flex.twilio.com`), so the bundle
//! is readable cross-origin; it is the same public code for every tenant and
//! holds no settings.

use poem::http::{Method, StatusCode, header};
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::compress::{self, Precompressed};
use crate::state::AppState;

/// Brotli and gzip copies of the bundle, made once.
static COMPRESSED: std::sync::LazyLock<Precompressed> = std::sync::LazyLock::new(Precompressed::default);

fn not_found() -> Response {
    Response::builder()
        .status(StatusCode::NOT_FOUND)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body("not found")
}

#[handler]
pub async fn bundle(req: &Request, Path((digest, file)): Path<(String, String)>, state: Data<&AppState>) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Response::builder().status(StatusCode::METHOD_NOT_ALLOWED).header(header::ALLOW, "GET, HEAD").finish();
    }
    let Some(bundle) = state.config.flex_plugin.as_deref() else { return not_found() };
    if digest != bundle.digest {
        return not_found();
    }
    let (data, ctype) = if file == format!("{}.js", bundle.name) {
        (bundle.script.clone(), "text/javascript; charset=utf-8")
    } else if file == format!("{}.js.map", bundle.name) && bundle.sourcemap.is_some() {
        (bundle.sourcemap.clone().expect("checked"), "application/json")
    } else {
        return not_found();
    };
    let (body, encoding) = compress::asset(&COMPRESSED, req, &format!("{digest}/{file}"), data, ctype, false).await;
    let mut resp = Response::builder()
        .header(header::CONTENT_TYPE, ctype)
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .header("Cross-Origin-Resource-Policy", "cross-origin")
        .header("X-Content-Type-Options", "nosniff")
        .body(body);
    compress::vary(&mut resp);
    if let Some(encoding) = encoding {
        compress::mark(&mut resp, encoding);
    }
    resp
}
