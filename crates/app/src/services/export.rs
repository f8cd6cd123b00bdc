//! CSV export of escalations, streamed a page at a time so a large range
//! never sits in memory.

use chrono::{DateTime, Utc};
use escalate_store::repos::EscalationFilter;
use escalate_store::{EscalationRecord, TenantScope};

use crate::App;
use futures_util::{Stream, stream};
use uuid::Uuid;

const PAGE: u64 = 1000;

const HEADER: [&str; 16] = [
    "id",
    "created_at",
    "status",
    "agent_identity",
    "agent_name",
    "task_sid",
    "conversation_sid",
    "room_sid",
    "agent_joined_at",
    "customer_joined_at",
    "time_to_join_seconds",
    "ended_at",
    "call_duration_seconds",
    "room_duration_seconds",
    "rating",
    "rating_comment",
];

/// Spreadsheets run cells that start with these as formulas.
pub(crate) fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() }
}

fn ts(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339()).unwrap_or_default()
}

fn secs(later: Option<DateTime<Utc>>, earlier: Option<DateTime<Utc>>) -> String {
    match (later, earlier) {
        (Some(l), Some(e)) => format!("{:.3}", (l - e).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6),
        _ => String::new(),
    }
}

fn row(e: &EscalationRecord) -> [String; 16] {
    [
        e.id.to_string(),
        e.created_at.to_rfc3339(),
        crate::records::status_now(e).to_string(),
        cell(&e.agent_identity),
        cell(e.agent_name.as_deref().unwrap_or_default()),
        e.task_sid.clone(),
        e.conversation_sid.clone(),
        e.room_sid.clone().unwrap_or_default(),
        ts(e.agent_joined_at),
        ts(e.customer_joined_at),
        secs(e.customer_joined_at, Some(e.created_at)),
        ts(e.ended_at),
        secs(e.ended_at.filter(|_| e.customer_joined_at.is_some()), e.customer_joined_at),
        e.duration_seconds.map(|d| d.to_string()).unwrap_or_default(),
        e.rating.map(|r| r.to_string()).unwrap_or_default(),
        cell(e.rating_comment.as_deref().unwrap_or_default()),
    ]
}

fn encode(rows: impl IntoIterator<Item = [String; 16]>, header: bool) -> Result<Vec<u8>, std::io::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if header {
        w.write_record(HEADER).map_err(std::io::Error::other)?;
    }
    for r in rows {
        w.write_record(&r).map_err(std::io::Error::other)?;
    }
    w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))
}

/// The CSV, as chunks of bytes; a database failure mid-way ends the stream with an error.
pub fn escalations_csv(
    app: &App,
    scope: TenantScope,
    cc: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> impl Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    // State: (cursor, first page?, finished?)
    let store = app.store.clone();
    stream::unfold((None::<Uuid>, true, false), move |(before, first, done)| {
        let store = store.clone();
        async move {
            if done {
                return None;
            }
            let filter = EscalationFilter { status: None, from: Some(from), to: Some(to), before, limit: PAGE };
            match store.list_escalations(scope, cc, &filter).await {
                Ok(rows) => {
                    let last = rows.last().map(|e| e.id);
                    let finished = (rows.len() as u64) < PAGE;
                    let chunk = encode(rows.iter().map(row), first);
                    Some((chunk, (last, false, finished)))
                }
                Err(e) => {
                    tracing::error!(error = %e, "CSV export failed mid-stream");
                    Some((Err(std::io::Error::other("database error")), (None, false, true)))
                }
            }
        }
    })
}
