//! The [`Aggregator`]'s computation for a caller whose addresses are already interned (the
//! packet index): tables keyed by `u32` address ids instead of addresses, protocol counts per
//! packet *kind* (an id standing for a protocol set and its damage, summed into protocols once
//! at the end), service ports in a flat table. [`IdAggregator::finish`] turns it into the
//! [`Aggregator`] that pushing the same records one by one would have built, cap overflows
//! included, so its snapshots are the same.

use super::capped::FastCapped;
use super::{
    service_port, Aggregator, Count, Limits, Timeline, Totals, Traffic, TrafficClass, SIZE_BINS,
};
use crate::decode::{Layer, Protocols};
use crate::stats::{addr_cmp, FlowKey};
use std::cmp::Ordering;
use std::net::IpAddr;

/// One packet for an [`IdAggregator`]: what [`Aggregator::push`] reads of a record, with the
/// addresses as ids (the same address always has the same id, different addresses different
/// ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdPacket {
    /// Timestamp, ns since the epoch (or [`NO_TIMESTAMP`](crate::capture::NO_TIMESTAMP)).
    pub ts_ns: i64,
    /// Original length.
    pub orig_len: u32,
    /// Captured length.
    pub cap_len: u32,
    /// The packet's kind: its protocols and damage are given for each kind at the end.
    pub kind: u32,
    /// The class the timeline stacks it under ([`super::traffic_class`] of the record).
    pub class: TrafficClass,
    /// Outermost IP pair (source id, destination id).
    pub ip: Option<(u32, u32)>,
    /// Innermost tunnelled IP pair.
    pub tunnel_ip: Option<(u32, u32)>,
    /// IP protocol number of the innermost transport.
    pub ip_proto: u8,
    /// Transport source port.
    pub src_port: u16,
    /// Transport destination port.
    pub dst_port: u16,
}

/// Service ports as (proto, port) in a direct table: TCP's 65,536 and UDP's, with the order in
/// which keys first came, for [`CappedMap`]'s cap.
#[derive(Debug, Clone)]
struct PortTable {
    /// 1 + index into `entries` per slot, 0 = empty.
    slots: Vec<u32>,
    entries: Vec<((u8, u16), Count)>,
    other: Count,
    other_keys: u64,
    cap: usize,
}

impl PortTable {
    fn new(cap: usize) -> Self {
        PortTable {
            slots: Vec::new(),
            entries: Vec::new(),
            other: Count::default(),
            other_keys: 0,
            cap,
        }
    }

    #[inline]
    fn add(&mut self, proto: u8, port: u16, bytes: u64) {
        if self.slots.is_empty() {
            self.slots = vec![0; 2 << 16];
        }
        let slot = (usize::from(proto == 17) << 16) | usize::from(port);
        let Some(s) = self.slots.get_mut(slot) else {
            return;
        };
        if *s != 0 {
            if let Some(e) = self.entries.get_mut(*s as usize - 1) {
                e.1.add(bytes);
            }
        } else if self.entries.len() < self.cap {
            let mut c = Count::default();
            c.add(bytes);
            self.entries.push(((proto, port), c));
            *s = self.entries.len() as u32;
        } else {
            self.other_keys += 1;
            self.other.add(bytes);
        }
    }

    fn into_map(self) -> FastCapped<(u8, u16), Count> {
        FastCapped::from_entries(self.entries, self.other, self.other_keys, self.cap)
    }
}

/// A conversation key: the two ids, lower first.
#[inline]
fn conv_key(a: u32, b: u32) -> (u64, bool) {
    if a <= b {
        ((u64::from(a) << 32) | u64::from(b), true)
    } else {
        ((u64::from(b) << 32) | u64::from(a), false)
    }
}

