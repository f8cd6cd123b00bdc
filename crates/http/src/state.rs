//! What every request handler is given: the application core and what the
//! HTTP layer itself needs (its settings and the compiled pages). Holds no
//! state of its own: caches, limits and events live in the application core.

use std::sync::Arc;

use escalate_app::App;

use crate::config::HttpConfig;
use crate::dashboard::templates::Templates;
use crate::pages::Pages;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub app: App,
    pub http: HttpConfig,
    /// The customer join page's templates and assets.
    pub pages: Pages,
    /// The dashboard's templates.
    pub dashboard: Arc<Templates>,
}

/// Handlers reach the application core through `AppState` (it derefs to `App`): its operations and reads, never its store.
impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0.app
    }
}

impl AppState {
    pub fn new(app: App, http: HttpConfig, pages: Pages, dashboard: Arc<Templates>) -> Self {
        Self(Arc::new(Inner { app, http, pages, dashboard }))
    }

    pub fn app(&self) -> &App {
        &self.0.app
    }

    pub fn http(&self) -> &HttpConfig {
        &self.0.http
    }

    pub fn pages(&self) -> &Pages {
        &self.0.pages
    }

    pub fn dashboard(&self) -> &Templates {
        &self.0.dashboard
    }
}
