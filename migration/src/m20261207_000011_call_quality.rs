//! How each call went, as both browsers measured it: one row per escalation
//! and side with the side's bounded sample history (see
//! `escalate_domain::quality`), and on the escalation whether the call was
//! poor, so the metrics read it in the same scan as everything else.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Escalations {
    Table,
    Id,
    QualityPoor,
}

#[derive(DeriveIden)]
enum CallQuality {
    Table,
    EscalationId,
    Side,
    TenantId,
    ContactCenterId,
    History,
    Samples,
    Poor,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(Escalations::Table).add_column(boolean_null(Escalations::QualityPoor)).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CallQuality::Table)
                .col(uuid(CallQuality::EscalationId))
                .col(string_len(CallQuality::Side, 16))
                .col(uuid(CallQuality::TenantId))
                .col(uuid(CallQuality::ContactCenterId))
                .col(json(CallQuality::History))
                .col(integer(CallQuality::Samples))
                .col(boolean(CallQuality::Poor))
                .col(timestamp_with_time_zone(CallQuality::UpdatedAt))
                .primary_key(Index::create().col(CallQuality::EscalationId).col(CallQuality::Side))
                .foreign_key(
                    ForeignKey::create()
                        .from(CallQuality::Table, CallQuality::EscalationId)
                        .to(Escalations::Table, Escalations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_call_quality_tenant")
                .table(CallQuality::Table)
                .col(CallQuality::TenantId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CallQuality::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(Escalations::Table).drop_column(Escalations::QualityPoor).to_owned()).await
    }
}
