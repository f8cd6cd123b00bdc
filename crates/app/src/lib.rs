//! The application core: every operation of the service, with the side
//! effects it owns (events to other replicas, cache invalidation, metrics),
//! apart from any transport. The HTTP layer, the dashboard, the CLI and the
//! demo seeding all call in here; nothing here knows about HTTP.
//!
//! [`App`] holds what the operations share; the operations themselves are
//! functions in [`services`], grouped by what they act on.

pub mod cache;
pub mod call_quality;
pub mod center;
pub mod config;
pub mod error;
mod event_writer;
pub mod events;
pub mod expiring;
pub mod flex_plugin;
pub mod join_cache;
pub mod message_template;
pub mod password;
pub mod principal;
pub mod rate_limit;
pub mod records;
pub mod redis_conn;
pub mod room_events;
pub mod services;
pub mod telemetry;
pub mod video;
pub mod webhook_dispatch;

use std::sync::Arc;
use std::time::Duration;

use escalate_domain::vault::Keyring;
use escalate_store::Store;
use escalate_twilio::Twilio;
use redis::aio::ConnectionManager;
use redis_conn::SharedRedis;

pub use config::{AppConfig, Limits, Urls};
pub use error::{AppError, AppResult, ErrorCode};
pub use principal::{Actor, Principal};

use crate::cache::Cache;
use crate::events::{Event, EventBus, Heard};
use crate::join_cache::JoinCache;
use crate::rate_limit::RateLimiter;
use crate::telemetry::Metrics;

/// The shared parts of the application; cheap to clone.
#[derive(Clone)]
pub struct App(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub keyring: Keyring,
    pub twilio: Twilio,
    pub config: AppConfig,
    pub metrics: Arc<Metrics>,
    pub(crate) limiter: RateLimiter,
    pub(crate) cache: Cache,
    pub(crate) join_cache: JoinCache,
    pub(crate) events: EventBus,
    /// Signalling of built-in video rooms on this replica.
    pub video_hub: Arc<video::builtin::hub::Hub>,
    /// The Redis connection and key prefix, for readiness and periodic turns.
    redis: Option<(SharedRedis, String)>,
    /// Writes room callbacks in batches; started on first use (in the runtime).
    event_writer: std::sync::OnceLock<event_writer::EventWriter>,
    /// Sends this replica's share of the webhook outbox.
    pub(crate) webhook_dispatch: webhook_dispatch::Dispatcher,
}

/// After a Redis command goes unanswered, how long commands fail at once
/// (falling back to this replica's memory) before one probes again.
const REDIS_COOLDOWN: Duration = Duration::from_secs(1);

/// What [`App::new`] is built from.
pub struct Parts {
    pub store: Store,
    pub keyring: Keyring,
    pub twilio: Twilio,
    pub config: AppConfig,
    pub metrics: Arc<Metrics>,
    /// Shared limits, caches and events; `None` keeps them in process (one replica).
    pub redis: Option<RedisParts>,
}

pub struct RedisParts {
    pub conn: ConnectionManager,
    /// How long one command may go unanswered before this replica stops
    /// waiting for Redis for a moment (see [`redis_conn`]).
    pub command_timeout: Duration,
    pub client: redis::Client,
    pub key_prefix: String,
}

impl std::ops::Deref for App {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl App {
    /// Builds the application and, with Redis, starts listening for the
    /// other replicas' events.
    pub fn new(parts: Parts) -> Self {
        let Parts { store, keyring, twilio, config, metrics, redis } = parts;
        let redis =
            redis.map(|r| (SharedRedis::new(r.conn, r.command_timeout, REDIS_COOLDOWN), r.client, r.key_prefix));
        let hub = Arc::new(video::builtin::hub::Hub::new(
            redis.as_ref().map(|(conn, _, prefix)| (conn.clone(), prefix.clone())),
        ));
        if let Some((_, client, _)) = &redis {
            hub.spawn_heartbeat();
            hub.spawn_relay_listener(client.clone());
        }
        let (limiter, cache, events, conn, subscription) = match redis {
            Some((conn, client, key_prefix)) => (
                RateLimiter::redis(conn.clone(), key_prefix.clone()),
                Cache::redis(conn.clone(), key_prefix.clone()),
                EventBus::Redis { conn: conn.clone(), channel: EventBus::channel(&key_prefix) },
                Some((conn.clone(), key_prefix.clone())),
                Some((client, conn, EventBus::channel(&key_prefix))),
            ),
            None => (RateLimiter::memory(), Cache::memory(), EventBus::Local, None, None),
        };
        let webhook_dispatch = webhook_dispatch::Dispatcher::new(&config.webhooks);
        let app = App(Arc::new(Inner {
            store,
            keyring,
            twilio,
            config,
            metrics,
            limiter,
            cache,
            // Without an event transport this is the one replica: it hears every change.
            join_cache: JoinCache::new(subscription.is_none()),
            events,
            video_hub: hub,
            redis: conn,
            event_writer: std::sync::OnceLock::new(),
            webhook_dispatch,
        }));
        if let Some((client, conn, channel)) = subscription {
            // A weak handle: the listener must not keep a dropped app alive.
            let weak = Arc::downgrade(&app.0);
            events::spawn_subscriber(client, conn, channel, move |heard| {
                if let Some(inner) = weak.upgrade() {
                    match heard {
                        Heard::Event(event) => inner.join_cache.apply(&event),
                        Heard::Listening(up) => inner.join_cache.hearing(up),
                    }
                }
            });
        }
        app
    }

