//! The typed syntax tree of a filter, and its canonical text ([`fmt::Display`]): printing a
//! tree and parsing the text gives the same tree.

use super::fields::{Field, ProtoName};
use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

/// A filter expression. Trees made by the parser are normal: an `And` or `Or` has at least two
/// operands, none of them of the same kind (`a && (b && c)` is one `And` of three).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A protocol is present (`tcp`, `dns`, `frame`).
    Proto(ProtoName),
    /// A field is present (`tcp.flags.syn` is true for every TCP packet), or, with a mask, a
    /// field has one of the mask's bits set (`tcp.flags & 0x02`).
    Exists(FieldRef),
    /// A comparison (`tcp.port == 80`, `ip.src == ip.dst`).
    Compare {
        /// The field compared.
        lhs: FieldRef,
        /// The operator.
        op: CmpOp,
        /// A value of the field's type, or another field of the same type.
        rhs: Operand,
    },
    /// Membership (`tcp.port in {80, 443, 8000..8080}`); `not in` is `Not(In)`.
    In {
        /// The field tested.
        lhs: FieldRef,
        /// The set's elements, at least one.
        set: Vec<SetItem>,
    },
    /// A text field contains the bytes (`dns.qry.name contains "example"`).
    Contains {
        /// A field of type [`FieldType::Str`](super::FieldType::Str).
        field: Field,
        /// The bytes looked for.
        needle: Box<[u8]>,
    },
    /// Negation (`!`, `not`).
    Not(Box<Expr>),
    /// Conjunction (`&&`, `and`).
    And(Vec<Expr>),
    /// Disjunction (`||`, `or`).
    Or(Vec<Expr>),
}

/// A field, optionally masked with `&` (`tcp.flags & 0x12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRef {
    /// The field.
    pub field: Field,
    /// The bitwise mask applied to each value (integer fields only).
    pub mask: Option<u64>,
}

impl From<Field> for FieldRef {
    fn from(field: Field) -> Self {
        FieldRef { field, mask: None }
    }
}

/// A comparison operator, with Wireshark 4.0's meaning for fields that occur more than once
/// in a packet (`ip.addr`, `tcp.port`). Every comparison is false when the field is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`, `eq`: some occurrence equals (or lies in the CIDR block).
    Eq,
    /// `!=`, `ne`: no occurrence equals (`ip.addr != X` is false for a packet from or to X).
    Ne,
    /// `===`, `all_eq`: every occurrence equals.
    AllEq,
    /// `~=`, `!==`, `any_ne`: some occurrence differs (Wireshark 3's `!=`).
    AnyNe,
    /// `<`, `lt`: some occurrence is less.
    Lt,
    /// `<=`, `le`.
    Le,
    /// `>`, `gt`.
    Gt,
    /// `>=`, `ge`.
    Ge,
}

impl CmpOp {
    /// The operator's canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::AllEq => "===",
            CmpOp::AnyNe => "~=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Whether the operator orders values (and so takes no CIDR block).
    pub fn is_ordering(self) -> bool {
        matches!(self, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge)
    }
}

/// The right side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// A literal.
    Value(Value),
    /// Another field (`ip.src == ip.dst`: some pair of occurrences compares true).
    Field(Field),
}

/// An element of a set: a value, or an inclusive range `lo..hi`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetItem {
    /// One value (for addresses, possibly a CIDR block).
    One(Value),
    /// `lo..hi`, both included.
    Range(Value, Value),
}

/// A literal, already checked against the type of the field it is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// A flag value.
    Bool(bool),
    /// An unsigned integer.
    UInt(u64),
    /// A relative time in nanoseconds.
    Time(i64),
    /// An IPv4 address with a prefix length (32 for a single address).
    Ipv4(Ipv4Addr, u8),
    /// An IPv6 address with a prefix length (128 for a single address).
    Ipv6(Ipv6Addr, u8),
    /// An Ethernet address.
    Mac([u8; 6]),
    /// Text, as bytes.
    Str(Box<[u8]>),
}

