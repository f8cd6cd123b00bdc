use chrono::{DateTime, Utc};
use escalate_domain::contact_center::VideoProvider;
use escalate_domain::escalation::{RoomEvent, Status, Timeline};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use crate::entities::{escalation, escalation_event};
use crate::repos::webhooks::{WebhookEvent, enqueue};
use crate::{EscalationRecord, Store, StoreError, TenantScope};
use escalate_domain::lifecycle::{self, Facts, Happened};
use escalate_domain::webhook::EscalationNoticeData;

/// What a new escalation starts with, before Twilio is called.
pub struct NewEscalation {
    pub id: Uuid,
    pub contact_center_id: Uuid,
    pub idempotency_key: Option<String>,
    pub task_sid: String,
    pub conversation_sid: String,
    pub agent_identity: String,
    pub agent_name: Option<String>,
    pub room_name: String,
    pub code: String,
    pub expires_at: DateTime<Utc>,
    pub video_provider: VideoProvider,
    /// Started from the dashboard to try a setup: no chat, left out of the metrics.
    pub test_call: bool,
    /// Its rooms record participants (with the customer's consent).
    pub recorded: bool,
}

#[derive(Debug, Default, Clone)]
pub struct EscalationFilter {
    pub status: Option<Status>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Return escalations older than this id (ids are time-ordered UUIDv7).
    pub before: Option<Uuid>,
    pub limit: u64,
}

/// A room callback to record: the event, and where to find its escalation.
#[derive(Clone)]
pub struct RoomCallback {
    pub scope: TenantScope,
    pub contact_center_id: Uuid,
    pub room_name: String,
    pub event: NewEvent,
}

/// A Twilio callback as stored.
#[derive(Clone)]
pub struct NewEvent {
    pub room_sid: String,
    pub sequence_number: i64,
    /// The provider's id of the participant, when it has one.
    pub participant_sid: Option<String>,
    /// What the provider sent, kept for inspection.
    pub payload: serde_json::Value,
    pub domain: RoomEvent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    Applied,
    /// Applied, and it ended the room the escalation's call ran in: the
    /// escalation (code given) has no live room until one is made again.
    RoomEnded {
        code: String,
    },
    /// Seen before (Twilio repeats callbacks): nothing changed.
    Duplicate,
    /// Not a room of one of the contact center's escalations: stored, applied to nothing.
    Unmatched,
}

/// What became of a customer's rating.
#[derive(Debug)]
pub enum RateOutcome {
    Rated(Box<EscalationRecord>),
    /// The escalation has its rating already.
    AlreadyRated,
    /// The customer never joined the call: nothing to rate.
    NotJoined,
}

