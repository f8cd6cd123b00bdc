//! This replica's memory of the customer join path: open codes, each
//! contact center's token material and brand, and client addresses blocked
//! for guessing codes. Brought in line with changes by [`JoinCache::apply`],
//! whether the change happened here or on another replica.
//!
//! Codes and contact centers are only served from memory while this replica
//! hears every change: with Redis, while its event subscription is up. When
//! the subscription drops, the memory is cleared and bypassed until it is
//! back (a change made meanwhile on another replica would not be heard of),
//! so a completed code stops working here as soon as the event arrives. A
//! connection that dies without closing is noticed within
//! [`SILENCE`](crate::events::SILENCE) (every replica hears its own
//! heartbeat), and an event that could not be published is retried. The
//! time to live bounds only what is left: a replica that cannot reach Redis
//! while the others can.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use escalate_domain::Secret;
use escalate_domain::contact_center::Branding;
use escalate_store::{EscalationRecord, TenantScope};
use uuid::Uuid;

use crate::events::Event;
use crate::expiring::Expiring;

/// The longest an open code is served from memory. Changes are heard of at
/// once (see the module's note); this bounds only a replica cut off from
/// Redis while the others are not. Long enough that 100,000 open codes cost
/// a few hundred look-ups a second to keep: a look-up in the database costs
/// about ten times the rest of a token.
pub const CODE_TTL: Duration = crate::events::CACHED_AT_MOST;
/// How long a contact center's token material and brand are kept.
pub const CONTEXT_TTL: Duration = Duration::from_secs(60);

/// What the join path needs from a contact center: its page's brand and
/// what minting a participant's credential takes.
pub struct JoinContext {
    /// The tenant the contact center belongs to (its row vouched for it).
    pub scope: TenantScope,
    pub brand: Branding,
    pub token_ttl_seconds: i64,
    /// The Twilio API key that signs Twilio Video tokens; `None` when the
    /// contact center has no Twilio credentials (built-in calls need none).
    pub twilio: Option<TwilioKey>,
}

pub struct TwilioKey {
    pub account_sid: String,
    pub api_key_sid: String,
    pub api_key_secret: Secret,
    /// What Twilio signs the contact center's callbacks with.
    pub auth_token: Secret,
}

pub struct JoinCache {
    codes: Expiring<String, Arc<EscalationRecord>>,
    contexts: Expiring<Uuid, Arc<JoinContext>>,
    /// Client addresses over the guessing limit, until their window ends.
    blocked: Expiring<String, Instant>,
    /// Whether every change is heard of now (see the module's note).
    hearing: AtomicBool,
}

/// Open codes kept: a record is about half a kilobyte, so this bounds the
/// map near 100 MiB under any number of open escalations.
const MAX_CODES: u64 = 200_000;
/// Contact centers, and blocked addresses, kept.
const MAX_ENTRIES: u64 = 100_000;

impl JoinCache {
    /// `hearing`: whether changes are heard of from the start (one replica,
    /// no event transport), else once [`Self::hearing`] says so.
    pub fn new(hearing: bool) -> Self {
        Self {
            codes: Expiring::new(MAX_CODES),
            contexts: Expiring::new(MAX_ENTRIES),
            blocked: Expiring::new(MAX_ENTRIES),
            hearing: AtomicBool::new(hearing),
        }
    }

    /// The event subscription came up (`true`) or went down (`false`):
    /// either way what was remembered may have missed a change.
    pub fn hearing(&self, up: bool) {
        if !up {
            self.hearing.store(false, Ordering::SeqCst);
        }
        self.codes.clear();
        self.contexts.clear();
        if up {
            self.hearing.store(true, Ordering::SeqCst);
        }
    }

    fn trusted(&self) -> bool {
        self.hearing.load(Ordering::Acquire)
    }

    pub(crate) fn code(&self, code: &str) -> Option<Arc<EscalationRecord>> {
        self.trusted().then(|| self.codes.get(code)).flatten()
    }

    pub(crate) fn put_code(&self, record: Arc<EscalationRecord>) {
        if self.trusted() {
            self.codes.put(record.code.clone(), record, CODE_TTL);
        }
    }

