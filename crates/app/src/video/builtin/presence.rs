//! Who is in each built-in room, shared by every replica: a Redis hash per
//! room (identity → where its connection is), changed only by Lua scripts so
//! that the room's capacity check and the join are one step. Without Redis
//! it is a map in this process (one replica).
//!
//! An entry outlives a dropped connection for a short grace period, so a
//! participant whose WebSocket drops and comes back is a reconnect, not a
//! leave and a join.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::redis_conn::SharedRedis;
use escalate_domain::escalation::{Role, role_of};

/// At most this many participants: the agent, the customer, and a supervisor.
pub const MAX_PARTICIPANTS: usize = 3;
/// Of which at most one is a customer (one customer link, one face). A
/// customer who joins while another is in takes over: the same link opened
/// on a phone (the desktop page's QR code) moves the call there, and the
/// earlier device steps aside (`replaced`) instead of fighting for the place.
pub const MAX_CUSTOMERS: usize = 1;
/// How long a room's hash lives after its last change: a room nobody left
/// cleanly (every replica stopped) does not stay full forever.
const ROOM_TTL_MS: u64 = 6 * 3600 * 1000;

/// Where a participant's connection is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub replica: String,
    pub conn: u64,
    /// The page session that connected (see `ClientMessage::Hello`).
    pub session: String,
    /// Its connection dropped; it keeps its place for the grace period,
    /// but a newcomer who needs the place takes it.
    pub away: bool,
}

fn class(identity: &str) -> &'static str {
    if role_of(identity) == Role::Customer { "customer" } else { "staff" }
}

impl Entry {
    fn owner(&self) -> String {
        format!("{}|{}|", self.replica, self.conn)
    }

    /// `replica|conn|session|class|live-or-away`.
    fn encode(&self, identity: &str) -> String {
        let state = if self.away { "away" } else { "live" };
        format!("{}{}|{}|{state}", self.owner(), self.session, class(identity))
    }

    fn decode(value: &str) -> Option<Self> {
        let mut parts = value.splitn(5, '|');
        let replica = parts.next()?.to_owned();
        let conn = parts.next()?.parse().ok()?;
        let session = parts.next()?.to_owned();
        let _class = parts.next()?;
        let away = parts.next()? == "away";
        Some(Self { replica, conn, session, away })
    }
}

pub enum Joined {
    /// In; the entry it replaced (the same identity's earlier connection),
    /// the participants away whose places it took, and the customers still
    /// connected who handed their place over to this one (their connections
    /// are to be closed).
    In {
        previous: Option<Entry>,
        evicted: Vec<String>,
        handed_over: Vec<(String, Entry)>,
    },
    Full,
}

/// Who makes way for `identity` in `members`: the away members whose
/// places it takes and the connected customers it takes over from; `None`
/// when the room is full.
fn admit(members: &HashMap<String, Entry>, identity: &str) -> Option<(Vec<String>, Vec<String>)> {
    if members.contains_key(identity) {
        return Some(Default::default());
    }
    let customer = class(identity) == "customer";
    let mut live: Vec<&String> = members.iter().filter(|(_, e)| !e.away).map(|(i, _)| i).collect();
    let mut handed: Vec<String> = Vec::new();
    if customer && live.iter().filter(|i| class(i) == "customer").count() >= MAX_CUSTOMERS {
        handed = live.iter().filter(|i| class(i) == "customer").map(|i| (*i).clone()).collect();
        live.retain(|i| class(i) != "customer");
    }
    if live.len() >= MAX_PARTICIPANTS {
        return None;
    }
    let away: Vec<&String> = members.iter().filter(|(_, e)| e.away).map(|(i, _)| i).collect();
    let mut evicted: Vec<String> = Vec::new();
    if customer {
        evicted.extend(away.iter().filter(|i| class(i) == "customer").map(|i| (*i).clone()));
    }
    let mut remaining: Vec<&String> = away.into_iter().filter(|i| !evicted.contains(i)).collect();
    while live.len() + remaining.len() + 1 > MAX_PARTICIPANTS {
        match remaining.pop() {
            Some(i) => evicted.push(i.clone()),
            None => break,
        }
    }
    Some((evicted, handed))
}

pub enum Presence {
    Local(Mutex<HashMap<String, HashMap<String, Entry>>>),
    Redis { conn: SharedRedis, prefix: String },
}

