//! Snapshots of customers' video saved by agents, sealed with the tenant's
//! data key (the column holds no picture in the clear), and each contact
//! center's choice to allow them and for how long to keep them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Escalations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ContactCenters {
    Table,
    SnapshotsEnabled,
    SnapshotRetentionDays,
}

#[derive(DeriveIden)]
enum Snapshots {
    Table,
    Id,
    TenantId,
    ContactCenterId,
    EscalationId,
    TakenBy,
    ImageType,
    Width,
    Height,
    SizeBytes,
    Sealed,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            boolean(ContactCenters::SnapshotsEnabled).default(true).to_owned(),
            integer(ContactCenters::SnapshotRetentionDays).default(30).to_owned(),
        ] {
            m.alter_table(Table::alter().table(ContactCenters::Table).add_column(col).to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table(Snapshots::Table)
                .col(uuid(Snapshots::Id).primary_key())
                .col(uuid(Snapshots::TenantId))
                .col(uuid(Snapshots::ContactCenterId))
                .col(uuid(Snapshots::EscalationId))
                .col(string_len(Snapshots::TakenBy, 256))
                .col(string_len(Snapshots::ImageType, 16))
                .col(integer(Snapshots::Width))
                .col(integer(Snapshots::Height))
                .col(big_integer(Snapshots::SizeBytes))
                .col(blob(Snapshots::Sealed))
                .col(timestamp_with_time_zone(Snapshots::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Snapshots::Table, Snapshots::EscalationId)
                        .to(Escalations::Table, Escalations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_snapshots_escalation")
                .table(Snapshots::Table)
                .col(Snapshots::EscalationId)
                .col(Snapshots::CreatedAt)
                .to_owned(),
        )
        .await?;
        // The retention sweep reads the oldest first.
        m.create_index(
            Index::create().name("ix_snapshots_created").table(Snapshots::Table).col(Snapshots::CreatedAt).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Snapshots::Table).to_owned()).await?;
        for col in [ContactCenters::SnapshotsEnabled, ContactCenters::SnapshotRetentionDays] {
            m.alter_table(Table::alter().table(ContactCenters::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
