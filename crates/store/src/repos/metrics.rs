//! Escalation metrics, aggregated in the database: counts with GROUP BY and
//! nearest-rank percentiles with window functions (ROW_NUMBER / COUNT OVER),
//! which PostgreSQL and SQLite both have. Only the "seconds between two
//! timestamps" expression differs per database.
//!
//! Time buckets come in as a list of `[start, end)` instants (computed in
//! the domain, time-zone aware), so no database-specific date truncation is
//! needed.
//!
//! [`Store::escalation_breakdown`] answers a whole metrics request (totals,
//! one grouping, the series). On PostgreSQL that is one query reading the
//! rows once: `GROUPING SETS` with `percentile_disc` (nearest-rank, the
//! same definition) and `width_bucket` over the bucket bounds. SQLite has
//! neither grouping sets nor ordered-set aggregates, so there it is three
//! portable window-function queries; the tests run both.

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
    /// Links that ran out with nobody ever in the call.
    pub expired: i64,
    pub time_to_join_p50: Option<f64>,
    pub time_to_join_p90: Option<f64>,
    pub call_duration_p50: Option<f64>,
    pub call_duration_p90: Option<f64>,
    /// Customers' ratings: how many, their sum, and how many gave each number of stars.
    pub ratings: i64,
    pub rating_sum: i64,
    pub rated_1: i64,
    pub rated_2: i64,
    pub rated_3: i64,
    pub rated_4: i64,
    pub rated_5: i64,
    /// Calls either side measured, and those that were poor.
    pub quality_measured: i64,
    pub quality_poor: i64,
}

pub struct MetricsQuery<'a> {
    /// `None`: every contact center of the tenant.
    pub contact_center_id: Option<Uuid>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Needed for [`Grouping::Bucket`].
    pub buckets: &'a [(DateTime<Utc>, DateTime<Utc>)],
    /// Test calls from the dashboard count only when asked for.
    pub include_test_calls: bool,
    /// When the figures are asked for: an open escalation whose link has
    /// run out unused by then counts as expired.
    pub now: DateTime<Utc>,
}

impl MetricsQuery<'_> {
    fn test_call_filter(&self) -> &'static str {
        if self.include_test_calls { "" } else { "AND NOT e.test_call" }
    }
}

/// Counted escalations: those that reached the customer.
const COUNTED: &str = "e.status IN ('open', 'completed', 'expired')";

/// Whether a row is expired at parameter `$now` (the rule of the domain's
/// `Status::at`, written down or not yet swept).
fn expired_at(now: usize) -> String {
    format!(
        "(e.status = 'expired' OR (e.status = 'open' AND e.expires_at <= ${now} \
         AND e.agent_joined_at IS NULL AND e.customer_joined_at IS NULL))"
    )
}

/// A whole metrics answer: totals, the asked-for grouping, and one row per
/// non-empty bucket keyed by the bucket's index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Breakdown {
    pub total: Option<FigureRow>,
    pub grouped: Vec<FigureRow>,
    pub buckets: Vec<FigureRow>,
}

/// A row of the PostgreSQL grouping-sets query; `GROUPING()` tells which set it belongs to.
#[derive(Debug, FromQueryResult)]
struct GroupingSetRow {
    grouped_by_key: i32,
    grouped_by_bucket: i32,
    k: Option<String>,
    b: Option<i32>,
    escalations: i64,
    customers_joined: i64,
    expired: i64,
    time_to_join_p50: Option<f64>,
    time_to_join_p90: Option<f64>,
    call_duration_p50: Option<f64>,
    call_duration_p90: Option<f64>,
    ratings: i64,
    rating_sum: i64,
    rated_1: i64,
    rated_2: i64,
    rated_3: i64,
    rated_4: i64,
    rated_5: i64,
    quality_measured: i64,
    quality_poor: i64,
}

fn seconds_between(backend: DatabaseBackend, later: &str, earlier: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"),
        _ => format!("((julianday({later}) - julianday({earlier})) * 86400.0)"),
    }
}

