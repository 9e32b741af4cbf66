//! The names a filter can use: fields (with their types) and protocols.

use crate::decode::Proto;
use crate::health::tcp::TcpFlags;
use std::fmt;

/// The type of a field's values; it decides which literals and operators a comparison takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// A flag: compared with `1`/`0` or `True`/`False` (any non-zero number is true).
    Bool,
    /// An unsigned integer of `bits` bits (literals in decimal, `0x` hex, `0` octal, `0b`
    /// binary).
    UInt {
        /// Width of the field: the largest literal accepted is `2^bits - 1`.
        bits: u8,
    },
    /// A time relative to the first frame, in seconds (`1.5`, `-0.25`, up to 9 decimals).
    RelTime,
    /// An IPv4 address (`10.0.0.1`, `10.0.0.0/8`).
    Ipv4,
    /// An IPv6 address (`fe80::1`, `2001:db8::/32`).
    Ipv6,
    /// An Ethernet address (`00:11:22:33:44:55`, also with `-` or `.` separators).
    Mac,
    /// Text (quoted, `"example.com"`, or a bare word).
    Str,
    /// A label (Wireshark's `FT_NONE`, such as `tcp.analysis.retransmission`): present or
    /// not, never compared.
    Label,
}

impl FieldType {
    /// The largest value a literal of this type may have (integers only).
    pub fn max(self) -> u64 {
        match self {
            FieldType::Bool => 1,
            FieldType::UInt { bits } if bits >= 64 => u64::MAX,
            FieldType::UInt { bits } => (1u64 << bits) - 1,
            _ => u64::MAX,
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldType::Bool => f.write_str("a flag (0 or 1)"),
            FieldType::UInt { bits } => write!(f, "an unsigned {bits}-bit integer"),
            FieldType::RelTime => f.write_str("a time in seconds"),
            FieldType::Ipv4 => f.write_str("an IPv4 address"),
            FieldType::Ipv6 => f.write_str("an IPv6 address"),
            FieldType::Mac => f.write_str("an Ethernet address"),
            FieldType::Str => f.write_str("text"),
            FieldType::Label => f.write_str("a label (tested for presence only)"),
        }
    }
}

