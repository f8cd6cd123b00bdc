//! Master key rotation: rewrap every tenant's data key under the active
//! master key. Secrets themselves are not re-encrypted (envelope encryption),
//! so this is quick, and safe to run while the service serves: replicas that
//! have both keys configured read either form.

use chrono::Utc;
use escalate_domain::vault::{DataKey, Keyring};
use escalate_store::{Store, TenantScope};

use crate::App;
use crate::error::{AppError, AppResult};

/// The tenant's data key, unwrapped with the master key that wrapped it:
/// what seals and opens the tenant's secrets (Twilio credentials, webhook
/// signing secrets).
pub(crate) async fn data_key(app: &App, scope: TenantScope) -> AppResult<DataKey> {
    app.keyring.unwrap(scope.tenant_id(), &app.store.data_key(scope).await?).map_err(AppError::internal)
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct RotationReport {
    pub total: usize,
    pub rewrapped: usize,
    pub already_current: usize,
}

/// Runs from the CLI, which has a store and a keyring but no running service.
pub async fn rotate(store: &Store, keyring: &Keyring) -> AppResult<RotationReport> {
    let mut report = RotationReport::default();
    let unscoped = store.unscoped();
    for (tenant_id, wrapped) in unscoped.all_data_keys().await? {
        report.total += 1;
        match keyring.rewrap(tenant_id, &wrapped).map_err(AppError::internal)? {
            None => report.already_current += 1,
            Some(new) => {
                // Compare-and-swap: if another rotation got there first, the
                // row already holds a key wrapped by the active master key.
                if unscoped.replace_data_key(tenant_id, &wrapped, new, Utc::now()).await? {
                    report.rewrapped += 1;
                } else {
                    report.already_current += 1;
                }
            }
        }
    }
    Ok(report)
}
