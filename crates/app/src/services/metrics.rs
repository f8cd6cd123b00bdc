//! Escalation figures as the API and the dashboard both show them: the same
//! three store queries (totals, a grouping, per bucket), the same buckets and
//! the same rounding, so a page and an API call never disagree.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use escalate_domain::metrics::{self, Bucket};
use escalate_store::TenantScope;
use escalate_store::repos::{Breakdown, FigureRow, Grouping, MetricsQuery};
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub escalations: i64,
    pub customers_joined: i64,
    /// Escalations whose link ran out with nobody ever in the call.
    pub expired: i64,
    /// Rounded to 3 decimals, as are the seconds below.
    pub join_rate: f64,
    pub ttj_median: Option<f64>,
    pub ttj_p90: Option<f64>,
    pub duration_median: Option<f64>,
    pub duration_p90: Option<f64>,
    /// Customers' ratings: how many, their average (3 decimals), and how
    /// many gave 1, 2, 3, 4 and 5 stars.
    pub ratings: i64,
    pub rating_average: Option<f64>,
    pub rating_distribution: [i64; 5],
    /// Calls whose quality either browser measured, and the share of them
    /// that were poor (3 decimals; see `escalate_domain::quality`).
    pub quality_measured: i64,
    pub poor_quality_share: Option<f64>,
}

fn round(v: Option<f64>) -> Option<f64> {
    v.map(|x| (x * 1000.0).round() / 1000.0)
}

impl Figures {
    pub fn from_row(row: Option<&FigureRow>) -> Self {
        match row {
            None => Self::default(),
            Some(r) => Self {
                escalations: r.escalations,
                customers_joined: r.customers_joined,
                expired: r.expired,
                join_rate: round(Some(metrics::join_rate(r.escalations, r.customers_joined))).unwrap_or(0.0),
                ttj_median: round(r.time_to_join_p50),
                ttj_p90: round(r.time_to_join_p90),
                duration_median: round(r.call_duration_p50),
                duration_p90: round(r.call_duration_p90),
                ratings: r.ratings,
                rating_average: round((r.ratings > 0).then(|| r.rating_sum as f64 / r.ratings as f64)),
                rating_distribution: [r.rated_1, r.rated_2, r.rated_3, r.rated_4, r.rated_5],
                quality_measured: r.quality_measured,
                poor_quality_share: round(
                    (r.quality_measured > 0).then(|| r.quality_poor as f64 / r.quality_measured as f64),
                ),
            },
        }
    }
}

pub struct Range {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub bucket: Bucket,
    /// The zone the buckets are local to.
    pub zone: Tz,
    pub buckets: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Test calls from the dashboard are left out unless asked for.
    pub include_test_calls: bool,
}

impl Range {
    /// Errors name the field at fault (`from` for the range itself).
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>, bucket: Bucket, zone: Tz) -> AppResult<Self> {
        let buckets = metrics::buckets(from, to, bucket, zone).map_err(|e| AppError::field("from", e.to_string()))?;
        Ok(Self { from, to, bucket, zone, buckets, include_test_calls: false })
    }
}

pub struct Computed {
    pub totals: Figures,
    /// `(key, figures)` of the grouping asked for: agent identity or contact center id.
    pub grouped: Vec<(String, Figures)>,
    /// Every bucket of the range, empty ones included.
    pub series: Vec<(DateTime<Utc>, DateTime<Utc>, Figures)>,
}

pub async fn compute(
    app: &App,
    scope: TenantScope,
    cc: Option<Uuid>,
    range: &Range,
    by: Grouping,
) -> AppResult<Computed> {
    let q = MetricsQuery {
        contact_center_id: cc,
        from: range.from,
        to: range.to,
        buckets: &range.buckets,
        include_test_calls: range.include_test_calls,
        now: Utc::now(),
    };
    let Breakdown { total, grouped, buckets } = app.store.escalation_breakdown(scope, &q, by).await?;
    Ok(Computed {
        totals: Figures::from_row(total.as_ref()),
        grouped: grouped.iter().map(|r| (r.key.clone(), Figures::from_row(Some(r)))).collect(),
        series: range
            .buckets
            .iter()
            .enumerate()
            .map(|(i, (s, e))| (*s, *e, Figures::from_row(buckets.iter().find(|r| r.key == i.to_string()))))
            .collect(),
    })
}
