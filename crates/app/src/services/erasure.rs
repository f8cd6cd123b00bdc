//! Erasing one customer's traces from an escalation, for a data-protection
//! request: the rating's comment, the customer's chat (conversation), their
//! identities and the providers' raw payloads in the room events, the
//! snapshots, the webhook deliveries about it, and the call's recordings at Twilio. The anonymous figures the metrics need
//! (times, stars, quality) stay. Only a finished call can be erased (an open
//! one would gather new traces); the erasure is audited.

use chrono::Utc;
use escalate_domain::access::Permission;
use escalate_domain::audit::AuditAction;
use escalate_domain::escalation::Status;
use escalate_store::EscalationRecord;
use uuid::Uuid;

use super::audit::{self, Target};
use super::recordings;
use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::principal::Principal;

pub async fn erase(app: &App, by: &Principal, id: Uuid) -> AppResult<EscalationRecord> {
    let scope = by.require(Permission::ManageSettings)?;
    let e = app.store.escalation(scope, id).await?;
    if matches!(crate::records::status_now(&e), Status::Open | Status::Creating) {
        return Err(AppError::conflict(
            ErrorCode::EscalationStillOpen,
            "the call is still open: end it before erasing its customer's data",
        ));
    }
    // The recordings first: if Twilio cannot be reached, nothing is erased
    // yet and the admin can try again.
    let recordings_deleted = e.recorded && e.recordings_deleted_at.is_none();
    if recordings_deleted {
        recordings::delete_all(app, scope, e.id, e.contact_center_id, e.room_sid.as_deref()).await?;
        app.store.mark_recordings_deleted(scope, e.id, Utc::now()).await?;
    }
    let erased = app.store.erase_escalation(scope, id, Utc::now()).await?;
    let changes = serde_json::json!({ "recordings_deleted": recordings_deleted });
    audit::record(app, by, AuditAction::EscalationErased, Some(Target::new("escalation", id)), changes).await;
    Ok(erased)
}
