//! One-pass, incremental aggregators over [`PacketRecord`]s, and the plain-data [`Snapshot`]
//! they produce at any moment.
//!
//! Push records with [`Aggregator::push`]; call [`Aggregator::snapshot`] whenever the view
//! needs numbers (the worker does so every ~100 ms while reading). Every table keyed by values
//! from the capture is a [`CappedMap`]: a flood of distinct addresses or flows ends up in an
//! "other" row instead of exhausting memory.

mod capped;
mod ids;
pub mod timeline;

pub use capped::CappedMap;
use capped::FastCapped;
pub use ids::{IdAggregator, IdPacket};
pub use timeline::{Bucket, Timeline, TimelineView, TrafficClass};

use crate::capture::NO_TIMESTAMP;
use crate::decode::{IpPair, Layer, PacketRecord, Proto};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::net::IpAddr;

/// Caps on the number of distinct keys each table keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Distinct IP address pairs.
    pub ip_conversations: usize,
    /// Distinct TCP/UDP 5-tuples.
    pub flows: usize,
    /// Distinct (transport, port) pairs.
    pub ports: usize,
}

impl Default for Limits {
    /// Room for real captures with hundreds of thousands of hosts, while a flood of spoofed
    /// addresses stays within a few hundred MiB.
    fn default() -> Self {
        Limits {
            ip_conversations: 1 << 19,
            flows: 1 << 20,
            ports: 1 << 17,
        }
    }
}

/// Packets and bytes in each direction between two parties, with first and last time seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traffic {
    /// Frames from `a` to `b`.
    pub packets_ab: u64,
    /// Bytes from `a` to `b`.
    pub bytes_ab: u64,
    /// Frames from `b` to `a`.
    pub packets_ba: u64,
    /// Bytes from `b` to `a`.
    pub bytes_ba: u64,
    /// Earliest frame, ns since the epoch.
    pub first_ns: i64,
    /// Latest frame, ns since the epoch.
    pub last_ns: i64,
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic {
            packets_ab: 0,
            bytes_ab: 0,
            packets_ba: 0,
            bytes_ba: 0,
            first_ns: i64::MAX,
            last_ns: i64::MIN,
        }
    }
}

impl Traffic {
    #[inline]
    fn add(&mut self, forward: bool, bytes: u64, ts: i64) {
        if forward {
            self.packets_ab += 1;
            self.bytes_ab += bytes;
        } else {
            self.packets_ba += 1;
            self.bytes_ba += bytes;
        }
        if ts != NO_TIMESTAMP {
            self.first_ns = self.first_ns.min(ts);
            self.last_ns = self.last_ns.max(ts);
        }
    }
    /// Frames both ways.
    pub fn packets(&self) -> u64 {
        self.packets_ab + self.packets_ba
    }
    /// Bytes both ways.
    pub fn bytes(&self) -> u64 {
        self.bytes_ab + self.bytes_ba
    }
}

/// Frames and bytes sent and received by one address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointTraffic {
    /// Frames sent.
    pub tx_packets: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Frames received.
    pub rx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
}

impl EndpointTraffic {
    /// Frames both ways.
    pub fn packets(&self) -> u64 {
        self.tx_packets + self.rx_packets
    }
    /// Bytes both ways.
    pub fn bytes(&self) -> u64 {
        self.tx_bytes + self.rx_bytes
    }
}

/// Frames and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// Frames.
    pub packets: u64,
    /// Bytes (original lengths).
    pub bytes: u64,
}

impl Count {
    #[inline]
    fn add(&mut self, bytes: u64) {
        self.packets += 1;
        self.bytes += bytes;
    }
}

/// A TCP or UDP 5-tuple in canonical order (`a` is the lower (address, port)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FlowKey {
    /// IP protocol number (6 = TCP, 17 = UDP).
    pub proto: u8,
    /// Lower endpoint address.
    pub a: IpAddr,
    /// Lower endpoint port.
    pub a_port: u16,
    /// Higher endpoint address.
    pub b: IpAddr,
    /// Higher endpoint port.
    pub b_port: u16,
}