/// The same rule as [`admit`], in one step in Redis. ARGV: identity, entry,
/// class, max participants, max customers, TTL, the prefix of replicas'
/// heartbeat keys. Entries of replicas whose heartbeat has lapsed (a replica
/// that crashed) are removed first and answered among the evicted, so their
/// places are free and their leaving is recorded once, by this join. The
/// answer: 1, the previous entry, the evicted, then an empty string and the
/// customers handed over with their entries.
const JOIN: &str = r"
local prev = redis.call('HGET', KEYS[1], ARGV[1])
local evicted = {}
local handed = {}
if not prev then
  local entries = redis.call('HGETALL', KEYS[1])
  for i = 1, #entries, 2 do
    local replica = string.match(entries[i + 1], '^([^|]*)|')
    if replica and redis.call('EXISTS', ARGV[7] .. replica) == 0 then
      redis.call('HDEL', KEYS[1], entries[i])
      table.insert(evicted, entries[i])
    end
  end
  local all = redis.call('HGETALL', KEYS[1])
  local live, live_customers = 0, 0
  local away_customers, away_staff = {}, {}
  for i = 1, #all, 2 do
    local v = all[i + 1]
    local is_customer = string.find(v, '|customer|', 1, true) ~= nil
    if string.sub(v, -5) == '|away' then
      if is_customer then table.insert(away_customers, all[i]) else table.insert(away_staff, all[i]) end
    else
      live = live + 1
      if is_customer then live_customers = live_customers + 1 end
    end
  end
  local max = tonumber(ARGV[4])
  if ARGV[3] == 'customer' and live_customers >= tonumber(ARGV[5]) then
    for i = 1, #all, 2 do
      local v = all[i + 1]
      if string.find(v, '|customer|', 1, true) ~= nil and string.sub(v, -5) ~= '|away' then
        table.insert(handed, all[i])
        table.insert(handed, v)
        live = live - 1
      end
    end
  end
  if live >= max then
    return {0, ''}
  end
  local remaining = {}
  if ARGV[3] == 'customer' then
    for _, i in ipairs(away_customers) do table.insert(evicted, i) end
  else
    for _, i in ipairs(away_customers) do table.insert(remaining, i) end
  end
  for _, i in ipairs(away_staff) do table.insert(remaining, i) end
  while live + #remaining + 1 > max and #remaining > 0 do
    table.insert(evicted, table.remove(remaining))
  end
  for _, i in ipairs(evicted) do redis.call('HDEL', KEYS[1], i) end
  for i = 1, #handed, 2 do redis.call('HDEL', KEYS[1], handed[i]) end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
local out = {1, prev or ''}
for _, i in ipairs(evicted) do table.insert(out, i) end
table.insert(out, '')
for _, i in ipairs(handed) do table.insert(out, i) end
return out
";

/// Marks an entry away, if it is still this connection's.
const MARK_AWAY: &str = r"
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and string.sub(cur, 1, string.len(ARGV[2])) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
";

const LEAVE_IF: &str = r"
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and string.sub(cur, 1, string.len(ARGV[2])) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return redis.call('HLEN', KEYS[1])
end
return -1
";

const CLEAR: &str = r"
local all = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return all
";

/// How long a replica's heartbeat lasts, and how often it is renewed: a
/// replica that dies loses its participants' places within seconds.
pub const HEARTBEAT_TTL_MS: u64 = 6_000;
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

impl Presence {
    fn key(prefix: &str, room: &str) -> String {
        format!("{prefix}rtc:room:{room}")
    }

    /// The prefix of replicas' heartbeat keys (the replica id follows).
    fn alive_prefix(prefix: &str) -> String {
        format!("{prefix}rtc:alive:")
    }

    /// Says `replica` is alive for [`HEARTBEAT_TTL_MS`] (with Redis; alone,
    /// there is nobody to tell).
    pub async fn heartbeat(&self, replica: &str) -> redis::RedisResult<()> {
        match self {
            Presence::Local(_) => Ok(()),
            Presence::Redis { conn, prefix } => {
                redis::cmd("SET")
                    .arg(format!("{}{replica}", Self::alive_prefix(prefix)))
                    .arg(1)
                    .arg("PX")
                    .arg(HEARTBEAT_TTL_MS)
                    .query_async(&mut conn.clone())
                    .await
            }
        }
    }

