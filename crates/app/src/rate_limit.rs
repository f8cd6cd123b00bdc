//! Fixed-window rate limits shared by every replica through Redis, or kept
//! in process when no Redis is configured.
//!
//! If Redis stops answering, limits fall back to the in-process counters
//! rather than failing open entirely or refusing every request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::redis_conn::SharedRedis;

/// At most `max` in each `window`; in the settings written `30/1m` (a
/// count, a slash, a window in s, m or h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

impl std::str::FromStr for Limit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a rate such as 30/1m (a count, a slash, a window in s, m or h)");
        let (max, window) = s.trim().split_once('/').ok_or_else(bad)?;
        let max: u32 = max.trim().parse().map_err(|_| bad())?;
        let window = window.trim();
        let (n, unit) = window.split_at(window.find(|c: char| !c.is_ascii_digit()).unwrap_or(window.len()));
        let n: u64 = n.parse().map_err(|_| bad())?;
        let secs = match unit {
            "s" => n,
            "m" => n * 60,
            "h" => n * 3600,
            _ => return Err(bad()),
        };
        if max == 0 || secs == 0 {
            return Err(bad());
        }
        Ok(Limit { max, window: Duration::from_secs(secs) })
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}s", self.max, self.window.as_secs())
    }
}

impl<'de> serde::Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Limit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Limited { retry_after: Duration },
}

pub enum RateLimiter {
    Redis { conn: SharedRedis, prefix: String, fallback: MemoryLimiter, down: std::sync::atomic::AtomicBool },
    Memory(MemoryLimiter),
}

/// Logs once when Redis stops answering and once when it is back, not per request.
fn note_redis(down: &std::sync::atomic::AtomicBool, failed: Option<&redis::RedisError>) {
    use std::sync::atomic::Ordering::Relaxed;
    match failed {
        Some(err) if !down.swap(true, Relaxed) => {
            tracing::warn!(error = %err, "Redis does not answer: rate limits now count per replica")
        }
        None if down.swap(false, Relaxed) => tracing::info!("Redis answers again: rate limits are shared"),
        _ => {}
    }
}