/// Packet-size histogram bin edges (original length), as in Wireshark's Packet Lengths
/// statistics: each bin holds lengths `lo..=hi`.
pub const SIZE_BINS: &[(u32, u32)] = &[
    (0, 19),
    (20, 39),
    (40, 79),
    (80, 159),
    (160, 319),
    (320, 639),
    (640, 1279),
    (1280, 2559),
    (2560, 5119),
    (5120, u32::MAX),
];

/// Canonical order of addresses: IPv4 before IPv6, then numeric.
pub fn addr_cmp(a: &IpAddr, b: &IpAddr) -> Ordering {
    match (a, b) {
        (IpAddr::V4(x), IpAddr::V4(y)) => x.cmp(y),
        (IpAddr::V6(x), IpAddr::V6(y)) => x.cmp(y),
        (IpAddr::V4(_), IpAddr::V6(_)) => Ordering::Less,
        (IpAddr::V6(_), IpAddr::V4(_)) => Ordering::Greater,
    }
}

/// Frames, bytes and time range: what every aggregation counts of every frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Totals {
    pub(crate) packets: u64,
    pub(crate) bytes: u64,
    pub(crate) captured_bytes: u64,
    pub(crate) min_ns: i64,
    pub(crate) max_ns: i64,
    pub(crate) prev_ns: Option<i64>,
    pub(crate) out_of_order: u64,
}

impl Default for Totals {
    fn default() -> Self {
        Totals {
            packets: 0,
            bytes: 0,
            captured_bytes: 0,
            min_ns: i64::MAX,
            max_ns: i64::MIN,
            prev_ns: None,
            out_of_order: 0,
        }
    }
}

impl Totals {
    /// Counts one frame; returns whether it has a time (a frame without one, from a pcapng
    /// Simple Packet Block, counts everywhere but in time).
    #[inline]
    pub(crate) fn add(&mut self, orig_len: u32, cap_len: u32, ts: i64) -> bool {
        self.packets += 1;
        self.bytes += u64::from(orig_len);
        self.captured_bytes += u64::from(cap_len);
        let timed = ts != NO_TIMESTAMP;
        if timed {
            self.min_ns = self.min_ns.min(ts);
            self.max_ns = self.max_ns.max(ts);
            if self.prev_ns.is_some_and(|prev| ts < prev) {
                self.out_of_order += 1;
            }
            self.prev_ns = Some(ts);
        }
        timed
    }
}

/// The one-pass aggregator.
#[derive(Debug, Clone)]
pub struct Aggregator {
    totals: Totals,
    protocols: [Count; 64],
    malformed: [u64; 4],
    ip_conversations: FastCapped<(IpAddr, IpAddr), Traffic>,
    flows: FastCapped<FlowKey, Traffic>,
    ports: FastCapped<(u8, u16), Count>,
    sizes: [Count; SIZE_BINS.len()],
    timeline: Timeline,
}

impl Default for Aggregator {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl Aggregator {
    /// An empty aggregator with the given caps.
    pub fn new(limits: Limits) -> Self {
        Aggregator {
            totals: Totals::default(),
            protocols: [Count::default(); 64],
            malformed: [0; 4],
            ip_conversations: FastCapped::new(limits.ip_conversations),
            flows: FastCapped::new(limits.flows),
            ports: FastCapped::new(limits.ports),
            sizes: [Count::default(); SIZE_BINS.len()],
            timeline: Timeline::default(),
        }
    }

    /// Frames pushed so far.
    pub fn packets(&self) -> u64 {
        self.totals.packets
    }

    /// Adds one record.
    pub fn push(&mut self, r: &PacketRecord) {
        let len = u64::from(r.orig_len);
        let ts = r.ts_ns;
        let timed = self.totals.add(r.orig_len, r.cap_len, ts);

        let mut bits = r.protocols.0;
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if let Some(c) = self.protocols.get_mut(i) {
                c.add(len);
            }
        }
        if let Some(layer) = r.malformed {
            self.malformed[layer_index(layer)] += 1;
        }