impl Store {
    /// Totals, `by` (agent or contact center) and the series of a range.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "escalation_breakdown"))]
    pub async fn escalation_breakdown(
        &self,
        scope: TenantScope,
        q: &MetricsQuery<'_>,
        by: Grouping,
    ) -> Result<Breakdown, StoreError> {
        match self.db().get_database_backend() {
            DatabaseBackend::Postgres => self.breakdown_in_one_scan(scope, q, by).await,
            _ => {
                let grouped = async {
                    if by == Grouping::Total { Ok(Vec::new()) } else { self.escalation_figures(scope, q, by).await }
                };
                let (total, grouped, buckets) = tokio::try_join!(
                    self.escalation_figures(scope, q, Grouping::Total),
                    grouped,
                    self.escalation_figures(scope, q, Grouping::Bucket),
                )?;
                Ok(Breakdown { total: total.into_iter().next(), grouped, buckets })
            }
        }
    }

    /// PostgreSQL: every figure of the breakdown from one pass over the rows.
    async fn breakdown_in_one_scan(
        &self,
        scope: TenantScope,
        q: &MetricsQuery<'_>,
        by: Grouping,
    ) -> Result<Breakdown, StoreError> {
        let mut values: Vec<Value> = vec![scope.tenant_id().into(), q.from.into(), q.to.into()];
        let mut cc_filter = String::new();
        if let Some(cc) = q.contact_center_id {
            values.push(cc.into());
            cc_filter = format!("AND e.contact_center_id = ${}", values.len());
        }
        // Bucket bounds as one array literal: the starts, then the last end.
        // `width_bucket` finds a row's bucket by binary search; the scalar
        // subquery makes PostgreSQL parse the array once, not once per row.
        let mut bounds: Vec<String> =
            q.buckets.iter().map(|(lo, _)| lo.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)).collect();
        if let Some((_, hi)) = q.buckets.last() {
            bounds.push(hi.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        }
        values.push(format!("{{{}}}", bounds.join(",")).into());
        let bounds_param = values.len();
        values.push(q.now.into());
        let expired = expired_at(values.len());
        // Without a key grouping, `k` may be neither selected nor passed to
        // `GROUPING()`: it is always "rolled up" (1) and NULL.
        let (key, sets, grouping_k, k_out) = match by {
            Grouping::Agent => ("e.agent_identity", "(), (k), (b)", "GROUPING(k)", "k"),
            Grouping::ContactCenter => ("CAST(e.contact_center_id AS TEXT)", "(), (k), (b)", "GROUPING(k)", "k"),
            Grouping::Total | Grouping::Bucket => ("CAST(NULL AS TEXT)", "(), (b)", "1", "CAST(NULL AS TEXT)"),
        };
        let test_calls = q.test_call_filter();
        let sql = format!(
            r"WITH e AS (
    SELECT {key} AS k,
           width_bucket(e.created_at, (SELECT CAST(${bounds_param} AS timestamptz[]))) AS b,
           e.customer_joined_at IS NOT NULL AS joined,
           {expired} AS expired,
           CAST(EXTRACT(EPOCH FROM (e.customer_joined_at - e.created_at)) AS DOUBLE PRECISION) AS ttj,
           CAST(EXTRACT(EPOCH FROM (e.ended_at - e.customer_joined_at)) AS DOUBLE PRECISION) AS dur,
           e.rating AS rating,
           e.quality_poor AS quality_poor
    FROM escalations e
    WHERE e.tenant_id = $1 AND e.created_at >= $2 AND e.created_at < $3 {cc_filter} {test_calls}
      AND {COUNTED}
)
SELECT {grouping_k} AS grouped_by_key, GROUPING(b) AS grouped_by_bucket, {k_out} AS k, b,
       COUNT(*) AS escalations,
       COUNT(*) FILTER (WHERE joined) AS customers_joined,
       COUNT(*) FILTER (WHERE expired) AS expired,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY ttj) AS time_to_join_p50,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY ttj) AS time_to_join_p90,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY dur) AS call_duration_p50,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY dur) AS call_duration_p90,
       COUNT(rating) AS ratings,
       CAST(COALESCE(SUM(rating), 0) AS BIGINT) AS rating_sum,
       COUNT(*) FILTER (WHERE rating = 1) AS rated_1,
       COUNT(*) FILTER (WHERE rating = 2) AS rated_2,
       COUNT(*) FILTER (WHERE rating = 3) AS rated_3,
       COUNT(*) FILTER (WHERE rating = 4) AS rated_4,
       COUNT(*) FILTER (WHERE rating = 5) AS rated_5,
       COUNT(quality_poor) AS quality_measured,
       COUNT(*) FILTER (WHERE quality_poor) AS quality_poor
