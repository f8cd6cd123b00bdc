use sea_orm::entity::prelude::*;

/// A still of a customer's video saved to an escalation. `sealed` is the
/// picture encrypted with the tenant's data key (the store never sees it
/// in the clear); the rest describes it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "snapshots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub contact_center_id: Uuid,
    pub escalation_id: Uuid,
    /// Who saved it: the agent's Flex identity, a user's email, a key's name.
    pub taken_by: String,
    pub image_type: escalate_domain::snapshot::ImageType,
    pub width: i32,
    pub height: i32,
    pub size_bytes: i64,
    #[sea_orm(column_type = "Blob")]
    pub sealed: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