        // Every IP header occurrence (outer, and the tunnelled one) is a conversation, as in
        // Wireshark's conversation and endpoint statistics.
        if let Some(p) = r.ip {
            self.add_ip_pair(p, len, ts);
        }
        if let Some(p) = r.tunnel_ip {
            if Some(p) != r.ip {
                self.add_ip_pair(p, len, ts);
            }
        }

        if let (Some(p), true) = (r.inner_ip(), r.ip_proto == 6 || r.ip_proto == 17) {
            let forward = (addr_cmp(&p.src, &p.dst), r.src_port.cmp(&r.dst_port))
                <= (Ordering::Equal, Ordering::Equal);
            let key = if forward {
                FlowKey {
                    proto: r.ip_proto,
                    a: p.src,
                    a_port: r.src_port,
                    b: p.dst,
                    b_port: r.dst_port,
                }
            } else {
                FlowKey {
                    proto: r.ip_proto,
                    a: p.dst,
                    a_port: r.dst_port,
                    b: p.src,
                    b_port: r.src_port,
                }
            };
            self.flows.entry(key).add(forward, len, ts);
            self.ports
                .entry((r.ip_proto, service_port(r.src_port, r.dst_port)))
                .add(len);
        }

        let bin = SIZE_BINS.partition_point(|(_, hi)| *hi < r.orig_len);
        if let Some(c) = self.sizes.get_mut(bin) {
            c.add(len);
        }
        if timed {
            self.timeline.add(ts, len, traffic_class(r));
        }
    }

    fn add_ip_pair(&mut self, p: IpPair, len: u64, ts: i64) {
        let forward = addr_cmp(&p.src, &p.dst) != Ordering::Greater;
        let key = if forward {
            (p.src, p.dst)
        } else {
            (p.dst, p.src)
        };
        // Endpoints are derived from conversations when a snapshot is taken: one map update
        // per IP header here instead of three.
        self.ip_conversations.entry(key).add(forward, len, ts);
    }

    /// Every address's traffic, summed over its conversations.
    fn endpoint_traffic(&self) -> Vec<Endpoint> {
        let mut map: crate::hashing::FlowMap<IpAddr, EndpointTraffic> = crate::hashing::flow_map();
        for ((a, b), t) in self.ip_conversations.iter() {
            let ea = map.entry(*a).or_default();
            ea.tx_packets += t.packets_ab;
            ea.tx_bytes += t.bytes_ab;
            ea.rx_packets += t.packets_ba;
            ea.rx_bytes += t.bytes_ba;
            let eb = map.entry(*b).or_default();
            eb.tx_packets += t.packets_ba;
            eb.tx_bytes += t.bytes_ba;
            eb.rx_packets += t.packets_ab;
            eb.rx_bytes += t.bytes_ab;
        }
        map.into_iter()
            .map(|(addr, traffic)| Endpoint { addr, traffic })
            .collect()
    }

