//! A view of an indexed capture: the packets a display filter keeps, in the packet table's
//! order, and the aggregates over just those packets — computed from the index, without
//! re-reading the file.
//!
//! [`select`] scans the index's columns block by block with forward cursors over its side
//! columns. It builds no full record per entry: a filter that tests protocols only is decided
//! once per distinct frame shape, another gets a reused record filled with just the fields it
//! reads. Matching entries are aggregated by address id ([`IdAggregator`]), and turned into
//! the [`Aggregator`] that pushing their records would have built.

use crate::decode::{AppProto, PacketRecord, Proto, Protocols};
use crate::filter::{EvalContext, Field, Filter, FilterError, Names};
use crate::hashing::{flow_map, FlowMap};
use crate::health::tcp::TcpFlags;
use crate::index::{AddrId, IdPair, Layout, Needs, PacketIndex, Shape, SortKey, SHAPE_ESCAPE};
use crate::stats::{
    addr_cmp, traffic_class, Aggregator, IdAggregator, IdPacket, Limits, TrafficClass,
};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};

/// The packets a filter keeps (entry positions, 0-based, in file order) and the aggregates
/// over them.
#[derive(Debug)]
pub struct Selection {
    /// Matching entry positions; `None` when the filter is empty (every packet).
    pub positions: Option<Vec<u32>>,
    /// Aggregates over the matching packets.
    pub stats: Aggregator,
    /// How many of the matching packets carry each `tcp.analysis.*` flag (all zero when the
    /// index has no flags: see [`PacketIndex::has_tcp_analysis`]).
    pub tcp_analysis: TcpAnalysisCounts,
}

/// How many packets carry each `tcp.analysis.*` flag, counted as the display filters match.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpAnalysisCounts {
    /// Packets with some flag: what `tcp.analysis.flags` matches.
    pub flagged: u64,
    /// For each flag of [`TcpFlags::NAMES`], in that order, the packets `tcp.analysis.NAME`
    /// matches (so `retransmission` counts the fast and spurious ones too).
    pub by_name: [u64; TcpFlags::NAMES.len()],
}

impl TcpAnalysisCounts {
    /// Counts a packet with these flags (bits of [`TcpFlags`]).
    #[inline]
    pub fn add(&mut self, flags: u16) {
        if flags == 0 {
            return;
        }
        self.flagged += 1;
        let f = TcpFlags(flags);
        for (n, &(bit, _)) in self.by_name.iter_mut().zip(TcpFlags::NAMES.iter()) {
            let hit = if bit == TcpFlags::RETRANSMISSION {
                f.is_retransmission()
            } else {
                f.contains(bit)
            };
            *n += u64::from(hit);
        }
    }

    /// The count for `tcp.analysis.NAME` (`name` as in [`TcpFlags::NAMES`], or `flags`).
    pub fn get(&self, name: &str) -> Option<u64> {
        if name == "flags" {
            return Some(self.flagged);
        }
        TcpFlags::NAMES
            .iter()
            .position(|&(_, n)| n == name)
            .and_then(|k| self.by_name.get(k).copied())
    }
}

impl Selection {
    /// Number of packets kept.
    pub fn len(&self) -> u64 {
        self.stats.packets()
    }

    /// Whether no packet is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which fields of a record a filter reads beyond the cheap ones.
fn needs(fields: &[Field]) -> Needs {
    let mut n = Needs {
        addrs: false,
        link: false,
        dns: false,
        name: false,
        ttl: false,
        tcp: false,
        tcp_analysis: false,
    };
    for f in fields {
        match f {
            Field::FrameNumber
            | Field::FrameLen
            | Field::FrameCapLen
            | Field::FrameTimeRelative
            | Field::TcpPort
            | Field::TcpSrcPort
            | Field::TcpDstPort
            | Field::UdpPort
            | Field::UdpSrcPort
            | Field::UdpDstPort
            | Field::IcmpType
            | Field::IcmpCode
            | Field::Icmpv6Type
            | Field::Icmpv6Code => {}
            Field::EthSrc | Field::EthDst | Field::EthAddr | Field::VlanId => n.link = true,
            Field::IpSrc
            | Field::IpDst
            | Field::IpAddr
            | Field::Ipv6Src
            | Field::Ipv6Dst
            | Field::Ipv6Addr
            | Field::IpProto => n.addrs = true,
            Field::IpTtl | Field::Ipv6Hlim => {
                n.ttl = true;
                n.addrs = true;
            }
            Field::TcpFlags
            | Field::TcpFin
            | Field::TcpSyn
            | Field::TcpReset
            | Field::TcpPush
            | Field::TcpAck
            | Field::TcpUrg
            | Field::TcpEce
            | Field::TcpCwr
            | Field::TcpAe
            | Field::TcpLen
            | Field::TcpWindowSizeValue => n.tcp = true,
            Field::DnsId
            | Field::DnsResponse
            | Field::DnsRcode
            | Field::DnsQryType
            | Field::DnsCountAnswers => n.dns = true,
            Field::DnsQryName | Field::TlsSni | Field::HttpHost => n.name = true,
            Field::TcpAnalysisFlags
            | Field::TcpAnalysisRetransmission
            | Field::TcpAnalysisLostSegment
            | Field::TcpAnalysisAckLostSegment
            | Field::TcpAnalysisKeepAlive
            | Field::TcpAnalysisDuplicateAck
            | Field::TcpAnalysisZeroWindow
            | Field::TcpAnalysisZeroWindowProbe
            | Field::TcpAnalysisZeroWindowProbeAck
            | Field::TcpAnalysisKeepAliveAck
            | Field::TcpAnalysisOutOfOrder
            | Field::TcpAnalysisFastRetransmission
            | Field::TcpAnalysisWindowUpdate
            | Field::TcpAnalysisWindowFull
            | Field::TcpAnalysisReusedPorts
            | Field::TcpAnalysisSpuriousRetransmission => n.tcp_analysis = true,
        }
    }
    n
}

/// How a scan decides whether an entry matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The empty filter.
    All,
    /// The filter tests protocols only: one verdict per shape.
    ByShape,
    /// The filter reads fields: a record with those fields.
    Record(Needs),
}

