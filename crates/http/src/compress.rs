//! Compressed text for customers on phones: the join page and its assets are
//! the first thing every customer loads, often over a mobile network.
//!
//! - Pages (the join page, the dashboard) are compressed per response by
//!   [`pages`], at a level that costs well under a millisecond for a page.
//! - Static assets are compressed once per file and encoding, at a high level,
//!   and kept ([`Precompressed`]): a versioned asset never changes while the
//!   binary runs. With `DASHBOARD_DIR` (development) files are read fresh, so
//!   they are compressed per request at the pages' level instead.
//!
//! API responses stay as they are: they are small, and the token endpoint is
//! a hot path whose CPU is better spent elsewhere.
//!
//! Brotli is preferred to gzip when the client takes both (every current
//! browser does); `q=0` refuses an encoding.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use poem::http::{HeaderValue, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use tokio::sync::OnceCell;

/// Bodies smaller than this gain nothing worth a header.
const MIN_BYTES: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    pub fn token(self) -> &'static str {
        match self {
            Self::Brotli => "br",
            Self::Gzip => "gzip",
        }
    }
}

/// How hard to work: per response, or once for a static file.
#[derive(Debug, Clone, Copy)]
pub enum Effort {
    PerResponse,
    Once,
}

/// The encoding to answer with for an `Accept-Encoding` value, if any.
pub fn negotiate(accept: Option<&str>) -> Option<Encoding> {
    let accept = accept?;
    let mut br = false;
    let mut gzip = false;
    for part in accept.split(',') {
        let mut fields = part.split(';');
        let name = fields.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = fields
            .any(|f| f.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
        if refused {
            continue;
        }
        match name.as_str() {
            "br" => br = true,
            "gzip" | "x-gzip" => gzip = true,
            _ => {}
        }
    }
    if br {
        Some(Encoding::Brotli)
    } else if gzip {
        Some(Encoding::Gzip)
    } else {
        None
    }
}

/// Whether a content type is text worth compressing.
fn compressible(content_type: &str) -> bool {
    let t = content_type.split(';').next().unwrap_or("").trim();
    t.starts_with("text/") || matches!(t, "application/json" | "application/javascript" | "image/svg+xml")
}

/// `data` compressed with `encoding` (in memory: pages and assets are small).
pub fn compress(data: &[u8], encoding: Encoding, effort: Effort) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    match encoding {
        Encoding::Brotli => {
            let quality = match effort {
                Effort::PerResponse => 5,
                Effort::Once => 11,
            };
            let params = brotli::enc::BrotliEncoderParams { quality, lgwin: 22, ..Default::default() };
            let mut input = data;
            // Writing to a Vec cannot fail.
            let _ = brotli::BrotliCompress(&mut input, &mut out, &params);
        }
        Encoding::Gzip => {
            let level = match effort {
                Effort::PerResponse => flate2::Compression::new(6),
                Effort::Once => flate2::Compression::best(),
            };
            let mut enc = flate2::write::GzEncoder::new(out, level);
            let _ = enc.write_all(data);
            out = enc.finish().unwrap_or_default();
        }
    }
    out
}

/// Sets the headers of a body encoded with `encoding`.
pub fn mark(resp: &mut Response, encoding: Encoding) {
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding.token()));
    headers.remove(header::CONTENT_LENGTH);
}

/// Every response that depends on `Accept-Encoding` says so, compressed or not.
pub fn vary(resp: &mut Response) {
    resp.headers_mut().append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
}

/// Middleware for page routes: compresses text answers of a useful size.
pub async fn pages<E: Endpoint>(ep: E, req: Request) -> poem::Result<Response> {
    let encoding = negotiate(req.header(header::ACCEPT_ENCODING));
    let mut resp = ep.call(req).await?.into_response();
    let text = resp.content_type().is_some_and(compressible);
    // A page prepared already compressed (or negotiated by its handler) says so.
    let negotiated = resp.headers().get_all(header::VARY).iter().any(|v| v == "Accept-Encoding");
    if !text || negotiated || resp.headers().contains_key(header::CONTENT_ENCODING) {
        return Ok(resp);
    }
    vary(&mut resp);
    let Some(encoding) = encoding else { return Ok(resp) };
    let body = resp.take_body().into_bytes().await?;
    if body.len() < MIN_BYTES {
        resp.set_body(body);
        return Ok(resp);
    }
    // A page is tens of kilobytes at most: a fraction of a millisecond inline.
    resp.set_body(compress(&body, encoding, Effort::PerResponse));
    mark(&mut resp, encoding);
    Ok(resp)
}

/// Compressed copies of static files, made once per (file, encoding) on
/// first request, off the async workers.
#[derive(Default)]
pub struct Precompressed {
    copies: Mutex<HashMap<(String, Encoding), CompressedCopy>>,
}

/// One file's compressed copy, made by whichever request asks first.
type CompressedCopy = Arc<OnceCell<Bytes>>;

impl Precompressed {
    /// `data` (the file `name`) as `encoding`: made on the first call, the
    /// same bytes after; `fresh` files (read from disk for development) are
    /// compressed each time instead of kept.
    pub async fn get(&self, name: &str, data: Bytes, encoding: Encoding, fresh: bool) -> Bytes {
        if fresh {
            return Bytes::from(compress(&data, encoding, Effort::PerResponse));
        }
        let cell = {
            let mut copies = self.copies.lock().unwrap_or_else(|e| e.into_inner());
            copies.entry((name.to_owned(), encoding)).or_default().clone()
        };
        cell.get_or_init(|| async move {
            tokio::task::spawn_blocking(move || Bytes::from(compress(&data, encoding, Effort::Once)))
                .await
                .unwrap_or_default()
        })
        .await
        .clone()
    }
}

/// A static file's body as it should be sent to `req`: compressed (and with
/// which encoding) when the client takes it and it is worth it.
pub async fn asset(
    cache: &Precompressed,
    req: &Request,
    name: &str,
    data: Bytes,
    content_type: &str,
    fresh: bool,
) -> (Bytes, Option<Encoding>) {
    if !compressible(content_type) || data.len() < MIN_BYTES {
        return (data, None);
    }
    match negotiate(req.header(header::ACCEPT_ENCODING)) {
        Some(encoding) => (cache.get(name, data, encoding, fresh).await, Some(encoding)),
        None => (data, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_is_preferred_and_a_zero_quality_refuses() {
        assert_eq!(negotiate(Some("gzip, deflate, br, zstd")), Some(Encoding::Brotli));
        assert_eq!(negotiate(Some("gzip")), Some(Encoding::Gzip));
        assert_eq!(negotiate(Some("br;q=0, gzip;q=0.5")), Some(Encoding::Gzip));
        assert_eq!(negotiate(Some("identity")), None);
        assert_eq!(negotiate(None), None);
    }

    #[test]
    fn what_is_compressed_comes_back_whole() {
        let text = "Join Video Room. ".repeat(500).into_bytes();
        for encoding in [Encoding::Brotli, Encoding::Gzip] {
            for effort in [Effort::PerResponse, Effort::Once] {
                let packed = compress(&text, encoding, effort);
                assert!(packed.len() < text.len() / 10, "{encoding:?} {effort:?}: {}", packed.len());
                let mut back = Vec::new();
                match encoding {
                    Encoding::Brotli => {
                        brotli::BrotliDecompress(&mut packed.as_slice(), &mut back).unwrap();
                    }
                    Encoding::Gzip => {
                        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(packed.as_slice()), &mut back)
                            .unwrap();
                    }
                }
                assert_eq!(back, text);
            }
        }
    }
}
