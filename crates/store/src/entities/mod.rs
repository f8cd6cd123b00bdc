//! sea-orm entities. Private to the store: the rest of the service sees the
//! `Model` records re-exported by `lib.rs` but can only query through the
//! tenant-scoped repositories.

pub mod api_key;
pub mod audit_event;
pub mod call_quality;
pub mod contact_center;
pub mod escalation;
pub mod escalation_event;
pub mod session;
pub mod snapshot;
pub mod tenant;
pub mod tenant_data_key;
pub mod twilio_credential;
pub mod user;
pub mod webhook_delivery;
pub mod webhook_endpoint;
