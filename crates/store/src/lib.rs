//! Persistence for the service: PostgreSQL in production, SQLite embedded.
//!
//! Tenant isolation lives here. Every query on a tenant-owned table goes
//! through a repository method that takes a [`TenantScope`] and filters by it;
//! the entities themselves are private to this crate, so no other code can
//! build an unscoped query. A `TenantScope` is made only here: by the
//! look-ups that authenticate a caller (they return it with the record they
//! found), and by creating a tenant. Those few look-ups that cross tenants
//! (a session or API key by its secret, a user by email at sign-in, a Flex
//! or Twilio caller's contact center, the operator's tenant list, key
//! rotation) are behind one named door, [`Store::unscoped`].

mod entities;
mod error;
pub mod repos;
mod unscoped;

pub use unscoped::{NewTenant, TenantUsage, Unscoped};

use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use uuid::Uuid;

pub use entities::api_key::Model as ApiKeyRecord;
pub use entities::audit_event::Model as AuditEventRecord;
pub use entities::contact_center::Model as ContactCenterRecord;
pub use entities::escalation::Model as EscalationRecord;
pub use entities::escalation_event::Model as EscalationEventRecord;
pub use entities::session::Model as SessionRecord;
pub use entities::snapshot::Model as SnapshotRecord;
pub use entities::tenant::Model as TenantRecord;
pub use entities::twilio_credential::Model as TwilioCredentialRecord;
pub use entities::user::Model as UserRecord;
pub use entities::webhook_delivery::Model as WebhookDeliveryRecord;
pub use entities::webhook_endpoint::Model as WebhookEndpointRecord;
pub use error::StoreError;

/// Proof that the caller acts for one tenant. Only this crate makes one
/// (see the crate docs), so holding one means a look-up vouched for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantScope(Uuid);

impl TenantScope {
    pub(crate) fn new(tenant_id: Uuid) -> Self {
        Self(tenant_id)
    }

    /// For tests that inspect a tenant's rows directly.
    #[cfg(feature = "test-support")]
    pub fn for_tests(tenant_id: Uuid) -> Self {
        Self(tenant_id)
    }

    pub fn tenant_id(&self) -> Uuid {
        self.0
    }
}

/// Arbitrary, fixed: the advisory lock id that serialises migrations.
const MIGRATION_LOCK: i64 = 0x6573_6361_6c61_7465; // "escalate"

#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Connects without migrating. `url` is a PostgreSQL or SQLite URL.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5))
            // Statement logging would put every query (and its parameters) in the logs.
            .sqlx_logging(false);
        let mut db = Database::connect(opts).await?;
        // One span per statement, under the repository method's span: what a
        // request costs the database can be read off its trace.
        db.set_metric_callback(|info| {
            let kind = info.statement.sql.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            tracing::info_span!("db.query", db.statement.kind = %kind, db.elapsed_us = info.elapsed.as_micros() as u64, db.failed = info.failed)
                .in_scope(|| {});
        });
        if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            // WAL lets readers proceed while one writer commits; the embedded
            // default serves pages and API calls concurrently. Switching to
            // WAL needs the database to itself for a moment and SQLite does
            // not wait for that (another app in the process may be migrating
            // it), so a busy database is tried again for a few seconds.
            let mut tries = 0;
            loop {
                let set = "PRAGMA busy_timeout=5000; PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;";
                match db.execute_unprepared(set).await {
                    Ok(_) => break,
                    Err(e) if tries < 50 && e.to_string().contains("database is locked") => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(Self { db })
    }

    /// Applies pending migrations. On PostgreSQL a session advisory lock makes
    /// replicas that start together (or a migration Job racing a pod) take
    /// turns: the first migrates, the others then find nothing to do.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        use migration::MigratorTrait;
        if self.is_sqlite() {
            // SQLite is the single-process embedded default: a lock in this
            // process is enough (several apps in one process, as in tests).
            static SQLITE_MIGRATIONS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
            let _turn = SQLITE_MIGRATIONS.lock().await;
            migration::Migrator::up(&self.db, None).await?;
            return Ok(());
        }
        // One transaction, so the lock and the migrations share a connection.
        let txn = sea_orm::TransactionTrait::begin(&self.db).await?;
        // Transaction-scoped: released at commit or rollback, even if this process dies.
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")).await?;
        migration::Migrator::up(&txn, None).await?;
        txn.commit().await?;
        Ok(())
    }

    /// For `/readyz`: a round trip to the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }

    pub fn is_sqlite(&self) -> bool {
        self.db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// A transaction that will write after reading. SQLite cannot upgrade a
    /// read lock to a write lock while another writer waits (it answers
    /// "database is locked" at once, busy_timeout or not), so there the first
    /// statement is a write that changes nothing: the write lock is taken up
    /// front, and waiting for it honours busy_timeout.
    pub(crate) async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, StoreError> {
        let txn = sea_orm::TransactionTrait::begin(&self.db).await?;
        if self.is_sqlite() {
            txn.execute_unprepared("UPDATE tenants SET name = name WHERE 0").await?;
        }
        Ok(txn)
    }
}
