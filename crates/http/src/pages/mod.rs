//! Server-rendered pages (the customer's join page, later the dashboard)
//! and their static assets, from the binary's embedded `dashboard/` or the
//! folder `DASHBOARD_DIR` names ([`DashboardFiles`]).
//!
//! [`Pages::load`] reads and compiles every template once at start-up (and
//! fails then if one is missing or broken); [`Pages::join_page`] renders the
//! join page with its security headers. Static files are served by
//! [`assets_endpoint`].
//!
//! Wiring (the pages are cheap to clone; keep one in the app state):
//!
//! ```ignore
//! let pages = Pages::load(&files)?;                          // at start-up
//! Route::new()
//!     .at("/join/:code", get(join_page_handler))             // pages.join_page(&view)
//!     .nest("/assets", assets_endpoint(files.clone()))
//! ```
//!
//! The page's script (`assets/join.js`) calls `POST /v1/join/{code}/token` on
//! the same origin and understands the problem codes `not_found` (404),
//! `code_completed` (410) and `rate_limited` (429 with `Retry-After`). On a
//! built-in call's page it first asks `GET /v1/join/{code}/network`, to
//! allocate its TURN relay while the customer reads the page.

mod assets;
pub mod i18n;
mod prepared;
pub mod qr;

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use escalate_domain::contact_center::VideoProvider;
use minijinja::{Environment, UndefinedBehavior, context};
use poem::Response;
use poem::http::{StatusCode, header};
use sha2::{Digest, Sha256};

pub use assets::{AssetsEndpoint, assets_endpoint};

use crate::files::DashboardFiles;

/// Templates every page needs; [`Pages::load`] fails without them.
const REQUIRED_TEMPLATES: [&str; 1] = ["join.html"];
/// Assets the templates link with a content hash (`?v=…`), so they can be cached for good.
const VERSIONED_ASSETS: [&str; 5] = ["join.css", "join.js", "rtc.js", "snapshot.js", "vendor/twilio-video.min.js"];

/// Colours of pages without a brand (unknown and expired codes).
const NEUTRAL_PRIMARY: &str = "#3a4a5f";

#[derive(Debug, thiserror::Error)]
pub enum PagesError {
    #[error("page templates: {0}")]
    Read(#[from] crate::files::ReadError),
    #[error("page templates: {name} is missing from {from}")]
    Missing { name: &'static str, from: String },
    #[error("page templates: {name} does not compile: {source}")]
    Template { name: String, source: minijinja::Error },
}

/// The compiled templates and the assets folder; cheap to clone.
#[derive(Clone)]
pub struct Pages {
    inner: Arc<Inner>,
}

struct Inner {
    env: Environment<'static>,
    /// `/assets/<name>?v=<hash>` by asset name.
    asset_urls: BTreeMap<&'static str, String>,
    /// Customers' join pages, rendered and compressed once per look.
    prepared: prepared::PreparedPages,
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages").field("asset_urls", &self.inner.asset_urls).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinState {
    Ready,
    Expired,
    Completed,
    Unknown,
}

/// The contact center's brand as stored (colours already validated).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JoinBrand {
    pub display_name: String,
    pub logo_url: Option<String>,
    pub primary_colour: String,
    pub accent_colour: String,
    pub headline: String,
    pub button_text: String,
    pub locale: String,
}

impl From<escalate_domain::contact_center::Branding> for JoinBrand {
    fn from(b: escalate_domain::contact_center::Branding) -> Self {
        Self {
            display_name: b.display_name,
            logo_url: b.logo_url,
            primary_colour: b.primary_colour,
            accent_colour: b.accent_colour,
            headline: b.headline,
            button_text: b.button_text,
            locale: b.locale,
        }
        .localised()
    }
}

impl JoinBrand {
    /// Wording left at a default reads in the page's locale (settings saved
    /// before defaults followed the locale still hold the English ones).
    pub fn localised(mut self) -> Self {
        use escalate_domain::contact_center::{WordingField, localised};
        self.headline = localised(WordingField::Headline, &self.headline, &self.locale).to_owned();
        self.button_text = localised(WordingField::ButtonText, &self.button_text, &self.locale).to_owned();
        self
    }
}

#[derive(Debug, Clone)]
pub struct JoinPageView {
    pub code: String,
    pub state: JoinState,
    /// The brand for `Ready` and `Completed`; ignored for `Expired` and
    /// `Unknown`, which render one neutral page.
    pub brand: Option<JoinBrand>,
    /// Who carries the call: the ready page loads twilio-video only for Twilio.
    pub provider: VideoProvider,
    /// The dashboard's test call: the same page, for the agent.
    pub agent: Option<AgentCall>,
    /// The call is recorded: the customer is told and must agree before joining.
    pub recording: bool,
    /// The language of an unbranded page (an unknown or expired link, the
    /// limit page): the visitor's browser's, since no brand says otherwise.
    pub visitor_locale: &'static str,
}

/// What the join page needs to be the agent's side of a test call.
#[derive(Debug, Clone)]
pub struct AgentCall {
    pub token_url: String,
    pub end_url: String,
    /// Where the agent's snapshots of the customer's video go (the API's, with the session cookie).
    pub snapshots_url: String,
    pub csrf: String,
    pub customer_url: String,
    pub back_url: String,
}

impl JoinPageView {
    /// A customer's view of a code (Twilio unless [`Self::with_provider`] says otherwise).
    pub fn new(code: impl Into<String>, state: JoinState, brand: Option<JoinBrand>) -> Self {
        Self {
            code: code.into(),
            state,
            brand,
            provider: VideoProvider::Twilio,
            agent: None,
            recording: false,
            visitor_locale: "en",
        }
    }

