//! Flex Insights reporting per contact center (off by default; the slots of
//! the task's `conversations` attributes each figure goes to, as JSON, null
//! for the default), and on each escalation when its outcome was last
//! written into its Flex task, and how often writing it failed and when to
//! try again (a failing one waits, so it never holds up the others).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContactCenters {
    Table,
    InsightsEnabled,
    InsightsWorkspaceSid,
    InsightsMapping,
}

#[derive(DeriveIden)]
enum Escalations {
    Table,
    InsightsWrittenAt,
    InsightsAttempts,
    InsightsNextTryAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            boolean(ContactCenters::InsightsEnabled).default(false).to_owned(),
            string_len_null(ContactCenters::InsightsWorkspaceSid, 34).to_owned(),
            json_null(ContactCenters::InsightsMapping).to_owned(),
        ] {
            m.alter_table(Table::alter().table(ContactCenters::Table).add_column(col).to_owned()).await?;
        }
        for col in [
            timestamp_with_time_zone_null(Escalations::InsightsWrittenAt).to_owned(),
            integer(Escalations::InsightsAttempts).default(0).to_owned(),
            timestamp_with_time_zone_null(Escalations::InsightsNextTryAt).to_owned(),
        ] {
            m.alter_table(Table::alter().table(Escalations::Table).add_column(col).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [Escalations::InsightsWrittenAt, Escalations::InsightsAttempts, Escalations::InsightsNextTryAt] {
            m.alter_table(Table::alter().table(Escalations::Table).drop_column(col).to_owned()).await?;
        }
        for col in
            [ContactCenters::InsightsEnabled, ContactCenters::InsightsWorkspaceSid, ContactCenters::InsightsMapping]
        {
            m.alter_table(Table::alter().table(ContactCenters::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