/// A flow key: proto, then the lower (id, port), then the higher.
#[inline]
fn flow_key(proto: u8, s: u32, sp: u16, d: u32, dp: u16) -> (u128, bool) {
    let forward = (s, sp) <= (d, dp);
    let (a, ap, b, bp) = if forward {
        (s, sp, d, dp)
    } else {
        (d, dp, s, sp)
    };
    let k = (u128::from(proto) << 96)
        | (u128::from(a) << 64)
        | (u128::from(ap) << 48)
        | (u128::from(b) << 16)
        | u128::from(bp);
    (k, forward)
}

fn swapped(t: Traffic) -> Traffic {
    Traffic {
        packets_ab: t.packets_ba,
        bytes_ab: t.bytes_ba,
        packets_ba: t.packets_ab,
        bytes_ba: t.bytes_ab,
        first_ns: t.first_ns,
        last_ns: t.last_ns,
    }
}

/// The one-pass aggregation over interned packets (see the module's documentation).
#[derive(Debug, Clone)]
pub struct IdAggregator {
    limits: Limits,
    totals: Totals,
    kinds: Vec<Count>,
    conversations: FastCapped<u64, Traffic>,
    flows: FastCapped<u128, Traffic>,
    ports: PortTable,
    sizes: [Count; SIZE_BINS.len()],
    timeline: Timeline,
}

impl IdAggregator {
    /// An empty aggregator with the given caps.
    pub fn new(limits: Limits) -> Self {
        IdAggregator {
            limits,
            totals: Totals::default(),
            kinds: Vec::new(),
            conversations: FastCapped::new(limits.ip_conversations),
            flows: FastCapped::new(limits.flows),
            ports: PortTable::new(limits.ports),
            sizes: [Count::default(); SIZE_BINS.len()],
            timeline: Timeline::default(),
        }
    }

    /// Frames pushed so far.
    pub fn packets(&self) -> u64 {
        self.totals.packets
    }

    /// Adds one packet. `cmp` orders two ids as their addresses are ordered
    /// ([`addr_cmp`]); it is called only for a pair that finds no room in its table.
    #[inline]
    pub fn push(&mut self, p: &IdPacket, cmp: impl Fn(u32, u32) -> Ordering) {
        let len = u64::from(p.orig_len);
        let ts = p.ts_ns;
        let timed = self.totals.add(p.orig_len, p.cap_len, ts);
        let k = p.kind as usize;
        if k >= self.kinds.len() {
            self.kinds.resize(k + 1, Count::default());
        }
        if let Some(c) = self.kinds.get_mut(k) {
            c.add(len);
        }
        // A kept pair is oriented by ids and turned around at the end if its addresses say
        // so; the overflow value has no key to turn around, so it takes the addresses' order.
        let mut conversation = |(s, d): (u32, u32)| {
            let (key, forward) = conv_key(s, d);
            match self.conversations.slot(key) {
                Ok(t) => t.add(forward, len, ts),
                Err(t) => t.add(cmp(s, d) != Ordering::Greater, len, ts),
            }
        };
        if let Some(pair) = p.ip {
            conversation(pair);
        }
        if let Some(t) = p.tunnel_ip {
            if Some(t) != p.ip {
                conversation(t);
            }
        }
        if let (Some((s, d)), true) = (p.tunnel_ip.or(p.ip), p.ip_proto == 6 || p.ip_proto == 17) {
            let (key, forward) = flow_key(p.ip_proto, s, p.src_port, d, p.dst_port);
            match self.flows.slot(key) {
                Ok(t) => t.add(forward, len, ts),
                Err(t) => {
                    let forward = (cmp(s, d), p.src_port.cmp(&p.dst_port))
                        <= (Ordering::Equal, Ordering::Equal);
                    t.add(forward, len, ts);
                }
            }
            self.ports
                .add(p.ip_proto, service_port(p.src_port, p.dst_port), len);
        }
        let bin = SIZE_BINS.partition_point(|(_, hi)| *hi < p.orig_len);
        if let Some(c) = self.sizes.get_mut(bin) {
            c.add(len);
        }
        if timed {
            self.timeline.add(ts, len, p.class);
        }
    }

