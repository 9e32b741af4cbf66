//! The little state decoding keeps across packets, every table bounded: IP fragment
//! reassembly, the side table of names, and recent ONC-RPC call ids (TCP streams are in
//! `stream`).

use super::record::NameId;
use crate::hashing::{flow_map, FlowMap};
use std::collections::VecDeque;
use std::hash::Hash;

/// Datagrams being reassembled at once; the oldest is dropped to make room.
pub(super) const FRAG_MAX_DATAGRAMS: usize = 4096;
/// Fragments remembered per datagram; a datagram with more never completes.
const FRAG_MAX_PARTS: usize = 1024;
/// Bytes of a reassembled datagram kept, enough to decode the headers above IP.
pub(super) const FRAG_HEAD: usize = 1024;
/// QUIC connection directions remembered (for their first Initial packet).
pub(super) const QUIC_MAX: usize = 4096;
/// Distinct names in the side table; later new names get [`NameId`] 0.
pub(super) const MAX_NAMES: usize = 65536;
/// Longest name stored.
pub(super) const MAX_NAME_LEN: usize = 255;

/// Insertion-ordered bounded map: the oldest entry is evicted when full.
#[derive(Debug)]
pub(super) struct Bounded<K, V> {
    map: FlowMap<K, (u64, V)>,
    order: VecDeque<(K, u64)>,
    next: u64,
    cap: usize,
}

impl<K: Hash + Eq + Copy, V> Bounded<K, V> {
    pub fn new(cap: usize) -> Self {
        Self {
            map: flow_map(),
            order: VecDeque::new(),
            next: 0,
            cap,
        }
    }

    pub fn remove(&mut self, k: &K) -> Option<V> {
        self.map.remove(k).map(|(_, v)| v)
    }

    pub fn get_or_insert_with(&mut self, k: K, f: impl FnOnce() -> V) -> &mut V {
        let seq = self.next;
        if !self.map.contains_key(&k) {
            while self.map.len() >= self.cap {
                match self.order.pop_front() {
                    Some((old, s)) => {
                        if self.map.get(&old).is_some_and(|(cur, _)| *cur == s) {
                            self.map.remove(&old);
                        }
                    }
                    None => break,
                }
            }
            if self.order.len() > self.cap.saturating_mul(4) {
                let map = &self.map;
                self.order
                    .retain(|(key, s)| map.get(key).is_some_and(|(cur, _)| cur == s));
            }
            self.next += 1;
            self.order.push_back((k, seq));
        }
        &mut self.map.entry(k).or_insert_with(|| (seq, f())).1
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn get(&self, k: &K) -> Option<&V> {
        self.map.get(k).map(|(_, v)| v)
    }
}

/// Key of an IP datagram being reassembled (as Wireshark keys it: addresses, id, and for
/// IPv4 the protocol and VLAN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct FragKey {
    pub v6: bool,
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub id: u32,
    pub proto: u8,
    pub vlan: u16,
}

#[derive(Debug, Default)]
struct FragEntry {
    /// Total length, known once the last fragment (MF = 0) is seen.
    datalen: Option<u32>,
    /// (offset, len) of every fragment seen, sorted by offset.
    parts: Vec<(u32, u32)>,
    /// The first [`FRAG_HEAD`] bytes of the datagram as far as they arrived.
    head: Vec<u8>,
}

/// A datagram whose last missing fragment just arrived.
#[derive(Debug)]
pub(super) struct Reassembled {
    /// The first bytes of the datagram (up to [`FRAG_HEAD`]).
    pub head: Vec<u8>,
    /// Its total length.
    pub total: u32,
}

/// IP fragment reassembly in Wireshark's manner: a datagram is complete when a last fragment
/// set its length and the fragments cover every byte from 0 to it; the frame that completes
/// it carries the layers above IP.
#[derive(Debug)]
pub(super) struct FragTable {
    table: Bounded<FragKey, FragEntry>,
}

impl FragTable {
    pub fn new() -> Self {
        Self {
            table: Bounded::new(FRAG_MAX_DATAGRAMS),
        }
    }

    /// Adds one fragment (`data` = all of its payload) at byte `offset`.
    pub fn add(
        &mut self,
        key: FragKey,
        offset: u32,
        data: &[u8],
        more: bool,
    ) -> Option<Reassembled> {
        let len = u32::try_from(data.len()).ok()?;
        let end = offset.checked_add(len)?;
        let e = self.table.get_or_insert_with(key, FragEntry::default);
        if e.parts.len() >= FRAG_MAX_PARTS {
            return None;
        }
        // Keep the bytes that fall into the head window.
        let off = offset as usize;
        if off < FRAG_HEAD && !data.is_empty() {
            let stop = (end as usize).min(FRAG_HEAD);
            if e.head.len() < stop {
                e.head.resize(stop, 0);
            }
            if let (Some(dst), Some(src)) = (e.head.get_mut(off..stop), data.get(..stop - off)) {
                dst.copy_from_slice(src);
            }
        }
        if !more && e.datalen.is_none() {
            e.datalen = Some(end);
        }
        let at = e.parts.partition_point(|&(o, _)| o <= offset);
        e.parts.insert(at, (offset, len));
        let total = e.datalen?;
        let mut max = 0u32;
        for &(o, l) in &e.parts {
            if o <= max && o.saturating_add(l) > max {
                max = o.saturating_add(l);
            }
        }
        if max < total {
            return None;
        }
        let e = self.table.remove(&key)?;
        let mut head = e.head;
        head.truncate(total as usize);
        Some(Reassembled { head, total })
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.table.len()
    }
}