    /// The language for the page if it has no brand, from `Accept-Language`.
    pub fn for_visitor(mut self, accept_language: Option<&str>) -> Self {
        self.visitor_locale = i18n::negotiate(accept_language);
        self
    }

    pub fn with_recording(mut self, recording: bool) -> Self {
        self.recording = recording;
        self
    }

    pub fn with_provider(mut self, provider: VideoProvider) -> Self {
        self.provider = provider;
        self
    }
}

impl Pages {
    /// Reads and compiles every `*.html` in `templates/`. Fails if a
    /// required template or a versioned asset is missing, or a template does
    /// not compile: a page that references what is not there should stop the
    /// start, not reach a customer.
    pub fn load(files: &DashboardFiles) -> Result<Self, PagesError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Auto-escaping follows the file name: on for .html (minijinja's default).
        let mut names = Vec::new();
        for (name, source) in files.templates("templates")? {
            env.add_template_owned(name.clone(), source)
                .map_err(|source| PagesError::Template { name: name.clone(), source })?;
            names.push(name);
        }
        for name in REQUIRED_TEMPLATES {
            if !names.iter().any(|n| n == name) {
                return Err(PagesError::Missing { name, from: files.describe() });
            }
        }
        // Templates with `{% extends %}`/`{% include %}` are only checked when
        // rendered; catch a broken reference now rather than on a customer.
        for name in &names {
            env.get_template(name).map_err(|source| PagesError::Template { name: name.clone(), source })?;
        }

        let mut asset_urls = BTreeMap::new();
        for name in VERSIONED_ASSETS {
            let bytes =
                files.asset_blocking("assets", name).ok_or(PagesError::Missing { name, from: files.describe() })?;
            asset_urls.insert(name, format!("/assets/{name}?v={}", hex8(&Sha256::digest(&bytes))));
        }
        let pages = Self { inner: Arc::new(Inner { env, asset_urls, prepared: prepared::PreparedPages::new() }) };
        // Every state must render; a template error should stop the start, not a customer.
        for state in [JoinState::Ready, JoinState::Completed, JoinState::Unknown] {
            let view = JoinPageView::new("CHECK", state, Some(sample_brand()));
            pages
                .render_join(&view, "check", None)
                .map_err(|source| PagesError::Template { name: "join.html".into(), source })?;
        }
        pages
            .render_join(&JoinPageView::new("", JoinState::Unknown, None), "", Some(1))
            .map_err(|source| PagesError::Template { name: "join.html".into(), source })?;
        Ok(pages)
    }

    /// The join page for `view`: status (200 ready, 410 completed, 404 for
    /// unknown and expired alike), security headers and HTML. Unknown and
    /// expired codes get the very same bytes and headers.
    pub fn join_page(&self, view: &JoinPageView) -> Response {
        let nonce = new_nonce();
        self.join_page_with_nonce(view, &nonce)
    }

    pub(crate) fn join_page_with_nonce(&self, view: &JoinPageView, nonce: &str) -> Response {
        let page = effective(view);
        let status = match page.state {
            JoinState::Ready => StatusCode::OK,
            JoinState::Completed => StatusCode::GONE,
            JoinState::Expired | JoinState::Unknown => StatusCode::NOT_FOUND,
        };
        let html = match self.render_join(view, nonce, None) {
            Ok(html) => html,
            Err(err) => {
                tracing::error!(error = %err, "join page does not render");
                return security_headers(
                    Response::builder().status(StatusCode::INTERNAL_SERVER_ERROR),
                    &csp(None, None),
                )
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body("This page is unavailable right now. Please try again in a moment.");
            }
        };
        let nonce = page.branded.then_some(nonce);
        security_headers(Response::builder().status(status), &csp(nonce, page.logo_origin.as_deref()))
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(html)
    }

