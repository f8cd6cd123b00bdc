//! Static files of the pages, `assets/` of the [`DashboardFiles`], served at
//! `/assets/*`. Only plain relative names of known file types are served
//! (see [`crate::files::plain_name`]). Versioned URLs (`?v=<hash>`, as the
//! templates write them) are cached for a year; others for five minutes.

use crate::compress::{self, Precompressed};
use crate::files::{DashboardFiles, content_type};

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, Request, Response};

/// The `/assets` endpoint; mount with `Route::nest("/assets", assets_endpoint(files))`.
pub fn assets_endpoint(files: DashboardFiles) -> AssetsEndpoint {
    AssetsEndpoint { files, compressed: Precompressed::default() }
}

pub struct AssetsEndpoint {
    files: DashboardFiles,
    /// Brotli and gzip copies, made once per file.
    compressed: Precompressed,
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header("X-Content-Type-Options", "nosniff")
        .body(text)
}

impl Endpoint for AssetsEndpoint {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            let mut resp = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return Ok(resp);
        }
        let rel = req.uri().path().to_owned();
        let Some(bytes) = self.files.asset("assets", &rel).await else {
            return Ok(plain(StatusCode::NOT_FOUND, "not found"));
        };
        let versioned = req.uri().query().is_some_and(|q| q.split('&').any(|p| p.starts_with("v=")));
        let cache = if versioned { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
        let ctype = content_type(&rel).unwrap_or("application/octet-stream");
        let fresh = matches!(self.files, DashboardFiles::Dir(_));
        let (body, encoding) = compress::asset(&self.compressed, &req, &rel, bytes, ctype, fresh).await;
        let mut resp = Response::builder()
            .header(header::CONTENT_TYPE, ctype)
            .header(header::CACHE_CONTROL, cache)
            .header("X-Content-Type-Options", "nosniff")
            .header("Cross-Origin-Resource-Policy", "same-origin")
            .body(body);
        compress::vary(&mut resp);
        if let Some(encoding) = encoding {
            compress::mark(&mut resp, encoding);
        }
        Ok(resp)
    }
}