/// The side table of names (TLS SNI, HTTP Host, DNS query name), deduplicated and bounded.
#[derive(Debug)]
pub(super) struct NameTable {
    names: Vec<Box<str>>,
    index: FlowMap<Box<str>, u32>,
}

impl NameTable {
    pub fn new() -> Self {
        Self {
            names: Vec::new(),
            index: flow_map(),
        }
    }

    /// The id of `name`, adding it if new and there is room; `NameId(0)` when full or empty.
    pub fn intern(&mut self, name: &str) -> NameId {
        if name.is_empty() || name.len() > MAX_NAME_LEN {
            return NameId(0);
        }
        if let Some(&i) = self.index.get(name) {
            return NameId(i + 1);
        }
        if self.names.len() >= MAX_NAMES {
            return NameId(0);
        }
        let i = self.names.len() as u32;
        self.names.push(name.into());
        self.index.insert(name.into(), i);
        NameId(i + 1)
    }

    pub fn get(&self, id: NameId) -> Option<&str> {
        let i = usize::try_from(id.0).ok()?.checked_sub(1)?;
        self.names.get(i).map(|s| &**s)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

/// Transaction ids of recent ONC-RPC calls, so that replies (which carry no program number)
/// are recognised as Wireshark does, by matching the call.
#[derive(Debug)]
pub(super) struct RpcCalls {
    xids: [u32; 256],
    used: [bool; 256],
    next: usize,
}

impl RpcCalls {
    pub fn new() -> Self {
        Self {
            xids: [0; 256],
            used: [false; 256],
            next: 0,
        }
    }

    pub fn call(&mut self, xid: u32) {
        if self.contains(xid) {
            return;
        }
        let i = self.next % self.xids.len();
        if let (Some(x), Some(u)) = (self.xids.get_mut(i), self.used.get_mut(i)) {
            *x = xid;
            *u = true;
        }
        self.next = (i + 1) % self.xids.len();
    }

    pub fn contains(&self, xid: u32) -> bool {
        self.xids
            .iter()
            .zip(self.used.iter())
            .any(|(&x, &u)| u && x == xid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: u32) -> FragKey {
        FragKey {
            v6: false,
            src: [1; 16],
            dst: [2; 16],
            id,
            proto: 17,
            vlan: 0,
        }
    }

    #[test]
    fn fragments_complete_in_any_order() {
        let mut t = FragTable::new();
        assert!(t.add(key(1), 8, &[2; 8], false).is_none());
        let r = t.add(key(1), 0, &[1; 8], true).map(|r| (r.total, r.head));
        let mut want = vec![1u8; 8];
        want.extend_from_slice(&[2; 8]);
        assert_eq!(r, Some((16, want)));
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn a_gap_keeps_the_datagram_pending() {
        let mut t = FragTable::new();
        assert!(t.add(key(1), 0, &[0; 8], true).is_none());
        assert!(t.add(key(1), 16, &[0; 8], false).is_none());
        assert!(t.add(key(2), 8, &[0; 8], true).is_none());
        assert!(t.add(key(1), 8, &[0; 8], true).is_some());
    }

    #[test]
    fn the_table_stays_bounded() {
        let mut t = FragTable::new();
        for id in 0..(FRAG_MAX_DATAGRAMS as u32 * 3) {
            assert!(t.add(key(id), 0, &[0; 8], true).is_none());
        }
        assert_eq!(t.len(), FRAG_MAX_DATAGRAMS);
        // The newest survived.
        assert!(t
            .add(key(FRAG_MAX_DATAGRAMS as u32 * 3 - 1), 8, &[0; 8], false)
            .is_some());
    }

    #[test]
    fn names_dedupe_and_cap() {
        let mut n = NameTable::new();
        let a = n.intern("example.com");
        assert_eq!(a, NameId(1));
        assert_eq!(n.intern("example.com"), a);
        assert_eq!(n.get(a), Some("example.com"));
        assert_eq!(n.intern(""), NameId(0));
        for i in 0..MAX_NAMES {
            n.intern(&format!("h{i}"));
        }
        assert_eq!(n.len(), MAX_NAMES);
        assert_eq!(n.intern("one-too-many.example"), NameId(0));
        assert_eq!(n.intern("example.com"), a);
    }

    #[test]
    fn rpc_calls_remembered() {
        let mut r = RpcCalls::new();
        for x in 0..300 {
            r.call(x);
        }
        assert!(r.contains(299));
        assert!(!r.contains(0));
    }
}
