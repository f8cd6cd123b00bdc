//! The audit log: one row per admin action (who, when, from where, what it
//! acted on and what changed; never a secret), kept for the tenant's
//! retention period and then purged.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    TenantId,
    OccurredAt,
    Action,
    ActorKind,
    ActorId,
    ActorLabel,
    ClientIp,
    TargetKind,
    TargetId,
    Changes,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(pk_uuid(AuditEvents::Id))
                .col(uuid(AuditEvents::TenantId))
                .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                .col(string_len(AuditEvents::Action, 48))
                .col(string_len(AuditEvents::ActorKind, 16))
                .col(uuid_null(AuditEvents::ActorId))
                .col(string_len(AuditEvents::ActorLabel, 320))
                .col(string_len_null(AuditEvents::ClientIp, 64))
                .col(string_len_null(AuditEvents::TargetKind, 32))
                .col(string_len_null(AuditEvents::TargetId, 64))
                .col(json(AuditEvents::Changes))
                .foreign_key(
                    ForeignKey::create()
                        .from(AuditEvents::Table, AuditEvents::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // The log is read newest first per tenant, and purged by age.
        m.create_index(
            Index::create()
                .name("ix_audit_events_tenant_time")
                .table(AuditEvents::Table)
                .col(AuditEvents::TenantId)
                .col(AuditEvents::OccurredAt)
                .col(AuditEvents::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_events_time")
                .table(AuditEvents::Table)
                .col(AuditEvents::OccurredAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditEvents::Table).to_owned()).await
    }
}
