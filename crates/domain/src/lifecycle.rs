//! What happened to an escalation, read from how it changed. Every change
//! of an escalation's state (opened, joined, ended, expired, failed, rated)
//! is one typed event; the core reports these (webhooks) wherever the
//! change was made, so no write path decides for itself what to announce.
//!
//! Events come from comparing the escalation before and after a change, not
//! from the code path that made it: a repeated or reordered room callback,
//! a second "end", or two replicas sweeping the same expiry change nothing
//! and so announce nothing.

use chrono::{DateTime, Utc};

use crate::escalation::Status;
use crate::webhook::EventType;

/// The parts of an escalation whose changes are events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub status: Status,
    pub agent_joined_at: Option<DateTime<Utc>>,
    pub customer_joined_at: Option<DateTime<Utc>>,
    pub rated_at: Option<DateTime<Utc>>,
}

/// One event and when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Happened {
    pub event: EventType,
    pub at: DateTime<Utc>,
}

/// The events between two states of one escalation, in the order they
/// happened: its opening, first joins (by when they happened), a rating,
/// then how it ended. `now` is when the change was made.
pub fn happened(before: &Facts, after: &Facts, now: DateTime<Utc>) -> Vec<Happened> {
    let mut out = Vec::new();
    let at = |event| Happened { event, at: now };
    if before.status == Status::Creating && after.status == Status::Open {
        out.push(at(EventType::EscalationCreated));
    }
    let mut joins = Vec::new();
    if let (None, Some(t)) = (before.agent_joined_at, after.agent_joined_at) {
        joins.push(Happened { event: EventType::AgentJoined, at: t });
    }
    if let (None, Some(t)) = (before.customer_joined_at, after.customer_joined_at) {
        joins.push(Happened { event: EventType::CustomerJoined, at: t });
    }
    joins.sort_by_key(|h| h.at);
    out.extend(joins);
    if let (None, Some(t)) = (before.rated_at, after.rated_at) {
        out.push(Happened { event: EventType::RatingReceived, at: t });
    }
    if before.status != after.status {
        match after.status {
            Status::Completed => out.push(at(EventType::EscalationEnded)),
            Status::Expired => out.push(at(EventType::EscalationExpired)),
            Status::Failed => out.push(at(EventType::EscalationFailed)),
            Status::Creating | Status::Open => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    fn facts(status: Status) -> Facts {
        Facts { status, agent_joined_at: None, customer_joined_at: None, rated_at: None }
    }

    fn events(h: Vec<Happened>) -> Vec<EventType> {
        h.into_iter().map(|h| h.event).collect()
    }

    #[test]
    fn each_transition_is_one_event() {
        let open = facts(Status::Open);
        assert_eq!(events(happened(&facts(Status::Creating), &open, t(0))), [EventType::EscalationCreated]);
        assert_eq!(events(happened(&open, &facts(Status::Completed), t(0))), [EventType::EscalationEnded]);
        assert_eq!(events(happened(&open, &facts(Status::Expired), t(0))), [EventType::EscalationExpired]);
        assert_eq!(
            events(happened(&facts(Status::Creating), &facts(Status::Failed), t(0))),
            [EventType::EscalationFailed]
        );
    }

    #[test]
    fn no_change_no_event() {
        for s in Status::ALL {
            assert!(happened(&facts(s), &facts(s), t(0)).is_empty(), "{s}");
        }
        let joined = Facts { agent_joined_at: Some(t(1)), customer_joined_at: Some(t(2)), ..facts(Status::Open) };
        assert!(happened(&joined, &joined, t(9)).is_empty());
    }

    #[test]
    fn first_joins_come_in_the_order_they_happened_at_their_own_times() {
        let before = facts(Status::Open);
        let after = Facts { agent_joined_at: Some(t(5)), customer_joined_at: Some(t(3)), ..before };
        let h = happened(&before, &after, t(9));
        assert_eq!(events(h.clone()), [EventType::CustomerJoined, EventType::AgentJoined]);
        assert_eq!(h.iter().map(|h| h.at).collect::<Vec<_>>(), [t(3), t(5)]);
    }

    #[test]
    fn a_rating_is_reported_once_and_before_the_end() {
        let before = Facts { customer_joined_at: Some(t(1)), ..facts(Status::Open) };
        let after = Facts { rated_at: Some(t(4)), status: Status::Completed, ..before };
        assert_eq!(events(happened(&before, &after, t(5))), [EventType::RatingReceived, EventType::EscalationEnded]);
        assert!(happened(&after, &after, t(6)).is_empty());
    }
}
