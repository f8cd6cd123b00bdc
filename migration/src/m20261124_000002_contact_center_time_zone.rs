//! A contact center's reporting time zone: its metrics' days and hours are
//! local days and hours there. Existing contact centers keep reporting in UTC.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContactCenters {
    Table,
    TimeZone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ContactCenters::Table)
                .add_column(string_len(ContactCenters::TimeZone, 64).default("UTC"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(ContactCenters::Table).drop_column(ContactCenters::TimeZone).to_owned())
            .await
    }
}
