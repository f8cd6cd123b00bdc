//! Webhook endpoints (tenant-scoped), the delivery outbox they are fed from
//! (written inside the transactions that change escalations), and the
//! dispatcher's claims on it (across tenants, in [`crate::Unscoped`]).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use uuid::Uuid;

use crate::entities::{webhook_delivery, webhook_endpoint};
use crate::{Store, StoreError, TenantScope, WebhookDeliveryRecord, WebhookEndpointRecord};

pub struct NewWebhookEndpoint {
    pub id: Uuid,
    pub contact_center_id: Option<Uuid>,
    pub url: String,
    pub description: String,
    pub events: escalate_domain::webhook::EventSet,
    pub secret_ciphertext: Vec<u8>,
}

/// What a change to an endpoint sets; `None` keeps the value.
#[derive(Default)]
pub struct WebhookEndpointPatch {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<escalate_domain::webhook::EventSet>,
    pub enabled: Option<bool>,
}

/// Something that happened, to be delivered to every endpoint of the
/// tenant that subscribes to it (and covers its contact center).
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    pub tenant_id: Uuid,
    pub contact_center_id: Uuid,
    pub escalation_id: Option<Uuid>,
    pub event_type: escalate_domain::webhook::EventType,
    /// The whole body each endpoint receives.
    pub notice: escalate_domain::webhook::EscalationNotice,
}

use escalate_domain::webhook::DeliveryStatus;

impl WebhookEvent {
    /// An event about an escalation, with the body every endpoint receives.
    pub(crate) fn about(
        e: &crate::entities::escalation::Model,
        event: escalate_domain::webhook::EventType,
        at: DateTime<Utc>,
        data: escalate_domain::webhook::EscalationNoticeData,
    ) -> Self {
        WebhookEvent {
            tenant_id: e.tenant_id,
            contact_center_id: e.contact_center_id,
            escalation_id: Some(e.id),
            event_type: event,
            notice: escalate_domain::webhook::EscalationNotice::new(event, at, data),
        }
    }
}

/// Which deliveries of an endpoint to list, newest first.
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub before: Option<i64>,
    pub limit: u64,
}

/// Writes one delivery per subscribed endpoint for each event, in the
/// events' order, inside the caller's transaction: the deliveries exist if
/// and only if the change they report was committed.
pub(crate) async fn enqueue(
    txn: &impl ConnectionTrait,
    events: &[WebhookEvent],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let mut tenants: Vec<Uuid> = events.iter().map(|e| e.tenant_id).collect();
    tenants.sort_unstable();
    tenants.dedup();
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::TenantId.is_in(tenants))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(txn)
        .await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::new();
    for ev in events {
        let payload = serde_json::to_value(&ev.notice).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        for ep in endpoints.iter().filter(|ep| {
            ep.tenant_id == ev.tenant_id
                && ep.contact_center_id.is_none_or(|cc| cc == ev.contact_center_id)
                && ep.events.contains(ev.event_type)
        }) {
            rows.push(webhook_delivery::ActiveModel {
                message_id: Set(format!("msg_{}", Uuid::new_v4().simple())),
                tenant_id: Set(ev.tenant_id),
                endpoint_id: Set(ep.id),
                event_type: Set(ev.event_type),
                escalation_id: Set(ev.escalation_id),
                payload: Set(payload.clone()),
                status: Set(DeliveryStatus::Pending),
                attempts: Set(0),
                next_attempt_at: Set(now),
                locked_until: Set(None),
                last_attempt_at: Set(None),
                last_status_code: Set(None),
                last_error: Set(None),
                created_at: Set(now),
                queued_at: Set(now),
                delivered_at: Set(None),
                ..Default::default()
            });
        }
    }
    if !rows.is_empty() {
        webhook_delivery::Entity::insert_many(rows).exec_without_returning(txn).await?;
    }
    Ok(())
}