    /// A plain-data copy of the aggregates, each table cut to its `top` largest rows by bytes
    /// (`None`: every row).
    pub fn snapshot(&self, top: Option<usize>) -> Snapshot {
        let top = top.unwrap_or(usize::MAX);
        let t = &self.totals;
        let summary = Summary {
            packets: t.packets,
            bytes: t.bytes,
            captured_bytes: t.captured_bytes,
            first_ns: (t.min_ns <= t.max_ns).then_some(t.min_ns),
            last_ns: (t.min_ns <= t.max_ns).then_some(t.max_ns),
            out_of_order: t.out_of_order,
            malformed: Malformed {
                link: self.malformed[0],
                network: self.malformed[1],
                transport: self.malformed[2],
                application: self.malformed[3],
            },
        };
        let protocols = Proto::ALL
            .iter()
            .filter_map(|p| {
                let c = self.protocols.get(*p as usize)?;
                Some(ProtocolCount {
                    proto: p.name().to_string(),
                    packets: c.packets,
                    bytes: c.bytes,
                })
            })
            .collect();

        let all_endpoints = self.endpoint_traffic();
        let ranked = |key: fn(&EndpointTraffic) -> (u64, u64)| {
            let mut v: Vec<Endpoint> = all_endpoints
                .iter()
                .filter(|e| key(&e.traffic) != (0, 0))
                .copied()
                .collect();
            top_n(&mut v, top, |x, y| {
                key(&y.traffic)
                    .cmp(&key(&x.traffic))
                    .then_with(|| addr_cmp(&x.addr, &y.addr))
            });
            v
        };
        let endpoints = ranked(|t| (t.bytes(), t.packets()));
        let top_sources = ranked(|t| (t.tx_bytes, t.tx_packets));
        let top_destinations = ranked(|t| (t.rx_bytes, t.rx_packets));

        let mut ip_conversations: Vec<IpConversation> = self
            .ip_conversations
            .iter()
            .map(|((a, b), t)| IpConversation {
                a: *a,
                b: *b,
                traffic: *t,
            })
            .collect();
        top_n(&mut ip_conversations, top, |x, y| {
            (y.traffic.bytes(), y.traffic.packets())
                .cmp(&(x.traffic.bytes(), x.traffic.packets()))
                .then_with(|| addr_cmp(&x.a, &y.a))
                .then_with(|| addr_cmp(&x.b, &y.b))
        });

        let mut flows: Vec<Flow> = self
            .flows
            .iter()
            .map(|(k, t)| Flow {
                key: *k,
                traffic: *t,
            })
            .collect();
        top_n(&mut flows, top, |x, y| {
            (y.traffic.bytes(), y.traffic.packets())
                .cmp(&(x.traffic.bytes(), x.traffic.packets()))
                .then_with(|| addr_cmp(&x.key.a, &y.key.a))
                .then_with(|| addr_cmp(&x.key.b, &y.key.b))
                .then_with(|| {
                    (x.key.proto, x.key.a_port, x.key.b_port).cmp(&(
                        y.key.proto,
                        y.key.a_port,
                        y.key.b_port,
                    ))
                })
        });

        let mut ports: Vec<PortCount> = self
            .ports
            .iter()
            .map(|((proto, port), c)| PortCount {
                proto: *proto,
                port: *port,
                count: *c,
            })
            .collect();
        top_n(&mut ports, top, |x, y| {
            (y.count.bytes, y.count.packets)
                .cmp(&(x.count.bytes, x.count.packets))
                .then_with(|| (x.proto, x.port).cmp(&(y.proto, y.port)))
        });

        let sizes = SIZE_BINS
            .iter()
            .zip(self.sizes.iter())
            .map(|((lo, hi), c)| SizeBin {
                lo: *lo,
                hi: *hi,
                count: *c,
            })
            .collect();

        Snapshot {
            summary,
            protocols,
            endpoints,
            top_sources,
            top_destinations,
            // Conversations past the cap have no addresses: their packets count once as sent
            // and once as received by unknown endpoints.
            endpoints_other: self.ip_conversations.overflowed().then(|| {
                let o = self.ip_conversations.other();
                EndpointTraffic {
                    tx_packets: o.packets(),
                    tx_bytes: o.bytes(),
                    rx_packets: o.packets(),
                    rx_bytes: o.bytes(),
                }
            }),
            ip_conversations,
            ip_conversations_total: self.ip_conversations.len() as u64,
            ip_conversations_other: self
                .ip_conversations
                .overflowed()
                .then(|| *self.ip_conversations.other()),
            flows,
            flows_total: self.flows.len() as u64,
            flows_other: self.flows.overflowed().then(|| *self.flows.other()),
            ports,
            sizes,
            timeline: self.timeline.view(),
        }
    }
}

