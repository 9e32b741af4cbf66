//! Evaluation: the typed tree lowered to a tree of ready-to-run nodes, where every literal is
//! already a number range (a CIDR block is the range of its addresses) or bytes, so that
//! matching a record allocates nothing and compares machine integers.

use super::ast::{CmpOp, Expr, FieldRef, Operand, SetItem, Value};
use super::fields::{Field, FieldType, ProtoName};
use super::EvalContext;
use crate::capture::NO_TIMESTAMP;
use crate::decode::{AppProto, PacketRecord, Proto};
use std::net::IpAddr;

/// Most occurrences a numeric field has in one record (`ip.addr`: two headers, two addresses).
const MAX_OCC: usize = 4;

/// How the occurrences of a field combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quant {
    /// Some occurrence satisfies the relation.
    Any,
    /// There is an occurrence, and all satisfy it.
    All,
    /// There is an occurrence, and none satisfies it.
    NoneOf,
}

/// A relation between a value `v` and the literal range `lo..=hi` (`lo == hi` for ordering).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rel {
    In,
    Out,
    Lt,
    Le,
    Gt,
    Ge,
}

fn split(op: CmpOp) -> (Quant, Rel) {
    match op {
        CmpOp::Eq => (Quant::Any, Rel::In),
        CmpOp::Ne => (Quant::NoneOf, Rel::In),
        CmpOp::AllEq => (Quant::All, Rel::In),
        CmpOp::AnyNe => (Quant::Any, Rel::Out),
        CmpOp::Lt => (Quant::Any, Rel::Lt),
        CmpOp::Le => (Quant::Any, Rel::Le),
        CmpOp::Gt => (Quant::Any, Rel::Gt),
        CmpOp::Ge => (Quant::Any, Rel::Ge),
    }
}

#[inline]
fn rel<T: Ord + ?Sized>(r: Rel, v: &T, lo: &T, hi: &T) -> bool {
    match r {
        Rel::In => lo <= v && v <= hi,
        Rel::Out => !(lo <= v && v <= hi),
        Rel::Lt => v < lo,
        Rel::Le => v <= lo,
        Rel::Gt => v > hi,
        Rel::Ge => v >= hi,
    }
}

#[inline]
fn quant<T>(q: Quant, vals: &[T], p: impl FnMut(&T) -> bool) -> bool {
    match q {
        Quant::Any => vals.iter().any(p),
        Quant::All => !vals.is_empty() && vals.iter().all(p),
        Quant::NoneOf => !vals.is_empty() && !vals.iter().any(p),
    }
}

/// An inclusive range of text, `lo..=hi` (one text when equal).
pub(crate) type TextRange = (Box<[u8]>, Box<[u8]>);

/// A lowered expression.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Const(bool),
    /// Some protocol of the mask is present.
    Proto(u64),
    Exists(Field),
    /// Some occurrence has a bit of the mask set.
    Masked(Field, u128),
    Num {
        field: Field,
        mask: u128,
        quant: Quant,
        rel: Rel,
        lo: u128,
        hi: u128,
    },
    NumSet {
        field: Field,
        mask: u128,
        ranges: Box<[(u128, u128)]>,
    },
    NumPair {
        a: Field,
        b: Field,
        quant: Quant,
        rel: Rel,
    },
    Text {
        field: Field,
        quant: Quant,
        rel: Rel,
        lo: Box<[u8]>,
        hi: Box<[u8]>,
    },
    TextSet {
        field: Field,
        ranges: Box<[TextRange]>,
    },
    TextPair {
        a: Field,
        b: Field,
        quant: Quant,
        rel: Rel,
    },
    Contains(Field, Box<[u8]>),
    Not(Box<Node>),
    And(Box<[Node]>),
    Or(Box<[Node]>),
}

/// Order-preserving map of a signed time to the unsigned key space.
#[inline]
fn time_key(ns: i64) -> u128 {
    u128::from((ns as u64) ^ (1 << 63))
}

/// The range of keys a literal stands for.
fn key_range(v: &Value) -> (u128, u128) {
    match v {
        Value::Bool(b) => (u128::from(*b), u128::from(*b)),
        Value::UInt(x) => (u128::from(*x), u128::from(*x)),
        Value::Time(ns) => (time_key(*ns), time_key(*ns)),
        Value::Ipv4(a, p) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(*p)).unwrap_or(0);
            let lo = u32::from(*a) & mask;
            (u128::from(lo), u128::from(lo | !mask))
        }
        Value::Ipv6(a, p) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(*p)).unwrap_or(0);
            let lo = u128::from(*a) & mask;
            (lo, lo | !mask)
        }
        Value::Mac(m) => (mac_key(*m), mac_key(*m)),
        // Text never reaches the numeric nodes.
        Value::Str(_) => (0, 0),
    }
}