macro_rules! fields {
    ($($(#[$m:meta])* $variant:ident = $name:literal, $ty:expr;)*) => {
        /// A field of a packet, named as in Wireshark.
        ///
        /// A field has zero or more occurrences in a packet (`ip.addr` has one per source and
        /// destination of every IPv4 header the record keeps); a comparison is true when some
        /// occurrence satisfies it, and false when the packet has none.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Field {
            $($(#[$m])* $variant,)*
        }

        impl Field {
            /// Every field, in the order of the documentation.
            pub const ALL: &'static [Field] = &[$(Field::$variant,)*];

            /// The field's name in filters (Wireshark's).
            pub fn name(self) -> &'static str {
                match self {
                    $(Field::$variant => $name,)*
                }
            }

            /// The type of the field's values.
            pub fn ty(self) -> FieldType {
                match self {
                    $(Field::$variant => $ty,)*
                }
            }
        }
    };
}

const U8: FieldType = FieldType::UInt { bits: 8 };
const U16: FieldType = FieldType::UInt { bits: 16 };
const U32: FieldType = FieldType::UInt { bits: 32 };
const B: FieldType = FieldType::Bool;
const L: FieldType = FieldType::Label;

fields! {
    /// Frame number, from 1 (from the [`EvalContext`](super::EvalContext)).
    FrameNumber = "frame.number", U32;
    /// Original length of the frame.
    FrameLen = "frame.len", U32;
    /// Captured length of the frame.
    FrameCapLen = "frame.cap_len", U32;
    /// Seconds since the first frame (from the [`EvalContext`](super::EvalContext)).
    FrameTimeRelative = "frame.time_relative", FieldType::RelTime;
    /// Source MAC of the outermost Ethernet header.
    EthSrc = "eth.src", FieldType::Mac;
    /// Destination MAC of the outermost Ethernet header.
    EthDst = "eth.dst", FieldType::Mac;
    /// Source or destination MAC of the outermost Ethernet header.
    EthAddr = "eth.addr", FieldType::Mac;
    /// VLAN id of the outermost 802.1Q tag.
    VlanId = "vlan.id", FieldType::UInt { bits: 12 };
    /// Source of the outermost and of the innermost tunnelled IPv4 header.
    IpSrc = "ip.src", FieldType::Ipv4;
    /// Destination of the outermost and of the innermost tunnelled IPv4 header.
    IpDst = "ip.dst", FieldType::Ipv4;
    /// Any source or destination of [`Field::IpSrc`] and [`Field::IpDst`].
    IpAddr = "ip.addr", FieldType::Ipv4;
    /// TTL of the outermost IP header, when it is IPv4.
    IpTtl = "ip.ttl", U8;
    /// Protocol field of the innermost IP header, when it is IPv4.
    IpProto = "ip.proto", U8;
    /// Source of the outermost and of the innermost tunnelled IPv6 header.
    Ipv6Src = "ipv6.src", FieldType::Ipv6;
    /// Destination of the outermost and of the innermost tunnelled IPv6 header.
    Ipv6Dst = "ipv6.dst", FieldType::Ipv6;
    /// Any source or destination of [`Field::Ipv6Src`] and [`Field::Ipv6Dst`].
    Ipv6Addr = "ipv6.addr", FieldType::Ipv6;
    /// Hop limit of the outermost IP header, when it is IPv6.
    Ipv6Hlim = "ipv6.hlim", U8;
    /// Source or destination port of the innermost TCP header.
    TcpPort = "tcp.port", U16;
    /// Source port of the innermost TCP header.
    TcpSrcPort = "tcp.srcport", U16;
    /// Destination port of the innermost TCP header.
    TcpDstPort = "tcp.dstport", U16;
    /// The 12 flag bits of the innermost TCP header (`tcp.flags & 0x12`).
    TcpFlags = "tcp.flags", FieldType::UInt { bits: 12 };
    /// FIN flag.
    TcpFin = "tcp.flags.fin", B;
    /// SYN flag.
    TcpSyn = "tcp.flags.syn", B;
    /// RST flag.
    TcpReset = "tcp.flags.reset", B;
    /// PSH flag.
    TcpPush = "tcp.flags.push", B;
    /// ACK flag.
    TcpAck = "tcp.flags.ack", B;
    /// URG flag.
    TcpUrg = "tcp.flags.urg", B;
    /// ECE flag.
    TcpEce = "tcp.flags.ece", B;
    /// CWR flag.
    TcpCwr = "tcp.flags.cwr", B;
    /// AE (formerly NS) flag.
    TcpAe = "tcp.flags.ae", B;
    /// TCP payload length.
    TcpLen = "tcp.len", U32;
    /// TCP window field, unscaled.
    TcpWindowSizeValue = "tcp.window_size_value", U16;
    /// Source or destination port of the innermost UDP header.
    UdpPort = "udp.port", U16;
    /// Source port of the innermost UDP header.
    UdpSrcPort = "udp.srcport", U16;
    /// Destination port of the innermost UDP header.
    UdpDstPort = "udp.dstport", U16;
    /// ICMP type (innermost ICMP header, outside quoted headers).
    IcmpType = "icmp.type", U8;
    /// ICMP code.
    IcmpCode = "icmp.code", U8;
    /// ICMPv6 type (innermost ICMPv6 header, outside quoted headers).
    Icmpv6Type = "icmpv6.type", U8;
    /// ICMPv6 code.
    Icmpv6Code = "icmpv6.code", U8;
    /// DNS transaction id (DNS on port 53; not mDNS or LLMNR).
    DnsId = "dns.id", U16;
    /// DNS QR bit: the message is a response.
    DnsResponse = "dns.flags.response", B;
    /// DNS response code (responses only).
    DnsRcode = "dns.flags.rcode", FieldType::UInt { bits: 4 };
    /// Type of the first DNS question.
    DnsQryType = "dns.qry.type", U16;
    /// Number of answers in the DNS message.
    DnsCountAnswers = "dns.count.answers", U16;
    /// Name of the first question of a DNS, mDNS or LLMNR message (as the decoder keeps it:
    /// lowercase, non-printable bytes as `?`).
    DnsQryName = "dns.qry.name", FieldType::Str;
    /// Server name (SNI) of a TLS ClientHello.
    TlsSni = "tls.handshake.extensions_server_name", FieldType::Str;
    /// Host header of an HTTP request.
    HttpHost = "http.host", FieldType::Str;
    /// Some `tcp.analysis.*` flag is set (Wireshark's "TCP Analysis Flags" tree, which its
    /// "Bad TCP" colouring rule tests; it includes `window_update`). The flags come from the
    /// TCP analysis ([`crate::health::tcp::TcpFlags`]): see
    /// [`PacketRecord::tcp_analysis`](crate::decode::PacketRecord::tcp_analysis).
    TcpAnalysisFlags = "tcp.analysis.flags", L;
    /// A retransmission: plain, fast or spurious (as in Wireshark, where the fast and spurious
    /// ones also carry this flag).
    TcpAnalysisRetransmission = "tcp.analysis.retransmission", L;
    /// The previous segment was not captured.
    TcpAnalysisLostSegment = "tcp.analysis.lost_segment", L;
    /// The segment acknowledges data that was not captured.
    TcpAnalysisAckLostSegment = "tcp.analysis.ack_lost_segment", L;
    /// A keep-alive.
    TcpAnalysisKeepAlive = "tcp.analysis.keep_alive", L;
    /// A duplicate ACK.
    TcpAnalysisDuplicateAck = "tcp.analysis.duplicate_ack", L;
    /// A zero window.
    TcpAnalysisZeroWindow = "tcp.analysis.zero_window", L;
    /// A zero-window probe.
    TcpAnalysisZeroWindowProbe = "tcp.analysis.zero_window_probe", L;
    /// The ACK of a zero-window probe.
    TcpAnalysisZeroWindowProbeAck = "tcp.analysis.zero_window_probe_ack", L;
    /// The ACK of a keep-alive.
    TcpAnalysisKeepAliveAck = "tcp.analysis.keep_alive_ack", L;
    /// An out-of-order segment.
    TcpAnalysisOutOfOrder = "tcp.analysis.out_of_order", L;
    /// A fast retransmission.
    TcpAnalysisFastRetransmission = "tcp.analysis.fast_retransmission", L;
    /// A window update.
    TcpAnalysisWindowUpdate = "tcp.analysis.window_update", L;
    /// The segment fills the receiver's window.
    TcpAnalysisWindowFull = "tcp.analysis.window_full", L;
    /// A SYN reusing the ports of an earlier connection.
    TcpAnalysisReusedPorts = "tcp.analysis.reused_ports", L;
    /// A spurious retransmission.
    TcpAnalysisSpuriousRetransmission = "tcp.analysis.spurious_retransmission", L;
}

impl Field {
    /// For a `tcp.analysis.*` field, the [`TcpFlags`] bits of which one set makes the field
    /// present (all of them for `tcp.analysis.flags`; plain, fast and spurious retransmissions
    /// for `tcp.analysis.retransmission`); `None` for other fields.
    pub fn tcp_analysis_mask(self) -> Option<u16> {
        Some(match self {
            Field::TcpAnalysisFlags => u16::MAX,
            Field::TcpAnalysisRetransmission => {
                TcpFlags::RETRANSMISSION
                    | TcpFlags::FAST_RETRANSMISSION
                    | TcpFlags::SPURIOUS_RETRANSMISSION
            }
            Field::TcpAnalysisLostSegment => TcpFlags::LOST_SEGMENT,
            Field::TcpAnalysisAckLostSegment => TcpFlags::ACK_LOST_SEGMENT,
            Field::TcpAnalysisKeepAlive => TcpFlags::KEEP_ALIVE,
            Field::TcpAnalysisDuplicateAck => TcpFlags::DUPLICATE_ACK,
            Field::TcpAnalysisZeroWindow => TcpFlags::ZERO_WINDOW,
            Field::TcpAnalysisZeroWindowProbe => TcpFlags::ZERO_WINDOW_PROBE,
            Field::TcpAnalysisZeroWindowProbeAck => TcpFlags::ZERO_WINDOW_PROBE_ACK,
            Field::TcpAnalysisKeepAliveAck => TcpFlags::KEEP_ALIVE_ACK,
            Field::TcpAnalysisOutOfOrder => TcpFlags::OUT_OF_ORDER,
            Field::TcpAnalysisFastRetransmission => TcpFlags::FAST_RETRANSMISSION,
            Field::TcpAnalysisWindowUpdate => TcpFlags::WINDOW_UPDATE,
            Field::TcpAnalysisWindowFull => TcpFlags::WINDOW_FULL,
            Field::TcpAnalysisReusedPorts => TcpFlags::REUSED_PORTS,
            Field::TcpAnalysisSpuriousRetransmission => TcpFlags::SPURIOUS_RETRANSMISSION,
            _ => return None,
        })
    }

    /// Whether the field is one of the `tcp.analysis.*` flags, which only the TCP analysis
    /// sets (see [`crate::view::try_select`]).
    pub fn is_tcp_analysis(self) -> bool {
        self.tcp_analysis_mask().is_some()
    }
}

/// Other spellings Wireshark accepts for a field.
const FIELD_ALIASES: &[(&str, Field)] = &[("ssl.handshake.extensions_server_name", Field::TlsSni)];

/// What a protocol name in a filter tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtoName {
    /// `frame`: every packet.
    Frame,
    /// A protocol of the record's set.
    Proto(Proto),
}

impl ProtoName {
    /// The canonical spelling: Wireshark's where it has one (`ip`, `eth`), else
    /// [`Proto::name`].
    pub fn name(self) -> &'static str {
        match self {
            ProtoName::Frame => "frame",
            ProtoName::Proto(p) => PROTO_ALIASES
                .iter()
                .find(|(_, q)| *q == p)
                .map_or(p.name(), |(n, _)| *n),
        }
    }
}