    /// The [`Aggregator`] that pushing the packets' records would have built. `kind` gives the
    /// protocols and damage of each kind pushed; `addr` the address of each id pushed.
    pub fn finish(
        self,
        kind: impl Fn(u32) -> (Protocols, Option<Layer>),
        addr: impl Fn(u32) -> IpAddr,
    ) -> Aggregator {
        let mut protocols = [Count::default(); 64];
        let mut malformed = [0u64; 4];
        for (k, c) in self.kinds.iter().enumerate() {
            if c.packets == 0 {
                continue;
            }
            let (p, m) = kind(k as u32);
            let mut bits = p.0;
            while bits != 0 {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if let Some(t) = protocols.get_mut(i) {
                    t.packets += c.packets;
                    t.bytes += c.bytes;
                }
            }
            if let Some(layer) = m {
                malformed[super::layer_index(layer)] += c.packets;
            }
        }
        // Ids are ordered by first appearance, addresses by value: orient every pair by its
        // addresses, as the aggregator does.
        let ip_conversations = self.conversations.map_entries(|key, t| {
            let (lo, hi) = ((key >> 32) as u32, key as u32);
            let (a, b) = (addr(lo), addr(hi));
            if lo != hi && addr_cmp(&a, &b) == Ordering::Greater {
                ((b, a), swapped(t))
            } else {
                ((a, b), t)
            }
        });
        let flows = self.flows.map_entries(|key, t| {
            let proto = (key >> 96) as u8;
            let (lo, lo_port) = ((key >> 64) as u32, (key >> 48) as u16);
            let (hi, hi_port) = ((key >> 16) as u32, key as u16);
            let (a, b) = (addr(lo), addr(hi));
            if lo != hi && addr_cmp(&a, &b) == Ordering::Greater {
                (
                    FlowKey {
                        proto,
                        a: b,
                        a_port: hi_port,
                        b: a,
                        b_port: lo_port,
                    },
                    swapped(t),
                )
            } else {
                (
                    FlowKey {
                        proto,
                        a,
                        a_port: lo_port,
                        b,
                        b_port: hi_port,
                    },
                    t,
                )
            }
        });
        Aggregator {
            totals: self.totals,
            protocols,
            malformed,
            ip_conversations,
            flows,
            ports: self.ports.into_map(),
            sizes: self.sizes,
            timeline: self.timeline,
        }
    }

