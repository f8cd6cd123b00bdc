use chrono::{DateTime, Utc};
use escalate_app::records::Grouping;
use escalate_app::services::reads;
use escalate_domain::access::Permission;
use escalate_domain::metrics::{self, Bucket};
use poem::Body;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use escalate_app::services::export;
use escalate_app::services::metrics as metrics_service;

pub struct MetricsApi;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum BucketSize {
    Hour,
    Day,
}

#[derive(Object, Clone)]
#[oai(skip_serializing_if_is_none)]
struct Percentiles {
    median: Option<f64>,
    p90: Option<f64>,
}

/// Escalations created in a period and what came of them.
#[derive(Object, Clone)]
#[oai(skip_serializing_if_is_none)]
struct Figures {
    /// Escalations that reached the customer (failed attempts are not counted).
    escalations: i64,
    /// Of those, how many customers joined the room.
    customers_joined: i64,
    /// Of those, how many links ran out with nobody ever in the call
    /// (status `expired`).
    expired: i64,
    /// customers_joined / escalations (0 when there were none).
    join_rate: f64,
    /// Seconds from the escalation to the customer's first connection.
    time_to_join_seconds: Percentiles,
    /// Seconds from the customer's first connection to the room's end.
    call_duration_seconds: Percentiles,
    /// What customers said of their calls afterwards.
    rating: RatingFigures,
    /// How the calls went, as both browsers measured them.
    quality: QualityFigures,
}

/// Call quality of the escalations in the period.
#[derive(Object, Clone)]
struct QualityFigures {
    /// Calls whose quality either side's browser measured.
    measured: i64,
    /// Of those, the share that were poor: either side's median round trip
    /// at least 300 ms or its median packet loss at least 3 %. Null when none
    /// was measured.
    poor_share: Option<f64>,
}

