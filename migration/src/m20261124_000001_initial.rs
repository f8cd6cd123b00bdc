//! Tenants, users, sessions, API keys, contact centers, encrypted Twilio
//! credentials, escalations and their events.
//!
//! Every tenant-owned table carries `tenant_id` (with an index that starts
//! with it) so each query can be scoped by tenant and stay cheap.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Name,
    Slug,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TenantDataKeys {
    Table,
    TenantId,
    KeyId,
    WrappedKey,
    CreatedAt,
    RotatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    TenantId,
    Email,
    PasswordHash,
    Role,
    CreatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TenantId,
    UserId,
    TokenHash,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    TenantId,
    Name,
    Prefix,
    KeyHash,
    Scopes,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ContactCenters {
    Table,
    Id,
    TenantId,
    Name,
    Slug,
    DisplayName,
    LogoUrl,
    PrimaryColour,
    AccentColour,
    Headline,
    ButtonText,
    Locale,
    MessageTemplate,
    CodeTtlSeconds,
    TokenTtlSeconds,
    RoomType,
    EmptyRoomTimeoutMinutes,
    UnusedRoomTimeoutMinutes,
    MaxParticipants,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TwilioCredentials {
    Table,
    ContactCenterId,
    TenantId,
    AccountSid,
    ApiKeySid,
    ApiKeySecretCiphertext,
    AuthTokenCiphertext,
    VerifiedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Escalations {
    Table,
    Id,
    TenantId,
    ContactCenterId,
    IdempotencyKey,
    TaskSid,
    ConversationSid,
    AgentIdentity,
    AgentName,
    RoomSid,
    RoomName,
    Code,
    Status,
    MessageSid,
    CreatedAt,
    ExpiresAt,
    RoomCreatedAt,
    AgentJoinedAt,
    CustomerJoinedAt,
    EndedAt,
    DurationSeconds,
    FailureReason,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EscalationEvents {
    Table,
    Id,
    TenantId,
    ContactCenterId,
    EscalationId,
    RoomSid,
    SequenceNumber,
    Event,
    ParticipantSid,
    ParticipantIdentity,
    OccurredAt,
    ReceivedAt,
    Payload,
}

fn tenant_fk(table: impl IntoIden + 'static, col: impl IntoIden + 'static) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Tenants::Table)
                .col(pk_uuid(Tenants::Id))
                .col(string_len(Tenants::Name, 200))
                .col(string_len_uniq(Tenants::Slug, 48))
                .col(timestamp_with_time_zone(Tenants::CreatedAt))
                .col(timestamp_with_time_zone(Tenants::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TenantDataKeys::Table)
                .col(uuid(TenantDataKeys::TenantId).primary_key())
                .col(string_len(TenantDataKeys::KeyId, 32))
                .col(blob(TenantDataKeys::WrappedKey))
                .col(timestamp_with_time_zone(TenantDataKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(TenantDataKeys::RotatedAt))
                .foreign_key(&mut tenant_fk(TenantDataKeys::Table, TenantDataKeys::TenantId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_tenant_data_keys_key_id")
                .table(TenantDataKeys::Table)
                .col(TenantDataKeys::KeyId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(uuid(Users::TenantId))
                // Sign-in is by email alone, so an address belongs to one tenant.
                .col(string_len_uniq(Users::Email, 254))
                .col(string_len(Users::PasswordHash, 200))
                .col(string_len(Users::Role, 16))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                .foreign_key(&mut tenant_fk(Users::Table, Users::TenantId))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_users_tenant").table(Users::Table).col(Users::TenantId).to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(pk_uuid(Sessions::Id))
                .col(uuid(Sessions::TenantId))
                .col(uuid(Sessions::UserId))
                .col(blob(Sessions::TokenHash))
                .col(string_len(Sessions::CsrfToken, 64))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .foreign_key(&mut tenant_fk(Sessions::Table, Sessions::TenantId))
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_sessions_token_hash")
                .table(Sessions::Table)
                .col(Sessions::TokenHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_sessions_user").table(Sessions::Table).col(Sessions::UserId).to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(pk_uuid(ApiKeys::Id))
                .col(uuid(ApiKeys::TenantId))
                .col(string_len(ApiKeys::Name, 100))
                .col(string_len_uniq(ApiKeys::Prefix, 16))
                .col(blob(ApiKeys::KeyHash))
                .col(string_len(ApiKeys::Scopes, 200))
                .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                .foreign_key(&mut tenant_fk(ApiKeys::Table, ApiKeys::TenantId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_api_keys_tenant").table(ApiKeys::Table).col(ApiKeys::TenantId).to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ContactCenters::Table)
                .col(pk_uuid(ContactCenters::Id))
                .col(uuid(ContactCenters::TenantId))
                .col(string_len(ContactCenters::Name, 100))
                .col(string_len(ContactCenters::Slug, 48))
                .col(string_len(ContactCenters::DisplayName, 100))
                .col(string_len_null(ContactCenters::LogoUrl, 2000))
                .col(string_len(ContactCenters::PrimaryColour, 7))
                .col(string_len(ContactCenters::AccentColour, 7))
                .col(string_len(ContactCenters::Headline, 800))
                .col(string_len(ContactCenters::ButtonText, 160))
                .col(string_len(ContactCenters::Locale, 8))
                .col(text(ContactCenters::MessageTemplate))
                .col(big_integer(ContactCenters::CodeTtlSeconds))
                .col(big_integer(ContactCenters::TokenTtlSeconds))
                .col(string_len(ContactCenters::RoomType, 16))
                .col(integer(ContactCenters::EmptyRoomTimeoutMinutes))
                .col(integer(ContactCenters::UnusedRoomTimeoutMinutes))
                .col(integer_null(ContactCenters::MaxParticipants))
                .col(timestamp_with_time_zone(ContactCenters::CreatedAt))
                .col(timestamp_with_time_zone(ContactCenters::UpdatedAt))
                .foreign_key(&mut tenant_fk(ContactCenters::Table, ContactCenters::TenantId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_contact_centers_tenant_slug")
                .table(ContactCenters::Table)
                .col(ContactCenters::TenantId)
                .col(ContactCenters::Slug)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TwilioCredentials::Table)
                .col(uuid(TwilioCredentials::ContactCenterId).primary_key())
                .col(uuid(TwilioCredentials::TenantId))
                .col(string_len(TwilioCredentials::AccountSid, 34))
                .col(string_len(TwilioCredentials::ApiKeySid, 34))
                .col(blob(TwilioCredentials::ApiKeySecretCiphertext))
                .col(blob(TwilioCredentials::AuthTokenCiphertext))
                .col(timestamp_with_time_zone_null(TwilioCredentials::VerifiedAt))
                .col(timestamp_with_time_zone(TwilioCredentials::CreatedAt))
                .col(timestamp_with_time_zone(TwilioCredentials::UpdatedAt))
                .foreign_key(&mut tenant_fk(TwilioCredentials::Table, TwilioCredentials::TenantId))
                .foreign_key(
                    ForeignKey::create()
                        .from(TwilioCredentials::Table, TwilioCredentials::ContactCenterId)
                        .to(ContactCenters::Table, ContactCenters::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Escalations::Table)
                .col(pk_uuid(Escalations::Id))
                .col(uuid(Escalations::TenantId))
                .col(uuid(Escalations::ContactCenterId))
                .col(string_len_null(Escalations::IdempotencyKey, 200))
                .col(string_len(Escalations::TaskSid, 64))
                .col(string_len(Escalations::ConversationSid, 64))
                .col(string_len(Escalations::AgentIdentity, 200))
                .col(string_len_null(Escalations::AgentName, 200))
                .col(string_len_null(Escalations::RoomSid, 34))
                .col(string_len(Escalations::RoomName, 128))
                .col(string_len_uniq(Escalations::Code, 16))
                .col(string_len(Escalations::Status, 16))
                .col(string_len_null(Escalations::MessageSid, 34))
                .col(timestamp_with_time_zone(Escalations::CreatedAt))
                .col(timestamp_with_time_zone(Escalations::ExpiresAt))
                .col(timestamp_with_time_zone_null(Escalations::RoomCreatedAt))
                .col(timestamp_with_time_zone_null(Escalations::AgentJoinedAt))
                .col(timestamp_with_time_zone_null(Escalations::CustomerJoinedAt))
                .col(timestamp_with_time_zone_null(Escalations::EndedAt))
                .col(big_integer_null(Escalations::DurationSeconds))
                .col(string_len_null(Escalations::FailureReason, 500))
                .col(timestamp_with_time_zone(Escalations::UpdatedAt))
                .foreign_key(&mut tenant_fk(Escalations::Table, Escalations::TenantId))
                .foreign_key(
                    ForeignKey::create()
                        .from(Escalations::Table, Escalations::ContactCenterId)
                        .to(ContactCenters::Table, ContactCenters::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // A retried or double-clicked request finds its escalation here.
        m.create_index(
            Index::create()
                .name("ux_escalations_idempotency")
                .table(Escalations::Table)
                .col(Escalations::ContactCenterId)
                .col(Escalations::IdempotencyKey)
                .unique()
                .to_owned(),
        )
        .await?;
        // Metrics and listings read one contact center over a time range.
        m.create_index(
            Index::create()
                .name("ix_escalations_cc_created")
                .table(Escalations::Table)
                .col(Escalations::ContactCenterId)
                .col(Escalations::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_escalations_tenant_created")
                .table(Escalations::Table)
                .col(Escalations::TenantId)
                .col(Escalations::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_escalations_room_sid")
                .table(Escalations::Table)
                .col(Escalations::RoomSid)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(EscalationEvents::Table)
                .col(pk_uuid(EscalationEvents::Id))
                .col(uuid(EscalationEvents::TenantId))
                .col(uuid(EscalationEvents::ContactCenterId))
                .col(uuid_null(EscalationEvents::EscalationId))
                .col(string_len(EscalationEvents::RoomSid, 34))
                .col(big_integer(EscalationEvents::SequenceNumber))
                .col(string_len(EscalationEvents::Event, 64))
                .col(string_len_null(EscalationEvents::ParticipantSid, 34))
                .col(string_len_null(EscalationEvents::ParticipantIdentity, 200))
                .col(timestamp_with_time_zone(EscalationEvents::OccurredAt))
                .col(timestamp_with_time_zone(EscalationEvents::ReceivedAt))
                .col(json(EscalationEvents::Payload))
                .foreign_key(&mut tenant_fk(EscalationEvents::Table, EscalationEvents::TenantId))
                .foreign_key(
                    ForeignKey::create()
                        .from(EscalationEvents::Table, EscalationEvents::EscalationId)
                        .to(Escalations::Table, Escalations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // Twilio repeats callbacks; this is what makes applying them idempotent.
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
        .await?;
        m.create_index(
            Index::create()
                .name("ix_escalation_events_escalation")
                .table(EscalationEvents::Table)
                .col(EscalationEvents::EscalationId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            EscalationEvents::Table.into_iden(),
            Escalations::Table.into_iden(),
            TwilioCredentials::Table.into_iden(),
            ContactCenters::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            TenantDataKeys::Table.into_iden(),
            Tenants::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
