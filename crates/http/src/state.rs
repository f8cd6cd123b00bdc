//! Shared application state, cheap to clone into every request.

use std::sync::Arc;

use escalate_domain::vault::Keyring;
use escalate_store::Store;
use escalate_twilio::Twilio;
use redis::aio::ConnectionManager;

use crate::cache::Cache;
use crate::config::HttpConfig;
use crate::rate_limit::RateLimiter;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub keyring: Keyring,
    pub twilio: Twilio,
    pub config: HttpConfig,
    pub limiter: RateLimiter,
    pub cache: Cache,
    /// This replica's memory of the customer join path (codes, token material, blocks).
    pub join_cache: crate::services::join::JoinCache,
    pub redis: Option<ConnectionManager>,
    /// Templates and assets of the server-rendered pages, loaded at start.
    pub pages: crate::pages::Pages,
    pub metrics: crate::observability::SharedMetrics,
    /// Tells other replicas about changes (Redis pub/sub).
    pub events: crate::events::EventBus,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }
}