/// Customers' ratings (1–5 stars) of the escalations in the period.
#[derive(Object, Clone)]
#[oai(skip_serializing_if_is_none)]
struct RatingFigures {
    /// How many customers rated their call.
    count: i64,
    /// Their average, to 3 decimals; absent without ratings.
    average: Option<f64>,
    /// How many gave 1, 2, 3, 4 and 5 stars, in that order.
    distribution: Vec<i64>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct AgentFigures {
    agent_identity: String,
    figures: Figures,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct BucketFigures {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    figures: Figures,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct ContactCenterFigures {
    contact_center_id: Uuid,
    name: String,
    figures: Figures,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct ContactCenterMetrics {
    contact_center_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: BucketSize,
    tz: String,
    totals: Figures,
    by_agent: Vec<AgentFigures>,
    /// Every bucket of the range, empty ones included.
    series: Vec<BucketFigures>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct TenantMetrics {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: BucketSize,
    tz: String,
    totals: Figures,
    by_contact_center: Vec<ContactCenterFigures>,
    series: Vec<BucketFigures>,
}

#[derive(ApiResponse)]
enum CsvResponse {
    /// One row per escalation, newest first.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Binary<Body>, #[oai(header = "Content-Disposition")] String),
}

impl From<&metrics_service::Figures> for Figures {
    fn from(f: &metrics_service::Figures) -> Self {
        Figures {
            escalations: f.escalations,
            customers_joined: f.customers_joined,
            expired: f.expired,
            join_rate: f.join_rate,
            time_to_join_seconds: Percentiles { median: f.ttj_median, p90: f.ttj_p90 },
            call_duration_seconds: Percentiles { median: f.duration_median, p90: f.duration_p90 },
            rating: RatingFigures {
                count: f.ratings,
                average: f.rating_average,
                distribution: f.rating_distribution.to_vec(),
            },
            quality: QualityFigures { measured: f.quality_measured, poor_share: f.poor_quality_share },
        }
    }
}

/// The query's range, validated, with the zone's name for the answer.
fn range(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    bucket: Option<BucketSize>,
    tz: Option<String>,
    include_test_calls: Option<bool>,
) -> ApiResult<(metrics_service::Range, BucketSize, String)> {
    let to = to.unwrap_or_else(Utc::now);
    let from = from.unwrap_or(to - chrono::Duration::days(30));
    let size = bucket.unwrap_or(BucketSize::Day);
    let tz_name = tz.unwrap_or_else(|| "UTC".into());
    let zone = metrics::parse_zone(&tz_name).map_err(|e| ApiError::field("tz", e.to_string()))?;
    let bucket = match size {
        BucketSize::Hour => Bucket::Hour,
        BucketSize::Day => Bucket::Day,
    };
    let mut range = metrics_service::Range::new(from, to, bucket, zone)?;
    range.include_test_calls = include_test_calls.unwrap_or(false);
    Ok((range, size, tz_name))
}

fn series(computed: &metrics_service::Computed) -> Vec<BucketFigures> {
    computed
        .series
        .iter()
        .map(|(start, end, f)| BucketFigures { start: *start, end: *end, figures: f.into() })
        .collect()
}

#[OpenApi(tag = "Tag::Metrics")]
impl MetricsApi {
    /// Escalation metrics of one contact center: totals, per agent, per bucket.
    ///
    /// `from`/`to` default to the last 30 days; `bucket` is `day` (default)
    /// or `hour` (ranges up to 31 days); `tz` is an IANA zone for bucket
    /// boundaries (default: the contact center's `time_zone`). Test calls
    /// started from the dashboard count only with `include_test_calls=true`.
    #[oai(path = "/v1/contact-centers/:cc/metrics", method = "get", operation_id = "getContactCenterMetrics")]
    async fn contact_center(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        cc: Path<Uuid>,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
        bucket: Query<Option<BucketSize>>,
        tz: Query<Option<String>>,
        include_test_calls: Query<Option<bool>>,
    ) -> ApiResult<Json<ContactCenterMetrics>> {
        let scope = auth.principal().require(Permission::ViewMetrics)?;
        let center = reads::contact_center(&state, scope, cc.0).await?;
        let (range, bucket, tz) = range(from.0, to.0, bucket.0, tz.0.or(Some(center.time_zone)), include_test_calls.0)?;
        let computed = metrics_service::compute(&state, scope, Some(cc.0), &range, Grouping::Agent).await?;
        Ok(Json(ContactCenterMetrics {
            contact_center_id: cc.0,
            from: range.from,
            to: range.to,
            bucket,
            tz,
            totals: (&computed.totals).into(),
            by_agent: computed
                .grouped
                .iter()
                .map(|(agent, f)| AgentFigures { agent_identity: agent.clone(), figures: f.into() })
                .collect(),
            series: series(&computed),
        }))
    }

    /// The tenant's roll-up across contact centers.
    ///
    /// The same parameters as a contact center's metrics; `tz` defaults to
    /// UTC, since the contact centers may report in different zones.
    #[oai(path = "/v1/metrics", method = "get", operation_id = "getTenantMetrics")]
    async fn tenant(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
        bucket: Query<Option<BucketSize>>,
        tz: Query<Option<String>>,
        include_test_calls: Query<Option<bool>>,
    ) -> ApiResult<Json<TenantMetrics>> {
        let scope = auth.principal().require(Permission::ViewMetrics)?;
        let (range, bucket, tz) = range(from.0, to.0, bucket.0, tz.0, include_test_calls.0)?;
        let computed = metrics_service::compute(&state, scope, None, &range, Grouping::ContactCenter).await?;
        let centers = reads::contact_centers(&state, scope).await?;
        let by_contact_center = centers
            .into_iter()
            .map(|c| {
                let figures = computed
                    .grouped
                    .iter()
                    .find(|(key, _)| Uuid::parse_str(key).ok() == Some(c.id))
                    .map(|(_, f)| f.clone())
                    .unwrap_or_default();
                ContactCenterFigures { contact_center_id: c.id, name: c.name, figures: (&figures).into() }
            })
            .collect();
        Ok(Json(TenantMetrics {
            from: range.from,
            to: range.to,
            bucket,
            tz,
            totals: (&computed.totals).into(),
            by_contact_center,
            series: series(&computed),
        }))
    }

    /// Escalations of a contact center as CSV, streamed (default: last 30 days).
    #[oai(path = "/v1/contact-centers/:cc/escalations.csv", method = "get", operation_id = "exportEscalationsCsv")]
    async fn csv(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        cc: Path<Uuid>,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<CsvResponse> {
        let scope = auth.principal().require(Permission::ViewMetrics)?;
        let center = reads::contact_center(&state, scope, cc.0).await?;
        let to = to.0.unwrap_or_else(Utc::now);
        let from = from.0.unwrap_or(to - chrono::Duration::days(30));
        if from >= to {
            return Err(ApiError::field("from", "must be before `to`"));
        }
        let body = Body::from_bytes_stream(export::escalations_csv(&state, scope, cc.0, from, to));
        let filename = format!("escalations-{}-{}.csv", center.slug, from.format("%Y%m%d"));
        Ok(CsvResponse::Csv(Binary(body), format!("attachment; filename=\"{filename}\"")))
    }
}