    /// Starts what runs beside the requests: the recovery of escalations a
    /// replica left mid-creation, expiry, purges and webhook delivery.
    pub fn start_background_tasks(&self) {
        services::recovery::spawn(self);
        services::expiry::spawn(self);
        services::audit::spawn_purge(self);
        services::recordings::spawn_purge(self);
        services::snapshots::spawn_purge(self);
        services::insights::spawn(self);
        webhook_dispatch::spawn(self);
    }

    /// New deliveries may be due: the dispatcher looks now.
    pub fn webhooks_wake(&self) {
        self.webhook_dispatch.wake();
    }

    pub(crate) fn downgrade(&self) -> std::sync::Weak<Inner> {
        Arc::downgrade(&self.0)
    }

    pub(crate) fn upgrade(weak: &std::sync::Weak<Inner>) -> Option<App> {
        weak.upgrade().map(App)
    }

    /// Runs `round` every `period` for as long as the app lives, on one
    /// replica at a time (see [`Self::take_turn`]); `round` says what it did,
    /// for the log, or why it failed.
    pub(crate) fn spawn_periodic<F, Fut>(&self, job: &'static str, period: Duration, round: F)
    where
        F: Fn(App) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = AppResult<Option<String>>> + Send,
    {
        let weak = self.downgrade();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(app) = App::upgrade(&weak) else { return };
                if !app.take_turn(job, period).await {
                    continue;
                }
                match round(app).await {
                    Ok(Some(done)) => tracing::info!(job, "{done}"),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(job, error = %e, "periodic job failed; next round"),
                }
            }
        });
    }

    /// Whether this replica takes its turn at a periodic job now: one
    /// replica per `period` (a lock in Redis); always without Redis.
    pub(crate) async fn take_turn(&self, job: &str, period: Duration) -> bool {
        let Some((conn, prefix)) = &self.redis else { return true };
        let key = format!("{prefix}turn:{job}");
        let mut conn = conn.clone();
        let taken: redis::RedisResult<Option<String>> = redis::cmd("SET")
            .arg(&key)
            .arg("1")
            .arg("NX")
            .arg("PX")
            .arg(period.as_millis() as u64)
            .query_async(&mut conn)
            .await;
        match taken {
            Ok(v) => v.is_some(),
            Err(err) => {
                tracing::warn!(error = %err, job, "could not take a turn in Redis; running here");
                true
            }
        }
    }

    pub(crate) fn event_writer(&self) -> &event_writer::EventWriter {
        self.event_writer.get_or_init(|| event_writer::EventWriter::start(&self.store))
    }

    pub fn urls(&self) -> Urls<'_> {
        self.config.urls()
    }

    /// Applies a change to this replica's memory and tells the others. The
    /// one place events start; only operations that own the change call it.
    pub(crate) async fn publish(&self, event: Event) {
        self.join_cache.apply(&event);
        self.events.publish(&event).await;
    }

    /// Whether the database answers, and Redis (when configured).
    pub async fn readiness(&self) -> Readiness {
        const WAIT: Duration = Duration::from_secs(2);
        let database = match tokio::time::timeout(WAIT, self.store.ping()).await {
            Ok(Ok(())) => Check::Ok,
            Ok(Err(e)) => Check::Failed(e.to_string()),
            Err(_) => Check::Failed("timeout".into()),
        };
        let redis = match &self.redis {
            None => Check::NotConfigured,
            Some((conn, _)) => {
                let mut conn = conn.clone();
                let ping = async move { redis::cmd("PING").query_async::<String>(&mut conn).await };
                match tokio::time::timeout(WAIT, ping).await {
                    Ok(Ok(_)) => Check::Ok,
                    Ok(Err(e)) => Check::Failed(e.to_string()),
                    Err(_) => Check::Failed("timeout".into()),
                }
            }
        };
        self.metrics.redis_up(redis.usable());
        Readiness { database, redis }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Ok,
    NotConfigured,
    Failed(String),
}

impl Check {
    pub fn describe(&self) -> String {
        match self {
            Check::Ok => "ok".into(),
            Check::NotConfigured => "not configured".into(),
            Check::Failed(why) => format!("error: {why}"),
        }
    }

    pub fn usable(&self) -> bool {
        !matches!(self, Check::Failed(_))
    }
}

#[derive(Debug, Clone)]
pub struct Readiness {
    pub database: Check,
    pub redis: Check,
}

impl Readiness {
    /// Serving needs the database. Without Redis the service still serves:
    /// limits, caches and events then hold per replica (degraded), so a load
    /// balancer must not take every replica out for it.
    pub fn serving(&self) -> bool {
        self.database == Check::Ok
    }

    pub fn degraded(&self) -> bool {
        !self.redis.usable()
    }
}
