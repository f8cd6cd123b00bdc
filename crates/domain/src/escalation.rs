//! An escalation's life: created (room being made), open (code valid),
//! completed (the agent or an integration ended it), expired (the
//! customer's link ran out with nobody ever in the call), failed (Twilio
//! refused).
//! Its rooms come and go within it: Twilio ends an idle room, and the next
//! participant gets a new one under the same name.
//!
//! Twilio's room callbacks repeat and arrive out of order, so the timeline is
//! a merge, not a sequence of transitions: "first joined" keeps the earliest
//! time seen, "ended" the latest, and applying the same events in any order,
//! any number of times, gives the same timeline.

use chrono::{DateTime, Utc};

use crate::contact_center::VideoProvider;

/// Where an escalation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType), sea_orm(value_type = "String"))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum), oai(rename = "EscalationStatus", rename_all = "lowercase"))]
pub enum Status {
    /// Row claimed, Twilio room and chat message being made.
    Creating,
    /// The customer's code works.
    Open,
    /// The call ended (the agent ended it or the room closed).
    Completed,
    /// Twilio refused the room or the message.
    Failed,
    /// The customer's link ran out before anyone joined the call.
    Expired,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Creating, Status::Open, Status::Completed, Status::Failed, Status::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "creating",
            Status::Open => "open",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Expired => "expired",
        }
    }

    /// The status an escalation has at `now`. An open escalation whose link
    /// has run out with nobody ever in the call is expired from that
    /// instant, before a sweeper writes it down, so the API, the metrics,
    /// the webhooks and the dashboard never disagree on it. (One the agent
    /// or customer joined stays open until it is ended: its room may still
    /// hold a call.)
    pub fn at(self, expires_at: DateTime<Utc>, anyone_joined: bool, now: DateTime<Utc>) -> Status {
        if self == Status::Open && expires_at <= now && !anyone_joined { Status::Expired } else { self }
    }

    /// Whether nothing more will happen to the escalation's status.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Expired)
    }
}

crate::names::named!(Status, "escalation status");

/// Who a participant is, from the identity we minted for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Agent,
    Customer,
    Other,
}

pub const AGENT_PREFIX: &str = "agent:";
pub const CUSTOMER_PREFIX: &str = "customer:";
/// What a customer's identity reads after their data was erased.
pub const ERASED_CUSTOMER: &str = "customer:erased";

pub fn role_of(identity: &str) -> Role {
    if identity.starts_with(AGENT_PREFIX) {
        Role::Agent
    } else if identity.starts_with(CUSTOMER_PREFIX) {
        Role::Customer
    } else {
        Role::Other
    }
}

pub fn agent_identity(flex_identity: &str) -> String {
    format!("{AGENT_PREFIX}{flex_identity}")
}

/// `customer:` and 16 random hex digits: unique per join, says nothing about the customer.
pub fn new_customer_identity() -> String {
    // One allocation: this runs for every customer token.
    format!("{CUSTOMER_PREFIX}{:016x}", rand::random::<u64>())
}

/// A new escalation's room name (the Twilio room's UniqueName): random, so
/// the name every participant's token carries says nothing about the
/// escalation's id; stored with the escalation, so a retried create finds
/// the same room instead of making a second one.
pub fn new_room_name() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes[..]);
    format!("esc-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// What happened in a room, whichever provider carries it. The names are
/// the ones the events are stored and listed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomEventKind {
    RoomCreated,
    RoomEnded,
    /// A participant joined (or rejoined after leaving).
    ParticipantConnected,
    ParticipantDisconnected,
    /// A participant's dropped connection came back within its grace period.
    ParticipantReconnected,
    /// A provider's event with no effect on the timeline (tracks,
    /// recordings), kept under the provider's own name.
    Other(String),
}

impl RoomEventKind {
    /// The kind of a stored event name (Twilio's status callback names are
    /// the stored names of the four kinds the timeline reads).
    pub fn from_name(s: &str) -> Self {
        match s {
            "room-created" => Self::RoomCreated,
            "room-ended" => Self::RoomEnded,
            "participant-connected" => Self::ParticipantConnected,
            "participant-disconnected" => Self::ParticipantDisconnected,
            "participant-reconnected" => Self::ParticipantReconnected,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::RoomCreated => "room-created",
            Self::RoomEnded => "room-ended",
            Self::ParticipantConnected => "participant-connected",
            Self::ParticipantDisconnected => "participant-disconnected",
            Self::ParticipantReconnected => "participant-reconnected",
            Self::Other(name) => name,
        }
    }
}