impl Store {
    /// Inserts the escalation in `creating` state. A duplicate idempotency key
    /// for the contact center answers `Conflict`.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "insert_escalation"))]
    pub async fn insert_escalation(
        &self,
        scope: TenantScope,
        new: NewEscalation,
        now: DateTime<Utc>,
    ) -> Result<EscalationRecord, StoreError> {
        Ok(escalation::ActiveModel {
            id: Set(new.id),
            tenant_id: Set(scope.tenant_id()),
            contact_center_id: Set(new.contact_center_id),
            idempotency_key: Set(new.idempotency_key),
            task_sid: Set(new.task_sid),
            conversation_sid: Set(new.conversation_sid),
            agent_identity: Set(new.agent_identity),
            agent_name: Set(new.agent_name),
            room_sid: Set(None),
            room_name: Set(new.room_name),
            code: Set(new.code),
            status: Set(Status::Creating),
            message_sid: Set(None),
            created_at: Set(now),
            expires_at: Set(new.expires_at),
            room_created_at: Set(None),
            agent_joined_at: Set(None),
            customer_joined_at: Set(None),
            ended_at: Set(None),
            duration_seconds: Set(None),
            failure_reason: Set(None),
            updated_at: Set(now),
            video_provider: Set(new.video_provider),
            test_call: Set(new.test_call),
            rating: Set(None),
            rating_comment: Set(None),
            rated_at: Set(None),
            recorded: Set(new.recorded),
            recording_consent_at: Set(None),
            recordings_deleted_at: Set(None),
            quality_poor: Set(None),
            erased_at: Set(None),
            insights_written_at: Set(None),
            insights_attempts: Set(0),
            insights_next_try_at: Set(None),
        }
        .insert(self.db())
        .await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "escalation_by_idempotency_key"))]
    pub async fn escalation_by_idempotency_key(
        &self,
        scope: TenantScope,
        contact_center_id: Uuid,
        key: &str,
    ) -> Result<Option<EscalationRecord>, StoreError> {
        Ok(escalation::Entity::find()
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .filter(escalation::Column::ContactCenterId.eq(contact_center_id))
            .filter(escalation::Column::IdempotencyKey.eq(key))
            .one(self.db())
            .await?)
    }

    /// Takes a failed escalation back to `creating` for a retry, with a fresh
    /// code and expiry. False when another request claimed it first.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "reclaim_failed_escalation"))]
    pub async fn reclaim_failed_escalation(
        &self,
        scope: TenantScope,
        id: Uuid,
        code: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let res = escalation::Entity::update_many()
            .col_expr(escalation::Column::Status, Expr::value(Status::Creating))
            .col_expr(escalation::Column::Code, Expr::value(code))
            .col_expr(escalation::Column::ExpiresAt, Expr::value(expires_at))
            .col_expr(escalation::Column::FailureReason, Expr::value(Option::<String>::None))
            .col_expr(escalation::Column::CreatedAt, Expr::value(now))
            .col_expr(escalation::Column::UpdatedAt, Expr::value(now))
            .filter(escalation::Column::Id.eq(id))
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .filter(escalation::Column::Status.eq(Status::Failed))
            .exec(self.db())
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Room and message made: the escalation is open. One statement, and
    /// only from `creating`: a row another request already moved on is left alone.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "open_escalation"))]
    pub async fn open_escalation(
        &self,
        scope: TenantScope,
        mut e: EscalationRecord,
        room_sid: Option<&str>,
        message_sid: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<EscalationRecord, StoreError> {
        let txn = self.begin_write().await?;
        let res = escalation::Entity::update_many()
            .col_expr(escalation::Column::RoomSid, Expr::value(room_sid.map(str::to_owned)))
            .col_expr(escalation::Column::MessageSid, Expr::value(message_sid.map(str::to_owned)))
            .col_expr(escalation::Column::Status, Expr::value(Status::Open))
            .col_expr(escalation::Column::UpdatedAt, Expr::value(now))
            .filter(escalation::Column::Id.eq(e.id))
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .filter(escalation::Column::Status.eq(Status::Creating))
            .exec(&txn)
            .await?;
        if res.rows_affected == 0 {
            drop(txn);
            return self.escalation(scope, e.id).await;
        }
        let before = facts(&e);
        e.room_sid = room_sid.map(str::to_owned);
        e.message_sid = message_sid.map(str::to_owned);
        e.status = Status::Open;
        e.updated_at = now;
        announce(&txn, &before, &e, now).await?;
        txn.commit().await?;
        Ok(e)
    }

    /// Records the room an open escalation's call now runs in (its earlier
    /// room ended, or was never made). False when another request set one first.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "set_room"))]
    pub async fn set_room(
        &self,
        scope: TenantScope,
        id: Uuid,
        room_sid: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let res = escalation::Entity::update_many()
            .col_expr(escalation::Column::RoomSid, Expr::value(room_sid))
            .col_expr(escalation::Column::UpdatedAt, Expr::value(now))
            .filter(escalation::Column::Id.eq(id))
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .filter(escalation::Column::Status.eq(Status::Open))
            .filter(escalation::Column::RoomSid.is_null())
            .exec(self.db())
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Takes a stale `creating` row for recovery: true for exactly one of
    /// the replicas that try at once (compare-and-swap on `updated_at`).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "claim_stale"))]
    pub async fn claim_stale(
        &self,
        scope: TenantScope,
        id: Uuid,
        seen_updated_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let res = escalation::Entity::update_many()
            .col_expr(escalation::Column::UpdatedAt, Expr::value(now))
            .filter(escalation::Column::Id.eq(id))
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .filter(escalation::Column::Status.eq(Status::Creating))
            .filter(escalation::Column::UpdatedAt.eq(seen_updated_at))
            .exec(self.db())
            .await?;
        Ok(res.rows_affected == 1)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "fail_escalation"))]
    pub async fn fail_escalation(
        &self,
        scope: TenantScope,
        id: Uuid,
        room_sid: Option<&str>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<EscalationRecord, StoreError> {
        let txn = self.begin_write().await?;
        let current = locked(&txn, scope, id).await?;
        let before = facts(&current);
        let mut am = current.into_active_model();
        if let Some(sid) = room_sid {
            am.room_sid = Set(Some(sid.to_owned()));
        }
        am.status = Set(Status::Failed);
        am.failure_reason = Set(Some(reason.chars().take(500).collect()));
        am.updated_at = Set(now);
        let e = am.update(&txn).await?;
        announce(&txn, &before, &e, now).await?;
        txn.commit().await?;
        Ok(e)
    }

    /// Notes that the escalation's recordings were deleted from Twilio.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "mark_recordings_deleted"))]
    pub async fn mark_recordings_deleted(
        &self,
        scope: TenantScope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        escalation::Entity::update_many()
            .col_expr(escalation::Column::RecordingsDeletedAt, Expr::value(now))
            .filter(escalation::Column::Id.eq(id))
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Keeps when the customer first agreed to the call being recorded.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "note_recording_consent"))]
    pub async fn note_recording_consent(
        &self,
        scope: TenantScope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        escalation::Entity::update_many()
            .col_expr(escalation::Column::RecordingConsentAt, Expr::value(now))
            .filter(escalation::Column::Id.eq(id))
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .filter(escalation::Column::RecordingConsentAt.is_null())
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Stores the customer's rating and queues `rating.received`, in one
    /// transaction. One rating per escalation, and only after the customer
    /// was in the call.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "rate_escalation"))]
    pub async fn rate_escalation(
        &self,
        scope: TenantScope,
        id: Uuid,
        stars: i32,
        comment: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<RateOutcome, StoreError> {
        let txn = self.begin_write().await?;
        let e = locked(&txn, scope, id).await?;
        if e.rated_at.is_some() {
            return Ok(RateOutcome::AlreadyRated);
        }
        if e.customer_joined_at.is_none() {
            return Ok(RateOutcome::NotJoined);
        }
        let before = facts(&e);
        let mut am = e.into_active_model();
        am.rating = Set(Some(stars));
        am.rating_comment = Set(comment);
        am.rated_at = Set(Some(now));
        let e = am.update(&txn).await?;
        announce(&txn, &before, &e, now).await?;
        txn.commit().await?;
        Ok(RateOutcome::Rated(Box::new(e)))
    }

    /// Marks an escalation completed (the agent or an integration ended it).
    /// Completing twice keeps the first end time. Ending one whose link ran
    /// out with nobody ever in the call records that it expired.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "complete_escalation"))]
    pub async fn complete_escalation(
        &self,
        scope: TenantScope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<EscalationRecord, StoreError> {
        let txn = self.begin_write().await?;
        let e = locked(&txn, scope, id).await?;
        if matches!(e.status, Status::Completed | Status::Expired) {
            return Ok(e);
        }
        let before = facts(&e);
        let status = match e.status_at(now) {
            Status::Expired => Status::Expired,
            _ => Status::Completed,
        };
        let ended_at = e.ended_at.unwrap_or(now);
        let mut am = e.into_active_model();
        am.status = Set(status);
        if status == Status::Completed {
            am.ended_at = Set(Some(ended_at));
        }
        am.updated_at = Set(now);
        let e = am.update(&txn).await?;
        announce(&txn, &before, &e, now).await?;
        txn.commit().await?;
        Ok(e)
    }

    /// Writes down that an escalation expired, if at `now` it has (see
    /// `Status::at`): the escalation, or `None` when it had not expired or
    /// was expired already (another replica's sweep came first).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "expire_escalation"))]
    pub async fn expire_escalation(
        &self,
        scope: TenantScope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<EscalationRecord>, StoreError> {
        let txn = self.begin_write().await?;
        let e = locked(&txn, scope, id).await?;
        if e.status != Status::Open || e.status_at(now) != Status::Expired {
            return Ok(None);
        }
        let before = facts(&e);
        let mut am = e.into_active_model();
        am.status = Set(Status::Expired);
        am.updated_at = Set(now);
        let e = am.update(&txn).await?;
        announce(&txn, &before, &e, now).await?;
        txn.commit().await?;
        Ok(Some(e))
    }

    /// Erases what the escalation keeps of its customer, in one
    /// transaction: the rating's comment, the conversation (the customer's
    /// chat), the customer's identities and the providers' raw payloads in
    /// its room events, its snapshots, and its webhook deliveries (their bodies carry the
    /// comment and the conversation). What the metrics read stays: times,
    /// stars, quality figures (none of them name anyone).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "erase_escalation"))]
    pub async fn erase_escalation(
        &self,
        scope: TenantScope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<EscalationRecord, StoreError> {
        let txn = self.begin_write().await?;
        let e = locked(&txn, scope, id).await?;
        // Erasing again keeps when it was first done.
        let erased_at = e.erased_at.unwrap_or(now);
        let mut am = e.into_active_model();
        am.rating_comment = Set(None);
        am.conversation_sid = Set(String::new());
        am.erased_at = Set(Some(erased_at));
        am.updated_at = Set(now);
        let e = am.update(&txn).await?;
        escalation_event::Entity::update_many()
            .col_expr(escalation_event::Column::Payload, Expr::value(serde_json::Value::Object(Default::default())))
            .filter(escalation_event::Column::EscalationId.eq(id))
            .filter(escalation_event::Column::TenantId.eq(scope.tenant_id()))
            .exec(&txn)
            .await?;
        escalation_event::Entity::update_many()
            .col_expr(
                escalation_event::Column::ParticipantIdentity,
                Expr::value(escalate_domain::escalation::ERASED_CUSTOMER),
            )
            .filter(escalation_event::Column::EscalationId.eq(id))
            .filter(escalation_event::Column::TenantId.eq(scope.tenant_id()))
            .filter(
                escalation_event::Column::ParticipantIdentity.starts_with(escalate_domain::escalation::CUSTOMER_PREFIX),
            )
            .exec(&txn)
            .await?;
        // The customer's pictures.
        crate::entities::snapshot::Entity::delete_many()
            .filter(crate::entities::snapshot::Column::EscalationId.eq(id))
            .filter(crate::entities::snapshot::Column::TenantId.eq(scope.tenant_id()))
            .exec(&txn)
            .await?;
        // The webhook bodies about it carry the comment and the conversation:
        // those still pending are not sent, and the log keeps none of them.
        crate::entities::webhook_delivery::Entity::delete_many()
            .filter(crate::entities::webhook_delivery::Column::EscalationId.eq(id))
            .filter(crate::entities::webhook_delivery::Column::TenantId.eq(scope.tenant_id()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(e)
    }

    /// Notes that the escalation's outcome, as it was at `at`, is in its
    /// Flex task (or never will be); a rating after `at` makes it due again.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "mark_insights_written"))]
    pub async fn mark_insights_written(
        &self,
        scope: TenantScope,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        escalation::Entity::update_many()
            .col_expr(escalation::Column::InsightsWrittenAt, Expr::value(at))
            .col_expr(escalation::Column::InsightsAttempts, Expr::value(0))
            .col_expr(escalation::Column::InsightsNextTryAt, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(escalation::Column::Id.eq(id))
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Notes a failed write of the outcome: `attempts` so far, the next not before `next_try`.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "defer_insights"))]
    pub async fn defer_insights(
        &self,
        scope: TenantScope,
        id: Uuid,
        attempts: i32,
        next_try: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        escalation::Entity::update_many()
            .col_expr(escalation::Column::InsightsAttempts, Expr::value(attempts))
            .col_expr(escalation::Column::InsightsNextTryAt, Expr::value(next_try))
            .filter(escalation::Column::Id.eq(id))
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .exec(self.db())
            .await?;
        Ok(())
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "escalation"))]
    pub async fn escalation(&self, scope: TenantScope, id: Uuid) -> Result<EscalationRecord, StoreError> {
        escalation::Entity::find_by_id(id)
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "list_escalations"))]
    pub async fn list_escalations(
        &self,
        scope: TenantScope,
        contact_center_id: Uuid,
        f: &EscalationFilter,
    ) -> Result<Vec<EscalationRecord>, StoreError> {
        let mut q = escalation::Entity::find()
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .filter(escalation::Column::ContactCenterId.eq(contact_center_id));
        if let Some(s) = &f.status {
            q = q.filter(escalation::Column::Status.eq(*s));
        }
        if let Some(from) = f.from {
            q = q.filter(escalation::Column::CreatedAt.gte(from));
        }
        if let Some(to) = f.to {
            q = q.filter(escalation::Column::CreatedAt.lt(to));
        }
        if let Some(before) = f.before {
            q = q.filter(escalation::Column::Id.lt(before));
        }
        Ok(q.order_by_desc(escalation::Column::Id).limit(f.limit).all(self.db()).await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "escalation_events"))]
    pub async fn escalation_events(
        &self,
        scope: TenantScope,
        escalation_id: Uuid,
    ) -> Result<Vec<crate::EscalationEventRecord>, StoreError> {
        self.escalation_events_page(scope, escalation_id, None, None).await
    }

    /// An escalation's events in order (at most `limit` of them, when given),
    /// after the event at `after` (its occurrence time and sequence number).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "escalation_events_page"))]
    pub async fn escalation_events_page(
        &self,
        scope: TenantScope,
        escalation_id: Uuid,
        after: Option<(DateTime<Utc>, i64)>,
        limit: Option<u64>,
    ) -> Result<Vec<crate::EscalationEventRecord>, StoreError> {
        use sea_orm::Condition;
        let mut q = escalation_event::Entity::find()
            .filter(escalation_event::Column::TenantId.eq(scope.tenant_id()))
            .filter(escalation_event::Column::EscalationId.eq(escalation_id));
        if let Some((at, seq)) = after {
            q = q.filter(
                Condition::any().add(escalation_event::Column::OccurredAt.gt(at)).add(
                    Condition::all()
                        .add(escalation_event::Column::OccurredAt.eq(at))
                        .add(escalation_event::Column::SequenceNumber.gt(seq)),
                ),
            );
        }
        Ok(q.order_by_asc(escalation_event::Column::OccurredAt)
            .order_by_asc(escalation_event::Column::SequenceNumber)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    /// The events of several escalations in one query (a page of them), in
    /// the same order as `escalation_events`.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "events_of_escalations"))]
    pub async fn events_of_escalations(
        &self,
        scope: TenantScope,
        escalation_ids: &[Uuid],
    ) -> Result<Vec<crate::EscalationEventRecord>, StoreError> {
        if escalation_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(escalation_event::Entity::find()
            .filter(escalation_event::Column::TenantId.eq(scope.tenant_id()))
            .filter(escalation_event::Column::EscalationId.is_in(escalation_ids.iter().copied()))
            .order_by_asc(escalation_event::Column::OccurredAt)
            .order_by_asc(escalation_event::Column::SequenceNumber)
            .all(self.db())
            .await?)
    }

    /// The display name each of these agents gave most recently in a
    /// contact center's escalations created in `[from, to)` (agents without
    /// one are left out), for pages that list agents by their identity.
    pub async fn agent_names(
        &self,
        scope: TenantScope,
        contact_center_id: Uuid,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        identities: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        if identities.is_empty() {
            return Ok(Default::default());
        }
        let rows: Vec<(String, Option<String>)> = escalation::Entity::find()
            .select_only()
            .column(escalation::Column::AgentIdentity)
            .column(escalation::Column::AgentName)
            .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
            .filter(escalation::Column::ContactCenterId.eq(contact_center_id))
            .filter(escalation::Column::CreatedAt.gte(from))
            .filter(escalation::Column::CreatedAt.lt(to))
            .filter(escalation::Column::AgentIdentity.is_in(identities.iter().cloned()))
            .filter(escalation::Column::AgentName.is_not_null())
            // Oldest first, so the newest name of each agent is the one kept.
            .order_by_asc(escalation::Column::Id)
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(identity, name)| Some((identity, name?)))
            .filter(|(_, n)| !n.is_empty())
            .collect())
    }

    /// Records a room callback and folds it into its escalation, in one
    /// transaction: an accepted callback is never half-applied. The
    /// escalation is found by room name (ours, `esc-…`) within the contact
    /// center; callbacks for rooms we do not know are stored unattached.
    pub async fn record_room_event(
        &self,
        scope: TenantScope,
        contact_center_id: Uuid,
        room_name: &str,
        ev: NewEvent,
        now: DateTime<Utc>,
    ) -> Result<EventOutcome, StoreError> {
        let cb = RoomCallback { scope, contact_center_id, room_name: room_name.to_owned(), event: ev };
        let mut outcomes = self.record_room_events(std::slice::from_ref(&cb), now).await?;
        Ok(outcomes.pop().unwrap_or(EventOutcome::Duplicate))
    }

    /// Records callbacks in order, in one transaction (one commit for many:
    /// what lets a replica take thousands a second). Each is applied as
    /// [`Self::record_room_event`] would; a repeat is counted, not stored.
    /// All or nothing: on an error none is recorded.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "record_room_events", db.batch = callbacks.len()))]
    pub async fn record_room_events(
        &self,
        callbacks: &[RoomCallback],
        now: DateTime<Utc>,
    ) -> Result<Vec<EventOutcome>, StoreError> {
        let txn = self.begin_write().await?;
        let outcomes = self.record_set(&txn, callbacks, now).await?;
        txn.commit().await?;
        Ok(outcomes)
    }

    /// A batch as a few statements whatever its size: the escalations it
    /// names read and locked at once, the new events inserted at once (the
    /// unique index skips what is stored already and the insert names what
    /// was new), the timelines folded in memory in arrival order, then one
    /// update (PostgreSQL; one update per escalation on SQLite).
    async fn record_set(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        callbacks: &[RoomCallback],
        now: DateTime<Utc>,
    ) -> Result<Vec<EventOutcome>, StoreError> {
        use std::collections::{HashMap, HashSet};
        let ccs: HashSet<Uuid> = callbacks.iter().map(|c| c.contact_center_id).collect();
        let names: HashSet<&str> = callbacks.iter().map(|c| c.room_name.as_str()).collect();
        // Locked in one order (by id) by every batch, so batches never deadlock.
        let rows = escalation::Entity::find()
            .filter(escalation::Column::ContactCenterId.is_in(ccs.iter().copied()))
            .filter(escalation::Column::RoomName.is_in(names.iter().copied()))
            .order_by_asc(escalation::Column::Id)
            .lock_exclusive()
            .all(txn)
            .await?;
        // The escalations before this batch: what changed is announced.
        let before: HashMap<Uuid, Facts> = rows.iter().map(|e| (e.id, facts(e))).collect();
        let mut escalations: Vec<(escalation::Model, bool)> = Vec::with_capacity(rows.len());
        let mut by_room: HashMap<(Uuid, Uuid, String), usize> = HashMap::new();
        for row in rows {
            by_room.entry((row.tenant_id, row.contact_center_id, row.room_name.clone())).or_insert(escalations.len());
            escalations.push((row, false));
        }
        // Repeats within the batch; repeats of what is stored already are
        // found by the insert below (the unique index), without a look-up.
        let mut seen: HashSet<(Uuid, String, i64, String)> = HashSet::new();

        // Which escalation each new event belongs to, in arrival order (a
        // room that ends stops matching its SID, as it would one at a time).
        let mut room_sids: Vec<Option<String>> = escalations.iter().map(|(e, _)| e.room_sid.clone()).collect();
        let mut planned = Vec::with_capacity(callbacks.len());
        let mut inserts = Vec::with_capacity(callbacks.len());
        for (n, RoomCallback { scope, contact_center_id, room_name, event: ev }) in callbacks.iter().enumerate() {
            let key = (*contact_center_id, ev.room_sid.clone(), ev.sequence_number, ev.domain.kind.as_str().to_owned());
            if !seen.insert(key) {
                continue;
            }
            let target = by_room
                .get(&(scope.tenant_id(), *contact_center_id, room_name.clone()))
                .copied()
                .filter(|&i| room_sids[i].as_deref().is_none_or(|sid| sid == ev.room_sid));
            if let Some(i) = target
                && ev.domain.kind == escalate_domain::escalation::RoomEventKind::RoomEnded
                && room_sids[i].as_deref() == Some(ev.room_sid.as_str())
            {
                room_sids[i] = None;
            }
            planned.push((n, target));
            inserts.push(escalation_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(scope.tenant_id()),
                contact_center_id: Set(*contact_center_id),
                escalation_id: Set(target.map(|i| escalations[i].0.id)),
                room_sid: Set(ev.room_sid.clone()),
                sequence_number: Set(ev.sequence_number),
                event: Set(ev.domain.kind.as_str().to_owned()),
                participant_sid: Set(ev.participant_sid.clone()),
                participant_identity: Set(ev.domain.participant_identity.clone()),
                occurred_at: Set(ev.domain.at),
                received_at: Set(now),
                payload: Set(ev.payload.clone()),
            });
        }
        let inserted = insert_new_events(txn, inserts).await?;

        // Fold what was stored into the timelines; the rest were repeats.
        let mut outcomes = vec![EventOutcome::Duplicate; callbacks.len()];
        for (n, target) in planned {
            let ev = &callbacks[n].event;
            let key = (
                callbacks[n].contact_center_id,
                ev.room_sid.clone(),
                ev.sequence_number,
                ev.domain.kind.as_str().to_owned(),
            );
            if !inserted.contains(&key) {
                // Stored before this batch. Its target was planned as if it
                // were new, which only a repeated room end could change, and
                // that one had already cleared the room's SID.
                continue;
            }
            let Some(i) = target else {
                outcomes[n] = EventOutcome::Unmatched;
                continue;
            };
            let (e, changed) = &mut escalations[i];
            let mut tl = Timeline {
                status: e.status,
                room_created_at: e.room_created_at,
                agent_joined_at: e.agent_joined_at,
                customer_joined_at: e.customer_joined_at,
                ended_at: e.ended_at,
                duration_seconds: e.duration_seconds,
            };
            tl.apply(&ev.domain);
            let ended_room = ev.domain.kind == escalate_domain::escalation::RoomEventKind::RoomEnded
                && e.room_sid.as_deref() == Some(ev.room_sid.as_str());
            if ended_room {
                e.room_sid = None;
            }
            (e.status, e.room_created_at, e.agent_joined_at) = (tl.status, tl.room_created_at, tl.agent_joined_at);
            (e.customer_joined_at, e.ended_at, e.duration_seconds) =
                (tl.customer_joined_at, tl.ended_at, tl.duration_seconds);
            e.updated_at = now;
            *changed = true;
            outcomes[n] =
                if ended_room { EventOutcome::RoomEnded { code: e.code.clone() } } else { EventOutcome::Applied };
        }

        let changed: Vec<escalation::Model> = escalations.into_iter().filter(|(_, c)| *c).map(|(e, _)| e).collect();
        let mut announced = Vec::new();
        for e in &changed {
            if let Some(was) = before.get(&e.id) {
                announced.extend(events_of(e, &lifecycle::happened(was, &facts(e), now)));
            }
        }
        enqueue(txn, &announced, now).await?;
        if self.is_sqlite() {
            for e in changed {
                let id = e.id;
                let mut am = escalation::ActiveModel { id: sea_orm::ActiveValue::Unchanged(id), ..Default::default() };
                (am.room_sid, am.status, am.updated_at) = (Set(e.room_sid), Set(e.status), Set(e.updated_at));
                (am.room_created_at, am.agent_joined_at) = (Set(e.room_created_at), Set(e.agent_joined_at));
                (am.customer_joined_at, am.ended_at) = (Set(e.customer_joined_at), Set(e.ended_at));
                am.duration_seconds = Set(e.duration_seconds);
                am.update(txn).await?;
            }
        } else if !changed.is_empty() {
            update_timelines(txn, &changed).await?;
        }
        Ok(outcomes)
    }
}

