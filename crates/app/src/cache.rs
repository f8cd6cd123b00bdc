//! A small key-value cache with expiry: Redis when configured (shared by
//! every replica), else in process. Used for answers that are safe to reuse
//! until they expire, such as a validated Flex token.

use std::time::Duration;

use crate::redis_conn::SharedRedis;

use crate::expiring::Expiring;

/// Entries of the in-process cache; past it, the least useful are evicted.
const MEMORY_ENTRIES: u64 = 50_000;

pub enum Cache {
    Redis { conn: SharedRedis, prefix: String },
    Memory(Expiring<String, String>),
}

impl Cache {
    pub fn redis(conn: SharedRedis, prefix: impl Into<String>) -> Self {
        Cache::Redis { conn, prefix: prefix.into() }
    }

    pub fn memory() -> Self {
        Cache::Memory(Expiring::new(MEMORY_ENTRIES))
    }

    /// A miss when absent, expired, or Redis is unreachable (the caller then
    /// does the real work; a cache must never fail a request).
    pub async fn get(&self, key: &str) -> Option<String> {
        match self {
            Cache::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                match redis::cmd("GET")
                    .arg(format!("{prefix}cache:{key}"))
                    .query_async::<Option<String>>(&mut conn)
                    .await
                {
                    Ok(v) => v,
                    Err(err) => {
                        tracing::warn!(error = %err, "redis cache read failed");
                        None
                    }
                }
            }
            Cache::Memory(map) => map.get(key),
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
            Cache::Memory(map) => map.put(key.to_owned(), value.to_owned(), ttl),
        }
    }
}
