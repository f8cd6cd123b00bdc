//! The `escalate` binary as a library, so the end-to-end tests start exactly
//! what production runs.

pub mod cli;
pub mod demo;
pub mod settings;
pub mod smoke;
pub mod startup;
pub mod telemetry;

pub use settings::Settings;
pub use startup::Application;
