use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// `None`: every contact center of the tenant.
    pub contact_center_id: Option<Uuid>,
    pub url: String,
    pub description: String,
    /// `,escalation.created,agent.joined,` (see `escalate_domain::webhook`).
    pub events: escalate_domain::webhook::EventSet,
    pub enabled: bool,
    /// Sealed with the tenant's data key; never leaves the service but in a signature.
    pub secret_ciphertext: Vec<u8>,
    /// The secret before the last rotation, still signing until it expires.
    pub previous_secret_ciphertext: Option<Vec<u8>>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
