//! Display filters in Wireshark's language: text to a typed, checked [`Filter`], then a fast
//! match over [`PacketRecord`]s.
//!
//! ```
//! use pcapscope::decode::PacketRecord;
//! use pcapscope::filter::{compile, EvalContext, NoNames};
//!
//! let f = compile("ip.addr == 10.0.0.0/8 && tcp.port in {80, 443, 8000..8080}").unwrap();
//! let ctx = EvalContext { number: 1, first_ts_ns: Some(0), names: &NoNames };
//! assert!(!f.matches(&PacketRecord::default(), &ctx));
//!
//! let err = compile("ip.sorce == 10.0.0.1").unwrap_err();
//! assert_eq!(err.to_string(), "unknown field 'ip.sorce' (did you mean 'ip.src'?) at column 1");
//! ```
//!
//! # The language
//!
//! - A **protocol name** is a test: true when the protocol appears at any layer of the packet
//!   (tunnelled and ICMP-quoted headers included, as in Wireshark). Every [`Proto::name`] is
//!   accepted, and Wireshark's spellings where they differ: `ip` (IPv4), `eth`, `pop`, `ssl`
//!   (TLS); `frame` is true for every packet. See [`fields`] for what each name covers.
//! - A **field** alone tests that the packet has it (`tcp.flags.syn` is true for every TCP
//!   packet, as in Wireshark); `field & MASK` tests that some bit of the mask is set.
//! - A **label** is a field with no value, only tested for presence, as in Wireshark: the
//!   TCP analysis flags `tcp.analysis.retransmission`, `tcp.analysis.duplicate_ack`, ...
//!   (every name of [`TcpFlags::NAMES`](crate::health::tcp::TcpFlags::NAMES)), and
//!   `tcp.analysis.flags`, present when any of them is. `tcp.analysis.retransmission` also
//!   holds for fast and spurious retransmissions. The flags are computed by the TCP analysis,
//!   not the decoder: over records without it ([`PacketRecord::tcp_analysis`] 0) they are
//!   absent, and over an index built without it [`crate::view::try_select`] refuses them.
//! - **Comparisons** `==` `!=` `<` `<=` `>` `>=` (or `eq ne lt le gt ge`), `===` (`all_eq`)
//!   and `~=` / `!==` (`any_ne`), against a literal or a field of the same type. A field may
//!   occur several times in a packet (`ip.addr`: source and destination, outer and tunnelled
//!   header): `==` and the orderings hold when some occurrence satisfies them, `!=` when none
//!   equals (Wireshark 4.0: `ip.addr != X` excludes packets from or to X), `===` when all
//!   equal, `~=` when some differs. Every comparison is false when the packet lacks the field.
//! - **Sets**: `field in {80, 443, 8000..8080}` (commas as in Wireshark 4.0, or spaces as in
//!   Wireshark 3; ranges include both ends); `field not in {...}` is `!(field in {...})`.
//! - **Text**: `contains` (bytes, case-sensitive), comparisons, sets. `matches` (regular
//!   expressions) is refused with a message.
//! - **Logic**: `!`/`not` binds tightest, then `&&`/`and`, then `||`/`or`; parentheses.
//! - **Literals** are read by the type of the field: integers in decimal, `0x` hex, `0b`
//!   binary or `0`-prefixed octal; flags as `1`/`0`/`True`/`False`; times as seconds with up
//!   to nine decimals; IPv4 and IPv6 addresses with an optional `/prefix` (a CIDR block, for
//!   `==`, `!=`, `===`, `~=` and sets); MAC addresses as `00:11:22:33:44:55` (also `-` or `.`
//!   separated, `0011.2233.4455`, or twelve hex digits); text in double quotes with C escapes
//!   (`\"`, `\\`, `\n`, `\x41`, `\101`, `\u00e9`), or unquoted when it is not a name.
//! - An empty filter matches every packet.
//!
//! Errors carry the column (1-based, in characters) and a message for people; an error at the
//! end of the text has the column just past its last character.
//!
//! The tree ([`Expr`]) prints back as canonical text ([`Filter`]'s `Display`), which parses to
//! the same tree.
//!
//! # Where results can differ from Wireshark's
//!
//! Filters run over [`PacketRecord`], a fixed-size summary, not over the dissection tree, so
//! some occurrences of a field that Wireshark sees are not there (`tests/filter_corpus.rs`
//! keeps one tshark-checked example of each):
//!
//! - headers quoted inside ICMP errors add their protocols, but none of their fields (the
//!   quoted `ip.ttl`, `icmp.type`, `udp.port`);
//! - IP addresses come from the outermost and the innermost tunnelled header; `ip.ttl` /
//!   `ipv6.hlim` from the outermost, `ip.proto` from the innermost; ports from the innermost
//!   transport only (not a Teredo or VXLAN tunnel's outer UDP); Ethernet addresses and
//!   `vlan.id` from the outermost header and tag;
//! - `dns.id`, `dns.flags.*`, `dns.qry.type`, `dns.count.answers` exist for DNS (port 53),
//!   not for mDNS or LLMNR; `dns.qry.name` is the first question's name, for all three;
//! - the text fields are the one name the decoder keeps per packet, in lowercase with
//!   unprintable bytes as `?`, so a literal with capitals does not match (Wireshark's text
//!   comparisons are case-sensitive, and so are these); SSDP's Host is not kept;
//! - there are no packet bytes: `tcp contains "GET"`, slices, functions and regular
//!   expressions are refused with a message.
//!
//! Where tshark 4.0 silently matches nothing, these filters give an error instead: a negative
//! integer, a protocol compared with a value (`tcp == 1`).