/// What a scan knows about one kind of frame (an interned shape, or an escaped one).
#[derive(Debug, Clone, Copy)]
struct Kind {
    shape: Shape,
    class: TrafficClass,
    verdict: bool,
}

/// The kinds of an index's frames: its interned shapes (kind = shape id), then the escaped
/// shapes met during a scan.
struct Kinds {
    list: Vec<Kind>,
    escaped: FlowMap<Shape, u32>,
}

impl Kinds {
    fn new(index: &PacketIndex, verdict: &dyn Fn(&Shape) -> bool) -> Self {
        let list = (0..index.shape_count())
            .filter_map(|id| index.shape(id as u16))
            .map(|s| Kind::new(*s, verdict))
            .collect();
        Kinds {
            list,
            escaped: flow_map(),
        }
    }

    /// The kind id of an escaped shape.
    fn escaped(&mut self, shape: Shape, verdict: &dyn Fn(&Shape) -> bool) -> u32 {
        if let Some(&k) = self.escaped.get(&shape) {
            return k;
        }
        let k = self.list.len() as u32;
        self.list.push(Kind::new(shape, verdict));
        self.escaped.insert(shape, k);
        k
    }
}

impl Kind {
    fn new(shape: Shape, verdict: &dyn Fn(&Shape) -> bool) -> Self {
        Kind {
            shape,
            class: traffic_class(&shape.record()),
            verdict: verdict(&shape),
        }
    }
}

/// Address ids for the aggregation: the index's ids, and ids from `ESCAPED_BASE` up for
/// addresses the index keeps as escapes.
struct Escaped {
    ids: FlowMap<IpAddr, u32>,
    addrs: Vec<IpAddr>,
}

const ESCAPED_BASE: u32 = 1 << 31;

impl Escaped {
    fn id(&mut self, a: IpAddr) -> u32 {
        if let Some(&i) = self.ids.get(&a) {
            return i;
        }
        let i = ESCAPED_BASE + self.addrs.len() as u32;
        self.addrs.push(a);
        self.ids.insert(a, i);
        i
    }
}

