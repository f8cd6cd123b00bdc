//! How an escalation reads on a page: its status, what became of the
//! customer, the agent's name, the call's quality in words, and times
//! relative to its start. The contact center's list and the escalation's own
//! page say the same things the same way.

use chrono::Utc;
use minijinja::{Value, context};

use crate::dashboard::figures;

/// An agent as a person reads it: `alice@acme`, not `agent:alice@acme`.
pub(crate) fn agent_label(identity: &str) -> String {
    identity.strip_prefix(escalate_domain::escalation::AGENT_PREFIX).unwrap_or(identity).to_owned()
}

/// A call's quality as the page shows it: per side, its medians in words.
pub(crate) fn quality_value(q: escalate_domain::quality::CallQuality) -> Value {
    let side = |s: Option<escalate_domain::quality::Summary>| {
        s.map(|s| {
            let video = match (s.width, s.height) {
                (Some(w), Some(h)) => format!(" · video {w}×{h}"),
                _ => String::new(),
            };
            let kbps = s.bitrate_kbps.map(|b| format!(" · {b:.0} kbit/s")).unwrap_or_default();
            context! {
                poor => s.poor,
                text => format!(
                    "round trip {:.0} ms · loss {:.1} %{kbps}{video}{}{} · {} samples",
                    s.round_trip_ms,
                    s.packet_loss_percent,
                    if s.relayed { " · relayed" } else { "" },
                    if s.freezes > 0 { format!(" · {} freezes", s.freezes) } else { String::new() },
                    s.samples,
                ),
            }
        })
    };
    let poor = q.poor();
    context! { measured => poor.is_some(), poor => poor.unwrap_or(false), agent => side(q.agent), customer => side(q.customer) }
}

pub(crate) fn shown_status(e: &escalate_app::records::EscalationRecord) -> &'static str {
    escalate_app::records::status_now(e).as_str()
}

/// What became of the customer, in one phrase for the recent list.
pub(crate) fn outcome(
    e: &escalate_app::records::EscalationRecord,
    now: chrono::DateTime<Utc>,
    time_to_join: &str,
) -> String {
    use escalate_domain::escalation::Status;
    match (escalate_app::records::status_now(e), e.customer_joined_at) {
        (Status::Failed, _) => match e.failure_reason.as_deref() {
            Some(reason) if !reason.is_empty() => format!("failed: {reason}"),
            _ => "failed".into(),
        },
        (_, Some(_)) => format!("joined after {time_to_join}"),
        (Status::Open | Status::Creating, None) if e.expires_at > now => "waiting for the customer".into(),
        _ => "customer did not join".into(),
    }
}

pub(crate) fn format_offset(secs: i64) -> String {
    if secs < 0 {
        format!("-{}", figures::duration(Some((-secs) as f64)))
    } else {
        format!("+{}", figures::duration(Some(secs as f64)))
    }
}
