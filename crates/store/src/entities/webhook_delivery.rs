use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// In the order the deliveries were written (a database sequence).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `webhook-id`: the same on every attempt and replay of this delivery.
    pub message_id: String,
    pub tenant_id: Uuid,
    pub endpoint_id: Uuid,
    pub event_type: escalate_domain::webhook::EventType,
    pub escalation_id: Option<Uuid>,
    /// The body sent, as it will be signed.
    pub payload: Json,
    /// `pending`, `delivered` or `failed`.
    pub status: escalate_domain::webhook::DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// Claimed by a replica until then (a replica that dies lets it go).
    pub locked_until: Option<DateTimeUtc>,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    /// When it was last put in the queue (written, or replayed): retries
    /// stop a retry period after this.
    pub queued_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