    /// Adds (or replaces) `identity`'s entry, unless the room is full.
    pub async fn join(&self, room: &str, identity: &str, entry: &Entry) -> redis::RedisResult<Joined> {
        match self {
            Presence::Local(rooms) => {
                let mut rooms = rooms.lock().unwrap_or_else(|p| p.into_inner());
                let members = rooms.entry(room.to_owned()).or_default();
                let Some((evicted, handed)) = admit(members, identity) else { return Ok(Joined::Full) };
                for i in &evicted {
                    members.remove(i);
                }
                let handed_over = handed.into_iter().filter_map(|i| members.remove(&i).map(|e| (i, e))).collect();
                Ok(Joined::In { previous: members.insert(identity.to_owned(), entry.clone()), evicted, handed_over })
            }
            Presence::Redis { conn, prefix } => {
                let out: Vec<redis::Value> = redis::Script::new(JOIN)
                    .key(Self::key(prefix, room))
                    .arg(identity)
                    .arg(entry.encode(identity))
                    .arg(class(identity))
                    .arg(MAX_PARTICIPANTS)
                    .arg(MAX_CUSTOMERS)
                    .arg(ROOM_TTL_MS)
                    .arg(Self::alive_prefix(prefix))
                    .invoke_async(&mut conn.clone())
                    .await?;
                let text = |v: &redis::Value| redis::from_redis_value::<String>(v.clone()).unwrap_or_default();
                let ok = out.first().map(|v| redis::from_redis_value::<i64>(v.clone()).unwrap_or(0)).unwrap_or(0);
                if ok != 1 {
                    return Ok(Joined::Full);
                }
                let previous = out.get(1).map(text).and_then(|p| Entry::decode(&p));
                let rest: Vec<String> = out.iter().skip(2).map(text).collect();
                let split = rest.iter().position(String::is_empty).unwrap_or(rest.len());
                let evicted = rest[..split].to_vec();
                let handed_over = rest[(split + 1).min(rest.len())..]
                    .chunks(2)
                    .filter_map(|pair| match pair {
                        [identity, value] => Entry::decode(value).map(|e| (identity.clone(), e)),
                        _ => None,
                    })
                    .collect();
                Ok(Joined::In { previous, evicted, handed_over })
            }
        }
    }

    /// Marks `identity` away (its connection dropped), if its entry is still this connection's.
    pub async fn mark_away(&self, room: &str, identity: &str, entry: &Entry) -> redis::RedisResult<()> {
        let away = Entry { away: true, ..entry.clone() };
        match self {
            Presence::Local(rooms) => {
                let mut rooms = rooms.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(e) = rooms.get_mut(room).and_then(|m| m.get_mut(identity))
                    && e.owner() == entry.owner()
                {
                    e.away = true;
                }
                Ok(())
            }
            Presence::Redis { conn, prefix } => {
                let _: i64 = redis::Script::new(MARK_AWAY)
                    .key(Self::key(prefix, room))
                    .arg(identity)
                    .arg(entry.owner())
                    .arg(away.encode(identity))
                    .invoke_async(&mut conn.clone())
                    .await?;
                Ok(())
            }
        }
    }

    /// Removes `identity` if its entry is still this connection's; answers
    /// how many remain, or `None` when another connection owns it now.
    pub async fn leave_if(&self, room: &str, identity: &str, entry: &Entry) -> redis::RedisResult<Option<usize>> {
        match self {
            Presence::Local(rooms) => {
                let mut rooms = rooms.lock().unwrap_or_else(|p| p.into_inner());
                let Some(members) = rooms.get_mut(room) else { return Ok(None) };
                if members.get(identity).is_none_or(|e| e.owner() != entry.owner()) {
                    return Ok(None);
                }
                members.remove(identity);
                let left = members.len();
                if left == 0 {
                    rooms.remove(room);
                }
                Ok(Some(left))
            }
            Presence::Redis { conn, prefix } => {
                let left: i64 = redis::Script::new(LEAVE_IF)
                    .key(Self::key(prefix, room))
                    .arg(identity)
                    .arg(entry.owner())
                    .invoke_async(&mut conn.clone())
                    .await?;
                Ok(usize::try_from(left).ok())
            }
        }
    }

    pub async fn members(&self, room: &str) -> redis::RedisResult<Vec<(String, Entry)>> {
        match self {
            Presence::Local(rooms) => {
                let rooms = rooms.lock().unwrap_or_else(|p| p.into_inner());
                Ok(rooms.get(room).map(|m| m.iter().map(|(i, e)| (i.clone(), e.clone())).collect()).unwrap_or_default())
            }
            Presence::Redis { conn, prefix } => {
                let all: HashMap<String, String> =
                    redis::cmd("HGETALL").arg(Self::key(prefix, room)).query_async(&mut conn.clone()).await?;
                Ok(all.into_iter().filter_map(|(i, v)| Entry::decode(&v).map(|e| (i, e))).collect())
            }
        }
    }

