//! A contact center's page: its figures over a date range, per agent, the
//! recent escalations with how each call went.

use escalate_app::call_quality;
use escalate_app::services::reads;

use chrono::{Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use escalate_app::records::{EscalationFilter, Grouping};
use escalate_domain::metrics::{self, Bucket};
use minijinja::{Value, context};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, handler};
use uuid::Uuid;

use crate::dashboard::figures::{self, Range};
use crate::dashboard::overview::plugin_config;
use crate::dashboard::web::{self, Ctx, Page};

use super::lookup::{cc_value, center};
use crate::dashboard::escalation_text::{agent_label, format_offset, outcome, quality_value, shown_status};

/// Recent escalations shown per page.
const RECENT_PAGE: u64 = 20;

#[handler]
pub async fn detail(ctx: Ctx, req: &Request, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    let state = &ctx.state;
    let scope = ctx.scope();
    let mut range_error = None;
    // The contact center's own zone unless the picker chose another.
    let mut zone_name = web::query_param(req, "tz").filter(|v| !v.is_empty()).unwrap_or_else(|| cc.time_zone.clone());
    let zone = match metrics::parse_zone(&zone_name) {
        Ok(z) => z,
        Err(e) => {
            range_error = Some(capitalise(&e.to_string()));
            zone_name = cc.time_zone.clone();
            metrics::parse_zone(&zone_name).unwrap_or(Tz::UTC)
        }
    };
    let today = Utc::now().with_timezone(&zone).date_naive();
    let parse_date = |name: &str, default: NaiveDate, err: &mut Option<String>| match web::query_param(req, name)
        .filter(|v| !v.is_empty())
    {
        None => default,
        Some(v) => NaiveDate::parse_from_str(&v, "%Y-%m-%d").unwrap_or_else(|_| {
            *err = Some(format!("“{v}” is not a date (YYYY-MM-DD)."));
            default
        }),
    };
    let mut from_date = parse_date("from", today - Duration::days(13), &mut range_error);
    let mut to_date = parse_date("to", today, &mut range_error);
    let bucket = match web::query_param(req, "bucket").as_deref() {
        Some("hour") => Bucket::Hour,
        _ => Bucket::Day,
    };
    let start = |d: NaiveDate| metrics::local_midnight(d, zone);
    if to_date < from_date && range_error.is_none() {
        // In the form's own words: its fields are "From" and "To (inclusive)".
        range_error = Some(format!(
            "“From” ({}) is after “To” ({}): pick a From date on or before the To date.",
            from_date.format("%-d %b %Y"),
            to_date.format("%-d %b %Y")
        ));
    }
    let range = match Range::new(start(from_date), start(to_date + Duration::days(1)), bucket, zone) {
        Ok(r) => r,
        Err(e) => {
            range_error.get_or_insert_with(|| e.fields().first().map(|f| capitalise(&f.message)).unwrap_or(e.detail()));
            from_date = today - Duration::days(13);
            to_date = today;
            Range::new(start(from_date), start(today + Duration::days(1)), bucket, zone)
                .map_err(|e| ctx.error_page(e))?
        }
    };
    let computed =
        figures::compute(state, scope, Some(cc.id), &range, Grouping::Agent).await.map_err(|e| ctx.error_page(e))?;
    // Recent escalations, newest first, a page at a time: `before` is the
    // last id of the previous page (ids are time-ordered).
    let before = web::query_param(req, "before").and_then(|v| Uuid::parse_str(&v).ok());
    let mut recent = reads::escalations(
        state,
        scope,
        cc.id,
        &EscalationFilter {
            from: Some(range.from),
            to: Some(range.to),
            before,
            limit: RECENT_PAGE + 1,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| ctx.error_page(e))?;
    let has_older = recent.len() as u64 > RECENT_PAGE;
    recent.truncate(RECENT_PAGE as usize);
    let ids: Vec<Uuid> = recent.iter().map(|e| e.id).collect();
    let events = reads::events_of(state, scope, &ids).await.map_err(|e| ctx.error_page(e))?;
    let mut quality = call_quality::of_many(state, scope, &ids).await.map_err(|e| ctx.error_page(e))?;
    let local = |t: chrono::DateTime<Utc>, fmt: &str| t.with_timezone(&zone).format(fmt).to_string();
    let now = Utc::now();
    let escalations: Vec<Value> = recent
        .iter()
        .map(|e| {
            let time_to_join = e.customer_joined_at.map(|t| (t - e.created_at).num_milliseconds() as f64 / 1000.0);
            context! {
                id => e.id.to_string(),
                created_at => local(e.created_at, "%Y-%m-%d %H:%M:%S %Z"),
                agent => e.agent_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| agent_label(&e.agent_identity)),
                status => shown_status(e),
                joined => e.customer_joined_at.is_some(),
                time_to_join => figures::duration(time_to_join),
                outcome => outcome(e, now, &figures::duration(time_to_join)),
                duration => figures::duration(e.duration_seconds.map(|d| d as f64)),
                failure => e.failure_reason.clone(),
                rating => e.rating,
                rating_comment => e.rating_comment.clone(),
                quality => quality_value(quality.remove(&e.id).unwrap_or_default()),
                events => events.iter().filter(|ev| ev.escalation_id == Some(e.id)).map(|ev| context! {
                    at => local(ev.occurred_at, "%H:%M:%S"),
                    offset => format_offset((ev.occurred_at - e.created_at).num_seconds()),
                    event => ev.event.clone(),
                    who => ev.participant_identity.clone(),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let page_query = |before: Option<Uuid>| {
        let mut q = format!(
            "from={from_date}&to={to_date}&bucket={}&tz={}",
            if bucket == Bucket::Hour { "hour" } else { "day" },
            web::urlencode(&zone_name)
        );
        if let Some(b) = before {
            q.push_str(&format!("&before={b}"));
        }
        format!("/dashboard/contact-centers/{}?{q}#recent-title", cc.id)
    };
    let pages = context! {
        older => if has_older { ids.last().map(|last| page_query(Some(*last))) } else { None },
        newest => before.map(|_| page_query(None)),
    };
    // By-agent rows read as the recent list does: the agent's name where the
    // plugin sent one, the identity (without its `agent:` prefix) otherwise.
    let identities: Vec<String> = computed.grouped.iter().map(|(agent, _)| agent.clone()).collect();
    let names = reads::agent_names(state, scope, cc.id, (range.from, range.to), &identities)
        .await
        .map_err(|e| ctx.error_page(e))?;
    let agents: Vec<Value> = computed
        .grouped
        .iter()
        .map(|(agent, f)| {
            let shown = names.get(agent).cloned().unwrap_or_else(|| agent_label(agent));
            context! { agent => shown, identity => agent.clone(), f => figures::value(f) }
        })
        .collect();
    let api_query = format!(
        "from={}&to={}&bucket={}&tz={}",
        web::urlencode(&range.from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        web::urlencode(&range.to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        if bucket == Bucket::Hour { "hour" } else { "day" },
        web::urlencode(&zone_name)
    );
    let title = format!("{}: escalations per {}", cc.name, if bucket == Bucket::Hour { "hour" } else { "day" });
    Ok(ctx.render(
        StatusCode::OK,
        "center.html",
        "center",
        &cc.name,
        context! {
            cc => cc_value(&cc),
            tab => "metrics",
            from => from_date.to_string(),
            to => to_date.to_string(),
            bucket => if bucket == Bucket::Hour { "hour" } else { "day" },
            range_from => range.from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            range_to => range.to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            range_error => range_error,
            totals => figures::value(&computed.totals),
            agents => agents,
            chart => figures::chart(&computed.series, bucket, zone, &title, false),
            rows => figures::series_rows(&computed.series, bucket, zone),
            escalations => escalations,
            pages => pages,
            tz => zone_name,
            zones => figures::zone_names(),
            csv_url => format!("/v1/contact-centers/{}/escalations.csv?{}", cc.id, api_query.split("&bucket").next().unwrap_or("")),
            api_url => format!("/v1/contact-centers/{}/metrics?{}", cc.id, api_query),
            plugin_config => plugin_config(state, cc.id),
            flash => web::flash_value(req),
        },
    ))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}
