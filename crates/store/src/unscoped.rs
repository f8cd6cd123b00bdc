//! The door to look-ups that must cross tenants, each for one stated reason:
//! authentication (a secret or a signed caller finds its tenant), the
//! platform operator, demo seeding and key rotation. The look-ups that find
//! a caller's tenant return its [`TenantScope`] with the record; nothing here
//! returns another tenant's data to a tenant-scoped caller.

use chrono::{DateTime, Utc};
use escalate_domain::vault::WrappedDataKey;
use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use escalate_domain::access::Role;
use escalate_domain::escalation::Status;

use crate::entities::{api_key, audit_event, contact_center, escalation, session, tenant, tenant_data_key, user};
use crate::{
    ApiKeyRecord, ContactCenterRecord, EscalationRecord, SessionRecord, Store, StoreError, TenantRecord, TenantScope,
    UserRecord,
};

pub struct NewTenant<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub slug: &'a str,
    pub admin_email: &'a str,
    pub admin_password_hash: &'a str,
    pub data_key: WrappedDataKey,
}

/// A tenant with how much it uses the product, for the operator.
pub struct TenantUsage {
    pub tenant: TenantRecord,
    pub users: i64,
    pub contact_centers: i64,
    /// Escalations that reached a customer (open or completed) since the given time.
    pub escalations: i64,
    pub last_escalation_at: Option<DateTime<Utc>>,
}

/// The most tenants one email's sign-in looks at (each costs a password hash check).
const MAX_ACCOUNTS_PER_EMAIL: u64 = 5;

impl Store {
    /// Look-ups across tenants; see the module docs for who may use them.
    pub fn unscoped(&self) -> Unscoped<'_> {
        Unscoped(self)
    }
}

/// See the module docs.
pub struct Unscoped<'a>(&'a Store);

