//! Escalation metrics, aggregated in the database: counts with GROUP BY and
//! nearest-rank percentiles with window functions (ROW_NUMBER / COUNT OVER),
//! which PostgreSQL and SQLite both have. Only the "seconds between two
//! timestamps" expression differs per database.
//!
//! Time buckets come in as a list of `[start, end)` instants (computed in
//! the domain, time-zone aware) and are joined as a VALUES table, so no
//! database-specific date truncation is needed.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseBackend, FromQueryResult, Statement, Value};
use uuid::Uuid;

use crate::{Store, StoreError, TenantScope};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One row for the whole range.
    Total,
    Agent,
    ContactCenter,
    /// One row per bucket, keyed by the bucket's index.
    Bucket,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct FigureRow {
    pub key: String,
    pub escalations: i64,
    pub customers_joined: i64,
    pub time_to_join_p50: Option<f64>,
    pub time_to_join_p90: Option<f64>,
    pub call_duration_p50: Option<f64>,
    pub call_duration_p90: Option<f64>,
}

pub struct MetricsQuery<'a> {
    /// `None`: every contact center of the tenant.
    pub contact_center_id: Option<Uuid>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Needed for [`Grouping::Bucket`].
    pub buckets: &'a [(DateTime<Utc>, DateTime<Utc>)],
}

fn seconds_between(backend: DatabaseBackend, later: &str, earlier: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"),
        _ => format!("((julianday({later}) - julianday({earlier})) * 86400.0)"),
    }
}

impl Store {
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "escalation_figures"))]
    pub async fn escalation_figures(&self, scope: TenantScope, q: &MetricsQuery<'_>, grouping: Grouping) -> Result<Vec<FigureRow>, StoreError> {
        let backend = self.db().get_database_backend();
        let mut values: Vec<Value> = vec![scope.tenant_id().into(), q.from.into(), q.to.into()];
        let mut cc_filter = String::new();
        if let Some(cc) = q.contact_center_id {
            values.push(cc.into());
            cc_filter = format!("AND e.contact_center_id = ${}", values.len());
        }
        let (bucket_cte, bucket_join, key) = match grouping {
            Grouping::Total => (String::new(), String::new(), "'total'".to_owned()),
            Grouping::Agent => (String::new(), String::new(), "e.agent_identity".to_owned()),
            Grouping::ContactCenter => (String::new(), String::new(), uuid_text(backend, "e.contact_center_id")),
            Grouping::Bucket => {
                if q.buckets.is_empty() {
                    return Ok(Vec::new());
                }
                let mut rows = Vec::with_capacity(q.buckets.len());
                for (i, (lo, hi)) in q.buckets.iter().enumerate() {
                    values.push((i as i64).into());
                    values.push((*lo).into());
                    values.push((*hi).into());
                    let n = values.len();
                    rows.push(format!("(${}, ${}, ${})", n - 2, n - 1, n));
                }
                (
                    format!("b(idx, lo, hi) AS (VALUES {}),", rows.join(", ")),
                    "JOIN b ON e.created_at >= b.lo AND e.created_at < b.hi".to_owned(),
                    "CAST(b.idx AS TEXT)".to_owned(),
                )
            }
        };
        let ttj = seconds_between(backend, "e.customer_joined_at", "e.created_at");
        let dur = seconds_between(backend, "e.ended_at", "e.customer_joined_at");
        let sql = format!(
            r"WITH {bucket_cte}
e AS (
    SELECT {key} AS k,
           CASE WHEN e.customer_joined_at IS NOT NULL THEN 1 ELSE 0 END AS joined,
           CASE WHEN e.customer_joined_at IS NOT NULL THEN {ttj} END AS ttj,
           CASE WHEN e.customer_joined_at IS NOT NULL AND e.ended_at IS NOT NULL THEN {dur} END AS dur
    FROM escalations e {bucket_join}
    WHERE e.tenant_id = $1 AND e.created_at >= $2 AND e.created_at < $3 {cc_filter}
      AND e.status IN ('open', 'completed')
),
counts AS (SELECT k, COUNT(*) AS n, SUM(joined) AS joined FROM e GROUP BY k),
ttj_ranked AS (
    SELECT k, ttj AS x, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ttj) AS rn, COUNT(*) OVER (PARTITION BY k) AS cnt
    FROM e WHERE ttj IS NOT NULL
),
ttj_p AS (
    SELECT k, MIN(CASE WHEN rn >= 0.5 * cnt THEN x END) AS p50, MIN(CASE WHEN rn >= 0.9 * cnt THEN x END) AS p90
    FROM ttj_ranked GROUP BY k
),
dur_ranked AS (
    SELECT k, dur AS x, ROW_NUMBER() OVER (PARTITION BY k ORDER BY dur) AS rn, COUNT(*) OVER (PARTITION BY k) AS cnt
    FROM e WHERE dur IS NOT NULL
),
dur_p AS (
    SELECT k, MIN(CASE WHEN rn >= 0.5 * cnt THEN x END) AS p50, MIN(CASE WHEN rn >= 0.9 * cnt THEN x END) AS p90
    FROM dur_ranked GROUP BY k
)
SELECT c.k AS key,
       CAST(c.n AS BIGINT) AS escalations,
       CAST(c.joined AS BIGINT) AS customers_joined,
       CAST(t.p50 AS DOUBLE PRECISION) AS time_to_join_p50,
       CAST(t.p90 AS DOUBLE PRECISION) AS time_to_join_p90,
       CAST(d.p50 AS DOUBLE PRECISION) AS call_duration_p50,
       CAST(d.p90 AS DOUBLE PRECISION) AS call_duration_p90
FROM counts c LEFT JOIN ttj_p t ON t.k = c.k LEFT JOIN dur_p d ON d.k = c.k
ORDER BY c.k"
        );
        let sql = match backend {
            // SQLite numbers parameters `?NNN`.
            DatabaseBackend::Sqlite => sql.replace('$', "?"),
            _ => sql,
        };
        let stmt = Statement::from_sql_and_values(backend, sql, values);
        Ok(FigureRow::find_by_statement(stmt).all(self.db()).await?)
    }
}

/// A UUID column as text that `Uuid::parse_str` reads: SQLite stores UUIDs
/// as 16-byte blobs, PostgreSQL as its own type.
fn uuid_text(backend: DatabaseBackend, expr: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("CAST({expr} AS TEXT)"),
        _ => format!("lower(hex({expr}))"),
    }
}
