//! The records the core answers with, and the filters it takes: the HTTP
//! layer renders these and never reaches the store that keeps them.

pub use escalate_store::repos::{DeliveryFilter, EscalationFilter, Grouping};
pub use escalate_store::{
    ApiKeyRecord, AuditEventRecord, ContactCenterRecord, EscalationEventRecord, EscalationRecord, SessionRecord,
    TenantRecord, TenantScope, TenantUsage, UserRecord, WebhookDeliveryRecord, WebhookEndpointRecord,
};

/// An escalation's status now (see `Status::at`): every view shows this,
/// so an escalation is expired everywhere from the instant its link runs
/// out unused, before the sweeper writes it down.
pub fn status_now(e: &EscalationRecord) -> escalate_domain::escalation::Status {
    e.status_at(chrono::Utc::now())
}
