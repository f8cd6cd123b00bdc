use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub occurred_at: DateTimeUtc,
    pub action: escalate_domain::audit::AuditAction,
    pub actor_kind: escalate_domain::audit::ActorKind,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub client_ip: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub changes: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
