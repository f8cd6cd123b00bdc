//! Pure domain logic for chat-to-video escalation. No I/O, no async runtime,
//! no framework types: everything here is testable without a database.

pub mod access;
pub mod api_key;
pub mod audit;
pub mod contact_center;
pub mod escalation;
pub mod insights;
pub mod lifecycle;
pub mod metrics;
pub mod names;
pub mod quality;
pub mod room_code;
pub mod secret;
pub mod snapshot;
pub mod validation;
pub mod vault;
pub mod webhook;

pub use secret::Secret;
