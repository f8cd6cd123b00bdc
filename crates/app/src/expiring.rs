//! A concurrent map whose entries vanish after their own time to live,
//! bounded so a flood of distinct keys cannot grow it without end. A thin
//! shape over `moka` (sharded, lock-free reads, TinyLFU admission and
//! eviction when full), which replaced a map behind one mutex that scanned
//! every entry, and cleared itself, when it filled up.

use std::hash::Hash;
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::sync::Cache;

pub struct Expiring<K, V> {
    entries: Cache<K, (V, Duration)>,
}

/// Each entry carries its own time to live, counted from when it was put.
struct OwnTtl;

impl<K, V> Expiry<K, (V, Duration)> for OwnTtl {
    fn expire_after_create(&self, _: &K, value: &(V, Duration), _: Instant) -> Option<Duration> {
        Some(value.1)
    }

    fn expire_after_update(&self, _: &K, value: &(V, Duration), _: Instant, _: Option<Duration>) -> Option<Duration> {
        Some(value.1)
    }
}

impl<K, V> Expiring<K, V>
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(max_entries: u64) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(max_entries)
                .expire_after(OwnTtl)
                .support_invalidation_closures()
                .build(),
        }
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.get(key).map(|(v, _)| v)
    }

    pub fn put(&self, key: K, value: V, ttl: Duration) {
        if !ttl.is_zero() {
            self.entries.insert(key, (value, ttl));
        }
    }

    pub fn remove(&self, key: &K) {
        self.entries.invalidate(key);
    }

    /// Drops every entry for which `drop` is true (at once for readers).
    pub fn remove_if(&self, drop: impl Fn(&K, &V) -> bool + Send + Sync + 'static) {
        // Only fails when the cache was built without closures, which `new` enables.
        let _ = self.entries.invalidate_entries_if(move |k, (v, _)| drop(k, v));
    }

    pub fn clear(&self) {
        self.entries.invalidate_all();
    }

    /// Entries held now (after pending evictions are applied): for tests and gauges.
    pub fn len(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.entry_count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_on_their_own_time_and_can_be_dropped() {
        let m = Expiring::new(100);
        m.put("a", 1, Duration::from_secs(60));
        m.put("soon", 2, Duration::from_millis(30));
        m.put("never", 0, Duration::ZERO);
        assert_eq!((m.get(&"a"), m.get(&"soon"), m.get(&"never")), (Some(1), Some(2), None));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!((m.get(&"a"), m.get(&"soon")), (Some(1), None));
        m.put("b", 2, Duration::from_secs(60));
        m.remove_if(|_, v| *v == 2);
        assert_eq!((m.get(&"a"), m.get(&"b")), (Some(1), None));
        m.remove(&"a");
        assert_eq!(m.get(&"a"), None);
        m.put("c", 3, Duration::from_secs(60));
        m.clear();
        assert_eq!(m.get(&"c"), None);
    }

    #[test]
    fn a_flood_of_keys_stays_within_the_bound() {
        let m = Expiring::new(1_000);
        for i in 0..20_000u32 {
            m.put(i, i, Duration::from_secs(60));
        }
        assert!(m.len() <= 1_000, "{} entries", m.len());
        // Still a working cache: what was just put (and asked for) is there.
        m.put(7, 7, Duration::from_secs(60));
        assert_eq!(m.get(&7), Some(7));
    }
}
