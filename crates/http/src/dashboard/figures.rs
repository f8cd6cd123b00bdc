//! Escalation figures for the pages: the same store queries, buckets and
//! rounding as the metrics API (`api/metrics.rs`), so the numbers match, plus
//! the server-rendered SVG bar chart.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use escalate_domain::metrics::Bucket;
use minijinja::{Value, context};

pub use escalate_app::services::metrics::{Figures, Range, compute};

/// A contact center's figures as the templates read them, with their texts.
pub fn value(f: &Figures) -> Value {
    context! {
        escalations => f.escalations,
        customers_joined => f.customers_joined,
        expired => f.expired,
        join_rate => f.join_rate,
        join_rate_text => if f.escalations == 0 { "—".to_owned() } else { percent(f.join_rate) },
        ttj_median => f.ttj_median,
        ttj_median_text => duration(f.ttj_median),
        ttj_p90 => f.ttj_p90,
        ttj_p90_text => duration(f.ttj_p90),
        duration_median => f.duration_median,
        duration_median_text => duration(f.duration_median),
        duration_p90 => f.duration_p90,
        duration_p90_text => duration(f.duration_p90),
        ratings => f.ratings,
        rating_average => f.rating_average,
        rating_text => rating(f),
        rating_distribution => f.rating_distribution.to_vec(),
        quality_measured => f.quality_measured,
        poor_quality_share => f.poor_quality_share,
        poor_quality_text => match f.poor_quality_share {
            Some(share) => format!("{} of {}", percent(share), f.quality_measured),
            None => "—".to_owned(),
        },
    }
}

/// `4.3 ★ (12)`: the average and how many rated; `—` without ratings.
pub fn rating(f: &Figures) -> String {
    match f.rating_average {
        Some(avg) if f.ratings > 0 => format!("{avg:.1} ★ ({})", f.ratings),
        _ => "—".into(),
    }
}

pub fn percent(rate: f64) -> String {
    let p = rate * 100.0;
    if (p - p.round()).abs() < 0.05 { format!("{}%", p.round() as i64) } else { format!("{p:.1}%") }
}

/// `42s`, `3m 05s`, `1h 02m`; `—` when there is no figure.
pub fn duration(secs: Option<f64>) -> String {
    let Some(s) = secs else { return "—".into() };
    let s = s.round() as i64;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn label(start: DateTime<Utc>, bucket: Bucket, zone: Tz) -> String {
    let local = start.with_timezone(&zone);
    match bucket {
        Bucket::Day => local.format("%b %-d").to_string(),
        Bucket::Hour => local.format("%b %-d %H:00").to_string(),
    }
}

/// An hourly axis tick: the day at midnight (`Dec 2`), the hour otherwise (`06:00`).
fn hour_tick(local: DateTime<Tz>) -> String {
    use chrono::Timelike;
    if local.hour() == 0 { local.format("%b %-d").to_string() } else { local.format("%H:%M").to_string() }
}

/// The regions of the IANA database's current zone names (`Europe/Paris`);
/// the rest are legacy aliases kept for old data (`GB-Eire`, `US/Pacific`,
/// `Etc/GMT+5`, `Zulu`).
const ZONE_REGIONS: &[&str] =
    &["Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"];

/// The zone names to offer in the time-zone pickers, `UTC` first (built
/// once). Any IANA name, aliases included, is still accepted when typed or
/// stored; a contact center already set to an alias keeps it in its list.
pub fn zone_names() -> Value {
    static NAMES: LazyLock<Value> = LazyLock::new(|| {
        let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|z| z.name())
            .filter(|n| n.split_once('/').is_some_and(|(region, _)| ZONE_REGIONS.contains(&region)))
            .collect();
        names.sort_unstable();
        names.insert(0, "UTC");
        Value::from(names)
    });
    NAMES.clone()
}

