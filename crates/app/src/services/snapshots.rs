//! Snapshots: stills of the customer's video an agent saves to an
//! escalation during the call. The picture is checked (a JPEG or PNG within
//! bounds, read from its own header), sealed with the tenant's data key
//! before it reaches the store, and opened only for an admin's download,
//! which is audited like a deletion. One replica deletes them once their
//! contact center's retention period is over.

use chrono::Utc;
use escalate_domain::access::Permission;
use escalate_domain::audit::AuditAction;
use escalate_domain::snapshot::{self, Refused};
pub use escalate_store::repos::SnapshotInfo;
use escalate_store::repos::{NewSnapshot, SnapshotOutcome};
use uuid::Uuid;

use super::audit::{self, Target};
use super::callers::{self, Caller, Credential};
use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::principal::Principal;

/// How often one replica deletes snapshots past retention.
const PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

fn refusal(r: Refused) -> AppError {
    match r {
        Refused::TooLarge => AppError::TooLarge { code: ErrorCode::SnapshotTooLarge, detail: r.to_string() },
        Refused::Empty | Refused::NotAnImage | Refused::BadDimensions => {
            AppError::UnsupportedMedia { code: ErrorCode::SnapshotNotAnImage, detail: r.to_string() }
        }
    }
}

/// Saves the agent's snapshot of an open escalation's call (the agent of
/// the escalation, a supervisor, or a tenant caller allowed to manage
/// escalations, such as the dashboard's test call).
pub async fn save(app: &App, credential: Credential<'_>, escalation_id: Uuid, bytes: &[u8]) -> AppResult<SnapshotInfo> {
    let (center, e, caller) =
        callers::for_escalation(app, credential, escalation_id, Permission::ManageEscalations).await?;
    if !center.record.snapshots_enabled {
        return Err(AppError::conflict(
            ErrorCode::SnapshotsDisabled,
            "this contact center does not allow snapshots (its snapshots.enabled setting)",
        ));
    }
    let picture = snapshot::inspect(bytes).map_err(refusal)?;
    let scope = center.scope;
    let id = Uuid::new_v4();
    let sealed =
        super::keys::data_key(app, scope).await?.seal_bytes(scope.tenant_id(), &snapshot::seal_context(id), bytes);
    let taken_by = match &caller {
        Caller::Flex(user) => user.identity.clone(),
        Caller::Tenant(p) => audit::actor(app, p).await.2,
    };
    let new = NewSnapshot { id, escalation_id: e.id, taken_by, picture, size_bytes: bytes.len(), sealed };
    match app.store.add_snapshot(scope, new, Utc::now()).await? {
        SnapshotOutcome::Saved(saved) => {
            app.webhooks_wake();
            Ok(saved)
        }
        SnapshotOutcome::NotOpen(status) => Err(AppError::conflict(
            ErrorCode::EscalationNotOpen,
            format!("the call is {status}: snapshots are taken during the call"),
        )),
        SnapshotOutcome::LimitReached => Err(AppError::conflict(
            ErrorCode::SnapshotLimitReached,
            format!("an escalation keeps at most {} snapshots", snapshot::MAX_PER_ESCALATION),
        )),
    }
}

/// An escalation's snapshots, without their pictures (admins).
pub async fn list(app: &App, by: &Principal, escalation_id: Uuid) -> AppResult<Vec<SnapshotInfo>> {
    let scope = by.require(Permission::ManageSettings)?;
    app.store.escalation(scope, escalation_id).await?;
    Ok(app.store.snapshots(scope, escalation_id).await?)
}

/// One snapshot's picture, opened for an admin; audited.
pub async fn download(app: &App, by: &Principal, escalation_id: Uuid, id: Uuid) -> AppResult<(SnapshotInfo, Vec<u8>)> {
    let scope = by.require(Permission::ManageSettings)?;
    let (info, sealed) = app.store.snapshot(scope, escalation_id, id).await?;
    let picture = super::keys::data_key(app, scope)
        .await?
        .open_bytes(scope.tenant_id(), &snapshot::seal_context(id), &sealed)
        .map_err(|err| {
            tracing::error!(error = %err, snapshot = %id, "a sealed snapshot did not open");
            AppError::Internal
        })?;
    let changes = serde_json::json!({ "snapshot_id": id });
    audit::record(app, by, AuditAction::SnapshotDownloaded, Some(Target::new("escalation", escalation_id)), changes)
        .await;
    Ok((info, picture))
}

/// Deletes one snapshot (admins); audited.
pub async fn delete(app: &App, by: &Principal, escalation_id: Uuid, id: Uuid) -> AppResult<()> {
    let scope = by.require(Permission::ManageSettings)?;
    app.store.delete_snapshot(scope, escalation_id, id).await?;
    let changes = serde_json::json!({ "snapshot_id": id });
    audit::record(app, by, AuditAction::SnapshotDeleted, Some(Target::new("escalation", escalation_id)), changes).await;
    Ok(())
}

/// Deletes the snapshots past their contact center's retention, across
/// tenants; how many.
pub async fn purge(app: &App, now: chrono::DateTime<Utc>) -> AppResult<u64> {
    Ok(app.store.unscoped().purge_snapshots(now).await?)
}

/// Purges once an hour, on one replica at a time.
pub fn spawn_purge(app: &App) {
    app.spawn_periodic("snapshot-purge", PURGE_INTERVAL, |app| async move {
        let n = purge(&app, Utc::now()).await?;
        Ok((n > 0).then(|| format!("deleted {n} snapshots past retention")))
    });
}
