//! Database schema, as ordered sea-orm migrations. Works on PostgreSQL and SQLite.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_initial;
mod m20261124_000002_contact_center_time_zone;
mod m20261202_000003_callbacks_per_contact_center;
mod m20261202_000004_twilio_location_and_services;
mod m20261202_000005_video_providers;
mod m20261206_000006_audit_log;
mod m20261206_000007_webhooks;
mod m20261206_000008_ratings;
mod m20261206_000009_recording;
mod m20261207_000010_user_email_per_tenant;
mod m20261207_000011_call_quality;
mod m20261207_000012_escalation_expiry;
mod m20261207_000013_erasure;
mod m20261207_000014_snapshots;
mod m20261207_000015_flex_insights;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_initial::Migration),
            Box::new(m20261124_000002_contact_center_time_zone::Migration),
            Box::new(m20261202_000003_callbacks_per_contact_center::Migration),
            Box::new(m20261202_000004_twilio_location_and_services::Migration),
            Box::new(m20261202_000005_video_providers::Migration),
            Box::new(m20261206_000006_audit_log::Migration),
            Box::new(m20261206_000007_webhooks::Migration),
            Box::new(m20261206_000008_ratings::Migration),
            Box::new(m20261206_000009_recording::Migration),
            Box::new(m20261207_000010_user_email_per_tenant::Migration),
            Box::new(m20261207_000011_call_quality::Migration),
            Box::new(m20261207_000012_escalation_expiry::Migration),
            Box::new(m20261207_000013_erasure::Migration),
            Box::new(m20261207_000014_snapshots::Migration),
            Box::new(m20261207_000015_flex_insights::Migration),
        ]
    }
}