impl Unscoped<'_> {
    pub(crate) fn db(&self) -> &sea_orm::DatabaseConnection {
        self.0.db()
    }

    /// A tenant, its first admin and its wrapped data key, all or nothing.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "create_tenant"))]
    pub async fn create_tenant(
        &self,
        new: NewTenant<'_>,
        now: DateTime<Utc>,
    ) -> Result<(TenantRecord, UserRecord, TenantScope), StoreError> {
        let txn = self.db().begin().await?;
        let tenant_id = new.id;
        let tenant = tenant::ActiveModel {
            id: Set(tenant_id),
            name: Set(new.name.to_owned()),
            slug: Set(new.slug.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        tenant_data_key::ActiveModel {
            tenant_id: Set(tenant_id),
            key_id: Set(new.data_key.key_id),
            wrapped_key: Set(new.data_key.ciphertext),
            created_at: Set(now),
            rotated_at: Set(None),
        }
        .insert(&txn)
        .await?;
        let admin = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant_id),
            email: Set(new.admin_email.to_lowercase()),
            password_hash: Set(new.admin_password_hash.to_owned()),
            role: Set(Role::Admin),
            created_at: Set(now),
            last_login_at: Set(None),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok((tenant, admin, TenantScope::new(tenant_id)))
    }

    /// The operator's view of every tenant.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "list_all_tenants"))]
    pub async fn list_all_tenants(&self) -> Result<Vec<TenantRecord>, StoreError> {
        Ok(tenant::Entity::find().order_by_asc(tenant::Column::CreatedAt).all(self.db()).await?)
    }

    /// Every tenant with its users, contact centers and escalations since
    /// `since`: the tenant list and three grouped counts, whatever the number of tenants.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "tenant_usage"))]
    pub async fn tenant_usage(&self, since: DateTime<Utc>) -> Result<Vec<TenantUsage>, StoreError> {
        let db = self.db();
        let tenants = self.list_all_tenants().await?;
        let users: HashMap<Uuid, i64> = user::Entity::find()
            .select_only()
            .column(user::Column::TenantId)
            .column_as(user::Column::Id.count(), "n")
            .group_by(user::Column::TenantId)
            .into_tuple::<(Uuid, i64)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let centers: HashMap<Uuid, i64> = contact_center::Entity::find()
            .select_only()
            .column(contact_center::Column::TenantId)
            .column_as(contact_center::Column::Id.count(), "n")
            .group_by(contact_center::Column::TenantId)
            .into_tuple::<(Uuid, i64)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let escalations: HashMap<Uuid, (i64, Option<DateTime<Utc>>)> = escalation::Entity::find()
            .select_only()
            .column(escalation::Column::TenantId)
            .column_as(escalation::Column::Id.count(), "n")
            .column_as(escalation::Column::CreatedAt.max(), "last")
            .filter(escalation::Column::CreatedAt.gte(since))
            .filter(escalation::Column::Status.is_in([Status::Open, Status::Completed]))
            .group_by(escalation::Column::TenantId)
            .into_tuple::<(Uuid, i64, Option<DateTime<Utc>>)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(t, n, last)| (t, (n, last)))
            .collect();
        Ok(tenants
            .into_iter()
            .map(|t| {
                let (escalations, last_escalation_at) = escalations.get(&t.id).copied().unwrap_or((0, None));
                TenantUsage {
                    users: users.get(&t.id).copied().unwrap_or(0),
                    contact_centers: centers.get(&t.id).copied().unwrap_or(0),
                    escalations,
                    last_escalation_at,
                    tenant: t,
                }
            })
            .collect())
    }

    /// The tenant with this slug (demo seeding finds its own tenant so).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "tenant_by_slug"))]
    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<(TenantRecord, TenantScope)>, StoreError> {
        let t = tenant::Entity::find().filter(tenant::Column::Slug.eq(slug)).one(self.db()).await?;
        Ok(t.map(|t| {
            let scope = TenantScope::new(t.id);
            (t, scope)
        }))
    }

    /// Sign-in: the users with this email, one per tenant at most (an email
    /// is unique within its tenant), most recently signed-in first. The
    /// caller must check the password before acting on a scope.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "users_by_email"))]
    pub async fn users_by_email(&self, email: &str) -> Result<Vec<(UserRecord, TenantScope)>, StoreError> {
        let users = user::Entity::find()
            .filter(user::Column::Email.eq(email.to_lowercase()))
            .order_by_desc(user::Column::LastLoginAt)
            .order_by_asc(user::Column::CreatedAt)
            .limit(MAX_ACCOUNTS_PER_EMAIL)
            .all(self.db())
            .await?;
        Ok(users
            .into_iter()
            .map(|u| {
                let scope = TenantScope::new(u.tenant_id);
                (u, scope)
            })
            .collect())
    }

    /// A live session and its user, by the hash of the cookie's token: the
    /// token is the credential.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "session_by_token"))]
    pub async fn session_by_token_hash(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Option<(SessionRecord, UserRecord, TenantScope)>, StoreError> {
        let Some(s) = session::Entity::find()
            .filter(session::Column::TokenHash.eq(token_hash.to_vec()))
            .filter(session::Column::ExpiresAt.gt(now))
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        let user =
            user::Entity::find_by_id(s.user_id).filter(user::Column::TenantId.eq(s.tenant_id)).one(self.db()).await?;
        Ok(user.map(|u| {
            let scope = TenantScope::new(u.tenant_id);
            (s, u, scope)
        }))
    }

    /// Signing out: whoever holds the token may end its session.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "delete_session"))]
    pub async fn delete_session_by_token_hash(&self, token_hash: &[u8]) -> Result<(), StoreError> {
        session::Entity::delete_many()
            .filter(session::Column::TokenHash.eq(token_hash.to_vec()))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The live API key `token` (`esk_…`): looked up by its public prefix,
    /// then its hash checked in constant time; a revoked key is no key.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "api_key_by_token"))]
    pub async fn api_key_by_token(&self, token: &str) -> Result<Option<(ApiKeyRecord, TenantScope)>, StoreError> {
        let Some(prefix) = escalate_domain::api_key::prefix_of(token) else { return Ok(None) };
        let key = api_key::Entity::find().filter(api_key::Column::Prefix.eq(prefix)).one(self.db()).await?;
        Ok(key.filter(|k| k.revoked_at.is_none() && escalate_domain::api_key::verify(token, &k.key_hash)).map(|k| {
            let scope = TenantScope::new(k.tenant_id);
            (k, scope)
        }))
    }

    /// Retention: deletes every tenant's audit entries older than `before`
    /// (one retention period for the deployment, from configuration).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "purge_audit"))]
    pub async fn purge_audit_before(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let res = audit_event::Entity::delete_many()
            .filter(audit_event::Column::OccurredAt.lt(before))
            .exec(self.db())
            .await?;
        Ok(res.rows_affected)
    }

    /// Recorded escalations whose recordings are not deleted yet and are at
    /// least a day old (the shortest retention), oldest first, each with its
    /// tenant and its contact center's retention in days.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "recordings_due"))]
    pub async fn recordings_due(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(EscalationRecord, TenantScope, i32)>, StoreError> {
        let rows = escalation::Entity::find()
            .filter(escalation::Column::Recorded.eq(true))
            .filter(escalation::Column::RecordingsDeletedAt.is_null())
            .filter(escalation::Column::CreatedAt.lt(now - chrono::Duration::days(1)))
            .order_by_asc(escalation::Column::CreatedAt)
            .limit(limit)
            .all(self.db())
            .await?;
        let mut ccs: Vec<Uuid> = rows.iter().map(|e| e.contact_center_id).collect();
        ccs.sort_unstable();
        ccs.dedup();
        let centers =
            contact_center::Entity::find().filter(contact_center::Column::Id.is_in(ccs)).all(self.db()).await?;
        Ok(rows
            .into_iter()
            .filter_map(|e| {
                let days = centers.iter().find(|c| c.id == e.contact_center_id)?.recording_retention_days;
                let scope = TenantScope::new(e.tenant_id);
                Some((e, scope, days))
            })
            .collect())
    }

    /// Escalations of contact centers that report to Flex Insights whose
    /// outcome is not in their Flex task yet: ended or expired in the last
    /// day (Flex deletes finished tasks within minutes; older ones are
    /// gone), not written since they ended or were last rated. Test calls
    /// have no task.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "insights_due"))]
    pub async fn insights_due(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(EscalationRecord, TenantScope)>, StoreError> {
        use sea_orm::sea_query::ExprTrait;
        let centers: Vec<Uuid> = contact_center::Entity::find()
            .select_only()
            .column(contact_center::Column::Id)
            .filter(contact_center::Column::InsightsEnabled.eq(true))
            .into_tuple()
            .all(self.db())
            .await?;
        if centers.is_empty() {
            return Ok(Vec::new());
        }
        let rows = escalation::Entity::find()
            .filter(escalation::Column::ContactCenterId.is_in(centers))
            .filter(escalation::Column::Status.is_in([Status::Completed, Status::Expired]))
            .filter(escalation::Column::TestCall.eq(false))
            .filter(escalation::Column::TaskSid.ne(""))
            .filter(escalation::Column::UpdatedAt.gt(now - chrono::Duration::days(1)))
            // One that failed waits its turn: it never holds up the others.
            .filter(
                sea_orm::Condition::any()
                    .add(escalation::Column::InsightsNextTryAt.is_null())
                    .add(escalation::Column::InsightsNextTryAt.lte(now)),
            )
            .filter(
                sea_orm::Condition::any()
                    .add(escalation::Column::InsightsWrittenAt.is_null())
                    .add(escalation::Column::RatedAt.into_expr().gt(escalation::Column::InsightsWrittenAt.into_expr())),
            )
            .order_by_asc(escalation::Column::UpdatedAt)
            .limit(limit)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|e| {
                let scope = TenantScope::new(e.tenant_id);
                (e, scope)
            })
            .collect())
    }

    /// Deletes the snapshots older than their contact center's retention
    /// period, across tenants; how many. Only contact centers holding a
    /// snapshot a day old are looked at (the shortest period is a day).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "purge_snapshots"))]
    pub async fn purge_snapshots(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        use crate::entities::snapshot;
        let centers: Vec<Uuid> = snapshot::Entity::find()
            .select_only()
            .column(snapshot::Column::ContactCenterId)
            .distinct()
            .filter(snapshot::Column::CreatedAt.lt(now - chrono::Duration::days(1)))
            .into_tuple()
            .all(self.db())
            .await?;
        let mut purged = 0;
        for center in
            contact_center::Entity::find().filter(contact_center::Column::Id.is_in(centers)).all(self.db()).await?
        {
            let cutoff = now - chrono::Duration::days(i64::from(center.snapshot_retention_days));
            purged += snapshot::Entity::delete_many()
                .filter(snapshot::Column::ContactCenterId.eq(center.id))
                .filter(snapshot::Column::TenantId.eq(center.tenant_id))
                .filter(snapshot::Column::CreatedAt.lt(cutoff))
                .exec(self.db())
                .await?
                .rows_affected;
        }
        Ok(purged)
    }

    /// Key rotation: every tenant's wrapped data key.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "all_data_keys"))]
    pub async fn all_data_keys(&self) -> Result<Vec<(Uuid, WrappedDataKey)>, StoreError> {
        let rows = tenant_data_key::Entity::find().all(self.db()).await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.tenant_id, WrappedDataKey { key_id: r.key_id, ciphertext: r.wrapped_key }))
            .collect())
    }

    /// Replaces a wrapped data key only if it is still the one that was read
    /// (compare-and-swap), so two concurrent rotations cannot lose a key.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "replace_data_key"))]
    pub async fn replace_data_key(
        &self,
        tenant_id: Uuid,
        old: &WrappedDataKey,
        new: WrappedDataKey,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use sea_orm::sea_query::Expr;
        let res = tenant_data_key::Entity::update_many()
            .col_expr(tenant_data_key::Column::KeyId, Expr::value(new.key_id))
            .col_expr(tenant_data_key::Column::WrappedKey, Expr::value(new.ciphertext))
            .col_expr(tenant_data_key::Column::RotatedAt, Expr::value(now))
            .filter(tenant_data_key::Column::TenantId.eq(tenant_id))
            .filter(tenant_data_key::Column::KeyId.eq(old.key_id.clone()))
            .filter(tenant_data_key::Column::WrappedKey.eq(old.ciphertext.clone()))
            .exec(self.db())
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// A contact center by id alone, with its tenant: for callers that prove
    /// their tenant afterwards with that contact center's Twilio account
    /// (Flex tokens, Twilio's signed callbacks).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "contact_center_unscoped"))]
    pub async fn contact_center(&self, id: Uuid) -> Result<Option<(ContactCenterRecord, TenantScope)>, StoreError> {
        let cc = contact_center::Entity::find_by_id(id).one(self.db()).await?;
        Ok(cc.map(|cc| {
            let scope = TenantScope::new(cc.tenant_id);
            (cc, scope)
        }))
    }

    /// An escalation by id alone, for the same callers as above.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "escalation_unscoped"))]
    pub async fn escalation(&self, id: Uuid) -> Result<Option<(EscalationRecord, TenantScope)>, StoreError> {
        let e = escalation::Entity::find_by_id(id).one(self.db()).await?;
        Ok(e.map(with_scope))
    }

    /// Escalations still `creating` since before `before`: left by a replica
    /// that stopped mid-way, for the recovery task (any tenant's).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "stale_creating"))]
    pub async fn stale_creating(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(EscalationRecord, TenantScope)>, StoreError> {
        let rows = escalation::Entity::find()
            .filter(escalation::Column::Status.eq(Status::Creating))
            .filter(escalation::Column::UpdatedAt.lt(before))
            .order_by_asc(escalation::Column::UpdatedAt)
            .limit(limit)
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(with_scope).collect())
    }

    /// Open escalations whose link ran out by `now` with nobody ever in the
    /// call (the rule of `Status::at`), oldest first: for the expiry
    /// sweeper (any tenant's).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "expiring"))]
    pub async fn expiring(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(EscalationRecord, TenantScope)>, StoreError> {
        let rows = escalation::Entity::find()
            .filter(escalation::Column::Status.eq(Status::Open))
            .filter(escalation::Column::ExpiresAt.lte(now))
            .filter(escalation::Column::AgentJoinedAt.is_null())
            .filter(escalation::Column::CustomerJoinedAt.is_null())
            .order_by_asc(escalation::Column::ExpiresAt)
            .limit(limit)
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(with_scope).collect())
    }

    /// A customer's room code: the code itself is the credential.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "escalation_by_code"))]
    pub async fn escalation_by_code(&self, code: &str) -> Result<Option<(EscalationRecord, TenantScope)>, StoreError> {
        let e = escalation::Entity::find().filter(escalation::Column::Code.eq(code)).one(self.db()).await?;
        Ok(e.map(with_scope))
    }
}

/// An escalation found across tenants, with the scope of its own tenant.
fn with_scope(e: EscalationRecord) -> (EscalationRecord, TenantScope) {
    let scope = TenantScope::new(e.tenant_id);
    (e, scope)
}