    pub async fn member(&self, room: &str, identity: &str) -> redis::RedisResult<Option<Entry>> {
        match self {
            Presence::Local(rooms) => {
                let rooms = rooms.lock().unwrap_or_else(|p| p.into_inner());
                Ok(rooms.get(room).and_then(|m| m.get(identity)).cloned())
            }
            Presence::Redis { conn, prefix } => {
                let v: Option<String> = redis::cmd("HGET")
                    .arg(Self::key(prefix, room))
                    .arg(identity)
                    .query_async(&mut conn.clone())
                    .await?;
                Ok(v.as_deref().and_then(Entry::decode))
            }
        }
    }

    /// Empties the room; answers who was in it.
    pub async fn clear(&self, room: &str) -> redis::RedisResult<Vec<(String, Entry)>> {
        match self {
            Presence::Local(rooms) => {
                let mut rooms = rooms.lock().unwrap_or_else(|p| p.into_inner());
                Ok(rooms.remove(room).map(|m| m.into_iter().collect()).unwrap_or_default())
            }
            Presence::Redis { conn, prefix } => {
                let flat: Vec<String> =
                    redis::Script::new(CLEAR).key(Self::key(prefix, room)).invoke_async(&mut conn.clone()).await?;
                Ok(flat
                    .chunks(2)
                    .filter_map(|kv| match kv {
                        [i, v] => Entry::decode(v).map(|e| (i.clone(), e)),
                        _ => None,
                    })
                    .collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(conn: u64) -> Entry {
        Entry { replica: "r1".into(), conn, session: format!("s{conn}"), away: false }
    }

    #[tokio::test]
    async fn a_room_holds_three_with_one_customer_and_only_the_owner_leaves() {
        let p = Presence::Local(Mutex::default());
        assert!(matches!(p.join("r", "agent:a", &entry(1)).await.unwrap(), Joined::In { previous: None, .. }));
        assert!(matches!(p.join("r", "customer:1", &entry(2)).await.unwrap(), Joined::In { .. }));
        // The same link on another device takes over: the first customer steps aside.
        match p.join("r", "customer:2", &entry(3)).await.unwrap() {
            Joined::In { handed_over, .. } => assert_eq!(handed_over, vec![("customer:1".to_owned(), entry(2))]),
            Joined::Full => panic!("a customer takes over from the one before"),
        }
        assert!(matches!(p.join("r", "agent:sup", &entry(4)).await.unwrap(), Joined::In { .. }));
        assert!(matches!(p.join("r", "agent:x", &entry(5)).await.unwrap(), Joined::Full));
        // The same identity again replaces its entry (a reconnect), even when full.
        match p.join("r", "agent:a", &entry(6)).await.unwrap() {
            Joined::In { previous, .. } => assert_eq!(previous, Some(entry(1))),
            Joined::Full => panic!("a reconnect is never refused"),
        }
        assert_eq!(p.leave_if("r", "agent:a", &entry(1)).await.unwrap(), None, "the old connection owns nothing");
        assert_eq!(p.leave_if("r", "agent:a", &entry(6)).await.unwrap(), Some(2));
        assert_eq!(p.clear("r").await.unwrap().len(), 2);
        assert!(p.members("r").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_customer_whose_connection_dropped_makes_way_for_the_next_one() {
        let p = Presence::Local(Mutex::default());
        p.join("r", "agent:a", &entry(1)).await.unwrap();
        p.join("r", "customer:1", &entry(2)).await.unwrap();
        p.mark_away("r", "customer:1", &entry(2)).await.unwrap();
        match p.join("r", "customer:2", &entry(3)).await.unwrap() {
            Joined::In { evicted, handed_over, .. } => {
                assert_eq!(evicted, vec!["customer:1".to_owned()]);
                assert!(handed_over.is_empty(), "nobody connected had to step aside");
            }
            Joined::Full => panic!("the away customer's place is free"),
        }
        assert_eq!(p.members("r").await.unwrap().len(), 2);
    }

    #[test]
    fn entries_round_trip() {
        let e = Entry { replica: "abc".into(), conn: 7, session: "s-1".into(), away: false };
        assert_eq!(Entry::decode(&e.encode("customer:1")), Some(e.clone()));
        let away = Entry { away: true, ..e.clone() };
        assert_eq!(Entry::decode(&away.encode("agent:x")), Some(away));
        assert!(e.encode("customer:1").contains("|customer|"));
        assert!(e.encode("agent:x").ends_with("|staff|live"));
    }
}
