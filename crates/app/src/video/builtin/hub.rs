//! The signalling hub of built-in rooms on this replica: the connections it
//! holds, and the relay between participants wherever they are connected.
//!
//! A message for a participant connected here goes straight to its
//! connection's queue; one for a participant on another replica is
//! published on that replica's Redis channel, and its hub delivers it. Each
//! replica subscribes to one channel (its own), whatever the number of
//! rooms. Without Redis every participant is here.
//!
//! A connection's queue is bounded: a browser that stops reading loses its
//! queue (and then its connection) rather than growing this process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::redis_conn::SharedRedis;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

use super::presence::{Entry, Presence};
use super::protocol::Close;

/// Messages queued per connection before it counts as not reading.
const QUEUE: usize = 256;

/// What a connection's writer sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    Text(String),
    Close(Close),
}

/// A delivery for a connection on another replica.
#[derive(Debug, Serialize, Deserialize)]
struct Relayed {
    conn: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    close: Option<u16>,
}

pub struct Hub {
    /// This replica's id in presence entries and its relay channel's name.
    pub(crate) replica: String,
    next_conn: AtomicU64,
    local: Mutex<HashMap<u64, mpsc::Sender<Outbound>>>,
    pub(crate) presence: Presence,
    relay: Option<(SharedRedis, String)>,
    shutdown: watch::Sender<bool>,
}

impl Hub {
    pub fn new(redis: Option<(SharedRedis, String)>) -> Self {
        let replica = uuid::Uuid::new_v4().simple().to_string();
        let presence = match &redis {
            Some((conn, prefix)) => Presence::Redis { conn: conn.clone(), prefix: prefix.clone() },
            None => Presence::Local(Mutex::default()),
        };
        Self {
            replica,
            next_conn: AtomicU64::new(1),
            local: Mutex::default(),
            presence,
            relay: redis,
            shutdown: watch::channel(false).0,
        }
    }

    fn channel(prefix: &str, replica: &str) -> String {
        format!("{prefix}rtc:replica:{replica}")
    }

    /// With Redis: keeps this replica's heartbeat alive, so that its
    /// participants' places outlive it by seconds only if it dies (see
    /// [`Presence::heartbeat`]).
    pub(crate) fn spawn_heartbeat(self: &std::sync::Arc<Self>) {
        if self.relay.is_none() {
            return;
        }
        let weak = std::sync::Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(super::presence::HEARTBEAT_EVERY);
            loop {
                tick.tick().await;
                let Some(hub) = weak.upgrade() else { return };
                if let Err(err) = hub.presence.heartbeat(&hub.replica).await {
                    tracing::warn!(error = %err, "could not renew this replica's signalling heartbeat");
                }
            }
        });
    }

    /// With Redis: delivers what other replicas relay to this one's connections.
    pub(crate) fn spawn_relay_listener(self: &std::sync::Arc<Self>, client: redis::Client) {
        let Some((_, prefix)) = &self.relay else { return };
        let channel = Self::channel(prefix, &self.replica);
        let weak = std::sync::Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        if let Err(err) = pubsub.subscribe(&channel).await {
                            tracing::warn!(error = %err, "could not subscribe to the signalling relay");
                        } else {
                            let mut messages = pubsub.into_on_message();
                            while let Some(msg) = messages.next().await {
                                let Some(hub) = weak.upgrade() else { return };
                                match serde_json::from_slice::<Relayed>(msg.get_payload_bytes()) {
                                    Ok(r) => hub.deliver_here(r.conn, relayed_outbound(r)),
                                    Err(err) => tracing::warn!(error = %err, "ignoring a malformed relayed message"),
                                }
                            }
                            tracing::warn!("signalling relay subscription ended; reconnecting");
                        }
                    }
                    Err(err) => tracing::warn!(error = %err, "could not connect for the signalling relay"),
                }
                if weak.strong_count() == 0 {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
    }

    /// A new connection on this replica and the queue its writer reads.
    pub fn register(&self) -> (Entry, mpsc::Receiver<Outbound>) {
        let conn = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(QUEUE);
        self.local.lock().unwrap_or_else(|p| p.into_inner()).insert(conn, tx);
        (Entry { replica: self.replica.clone(), conn, session: String::new(), away: false }, rx)
    }

    pub fn unregister(&self, conn: u64) {
        self.local.lock().unwrap_or_else(|p| p.into_inner()).remove(&conn);
    }

    /// How many connections this replica holds.
    pub fn connections(&self) -> usize {
        self.local.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Sends to a participant's connection, here or on its replica.
    pub async fn deliver(&self, to: &Entry, out: Outbound) {
        if to.replica == self.replica {
            self.deliver_here(to.conn, out);
            return;
        }
        let Some((conn, prefix)) = &self.relay else { return };
        let relayed = match out {
            Outbound::Text(text) => Relayed { conn: to.conn, text: Some(text), close: None },
            Outbound::Close(c) => Relayed { conn: to.conn, text: None, close: Some(c.code()) },
        };
        let Ok(payload) = serde_json::to_string(&relayed) else { return };
        let res: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(Self::channel(prefix, &to.replica))
            .arg(payload)
            .query_async(&mut conn.clone())
            .await;
        if let Err(err) = res {
            tracing::warn!(error = %err, "could not relay a signalling message to another replica");
        }
    }

    fn deliver_here(&self, conn: u64, out: Outbound) {
        let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        let Some(tx) = local.get(&conn) else { return };
        if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(out) {
            // Not reading: drop its queue; its session sees the queue end and closes.
            tracing::warn!(conn, "a signalling connection is not reading its messages; closing it");
            local.remove(&conn);
        }
    }

    /// Resolves when the service starts shutting down.
    pub fn shutting_down(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Tells every session to close (`going_away`): browsers reconnect to another replica.
    pub fn shut_down(&self) {
        self.shutdown.send_replace(true);
    }
}

fn relayed_outbound(r: Relayed) -> Outbound {
    match (r.text, r.close) {
        (Some(text), _) => Outbound::Text(text),
        (None, Some(code)) => Outbound::Close(Close::from_code(code).unwrap_or(Close::Internal)),
        (None, None) => Outbound::Close(Close::Internal),
    }
}