/// Keeps the `n` first rows of `v` in `cmp` order, sorted: a partial selection first, so a
/// snapshot of a few top rows out of a million flows costs linear time, not a full sort.
fn top_n<T>(v: &mut Vec<T>, n: usize, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if n == 0 {
        v.clear();
        return;
    }
    if n < v.len() {
        v.select_nth_unstable_by(n - 1, &mut cmp);
        v.truncate(n);
    }
    v.sort_by(cmp);
}

fn layer_index(l: Layer) -> usize {
    match l {
        Layer::Link => 0,
        Layer::Network => 1,
        Layer::Transport => 2,
        Layer::Application => 3,
    }
}

/// The port that names the service of a TCP/UDP exchange: the well-known (< 1024) one if only
/// one is, else the lower one (ephemeral ports are usually the higher).
pub fn service_port(src: u16, dst: u16) -> u16 {
    match (src < 1024, dst < 1024) {
        (true, false) => src,
        (false, true) => dst,
        _ => src.min(dst),
    }
}

/// The class a record's bytes stack under in the timeline.
pub fn traffic_class(r: &PacketRecord) -> TrafficClass {
    let p = r.protocols;
    if r.ip_proto == 6 {
        TrafficClass::Tcp
    } else if r.ip_proto == 17 {
        TrafficClass::Udp
    } else if r.ip_proto == 1 || r.ip_proto == 58 {
        TrafficClass::Icmp
    } else if p.contains(Proto::Arp) {
        TrafficClass::Arp
    } else if p.contains(Proto::Ipv4) || p.contains(Proto::Ipv6) {
        TrafficClass::OtherIp
    } else {
        TrafficClass::Other
    }
}

/// Frames that were damaged, by the layer where decoding stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Malformed {
    /// Link layer.
    pub link: u64,
    /// Network layer.
    pub network: u64,
    /// Transport layer.
    pub transport: u64,
    /// Application layer.
    pub application: u64,
}

/// Capture-wide totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Frames.
    pub packets: u64,
    /// Sum of original lengths.
    pub bytes: u64,
    /// Sum of captured lengths.
    pub captured_bytes: u64,
    /// Earliest frame time, ns since the epoch.
    pub first_ns: Option<i64>,
    /// Latest frame time, ns since the epoch.
    pub last_ns: Option<i64>,
    /// Frames whose time is earlier than the frame before them.
    pub out_of_order: u64,
    /// Damaged frames by layer.
    pub malformed: Malformed,
}

impl Summary {
    /// Latest minus earliest time, ns (0 without frames).
    pub fn duration_ns(&self) -> i64 {
        match (self.first_ns, self.last_ns) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => 0,
        }
    }
}

/// Frames in which one protocol appears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolCount {
    /// Protocol name ([`Proto::name`]).
    pub proto: String,
    /// Frames in which it appears.
    pub packets: u64,
    /// Bytes of those frames.
    pub bytes: u64,
}

/// One address's traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The address.
    pub addr: IpAddr,
    /// Its traffic.
    pub traffic: EndpointTraffic,
}

/// Traffic between two addresses (`a` < `b` in [`addr_cmp`] order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpConversation {
    /// Lower address.
    pub a: IpAddr,
    /// Higher address.
    pub b: IpAddr,
    /// Traffic (`ab` = from `a` to `b`).
    pub traffic: Traffic,
}

/// One TCP/UDP conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// The 5-tuple.
    pub key: FlowKey,
    /// Traffic (`ab` = from `key.a` to `key.b`).
    pub traffic: Traffic,
}

/// Traffic to or from one service port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortCount {
    /// 6 = TCP, 17 = UDP.
    pub proto: u8,
    /// The service port ([`service_port`]).
    pub port: u16,
    /// Frames and bytes.
    pub count: Count,
}

/// One packet-size histogram bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeBin {
    /// Smallest length in the bin.
    pub lo: u32,
    /// Largest length in the bin.
    pub hi: u32,
    /// Frames and bytes.
    pub count: Count,
}

