//! Three weeks of past escalations for the demo contact center, so the
//! dashboard's charts mean something on first sight. Written through the
//! store's own operations (insert, open, the room events a provider reports,
//! complete or fail), so the figures come from the same rows and timeline
//! merge as real traffic. The spread is deterministic (a fixed seed), so
//! every first start shows the same history.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc, Weekday};
use escalate_domain::contact_center::VideoProvider;
use escalate_domain::escalation::{self, RoomEvent, RoomEventKind};
use escalate_domain::room_code::RoomCode;
use escalate_store::repos::{NewEscalation, NewEvent};
use escalate_store::{Store, StoreError, TenantScope};
use uuid::Uuid;

pub const DAYS: i64 = 21;

const AGENTS: [(&str, &str); 5] = [
    ("alice@demo.example", "Alice Moreno"),
    ("bilal@demo.example", "Bilal Haddad"),
    ("chen@demo.example", "Chen Wei"),
    ("dana@demo.example", "Dana Kowalski"),
    ("emeka@demo.example", "Emeka Obi"),
];

/// SplitMix64: a few lines, reproducible, and only ever used for demo data.
struct Spread(u64);

impl Spread {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// In `lo..hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }
    fn chance(&mut self, percent: i64) -> bool {
        self.range(0, 100) < percent
    }
}

/// Seeds [`DAYS`] days before `now`: about 10 escalations a weekday and 3 a
/// weekend day between 08:00 and 18:00 UTC; about three in four customers
/// join (after 10 s to 3 min), calls last 2 to 15 minutes, a few links are
/// never opened and a few fail to post. Returns how many it wrote.
pub async fn seed(
    store: &Store,
    scope: TenantScope,
    contact_center_id: Uuid,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut spread = Spread(0x005e_ed0f_de30);
    let mut written = 0;
    for days_ago in (1..=DAYS).rev() {
        let day = (now - Duration::days(days_ago)).date_naive();
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        let count = if weekend { spread.range(1, 5) } else { spread.range(7, 14) };
        for _ in 0..count {
            let start = Utc.from_utc_datetime(&day.and_hms_opt(8, 0, 0).expect("08:00 exists"))
                + Duration::seconds(spread.range(0, 10 * 3600));
            let (agent, name) = AGENTS[spread.range(0, AGENTS.len() as i64) as usize];
            one(store, scope, contact_center_id, &mut spread, start, agent, name).await?;
            written += 1;
        }
    }
    Ok(written)
}

async fn one(
    store: &Store,
    scope: TenantScope,
    contact_center_id: Uuid,
    spread: &mut Spread,
    created: DateTime<Utc>,
    agent: &str,
    agent_name: &str,
) -> Result<(), StoreError> {
    let id =
        Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, created.timestamp() as u64, created.nanosecond()));
    let agent_identity = escalation::agent_identity(agent);
    let room_name = escalation::new_room_name();
    let new = NewEscalation {
        id,
        contact_center_id,
        idempotency_key: None,
        task_sid: format!("WT{}", &id.simple().to_string()[..32]),
        conversation_sid: format!("CH{}", &Uuid::new_v4().simple().to_string()[..32]),
        agent_identity: agent_identity.clone(),
        agent_name: Some(agent_name.to_owned()),
        room_name: room_name.clone(),
        code: RoomCode::generate().to_string(),
        expires_at: created + Duration::hours(1),
        video_provider: VideoProvider::Builtin,
        test_call: false,
        recorded: false,
    };
    let record = store.insert_escalation(scope, new, created).await?;
    if spread.chance(3) {
        store.fail_escalation(scope, id, None, "Twilio Conversations refused the message (demo)", created).await?;
        return Ok(());
    }
    let room_sid = format!("RT{}", Uuid::new_v4().simple());
    store.open_escalation(scope, record, Some(&room_sid), None, created).await?;
    let joins = spread.chance(76);
    let agent_in = created + Duration::seconds(spread.range(1, 4));
    let customer_in = agent_in + Duration::seconds(spread.range(10, 180));
    let end =
        if joins { customer_in + Duration::seconds(spread.range(120, 900)) } else { agent_in + Duration::minutes(5) };
    let mut events =
        vec![("room-created", created, None), ("participant-connected", agent_in, Some(agent_identity.clone()))];
    if joins {
        let customer = escalation::new_customer_identity();
        events.push(("participant-connected", customer_in, Some(customer.clone())));
        events.push(("participant-disconnected", end, Some(customer)));
    }
    events.push(("participant-disconnected", end, Some(agent_identity)));
    events.push(("room-ended", end + Duration::seconds(1), None));
    let duration = (end - created).num_seconds() + 1;
    for (sequence, (event, at, who)) in events.into_iter().enumerate() {
        let kind = RoomEventKind::from_name(event);
        let room_duration_seconds = (kind == RoomEventKind::RoomEnded).then_some(duration);
        let new = NewEvent {
            room_sid: room_sid.clone(),
            sequence_number: sequence as i64,
            participant_sid: None,
            payload: serde_json::json!({ "room_sid": room_sid, "event": event, "demo": true }),
            domain: RoomEvent {
                provider: VideoProvider::Builtin,
                kind,
                at,
                participant_identity: who,
                room_duration_seconds,
            },
        };
        store.record_room_event(scope, contact_center_id, &room_name, new, at).await?;
    }
    store.complete_escalation(scope, id, end + Duration::seconds(1)).await?;
    // Most customers who were in the call rate it, mostly well.
    if joins && spread.chance(60) {
        let stars = [5, 5, 5, 4, 4, 4, 3, 2, 5, 1][spread.range(0, 10) as usize];
        let comment = (stars <= 2).then(|| "The video kept freezing (demo)".to_owned());
        store.rate_escalation(scope, id, stars, comment, end + Duration::seconds(30)).await?;
    }
    Ok(())
}
