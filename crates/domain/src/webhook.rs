//! Event webhooks for integrators: the event names a tenant subscribes to,
//! the Standard Webhooks signature (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<base64 HMAC-SHA256>`), endpoint secrets
//! (`whsec_<base64>`), the retry schedule, and which addresses an endpoint
//! may point at.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::Secret;

/// What happened to an escalation (or its customer's rating).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType), sea_orm(value_type = "String"))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
pub enum EventType {
    /// The room is made and the join link posted into the chat.
    #[cfg_attr(feature = "openapi", oai(rename = "escalation.created"))]
    EscalationCreated,
    /// The agent connected to the call for the first time.
    #[cfg_attr(feature = "openapi", oai(rename = "agent.joined"))]
    AgentJoined,
    /// The customer connected to the call for the first time.
    #[cfg_attr(feature = "openapi", oai(rename = "customer.joined"))]
    CustomerJoined,
    /// The agent or an integration ended the escalation.
    #[cfg_attr(feature = "openapi", oai(rename = "escalation.ended"))]
    EscalationEnded,
    /// The room or the chat message could not be made.
    #[cfg_attr(feature = "openapi", oai(rename = "escalation.failed"))]
    EscalationFailed,
    /// The customer's link ran out before anyone joined the call.
    #[cfg_attr(feature = "openapi", oai(rename = "escalation.expired"))]
    EscalationExpired,
    /// The customer rated the call.
    #[cfg_attr(feature = "openapi", oai(rename = "rating.received"))]
    RatingReceived,
    /// The agent saved a snapshot of the customer's video (`data.snapshot`
    /// says which; download it with the API).
    #[cfg_attr(feature = "openapi", oai(rename = "snapshot.created"))]
    SnapshotCreated,
}

impl EventType {
    pub const ALL: [EventType; 8] = [
        EventType::EscalationCreated,
        EventType::AgentJoined,
        EventType::CustomerJoined,
        EventType::EscalationEnded,
        EventType::EscalationFailed,
        EventType::EscalationExpired,
        EventType::RatingReceived,
        EventType::SnapshotCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::EscalationCreated => "escalation.created",
            EventType::AgentJoined => "agent.joined",
            EventType::CustomerJoined => "customer.joined",
            EventType::EscalationEnded => "escalation.ended",
            EventType::EscalationFailed => "escalation.failed",
            EventType::EscalationExpired => "escalation.expired",
            EventType::RatingReceived => "rating.received",
            EventType::SnapshotCreated => "snapshot.created",
        }
    }
}

/// Where a delivery is: waiting for its next attempt, received (2xx), or
/// given up on after the retry period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType), sea_orm(value_type = "String"))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum), oai(rename_all = "lowercase"))]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [DeliveryStatus::Pending, DeliveryStatus::Delivered, DeliveryStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }
}

crate::names::named!(DeliveryStatus, "delivery status");

/// The body every endpoint receives for an escalation's event: what
/// happened, when, and the escalation as it now is. Never its room code or
/// join link (the customer's credential). Defined once here; the store only
/// keeps it in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EscalationNotice {
    #[serde(rename = "type")]
    pub event_type: &'static str,
    pub timestamp: String,
    pub data: EscalationNoticeData,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EscalationNoticeData {
    pub escalation_id: uuid::Uuid,
    pub contact_center_id: uuid::Uuid,
    pub status: &'static str,
    pub task_sid: String,
    pub conversation_sid: String,
    pub agent_identity: String,
    pub agent_name: Option<String>,
    pub video_provider: crate::contact_center::VideoProvider,
    pub room_name: String,
    pub created_at: String,
    pub agent_joined_at: Option<String>,
    pub customer_joined_at: Option<String>,
    pub ended_at: Option<String>,
    pub failure_reason: Option<String>,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<String>,
    /// The snapshot a `snapshot.created` event is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotNotice>,
}

/// A saved snapshot, as an event names it (never its picture).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SnapshotNotice {
    pub id: uuid::Uuid,
    pub taken_by: String,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub size_bytes: u64,
}

impl EscalationNotice {
    pub fn new(event: EventType, at: chrono::DateTime<chrono::Utc>, data: EscalationNoticeData) -> Self {
        Self { event_type: event.as_str(), timestamp: at.to_rfc3339(), data }
    }
}

