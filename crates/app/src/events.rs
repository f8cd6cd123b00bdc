//! Events between replicas, over Redis pub/sub. Each replica keeps a little
//! memory of the join path ([`crate::join_cache`]); when something changes on
//! one replica, the others hear of it here and drop or add entries, so a
//! completed escalation's code stops working everywhere at once and an
//! address blocked for guessing codes is blocked on every replica.
//!
//! Delivery is best effort (pub/sub keeps nothing for a replica that is
//! reconnecting); the caches' short lifetimes bound what a missed event costs.
//! Without Redis there is one replica and events only apply locally.
//!
//! This module is only the transport. What an event does to this replica's
//! memory is [`crate::App::publish`]'s business, the one place events start.

use std::time::Duration;

use crate::redis_conn::SharedRedis;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An escalation changed (it completed, or its room ended or was made
    /// again): what replicas remember of its code must be read afresh.
    CodeChanged { code: String },
    /// An address reached the code-guessing limit.
    AddressBlocked { ip: String, for_ms: u64 },
    /// A contact center's credentials or settings changed, or it was deleted.
    ContactCenterChanged { contact_center_id: Uuid },
    /// Each replica's sign of life on the channel, so a subscriber that
    /// hears nothing at all knows its connection is gone (see [`SILENCE`]).
    Heartbeat,
}

/// How often each replica says it is there.
const HEARTBEAT: Duration = Duration::from_secs(2);
/// Hearing nothing for this long, not even its own heartbeat, a replica
/// takes its subscription for dead: a connection can die without closing.
pub const SILENCE: Duration = Duration::from_secs(6);
/// The longest a replica may keep something an event invalidates (the join
/// cache's entries live this long); a publish that could not reach Redis is
/// retried for as long, so no replica keeps a stale entry.
pub const CACHED_AT_MOST: Duration = Duration::from_secs(300);
const REPUBLISH_FOR: Duration = CACHED_AT_MOST;

pub enum EventBus {
    Local,
    Redis { conn: SharedRedis, channel: String },
}

impl EventBus {
    pub fn channel(prefix: &str) -> String {
        format!("{prefix}events")
    }

    /// Tells the other replicas (nothing to do without Redis). One that
    /// cannot reach Redis now is retried in the background: the others may
    /// still be listening, and remembering what this event invalidates.
    pub(crate) async fn publish(&self, event: &Event) {
        let EventBus::Redis { conn, channel } = self else { return };
        let Ok(payload) = serde_json::to_string(event) else { return };
        if let Err(err) = publish_once(conn, channel, &payload).await {
            tracing::warn!(error = %err, ?event, "could not publish an event to other replicas; retrying");
            let (conn, channel) = (conn.clone(), channel.clone());
            tokio::spawn(async move {
                let until = tokio::time::Instant::now() + REPUBLISH_FOR;
                while tokio::time::Instant::now() < until {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if publish_once(&conn, &channel, &payload).await.is_ok() {
                        return;
                    }
                }
                tracing::error!("an event never reached the other replicas; their memory expires on its own");
            });
        }
    }
}

async fn publish_once(conn: &SharedRedis, channel: &str, payload: &str) -> redis::RedisResult<i64> {
    redis::cmd("PUBLISH").arg(channel).arg(payload).query_async(&mut conn.clone()).await
}

/// What the subscriber hears: an event, or that it started or stopped
/// listening (between the two, events may have been missed).
pub(crate) enum Heard {
    Event(Event),
    Listening(bool),
}

/// Listens for other replicas' events for as long as the process runs,
/// reconnecting after a pause when Redis goes away.
pub(crate) fn spawn_subscriber(
    client: redis::Client,
    conn: SharedRedis,
    channel: String,
    on_event: impl Fn(Heard) + Send + 'static,
) {
    tokio::spawn(async move {
        loop {
            match client.get_async_pubsub().await {
                Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                    Ok(()) => {
                        tracing::debug!(%channel, "listening for replica events");
                        on_event(Heard::Listening(true));
                        let mut messages = pubsub.into_on_message();
                        let mut beat = tokio::time::interval(HEARTBEAT);
                        let heartbeat = serde_json::to_string(&Event::Heartbeat).unwrap_or_default();
                        let mut heard_at = tokio::time::Instant::now();
                        loop {
                            tokio::select! {
                                msg = messages.next() => {
                                    let Some(msg) = msg else {
                                        tracing::warn!("replica event subscription ended; reconnecting");
                                        break;
                                    };
                                    heard_at = tokio::time::Instant::now();
                                    match serde_json::from_slice::<Event>(msg.get_payload_bytes()) {
                                        Ok(Event::Heartbeat) => {}
                                        Ok(event) => on_event(Heard::Event(event)),
                                        Err(err) => tracing::warn!(error = %err, "ignoring a malformed replica event"),
                                    }
                                }
                                _ = beat.tick() => {
                                    // Off this loop (a stalled Redis must not stall the
                                    // silence check); failing shows as silence below.
                                    let (conn, channel, beat) = (conn.clone(), channel.clone(), heartbeat.clone());
                                    tokio::spawn(async move {
                                        let _ = tokio::time::timeout(SILENCE, publish_once(&conn, &channel, &beat)).await;
                                    });
                                }
                                _ = tokio::time::sleep_until(heard_at + SILENCE) => {
                                    tracing::warn!("no replica events for {SILENCE:?}, not even our own; reconnecting");
                                    break;
                                }
                            }
                        }
                        on_event(Heard::Listening(false));
                    }
                    Err(err) => tracing::warn!(error = %err, "could not subscribe to replica events"),
                },
                Err(err) => tracing::warn!(error = %err, "could not connect for replica events"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}