/// One thing that happened in an escalation's room, as every provider
/// reports it: Twilio's status callbacks, the built-in signalling, and a
/// later provider's webhooks are each turned into this by their adapter,
/// and one path records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomEvent {
    pub provider: VideoProvider,
    pub kind: RoomEventKind,
    pub at: DateTime<Utc>,
    pub participant_identity: Option<String>,
    /// The room's length as the provider measured it, when it says.
    pub room_duration_seconds: Option<i64>,
}

impl RoomEvent {
    /// The participant's role, from the identity this service gave them.
    pub fn role(&self) -> Option<Role> {
        self.participant_identity.as_deref().map(role_of)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub status: Status,
    pub room_created_at: Option<DateTime<Utc>>,
    pub agent_joined_at: Option<DateTime<Utc>>,
    pub customer_joined_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<i64>,
}

fn earliest(current: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(current.map_or(at, |c| c.min(at)))
}

fn latest(current: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(current.map_or(at, |c| c.max(at)))
}

impl Timeline {
    /// Folds one callback in. Commutative and idempotent (see module docs).
    pub fn apply(&mut self, e: &RoomEvent) {
        match &e.kind {
            RoomEventKind::RoomCreated => self.room_created_at = earliest(self.room_created_at, e.at),
            RoomEventKind::ParticipantConnected => match e.role() {
                Some(Role::Agent) => self.agent_joined_at = earliest(self.agent_joined_at, e.at),
                Some(Role::Customer) => self.customer_joined_at = earliest(self.customer_joined_at, e.at),
                _ => {}
            },
            // A room ending does not end the escalation: Twilio ends rooms
            // left unused or empty for a few minutes, while the customer's
            // link lives on (a room is made again when someone joins).
            // The escalation ends when the agent ends it or its code expires.
            RoomEventKind::RoomEnded => {
                // A completed escalation's end is fixed: a room that ends
                // after it (an empty-room timer, a late callback) does not
                // move it, whichever replica or timer comes second.
                if !(self.status == Status::Completed && self.ended_at.is_some()) {
                    self.ended_at = latest(self.ended_at, e.at);
                }
                if let Some(d) = e.room_duration_seconds {
                    self.duration_seconds = Some(self.duration_seconds.map_or(d, |c| c.max(d)));
                }
            }
            RoomEventKind::ParticipantDisconnected
            | RoomEventKind::ParticipantReconnected
            | RoomEventKind::Other(_) => {}
        }
        // Without Twilio's RoomDuration, the room's own span is the best figure.
        if self.duration_seconds.is_none()
            && let (Some(start), Some(end)) = (self.room_created_at, self.ended_at)
        {
            self.duration_seconds = Some((end - start).num_seconds().max(0));
        }
    }
}

/// What a customer's link shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeState {
    Ready,
    Completed,
    /// Also the answer for a code that never existed: the two must look alike.
    Expired,
}