/// The address of an aggregation id.
fn resolve(index: &PacketIndex, escaped: &Escaped, id: u32) -> IpAddr {
    let a = if id >= ESCAPED_BASE {
        escaped.addrs.get((id - ESCAPED_BASE) as usize).copied()
    } else {
        index.address(AddrId(id))
    };
    a.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Whether `filter` can run over `index`: not when it tests `tcp.analysis.*` flags and the
/// index was built without the TCP analysis (it would silently match no packet); the error
/// points at the first such field.
pub fn check(index: &PacketIndex, filter: &Filter) -> Result<(), FilterError> {
    if index.has_tcp_analysis() {
        return Ok(());
    }
    match filter.fields().into_iter().find(|f| f.is_tcp_analysis()) {
        None => Ok(()),
        Some(f) => Err(FilterError {
            column: filter.field_column(f).unwrap_or(1),
            message: format!(
                "tcp.analysis fields need the TCP analysis, which did not run on this \
                 capture ('{}')",
                f.name()
            ),
        }),
    }
}

/// [`select`] after [`check`]: an error rather than an empty selection for a filter on
/// `tcp.analysis.*` flags the index does not have.
pub fn try_select(
    index: &PacketIndex,
    filter: &Filter,
    names: &dyn Names,
    limits: Limits,
) -> Result<Selection, FilterError> {
    check(index, filter)?;
    Ok(select(index, filter, names, limits))
}

/// Runs `filter` over every entry of `index` and aggregates the matching ones, in one pass.
/// A filter on `tcp.analysis.*` flags matches no packet of an index built without the TCP
/// analysis: [`try_select`] refuses it instead.
pub fn select(
    index: &PacketIndex,
    filter: &Filter,
    names: &dyn Names,
    limits: Limits,
) -> Selection {
    let first_ts_ns = index.first_timestamp();
    let fields = filter.fields();
    let mode = if filter.is_empty() {
        Mode::All
    } else if fields.is_empty() {
        Mode::ByShape
    } else {
        Mode::Record(needs(&fields))
    };
    let mut ctx = EvalContext {
        number: 1,
        first_ts_ns,
        names,
    };
    // A filter without fields depends on the protocols alone.
    let shape_ctx = ctx;
    let verdict = |s: &Shape| mode == Mode::ByShape && filter.matches(&s.record(), &shape_ctx);
    let mut kinds = Kinds::new(index, &verdict);
    let mut escaped = Escaped {
        ids: flow_map(),
        addrs: Vec::new(),
    };
    let any_escaped = index.has_addr_escapes();
    let mut agg = IdAggregator::new(limits);
    let mut positions = Vec::new();
    let mut cur = index.cursors();
    let mut rec = PacketRecord::default();
    let mut flag_counts = TcpAnalysisCounts::default();
    let count_flags = index.tcp_analysis_flagged() > 0;
    for b in 0..index.blocks() {
        let blk = index.block(b);
        for (j, &sid) in blk.shape.iter().enumerate() {
            let i = blk.start + j;
            let k = if sid == SHAPE_ESCAPE {
                let shape = index.escaped_shape(i, &mut cur);
                kinds.escaped(shape, &verdict)
            } else {
                u32::from(sid)
            };
            let Some(kind) = kinds.list.get(k as usize) else {
                continue;
            };
            let keep = match mode {
                Mode::All => true,
                Mode::ByShape => kind.verdict,
                Mode::Record(needs) => {
                    index.fill(&blk, j, &kind.shape, needs, &mut cur, &mut rec);
                    ctx.number = i as u64 + 1;
                    filter.matches(&rec, &ctx)
                }
            };
            if !keep {
                continue;
            }
            if mode != Mode::All {
                positions.push(i as u32);
            }
            if count_flags {
                flag_counts.add(index.tcp_analysis_at(i as u32, &mut cur));
            }
            let (inner, outer) = index.addr_ids(&blk, j, &kind.shape, &mut cur);
            let mut ids = |p: Option<IdPair>, outer: bool| -> Option<(u32, u32)> {
                let (s, d) = p?;
                if s == AddrId::NONE || d == AddrId::NONE {
                    return None;
                }
                if any_escaped && (s == AddrId::OTHER || d == AddrId::OTHER) {
                    let (ei, eo) = index.escaped_addrs(i, &mut cur);
                    let pair = if outer { eo } else { ei }?;
                    let s = if s == AddrId::OTHER {
                        escaped.id(pair.src)
                    } else {
                        s.0
                    };
                    let d = if d == AddrId::OTHER {
                        escaped.id(pair.dst)
                    } else {
                        d.0
                    };
                    return Some((s, d));
                }
                Some((s.0, d.0))
            };
            let inner = ids(inner, false);
            let (ip, tunnel_ip) = match kind.shape.layout {
                Layout::NoIp => (None, None),
                Layout::Plain => (inner, None),
                Layout::TunnelSame => (inner, inner),
                Layout::Tunnel => (ids(outer, true), inner),
            };
            agg.push(
                &IdPacket {
                    ts_ns: blk.ts_ns.at(j),
                    orig_len: blk.orig_len.at(j),
                    cap_len: blk.cap_len.at(j),
                    kind: k,
                    class: kind.class,
                    ip,
                    tunnel_ip,
                    ip_proto: kind.shape.ip_proto,
                    src_port: blk.src_port.get(j).copied().unwrap_or(0),
                    dst_port: blk.dst_port.get(j).copied().unwrap_or(0),
                },
                |a, b| addr_cmp(&resolve(index, &escaped, a), &resolve(index, &escaped, b)),
            );
        }
    }
    let stats = agg.finish(
        |k| {
            kinds
                .list
                .get(k as usize)
                .map_or_else(Default::default, |x| (x.shape.protocols, x.shape.malformed))
        },
        |id| resolve(index, &escaped, id),
    );
    Selection {
        positions: (mode != Mode::All).then_some(positions),
        stats,
        tcp_analysis: flag_counts,
    }
}

/// The Protocol column's text for a frame, as the packet table's one-packet dissector would
/// write it, from what the index keeps: the application protocol it names (`DNS`, `HTTP`,
/// `TLS` — the table adds TLS's version), else the transport, else the network or link layer.
/// It can differ where the decoder reassembles (an HTTP request split over segments is HTTP on
/// its last segment here, on its first in the dissector) and on IP fragments.
pub fn protocol_column(r: &PacketRecord) -> &'static str {
    let v6 = |p: Option<crate::decode::IpPair>| p.map(|p| p.src.is_ipv6());
    column(
        r.protocols,
        r.app,
        r.ip_proto,
        v6(r.ip),
        r.tunnel_ip.is_some().then(|| v6(r.inner_ip())).flatten(),
    )
}

/// [`protocol_column`] of a shape.
fn shape_column(s: &Shape) -> &'static str {
    let outer = (s.layout != Layout::NoIp).then_some(s.outer_v6);
    let tunnel = matches!(s.layout, Layout::Tunnel | Layout::TunnelSame).then_some(s.inner_v6);
    column(s.protocols, s.app, s.ip_proto, outer, tunnel)
}

