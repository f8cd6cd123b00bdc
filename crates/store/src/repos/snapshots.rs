//! Snapshots of escalations' calls: saved under the escalation's row lock
//! (so the per-escalation bound holds however many arrive at once, and the
//! `snapshot.created` event is written with the row), listed without their
//! pictures, read one at a time, deleted one at a time or past retention.

use chrono::{DateTime, Utc};
use escalate_domain::escalation::Status;
use escalate_domain::snapshot::{MAX_PER_ESCALATION, Picture};
use escalate_domain::webhook::{EventType, SnapshotNotice};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::escalations::{locked, notice_data};
use super::webhooks::{WebhookEvent, enqueue};
use crate::entities::snapshot;
use crate::{Store, StoreError, TenantScope};

/// A snapshot to keep: its picture is already sealed.
pub struct NewSnapshot {
    pub id: Uuid,
    pub escalation_id: Uuid,
    pub taken_by: String,
    pub picture: Picture,
    pub size_bytes: usize,
    pub sealed: Vec<u8>,
}

/// A snapshot as lists show it: everything but the picture.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct SnapshotInfo {
    pub id: Uuid,
    pub escalation_id: Uuid,
    pub taken_by: String,
    pub image_type: escalate_domain::snapshot::ImageType,
    pub width: i32,
    pub height: i32,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug)]
pub enum SnapshotOutcome {
    Saved(SnapshotInfo),
    /// The call is over (ended, expired, failed): nothing more is added to it.
    NotOpen(Status),
    /// The escalation holds [`MAX_PER_ESCALATION`] already.
    LimitReached,
}

fn info(m: &snapshot::Model) -> SnapshotInfo {
    SnapshotInfo {
        id: m.id,
        escalation_id: m.escalation_id,
        taken_by: m.taken_by.clone(),
        image_type: m.image_type,
        width: m.width,
        height: m.height,
        size_bytes: m.size_bytes,
        created_at: m.created_at,
    }
}

impl Store {
    /// Keeps a snapshot of an open escalation's call, within the bound, and
    /// announces it (`snapshot.created`) in the same transaction.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "add_snapshot"))]
    pub async fn add_snapshot(
        &self,
        scope: TenantScope,
        new: NewSnapshot,
        now: DateTime<Utc>,
    ) -> Result<SnapshotOutcome, StoreError> {
        let txn = self.begin_write().await?;
        let e = locked(&txn, scope, new.escalation_id).await?;
        let status = e.status_at(now);
        if status != Status::Open {
            return Ok(SnapshotOutcome::NotOpen(status));
        }
        let held = snapshot::Entity::find()
            .filter(snapshot::Column::TenantId.eq(scope.tenant_id()))
            .filter(snapshot::Column::EscalationId.eq(e.id))
            .count(&txn)
            .await?;
        if held >= MAX_PER_ESCALATION {
            return Ok(SnapshotOutcome::LimitReached);
        }
        let row = snapshot::ActiveModel {
            id: Set(new.id),
            tenant_id: Set(scope.tenant_id()),
            contact_center_id: Set(e.contact_center_id),
            escalation_id: Set(e.id),
            taken_by: Set(new.taken_by),
            image_type: Set(new.picture.image_type),
            width: Set(i32::try_from(new.picture.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(new.picture.height).unwrap_or(i32::MAX)),
            size_bytes: Set(i64::try_from(new.size_bytes).unwrap_or(i64::MAX)),
            sealed: Set(new.sealed),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let saved = info(&row);
        if !e.test_call {
            let mut data = notice_data(&e);
            data.snapshot = Some(SnapshotNotice {
                id: saved.id,
                taken_by: saved.taken_by.clone(),
                content_type: saved.image_type.mime(),
                width: new.picture.width,
                height: new.picture.height,
                size_bytes: u64::try_from(saved.size_bytes).unwrap_or_default(),
            });
            let event = WebhookEvent::about(&e, EventType::SnapshotCreated, now, data);
            enqueue(&txn, &[event], now).await?;
        }
        txn.commit().await?;
        Ok(SnapshotOutcome::Saved(saved))
    }

    /// An escalation's snapshots, oldest first, without their pictures.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "snapshots"))]
    pub async fn snapshots(&self, scope: TenantScope, escalation_id: Uuid) -> Result<Vec<SnapshotInfo>, StoreError> {
        Ok(snapshot::Entity::find()
            .select_only()
            .columns([
                snapshot::Column::Id,
                snapshot::Column::EscalationId,
                snapshot::Column::TakenBy,
                snapshot::Column::ImageType,
                snapshot::Column::Width,
                snapshot::Column::Height,
                snapshot::Column::SizeBytes,
                snapshot::Column::CreatedAt,
            ])
            .filter(snapshot::Column::TenantId.eq(scope.tenant_id()))
            .filter(snapshot::Column::EscalationId.eq(escalation_id))
            .order_by_asc(snapshot::Column::CreatedAt)
            .order_by_asc(snapshot::Column::Id)
            .into_model::<SnapshotInfo>()
            .all(self.db())
            .await?)
    }

    /// One snapshot with its sealed picture.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "snapshot"))]
    pub async fn snapshot(
        &self,
        scope: TenantScope,
        escalation_id: Uuid,
        id: Uuid,
    ) -> Result<(SnapshotInfo, Vec<u8>), StoreError> {
        let row = snapshot::Entity::find_by_id(id)
            .filter(snapshot::Column::TenantId.eq(scope.tenant_id()))
            .filter(snapshot::Column::EscalationId.eq(escalation_id))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((info(&row), row.sealed))
    }

    /// Deletes one snapshot; not found when it is not there (any more).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "delete_snapshot"))]
    pub async fn delete_snapshot(&self, scope: TenantScope, escalation_id: Uuid, id: Uuid) -> Result<(), StoreError> {
        let done = snapshot::Entity::delete_many()
            .filter(snapshot::Column::Id.eq(id))
            .filter(snapshot::Column::TenantId.eq(scope.tenant_id()))
            .filter(snapshot::Column::EscalationId.eq(escalation_id))
            .exec(self.db())
            .await?;
        if done.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