impl Value {
    /// Whether the value is a block of addresses rather than one value.
    pub fn is_block(&self) -> bool {
        matches!(self, Value::Ipv4(_, p) if *p < 32)
            || matches!(self, Value::Ipv6(_, p) if *p < 128)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => f.write_str(if *b { "1" } else { "0" }),
            Value::UInt(v) => write!(f, "{v}"),
            Value::Time(ns) => write_time(f, *ns),
            Value::Ipv4(a, 32) => write!(f, "{a}"),
            Value::Ipv4(a, p) => write!(f, "{a}/{p}"),
            Value::Ipv6(a, 128) => write!(f, "{a}"),
            Value::Ipv6(a, p) => write!(f, "{a}/{p}"),
            Value::Mac(m) => write!(
                f,
                "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                m[0], m[1], m[2], m[3], m[4], m[5]
            ),
            Value::Str(s) => write_quoted(f, s),
        }
    }
}

/// Seconds with up to nine decimals, without trailing zeros (`1.5`, `-0.000000001`, `2`).
fn write_time(f: &mut fmt::Formatter<'_>, ns: i64) -> fmt::Result {
    let sign = if ns < 0 { "-" } else { "" };
    let abs = ns.unsigned_abs();
    let (secs, frac) = (abs / 1_000_000_000, abs % 1_000_000_000);
    if frac == 0 {
        return write!(f, "{sign}{secs}");
    }
    let digits = format!("{frac:09}");
    write!(f, "{sign}{secs}.{}", digits.trim_end_matches('0'))
}

/// Text in double quotes, escaping what would not read back as itself.
fn write_quoted(f: &mut fmt::Formatter<'_>, s: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    for &b in s {
        match b {
            b'"' => f.write_str("\\\"")?,
            b'\\' => f.write_str("\\\\")?,
            0x20..=0x7e => f.write_char(char::from(b))?,
            _ => write!(f, "\\x{b:02x}")?,
        }
    }
    f.write_char('"')
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field.name())?;
        match self.mask {
            Some(m) => write!(f, " & {m:#x}"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Value(v) => v.fmt(f),
            Operand::Field(x) => f.write_str(x.name()),
        }
    }
}

impl fmt::Display for SetItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetItem::One(v) => v.fmt(f),
            SetItem::Range(a, b) => write!(f, "{a}..{b}"),
        }
    }
}

impl Expr {
    /// Binding strength when printed: 0 = `||`, 1 = `&&`, 2 = `!` and tests.
    fn level(&self) -> u8 {
        match self {
            Expr::Or(_) => 0,
            Expr::And(_) => 1,
            _ => 2,
        }
    }

    /// `And` of `a` and `b`, flattened (as the parser builds it).
    pub fn and(a: Expr, b: Expr) -> Expr {
        let mut v = match a {
            Expr::And(v) => v,
            a => vec![a],
        };
        match b {
            Expr::And(w) => v.extend(w),
            b => v.push(b),
        }
        Expr::And(v)
    }

    /// `Or` of `a` and `b`, flattened (as the parser builds it).
    pub fn or(a: Expr, b: Expr) -> Expr {
        let mut v = match a {
            Expr::Or(v) => v,
            a => vec![a],
        };
        match b {
            Expr::Or(w) => v.extend(w),
            b => v.push(b),
        }
        Expr::Or(v)
    }

    fn write_operand(&self, f: &mut fmt::Formatter<'_>, min_level: u8) -> fmt::Result {
        if self.level() < min_level {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Proto(p) => f.write_str(p.name()),
            Expr::Exists(r) => r.fmt(f),
            Expr::Compare { lhs, op, rhs } => write!(f, "{lhs} {} {rhs}", op.as_str()),
            Expr::In { lhs, set } => {
                write!(f, "{lhs} in {{")?;
                for (i, item) in set.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt(f)?;
                }
                f.write_char('}')
            }
            Expr::Contains { field, needle } => {
                write!(f, "{} contains ", field.name())?;
                write_quoted(f, needle)
            }
            Expr::Not(e) => match **e {
                // `!tcp`, `!tcp.flags.syn`, `!!x`; a comparison gets parentheses for clarity.
                Expr::Proto(_) | Expr::Exists(FieldRef { mask: None, .. }) | Expr::Not(_) => {
                    write!(f, "!{e}")
                }
                _ => write!(f, "!({e})"),
            },
            Expr::And(v) => {
                for (i, e) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" && ")?;
                    }
                    // An `And` inside an `And` only exists in hand-made trees: parenthesize.
                    e.write_operand(f, if matches!(e, Expr::And(_)) { 3 } else { 2 })?;
                }
                Ok(())
            }
            Expr::Or(v) => {
                for (i, e) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" || ")?;
                    }
                    e.write_operand(f, if matches!(e, Expr::Or(_)) { 3 } else { 1 })?;
                }
                Ok(())
            }
        }
    }
}
