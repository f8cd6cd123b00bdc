//! Call quality as both sides measured it: each side's sample history (the
//! domain keeps and summarises it), and the escalation's "poor" flag the
//! metrics count.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use escalate_domain::quality::{CallQuality, History, Sample, Side};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entities::{call_quality, escalation};
use crate::{Store, StoreError, TenantScope};

/// One side's history, as the app reads and writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct SideQuality {
    pub side: Side,
    pub history: History,
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

    /// Adds one side's sample to its history and sets the escalation's
    /// "poor" flag from both sides, in one transaction that holds the
    /// escalation's row: samples of either side arriving at once (a reload,
    /// two replicas) are each kept, and the flag is read off both sides as
    /// they now are.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "add_call_quality_sample"))]
    pub async fn add_call_quality_sample(
        &self,
        scope: TenantScope,
        escalation_id: Uuid,
        side: Side,
        sample: &Sample,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let e = escalation::Entity::find_by_id(escalation_id)
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut sides = Vec::new();
        for row in call_quality::Entity::find()
            .filter(call_quality::Column::TenantId.eq(scope.tenant_id()))
            .filter(call_quality::Column::EscalationId.eq(escalation_id))
            .all(&txn)
            .await?
        {
            sides.push(read(row)?);
        }
        let mut history = sides.iter().find(|s| s.side == side).map(|s| s.history.clone()).unwrap_or_default();
        history.add(sample);
        sides.retain(|s| s.side != side);
        let call = CallQuality::from_histories(sides.iter().map(|s| (s.side, &s.history)).chain([(side, &history)]));
        let side_poor = history.summary().is_some_and(|s| s.poor);
        let stored = serde_json::to_value(&history).map_err(|e| StoreError::Corrupt(format!("call quality: {e}")))?;
        let row = call_quality::ActiveModel {
            escalation_id: Set(escalation_id),
            side: Set(side),
            tenant_id: Set(scope.tenant_id()),
            contact_center_id: Set(e.contact_center_id),
            history: Set(stored),
            samples: Set(history.samples.min(i32::MAX as u32) as i32),
            poor: Set(side_poor),
            updated_at: Set(now),
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
            .col_expr(
                escalation::Column::QualityPoor,
                sea_orm::sea_query::Expr::value(Some(call.poor().unwrap_or(false))),
            )
            .filter(escalation::Column::Id.eq(escalation_id))
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }
}
