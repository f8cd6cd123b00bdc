//! A map whose entries vanish after their own time to live, bounded so a
//! flood of distinct keys cannot grow it without end: when full, expired
//! entries go first, and if all are live the map starts over (every user of
//! it can recompute what it holds).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Expiring<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
    max_entries: usize,
}

impl<K: Eq + Hash, V: Clone> Expiring<K, V> {
    pub fn new(max_entries: usize) -> Self {
        Self { entries: Mutex::new(HashMap::new()), max_entries }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|(_, until)| *until > Instant::now()).map(|(v, _)| v.clone())
    }

    pub fn put(&self, key: K, value: V, ttl: Duration) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if entries.len() >= self.max_entries {
            entries.retain(|_, (_, until)| *until > now);
            if entries.len() >= self.max_entries {
                entries.clear();
            }
        }
        entries.insert(key, (value, now + ttl));
    }

    pub fn remove(&self, key: &K) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }

    /// Keeps only the entries for which `keep` is true.
    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).retain(|k, (v, _)| keep(k, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_map_stays_bounded() {
        let m = Expiring::new(2);
        m.put("a", 1, Duration::from_secs(60));
        m.put("gone", 0, Duration::ZERO);
        assert_eq!(m.get(&"a"), Some(1));
        assert_eq!(m.get(&"gone"), None);
        m.put("b", 2, Duration::from_secs(60)); // full: the expired entry makes room
        assert_eq!((m.get(&"a"), m.get(&"b")), (Some(1), Some(2)));
        m.put("c", 3, Duration::from_secs(60)); // full of live entries: starts over
        assert_eq!((m.get(&"a"), m.get(&"c")), (None, Some(3)));
        m.remove(&"c");
        assert_eq!(m.get(&"c"), None);
    }
}