#[inline]
fn mac_key(m: [u8; 6]) -> u128 {
    m.iter().fold(0u128, |k, &b| (k << 8) | u128::from(b))
}

fn text_of(v: &Value) -> Box<[u8]> {
    match v {
        Value::Str(s) => s.clone(),
        _ => Box::default(),
    }
}

fn mask_of(r: &FieldRef) -> u128 {
    r.mask.map_or(u128::MAX, u128::from)
}

/// Lowers a (type-checked) expression.
pub(crate) fn lower(e: &Expr) -> Node {
    match e {
        Expr::Proto(ProtoName::Frame) => Node::Const(true),
        Expr::Proto(ProtoName::Proto(p)) => Node::Proto(1u64 << (*p as u8)),
        Expr::Exists(FieldRef { field, mask: None }) => Node::Exists(*field),
        Expr::Exists(FieldRef {
            field,
            mask: Some(m),
        }) => Node::Masked(*field, u128::from(*m)),
        Expr::Compare { lhs, op, rhs } => {
            let (quant, rel) = split(*op);
            let text = lhs.field.ty() == FieldType::Str;
            match rhs {
                Operand::Field(b) if text => Node::TextPair {
                    a: lhs.field,
                    b: *b,
                    quant,
                    rel,
                },
                Operand::Field(b) => Node::NumPair {
                    a: lhs.field,
                    b: *b,
                    quant,
                    rel,
                },
                Operand::Value(v) if text => Node::Text {
                    field: lhs.field,
                    quant,
                    rel,
                    lo: text_of(v),
                    hi: text_of(v),
                },
                Operand::Value(v) => {
                    let (lo, hi) = key_range(v);
                    Node::Num {
                        field: lhs.field,
                        mask: mask_of(lhs),
                        quant,
                        rel,
                        lo,
                        hi,
                    }
                }
            }
        }
        Expr::In { lhs, set } if lhs.field.ty() == FieldType::Str => Node::TextSet {
            field: lhs.field,
            ranges: set
                .iter()
                .map(|i| match i {
                    SetItem::One(v) => (text_of(v), text_of(v)),
                    SetItem::Range(a, b) => (text_of(a), text_of(b)),
                })
                .collect(),
        },
        Expr::In { lhs, set } => Node::NumSet {
            field: lhs.field,
            mask: mask_of(lhs),
            ranges: set
                .iter()
                .map(|i| match i {
                    SetItem::One(v) => key_range(v),
                    SetItem::Range(a, b) => (key_range(a).0, key_range(b).1),
                })
                .collect(),
        },
        Expr::Contains { field, needle } => Node::Contains(*field, needle.clone()),
        Expr::Not(e) => Node::Not(Box::new(lower(e))),
        Expr::And(v) => Node::And(v.iter().map(lower).collect()),
        Expr::Or(v) => Node::Or(v.iter().map(lower).collect()),
    }
}

/// Up to [`MAX_OCC`] numeric values.
struct Occ {
    vals: [u128; MAX_OCC],
    n: usize,
}

impl Occ {
    #[inline]
    fn new() -> Self {
        Occ {
            vals: [0; MAX_OCC],
            n: 0,
        }
    }
    #[inline]
    fn push(&mut self, v: u128) {
        if let Some(slot) = self.vals.get_mut(self.n) {
            *slot = v;
            self.n += 1;
        }
    }
    #[inline]
    fn as_slice(&self) -> &[u128] {
        self.vals.get(..self.n).unwrap_or_default()
    }
}