/// The Protocol column from a frame's protocols, application protocol, transport, and whether
/// its outer and tunnelled IP headers are IPv6.
fn column(
    p: Protocols,
    app: AppProto,
    ip_proto: u8,
    outer_v6: Option<bool>,
    tunnel_v6: Option<bool>,
) -> &'static str {
    // Layers the dissector does not look into.
    if p.contains(Proto::Wlan) {
        return "802.11";
    }
    if p.contains(Proto::Vntag) {
        return "VN-Tag";
    }
    if let AppProto::Known(app) = app {
        let name = match app {
            Proto::Dns => Some("DNS"),
            Proto::Mdns => Some("MDNS"),
            Proto::Llmnr => Some("LLMNR"),
            Proto::Dhcp => Some("DHCP"),
            Proto::Http => Some("HTTP"),
            Proto::Tls => Some("TLS"),
            _ => None,
        };
        if let Some(n) = name {
            return n;
        }
    }
    match ip_proto {
        6 if p.contains(Proto::Tcp) => return "TCP",
        17 if p.contains(Proto::Udp) => return "UDP",
        1 if p.contains(Proto::Icmp) => return "ICMP",
        58 if p.contains(Proto::Icmpv6) => return "ICMPv6",
        _ => {}
    }
    let ip = |v6: bool| if v6 { "IPv6" } else { "IPv4" };
    if let Some(v6) = tunnel_v6 {
        return ip(v6);
    }
    for (q, name) in [
        (Proto::Vxlan, "VXLAN"),
        (Proto::Teredo, "Teredo"),
        (Proto::Gre, "GRE"),
    ] {
        if p.contains(q) {
            return name;
        }
    }
    if let Some(v6) = outer_v6 {
        return ip(v6);
    }
    [
        (Proto::Ipv6, "IPv6"),
        (Proto::Ipv4, "IPv4"),
        (Proto::Arp, "ARP"),
        (Proto::Llc, "LLC"),
        (Proto::Mpls, "MPLS"),
        (Proto::Ppp, "PPP"),
        (Proto::Pppoe, "PPPoE"),
        (Proto::Vlan, "VLAN"),
        (Proto::Ethernet, "Ethernet"),
        (Proto::Sll, "SLL"),
        (Proto::Null, "Null"),
        (Proto::Chdlc, "CHDLC"),
        (Proto::Nflog, "NFLOG"),
    ]
    .into_iter()
    .find(|(q, _)| p.contains(*q))
    .map_or("Unknown", |(_, n)| n)
}

/// Stable counting sort of `positions` by `key` in `0..=max`, through `out`.
fn counting_sort(positions: &mut [u32], out: &mut Vec<u32>, max: u32, key: &dyn Fn(u32) -> u32) {
    let mut counts = vec![0u32; max as usize + 2];
    for &p in positions.iter() {
        if let Some(c) = counts.get_mut(key(p) as usize + 1) {
            *c += 1;
        }
    }
    for i in 1..counts.len() {
        counts[i] = counts[i].wrapping_add(counts[i - 1]);
    }
    out.clear();
    out.resize(positions.len(), 0);
    for &p in positions.iter() {
        if let Some(c) = counts.get_mut(key(p) as usize) {
            if let Some(slot) = out.get_mut(*c as usize) {
                *slot = p;
            }
            *c += 1;
        }
    }
    positions.copy_from_slice(out);
}

/// Largest key range sorted with one counting pass (larger ones take two 16-bit passes).
const COUNTING_RANGE: u32 = 1 << 20;

/// Stable sort of `positions` by a `u32` key: nothing when already in order, one counting
/// pass for a small range of keys, else a two-pass radix sort. Extra memory: one `u32` per
/// position and the counts.
fn sort_by_u32(positions: &mut [u32], descending: bool, key: &dyn Fn(u32) -> u32) {
    let (mut lo, mut hi) = (u32::MAX, 0u32);
    let mut sorted = true;
    let mut prev = 0u32;
    for (n, &p) in positions.iter().enumerate() {
        let k = key(p);
        let k = if descending { u32::MAX - k } else { k };
        lo = lo.min(k);
        hi = hi.max(k);
        if n > 0 && k < prev {
            sorted = false;
        }
        prev = k;
    }
    if sorted {
        return;
    }
    let norm = |p: u32| {
        let k = key(p);
        (if descending { u32::MAX - k } else { k }) - lo
    };
    let mut out = Vec::new();
    let range = hi - lo;
    if range < COUNTING_RANGE {
        counting_sort(positions, &mut out, range, &norm);
    } else {
        counting_sort(positions, &mut out, 0xffff, &|p| norm(p) & 0xffff);
        counting_sort(positions, &mut out, range >> 16, &|p| norm(p) >> 16);
    }
}

/// The sort key of an address: IPv4 before IPv6, numeric, no address last.
fn addr_key(a: Option<IpAddr>) -> (u8, u128) {
    match a {
        Some(IpAddr::V4(x)) => (0, u128::from(u32::from(x))),
        Some(IpAddr::V6(x)) => (1, u128::from(x)),
        None => (2, 0),
    }
}

