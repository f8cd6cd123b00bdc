//! A contact center as one request or session uses it: its record, and its
//! Twilio credentials opened at most once, only if something needs them.
//! Shared by the operations and the video providers, which both act on
//! "this contact center" without reading it twice.

use escalate_store::{ContactCenterRecord, TenantScope};
use escalate_twilio::Credentials;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::App;
use crate::error::AppResult;
use crate::services::credentials;

/// A contact center resolved once for a request, with its credentials
/// opened at most once (and only if the request needs them).
pub struct Center {
    pub scope: TenantScope,
    pub record: ContactCenterRecord,
    credentials: OnceCell<Credentials>,
}

impl Center {
    pub fn new(scope: TenantScope, record: ContactCenterRecord) -> Self {
        Self { scope, record, credentials: OnceCell::new() }
    }

    pub fn id(&self) -> Uuid {
        self.record.id
    }

    /// The contact center's Twilio credentials (`twilio_credentials_missing` without them).
    pub async fn credentials(&self, app: &App) -> AppResult<&Credentials> {
        self.credentials.get_or_try_init(|| credentials::load(app, self.scope, &self.record)).await
    }
}