/// Writes the timelines of many escalations in one statement (PostgreSQL).
async fn update_timelines(txn: &sea_orm::DatabaseTransaction, rows: &[escalation::Model]) -> Result<(), StoreError> {
    use sea_orm::{ConnectionTrait, Statement, Value};
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 9);
    let mut tuples = Vec::with_capacity(rows.len());
    for (n, e) in rows.iter().enumerate() {
        let p = |k: usize| format!("${}", n * 9 + k);
        tuples.push(format!(
            "({}::uuid, {}::text, {}::text, {}::timestamptz, {}::timestamptz, {}::timestamptz, {}::timestamptz, {}::bigint, {}::timestamptz)",
            p(1), p(2), p(3), p(4), p(5), p(6), p(7), p(8), p(9)
        ));
        values.extend([
            Value::from(e.id),
            Value::from(e.room_sid.clone()),
            Value::from(e.status.as_str().to_owned()),
            Value::from(e.room_created_at),
            Value::from(e.agent_joined_at),
            Value::from(e.customer_joined_at),
            Value::from(e.ended_at),
            Value::from(e.duration_seconds),
            Value::from(e.updated_at),
        ]);
    }
    let sql = format!(
        "UPDATE escalations AS e SET room_sid = v.room_sid, status = v.status, room_created_at = v.room_created_at, \
         agent_joined_at = v.agent_joined_at, customer_joined_at = v.customer_joined_at, ended_at = v.ended_at, \
         duration_seconds = v.duration_seconds, updated_at = v.updated_at \
         FROM (VALUES {}) AS v(id, room_sid, status, room_created_at, agent_joined_at, customer_joined_at, ended_at, \
         duration_seconds, updated_at) WHERE e.id = v.id",
        tuples.join(", ")
    );
    txn.execute_raw(Statement::from_sql_and_values(sea_orm::DatabaseBackend::Postgres, sql, values)).await?;
    Ok(())
}