crate::names::named!(EventType, "event type");

/// The events an endpoint subscribes to, as its column keeps them:
/// `,agent.joined,escalation.created,` (sorted, each name between commas so
/// a look-up for one name never matches part of another). Made only from
/// event types, so the column holds nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType))]
pub struct EventSet(String);

impl EventSet {
    pub fn new(events: &[EventType]) -> Self {
        let mut names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        Self(format!(",{},", names.join(",")))
    }

    /// The events, in the order of [`EventType::ALL`]; names the service no
    /// longer knows are left out.
    pub fn events(&self) -> Vec<EventType> {
        EventType::ALL.into_iter().filter(|e| self.contains(*e)).collect()
    }

    pub fn contains(&self, event: EventType) -> bool {
        self.0.contains(&format!(",{},", event.as_str()))
    }
}

/// An endpoint's signing secret, as Standard Webhooks writes it:
/// `whsec_` and 32 random bytes in base64.
pub fn generate_secret() -> Secret {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes[..]);
    Secret::new(format!("whsec_{}", B64.encode(bytes)))
}

/// The key bytes behind a `whsec_…` secret.
fn key_bytes(secret: &Secret) -> Option<Vec<u8>> {
    B64.decode(secret.expose().strip_prefix("whsec_")?).ok()
}

/// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
pub fn sign(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key_bytes(secret)?).ok()?;
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// The `webhook-signature` header: one signature per live secret, space
/// separated (during a rotation receivers holding either secret verify).
pub fn signature_header(secrets: &[&Secret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().filter_map(|s| sign(s, msg_id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// How long after the `attempt`-th failure (1-based) to try again:
/// `base`·4^(attempt−1), at most six hours. With the default 5 s base:
/// 5 s, 20 s, 80 s, 5 min, 21 min, 85 min, 5.7 h, 6 h … for a day.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let factor = 4u32.saturating_pow(attempt.saturating_sub(1).min(12));
    base.saturating_mul(factor).min(Duration::from_secs(6 * 3600))
}

/// Whether an endpoint may be delivered to at `ip`: only addresses the IANA
/// IPv4 and IPv6 special-purpose registries leave globally reachable. Never
/// loopback, private (RFC 1918, unique-local), link-local (which includes
/// cloud metadata at 169.254.169.254), site-local, carrier-grade NAT,
/// unspecified, multicast, broadcast, documentation, benchmarking, discard,
/// the deprecated 6to4 relay anycast, or reserved ranges. IPv6 forms that
/// carry an IPv4 address (IPv4-mapped, IPv4-translated, NAT64, 6to4, Teredo)
/// are judged by the IPv4 addresses they embed, since that is where a
/// packet ends up. `allow_loopback` is for tests on one machine.
pub fn is_deliverable(ip: IpAddr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return allow_loopback;
    }
    match ip {
        IpAddr::V4(v4) => is_global_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Embedded::One(v4) => is_deliverable(IpAddr::V4(v4), allow_loopback),
            // Teredo: the server's address, and the client's (stored inverted).
            Embedded::Two(server, client) => is_global_v4(server) && is_global_v4(client),
            Embedded::None => is_global_v6(v6),
        },
    }
}

fn is_global_v4(v4: std::net::Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_multicast()
        || v4.is_broadcast()
        || v4.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT, 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments, 192.0.0.0/24
        || (a == 192 && b == 88 && c == 99) // deprecated 6to4 relay anycast, 192.88.99.0/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, 198.18.0.0/15
        || a >= 240) // reserved, 240.0.0.0/4
}

enum Embedded {
    None,
    One(std::net::Ipv4Addr),
    Two(std::net::Ipv4Addr, std::net::Ipv4Addr),
}