/// Wireshark's names for protocols whose [`Proto::name`] differs (the first of a protocol is
/// its canonical name); [`Proto::name`] is accepted too.
const PROTO_ALIASES: &[(&str, Proto)] = &[
    ("eth", Proto::Ethernet),
    ("ip", Proto::Ipv4),
    ("pop", Proto::Pop3),
    // A deprecated alias Wireshark 4.0 still accepts.
    ("ssl", Proto::Tls),
];

/// What a name in a filter refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Name {
    Field(Field),
    Proto(ProtoName),
}

/// Resolves a field or protocol name (case-sensitive, as in Wireshark).
pub(crate) fn lookup(name: &str) -> Option<Name> {
    if let Some(f) = Field::ALL.iter().find(|f| f.name() == name) {
        return Some(Name::Field(*f));
    }
    if let Some((_, f)) = FIELD_ALIASES.iter().find(|(n, _)| *n == name) {
        return Some(Name::Field(*f));
    }
    if name == "frame" {
        return Some(Name::Proto(ProtoName::Frame));
    }
    if let Some((_, p)) = PROTO_ALIASES.iter().find(|(n, _)| *n == name) {
        return Some(Name::Proto(ProtoName::Proto(*p)));
    }
    Proto::from_name(name).map(|p| Name::Proto(ProtoName::Proto(p)))
}