mod ast;
pub mod compose;
mod eval;
pub mod fields;
mod lexer;
mod parser;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

pub use ast::{CmpOp, Expr, FieldRef, Operand, SetItem, Value};
pub use fields::{Field, FieldType, ProtoName};
pub use parser::MAX_NESTING;

#[cfg(doc)]
use crate::decode::Proto;
use crate::decode::{Decoder, NameId, PacketRecord};
use std::fmt;

/// A filter that could not be compiled: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Column of the problem, from 1, counted in characters; one past the end of the text
    /// when something is missing at the end.
    pub column: usize,
    /// What is wrong, for people.
    pub message: String,
}

impl FilterError {
    pub(crate) fn new(column: usize, message: String) -> Self {
        FilterError { column, message }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {}", self.message, self.column)
    }
}

impl std::error::Error for FilterError {}

/// The side table of names (DNS query name, TLS SNI, HTTP Host) a record's [`NameId`] refers
/// to.
pub trait Names {
    /// The name with this id.
    fn name(&self, id: NameId) -> Option<&str>;
}

impl Names for Decoder {
    fn name(&self, id: NameId) -> Option<&str> {
        Decoder::name(self, id)
    }
}

/// No names: the text fields are absent from every packet.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNames;

impl Names for NoNames {
    fn name(&self, _: NameId) -> Option<&str> {
        None
    }
}

/// What matching needs beyond the record itself.
#[derive(Clone, Copy)]
pub struct EvalContext<'a> {
    /// The packet's frame number, from 1 (`frame.number`).
    pub number: u64,
    /// Timestamp of the first frame of the capture, ns since the epoch, the reference of
    /// `frame.time_relative` (Wireshark's default); `None` when it has none.
    pub first_ts_ns: Option<i64>,
    /// Where the record's [`PacketRecord::name`] is looked up.
    pub names: &'a dyn Names,
}

impl fmt::Debug for EvalContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EvalContext")
            .field("number", &self.number)
            .field("first_ts_ns", &self.first_ts_ns)
            .finish_non_exhaustive()
    }
}

/// A compiled filter.
#[derive(Debug, Clone)]
pub struct Filter {
    expr: Option<Expr>,
    node: eval::Node,
    /// Each field read, with the column of its first appearance in the text.
    columns: Vec<(Field, usize)>,
}

/// Compiles filter text; an empty or blank text gives a filter that matches every packet.
pub fn compile(text: &str) -> Result<Filter, FilterError> {
    let (expr, columns) = parser::parse(text)?;
    let node = expr.as_ref().map_or(eval::Node::Const(true), eval::lower);
    Ok(Filter {
        expr,
        node,
        columns,
    })
}

impl Filter {
    /// Whether `rec` passes the filter.
    #[inline]
    pub fn matches(&self, rec: &PacketRecord, ctx: &EvalContext<'_>) -> bool {
        self.node.eval(rec, ctx)
    }

    /// The typed tree; `None` for the empty filter.
    pub fn expr(&self) -> Option<&Expr> {
        self.expr.as_ref()
    }

    /// Whether this is the empty filter, which matches everything.
    pub fn is_empty(&self) -> bool {
        self.expr.is_none()
    }

    /// The column (from 1, in characters) where `field` first appears in the filter's text,
    /// for an error about it found after compiling (see [`crate::view::try_select`]).
    pub fn field_column(&self, field: Field) -> Option<usize> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|&(_, c)| c)
    }

    /// The fields the filter reads (each once, in order of appearance), for a caller that
    /// wants to know whether a cheaper source than a full record has them.
    pub fn fields(&self) -> Vec<Field> {
        fn walk(e: &Expr, out: &mut Vec<Field>) {
            let mut add = |f: Field| {
                if !out.contains(&f) {
                    out.push(f);
                }
            };
            match e {
                Expr::Proto(_) => {}
                Expr::Exists(r) | Expr::In { lhs: r, .. } => add(r.field),
                Expr::Compare { lhs, rhs, .. } => {
                    add(lhs.field);
                    if let Operand::Field(f) = rhs {
                        add(*f);
                    }
                }
                Expr::Contains { field, .. } => add(*field),
                Expr::Not(e) => walk(e, out),
                Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| walk(e, out)),
            }
        }
        let mut out = Vec::new();
        if let Some(e) = &self.expr {
            walk(e, &mut out);
        }
        out
    }
}

/// The canonical text of the filter (parses back to the same tree).
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.expr {
            Some(e) => e.fmt(f),
            None => Ok(()),
        }
    }
}

/// Filters are equal when their trees are.
impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        self.expr == other.expr
    }
}