/// The IPv4 address(es) an IPv6 address stands for, where it is one of the
/// forms that carry one.
fn embedded_v4(v6: std::net::Ipv6Addr) -> Embedded {
    let s = v6.segments();
    let o = v6.octets();
    let tail = std::net::Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        // IPv4-mapped ::ffff:a.b.c.d, and IPv4-compatible ::a.b.c.d (deprecated).
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0, 0, ..] => Embedded::One(tail),
        // IPv4-translated ::ffff:0:a.b.c.d (RFC 2765).
        [0, 0, 0, 0, 0xffff, 0, ..] => Embedded::One(tail),
        // NAT64 well-known prefix 64:ff9b::/96.
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => Embedded::One(tail),
        // 6to4, 2002:a.b.c.d::/48.
        [0x2002, ..] => Embedded::One(std::net::Ipv4Addr::new(o[2], o[3], o[4], o[5])),
        // Teredo, 2001:0:<server>::<client xor ffffffff>.
        [0x2001, 0, ..] => Embedded::Two(
            std::net::Ipv4Addr::new(o[4], o[5], o[6], o[7]),
            std::net::Ipv4Addr::new(!o[12], !o[13], !o[14], !o[15]),
        ),
        _ => Embedded::None,
    }
}

fn is_global_v6(v6: std::net::Ipv6Addr) -> bool {
    let s = v6.segments();
    // Only global unicast (2000::/3) is routed on the internet; everything
    // outside it (unspecified, discard-only 100::/64, local-use NAT64
    // 64:ff9b:1::/48, unique-local, link-local, site-local, multicast, …) is not.
    if s[0] & 0xe000 != 0x2000 {
        return false;
    }
    // IETF protocol assignments 2001::/23, documentation 2001:db8::/32 and 3fff::/20.
    let ietf_or_documentation = s[0] == 0x2001 && (s[1] < 0x0200 || s[1] == 0x0db8);
    !(ietf_or_documentation || (s[0] & 0xfff0) == 0x3ff0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_round_trip_and_match_whole_names_only() {
        for e in EventType::ALL {
            assert_eq!(e.as_str().parse::<EventType>().unwrap(), e);
        }
        let stored = EventSet::new(&[EventType::AgentJoined, EventType::EscalationEnded, EventType::AgentJoined]);
        assert_eq!(stored.0, ",agent.joined,escalation.ended,");
        assert!(stored.contains(EventType::AgentJoined));
        assert!(!stored.contains(EventType::EscalationCreated) && !stored.contains(EventType::CustomerJoined));
        assert_eq!(stored.events(), [EventType::AgentJoined, EventType::EscalationEnded]);
        // What an older release stored reads back the same.
        assert_eq!(EventSet(",escalation.ended,agent.joined,retired.name,".into()).events(), stored.events());
    }

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The example in the Standard Webhooks specification.
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned());
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let other = generate_secret();
        let header = signature_header(&[&secret, &other], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(header.split(' ').count(), 2);
        assert!(sign(&Secret::new("not-a-secret".to_owned()), "m", 1, b"").is_none());
    }

    #[test]
    fn backoff_grows_to_a_ceiling() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 2), Duration::from_secs(20));
        assert_eq!(backoff(base, 4), Duration::from_secs(320));
        assert_eq!(backoff(base, 40), Duration::from_secs(6 * 3600));
    }

    #[test]
    fn only_public_addresses_are_deliverable() {
        let no = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
            // Forms an outside probe found accepted: 6to4, Teredo, IPv4-translated, site-local, discard-only.
            "2002:7f00:1::",
            "2002:a00:1::1",
            "2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo, client 127.0.0.1
            "2001::1",
            "::ffff:0:7f00:1",
            "::ffff:0:a00:1",
            "fec0::1",
            "100::1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "192.88.99.1",
            "192.0.0.9",
            "198.18.0.1",
            "240.0.0.1",
            "3fff::1",
            "2001:2::1",
            "ff02::1",
            "::7f00:1",
        ];
        for ip in no {
            assert!(!is_deliverable(ip.parse().unwrap(), false), "{ip}");
        }
        // Public IPv4 written inside IPv6 stays public.
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "2002:808:808::1",
            "64:ff9b::808:808",
            "2001:0:808:808::f7f7:f7f7", // Teredo, server and client 8.8.8.8
        ] {
            assert!(is_deliverable(ip.parse().unwrap(), false), "{ip}");
        }
        assert!(is_deliverable("127.0.0.1".parse().unwrap(), true));
        assert!(is_deliverable("::1".parse().unwrap(), true));
        assert!(!is_deliverable("10.0.0.1".parse().unwrap(), true), "loopback only, not every private range");
    }
}