/// Inserts events, skipping those already stored; the keys of the ones
/// that were new (contact center, room SID, sequence number, event).
async fn insert_new_events(
    txn: &sea_orm::DatabaseTransaction,
    events: Vec<escalation_event::ActiveModel>,
) -> Result<std::collections::HashSet<(Uuid, String, i64, String)>, StoreError> {
    use sea_orm::sea_query::{OnConflict, Query};
    use sea_orm::{ConnectionTrait, QueryTrait};
    if events.is_empty() {
        return Ok(Default::default());
    }
    let key = [
        escalation_event::Column::ContactCenterId,
        escalation_event::Column::RoomSid,
        escalation_event::Column::SequenceNumber,
        escalation_event::Column::Event,
    ];
    let mut insert = escalation_event::Entity::insert_many(events)
        .on_conflict(OnConflict::columns(key).do_nothing().to_owned())
        .into_query();
    insert.returning(Query::returning().columns(key));
    let stmt = txn.get_database_backend().build(&insert);
    let mut new = std::collections::HashSet::new();
    for row in txn.query_all_raw(stmt).await? {
        new.insert((
            row.try_get("", "contact_center_id")?,
            row.try_get("", "room_sid")?,
            row.try_get("", "sequence_number")?,
            row.try_get("", "event")?,
        ));
    }
    Ok(new)
}