/// Sorts by innermost source (or destination) address.
fn sort_by_address(index: &PacketIndex, positions: &mut [u32], dst: bool, descending: bool) {
    let n_addrs = index.addresses();
    if positions.len() < n_addrs / 4 || index.has_addr_escapes() {
        // Few rows (or addresses the rank table cannot hold): compare the addresses.
        let key = |p: u32| {
            let e = index.get(p as usize);
            addr_key(e.and_then(|e| if dst { e.dst } else { e.src }))
        };
        if descending {
            positions.sort_by_cached_key(|&p| std::cmp::Reverse(key(p)));
        } else {
            positions.sort_by_cached_key(|&p| key(p));
        }
        return;
    }
    // Rank every interned address once; a row's key is its address's rank.
    let mut order: Vec<(u8, u128, u32)> = index
        .interned_addresses()
        .enumerate()
        .map(|(i, a)| {
            let (c, v) = addr_key(Some(a));
            (c, v, i as u32 + 1)
        })
        .collect();
    order.sort_unstable();
    // Id 0 is no address (a frame without IP): last.
    let none = n_addrs as u32;
    let mut rank = vec![none; n_addrs + 1];
    for (r, &(_, _, id)) in order.iter().enumerate() {
        if let Some(slot) = rank.get_mut(id as usize) {
            *slot = r as u32;
        }
    }
    let key = |p: u32| -> u32 {
        index
            .addr_id(p as usize, dst)
            .and_then(|id| rank.get(id.0 as usize).copied())
            .unwrap_or(none)
    };
    sort_by_u32(positions, descending, &key);
}

/// Sorts entry positions by `key` (ties keep the order they had, file order for a fresh
/// selection), descending when asked. Number, Length and Protocol, and Source and Destination
/// of a large selection, sort in linear time with one extra `u32` per position; Time is
/// usually in order already, and otherwise merge-sorted.
pub fn sort(index: &PacketIndex, positions: &mut [u32], key: SortKey, descending: bool) {
    match key {
        SortKey::Number => {
            if !positions.is_sorted() {
                positions.sort_unstable();
            }
            if descending {
                positions.reverse();
            }
        }
        SortKey::Length => sort_by_u32(positions, descending, &|p| {
            index.orig_len(p as usize).unwrap_or(0)
        }),
        SortKey::Time => {
            let ts = |p: u32| index.ts_ns(p as usize).unwrap_or(i64::MIN);
            if descending {
                if !positions.is_sorted_by_key(|&p| std::cmp::Reverse(ts(p))) {
                    positions.sort_by_key(|&p| std::cmp::Reverse(ts(p)));
                }
            } else if !positions.is_sorted_by_key(|&p| ts(p)) {
                positions.sort_by_key(|&p| ts(p));
            }
        }
        SortKey::Source => sort_by_address(index, positions, false, descending),
        SortKey::Destination => sort_by_address(index, positions, true, descending),
        SortKey::Protocol => {
            let rank_of = |s: &Shape| {
                let name = shape_column(s);
                PROTOCOL_NAMES
                    .binary_search(&name)
                    .map_or(PROTOCOL_NAMES.len() as u32, |r| r as u32)
            };
            let ranks: Vec<u32> = (0..index.shape_count())
                .map(|id| index.shape(id as u16).map_or(0, rank_of))
                .collect();
            let key = |p: u32| match index.shape_id(p as usize) {
                Some(SHAPE_ESCAPE) => {
                    let mut cur = index.cursors();
                    rank_of(&index.escaped_shape(p as usize, &mut cur))
                }
                Some(id) => ranks.get(usize::from(id)).copied().unwrap_or(0),
                None => 0,
            };
            sort_by_u32(positions, descending, &key);
        }
    }
}

/// Every text [`protocol_column`] gives, in byte order.
const PROTOCOL_NAMES: &[&str] = &[
    "802.11", "ARP", "CHDLC", "DHCP", "DNS", "Ethernet", "GRE", "HTTP", "ICMP", "ICMPv6", "IPv4",
    "IPv6", "LLC", "LLMNR", "MDNS", "MPLS", "NFLOG", "Null", "PPP", "PPPoE", "SLL", "TCP", "TLS",
    "Teredo", "UDP", "Unknown", "VLAN", "VN-Tag", "VXLAN",
];

/// Wireshark's default colouring rules, as far as the index knows: the first that matches
/// colours the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coloring {
    /// Wireshark's "Bad TCP" rule, its first: `tcp.analysis.flags &&
    /// !tcp.analysis.window_update && !tcp.analysis.keep_alive && !tcp.analysis.keep_alive_ack`
    /// (red text on black). Serialized as `bad-tcp`.
    BadTcp,
    /// A packet the decoder found damaged (malformed: black on red).
    Bad,
    /// TCP reset.
    TcpRst,
    /// ICMP and ICMPv6 errors (destination unreachable, time exceeded ...).
    IcmpError,
    /// ARP.
    Arp,
    /// ICMP and ICMPv6 other than errors.
    Icmp,
    /// DNS.
    Dns,
    /// HTTP.
    Http,
    /// TLS.
    Tls,
    /// TCP SYN or FIN.
    TcpSynFin,
    /// Other TCP.
    Tcp,
    /// Other UDP.
    Udp,
    /// Anything else.
    Other,
}

