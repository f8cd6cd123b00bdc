//! Room callbacks are deduplicated per contact center, not globally: a
//! callback another tenant signs with its own account and our room's SID
//! can no longer make ours look like a repeat. And escalations are found by
//! room name within a contact center through an index, not a scan.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EscalationEvents {
    Table,
    ContactCenterId,
    RoomSid,
    SequenceNumber,
    Event,
}

#[derive(DeriveIden)]
enum Escalations {
    Table,
    ContactCenterId,
    RoomName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ux_escalation_events_dedupe").table(EscalationEvents::Table).to_owned())
            .await?;
        m.create_index(
            Index::create()
                .name("ux_escalation_events_dedupe_cc")
                .table(EscalationEvents::Table)
                .col(EscalationEvents::ContactCenterId)
                .col(EscalationEvents::RoomSid)
                .col(EscalationEvents::SequenceNumber)
                .col(EscalationEvents::Event)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_escalations_cc_room_name")
                .table(Escalations::Table)
                .col(Escalations::ContactCenterId)
                .col(Escalations::RoomName)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_escalations_cc_room_name").table(Escalations::Table).to_owned()).await?;
        m.drop_index(Index::drop().name("ux_escalation_events_dedupe_cc").table(EscalationEvents::Table).to_owned())
            .await?;
        m.create_index(
            Index::create()
                .name("ux_escalation_events_dedupe")
                .table(EscalationEvents::Table)
                .col(EscalationEvents::RoomSid)
                .col(EscalationEvents::SequenceNumber)
                .col(EscalationEvents::Event)
                .unique()
                .to_owned(),
        )
        .await
    }
}
