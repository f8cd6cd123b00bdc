//! Customers' join pages, prepared once per look and served as bytes.
//!
//! Profiling the join page showed a request spending most of its time on
//! work that is the same for every code of a contact center: rendering the
//! template and compressing the result (brotli, per response). So the
//! customer's page carries nothing that varies by code or by response:
//!
//! - the code is read by the page's script from its own address;
//! - the brand's one `<style>` is allowed by its hash in the CSP, not by a
//!   per-response nonce (a hash allows exactly that text, which is all a
//!   nonce was for: no other inline style can run either way).
//!
//! Then one brand, state and provider is one page: rendered, hashed and
//! compressed (brotli 11, gzip 9) on the first request that needs it, off
//! the async workers, and kept by the page's own content. A brand change is
//! a new key, so nothing has to be invalidated; what is no longer asked for
//! is evicted (the map is bounded by bytes). The agent's test call still
//! renders per response, with a nonce: it carries a CSRF token.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use escalate_domain::contact_center::VideoProvider;
use poem::Response;
use poem::http::{StatusCode, header};
use sha2::{Digest, Sha256};

use super::{JoinBrand, JoinPageView, JoinState, Pages, csp_allowing, effective, security_headers};
use crate::compress::{self, Effort, Encoding};

/// What makes two customers' pages the same bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Look {
    state: JoinState,
    provider: VideoProvider,
    /// The call is recorded: the page asks for consent before joining.
    recording: bool,
    brand: Option<JoinBrand>,
    /// The language of the unbranded page (a brand has its own).
    visitor_locale: &'static str,
}

/// One look's page, ready to send.
pub(super) struct PreparedPage {
    status: StatusCode,
    csp: String,
    plain: Bytes,
    brotli: Bytes,
    gzip: Bytes,
}

impl PreparedPage {
    fn weight(&self) -> u32 {
        (self.plain.len() + self.brotli.len() + self.gzip.len() + self.csp.len()).try_into().unwrap_or(u32::MAX)
    }
}

/// Bytes of prepared pages kept: thousands of distinct brands.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

pub(super) struct PreparedPages {
    pages: moka::future::Cache<Look, Arc<PreparedPage>>,
}

impl PreparedPages {
    pub(super) fn new() -> Self {
        Self {
            pages: moka::future::Cache::builder()
                .max_capacity(MAX_BYTES)
                .weigher(|_, page: &Arc<PreparedPage>| page.weight())
                .build(),
        }
    }
}

impl Pages {
    /// A customer's join page for `view` (its code is not used: the page
    /// reads it from its address), encoded as `accept_encoding` allows.
    /// Same status and headers as [`Pages::join_page`], and unknown and
    /// expired codes still get the very same bytes.
    pub async fn customer_join_page(&self, view: JoinPageView, accept_encoding: Option<&str>) -> Response {
        let page = effective(&view);
        let look = Look {
            state: page.state,
            // The neutral page is one page whatever was asked.
            provider: if page.branded { view.provider } else { VideoProvider::Twilio },
            recording: page.branded && page.state == JoinState::Ready && view.recording,
            visitor_locale: if page.branded { "" } else { view.visitor_locale },
            brand: view.brand.filter(|_| page.branded),
        };
        let unbranded = !page.branded;
        let pages = self.clone();
        let prepared = self
            .inner
            .prepared
            .pages
            .try_get_with(look.clone(), async move {
                tokio::task::spawn_blocking(move || pages.prepare(&look))
                    .await
                    .map_err(|e| e.to_string())?
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .await;
        let prepared = match prepared {
            Ok(p) => p,
            Err(err) => {
                tracing::error!(error = %err, "join page does not render");
                return self.join_page(&JoinPageView::new("", JoinState::Unknown, None));
            }
        };
        let encoding = compress::negotiate(accept_encoding);
        let body = match encoding {
            Some(Encoding::Brotli) => prepared.brotli.clone(),
            Some(Encoding::Gzip) => prepared.gzip.clone(),
            None => prepared.plain.clone(),
        };
        let mut resp = security_headers(Response::builder().status(prepared.status), &prepared.csp)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(body);
        compress::vary(&mut resp);
        if unbranded {
            // Its language followed the browser's.
            resp.headers_mut().append(header::VARY, poem::http::HeaderValue::from_static("Accept-Language"));
        }
        if let Some(encoding) = encoding {
            compress::mark(&mut resp, encoding);
        }
        resp
    }

    /// Renders, hashes and compresses one look (blocking: tens of milliseconds).
    fn prepare(&self, look: &Look) -> Result<PreparedPage, minijinja::Error> {
        let mut view = JoinPageView::new("", look.state, look.brand.clone())
            .with_provider(look.provider)
            .with_recording(look.recording);
        if !look.visitor_locale.is_empty() {
            view.visitor_locale = look.visitor_locale;
        }
        let page = effective(&view);
        let html = self.render_join(&view, "", None)?;
        let style_hash = page.branded.then(|| inline_style(&html).map(style_source)).flatten();
        let status = match page.state {
            JoinState::Ready => StatusCode::OK,
            JoinState::Completed => StatusCode::GONE,
            JoinState::Expired | JoinState::Unknown => StatusCode::NOT_FOUND,
        };
        Ok(PreparedPage {
            status,
            csp: csp_allowing(style_hash.as_deref(), page.logo_origin.as_deref()),
            brotli: Bytes::from(compress::compress(html.as_bytes(), Encoding::Brotli, Effort::Once)),
            gzip: Bytes::from(compress::compress(html.as_bytes(), Encoding::Gzip, Effort::Once)),
            plain: Bytes::from(html),
        })
    }
}

/// The text of the page's one inline `<style>` element.
fn inline_style(html: &str) -> Option<&str> {
    let start = html.find("<style>")? + "<style>".len();
    let len = html[start..].find("</style>")?;
    Some(&html[start..start + len])
}

/// The CSP source that allows exactly `css` as an inline style.
fn style_source(css: &str) -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(css.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inline_style_is_found_whole_or_not_at_all() {
        assert_eq!(inline_style("<head><style>:root{--brand:#123456}</style></head>"), Some(":root{--brand:#123456}"));
        assert_eq!(inline_style("<p>no style</p>"), None);
        assert_eq!(inline_style("<style>unclosed"), None);
    }
}
