//! One pass over a view's packets, straight from the index's columns: the innermost addresses
//! as host keys (no `IpAddr` per packet), length, time, ports and transport.
//!
//! A host key is the index's [`AddrId`] number for interned addresses, and a number from
//! [`ESCAPED_BASE`] up for the rare addresses the index keeps as escapes (past its interner's
//! cap); [`Keys::addr`] turns either back into an address.

use crate::capture::NO_TIMESTAMP;
use crate::hashing::{flow_map, FlowMap};
use crate::index::{AddrId, PacketIndex, BLOCK, SHAPE_ESCAPE};
use crate::stats::Count;
use std::net::IpAddr;

/// Host keys from this value up are escaped addresses (see [`Keys`]).
pub(crate) const ESCAPED_BASE: u32 = 1 << 31;

/// No address (a frame without IP).
pub(crate) const NO_HOST: u32 = 0;

/// What one pass reads of a packet.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pkt {
    /// Timestamp, ns since the epoch ([`NO_TIMESTAMP`] when the frame has none).
    pub ts_ns: i64,
    /// Original length.
    pub len: u32,
    /// Innermost source host key ([`NO_HOST`] without IP).
    pub src: u32,
    /// Innermost destination host key.
    pub dst: u32,
    pub src_port: u16,
    pub dst_port: u16,
    /// IP protocol number of the innermost transport.
    pub ip_proto: u8,
}

impl Pkt {
    /// Whether the frame has a timestamp.
    pub fn timed(&self) -> bool {
        self.ts_ns != NO_TIMESTAMP
    }
}

/// Resolves host keys to addresses, and numbers escaped addresses.
#[derive(Debug)]
pub(crate) struct Keys {
    ids: FlowMap<IpAddr, u32>,
    addrs: Vec<IpAddr>,
}

impl Keys {
    pub fn new() -> Self {
        Keys {
            ids: flow_map(),
            addrs: Vec::new(),
        }
    }

    fn escaped(&mut self, a: IpAddr) -> u32 {
        if let Some(&k) = self.ids.get(&a) {
            return k;
        }
        let k = ESCAPED_BASE.saturating_add(self.addrs.len() as u32);
        self.addrs.push(a);
        self.ids.insert(a, k);
        k
    }

    /// The address of a host key.
    pub fn addr(&self, index: &PacketIndex, key: u32) -> Option<IpAddr> {
        if key >= ESCAPED_BASE {
            self.addrs.get((key - ESCAPED_BASE) as usize).copied()
        } else {
            index.address(AddrId(key))
        }
    }
}

/// Calls `f` for every packet of the view: every entry when `positions` is `None`, else the
/// entries at `positions` (0-based; any order works, file order is fastest). Positions past
/// the index are skipped.
pub(crate) fn for_each(
    index: &PacketIndex,
    positions: Option<&[u32]>,
    keys: &mut Keys,
    mut f: impl FnMut(&Pkt),
) {
    let n = index.len();
    match positions {
        None => run(index, 0..n, keys, &mut f),
        Some(p) => run(
            index,
            p.iter().map(|&i| i as usize).filter(|&i| i < n),
            keys,
            &mut f,
        ),
    }
}

fn run(
    index: &PacketIndex,
    positions: impl Iterator<Item = usize>,
    keys: &mut Keys,
    f: &mut impl FnMut(&Pkt),
) {
    // The transport of every interned shape, looked up once.
    let protos: Vec<u8> = (0..index.shape_count())
        .map(|id| index.shape(id as u16).map_or(0, |s| s.ip_proto))
        .collect();
    let mut cur = index.cursors();
    let mut blk_no = usize::MAX;
    let mut blk = index.block(0);
    for i in positions {
        let b = i / BLOCK;
        let j = i % BLOCK;
        if b != blk_no {
            blk = index.block(b);
            blk_no = b;
        }
        let Some(&sid) = blk.shape.get(j) else {
            continue;
        };
        let ip_proto = if sid == SHAPE_ESCAPE {
            index.escaped_shape(i, &mut cur).ip_proto
        } else {
            protos.get(usize::from(sid)).copied().unwrap_or(0)
        };
        let s = blk.src.get(j).copied().unwrap_or_default();
        let d = blk.dst.get(j).copied().unwrap_or_default();
        let (src, dst) = if s == AddrId::OTHER || d == AddrId::OTHER {
            match index.escaped_addrs(i, &mut cur).0 {
                Some(p) => (
                    if s == AddrId::OTHER {
                        keys.escaped(p.src)
                    } else {
                        s.0
                    },
                    if d == AddrId::OTHER {
                        keys.escaped(p.dst)
                    } else {
                        d.0
                    },
                ),
                None => (NO_HOST, NO_HOST),
            }
        } else {
            (s.0, d.0)
        };
        f(&Pkt {
            ts_ns: blk.ts_ns.at(j),
            len: blk.orig_len.at(j),
            src,
            dst,
            src_port: blk.src_port.get(j).copied().unwrap_or(0),
            dst_port: blk.dst_port.get(j).copied().unwrap_or(0),
            ip_proto,
        });
    }
}