impl Coloring {
    /// The rule that colours `r`.
    pub fn of(r: &PacketRecord) -> Coloring {
        let p = r.protocols;
        let flags = TcpFlags(r.tcp_analysis);
        let bad_tcp = !flags.is_empty()
            && !flags.contains(TcpFlags::WINDOW_UPDATE)
            && !flags.contains(TcpFlags::KEEP_ALIVE)
            && !flags.contains(TcpFlags::KEEP_ALIVE_ACK);
        if bad_tcp {
            return Coloring::BadTcp;
        }
        if r.malformed.is_some() {
            return Coloring::Bad;
        }
        if let Some(t) = r.tcp {
            if t.flags & crate::decode::TcpInfo::RST != 0 {
                return Coloring::TcpRst;
            }
        }
        if let Some((ty, _)) = r.icmp {
            let error = if p.contains(Proto::Icmpv6) {
                (1..=4).contains(&ty)
            } else {
                matches!(ty, 3 | 4 | 5 | 11 | 12)
            };
            if error {
                return Coloring::IcmpError;
            }
        }
        if p.contains(Proto::Arp) {
            Coloring::Arp
        } else if p.contains(Proto::Icmp) || p.contains(Proto::Icmpv6) {
            Coloring::Icmp
        } else if p.contains(Proto::Dns) {
            Coloring::Dns
        } else if p.contains(Proto::Http) {
            Coloring::Http
        } else if p.contains(Proto::Tls) {
            Coloring::Tls
        } else if let Some(t) = r.tcp {
            if t.flags & (crate::decode::TcpInfo::SYN | crate::decode::TcpInfo::FIN) != 0 {
                Coloring::TcpSynFin
            } else {
                Coloring::Tcp
            }
        } else if p.contains(Proto::Udp) {
            Coloring::Udp
        } else {
            Coloring::Other
        }
    }
}

