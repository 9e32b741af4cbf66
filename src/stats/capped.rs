//! A hash map with a cap on distinct keys: past the cap, new keys fold into one "other" value.
//!
//! Keys come from the capture, so a flood of distinct addresses or ports must not exhaust
//! memory; the map is keyed with a per-process random seed ([`crate::hashing`]).

use super::FlowKey;
use crate::hashing::{flow_map, FlowMap};
use std::hash::Hash;
use std::net::IpAddr;

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

    /// Like [`CappedMap::entry`], but says which: `Ok` for the key's own value, `Err` for the
    /// overflow value.
    #[cfg(test)]
    pub(crate) fn slot(&mut self, key: K) -> Result<&mut V, &mut V> {
        if self.map.len() < self.cap || self.map.contains_key(&key) {
            Ok(self.map.entry(key).or_default())
        } else {
            self.other_keys += 1;
            Err(&mut self.other)
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

/// A key with a cheap, unkeyed hash for [`FastCapped`]'s cache (collisions only cost a lookup
/// in the keyed map, so they need no protection).
pub(crate) trait CacheKey: Copy + Eq + Hash {
    /// Any 64 bits that vary with the key; the cache mixes them.
    fn fold(&self) -> u64;
}

/// Slots of a [`FastCapped`]'s cache, as a power of two.
const CACHE_BITS: u32 = 12;

/// The cache slot of 64 folded bits.
#[inline]
pub(crate) fn cache_slot(bits: u64, slot_bits: u32) -> usize {
    (bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - slot_bits)) as usize
}

/// 64 bits that vary with an address.
#[inline]
pub(crate) fn fold_addr(a: &IpAddr) -> u64 {
    match a {
        IpAddr::V4(x) => u64::from(u32::from(*x)),
        IpAddr::V6(x) => {
            let v = u128::from(*x);
            (v as u64) ^ ((v >> 64) as u64).rotate_left(29) ^ (1 << 40)
        }
    }
}

impl CacheKey for u64 {
    #[inline]
    fn fold(&self) -> u64 {
        *self
    }
}

impl CacheKey for u128 {
    #[inline]
    fn fold(&self) -> u64 {
        (*self as u64) ^ ((*self >> 64) as u64).rotate_left(29)
    }
}

impl CacheKey for (IpAddr, IpAddr) {
    #[inline]
    fn fold(&self) -> u64 {
        fold_addr(&self.0).rotate_left(23) ^ fold_addr(&self.1)
    }
}

impl CacheKey for FlowKey {
    #[inline]
    fn fold(&self) -> u64 {
        (fold_addr(&self.a).rotate_left(23) ^ fold_addr(&self.b))
            .wrapping_mul(0xff51_afd7_ed55_8ccd)
            ^ (u64::from(self.a_port) << 32 | u64::from(self.b_port) << 8 | u64::from(self.proto))
    }
}

impl CacheKey for (u8, u16) {
    #[inline]
    fn fold(&self) -> u64 {
        u64::from(self.0) << 16 | u64::from(self.1)
    }
}

/// A [`CappedMap`] (same keys kept, same overflow) for hot loops: a keyed map gives each key
/// a place in a vector of values, and a small direct-mapped cache in front of it finds recent
/// keys with a multiplication instead of a keyed hash (which is slow in WebAssembly, without
/// a 64-bit multiply-high).
#[derive(Debug, Clone)]
pub(crate) struct FastCapped<K, V> {
    index: FlowMap<K, u32>,
    values: Vec<V>,
    /// (key, place in `values`), for recent keys.
    cache: Vec<Option<(K, u32)>>,
    other: V,
    other_keys: u64,
    cap: usize,
}

impl<K: CacheKey, V: Default> FastCapped<K, V> {
    /// An empty map holding at most `cap` keys.
    pub(crate) fn new(cap: usize) -> Self {
        FastCapped {
            index: flow_map(),
            values: Vec::new(),
            cache: vec![None; 1 << CACHE_BITS],
            other: V::default(),
            other_keys: 0,
            cap: cap.min(u32::MAX as usize),
        }
    }

    /// A map of the given entries (distinct keys, at most `cap`), overflow value, and number of
    /// updates that went to it.
    pub(crate) fn from_entries(
        entries: impl IntoIterator<Item = (K, V)>,
        other: V,
        other_keys: u64,
        cap: usize,
    ) -> Self {
        let mut m = Self::new(cap);
        for (k, v) in entries {
            m.index.insert(k, m.values.len() as u32);
            m.values.push(v);
        }
        m.other = other;
        m.other_keys = other_keys;
        m
    }

    /// As [`CappedMap::entry`], but says which: `Ok` for the key's own value, `Err` for the
    /// overflow value.
    #[inline]
    pub(crate) fn slot(&mut self, key: K) -> Result<&mut V, &mut V> {
        let c = cache_slot(key.fold(), CACHE_BITS);
        let place = match self.cache.get(c) {
            Some(Some((k, i))) if *k == key => *i,
            _ => {
                let i = match self.index.get(&key) {
                    Some(&i) => i,
                    None if self.values.len() >= self.cap => {
                        self.other_keys += 1;
                        return Err(&mut self.other);
                    }
                    None => {
                        let i = self.values.len() as u32;
                        self.values.push(V::default());
                        self.index.insert(key, i);
                        i
                    }
                };
                if let Some(slot) = self.cache.get_mut(c) {
                    *slot = Some((key, i));
                }
                i
            }
        };
        match self.values.get_mut(place as usize) {
            Some(v) => Ok(v),
            None => Err(&mut self.other),
        }
    }

    /// The value for `key`, inserted as default if there is room; the overflow value if not.
    #[inline]
    pub(crate) fn entry(&mut self, key: K) -> &mut V {
        match self.slot(key) {
            Ok(v) | Err(v) => v,
        }
    }

    /// Entries kept.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.index
            .iter()
            .filter_map(|(k, &i)| Some((k, self.values.get(i as usize)?)))
    }

    /// Number of keys kept.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    /// The accumulated value of every key that found no room.
    pub(crate) fn other(&self) -> &V {
        &self.other
    }

    /// Whether any key was folded into "other".
    pub(crate) fn overflowed(&self) -> bool {
        self.other_keys > 0
    }

    /// The same entries, each rewritten by `f` (which must map distinct keys to distinct keys).
    pub(crate) fn map_entries<K2: CacheKey>(
        self,
        mut f: impl FnMut(K, V) -> (K2, V),
    ) -> FastCapped<K2, V> {
        let mut values: Vec<Option<V>> = self.values.into_iter().map(Some).collect();
        let entries: Vec<(K2, V)> = self
            .index
            .into_iter()
            .filter_map(|(k, i)| Some(f(k, values.get_mut(i as usize)?.take()?)))
            .collect();
        FastCapped::from_entries(entries, self.other, self.other_keys, self.cap)
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

    #[test]
    fn the_fast_map_keeps_what_the_capped_map_keeps() {
        let mut a: CappedMap<u64, u64> = CappedMap::new(50);
        let mut b: FastCapped<u64, u64> = FastCapped::new(50);
        // Keys that collide in the cache, and more keys than the cap.
        for i in 0..10_000u64 {
            let k = (i * 7919) % 300 + ((i % 3) << 52);
            match (a.slot(k), b.slot(k)) {
                (Ok(x), Ok(y)) | (Err(x), Err(y)) => {
                    *x += i;
                    *y += i;
                }
                _ => panic!("key {k}: kept in one map only"),
            }
        }
        let b = b.map_entries(|k, v| (k, v));
        let mut x: Vec<_> = a.iter().map(|(k, v)| (*k, *v)).collect();
        let mut y: Vec<_> = b.iter().map(|(k, v)| (*k, *v)).collect();
        x.sort_unstable();
        y.sort_unstable();
        assert_eq!(x, y);
        assert_eq!(b.len(), 50);
        assert_eq!((a.other(), a.overflowed()), (b.other(), b.overflowed()));
    }
}