/// The two most recently used entries of a map, kept in front of it: frames come in bursts
/// of one conversation, both ways, so most lookups end here without hashing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mru<K, V> {
    e: [Option<(K, V)>; 2],
}

impl<K: Copy + Eq, V: Copy> Mru<K, V> {
    pub fn new() -> Self {
        Mru { e: [None, None] }
    }

    /// The value of `k`, if it is one of the two.
    #[inline]
    pub fn get(&mut self, k: K) -> Option<V> {
        match self.e {
            [Some((a, v)), _] if a == k => Some(v),
            [first, Some((b, v))] if b == k => {
                self.e = [Some((b, v)), first];
                Some(v)
            }
            _ => None,
        }
    }

    /// Remembers `k`'s value as the most recent.
    #[inline]
    pub fn put(&mut self, k: K, v: V) {
        self.e = [Some((k, v)), self.e[0]];
    }
}

/// Frames and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Acc {
    pub packets: u64,
    pub bytes: u64,
}

impl Acc {
    #[inline]
    pub fn add(&mut self, len: u32) {
        self.packets += 1;
        self.bytes += u64::from(len);
    }
}

/// `a` as the views' frame and byte count.
pub(crate) fn count(a: Acc) -> Count {
    Count {
        packets: a.packets,
        bytes: a.bytes,
    }
}

/// One host's traffic.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HostAcc {
    pub key: u32,
    pub tx: Acc,
    pub rx: Acc,
}

impl HostAcc {
    /// Sent plus received (a packet a host sends to itself counts once: see [`Totals`]).
    pub fn total(&self) -> Acc {
        Acc {
            packets: self.tx.packets + self.rx.packets,
            bytes: self.tx.bytes + self.rx.bytes,
        }
    }
}

/// One directed pair's traffic (slots of [`Totals::hosts`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PairAcc {
    pub src: u32,
    pub dst: u32,
    pub acc: Acc,
}

/// At most this many directed pairs are kept; the traffic of later new pairs is counted in
/// [`Totals::pairs_other`].
pub(crate) const MAX_PAIRS: usize = 1 << 20;

/// Per-host and per-pair totals of a view's IP packets.
#[derive(Debug)]
pub(crate) struct Totals {
    pub keys: Keys,
    /// Hosts, in order of first appearance.
    pub hosts: Vec<HostAcc>,
    slot: FlowMap<u32, u32>,
    /// Directed pairs, in order of first appearance (when asked for).
    pub pairs: Vec<PairAcc>,
    pair_slot: FlowMap<(u32, u32), u32>,
    /// Traffic of pairs that found no room.
    pub pairs_other: Acc,
    /// Every packet of the view.
    pub all: Acc,
    /// Packets with an IP header.
    pub ip: Acc,
    /// Earliest and latest timestamps of the IP packets.
    pub span: Option<(i64, i64)>,
}

impl Totals {
    /// The address of a slot.
    pub fn addr(&self, index: &PacketIndex, slot: u32) -> Option<IpAddr> {
        let h = self.hosts.get(slot as usize)?;
        self.keys.addr(index, h.key)
    }

    fn slot_or_insert(&mut self, key: u32) -> u32 {
        if let Some(&s) = self.slot.get(&key) {
            return s;
        }
        let s = self.hosts.len() as u32;
        self.hosts.push(HostAcc {
            key,
            ..HostAcc::default()
        });
        self.slot.insert(key, s);
        s
    }

    fn pair_or_insert(&mut self, src: u32, dst: u32) -> Option<u32> {
        if let Some(&p) = self.pair_slot.get(&(src, dst)) {
            return Some(p);
        }
        if self.pairs.len() >= MAX_PAIRS {
            return None;
        }
        let p = self.pairs.len() as u32;
        self.pairs.push(PairAcc {
            src,
            dst,
            acc: Acc::default(),
        });
        self.pair_slot.insert((src, dst), p);
        Some(p)
    }
}

