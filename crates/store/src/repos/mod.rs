//! Tenant-scoped repositories: every method takes the caller's [`TenantScope`]
//! and filters by it, so another tenant's id simply finds nothing.
//!
//! [`TenantScope`]: crate::TenantScope

mod api_keys;
mod audit;
mod contact_centers;
mod credentials;
mod escalations;
mod metrics;
mod quality;
mod snapshots;
mod tenants;
mod users;
pub mod webhooks;

pub use audit::{AuditFilter, NewAuditEvent};
pub use contact_centers::ContactCenterInput;
pub use credentials::NewCredentials;
pub use escalations::{EscalationFilter, EventOutcome, NewEscalation, NewEvent, RateOutcome, RoomCallback};
pub use metrics::{Breakdown, FigureRow, Grouping, MetricsQuery};
pub use quality::SideQuality;
pub use snapshots::{NewSnapshot, SnapshotInfo, SnapshotOutcome};
pub use users::NewSession;
pub use webhooks::{AttemptOutcome, DeliveryFilter, NewWebhookEndpoint, WebhookEndpointPatch, WebhookEvent};
