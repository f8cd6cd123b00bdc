//! A small key-value cache with expiry: Redis when configured (shared by
//! every replica), else in process. Used for answers that are safe to reuse
//! until they expire, such as a validated Flex token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

pub enum Cache {
    Redis { conn: ConnectionManager, prefix: String },
    Memory(Mutex<HashMap<String, (String, Instant)>>),
}

impl Cache {
    pub fn redis(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Cache::Redis { conn, prefix: prefix.into() }
    }

    pub fn memory() -> Self {
        Cache::Memory(Mutex::new(HashMap::new()))
    }

    /// A miss when absent, expired, or Redis is unreachable (the caller then
    /// does the real work; a cache must never fail a request).
    pub async fn get(&self, key: &str) -> Option<String> {
        match self {
            Cache::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                match redis::cmd("GET").arg(format!("{prefix}cache:{key}")).query_async::<Option<String>>(&mut conn).await {
                    Ok(v) => v,
                    Err(err) => {
                        tracing::warn!(error = %err, "redis cache read failed");
                        None
                    }
                }
            }
            Cache::Memory(map) => {
                let map = map.lock().unwrap_or_else(|e| e.into_inner());
                map.get(key).filter(|(_, exp)| *exp > Instant::now()).map(|(v, _)| v.clone())
            }
        }
    }

    pub async fn set(&self, key: &str, value: &str, ttl: Duration) {
        if ttl.is_zero() {
            return;
        }
        match self {
            Cache::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let res: redis::RedisResult<()> = redis::cmd("SET")
                    .arg(format!("{prefix}cache:{key}"))
                    .arg(value)
                    .arg("PX")
                    .arg(ttl.as_millis() as u64)
                    .query_async(&mut conn)
                    .await;
                if let Err(err) = res {
                    tracing::warn!(error = %err, "redis cache write failed");
                }
            }
            Cache::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                if map.len() > 50_000 {
                    map.retain(|_, (_, exp)| *exp > now);
                }
                map.insert(key.to_owned(), (value.to_owned(), now + ttl));
            }
        }
    }
}
