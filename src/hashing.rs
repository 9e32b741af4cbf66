//! Keyed hashing for maps whose keys come from the capture (addresses, ports, flows).
//!
//! A crafted capture could otherwise pick keys that collide in a fixed hash function and turn
//! every map operation linear. Every such map uses [`FlowState`], keyed from a per-process
//! random seed: on native targets from the standard library's randomly keyed `RandomState`;
//! in the browser the web layer mixes in entropy from `crypto.getRandomValues` with [`reseed`].

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// The hasher builder for maps keyed by values from the capture: foldhash, keyed per map.
/// (It replaced aHash, whose 128-bit multiplications cost WebAssembly a third of the health
/// analyses' time and half of the index's: `speed` in tests/index_filter.rs.)
pub type FlowState = foldhash::quality::FixedState;
/// A map keyed by values from the capture.
pub type FlowMap<K, V> = HashMap<K, V, FlowState>;
/// A set of values from the capture.
pub type FlowSet<K> = HashSet<K, FlowState>;

static EXTRA_ENTROPY: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

/// Mixes caller-supplied entropy into the seed of maps created from now on.
pub fn reseed(entropy: u64) {
    let old = EXTRA_ENTROPY.load(Ordering::Relaxed);
    EXTRA_ENTROPY.store(old.rotate_left(17) ^ entropy, Ordering::Relaxed);
}

/// A freshly keyed hasher builder.
pub fn flow_state() -> FlowState {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(EXTRA_ENTROPY.load(Ordering::Relaxed));
    foldhash::quality::FixedState::with_seed(h.finish())
}

/// An empty [`FlowMap`] with a fresh key.
pub fn flow_map<K, V>() -> FlowMap<K, V> {
    HashMap::with_hasher(flow_state())
}

/// An empty [`FlowSet`] with a fresh key.
pub fn flow_set<K>() -> FlowSet<K> {
    HashSet::with_hasher(flow_state())
}
