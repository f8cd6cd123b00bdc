//! CORS for the Flex plugin: Flex runs on Twilio's origin and calls this
//! API with a bearer token. Only configured origins are allowed, without
//! credentials (cookies never cross origins, which keeps the dashboard's
//! session out of reach). Applied in the outermost layer so error responses
//! carry the headers too: a browser must be able to read a problem body.

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Request, Response};

const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
const ALLOW_HEADERS: &str = "Authorization, Content-Type, Idempotency-Key, X-Request-Id";
const EXPOSE_HEADERS: &str = "X-Request-Id, Retry-After, Content-Disposition";

#[derive(Debug, Clone, Default)]
pub struct CorsPolicy {
    origins: Vec<String>,
}

impl CorsPolicy {
    /// Exact origins (`https://flex.twilio.com`); `*` allows any.
    pub fn new(origins: impl IntoIterator<Item = String>) -> Self {
        Self {
            origins: origins
                .into_iter()
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
        }
    }

    fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == "*" || o == origin)
    }

    /// The answer to a preflight request, if this is one.
    pub fn preflight(&self, req: &Request) -> Option<Response> {
        if req.method() != Method::OPTIONS || req.header(header::ACCESS_CONTROL_REQUEST_METHOD).is_none() {
            return None;
        }
        let origin = req.header(header::ORIGIN)?;
        let mut resp = Response::builder().status(StatusCode::NO_CONTENT).finish();
        if self.allows(origin) {
            let h = resp.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
            self.decorate(&mut resp, Some(origin));
        }
        Some(resp)
    }

    /// Adds the CORS headers to a response for an allowed origin.
    pub fn decorate(&self, resp: &mut Response, origin: Option<&str>) {
        let h = resp.headers_mut();
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        let Some(origin) = origin.filter(|o| self.allows(o)) else { return };
        if let Ok(v) = HeaderValue::from_str(origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
            h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
        }
    }
}