    /// The page for a client over the failed look-up limit (the code was not
    /// looked up): neutral like the invalid page, 429 with `Retry-After`.
    pub fn join_rate_limited(&self, retry_after_secs: u64, accept_language: Option<&str>) -> Response {
        let secs = retry_after_secs.max(1);
        let view = JoinPageView::new("", JoinState::Unknown, None).for_visitor(accept_language);
        let builder = security_headers(Response::builder().status(StatusCode::TOO_MANY_REQUESTS), &csp(None, None))
            .header(header::RETRY_AFTER, secs.to_string())
            .header(header::VARY, "Accept-Language");
        match self.render_join(&view, "", Some(secs)) {
            Ok(html) => builder.header(header::CONTENT_TYPE, "text/html; charset=utf-8").body(html),
            Err(err) => {
                tracing::error!(error = %err, "rate-limit page does not render");
                builder
                    .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                    .body("Too many attempts. Please try again later.")
            }
        }
    }

    fn render_join(
        &self,
        view: &JoinPageView,
        nonce: &str,
        retry_after: Option<u64>,
    ) -> Result<String, minijinja::Error> {
        let page = effective(view);
        let t = i18n::strings(&page.locale);
        let (primary, accent) = (page.primary.as_str(), page.accent.as_str());
        let state = match (page.state, retry_after) {
            (_, Some(_)) => "rate_limited",
            (JoinState::Ready, None) => "ready",
            (JoinState::Completed, None) => "completed",
            (JoinState::Expired | JoinState::Unknown, None) => "invalid",
        };
        let brand = view.brand.as_ref().filter(|_| page.branded);
        let ctx = context! {
            state => state,
            retry_after => retry_after.map(|s| s.to_string()),
            lang => t.lang,
            t => t.to_map(),
            branded => page.branded,
            nonce => (page.branded && !nonce.is_empty()).then_some(nonce),
            // Only the ready page needs the code (for the token call); a
            // customer's prepared page has none and reads it from its address.
            code => (page.state == JoinState::Ready && !view.code.is_empty()).then_some(view.code.as_str()),
            display_name => brand.map(|b| b.display_name.as_str()),
            initials => brand.map(|b| initials(&b.display_name)),
            logo_url => page.logo_origin.as_ref().and(brand.and_then(|b| b.logo_url.as_deref())),
            headline => brand.map(|b| b.headline.as_str()),
            button_text => brand.map(|b| b.button_text.as_str()),
            primary => primary,
            primary_text => readable_text_on(primary),
            primary_dark => shade(primary, 0.82),
            accent => accent,
            accent_text => readable_text_on(accent),
            // Our own URLs (hex hash, fixed names): safe as they are.
            provider => view.provider.as_str(),
            recording => view.recording && page.state == JoinState::Ready,
            token_url => view.agent.as_ref().map(|a| a.token_url.as_str()),
            end_url => view.agent.as_ref().map(|a| a.end_url.as_str()),
            snapshots_url => view.agent.as_ref().map(|a| a.snapshots_url.as_str()),
            csrf => view.agent.as_ref().map(|a| a.csrf.as_str()),
            test_call => view.agent.as_ref().map(|a| context! { customer_url => a.customer_url.as_str(), back_url => a.back_url.as_str() }),
            waiting_text => view.agent.as_ref().map(|_| t.waiting_for_customer),
            left_text => view.agent.as_ref().map(|_| t.customer_left),
            assets => self.inner.asset_urls.iter().map(|(k, v)| (*k, minijinja::Value::from_safe_string(v.clone()))).collect::<BTreeMap<_, _>>(),
        };
        self.inner.env.get_template("join.html")?.render(ctx)
    }
}

/// What a view renders as: unknown and expired (and a ready or completed view
/// without a brand, which should not happen) collapse into one neutral page.
struct Effective {
    state: JoinState,
    branded: bool,
    locale: String,
    primary: String,
    accent: String,
    logo_origin: Option<String>,
}

fn effective(view: &JoinPageView) -> Effective {
    match (&view.state, &view.brand) {
        (JoinState::Ready | JoinState::Completed, Some(b)) => Effective {
            state: view.state,
            branded: true,
            locale: if i18n::strings(&b.locale).lang == b.locale { b.locale.clone() } else { "en".into() },
            primary: valid_colour(&b.primary_colour).unwrap_or(NEUTRAL_PRIMARY.into()),
            accent: valid_colour(&b.accent_colour).unwrap_or(NEUTRAL_PRIMARY.into()),
            logo_origin: b.logo_url.as_deref().and_then(logo_origin),
        },
        _ => Effective {
            state: JoinState::Unknown,
            branded: false,
            locale: view.visitor_locale.into(),
            primary: NEUTRAL_PRIMARY.into(),
            accent: NEUTRAL_PRIMARY.into(),
            logo_origin: None,
        },
    }
}

/// The origin of an https logo URL (for `img-src`); anything else is not shown.
fn logo_origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if parsed.scheme() != "https" || parsed.host_str().is_none() {
        return None;
    }
    Some(parsed.origin().ascii_serialization())
}

