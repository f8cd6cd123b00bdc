//! `/dashboard`: today's figures and the last 14 days per contact center, or
//! what to do next for a tenant that is not set up yet.

use chrono::{Duration, Utc};
use escalate_app::records::Grouping;
use escalate_app::services::reads;
use escalate_domain::metrics::{self, Bucket};
use minijinja::context;
use poem::http::StatusCode;
use poem::{Request, handler};

use super::figures::{self, Range};
use super::web::{self, Ctx, Page};
use crate::state::AppState;

pub fn plugin_config(state: &AppState, cc: uuid::Uuid) -> String {
    format!(
        "\"videoEscalation\": {{\n  \"serviceBaseUrl\": \"{}\",\n  \"contactCenterId\": \"{}\"\n}}",
        state.urls().base(),
        cc
    )
}

#[handler]
pub async fn page(ctx: Ctx, req: &Request) -> Page {
    let state = &ctx.state;
    let scope = ctx.scope();
    let centers = reads::contact_centers(state, scope).await.map_err(|e| ctx.error_page(e))?;
    let now = Utc::now();
    let mut cards = Vec::new();
    let mut any_escalations = false;
    let mut any_credentials = false;
    for cc in &centers {
        // Each contact center's "today" and days are its own zone's.
        let zone = metrics::parse_zone(&cc.time_zone).unwrap_or(chrono_tz::Tz::UTC);
        let today = metrics::local_midnight(now.with_timezone(&zone).date_naive(), zone);
        let from = metrics::local_midnight(now.with_timezone(&zone).date_naive() - Duration::days(13), zone);
        let range = Range::new(from, now, Bucket::Day, zone).map_err(|e| ctx.error_page(e))?;
        let today_range = Range::new(today, now.max(today + Duration::seconds(1)), Bucket::Day, zone)
            .map_err(|e| ctx.error_page(e))?;
        let (days, today_figs) = tokio::try_join!(
            figures::compute(state, scope, Some(cc.id), &range, Grouping::Total),
            figures::compute(state, scope, Some(cc.id), &today_range, Grouping::Total),
        )
        .map_err(|e| ctx.error_page(e))?;
        let has_credentials = reads::has_credentials(state, scope, cc.id).await;
        any_credentials |= has_credentials;
        any_escalations |= days.totals.escalations > 0;
        cards.push(context! {
            id => cc.id.to_string(),
            name => cc.name.clone(),
            today => figures::value(&today_figs.totals),
            period => figures::value(&days.totals),
            chart => figures::chart(&days.series, Bucket::Day, zone, &format!("{}: escalations per day, last 14 days", cc.name), true),
            rows => figures::series_rows(&days.series, Bucket::Day, zone),
            time_zone => cc.time_zone.clone(),
            today_label => now.with_timezone(&zone).format("%A %-d %B").to_string(),
            has_credentials => has_credentials,
        });
    }
    let first = centers.first();
    let setup = context! {
        show => centers.is_empty() || !any_credentials || !any_escalations,
        has_cc => !centers.is_empty(),
        has_credentials => any_credentials,
        has_escalations => any_escalations,
        first_cc => first.map(|c| c.id.to_string()),
        first_cc_name => first.map(|c| c.name.clone()),
        plugin_config => first.map(|c| plugin_config(state, c.id)),
        base_url => state.urls().base().to_owned(),
    };
    Ok(ctx.render(
        StatusCode::OK,
        "overview.html",
        "overview",
        "Overview",
        context! {
            cards => cards,
            setup => setup,
            flash => web::flash_value(req),
        },
    ))
}
