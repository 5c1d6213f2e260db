//! A bounded in-memory cache keyed by text, approximating LRU with two generations:
//! hits move into the young generation; when it is full, the old generation is dropped
//! and the young one becomes old. At most `capacity` entries are held. It lives in
//! memory only and dies with its owner (DESIGN §4.6).

use std::collections::HashMap;

pub struct TextCache<V> {
    young: HashMap<Box<str>, V>,
    old: HashMap<Box<str>, V>,
    generation: usize,
}

impl<V: Clone> TextCache<V> {
    /// A cache of at most `capacity` entries (0 disables it).
    pub fn new(capacity: usize) -> TextCache<V> {
        TextCache { young: HashMap::new(), old: HashMap::new(), generation: capacity / 2 }
    }

    pub fn is_enabled(&self) -> bool {
        self.generation > 0
    }

    pub fn get(&mut self, key: &str) -> Option<V> {
        if let Some(hit) = self.young.get(key) {
            return Some(hit.clone());
        }
        let (key, hit) = self.old.remove_entry(key)?;
        self.insert(key, hit.clone());
        Some(hit)
    }

    pub fn insert(&mut self, key: Box<str>, value: V) {
        if self.generation == 0 {
            return;
        }
        if self.young.len() >= self.generation {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(key, value);
    }

    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_never_holds_more_than_its_capacity_and_keeps_hot_keys() {
        let mut cache = TextCache::new(100);
        for i in 0..10_000 {
            cache.insert(format!("k{i}").into(), i);
            // A hot key, read all the time, survives generation turnover.
            if cache.get("k0").is_none() && i > 0 {
                panic!("hot key evicted at {i}");
            }
            assert!(cache.len() <= 100, "{} entries at {i}", cache.len());
        }
        assert_eq!(cache.get("k9999"), Some(9999));
        assert_eq!(cache.get("k5000"), None);
    }
}