pub fn code_state(status: Status, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> CodeState {
    if now >= expires_at {
        return CodeState::Expired;
    }
    match status {
        Status::Open => CodeState::Ready,
        Status::Completed => CodeState::Completed,
        Status::Creating | Status::Failed | Status::Expired => CodeState::Expired,
    }
}

/// A customer token lives no longer than the code that got it.
pub fn customer_token_ttl_seconds(token_ttl_seconds: i64, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    token_ttl_seconds.min((expires_at - now).num_seconds()).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    fn ev(kind: &str, at: i64, who: Option<&str>, dur: Option<i64>) -> RoomEvent {
        RoomEvent {
            provider: VideoProvider::Twilio,
            kind: RoomEventKind::from_name(kind),
            at: t(at),
            participant_identity: who.map(str::to_owned),
            room_duration_seconds: dur,
        }
    }

    fn open() -> Timeline {
        Timeline {
            status: Status::Open,
            room_created_at: None,
            agent_joined_at: None,
            customer_joined_at: None,
            ended_at: None,
            duration_seconds: None,
        }
    }

    fn events() -> Vec<RoomEvent> {
        vec![
            ev("room-created", 0, None, None),
            ev("participant-connected", 5, Some("agent:alice"), None),
            ev("participant-connected", 30, Some("customer:0a1b"), None),
            ev("participant-disconnected", 200, Some("customer:0a1b"), None),
            ev("participant-connected", 210, Some("customer:ffff"), None),
            ev("track-added", 31, Some("customer:0a1b"), None),
            ev("room-ended", 300, None, Some(300)),
        ]
    }

    #[test]
    fn a_full_call_gives_the_expected_timeline() {
        let mut tl = open();
        for e in events() {
            tl.apply(&e);
        }
        assert_eq!(tl.status, Status::Open, "the room ended; the escalation lives on");
        assert_eq!(tl.room_created_at, Some(t(0)));
        assert_eq!(tl.agent_joined_at, Some(t(5)));
        assert_eq!(tl.customer_joined_at, Some(t(30)));
        assert_eq!(tl.ended_at, Some(t(300)));
        assert_eq!(tl.duration_seconds, Some(300));
    }

    #[test]
    fn a_completed_escalation_keeps_its_end_when_a_room_ends_later() {
        let mut tl = open();
        tl.apply(&ev("room-created", 0, None, None));
        tl.apply(&ev("room-ended", 60, None, None));
        // The agent completed it at 60; an empty-room timer fires five minutes on.
        tl.status = Status::Completed;
        tl.apply(&ev("room-ended", 360, None, None));
        assert_eq!(tl.ended_at, Some(t(60)));
        assert_eq!(tl.duration_seconds, Some(60));
    }

    #[test]
    fn order_and_repetition_do_not_matter() {
        let mut expected = open();
        for e in events() {
            expected.apply(&e);
        }
        let mut reversed = open();
        for e in events().iter().rev() {
            reversed.apply(e);
        }
        assert_eq!(reversed, expected);
        let mut repeated = open();
        for e in events().iter().chain(events().iter()).rev().chain(events().iter()) {
            repeated.apply(e);
        }
        assert_eq!(repeated, expected);
    }

    #[test]
    fn duration_falls_back_to_the_rooms_span() {
        let mut tl = open();
        tl.apply(&ev("room-ended", 90, None, None));
        tl.apply(&ev("room-created", 10, None, None));
        assert_eq!(tl.duration_seconds, Some(80));
    }

    #[test]
    fn a_customer_who_never_joined_leaves_no_join_time() {
        let mut tl = open();
        tl.apply(&ev("participant-connected", 5, Some("agent:a"), None));
        tl.apply(&ev("room-ended", 60, None, Some(60)));
        assert_eq!(tl.customer_joined_at, None);
        assert_eq!(tl.ended_at, Some(t(60)));
        assert_eq!(tl.status, Status::Open);
    }

    #[test]
    fn code_states() {
        assert_eq!(code_state(Status::Open, t(100), t(0)), CodeState::Ready);
        assert_eq!(code_state(Status::Open, t(100), t(100)), CodeState::Expired);
        assert_eq!(code_state(Status::Completed, t(100), t(0)), CodeState::Completed);
        assert_eq!(code_state(Status::Completed, t(100), t(200)), CodeState::Expired);
        assert_eq!(code_state(Status::Failed, t(100), t(0)), CodeState::Expired);
    }

    #[test]
    fn customer_tokens_never_outlive_the_code() {
        assert_eq!(customer_token_ttl_seconds(3600, t(600), t(0)), 600);
        assert_eq!(customer_token_ttl_seconds(300, t(600), t(0)), 300);
        assert_eq!(customer_token_ttl_seconds(300, t(0), t(10)), 0);
    }

    #[test]
    fn identities() {
        assert_eq!(role_of(&agent_identity("alice@acme")), Role::Agent);
        let c = new_customer_identity();
        assert_eq!(role_of(&c), Role::Customer);
        assert_eq!(c.len(), CUSTOMER_PREFIX.len() + 16);
        assert_ne!(c, new_customer_identity());
        assert_eq!(role_of("supervisor"), Role::Other);
    }
}