    /// The caps.
    pub fn limits(&self) -> Limits {
        self.limits
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::capture::NO_TIMESTAMP;
    use crate::decode::{IpPair, PacketRecord, Proto, TcpInfo};
    use crate::stats::traffic_class;
    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn addr(x: u8) -> IpAddr {
        if x % 4 == 3 {
            IpAddr::V6(Ipv6Addr::from(u128::from(x) << 64 | 1))
        } else {
            IpAddr::V4(Ipv4Addr::new(10, x % 3, 0, x))
        }
    }

    const KINDS: [&[Proto]; 4] = [
        &[Proto::Ethernet, Proto::Ipv4, Proto::Tcp],
        &[Proto::Ethernet, Proto::Ipv4, Proto::Udp, Proto::Dns],
        &[Proto::Ethernet, Proto::Arp],
        &[
            Proto::Ethernet,
            Proto::Ipv4,
            Proto::Gre,
            Proto::Ipv6,
            Proto::Udp,
        ],
    ];

    fn protos(kind: u32) -> Protocols {
        let mut p = Protocols::default();
        for q in KINDS[kind as usize % KINDS.len()] {
            p.insert(*q);
        }
        p
    }

    fn damage(kind: u32) -> Option<Layer> {
        (kind == 2).then_some(Layer::Link)
    }

    prop_compose! {
        fn record()(
            kind in 0u32..4,
            ts in prop_oneof![Just(NO_TIMESTAMP), 0i64..5_000_000_000],
            len in 0u32..3000,
            s in 0u8..12, d in 0u8..12, ts2 in 0u8..12, td in 0u8..12,
            tunnel in 0u8..3,
            sp in prop_oneof![Just(53u16), Just(443), 0u16..2000],
            dp in prop_oneof![Just(53u16), Just(443), 0u16..2000],
            proto in prop_oneof![Just(6u8), Just(17), Just(1), Just(47)],
        ) -> (u32, PacketRecord) {
            let ip = (kind != 2).then(|| IpPair { src: addr(s), dst: addr(d) });
            let tunnel_ip = match tunnel {
                1 => ip,
                2 if ip.is_some() => Some(IpPair { src: addr(ts2), dst: addr(td) }),
                _ => None,
            };
            (kind, PacketRecord {
                ts_ns: ts,
                orig_len: len,
                cap_len: len.min(100),
                protocols: protos(kind),
                ip,
                tunnel_ip,
                ip_proto: if ip.is_some() { proto } else { 0 },
                src_port: sp,
                dst_port: dp,
                tcp: (proto == 6).then(TcpInfo::default),
                malformed: damage(kind),
                ..PacketRecord::default()
            })
        }
    }

    proptest! {
        /// Interned aggregation gives the same snapshots as pushing records, also past the caps.
        #[test]
        fn equals_the_record_aggregator(
            recs in proptest::collection::vec(record(), 0..400),
            caps in (1usize..40, 1usize..40, 1usize..20),
        ) {
            for limits in [Limits::default(), Limits { ip_conversations: caps.0, flows: caps.1, ports: caps.2 }] {
                let mut agg = Aggregator::new(limits);
                let mut ids = IdAggregator::new(limits);
                // Ids by first appearance, as an interner gives them.
                let mut table: Vec<IpAddr> = Vec::new();
                let mut id = |a: IpAddr| match table.iter().position(|x| *x == a) {
                    Some(i) => i as u32 + 1,
                    None => {
                        table.push(a);
                        table.len() as u32
                    }
                };
                let mut pairs = Vec::new();
                for (_, r) in &recs {
                    let ip = r.ip.map(|p| (id(p.src), id(p.dst)));
                    let tunnel_ip = r.tunnel_ip.map(|p| (id(p.src), id(p.dst)));
                    pairs.push((ip, tunnel_ip));
                }
                for ((kind, r), (ip, tunnel_ip)) in recs.iter().zip(pairs) {
                    agg.push(r);
                    ids.push(&IdPacket {
                        ts_ns: r.ts_ns,
                        orig_len: r.orig_len,
                        cap_len: r.cap_len,
                        kind: *kind,
                        class: traffic_class(r),
                        ip,
                        tunnel_ip,
                        ip_proto: r.ip_proto,
                        src_port: r.src_port,
                        dst_port: r.dst_port,
                    }, |a, b| addr_cmp(&table[a as usize - 1], &table[b as usize - 1]));
                }
                prop_assert_eq!(ids.packets(), agg.packets());
                let built = ids.finish(|k| (protos(k), damage(k)), |i| table[i as usize - 1]);
                let (x, y) = (built.snapshot(None), agg.snapshot(None));
                prop_assert_eq!(x.summary, y.summary);
                prop_assert_eq!(&x.protocols, &y.protocols);
                prop_assert_eq!(&x.ip_conversations, &y.ip_conversations);
                prop_assert_eq!(x.ip_conversations_other, y.ip_conversations_other);
                prop_assert_eq!(&x.flows, &y.flows);
                prop_assert_eq!(x.flows_other, y.flows_other);
                prop_assert_eq!(&x.ports, &y.ports);
                prop_assert_eq!(&x.sizes, &y.sizes);
                prop_assert_eq!(&x.endpoints, &y.endpoints);
                prop_assert_eq!(&x.timeline, &y.timeline);
                prop_assert_eq!(x, y);
                prop_assert_eq!(built.snapshot(Some(3)), agg.snapshot(Some(3)));
            }
        }
    }
}