/// One pass: every IP host's sent and received traffic and, with `pairs`, every directed
/// pair's. A packet from a host to itself counts as sent only.
pub(crate) fn totals(index: &PacketIndex, positions: Option<&[u32]>, pairs: bool) -> Totals {
    let mut t = Totals {
        keys: Keys::new(),
        hosts: Vec::new(),
        slot: flow_map(),
        pairs: Vec::new(),
        pair_slot: flow_map(),
        pairs_other: Acc::default(),
        all: Acc::default(),
        ip: Acc::default(),
        span: None,
    };
    let mut keys = Keys::new();
    // Packets come in bursts of one conversation: the last pair's slots skip the maps.
    let mut recent: Mru<(u32, u32), (u32, u32, Option<u32>)> = Mru::new();
    for_each(index, positions, &mut keys, |p| {
        t.all.add(p.len);
        if p.src == NO_HOST || p.dst == NO_HOST {
            return;
        }
        t.ip.add(p.len);
        if p.timed() {
            t.span = Some(match t.span {
                Some((a, b)) => (a.min(p.ts_ns), b.max(p.ts_ns)),
                None => (p.ts_ns, p.ts_ns),
            });
        }
        let (s, d, pair) = match recent.get((p.src, p.dst)) {
            Some(v) => v,
            None => {
                let s = t.slot_or_insert(p.src);
                let d = t.slot_or_insert(p.dst);
                let pair = if pairs { t.pair_or_insert(s, d) } else { None };
                recent.put((p.src, p.dst), (s, d, pair));
                (s, d, pair)
            }
        };
        if let Some(h) = t.hosts.get_mut(s as usize) {
            h.tx.add(p.len);
        }
        if d != s {
            if let Some(h) = t.hosts.get_mut(d as usize) {
                h.rx.add(p.len);
            }
        }
        if pairs {
            match pair.and_then(|i| t.pairs.get_mut(i as usize)) {
                Some(x) => x.acc.add(p.len),
                None => t.pairs_other.add(p.len),
            }
        }
    });
    t.keys = keys;
    t
}

/// Keeps the first `k` of `v` in the order `cmp` (a total order), sorted: a partial selection
/// first, so that a table of the largest rows costs O(n + k log k), not a sort of every row.
pub(crate) fn top_k<T>(v: &mut Vec<T>, k: usize, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) {
    if k == 0 {
        v.clear();
        return;
    }
    if v.len() > k {
        v.select_nth_unstable_by(k - 1, &cmp);
        v.truncate(k);
    }
    v.sort_by(cmp);
}

/// Orders addresses numerically, IPv4 before IPv6 (as the conversation tables do).
pub(crate) fn addr_order(a: &IpAddr, b: &IpAddr) -> std::cmp::Ordering {
    crate::stats::addr_cmp(a, b)
}

/// The display-filter field for an address: `ip.src` or `ipv6.src` (`which` = `src`, `dst`,
/// `addr`).
pub(crate) fn addr_field(a: &IpAddr, which: &str) -> String {
    match a {
        IpAddr::V4(_) => format!("ip.{which}"),
        IpAddr::V6(_) => format!("ipv6.{which}"),
    }
}

/// `ip.addr == 10.0.0.1` / `ipv6.addr == fe80::1`.
pub(crate) fn host_filter(a: &IpAddr) -> String {
    format!("{} == {a}", addr_field(a, "addr"))
}

/// `ip.src == A && ip.dst == B`.
pub(crate) fn pair_filter(src: &IpAddr, dst: &IpAddr) -> String {
    format!(
        "{} == {src} && {} == {dst}",
        addr_field(src, "src"),
        addr_field(dst, "dst")
    )
}

/// `ip.addr == A && ip.addr == B`: the frames between two hosts, either way.
pub(crate) fn between_filter(a: &IpAddr, b: &IpAddr) -> String {
    format!(
        "{} == {a} && {} == {b}",
        addr_field(a, "addr"),
        addr_field(b, "addr")
    )
}

/// `ip.addr in {a b c}` for the IPv4 addresses, `ipv6.addr in {...}` for the IPv6 ones, joined
/// with `||` (empty for no address).
pub(crate) fn hosts_filter(addrs: &[IpAddr]) -> String {
    let v4: Vec<String> = addrs
        .iter()
        .filter(|a| a.is_ipv4())
        .map(|a| a.to_string())
        .collect();
    let v6: Vec<String> = addrs
        .iter()
        .filter(|a| a.is_ipv6())
        .map(|a| a.to_string())
        .collect();
    let one = |field: &str, v: &[String]| -> Option<String> {
        match v {
            [] => None,
            [a] => Some(format!("{field} == {a}")),
            _ => Some(format!("{field} in {{{}}}", v.join(" "))),
        }
    };
    [one("ip.addr", &v4), one("ipv6.addr", &v6)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" || ")
}
