//! Static files of the pages, served from `{dashboard_dir}/assets/` at
//! `/assets/*`. Only plain relative names of known file types are served:
//! no `..`, no hidden files, no percent-escapes, nothing a symlink leads out of
//! the folder to. Versioned URLs (`?v=<hash>`, as the templates write them)
//! are cached for a year; others for five minutes.

use std::path::{Path, PathBuf};

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, Request, Response};

/// Content type by extension; anything else is not served.
pub fn content_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => return None,
    })
}

/// The file under `root` that `rel` (a URL path below `/assets/`) names, if it
/// is a plain relative path of a servable type that stays inside `root`.
pub fn resolve(root: &Path, rel: &str) -> Option<PathBuf> {
    let rel = rel.trim_start_matches('/');
    if rel.is_empty() || rel.len() > 256 {
        return None;
    }
    // Asset names are plain ASCII: refusing escapes and backslashes up front
    // means no decoding step can turn a harmless path into `..`.
    if !rel.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_')) {
        return None;
    }
    if rel.split('/').any(|seg| seg.is_empty() || seg.starts_with('.')) {
        return None;
    }
    content_type(rel)?;
    let root = root.canonicalize().ok()?;
    let path = root.join(rel).canonicalize().ok()?;
    (path.starts_with(&root) && path.is_file()).then_some(path)
}

/// The `/assets` endpoint; mount with `Route::nest("/assets", assets_endpoint(dir))`
/// where `dir` is `{dashboard_dir}/assets`.
pub fn assets_endpoint(dir: PathBuf) -> AssetsEndpoint {
    AssetsEndpoint { dir }
}

pub struct AssetsEndpoint {
    dir: PathBuf,
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
        let Some(path) = resolve(&self.dir, &rel) else {
            return Ok(plain(StatusCode::NOT_FOUND, "not found"));
        };
        let Ok(bytes) = tokio::fs::read(&path).await else {
            return Ok(plain(StatusCode::NOT_FOUND, "not found"));
        };
        let versioned = req.uri().query().is_some_and(|q| q.split('&').any(|p| p.starts_with("v=")));
        let cache = if versioned { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
        let ctype = content_type(&rel).unwrap_or("application/octet-stream");
        Ok(Response::builder()
            .header(header::CONTENT_TYPE, ctype)
            .header(header::CACHE_CONTROL, cache)
            .header("X-Content-Type-Options", "nosniff")
            .header("Cross-Origin-Resource-Policy", "same-origin")
            .body(bytes))
    }
}
