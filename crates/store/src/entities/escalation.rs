use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub contact_center_id: Uuid,
    pub idempotency_key: Option<String>,
    pub task_sid: String,
    pub conversation_sid: String,
    pub agent_identity: String,
    pub agent_name: Option<String>,
    pub room_sid: Option<String>,
    pub room_name: String,
    pub code: String,
    pub status: escalate_domain::escalation::Status,
    pub message_sid: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub room_created_at: Option<DateTimeUtc>,
    pub agent_joined_at: Option<DateTimeUtc>,
    pub customer_joined_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub duration_seconds: Option<i64>,
    pub failure_reason: Option<String>,
    pub updated_at: DateTimeUtc,
    pub video_provider: escalate_domain::contact_center::VideoProvider,
    pub test_call: bool,
    /// The customer's stars (1–5), at most one rating per escalation.
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
    /// Its rooms record participants (the contact center recorded calls when it was made).
    pub recorded: bool,
    /// When the customer agreed to the recording (the join page asks first).
    pub recording_consent_at: Option<DateTimeUtc>,
    /// When its recordings were deleted at the end of the retention period.
    pub recordings_deleted_at: Option<DateTimeUtc>,
    /// Either side measured the call as poor (`None`: neither measured it).
    pub quality_poor: Option<bool>,
    /// When the customer's traces were erased (a data-protection request).
    pub erased_at: Option<DateTimeUtc>,
    /// When its outcome was last written into its Flex task (Flex Insights).
    pub insights_written_at: Option<DateTimeUtc>,
    /// Failed writes since the last success, and when to try again.
    pub insights_attempts: i32,
    pub insights_next_try_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Its status at `now` (see `Status::at`): expired from the instant its
    /// link ran out with nobody ever in the call, written down or not.
    pub fn status_at(&self, now: DateTimeUtc) -> escalate_domain::escalation::Status {
        let anyone_joined = self.agent_joined_at.is_some() || self.customer_joined_at.is_some();
        self.status.at(self.expires_at, anyone_joined, now)
    }
}
