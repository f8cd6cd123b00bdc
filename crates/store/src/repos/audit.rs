use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use crate::entities::audit_event;
use crate::{AuditEventRecord, Store, StoreError, TenantScope};

/// An audit entry to write. Names are the domain's stable names.
pub struct NewAuditEvent {
    pub occurred_at: DateTime<Utc>,
    pub action: escalate_domain::audit::AuditAction,
    pub actor_kind: escalate_domain::audit::ActorKind,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub client_ip: Option<String>,
    pub target_kind: Option<&'static str>,
    pub target_id: Option<String>,
    pub changes: serde_json::Value,
}

/// Which entries to read, newest first.
#[derive(Default)]
pub struct AuditFilter {
    pub action: Option<escalate_domain::audit::AuditAction>,
    pub actor_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Entries older than this id (ids are time-ordered UUIDv7).
    pub before: Option<Uuid>,
    pub limit: u64,
}

impl Store {
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "record_audit"))]
    pub async fn record_audit(&self, scope: TenantScope, e: NewAuditEvent) -> Result<AuditEventRecord, StoreError> {
        Ok(audit_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(scope.tenant_id()),
            occurred_at: Set(e.occurred_at),
            action: Set(e.action),
            actor_kind: Set(e.actor_kind),
            actor_id: Set(e.actor_id),
            actor_label: Set(e.actor_label.chars().take(320).collect()),
            client_ip: Set(e.client_ip.map(|ip| ip.chars().take(64).collect())),
            target_kind: Set(e.target_kind.map(str::to_owned)),
            target_id: Set(e.target_id),
            changes: Set(e.changes),
        }
        .insert(self.db())
        .await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "list_audit"))]
    pub async fn list_audit(&self, scope: TenantScope, f: &AuditFilter) -> Result<Vec<AuditEventRecord>, StoreError> {
        let mut q = audit_event::Entity::find().filter(audit_event::Column::TenantId.eq(scope.tenant_id()));
        if let Some(action) = f.action {
            q = q.filter(audit_event::Column::Action.eq(action));
        }
        if let Some(actor) = f.actor_id {
            q = q.filter(audit_event::Column::ActorId.eq(actor));
        }
        if let Some(from) = f.from {
            q = q.filter(audit_event::Column::OccurredAt.gte(from));
        }
        if let Some(to) = f.to {
            q = q.filter(audit_event::Column::OccurredAt.lt(to));
        }
        if let Some(before) = f.before {
            q = q.filter(audit_event::Column::Id.lt(before));
        }
        Ok(q.order_by_desc(audit_event::Column::Id).limit(f.limit).all(self.db()).await?)
    }
}
