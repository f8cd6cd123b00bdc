//! The records the core answers with, and the filters it takes: the HTTP
//! layer renders these and never reaches the store that keeps them.

pub use escalate_store::repos::{DeliveryFilter, EscalationFilter, Grouping};
pub use escalate_store::{
    ApiKeyRecord, AuditEventRecord, ContactCenterRecord, EscalationEventRecord, EscalationRecord, SessionRecord,
    TenantRecord, TenantScope, TenantUsage, UserRecord, WebhookDeliveryRecord, WebhookEndpointRecord,
};
