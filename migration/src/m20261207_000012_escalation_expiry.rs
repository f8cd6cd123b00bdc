//! Escalations whose customer link ran out with nobody in the call become
//! `expired` (a status like the others, in the same column). A sweeper on
//! every replica looks for open escalations past their expiry; this index
//! keeps that look cheap however many escalations a tenant has.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Escalations {
    Table,
    Status,
    ExpiresAt,
}

const INDEX: &str = "ix_escalations_status_expires";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(INDEX)
                .table(Escalations::Table)
                .col(Escalations::Status)
                .col(Escalations::ExpiresAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(INDEX).table(Escalations::Table).to_owned()).await
    }
}