#[inline]
fn ip_key(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

/// The numeric occurrences of `f` in `rec`.
#[inline]
fn nums(f: Field, rec: &PacketRecord, ctx: &EvalContext<'_>) -> Occ {
    let mut o = Occ::new();
    let tcp = rec.tcp;
    let udp = rec.ip_proto == 17 && rec.protocols.contains(Proto::Udp) && tcp.is_none();
    let flag = |bit: u16| tcp.map(|t| u128::from(t.flags & bit != 0));
    let one = |o: &mut Occ, v: Option<u128>| {
        if let Some(v) = v {
            o.push(v);
        }
    };
    match f {
        Field::FrameNumber => o.push(u128::from(ctx.number)),
        Field::FrameLen => o.push(u128::from(rec.orig_len)),
        Field::FrameCapLen => o.push(u128::from(rec.cap_len)),
        Field::FrameTimeRelative => {
            if let (Some(first), true) = (ctx.first_ts_ns, rec.ts_ns != NO_TIMESTAMP) {
                o.push(time_key(rec.ts_ns.saturating_sub(first)));
            }
        }
        Field::EthSrc | Field::EthDst | Field::EthAddr => {
            if let Some((src, dst)) = rec.eth {
                if f != Field::EthDst {
                    o.push(mac_key(src));
                }
                if f != Field::EthSrc {
                    o.push(mac_key(dst));
                }
            }
        }
        Field::VlanId => one(
            &mut o,
            rec.protocols
                .contains(Proto::Vlan)
                .then_some(u128::from(rec.vlan)),
        ),
        Field::IpSrc
        | Field::IpDst
        | Field::IpAddr
        | Field::Ipv6Src
        | Field::Ipv6Dst
        | Field::Ipv6Addr => {
            let v6 = matches!(f, Field::Ipv6Src | Field::Ipv6Dst | Field::Ipv6Addr);
            let src = matches!(
                f,
                Field::IpSrc | Field::IpAddr | Field::Ipv6Src | Field::Ipv6Addr
            );
            let dst = matches!(
                f,
                Field::IpDst | Field::IpAddr | Field::Ipv6Dst | Field::Ipv6Addr
            );
            for p in [rec.ip, rec.tunnel_ip].into_iter().flatten() {
                for (want, a) in [(src, p.src), (dst, p.dst)] {
                    if want && a.is_ipv6() == v6 {
                        o.push(ip_key(a));
                    }
                }
            }
        }
        Field::IpTtl => one(
            &mut o,
            matches!(rec.ip, Some(p) if p.src.is_ipv4()).then_some(u128::from(rec.ttl)),
        ),
        Field::Ipv6Hlim => one(
            &mut o,
            matches!(rec.ip, Some(p) if p.src.is_ipv6()).then_some(u128::from(rec.ttl)),
        ),
        Field::IpProto => one(
            &mut o,
            matches!(rec.inner_ip(), Some(p) if p.src.is_ipv4())
                .then_some(u128::from(rec.ip_proto)),
        ),
        Field::TcpPort | Field::TcpSrcPort | Field::TcpDstPort => {
            if tcp.is_some() {
                if f != Field::TcpDstPort {
                    o.push(u128::from(rec.src_port));
                }
                if f != Field::TcpSrcPort {
                    o.push(u128::from(rec.dst_port));
                }
            }
        }
        Field::UdpPort | Field::UdpSrcPort | Field::UdpDstPort => {
            if udp {
                if f != Field::UdpDstPort {
                    o.push(u128::from(rec.src_port));
                }
                if f != Field::UdpSrcPort {
                    o.push(u128::from(rec.dst_port));
                }
            }
        }
        Field::TcpFlags => one(&mut o, tcp.map(|t| u128::from(t.flags & 0xfff))),
        Field::TcpFin => one(&mut o, flag(0x01)),
        Field::TcpSyn => one(&mut o, flag(0x02)),
        Field::TcpReset => one(&mut o, flag(0x04)),
        Field::TcpPush => one(&mut o, flag(0x08)),
        Field::TcpAck => one(&mut o, flag(0x10)),
        Field::TcpUrg => one(&mut o, flag(0x20)),
        Field::TcpEce => one(&mut o, flag(0x40)),
        Field::TcpCwr => one(&mut o, flag(0x80)),
        Field::TcpAe => one(&mut o, flag(0x100)),
        Field::TcpLen => one(&mut o, tcp.map(|t| u128::from(t.payload_len))),
        Field::TcpWindowSizeValue => one(&mut o, tcp.map(|t| u128::from(t.window))),
        Field::IcmpType | Field::IcmpCode | Field::Icmpv6Type | Field::Icmpv6Code => {
            let want = if matches!(f, Field::IcmpType | Field::IcmpCode) {
                1
            } else {
                58
            };
            if let (Some((ty, code)), true) = (rec.icmp, rec.ip_proto == want) {
                let v = if matches!(f, Field::IcmpType | Field::Icmpv6Type) {
                    ty
                } else {
                    code
                };
                o.push(u128::from(v));
            }
        }
        Field::DnsId => one(&mut o, rec.dns.map(|d| u128::from(d.id))),
        Field::DnsResponse => one(&mut o, rec.dns.map(|d| u128::from(d.response))),
        Field::DnsRcode => one(
            &mut o,
            rec.dns.filter(|d| d.response).map(|d| u128::from(d.rcode)),
        ),
        Field::DnsQryType => one(
            &mut o,
            rec.dns
                .filter(|d| d.qtype != 0)
                .map(|d| u128::from(d.qtype)),
        ),
        Field::DnsCountAnswers => one(&mut o, rec.dns.map(|d| u128::from(d.answers))),
        Field::DnsQryName | Field::TlsSni | Field::HttpHost => {}
        // Labels: one occurrence when present.
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
        | Field::TcpAnalysisSpuriousRetransmission => one(
            &mut o,
            f.tcp_analysis_mask()
                .is_some_and(|m| rec.tcp_analysis & m != 0)
                .then_some(1),
        ),
    }
    o
}

/// The text of a text field, if the record has it.
#[inline]
fn text<'n>(f: Field, rec: &PacketRecord, ctx: &EvalContext<'n>) -> Option<&'n [u8]> {
    if rec.name.0 == 0 {
        return None;
    }
    let AppProto::Known(app) = rec.app else {
        return None;
    };
    let ok = match f {
        Field::DnsQryName => matches!(app, Proto::Dns | Proto::Mdns | Proto::Llmnr),
        Field::TlsSni => app == Proto::Tls,
        Field::HttpHost => app == Proto::Http,
        _ => false,
    };
    if !ok {
        return None;
    }
    ctx.names.name(rec.name).map(str::as_bytes)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    // Wireshark 4.0: `contains ""` matches nothing.
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

