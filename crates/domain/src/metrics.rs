//! Escalation metrics: what the figures mean, and the time buckets they are
//! reported in. The figures themselves are computed in the database; this
//! module holds the definitions and a reference implementation the tests
//! compare the SQL against.
//!
//! - **escalations**: escalations created in the range that reached the
//!   customer (open or completed; failed attempts are not counted).
//! - **customers joined** / **join rate**: of those, how many customers
//!   connected to the room at least once.
//! - **time to join**: from the escalation's creation to the customer's
//!   first connection.
//! - **call duration**: from the customer's first connection to the room's end.
//! - percentiles are nearest-rank: the smallest value with at least p·n values
//!   at or below it.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Hour,
    Day,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("`from` must be before `to`")]
    Empty,
    #[error("a range may span at most {0} days")]
    TooLong(i64),
    #[error("hourly buckets are limited to {0} days")]
    TooManyHours(i64),
    #[error("unknown time zone `{0}` (use an IANA name such as Europe/Paris)")]
    UnknownZone(String),
}

pub const MAX_RANGE_DAYS: i64 = 400;
pub const MAX_HOURLY_DAYS: i64 = 31;

pub fn parse_zone(name: &str) -> Result<Tz, RangeError> {
    name.parse::<Tz>().map_err(|_| RangeError::UnknownZone(name.to_owned()))
}

/// A bucket of time: its start and its end (exclusive).
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// The buckets covering `[from, to)`, aligned to local hours or midnights
/// in `tz` (so a day in Paris is a Paris day, 23 or 25 hours at DST changes),
/// each clipped to the range.
pub fn buckets(from: DateTime<Utc>, to: DateTime<Utc>, bucket: Bucket, tz: Tz) -> Result<Vec<Span>, RangeError> {
    if from >= to {
        return Err(RangeError::Empty);
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(RangeError::TooLong(MAX_RANGE_DAYS));
    }
    if bucket == Bucket::Hour && to - from > Duration::days(MAX_HOURLY_DAYS) {
        return Err(RangeError::TooManyHours(MAX_HOURLY_DAYS));
    }
    let mut out = Vec::new();
    let mut start = floor(from, bucket, tz);
    while start < to {
        let next = step(start, bucket, tz);
        out.push((start.max(from), next.min(to)));
        start = next;
    }
    Ok(out)
}

/// The instant `date` starts in `tz`.
pub fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        // Midnight skipped by a DST jump: the day starts at the first instant after it.
        LocalResult::None => {
            tz.from_utc_datetime(&(naive - Duration::hours(1))).with_timezone(&Utc) + Duration::hours(1)
        }
    }
}

fn floor(t: DateTime<Utc>, bucket: Bucket, tz: Tz) -> DateTime<Utc> {
    let local = t.with_timezone(&tz);
    match bucket {
        Bucket::Day => local_midnight(local.date_naive(), tz),
        // Hours are whole in every zone that matters here; drop minutes and seconds.
        Bucket::Hour => {
            t - Duration::seconds(i64::from(local.minute()) * 60 + i64::from(local.second()))
                - Duration::nanoseconds(i64::from(t.nanosecond()))
        }
    }
}

fn step(start: DateTime<Utc>, bucket: Bucket, tz: Tz) -> DateTime<Utc> {
    match bucket {
        Bucket::Hour => start + Duration::hours(1),
        Bucket::Day => {
            let date = start.with_timezone(&tz).date_naive();
            let next = date.succ_opt().unwrap_or(date.with_day(1).unwrap_or(date));
            local_midnight(next, tz)
        }
    }
}

/// Nearest-rank percentile of sorted values (`p` in 0..=1).
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank - 1).copied()
}

pub fn join_rate(escalations: i64, joined: i64) -> f64 {
    if escalations == 0 { 0.0 } else { joined as f64 / escalations as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn daily_buckets_follow_local_midnight() {
        let tz = parse_zone("Europe/Paris").unwrap();
        let b = buckets(utc("2026-03-28T12:00:00Z"), utc("2026-03-31T00:00:00Z"), Bucket::Day, tz).unwrap();
        let starts: Vec<String> = b.iter().map(|(s, _)| s.to_rfc3339()).collect();
        assert_eq!(
            starts,
            [
                "2026-03-28T12:00:00+00:00",
                "2026-03-28T23:00:00+00:00",
                "2026-03-29T22:00:00+00:00",
                "2026-03-30T22:00:00+00:00"
            ]
        );
        // 29 March is the 23-hour day of the spring change.
        assert_eq!(b[1].1 - b[1].0, Duration::hours(23));
        assert_eq!(b.last().unwrap().1, utc("2026-03-31T00:00:00Z"));
    }

    #[test]
    fn hourly_buckets_and_limits() {
        let b = buckets(utc("2026-01-01T10:30:00Z"), utc("2026-01-01T13:00:00Z"), Bucket::Hour, Tz::UTC).unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(b[0], (utc("2026-01-01T10:30:00Z"), utc("2026-01-01T11:00:00Z")));
        assert_eq!(
            buckets(utc("2026-01-02T00:00:00Z"), utc("2026-01-01T00:00:00Z"), Bucket::Day, Tz::UTC).unwrap_err(),
            RangeError::Empty
        );
        assert!(matches!(
            buckets(utc("2026-01-01T00:00:00Z"), utc("2026-03-01T00:00:00Z"), Bucket::Hour, Tz::UTC),
            Err(RangeError::TooManyHours(_))
        ));
        assert!(parse_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0];
        assert_eq!(percentile(&v, 0.5), Some(50.0));
        assert_eq!(percentile(&v, 0.9), Some(90.0));
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 0.5), Some(2.0));
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(join_rate(4, 1), 0.25);
        assert_eq!(join_rate(0, 0), 0.0);
    }
}
