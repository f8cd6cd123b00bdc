//! The customer's rating after a call: 1–5 stars and an optional comment,
//! at most one per escalation, kept on the escalation itself so the metrics
//! read it in the same scan as everything else.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Escalations {
    Table,
    Rating,
    RatingComment,
    RatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            integer_null(Escalations::Rating),
            string_len_null(Escalations::RatingComment, 1000),
            timestamp_with_time_zone_null(Escalations::RatedAt),
        ] {
            m.alter_table(Table::alter().table(Escalations::Table).add_column(column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Escalations::Rating, Escalations::RatingComment, Escalations::RatedAt] {
            m.alter_table(Table::alter().table(Escalations::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
