//! Recording with consent (Twilio Video): a contact-center setting and its
//! retention period; on each escalation whether its rooms record, when the
//! customer agreed, and when the recordings were deleted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContactCenters {
    Table,
    RecordCalls,
    RecordingRetentionDays,
}

#[derive(DeriveIden)]
enum Escalations {
    Table,
    Recorded,
    RecordingConsentAt,
    RecordingsDeletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            boolean(ContactCenters::RecordCalls).default(false).to_owned(),
            integer(ContactCenters::RecordingRetentionDays).default(30).to_owned(),
        ] {
            m.alter_table(Table::alter().table(ContactCenters::Table).add_column(column).to_owned()).await?;
        }
        for column in [
            boolean(Escalations::Recorded).default(false).to_owned(),
            timestamp_with_time_zone_null(Escalations::RecordingConsentAt),
            timestamp_with_time_zone_null(Escalations::RecordingsDeletedAt),
        ] {
            m.alter_table(Table::alter().table(Escalations::Table).add_column(column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Escalations::Recorded, Escalations::RecordingConsentAt, Escalations::RecordingsDeletedAt] {
            m.alter_table(Table::alter().table(Escalations::Table).drop_column(column).to_owned()).await?;
        }
        for column in [ContactCenters::RecordCalls, ContactCenters::RecordingRetentionDays] {
            m.alter_table(Table::alter().table(ContactCenters::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
