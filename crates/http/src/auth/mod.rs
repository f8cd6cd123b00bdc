//! Authentication (who is calling) and authorisation (may they).
//!
//! Tenant callers are users with a session cookie or integrations with an API
//! key; both become a [`Principal`] carrying the tenant scope every store call
//! needs. The platform operator authenticates with the configured token.

pub mod agent;
mod extract;
pub mod operator_session;
pub mod password;
mod principal;
pub mod session;

pub use extract::{OperatorAuth, SessionAuth, TenantAuth, authenticate_api_key, client_ip};
pub use principal::{Actor, Principal};
