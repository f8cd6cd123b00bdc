//! A customer's traces can be erased from an escalation (a data-protection
//! request): this column says when, so the API and the dashboard can say
//! so and the figures that stay (times, stars) are known to be anonymous.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Escalations {
    Table,
    ErasedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Escalations::Table)
                .add_column(timestamp_with_time_zone_null(Escalations::ErasedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Escalations::Table).drop_column(Escalations::ErasedAt).to_owned()).await
    }
}