/// A plain-data copy of every aggregate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Totals.
    pub summary: Summary,
    /// Frames per protocol, every [`Proto`] in order.
    pub protocols: Vec<ProtocolCount>,
    /// Addresses by bytes sent and received, descending.
    pub endpoints: Vec<Endpoint>,
    /// Addresses by bytes sent ("top talkers"), descending; only those that sent.
    pub top_sources: Vec<Endpoint>,
    /// Addresses by bytes received, descending; only those that received.
    pub top_destinations: Vec<Endpoint>,
    /// Traffic of addresses that found no room in the table, if any.
    pub endpoints_other: Option<EndpointTraffic>,
    /// IP conversations by bytes, descending.
    pub ip_conversations: Vec<IpConversation>,
    /// Number of distinct IP conversations kept.
    pub ip_conversations_total: u64,
    /// Traffic of conversations that found no room, if any.
    pub ip_conversations_other: Option<Traffic>,
    /// TCP/UDP conversations by bytes, descending.
    pub flows: Vec<Flow>,
    /// Number of distinct TCP/UDP conversations kept.
    pub flows_total: u64,
    /// Traffic of flows that found no room, if any.
    pub flows_other: Option<Traffic>,
    /// Service ports by bytes, descending.
    pub ports: Vec<PortCount>,
    /// Packet-size histogram.
    pub sizes: Vec<SizeBin>,
    /// Traffic over time.
    pub timeline: TimelineView,
}