/// `#rgb` or `#rrggbb`, lower-cased and expanded to `#rrggbb`.
fn valid_colour(c: &str) -> Option<String> {
    let hex = c.strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let full = match hex.len() {
        3 => hex.chars().flat_map(|ch| [ch, ch]).collect::<String>(),
        6 => hex.to_owned(),
        _ => return None,
    };
    Some(format!("#{}", full.to_ascii_lowercase()))
}

fn rgb(c: &str) -> (u8, u8, u8) {
    let h = c.trim_start_matches('#');
    let p = |i: usize| u8::from_str_radix(h.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    (p(0), p(2), p(4))
}

fn luminance(c: &str) -> f64 {
    let (r, g, b) = rgb(c);
    let lin = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.03928 { s / 12.92 } else { ((s + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// WCAG contrast ratio of two `#rrggbb` colours.
pub fn contrast_ratio(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// White or near-black, whichever reads better on `bg`.
fn readable_text_on(bg: &str) -> &'static str {
    if contrast_ratio(bg, "#ffffff") >= contrast_ratio(bg, "#111827") { "#ffffff" } else { "#111827" }
}

/// `c` darkened by `factor` (hover states).
fn shade(c: &str, factor: f64) -> String {
    let (r, g, b) = rgb(c);
    let d = |v: u8| (f64::from(v) * factor).round() as u8;
    format!("#{:02x}{:02x}{:02x}", d(r), d(g), d(b))
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphanumeric())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

fn hex8(digest: &[u8]) -> String {
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

fn new_nonce() -> String {
    let mut bytes = [0u8; 18];
    rand::fill(&mut bytes[..]);
    STANDARD.encode(bytes)
}

fn sample_brand() -> JoinBrand {
    JoinBrand {
        display_name: "Check".into(),
        logo_url: Some("https://logo.example/l.png".into()),
        primary_colour: "#123456".into(),
        accent_colour: "#abc".into(),
        headline: "Check".into(),
        button_text: "Join".into(),
        locale: "en".into(),
    }
}

/// The page's Content-Security-Policy: scripts only from us, styles from us
/// plus the one nonced `<style>` with the brand colours, images from us and
/// the logo's origin, network only to us and Twilio.
pub fn csp(style_nonce: Option<&str>, logo_origin: Option<&str>) -> String {
    csp_allowing(style_nonce.map(|n| format!("'nonce-{n}'")).as_deref(), logo_origin)
}

/// The same policy with the brand's `<style>` allowed by `style_source`
/// (a `'nonce-…'` or a `'sha256-…'`).
fn csp_allowing(style_source: Option<&str>, logo_origin: Option<&str>) -> String {
    let style = match style_source {
        Some(s) => format!("style-src 'self' {s}"),
        None => "style-src 'self'".to_owned(),
    };
    let img = match logo_origin {
        Some(o) => format!("img-src 'self' data: {o}"),
        None => "img-src 'self' data:".to_owned(),
    };
    [
        "default-src 'none'",
        "script-src 'self'",
        &style,
        &img,
        "media-src 'self' blob:",
        "connect-src 'self' https://*.twilio.com wss://*.twilio.com",
        "font-src 'self'",
        "manifest-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
    ]
    .join("; ")
}

fn security_headers(builder: poem::ResponseBuilder, csp: &str) -> poem::ResponseBuilder {
    builder
        .header("Content-Security-Policy", csp)
        .header("Referrer-Policy", "no-referrer")
        .header("X-Frame-Options", "DENY")
        .header("X-Content-Type-Options", "nosniff")
        .header(header::CACHE_CONTROL, "no-store")
        .header(
            "Permissions-Policy",
            "camera=(self), microphone=(self), display-capture=(), geolocation=(), payment=(), usb=()",
        )
        .header("Cross-Origin-Opener-Policy", "same-origin")
        .header("X-Robots-Tag", "noindex, nofollow")
}

#[cfg(test)]
mod tests;