/// The Source and Destination columns of a dissected packet, as Wireshark fills them: the
/// innermost IP layer's addresses (a layer quoted inside an ICMP error does not count), else
/// the link layer's.
pub fn address_columns(d: &crate::dissect::Dissection) -> (String, String) {
    let field = |layer: &crate::dissect::Node, abbrev: &str| {
        layer
            .children
            .iter()
            .find(|n| n.abbrev.as_deref() == Some(abbrev))
            .map(|n| n.value.clone())
    };
    let mut link = None;
    let mut net = None;
    for layer in &d.layers {
        match layer.abbrev.as_deref() {
            Some("ip") => net = field(layer, "ip.src").zip(field(layer, "ip.dst")).or(net),
            Some("ipv6") => {
                net = field(layer, "ipv6.src")
                    .zip(field(layer, "ipv6.dst"))
                    .or(net)
            }
            Some(_) if link.is_none() => {
                link = field(layer, "eth.src").zip(field(layer, "eth.dst"))
            }
            _ => {}
        }
    }
    net.or(link).unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::decode::{IpPair, Protocols, TcpInfo};
    use crate::dissect::dissect;
    use crate::filter::{compile, NoNames};
    use std::net::Ipv6Addr;

    #[test]
    fn address_columns_take_the_innermost_ip_else_the_link() {
        // Ethernet + IPv4 + UDP, 10.0.0.1 -> 10.0.0.2.
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        f.extend_from_slice(&[
            0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x13, 0x88, 0x13,
            0x89, 0, 8, 0, 0,
        ]);
        let (s, d) = address_columns(&dissect(1, &f, f.len() as u32));
        assert_eq!((s.as_str(), d.as_str()), ("10.0.0.1", "10.0.0.2"));
        // ARP: the link addresses.
        let mut arp = vec![0xff; 6];
        arp.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x06]);
        arp.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1]);
        arp.extend_from_slice(&[0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
        let (s, d) = address_columns(&dissect(1, &arp, arp.len() as u32));
        assert_eq!(
            (s.as_str(), d.as_str()),
            ("02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff")
        );
    }

    #[test]
    fn protocol_names_are_sorted() {
        assert!(PROTOCOL_NAMES.windows(2).all(|w| w[0] < w[1]));
    }

    fn v4(x: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, x))
    }

    /// Frames: (source, length, protocol): UDP, TCP, ARP, IPv6 TCP, DNS.
    fn index() -> (PacketIndex, Vec<PacketRecord>) {
        let mut idx = PacketIndex::default();
        let six = IpAddr::V6(Ipv6Addr::LOCALHOST);
        let mut recs = Vec::new();
        let specs: [(Option<IpAddr>, u32, &[Proto]); 6] = [
            (
                Some(v4(9)),
                100,
                &[Proto::Ethernet, Proto::Ipv4, Proto::Udp],
            ),
            (Some(v4(2)), 60, &[Proto::Ethernet, Proto::Ipv4, Proto::Tcp]),
            (None, 42, &[Proto::Ethernet, Proto::Arp]),
            (Some(six), 100, &[Proto::Ethernet, Proto::Ipv6, Proto::Tcp]),
            (
                Some(v4(2)),
                80,
                &[Proto::Ethernet, Proto::Ipv4, Proto::Udp, Proto::Dns],
            ),
            (Some(v4(9)), 60, &[Proto::Ethernet, Proto::Ipv4, Proto::Tcp]),
        ];
        for (i, (src, len, protos)) in specs.into_iter().enumerate() {
            let mut p = Protocols::default();
            protos.iter().for_each(|q| p.insert(*q));
            let tcp = p.contains(Proto::Tcp);
            let r = PacketRecord {
                ts_ns: 1000 + i as i64,
                orig_len: len,
                cap_len: len,
                protocols: p,
                ip: src.map(|s| IpPair { src: s, dst: v4(1) }),
                ip_proto: if tcp {
                    6
                } else if p.contains(Proto::Udp) {
                    17
                } else {
                    0
                },
                tcp: tcp.then(|| TcpInfo {
                    flags: TcpInfo::SYN,
                    ..TcpInfo::default()
                }),
                app: if p.contains(Proto::Dns) {
                    AppProto::Known(Proto::Dns)
                } else {
                    AppProto::None
                },
                ..PacketRecord::default()
            };
            idx.push_record(i as u64 * 100, &r);
            recs.push(r);
        }
        (idx, recs)
    }

    #[test]
    fn sorts_keep_ties_in_order() {
        let (idx, _) = index();
        let all = || (0..6u32).collect::<Vec<_>>();
        let sorted = |key, desc| {
            let mut v = all();
            sort(&idx, &mut v, key, desc);
            v
        };
        assert_eq!(sorted(SortKey::Length, false), vec![2, 1, 5, 4, 0, 3]);
        assert_eq!(sorted(SortKey::Length, true), vec![0, 3, 4, 1, 5, 2]);
        // IPv4 numerically, then IPv6, then no address.
        assert_eq!(sorted(SortKey::Source, false), vec![1, 4, 0, 5, 3, 2]);
        assert_eq!(sorted(SortKey::Source, true), vec![2, 3, 0, 5, 1, 4]);
        assert_eq!(sorted(SortKey::Destination, false), vec![0, 1, 3, 4, 5, 2]);
        // ARP, DNS, TCP, TCP, TCP, UDP.
        assert_eq!(sorted(SortKey::Protocol, false), vec![2, 4, 1, 3, 5, 0]);
        assert_eq!(sorted(SortKey::Time, true), vec![5, 4, 3, 2, 1, 0]);
        assert_eq!(sorted(SortKey::Time, false), all());
        assert_eq!(sorted(SortKey::Number, true), vec![5, 4, 3, 2, 1, 0]);
        // A subset, in any order.
        let mut v = vec![5, 0, 3];
        sort(&idx, &mut v, SortKey::Number, false);
        assert_eq!(v, vec![0, 3, 5]);
        let mut v = vec![5, 1, 3];
        sort(&idx, &mut v, SortKey::Length, false);
        assert_eq!(v, vec![5, 1, 3]);
        assert_eq!(idx.sorted(SortKey::Source), sorted(SortKey::Source, false));
    }

    #[test]
    fn large_selections_sort_by_rank_and_radix() {
        // Enough rows for the rank table, lengths spread past the counting range.
        let mut idx = PacketIndex::default();
        let n = 5000u32;
        let len = |i: u32| (i.wrapping_mul(2_654_435_761) >> 8) % 3_000_000;
        for i in 0..n {
            let mut p = Protocols::default();
            p.insert(Proto::Ipv4);
            let r = PacketRecord {
                orig_len: len(i),
                protocols: p,
                ip: Some(IpPair {
                    src: v4((i % 7) as u8),
                    dst: v4(1),
                }),
                ..PacketRecord::default()
            };
            idx.push_record(0, &r);
        }
        let mut v: Vec<u32> = (0..n).collect();
        sort(&idx, &mut v, SortKey::Length, false);
        let mut want: Vec<u32> = (0..n).collect();
        want.sort_by_key(|&i| len(i));
        assert_eq!(v, want);
        let mut v: Vec<u32> = (0..n).collect();
        sort(&idx, &mut v, SortKey::Source, true);
        let mut want: Vec<u32> = (0..n).collect();
        want.sort_by_key(|&i| std::cmp::Reverse(i % 7));
        assert_eq!(v, want);
    }

    #[test]
    fn tcp_analysis_filters_need_an_analysed_index() {
        let (mut idx, _) = index();
        let f = compile("udp || tcp.analysis.duplicate_ack").unwrap();
        let e = try_select(&idx, &f, &NoNames, Limits::default()).unwrap_err();
        assert_eq!(e.column, 8);
        assert!(
            e.message
                .starts_with("tcp.analysis fields need the TCP analysis"),
            "{e}"
        );
        assert!(check(&idx, &compile("tcp.flags.syn && udp").unwrap()).is_ok());
        // Without the check, nothing matches the flags.
        assert_eq!(select(&idx, &f, &NoNames, Limits::default()).len(), 2);
        idx.set_has_tcp_analysis(true);
        assert_eq!(
            try_select(&idx, &f, &NoNames, Limits::default())
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn select_filters_and_counts_tcp_analysis_flags() {
        let mut idx = PacketIndex::default();
        idx.set_has_tcp_analysis(true);
        let (_, base) = index();
        let flags = [
            0,
            TcpFlags::FAST_RETRANSMISSION | TcpFlags::RETRANSMISSION,
            0,
            TcpFlags::WINDOW_UPDATE,
            0,
            TcpFlags::DUPLICATE_ACK,
        ];
        let recs: Vec<PacketRecord> = base
            .iter()
            .zip(flags)
            .map(|(r, f)| PacketRecord {
                tcp_analysis: f,
                ..*r
            })
            .collect();
        for (i, r) in recs.iter().enumerate() {
            idx.push_record(i as u64, r);
        }
        for (text, want) in [
            ("tcp.analysis.flags", vec![1, 3, 5]),
            ("tcp.analysis.retransmission", vec![1]),
            ("!tcp.analysis.flags && tcp", vec![]),
            ("tcp.analysis.duplicate_ack || udp", vec![0, 4, 5]),
            (
                "tcp.analysis.flags && !tcp.analysis.window_update",
                vec![1, 5],
            ),
        ] {
            let f = compile(text).unwrap();
            let sel = try_select(&idx, &f, &NoNames, Limits::default()).unwrap();
            assert_eq!(sel.positions.as_deref(), Some(&want[..]), "{text}");
            let ctx = |i: usize| EvalContext {
                number: i as u64 + 1,
                first_ts_ns: Some(1000),
                names: &NoNames,
            };
            let by_records: Vec<u32> = (0..recs.len())
                .filter(|&i| f.matches(&recs[i], &ctx(i)))
                .map(|i| i as u32)
                .collect();
            assert_eq!(by_records, want, "{text}");
        }
        let all = select(&idx, &compile("").unwrap(), &NoNames, Limits::default());
        let c = all.tcp_analysis;
        assert_eq!(c.flagged, 3);
        assert_eq!(c.get("flags"), Some(3));
        assert_eq!(c.get("retransmission"), Some(1));
        assert_eq!(c.get("fast_retransmission"), Some(1));
        assert_eq!(c.get("window_update"), Some(1));
        assert_eq!(c.get("duplicate_ack"), Some(1));
        assert_eq!(c.get("zero_window"), Some(0));
        assert_eq!(c.get("nonsense"), None);
        let some = select(
            &idx,
            &compile("ip.src == 10.0.0.9").unwrap(),
            &NoNames,
            Limits::default(),
        );
        assert_eq!((some.len(), some.tcp_analysis.flagged), (2, 1));
        assert_eq!(some.tcp_analysis.get("duplicate_ack"), Some(1));
        // Colours: Bad TCP for the retransmission and the duplicate ACK, not the window update.
        let colours: Vec<Coloring> = (0..recs.len())
            .map(|i| Coloring::of(&idx.record(i).unwrap()))
            .collect();
        assert_eq!(colours[1], Coloring::BadTcp);
        assert_eq!(colours[5], Coloring::BadTcp);
        assert_eq!(colours[3], Coloring::TcpSynFin);
        assert_eq!(colours[0], Coloring::Udp);
    }

    #[test]
    fn bad_tcp_follows_wiresharks_rule() {
        let rec = |flags: u16| PacketRecord {
            protocols: {
                let mut p = Protocols::default();
                p.insert(Proto::Tcp);
                p
            },
            tcp: Some(TcpInfo::default()),
            tcp_analysis: flags,
            ..PacketRecord::default()
        };
        assert_eq!(Coloring::of(&rec(0)), Coloring::Tcp);
        for (bit, name) in TcpFlags::NAMES {
            let want = if matches!(name, "window_update" | "keep_alive" | "keep_alive_ack") {
                Coloring::Tcp
            } else {
                Coloring::BadTcp
            };
            assert_eq!(Coloring::of(&rec(bit)), want, "{name}");
        }
        // A keep-alive that is also flagged otherwise is not Bad TCP (the rule excludes it).
        assert_eq!(
            Coloring::of(&rec(TcpFlags::KEEP_ALIVE | TcpFlags::RETRANSMISSION)),
            Coloring::Tcp
        );
        // First rule: before a reset or damage.
        let mut r = rec(TcpFlags::DUPLICATE_ACK);
        r.malformed = Some(crate::decode::Layer::Transport);
        assert_eq!(Coloring::of(&r), Coloring::BadTcp);
        assert_eq!(
            serde_json::to_string(&Coloring::BadTcp).unwrap(),
            "\"bad-tcp\""
        );
    }

    #[test]
    fn select_filters_and_aggregates_like_records() {
        let (idx, recs) = index();
        for text in [
            "",
            "tcp",
            "not arp",
            "ip.src == 10.0.0.2",
            "frame.len > 70 && udp",
        ] {
            let f = compile(text).unwrap();
            let sel = select(&idx, &f, &NoNames, Limits::default());
            let mut agg = Aggregator::default();
            let mut want = Vec::new();
            for (i, r) in recs.iter().enumerate() {
                let ctx = EvalContext {
                    number: i as u64 + 1,
                    first_ts_ns: Some(1000),
                    names: &NoNames,
                };
                if f.matches(r, &ctx) {
                    agg.push(r);
                    want.push(i as u32);
                }
            }
            assert_eq!(sel.stats.snapshot(None), agg.snapshot(None), "{text}");
            assert_eq!(sel.len(), want.len() as u64);
            match sel.positions {
                Some(p) => assert_eq!(p, want, "{text}"),
                None => assert!(text.is_empty()),
            }
        }
    }
}
