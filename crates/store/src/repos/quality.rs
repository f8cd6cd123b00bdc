//! Call quality as both sides measured it: each side's sample history (the
//! domain keeps and summarises it), and the escalation's "poor" flag the
//! metrics count.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use escalate_domain::quality::{History, Side};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use crate::entities::{call_quality, escalation};
use crate::{Store, StoreError, TenantScope};

/// One side's history, as the app reads and writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct SideQuality {
    pub side: Side,
    pub history: History,
}

/// What to keep after a new sample.
pub struct QualityUpdate<'a> {
    pub contact_center_id: Uuid,
    pub escalation_id: Uuid,
    pub side: Side,
    pub history: &'a History,
    /// This side measured the call as poor.
    pub side_poor: bool,
    /// Either side did (what the metrics count).
    pub call_poor: bool,
    pub now: DateTime<Utc>,
}

fn read(row: call_quality::Model) -> Result<SideQuality, StoreError> {
    let history = serde_json::from_value(row.history).map_err(|e| StoreError::Corrupt(format!("call quality: {e}")))?;
    Ok(SideQuality { side: row.side, history })
}

impl Store {
    /// Both sides' histories of one escalation (none, one or two).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "call_quality"))]
    pub async fn call_quality(&self, scope: TenantScope, escalation_id: Uuid) -> Result<Vec<SideQuality>, StoreError> {
        Ok(self.call_quality_of(scope, &[escalation_id]).await?.remove(&escalation_id).unwrap_or_default())
    }

    /// The histories of several escalations (a page of a list), by escalation.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "call_quality_of"))]
    pub async fn call_quality_of(
        &self,
        scope: TenantScope,
        escalation_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<SideQuality>>, StoreError> {
        let mut out: HashMap<Uuid, Vec<SideQuality>> = HashMap::new();
        if escalation_ids.is_empty() {
            return Ok(out);
        }
        let rows = call_quality::Entity::find()
            .filter(call_quality::Column::TenantId.eq(scope.tenant_id()))
            .filter(call_quality::Column::EscalationId.is_in(escalation_ids.iter().copied()))
            .all(self.db())
            .await?;
        for row in rows {
            let id = row.escalation_id;
            out.entry(id).or_default().push(read(row)?);
        }
        Ok(out)
    }

    /// Keeps a side's history and the escalation's flag, together.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "save_call_quality"))]
    pub async fn save_call_quality(&self, scope: TenantScope, u: QualityUpdate<'_>) -> Result<(), StoreError> {
        let history = serde_json::to_value(u.history).map_err(|e| StoreError::Corrupt(format!("call quality: {e}")))?;
        let txn = self.db().begin().await?;
        let row = call_quality::ActiveModel {
            escalation_id: Set(u.escalation_id),
            side: Set(u.side),
            tenant_id: Set(scope.tenant_id()),
            contact_center_id: Set(u.contact_center_id),
            history: Set(history),
            samples: Set(u.history.samples.min(i32::MAX as u32) as i32),
            poor: Set(u.side_poor),
            updated_at: Set(u.now),
        };
        call_quality::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([call_quality::Column::EscalationId, call_quality::Column::Side])
                    .update_columns([
                        call_quality::Column::History,
                        call_quality::Column::Samples,
                        call_quality::Column::Poor,
                        call_quality::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        escalation::Entity::update_many()
            .col_expr(escalation::Column::QualityPoor, sea_orm::sea_query::Expr::value(Some(u.call_poor)))
            .filter(escalation::Column::Id.eq(u.escalation_id))
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }
}