impl Store {
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "create_webhook_endpoint"))]
    pub async fn create_webhook_endpoint(
        &self,
        scope: TenantScope,
        new: NewWebhookEndpoint,
        now: DateTime<Utc>,
    ) -> Result<WebhookEndpointRecord, StoreError> {
        if let Some(cc) = new.contact_center_id {
            // Another tenant's contact center is no contact center.
            self.contact_center(scope, cc).await?;
        }
        Ok(webhook_endpoint::ActiveModel {
            id: Set(new.id),
            tenant_id: Set(scope.tenant_id()),
            contact_center_id: Set(new.contact_center_id),
            url: Set(new.url),
            description: Set(new.description),
            events: Set(new.events),
            enabled: Set(true),
            secret_ciphertext: Set(new.secret_ciphertext),
            previous_secret_ciphertext: Set(None),
            previous_secret_expires_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(self.db())
        .await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "list_webhook_endpoints"))]
    pub async fn list_webhook_endpoints(&self, scope: TenantScope) -> Result<Vec<WebhookEndpointRecord>, StoreError> {
        Ok(webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::TenantId.eq(scope.tenant_id()))
            .order_by_asc(webhook_endpoint::Column::CreatedAt)
            .all(self.db())
            .await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "webhook_endpoint"))]
    pub async fn webhook_endpoint(&self, scope: TenantScope, id: Uuid) -> Result<WebhookEndpointRecord, StoreError> {
        webhook_endpoint::Entity::find_by_id(id)
            .filter(webhook_endpoint::Column::TenantId.eq(scope.tenant_id()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "update_webhook_endpoint"))]
    pub async fn update_webhook_endpoint(
        &self,
        scope: TenantScope,
        id: Uuid,
        patch: WebhookEndpointPatch,
        now: DateTime<Utc>,
    ) -> Result<WebhookEndpointRecord, StoreError> {
        let mut am = self.webhook_endpoint(scope, id).await?.into_active_model();
        if let Some(url) = patch.url {
            am.url = Set(url);
        }
        if let Some(d) = patch.description {
            am.description = Set(d);
        }
        if let Some(e) = patch.events {
            am.events = Set(e);
        }
        if let Some(e) = patch.enabled {
            am.enabled = Set(e);
        }
        am.updated_at = Set(now);
        Ok(am.update(self.db()).await?)
    }

    /// A new secret; the old one keeps signing until `previous_expires_at`.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "rotate_webhook_secret"))]
    pub async fn rotate_webhook_secret(
        &self,
        scope: TenantScope,
        id: Uuid,
        secret_ciphertext: Vec<u8>,
        previous_expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<WebhookEndpointRecord, StoreError> {
        let current = self.webhook_endpoint(scope, id).await?;
        let previous = current.secret_ciphertext.clone();
        let mut am = current.into_active_model();
        am.previous_secret_ciphertext = Set(Some(previous));
        am.previous_secret_expires_at = Set(Some(previous_expires_at));
        am.secret_ciphertext = Set(secret_ciphertext);
        am.updated_at = Set(now);
        Ok(am.update(self.db()).await?)
    }

    /// Deletes the endpoint and its delivery log.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "delete_webhook_endpoint"))]
    pub async fn delete_webhook_endpoint(&self, scope: TenantScope, id: Uuid) -> Result<(), StoreError> {
        let res = webhook_endpoint::Entity::delete_many()
            .filter(webhook_endpoint::Column::Id.eq(id))
            .filter(webhook_endpoint::Column::TenantId.eq(scope.tenant_id()))
            .exec(self.db())
            .await?;
        if res.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "list_webhook_deliveries"))]
    pub async fn list_webhook_deliveries(
        &self,
        scope: TenantScope,
        endpoint_id: Uuid,
        f: &DeliveryFilter,
    ) -> Result<Vec<WebhookDeliveryRecord>, StoreError> {
        let mut q = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::TenantId.eq(scope.tenant_id()))
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id));
        if let Some(status) = f.status {
            q = q.filter(webhook_delivery::Column::Status.eq(status));
        }
        if let Some(before) = f.before {
            q = q.filter(webhook_delivery::Column::Id.lt(before));
        }
        Ok(q.order_by_desc(webhook_delivery::Column::Id).limit(f.limit).all(self.db()).await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "webhook_delivery"))]
    pub async fn webhook_delivery(&self, scope: TenantScope, id: i64) -> Result<WebhookDeliveryRecord, StoreError> {
        webhook_delivery::Entity::find_by_id(id)
            .filter(webhook_delivery::Column::TenantId.eq(scope.tenant_id()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Puts a delivery back in the queue (same message id, a fresh retry
    /// period), whatever became of it.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "replay_webhook_delivery"))]
    pub async fn replay_webhook_delivery(
        &self,
        scope: TenantScope,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<WebhookDeliveryRecord, StoreError> {
        let mut am = self.webhook_delivery(scope, id).await?.into_active_model();
        am.status = Set(DeliveryStatus::Pending);
        am.next_attempt_at = Set(now);
        am.queued_at = Set(now);
        am.locked_until = Set(None);
        am.delivered_at = Set(None);
        Ok(am.update(self.db()).await?)
    }
}

/// How one attempt ended.
pub enum AttemptOutcome {
    Delivered {
        status_code: i32,
    },
    /// Try again at `next_attempt_at`.
    Retry {
        status_code: Option<i32>,
        error: String,
        next_attempt_at: DateTime<Utc>,
    },
    /// Out of retries.
    Failed {
        status_code: Option<i32>,
        error: String,
    },
}

impl crate::Unscoped<'_> {
    /// Claims up to `limit` due deliveries for this replica until
    /// `lease_until`, oldest first, skipping any whose escalation has an
    /// earlier delivery to the same endpoint still pending (so an
    /// escalation's events arrive in order) and any another replica holds.
    /// Each comes with its endpoint and tenant.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "claim_webhook_deliveries"))]
    pub async fn claim_webhook_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(WebhookDeliveryRecord, WebhookEndpointRecord, TenantScope)>, StoreError> {
        use sea_orm::{DatabaseBackend, Statement};
        let db = self.db();
        let backend = db.get_database_backend();
        let (p, lock) = match backend {
            DatabaseBackend::Postgres => (["$1", "$2", "$3"], "FOR UPDATE SKIP LOCKED"),
            // One process writes an embedded database, one statement at a time.
            _ => (["?1", "?2", "?3"], ""),
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET locked_until = {lease}, attempts = attempts + 1, last_attempt_at = {now} \
             WHERE id IN (SELECT d.id FROM webhook_deliveries d \
               WHERE d.status = 'pending' AND d.next_attempt_at <= {now} \
                 AND (d.locked_until IS NULL OR d.locked_until < {now}) \
                 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id \
                   AND e.escalation_id = d.escalation_id AND e.status = 'pending' AND e.id < d.id) \
               ORDER BY d.id LIMIT {limit} {lock}) \
             RETURNING id",
            lease = p[0],
            now = p[1],
            limit = p[2],
        );
        let values = vec![lease_until.into(), now.into(), (limit as i64).into()];
        let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.try_get("", "id")).collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let deliveries = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Id.is_in(ids))
            .order_by_asc(webhook_delivery::Column::Id)
            .all(db)
            .await?;
        let mut endpoint_ids: Vec<Uuid> = deliveries.iter().map(|d| d.endpoint_id).collect();
        endpoint_ids.sort_unstable();
        endpoint_ids.dedup();
        let endpoints =
            webhook_endpoint::Entity::find().filter(webhook_endpoint::Column::Id.is_in(endpoint_ids)).all(db).await?;
        Ok(deliveries
            .into_iter()
            .filter_map(|d| {
                let ep = endpoints.iter().find(|e| e.id == d.endpoint_id)?.clone();
                let scope = TenantScope::new(d.tenant_id);
                Some((d, ep, scope))
            })
            .collect())
    }

    /// Records how an attempt ended and lets the claim go.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "finish_webhook_delivery"))]
    pub async fn finish_webhook_delivery(
        &self,
        id: i64,
        outcome: AttemptOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut q = webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(webhook_delivery::Column::Id.eq(id));
        let cut = |e: String| -> String { e.chars().take(500).collect() };
        q = match outcome {
            AttemptOutcome::Delivered { status_code } => q
                .col_expr(webhook_delivery::Column::Status, Expr::value(DeliveryStatus::Delivered.as_str()))
                .col_expr(webhook_delivery::Column::DeliveredAt, Expr::value(now))
                .col_expr(webhook_delivery::Column::LastStatusCode, Expr::value(status_code))
                .col_expr(webhook_delivery::Column::LastError, Expr::value(Option::<String>::None)),
            AttemptOutcome::Retry { status_code, error, next_attempt_at } => q
                .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next_attempt_at))
                .col_expr(webhook_delivery::Column::LastStatusCode, Expr::value(status_code))
                .col_expr(webhook_delivery::Column::LastError, Expr::value(cut(error))),
            AttemptOutcome::Failed { status_code, error } => q
                .col_expr(webhook_delivery::Column::Status, Expr::value(DeliveryStatus::Failed.as_str()))
                .col_expr(webhook_delivery::Column::LastStatusCode, Expr::value(status_code))
                .col_expr(webhook_delivery::Column::LastError, Expr::value(cut(error))),
        };
        q.exec(self.db()).await?;
        Ok(())
    }
}