/// Every name a filter accepts (fields, then protocols), for suggestions and completion.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    Field::ALL
        .iter()
        .map(|f| f.name())
        .chain(FIELD_ALIASES.iter().map(|(n, _)| *n))
        .chain(std::iter::once("frame"))
        .chain(PROTO_ALIASES.iter().map(|(n, _)| *n))
        .chain(Proto::ALL.iter().map(|p| p.name()))
}

/// The known name closest to `name`, if one is close enough to be a likely typo.
pub(crate) fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if lookup(&lower).is_some() {
        // `TCP`, `Ip.Src`: names are case-sensitive.
        return all_names().find(|n| *n == lower);
    }
    let limit = (name.chars().count() / 3).clamp(1, 3);
    all_names()
        .map(|n| (distance(&lower, n), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Optimal string alignment distance (Levenshtein plus transpositions), on chars.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Rows i-2, i-1 and i of the table.
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve() {
        assert_eq!(lookup("ip.src"), Some(Name::Field(Field::IpSrc)));
        assert_eq!(
            lookup("ip"),
            Some(Name::Proto(ProtoName::Proto(Proto::Ipv4)))
        );
        assert_eq!(
            lookup("ipv4"),
            Some(Name::Proto(ProtoName::Proto(Proto::Ipv4)))
        );
        assert_eq!(
            lookup("eth"),
            Some(Name::Proto(ProtoName::Proto(Proto::Ethernet)))
        );
        assert_eq!(lookup("frame"), Some(Name::Proto(ProtoName::Frame)));
        assert_eq!(lookup("TCP"), None);
        for p in Proto::ALL {
            assert_eq!(lookup(p.name()), Some(Name::Proto(ProtoName::Proto(*p))));
            // The canonical name resolves back to the protocol.
            assert_eq!(
                lookup(ProtoName::Proto(*p).name()),
                Some(Name::Proto(ProtoName::Proto(*p)))
            );
        }
        for f in Field::ALL {
            assert_eq!(lookup(f.name()), Some(Name::Field(*f)));
        }
    }

    #[test]
    fn tcp_analysis_fields_are_the_health_layers_flags() {
        let labels: Vec<Field> = Field::ALL
            .iter()
            .copied()
            .filter(|f| f.ty() == FieldType::Label)
            .collect();
        assert_eq!(labels.len(), TcpFlags::NAMES.len() + 1);
        assert!(labels.iter().all(|f| f.is_tcp_analysis()));
        assert_eq!(
            Field::ALL.iter().filter(|f| f.is_tcp_analysis()).count(),
            labels.len()
        );
        for (_, name) in TcpFlags::NAMES {
            let full = format!("tcp.analysis.{name}");
            let Some(Name::Field(f)) = lookup(&full) else {
                panic!("{full} is not a field");
            };
            let mask = f.tcp_analysis_mask().unwrap();
            // Present exactly when TcpFlags::matches says so, for every single flag.
            for (bit, _) in TcpFlags::NAMES {
                assert_eq!(
                    mask & bit != 0,
                    TcpFlags(bit).matches(name),
                    "{full} on {bit:#x}"
                );
            }
        }
        assert_eq!(
            Field::TcpAnalysisFlags.tcp_analysis_mask().unwrap() & 0x7fff,
            0x7fff
        );
        assert_eq!(Field::TcpPort.tcp_analysis_mask(), None);
        assert_eq!(
            suggest("tcp.analysis.retransmision"),
            Some("tcp.analysis.retransmission")
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("ip.sorce"), Some("ip.src"));
        assert_eq!(suggest("tcp.prot"), Some("tcp.port"));
        assert_eq!(suggest("TCP"), Some("tcp"));
        assert_eq!(suggest("zzzzzzzz"), None);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "abc"), 3);
    }
}
