//! This replica's memory of the customer join path: open codes, each
//! contact center's token material, and client addresses blocked for
//! guessing codes. Brought in line with changes by [`JoinCache::apply`],
//! whether the change happened here or on another replica.

use std::sync::Arc;
use std::time::{Duration, Instant};

use escalate_domain::Secret;
use escalate_store::EscalationRecord;
use uuid::Uuid;

use crate::events::Event;
use crate::expiring::Expiring;

/// How long an open code is served from memory. Another replica that
/// completes the escalation is heard of at once (an event) or, if that event
/// is lost, within this bound.
pub const CODE_TTL: Duration = Duration::from_secs(5);
/// How long a contact center's token material is kept.
pub const CONTEXT_TTL: Duration = Duration::from_secs(30);

/// What minting a participant's credential needs from a contact center.
pub struct JoinContext {
    pub token_ttl_seconds: i64,
    /// The Twilio API key that signs Twilio Video tokens; `None` when the
    /// contact center has no Twilio credentials (built-in calls need none).
    pub twilio: Option<TwilioKey>,
}

pub struct TwilioKey {
    pub account_sid: String,
    pub api_key_sid: String,
    pub api_key_secret: Secret,
}

pub struct JoinCache {
    pub(crate) codes: Expiring<String, Arc<EscalationRecord>>,
    pub(crate) contexts: Expiring<Uuid, Arc<JoinContext>>,
    /// Client addresses over the guessing limit, until their window ends.
    pub(crate) blocked: Expiring<String, Instant>,
}

/// Entries per map: bounds memory under a flood of distinct codes or addresses.
const MAX_ENTRIES: usize = 100_000;

impl Default for JoinCache {
    fn default() -> Self {
        Self {
            codes: Expiring::new(MAX_ENTRIES),
            contexts: Expiring::new(MAX_ENTRIES),
            blocked: Expiring::new(MAX_ENTRIES),
        }
    }
}

impl JoinCache {
    /// Brings this replica's memory in line with a change (here or elsewhere).
    pub fn apply(&self, event: &Event) {
        match event {
            Event::CodeChanged { code } => self.codes.remove(code),
            Event::ContactCenterChanged { contact_center_id } => {
                self.contexts.remove(contact_center_id);
                // Codes of the contact center may belong to escalations that
                // no longer exist (a deleted contact center): drop them too.
                self.codes.retain(|_, e| e.contact_center_id != *contact_center_id);
            }
            Event::AddressBlocked { ip, for_ms } => {
                let d = Duration::from_millis(*for_ms);
                self.blocked.put(ip.clone(), Instant::now() + d, d);
            }
        }
    }
}