/// The escalation, read and locked for the rest of the transaction.
pub(super) async fn locked(
    txn: &sea_orm::DatabaseTransaction,
    scope: TenantScope,
    id: Uuid,
) -> Result<escalation::Model, StoreError> {
    escalation::Entity::find_by_id(id)
        .filter(escalation::Column::TenantId.eq(scope.tenant_id()))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The parts of an escalation whose changes are its events.
fn facts(e: &escalation::Model) -> Facts {
    Facts {
        status: e.status,
        agent_joined_at: e.agent_joined_at,
        customer_joined_at: e.customer_joined_at,
        rated_at: e.rated_at,
    }
}

/// Writes what changed between `before` and `after` (the domain's
/// [`lifecycle::happened`]) to the outbox, in the caller's transaction.
async fn announce(
    txn: &sea_orm::DatabaseTransaction,
    before: &Facts,
    after: &escalation::Model,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    enqueue(txn, &events_of(after, &lifecycle::happened(before, &facts(after), now)), now).await
}

/// The outbox entries of an escalation's events (see [`escalate_domain::webhook::EscalationNotice`]).
/// Test calls from the dashboard report nothing.
fn events_of(e: &escalation::Model, what: &[Happened]) -> Vec<WebhookEvent> {
    if e.test_call {
        return Vec::new();
    }
    what.iter().map(|h| WebhookEvent::about(e, h.event, h.at, notice_data(e))).collect()
}

/// The escalation as every event's body describes it.
pub(super) fn notice_data(e: &escalation::Model) -> EscalationNoticeData {
    EscalationNoticeData {
        escalation_id: e.id,
        contact_center_id: e.contact_center_id,
        status: e.status.as_str(),
        task_sid: e.task_sid.clone(),
        conversation_sid: e.conversation_sid.clone(),
        agent_identity: e.agent_identity.clone(),
        agent_name: e.agent_name.clone(),
        video_provider: e.video_provider,
        room_name: e.room_name.clone(),
        created_at: e.created_at.to_rfc3339(),
        agent_joined_at: e.agent_joined_at.map(|t| t.to_rfc3339()),
        customer_joined_at: e.customer_joined_at.map(|t| t.to_rfc3339()),
        ended_at: e.ended_at.map(|t| t.to_rfc3339()),
        failure_reason: e.failure_reason.clone(),
        rating: e.rating,
        rating_comment: e.rating_comment.clone(),
        rated_at: e.rated_at.map(|t| t.to_rfc3339()),
        snapshot: None,
    }
}