FROM e
GROUP BY GROUPING SETS ({sets})
ORDER BY 3, b"
        );
        let stmt = Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values);
        let rows = GroupingSetRow::find_by_statement(stmt).all(self.db()).await?;
        let mut out = Breakdown::default();
        for r in rows {
            let figures = |key: String| FigureRow {
                key,
                escalations: r.escalations,
                customers_joined: r.customers_joined,
                expired: r.expired,
                time_to_join_p50: r.time_to_join_p50,
                time_to_join_p90: r.time_to_join_p90,
                call_duration_p50: r.call_duration_p50,
                call_duration_p90: r.call_duration_p90,
                ratings: r.ratings,
                rating_sum: r.rating_sum,
                rated_1: r.rated_1,
                rated_2: r.rated_2,
                rated_3: r.rated_3,
                rated_4: r.rated_4,
                rated_5: r.rated_5,
                quality_measured: r.quality_measured,
                quality_poor: r.quality_poor,
            };
            match (r.grouped_by_key, r.grouped_by_bucket) {
                // Grouped by the key only (the bucket is rolled up), and vice versa.
                (0, 1) => out.grouped.push(figures(r.k.clone().unwrap_or_default())),
                (1, 0) => out.buckets.push(figures(r.b.map(|b| (b - 1).to_string()).unwrap_or_default())),
                _ => out.total = Some(figures("total".into())),
            }
        }
        Ok(out)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "escalation_figures"))]
    pub async fn escalation_figures(
        &self,
        scope: TenantScope,
        q: &MetricsQuery<'_>,
        grouping: Grouping,
    ) -> Result<Vec<FigureRow>, StoreError> {
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
        values.push(q.now.into());
        let expired = expired_at(values.len());
        let ttj = seconds_between(backend, "e.customer_joined_at", "e.created_at");
        let dur = seconds_between(backend, "e.ended_at", "e.customer_joined_at");
        let test_calls = q.test_call_filter();
        let sql = format!(
            r"WITH {bucket_cte}
e AS (
    SELECT {key} AS k,
           CASE WHEN e.customer_joined_at IS NOT NULL THEN 1 ELSE 0 END AS joined,
           CASE WHEN {expired} THEN 1 ELSE 0 END AS expired,
           CASE WHEN e.customer_joined_at IS NOT NULL THEN {ttj} END AS ttj,
           CASE WHEN e.customer_joined_at IS NOT NULL AND e.ended_at IS NOT NULL THEN {dur} END AS dur,
           e.rating AS rating,
           e.quality_poor AS quality_poor
    FROM escalations e {bucket_join}
    WHERE e.tenant_id = $1 AND e.created_at >= $2 AND e.created_at < $3 {cc_filter} {test_calls}
      AND {COUNTED}
),
counts AS (
    SELECT k, COUNT(*) AS n, SUM(joined) AS joined, SUM(expired) AS expired, COUNT(rating) AS ratings, COALESCE(SUM(rating), 0) AS rating_sum,
           SUM(CASE WHEN rating = 1 THEN 1 ELSE 0 END) AS r1, SUM(CASE WHEN rating = 2 THEN 1 ELSE 0 END) AS r2,
           SUM(CASE WHEN rating = 3 THEN 1 ELSE 0 END) AS r3, SUM(CASE WHEN rating = 4 THEN 1 ELSE 0 END) AS r4,
           SUM(CASE WHEN rating = 5 THEN 1 ELSE 0 END) AS r5,
           COUNT(quality_poor) AS qm, SUM(CASE WHEN quality_poor THEN 1 ELSE 0 END) AS qp
    FROM e GROUP BY k
),
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
       CAST(c.expired AS BIGINT) AS expired,
       CAST(t.p50 AS DOUBLE PRECISION) AS time_to_join_p50,
       CAST(t.p90 AS DOUBLE PRECISION) AS time_to_join_p90,
       CAST(d.p50 AS DOUBLE PRECISION) AS call_duration_p50,
       CAST(d.p90 AS DOUBLE PRECISION) AS call_duration_p90,
       CAST(c.ratings AS BIGINT) AS ratings,
       CAST(c.rating_sum AS BIGINT) AS rating_sum,
       CAST(c.r1 AS BIGINT) AS rated_1,
       CAST(c.r2 AS BIGINT) AS rated_2,
       CAST(c.r3 AS BIGINT) AS rated_3,
       CAST(c.r4 AS BIGINT) AS rated_4,
       CAST(c.r5 AS BIGINT) AS rated_5,
       CAST(c.qm AS BIGINT) AS quality_measured,
       CAST(c.qp AS BIGINT) AS quality_poor
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
