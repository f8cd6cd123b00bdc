//! Who is calling: the security schemes of the API (they appear in the
//! OpenAPI document and resolve the caller before a handler runs), session
//! cookies and the operator's signed cookie. Deciding what a caller may do
//! is the application core's (`escalate_app::Principal`).

pub mod agent;
pub mod asker;
mod extract;
pub mod operator_session;
pub mod session;

pub use escalate_app::{Actor, Principal};
pub use extract::{OperatorAuth, SessionAuth, TenantAuth, client_ip};
