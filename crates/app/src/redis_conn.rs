//! The one Redis connection that shared limits, caches, replica events and
//! call presence go through, with every command bounded in time.
//!
//! A Redis that is down fails fast on its own; one that hangs (stopped, a
//! full network buffer, a blocked server) would hold every request for the
//! client's own timeouts and retries: seconds each. Here a command that has
//! no answer within `timeout` fails, and for `cooldown` afterwards commands
//! fail at once without waiting; then one command probes again while the
//! others keep failing fast, until an answer comes. Every caller already
//! treats a failed command as "Redis unavailable" and falls back to this
//! replica's memory, and `/readyz` reports "degraded".

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, RedisResult, Value};

#[derive(Clone)]
pub struct SharedRedis {
    conn: ConnectionManager,
    gate: Arc<Gate>,
}

struct Gate {
    timeout: Duration,
    cooldown: Duration,
    state: Mutex<State>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Answering,
    /// Commands fail at once until then.
    Silent {
        until: Instant,
    },
    /// One command is finding out whether Redis answers again.
    Probing,
}

impl Gate {
    /// Whether a command may go to Redis now.
    fn admit(&self, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match *state {
            State::Answering => true,
            State::Silent { until } if now >= until => {
                *state = State::Probing;
                true
            }
            State::Silent { .. } | State::Probing => false,
        }
    }

    fn answered(&self) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = State::Answering;
    }

    fn silent(&self, now: Instant) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = State::Silent { until: now + self.cooldown };
    }
}

impl SharedRedis {
    /// `timeout` bounds each command; after one goes unanswered, commands
    /// fail at once for `cooldown`.
    pub fn new(conn: ConnectionManager, timeout: Duration, cooldown: Duration) -> Self {
        Self { conn, gate: Arc::new(Gate { timeout, cooldown, state: Mutex::new(State::Answering) }) }
    }

    async fn bounded<T>(gate: &Gate, command: impl Future<Output = RedisResult<T>>) -> RedisResult<T> {
        if !gate.admit(Instant::now()) {
            return Err(RedisError::from((ErrorKind::Io, "Redis did not answer recently; not waiting for it")));
        }
        match tokio::time::timeout(gate.timeout, command).await {
            Ok(Ok(v)) => {
                gate.answered();
                Ok(v)
            }
            Ok(Err(e)) => {
                if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal() {
                    gate.silent(Instant::now());
                } else {
                    // A server's error reply is an answer.
                    gate.answered();
                }
                Err(e)
            }
            Err(_) => {
                gate.silent(Instant::now());
                Err(RedisError::from((ErrorKind::Io, "Redis did not answer in time")))
            }
        }
    }
}

impl ConnectionLike for SharedRedis {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(Self::bounded(&self.gate, self.conn.req_packed_command(cmd)))
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(Self::bounded(&self.gate, self.conn.req_packed_commands(pipeline, offset, count)))
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_silence_commands_fail_fast_then_one_probes() {
        let gate = Gate {
            timeout: Duration::from_millis(10),
            cooldown: Duration::from_secs(1),
            state: Mutex::new(State::Answering),
        };
        let t0 = Instant::now();
        assert!(gate.admit(t0));
        gate.silent(t0);
        assert!(!gate.admit(t0 + Duration::from_millis(500)), "within the cooldown nobody waits");
        assert!(gate.admit(t0 + Duration::from_secs(1)), "one probe after it");
        assert!(!gate.admit(t0 + Duration::from_secs(1)), "only one");
        gate.answered();
        assert!(gate.admit(t0 + Duration::from_secs(1)));
    }
}