impl Snapshot {
    /// Frames in which `p` appears.
    pub fn protocol_packets(&self, p: Proto) -> u64 {
        self.protocols
            .iter()
            .find(|c| c.proto == p.name())
            .map_or(0, |c| c.packets)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::decode::{Protocols, TcpInfo};
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v4(d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, d))
    }

    fn tcp(src: IpAddr, sport: u16, dst: IpAddr, dport: u16, len: u32, ts: i64) -> PacketRecord {
        let mut p = Protocols::default();
        p.insert(Proto::Ethernet);
        p.insert(if src.is_ipv4() {
            Proto::Ipv4
        } else {
            Proto::Ipv6
        });
        p.insert(Proto::Tcp);
        PacketRecord {
            ts_ns: ts,
            orig_len: len,
            cap_len: len.min(96),
            protocols: p,
            ip: Some(IpPair { src, dst }),
            ip_proto: 6,
            src_port: sport,
            dst_port: dport,
            tcp: Some(TcpInfo::default()),
            ..PacketRecord::default()
        }
    }

    #[test]
    fn totals_and_protocols() {
        let mut agg = Aggregator::default();
        agg.push(&tcp(v4(1), 40000, v4(2), 443, 100, 2_000));
        agg.push(&tcp(v4(2), 443, v4(1), 40000, 1500, 1_000));
        agg.push(&PacketRecord {
            ts_ns: 3_000,
            orig_len: 42,
            cap_len: 42,
            ..PacketRecord::default()
        });
        agg.push(&PacketRecord {
            ts_ns: NO_TIMESTAMP,
            orig_len: 8,
            cap_len: 8,
            ..PacketRecord::default()
        });
        let s = agg.snapshot(None);
        assert_eq!(s.summary.packets, 4);
        assert_eq!(s.summary.bytes, 1650);
        assert_eq!(s.summary.captured_bytes, 96 + 96 + 42 + 8);
        assert_eq!(
            s.timeline.buckets.iter().map(|b| b.packets).sum::<u64>(),
            3,
            "untimed frame"
        );
        assert_eq!(
            (s.summary.first_ns, s.summary.last_ns),
            (Some(1_000), Some(3_000))
        );
        assert_eq!(s.summary.out_of_order, 1);
        assert_eq!(s.protocol_packets(Proto::Tcp), 2);
        assert_eq!(s.protocol_packets(Proto::Ethernet), 2);
        assert_eq!(s.protocol_packets(Proto::Udp), 0);
        assert_eq!(s.sizes.iter().map(|b| b.count.packets).sum::<u64>(), 4);
        assert_eq!(s.sizes[2].count.packets, 1, "42 bytes is in 40-79");
        assert_eq!(s.sizes[7].count.packets, 1, "1500 bytes is in 1280-2559");
    }

    #[test]
    fn conversations_are_canonical_and_directed() {
        let mut agg = Aggregator::default();
        agg.push(&tcp(v4(9), 40000, v4(2), 443, 100, 0));
        agg.push(&tcp(v4(2), 443, v4(9), 40000, 1500, 1));
        agg.push(&tcp(v4(2), 443, v4(9), 40000, 1500, 2));
        let s = agg.snapshot(None);
        assert_eq!(s.ip_conversations.len(), 1);
        let c = s.ip_conversations[0];
        assert_eq!((c.a, c.b), (v4(2), v4(9)));
        assert_eq!((c.traffic.packets_ab, c.traffic.bytes_ab), (2, 3000));
        assert_eq!((c.traffic.packets_ba, c.traffic.bytes_ba), (1, 100));
        assert_eq!(s.flows.len(), 1);
        let f = s.flows[0];
        assert_eq!(
            (f.key.a, f.key.a_port, f.key.b, f.key.b_port),
            (v4(2), 443, v4(9), 40000)
        );
        assert_eq!(s.ports[0].port, 443);
        let top = &s.endpoints[0];
        assert_eq!(
            (top.addr, top.traffic.tx_bytes, top.traffic.rx_bytes),
            (v4(2), 3000, 100)
        );
        assert_eq!(
            s.top_sources.iter().map(|e| e.addr).collect::<Vec<_>>(),
            vec![v4(2), v4(9)]
        );
        assert_eq!(s.top_destinations[0].addr, v4(9));
    }

    #[test]
    fn ipv4_sorts_before_ipv6_and_tunnels_count_both_headers() {
        let six = IpAddr::V6(Ipv6Addr::LOCALHOST);
        assert_eq!(addr_cmp(&v4(255), &six), Ordering::Less);
        let mut r = tcp(six, 1, IpAddr::V6(Ipv6Addr::UNSPECIFIED), 2, 80, 0);
        r.tunnel_ip = r.ip;
        r.ip = Some(IpPair {
            src: v4(1),
            dst: v4(2),
        });
        let mut agg = Aggregator::default();
        agg.push(&r);
        let s = agg.snapshot(None);
        assert_eq!(s.ip_conversations.len(), 2);
        assert!(s.flows[0].key.a.is_ipv6(), "flows use the innermost header");
    }

    #[test]
    fn a_flood_of_addresses_stays_within_the_caps() {
        let limits = Limits {
            ip_conversations: 50,
            flows: 50,
            ports: 10,
        };
        let mut agg = Aggregator::new(limits);
        for i in 0..10_000u32 {
            let a = IpAddr::V4(Ipv4Addr::from(i));
            agg.push(&tcp(
                a,
                (i % 60_000) as u16,
                v4(1),
                (i % 50_000) as u16,
                60,
                i64::from(i),
            ));
        }
        let s = agg.snapshot(None);
        // Endpoints come from the 50 conversations kept: 50 sources and their one peer.
        assert_eq!(s.endpoints.len(), 51);
        assert_eq!(s.endpoints_other.unwrap().tx_packets, 10_000 - 50);
        assert_eq!(s.ip_conversations.len(), 50);
        assert_eq!(s.flows.len(), 50);
        assert_eq!(s.ports.len(), 10);
        let kept: u64 = s.ip_conversations.iter().map(|c| c.traffic.packets()).sum();
        assert_eq!(kept + s.ip_conversations_other.unwrap().packets(), 10_000);
        assert_eq!(s.summary.packets, 10_000);
        let top5 = agg.snapshot(Some(5));
        assert_eq!(top5.ip_conversations[..], s.ip_conversations[..5]);
        assert_eq!(top5.flows[..], s.flows[..5]);
        assert_eq!(top5.endpoints[..], s.endpoints[..5]);
        assert!(agg.snapshot(Some(0)).flows.is_empty());
    }
}