/// An accessible bar chart (escalations and customers joined per bucket) as
/// inline SVG; colours come from the stylesheet. `compact` draws a small
/// sparkline-style chart without axis labels.
pub fn chart(
    series: &[(DateTime<Utc>, DateTime<Utc>, Figures)],
    bucket: Bucket,
    zone: Tz,
    title: &str,
    compact: bool,
) -> Value {
    let (w, h) = if compact { (320.0, 72.0) } else { (720.0, 240.0) };
    let (left, right, top, bottom) = if compact { (2.0, 2.0, 4.0, 2.0) } else { (36.0, 8.0, 12.0, 28.0) };
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = series.iter().map(|(_, _, f)| f.escalations).max().unwrap_or(0).max(1);
    // Four gridlines at a round step (1, 2, 5, 10, 20, 50…).
    let mut step = 1i64;
    while step * 4 < max {
        step = match step.to_string().chars().next() {
            Some('2') => step / 2 * 5,
            _ => step * 2,
        };
    }
    let top_value = step * 4;
    let total: i64 = series.iter().map(|(_, _, f)| f.escalations).sum();
    let joined: i64 = series.iter().map(|(_, _, f)| f.customers_joined).sum();
    let plural = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let desc = format!(
        "{} and {} joined over {}.",
        plural(total, "escalation", "escalations"),
        plural(joined, "customer", "customers"),
        match bucket {
            Bucket::Day => plural(series.len() as i64, "day", "days"),
            Bucket::Hour => plural(series.len() as i64, "hour", "hours"),
        }
    );
    let mut svg = format!(
        r#"<svg class="chart{}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d" focusable="false"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        if compact { " chart--compact" } else { "" },
        esc(title),
        esc(&desc),
        id = chart_id(title),
    );
    if !compact {
        for i in 0..=4 {
            let v = top_value as f64 * f64::from(i) / 4.0;
            let y = top + plot_h - plot_h * f64::from(i) / 4.0;
            svg.push_str(&format!(
                r#"<line class="chart__grid" x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}"/>"#,
                w - right
            ));
            if v.fract() == 0.0 {
                svg.push_str(&format!(
                    r#"<text class="chart__axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                    left - 6.0,
                    y + 4.0,
                    v as i64
                ));
            }
        }
    } else {
        svg.push_str(&format!(r#"<line class="chart__grid" x1="0" x2="{w}" y1="{0:.1}" y2="{0:.1}"/>"#, top + plot_h));
    }
    let n = series.len().max(1) as f64;
    let slot = plot_w / n;
    let bar_w = (slot * 0.7).max(1.0);
    let label_every = ((series.len() as f64) / 7.0).ceil().max(1.0) as usize;
    for (i, (start, _, f)) in series.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let bh = plot_h * f.escalations as f64 / top_value as f64;
        let jh = plot_h * f.customers_joined as f64 / top_value as f64;
        let tip = format!(
            "{}: {}, {} joined",
            label(*start, bucket, zone),
            plural(f.escalations, "escalation", "escalations"),
            f.customers_joined
        );
        svg.push_str(&format!(r#"<g class="chart__bucket"><title>{}</title>"#, esc(&tip)));
        svg.push_str(&format!(
            r#"<rect class="chart__slot" x="{:.1}" y="{top}" width="{slot:.1}" height="{plot_h}"/>"#,
            left + slot * i as f64
        ));
        if f.escalations > 0 {
            svg.push_str(&format!(
                r#"<rect class="chart__bar" x="{x:.1}" y="{:.1}" width="{bar_w:.1}" height="{bh:.1}" rx="2"/>"#,
                top + plot_h - bh
            ));
        }
        if f.customers_joined > 0 {
            svg.push_str(&format!(
                r#"<rect class="chart__bar chart__bar--joined" x="{:.1}" y="{:.1}" width="{:.1}" height="{jh:.1}" rx="2"/>"#,
                x + bar_w * 0.2,
                top + plot_h - jh,
                bar_w * 0.6
            ));
        }
        svg.push_str("</g>");
        if !compact && i % label_every == 0 {
            svg.push_str(&format!(
                r#"<text class="chart__axis" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                left + slot * i as f64 + slot / 2.0,
                h - 8.0,
                esc(&match bucket {
                    Bucket::Day => start.with_timezone(&zone).format("%b %-d").to_string(),
                    Bucket::Hour => hour_tick(start.with_timezone(&zone)),
                })
            ));
        }
    }
    svg.push_str("</svg>");
    Value::from_safe_string(svg)
}

fn chart_id(title: &str) -> String {
    let mut id: String = title.chars().filter(|c| c.is_ascii_alphanumeric()).take(24).collect();
    id.insert_str(0, "c-");
    let mut n = 0u32;
    for b in title.bytes() {
        n = n.wrapping_mul(31).wrapping_add(u32::from(b));
    }
    format!("{id}-{n:x}")
}

/// Rows of the data-table fallback under a chart.
pub fn series_rows(series: &[(DateTime<Utc>, DateTime<Utc>, Figures)], bucket: Bucket, zone: Tz) -> Vec<Value> {
    series
        .iter()
        .map(|(s, e, f)| {
            context! {
                label => label(*s, bucket, zone),
                start => s.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                end => e.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                f => value(f),
            }
        })
        .collect()
}
