use sea_orm::entity::prelude::*;

/// One side's measurements of one escalation's call.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "call_quality")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub escalation_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub side: escalate_domain::quality::Side,
    pub tenant_id: Uuid,
    pub contact_center_id: Uuid,
    /// `escalate_domain::quality::History`, as JSON.
    pub history: Json,
    pub samples: i32,
    pub poor: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