    pub(crate) fn context(&self, contact_center_id: Uuid) -> Option<Arc<JoinContext>> {
        self.trusted().then(|| self.contexts.get(&contact_center_id)).flatten()
    }

    pub(crate) fn put_context(&self, contact_center_id: Uuid, ctx: Arc<JoinContext>) {
        if self.trusted() {
            self.contexts.put(contact_center_id, ctx, CONTEXT_TTL);
        }
    }

    /// Until when `ip` is blocked for guessing codes, if it is.
    pub(crate) fn blocked_until(&self, ip: &str) -> Option<Instant> {
        self.blocked.get(ip).filter(|until| *until > Instant::now())
    }

    /// Brings this replica's memory in line with a change (here or elsewhere).
    pub fn apply(&self, event: &Event) {
        match event {
            Event::CodeChanged { code } => self.codes.remove(code),
            Event::ContactCenterChanged { contact_center_id } => {
                self.contexts.remove(contact_center_id);
                // Codes of the contact center may belong to escalations that
                // no longer exist (a deleted contact center): drop them too.
                let id = *contact_center_id;
                self.codes.remove_if(move |_, e| e.contact_center_id == id);
            }
            Event::AddressBlocked { ip, for_ms } => {
                let d = Duration::from_millis(*for_ms);
                self.blocked.put(ip.clone(), Instant::now() + d, d);
            }
            Event::Heartbeat => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(code: &str) -> Arc<EscalationRecord> {
        let now = chrono::Utc::now();
        Arc::new(EscalationRecord {
            id: Uuid::new_v4(),
            tenant_id: Uuid::new_v4(),
            contact_center_id: Uuid::new_v4(),
            idempotency_key: None,
            task_sid: "WT1".into(),
            conversation_sid: "CH1".into(),
            agent_identity: "agent".into(),
            agent_name: None,
            room_sid: None,
            room_name: format!("esc-{code}"),
            code: code.into(),
            status: escalate_domain::escalation::Status::Open,
            message_sid: None,
            created_at: now,
            expires_at: now,
            room_created_at: None,
            agent_joined_at: None,
            customer_joined_at: None,
            ended_at: None,
            duration_seconds: None,
            failure_reason: None,
            updated_at: now,
            video_provider: escalate_domain::contact_center::VideoProvider::Builtin,
            test_call: false,
            rating: None,
            rating_comment: None,
            rated_at: None,
            recorded: false,
            recording_consent_at: None,
            recordings_deleted_at: None,
            quality_poor: None,
            erased_at: None,
            insights_written_at: None,
            insights_attempts: 0,
            insights_next_try_at: None,
        })
    }

    #[test]
    fn memory_is_bypassed_while_changes_may_go_unheard() {
        let cache = JoinCache::new(false);
        cache.put_code(record("AAAAAAAAAAAAA"));
        assert!(cache.code("AAAAAAAAAAAAA").is_none(), "nothing is kept before the subscription is up");
        cache.hearing(true);
        cache.put_code(record("AAAAAAAAAAAAA"));
        assert!(cache.code("AAAAAAAAAAAAA").is_some());
        cache.hearing(false);
        assert!(cache.code("AAAAAAAAAAAAA").is_none(), "a lost subscription forgets and bypasses");
        cache.hearing(true);
        assert!(cache.code("AAAAAAAAAAAAA").is_none(), "what was kept before is not trusted again");
    }

    #[test]
    fn a_completed_code_and_a_changed_contact_center_are_forgotten() {
        let cache = JoinCache::new(true);
        let e = record("BBBBBBBBBBBBB");
        let cc = e.contact_center_id;
        cache.put_code(e.clone());
        cache.put_code(record("CCCCCCCCCCCCC"));
        cache.apply(&Event::CodeChanged { code: "BBBBBBBBBBBBB".into() });
        assert!(cache.code("BBBBBBBBBBBBB").is_none());
        cache.put_code(e);
        let other = cache.code("CCCCCCCCCCCCC").unwrap().contact_center_id;
        cache.apply(&Event::ContactCenterChanged { contact_center_id: cc });
        assert!(cache.code("BBBBBBBBBBBBB").is_none());
        assert_eq!(cache.code("CCCCCCCCCCCCC").map(|e| e.contact_center_id), Some(other));
    }
}
