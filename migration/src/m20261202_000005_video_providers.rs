//! Video providers per contact center: the provider new escalations use, the
//! provider each escalation was made with (a contact center that switches
//! keeps its open calls where they are), and test calls started from the
//! dashboard, which the metrics leave out by default. Existing rows are
//! Twilio Video, as they were.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContactCenters {
    Table,
    VideoProvider,
}

#[derive(DeriveIden)]
enum Escalations {
    Table,
    VideoProvider,
    TestCall,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        m.alter_table(
            Table::alter()
                .table(ContactCenters::Table)
                .add_column(string_len(ContactCenters::VideoProvider, 16).default("twilio"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Escalations::Table)
                .add_column(string_len(Escalations::VideoProvider, 16).default("twilio"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Escalations::Table)
                .add_column(boolean(Escalations::TestCall).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Escalations::VideoProvider, Escalations::TestCall] {
            m.alter_table(Table::alter().table(Escalations::Table).drop_column(column).to_owned()).await?;
        }
        m.alter_table(Table::alter().table(ContactCenters::Table).drop_column(ContactCenters::VideoProvider).to_owned())
            .await
    }
}