impl Node {
    /// Whether `rec` matches.
    pub(crate) fn eval(&self, rec: &PacketRecord, ctx: &EvalContext<'_>) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::Proto(m) => rec.protocols.0 & m != 0,
            Node::Exists(f) => {
                if f.ty() == FieldType::Str {
                    text(*f, rec, ctx).is_some()
                } else {
                    nums(*f, rec, ctx).n > 0
                }
            }
            Node::Masked(f, m) => nums(*f, rec, ctx).as_slice().iter().any(|v| v & m != 0),
            Node::Num {
                field,
                mask,
                quant: q,
                rel: r,
                lo,
                hi,
            } => {
                let o = nums(*field, rec, ctx);
                quant(*q, o.as_slice(), |v| rel(*r, &(v & mask), lo, hi))
            }
            Node::NumSet {
                field,
                mask,
                ranges,
            } => {
                let o = nums(*field, rec, ctx);
                o.as_slice().iter().any(|v| {
                    let v = v & mask;
                    ranges.iter().any(|(lo, hi)| *lo <= v && v <= *hi)
                })
            }
            Node::NumPair {
                a,
                b,
                quant: q,
                rel: r,
            } => {
                let (x, y) = (nums(*a, rec, ctx), nums(*b, rec, ctx));
                let ys = y.as_slice();
                if ys.is_empty() {
                    return false;
                }
                pairs(*q, x.as_slice(), ys, |u, v| rel(*r, u, v, v))
            }
            Node::Text {
                field,
                quant: q,
                rel: r,
                lo,
                hi,
            } => {
                let t = text(*field, rec, ctx);
                quant(*q, t.as_slice(), |s| rel(*r, *s, &lo[..], &hi[..]))
            }
            Node::TextSet { field, ranges } => text(*field, rec, ctx)
                .is_some_and(|s| ranges.iter().any(|(lo, hi)| &lo[..] <= s && s <= &hi[..])),
            Node::TextPair {
                a,
                b,
                quant: q,
                rel: r,
            } => match (text(*a, rec, ctx), text(*b, rec, ctx)) {
                (Some(x), Some(y)) => pairs(*q, &[x], &[y], |u, v| rel(*r, *u, *v, *v)),
                _ => false,
            },
            Node::Contains(f, needle) => text(*f, rec, ctx).is_some_and(|s| contains(s, needle)),
            Node::Not(n) => !n.eval(rec, ctx),
            Node::And(v) => v.iter().all(|n| n.eval(rec, ctx)),
            Node::Or(v) => v.iter().any(|n| n.eval(rec, ctx)),
        }
    }
}

/// `quant` over every pair of occurrences (both sides present).
fn pairs<T>(q: Quant, xs: &[T], ys: &[T], p: impl Fn(&T, &T) -> bool) -> bool {
    if ys.is_empty() {
        return false;
    }
    match q {
        Quant::Any => xs.iter().any(|x| ys.iter().any(|y| p(x, y))),
        Quant::All => !xs.is_empty() && xs.iter().all(|x| ys.iter().all(|y| p(x, y))),
        Quant::NoneOf => !xs.is_empty() && !xs.iter().any(|x| ys.iter().any(|y| p(x, y))),
    }
}
