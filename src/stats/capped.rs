//! A hash map with a cap on distinct keys: past the cap, new keys fold into one "other" value.
//!
//! Keys come from the capture, so a flood of distinct addresses or ports must not exhaust
//! memory; the map is keyed with a per-process random seed ([`crate::hashing`]).

use crate::hashing::{flow_map, FlowMap};
use std::hash::Hash;

/// A map of at most `cap` keys plus an overflow accumulator.
#[derive(Debug, Clone)]
pub struct CappedMap<K, V> {
    map: FlowMap<K, V>,
    other: V,
    other_keys: u64,
    cap: usize,
}

impl<K: Hash + Eq, V: Default> CappedMap<K, V> {
    /// An empty map holding at most `cap` keys.
    pub fn new(cap: usize) -> Self {
        Self {
            map: flow_map(),
            other: V::default(),
            other_keys: 0,
            cap,
        }
    }

    /// The value for `key`, inserted as default if there is room; the overflow value if not.
    #[inline]
    pub fn entry(&mut self, key: K) -> &mut V {
        if self.map.len() < self.cap || self.map.contains_key(&key) {
            self.map.entry(key).or_default()
        } else {
            // Counts updates that found no room, an upper bound on the distinct keys left out.
            self.other_keys += 1;
            &mut self.other
        }
    }

    /// Entries kept.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }

    /// Number of keys kept.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The accumulated value of every key that found no room.
    pub fn other(&self) -> &V {
        &self.other
    }

    /// Whether any key was folded into "other".
    pub fn overflowed(&self) -> bool {
        self.other_keys > 0
    }

    /// The cap.
    pub fn cap(&self) -> usize {
        self.cap
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_past_the_cap_fold_into_other() {
        let mut m: CappedMap<u32, u64> = CappedMap::new(2);
        *m.entry(1) += 1;
        *m.entry(2) += 1;
        *m.entry(3) += 5;
        *m.entry(1) += 1;
        *m.entry(4) += 7;
        assert_eq!(m.len(), 2);
        assert_eq!(*m.other(), 12);
        assert!(m.overflowed());
        let mut kept: Vec<_> = m.iter().map(|(k, v)| (*k, *v)).collect();
        kept.sort();
        assert_eq!(kept, vec![(1, 2), (2, 1)]);
    }
}