impl RateLimiter {
    pub fn redis(conn: SharedRedis, prefix: impl Into<String>) -> Self {
        RateLimiter::Redis {
            conn,
            prefix: prefix.into(),
            fallback: MemoryLimiter::default(),
            down: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn memory() -> Self {
        RateLimiter::Memory(MemoryLimiter::default())
    }

    /// Counts one hit on `key` and says whether it is within `limit`.
    pub async fn hit(&self, key: &str, limit: Limit) -> Decision {
        self.count(key, limit).await.0
    }

    /// Counts one hit; the decision, the count so far (shared by every
    /// replica with Redis) and the time left in the window.
    pub async fn count(&self, key: &str, limit: Limit) -> (Decision, u64, Duration) {
        match self {
            RateLimiter::Memory(m) => m.hit(key, limit, Instant::now()),
            RateLimiter::Redis { conn, prefix, fallback, down } => {
                match redis_hit(conn.clone(), &format!("{prefix}rl:{key}"), limit).await {
                    Ok(d) => {
                        note_redis(down, None);
                        d
                    }
                    Err(err) => {
                        note_redis(down, Some(&err));
                        fallback.hit(key, limit, Instant::now())
                    }
                }
            }
        }
    }

    /// Whether `key` is already over `limit`, without counting a hit.
    pub async fn peek(&self, key: &str, limit: Limit) -> Decision {
        match self {
            RateLimiter::Memory(m) => m.peek(key, limit, Instant::now()),
            RateLimiter::Redis { conn, prefix, fallback, down } => {
                match redis_peek(conn.clone(), &format!("{prefix}rl:{key}"), limit).await {
                    Ok(d) => d,
                    Err(err) => {
                        note_redis(down, Some(&err));
                        fallback.peek(key, limit, Instant::now())
                    }
                }
            }
        }
    }

    /// Forgets a key's count (after a successful sign-in, say).
    pub async fn reset(&self, key: &str) {
        match self {
            RateLimiter::Memory(m) => m.reset(key),
            RateLimiter::Redis { conn, prefix, fallback, .. } => {
                fallback.reset(key);
                let mut conn = conn.clone();
                let res: redis::RedisResult<()> =
                    redis::cmd("DEL").arg(format!("{prefix}rl:{key}")).query_async(&mut conn).await;
                if let Err(err) = res {
                    tracing::warn!(error = %err, "redis rate limit reset failed");
                }
            }
        }
    }
}

// INCR and set the window's expiry atomically; the reply is the count and the
// window's remaining milliseconds.
const HIT_SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
";

async fn redis_hit(mut conn: SharedRedis, key: &str, limit: Limit) -> redis::RedisResult<(Decision, u64, Duration)> {
    static SCRIPT: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| redis::Script::new(HIT_SCRIPT));
    let (count, ttl_ms): (u64, i64) =
        SCRIPT.key(key).arg(limit.window.as_millis() as u64).invoke_async(&mut conn).await?;
    let remaining = Duration::from_millis(ttl_ms.max(0) as u64);
    Ok((decide(count, limit, remaining), count, remaining))
}

async fn redis_peek(mut conn: SharedRedis, key: &str, limit: Limit) -> redis::RedisResult<Decision> {
    let (count, ttl_ms): (Option<u64>, i64) =
        redis::pipe().cmd("GET").arg(key).cmd("PTTL").arg(key).query_async(&mut conn).await?;
    Ok(decide(count.unwrap_or(0) + 1, limit, Duration::from_millis(ttl_ms.max(0) as u64)))
}

/// Over the limit once the count is past `max`: the hit that makes `max + 1` is refused.
fn decide(count: u64, limit: Limit, remaining: Duration) -> Decision {
    if count <= u64::from(limit.max) { Decision::Allowed } else { Decision::Limited { retry_after: remaining } }
}

#[derive(Default)]
pub struct MemoryLimiter {
    windows: Mutex<HashMap<String, (u64, Instant)>>,
}

impl MemoryLimiter {
    fn hit(&self, key: &str, limit: Limit, now: Instant) -> (Decision, u64, Duration) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 100_000 {
            // Bound memory under a flood of distinct keys: drop expired windows.
            windows.retain(|_, (_, end)| *end > now);
        }
        let entry = windows.entry(key.to_owned()).or_insert((0, now + limit.window));
        if entry.1 <= now {
            *entry = (0, now + limit.window);
        }
        entry.0 += 1;
        let remaining = entry.1 - now;
        (decide(entry.0, limit, remaining), entry.0, remaining)
    }

    fn peek(&self, key: &str, limit: Limit, now: Instant) -> Decision {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        match windows.get(key) {
            Some((count, end)) if *end > now => decide(*count + 1, limit, *end - now),
            _ => Decision::Allowed,
        }
    }

    fn reset(&self, key: &str) {
        self.windows.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_window_limits_then_resets() {
        let m = MemoryLimiter::default();
        let limit = Limit { max: 2, window: Duration::from_secs(10) };
        let t0 = Instant::now();
        assert_eq!(m.hit("k", limit, t0).0, Decision::Allowed);
        assert_eq!(m.hit("k", limit, t0).1, 2);
        assert!(
            matches!(m.hit("k", limit, t0).0, Decision::Limited { retry_after } if retry_after == Duration::from_secs(10))
        );
        assert_eq!(m.hit("other", limit, t0).0, Decision::Allowed);
        assert_eq!(m.hit("k", limit, t0 + Duration::from_secs(11)).0, Decision::Allowed);
        m.reset("k");
        assert_eq!(m.hit("k", limit, t0).0, Decision::Allowed);
    }
}
