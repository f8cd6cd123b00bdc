use sea_orm::entity::prelude::*;

// Serialize: the audit log records what a change changed, field by field.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "contact_centers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub slug: String,
    pub display_name: String,
    pub logo_url: Option<String>,
    pub primary_colour: String,
    pub accent_colour: String,
    pub headline: String,
    pub button_text: String,
    pub locale: String,
    pub message_template: String,
    pub code_ttl_seconds: i64,
    pub token_ttl_seconds: i64,
    pub room_type: escalate_domain::contact_center::RoomType,
    pub empty_room_timeout_minutes: i32,
    pub unused_room_timeout_minutes: i32,
    pub max_participants: Option<i32>,
    pub time_zone: String,
    pub conversations_service_sid: Option<String>,
    pub video_provider: escalate_domain::contact_center::VideoProvider,
    /// Record calls (Twilio Video), with the customer's consent.
    pub record_calls: bool,
    pub recording_retention_days: i32,
    /// Agents may save snapshots of the customer's video.
    pub snapshots_enabled: bool,
    pub snapshot_retention_days: i32,
    /// Write escalations' outcomes into their Flex tasks for Flex Insights.
    pub insights_enabled: bool,
    pub insights_workspace_sid: Option<String>,
    /// `escalate_domain::insights::Mapping` as JSON; null is the default.
    pub insights_mapping: Option<Json>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
