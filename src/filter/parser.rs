//! Tokens to a typed [`Expr`]: precedence, names, and every literal checked against the type
//! of the field it is compared with.

use super::ast::{CmpOp, Expr, FieldRef, Operand, SetItem, Value};
use super::fields::{self, Field, FieldType, Name, ProtoName};
use super::lexer::{lex, Tok, Token};
use super::FilterError;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Nesting (parentheses and negations) a filter may have; deeper text is refused so that
/// parsing, printing and evaluation stay well within the stack.
pub const MAX_NESTING: usize = 100;

/// A parsed filter: the tree (`None` for an empty or blank filter, which matches every
/// packet), and the column where each field it reads first appears.
pub(crate) type Parsed = (Option<Expr>, Vec<(Field, usize)>);

/// Parses a filter.
pub(crate) fn parse(text: &str) -> Result<Parsed, FilterError> {
    let toks = lex(text)?;
    if toks.is_empty() {
        return Ok((None, Vec::new()));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        end_col: text.chars().count() + 1,
        depth: 0,
        columns: Vec::new(),
    };
    let e = p.or()?;
    if let Some(t) = p.peek() {
        let msg = match &t.tok {
            Tok::RParen => "')' has no matching '('".to_string(),
            tok => format!(
                "unexpected {} after a complete test: join tests with '&&' or '||'",
                tok.describe()
            ),
        };
        return Err(FilterError::new(t.col, msg));
    }
    Ok((Some(e), p.columns))
}

/// Words with a meaning of their own, which cannot be names or unquoted values.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "contains",
    "matches",
    "eq",
    "ne",
    "all_eq",
    "any_ne",
    "lt",
    "le",
    "gt",
    "ge",
    "bitwise_and",
];

struct Parser<'a> {
    toks: Vec<Token<'a>>,
    pos: usize,
    /// Column just past the last character, where "expected ... after" errors point.
    end_col: usize,
    depth: usize,
    /// Each field read, with the column where it first appears.
    columns: Vec<(Field, usize)>,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Token<'a>> {
        self.toks.get(self.pos)
    }

    fn peek_tok(&self) -> Option<&Tok<'a>> {
        self.peek().map(|t| &t.tok)
    }

    fn peek_word(&self) -> Option<&'a str> {
        match self.peek_tok() {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn col(&self) -> usize {
        self.peek().map_or(self.end_col, |t| t.col)
    }

    fn bump(&mut self) -> Option<Token<'a>> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// "expected WHAT after PREV" at the end, "expected WHAT after PREV, found X" elsewhere.
    fn expected(&self, what: &str) -> FilterError {
        let prev = self
            .pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map(|t| format!(" after {}", t.tok.describe()))
            .unwrap_or_default();
        match self.peek() {
            None => FilterError::new(self.end_col, format!("expected {what}{prev}")),
            Some(t) => FilterError::new(
                t.col,
                format!("expected {what}{prev}, found {}", t.tok.describe()),
            ),
        }
    }

    fn saw(&mut self, field: Field, col: usize) {
        if !self.columns.iter().any(|(f, _)| *f == field) {
            self.columns.push((field, col));
        }
    }

    fn enter(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(FilterError::new(
                self.col(),
                format!("the filter is nested too deeply (more than {MAX_NESTING} levels)"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.and()?;
        while matches!(self.peek_tok(), Some(Tok::OrOr)) || self.peek_word() == Some("or") {
            self.bump();
            let r = self.and()?;
            e = Expr::or(e, r);
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.unary()?;
        while matches!(self.peek_tok(), Some(Tok::AndAnd)) || self.peek_word() == Some("and") {
            self.bump();
            let r = self.unary()?;
            e = Expr::and(e, r);
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if matches!(self.peek_tok(), Some(Tok::Bang)) || self.peek_word() == Some("not") {
            self.enter()?;
            self.bump();
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.expected("a test"));
        };
        match t.tok {
            Tok::LParen => {
                self.enter()?;
                self.bump();
                let e = self.or()?;
                if !matches!(self.peek_tok(), Some(Tok::RParen)) {
                    return Err(match self.peek() {
                        None => FilterError::new(t.col, "this '(' has no matching ')'".into()),
                        Some(x) => FilterError::new(
                            x.col,
                            format!("expected ')', found {}", x.tok.describe()),
                        ),
                    });
                }
                self.bump();
                self.depth -= 1;
                Ok(e)
            }
            Tok::Word(w) if !KEYWORDS.contains(&w) => {
                self.bump();
                self.test(w, t.col)
            }
            _ => Err(self.expected("a field or protocol name")),
        }
    }

    /// A test starting with the name `w` at `col`.
    fn test(&mut self, w: &'a str, col: usize) -> Result<Expr, FilterError> {
        let field = match fields::lookup(w) {
            Some(Name::Field(f)) => f,
            Some(Name::Proto(p)) => return self.protocol(p, w, col),
            None => return Err(unknown_name(w, col, self.peek_tok())),
        };
        self.saw(field, col);
        if field.ty() == FieldType::Label {
            return self.label(field, w, col);
        }
        let lhs = FieldRef {
            field,
            mask: self.mask(field)?,
        };
        if let Some(op) = self.operator() {
            self.bump();
            let rhs = self.operand(lhs, op)?;
            return Ok(Expr::Compare { lhs, op, rhs });
        }
        let not_in = self.not_in();
        match self.peek_word() {
            Some("in") => {
                self.bump();
                let set = self.set(lhs)?;
                Ok(Expr::In { lhs, set })
            }
            Some("not") if not_in => {
                self.bump();
                self.bump();
                let set = self.set(lhs)?;
                Ok(Expr::Not(Box::new(Expr::In { lhs, set })))
            }
            Some("contains") => self.contains(lhs),
            Some("matches") => Err(matches_unsupported(self.col())),
            _ if matches!(self.peek_tok(), Some(Tok::Tilde)) => {
                Err(matches_unsupported(self.col()))
            }
            _ => Ok(Expr::Exists(lhs)),
        }
    }

    /// Whether the next tokens are `not in`.
    fn not_in(&self) -> bool {
        self.peek_word() == Some("not")
            && matches!(
                self.toks.get(self.pos + 1).map(|t| &t.tok),
                Some(Tok::Word("in"))
            )
    }

    /// The label `field`, named `w` at `col`: a test of presence, and nothing else (as in
    /// Wireshark, where comparing one is an error).
    fn label(&self, field: Field, w: &str, col: usize) -> Result<Expr, FilterError> {
        let used = self.operator().is_some()
            || matches!(self.peek_tok(), Some(Tok::Amp | Tok::Tilde))
            || matches!(
                self.peek_word(),
                Some("in" | "bitwise_and" | "contains" | "matches")
            )
            || self.not_in();
        if used {
            return Err(FilterError::new(
                col,
                format!(
                    "'{w}' is a label: it can only be tested for presence ('{w}', \
                     '!{w}'), not compared or searched"
                ),
            ));
        }
        Ok(Expr::Exists(field.into()))
    }

    /// The protocol `p`, named `w` at `col`: a test of presence, and nothing else.
    fn protocol(&self, p: ProtoName, w: &str, col: usize) -> Result<Expr, FilterError> {
        let searched = matches!(self.peek_word(), Some("contains" | "matches"))
            || matches!(self.peek_tok(), Some(Tok::Tilde));
        if searched {
            return Err(FilterError::new(
                col,
                format!(
                    "searching the bytes of a protocol ('{w} contains ...') is not \
                     supported: filters see decoded fields, not packet bytes"
                ),
            ));
        }
        let compared = self.operator().is_some()
            || matches!(self.peek_tok(), Some(Tok::Amp))
            || matches!(self.peek_word(), Some("in" | "bitwise_and"));
        if compared {
            return Err(FilterError::new(
                col,
                format!(
                    "'{w}' is a protocol: it can only be tested for presence \
                     ('{w}'), not compared; compare one of its fields instead"
                ),
            ));
        }
        Ok(Expr::Proto(p))
    }

    /// `& MASK` (or `bitwise_and MASK`) after an integer field, if there.
    fn mask(&mut self, field: Field) -> Result<Option<u64>, FilterError> {
        let amp_col = self.col();
        if !matches!(self.peek_tok(), Some(Tok::Amp)) && self.peek_word() != Some("bitwise_and") {
            return Ok(None);
        }
        self.bump();
        if !matches!(field.ty(), FieldType::UInt { .. }) {
            return Err(FilterError::new(
                amp_col,
                format!(
                    "'&' applies to integer fields; {} is {}",
                    field.name(),
                    field.ty()
                ),
            ));
        }
        match self.peek().cloned() {
            Some(Token {
                tok: Tok::Word(m),
                col,
            }) if !KEYWORDS.contains(&m) => {
                self.bump();
                uint(field, m, col).map(Some)
            }
            _ => Err(self.expected("a mask")),
        }
    }

    /// `contains TEXT` after a text field.
    fn contains(&mut self, lhs: FieldRef) -> Result<Expr, FilterError> {
        let field = lhs.field;
        let col = self.col();
        self.bump();
        if field.ty() != FieldType::Str || lhs.mask.is_some() {
            return Err(FilterError::new(
                col,
                format!(
                    "'contains' works on text fields; {} is {}",
                    field.name(),
                    field.ty()
                ),
            ));
        }
        let needle = match self.peek().cloned() {
            Some(Token {
                tok: Tok::Str(s), ..
            }) => s,
            Some(Token {
                tok: Tok::Word(v),
                col,
            }) if !KEYWORDS.contains(&v) => {
                if fields::lookup(v).is_some() {
                    return Err(FilterError::new(
                        col,
                        format!(
                            "'contains' takes text, not a name; to search for the text, \
                             quote it: \"{v}\""
                        ),
                    ));
                }
                v.as_bytes().into()
            }
            _ => return Err(self.expected("text")),
        };
        self.bump();
        Ok(Expr::Contains { field, needle })
    }

    /// The comparison operator at the current token, if it is one.
    fn operator(&self) -> Option<CmpOp> {
        Some(match self.peek_tok()? {
            Tok::Eq | Tok::Word("eq") => CmpOp::Eq,
            Tok::Ne | Tok::Word("ne") => CmpOp::Ne,
            Tok::AllEq | Tok::Word("all_eq") => CmpOp::AllEq,
            Tok::AnyNe | Tok::Word("any_ne") => CmpOp::AnyNe,
            Tok::Lt | Tok::Word("lt") => CmpOp::Lt,
            Tok::Le | Tok::Word("le") => CmpOp::Le,
            Tok::Gt | Tok::Word("gt") => CmpOp::Gt,
            Tok::Ge | Tok::Word("ge") => CmpOp::Ge,
            _ => return None,
        })
    }

    /// The right side of `lhs op ...`.
    fn operand(&mut self, lhs: FieldRef, op: CmpOp) -> Result<Operand, FilterError> {
        let field = lhs.field;
        let t = match self.peek().cloned() {
            Some(
                t @ Token {
                    tok: Tok::Str(_), ..
                },
            ) => t,
            Some(
                t @ Token {
                    tok: Tok::Word(w), ..
                },
            ) if !KEYWORDS.contains(&w) => t,
            _ => return Err(self.expected("a value")),
        };
        self.bump();
        if let Tok::Word(w) = t.tok {
            match fields::lookup(w) {
                Some(Name::Field(other)) => {
                    if lhs.mask.is_some() {
                        return Err(FilterError::new(
                            t.col,
                            "a masked field can only be compared with a value".to_string(),
                        ));
                    }
                    if !comparable(field.ty(), other.ty()) {
                        return Err(FilterError::new(
                            t.col,
                            format!(
                                "cannot compare {} ({}) with {} ({})",
                                field.name(),
                                field.ty(),
                                other.name(),
                                other.ty()
                            ),
                        ));
                    }
                    self.saw(other, t.col);
                    return Ok(Operand::Field(other));
                }
                Some(Name::Proto(_)) => {
                    let hint = if field.ty() == FieldType::Str {
                        format!("; to compare with the text, quote it: \"{w}\"")
                    } else {
                        String::new()
                    };
                    return Err(FilterError::new(
                        t.col,
                        format!("'{w}' is a protocol, not a value{hint}"),
                    ));
                }
                None => {}
            }
        }
        let v = literal(lhs, &t)?;
        if op.is_ordering() && v.is_block() {
            return Err(FilterError::new(
                t.col,
                format!(
                    "'{}' cannot order an address block ({v}); use '==' or 'in'",
                    op.as_str()
                ),
            ));
        }
        Ok(Operand::Value(v))
    }

    /// `{a, b, c..d}` (commas optional, as in Wireshark 3).
    fn set(&mut self, lhs: FieldRef) -> Result<Vec<SetItem>, FilterError> {
        if !matches!(self.peek_tok(), Some(Tok::LBrace)) {
            return Err(self.expected("'{'"));
        }
        let open = self.col();
        self.bump();
        let mut items = Vec::new();
        loop {
            match self.peek_tok() {
                Some(Tok::RBrace) if !items.is_empty() => {
                    self.bump();
                    return Ok(items);
                }
                Some(Tok::RBrace) => {
                    return Err(FilterError::new(
                        self.col(),
                        "a set needs at least one value".to_string(),
                    ))
                }
                Some(Tok::Comma) if !items.is_empty() => {
                    self.bump();
                    if matches!(self.peek_tok(), Some(Tok::RBrace) | None) {
                        return Err(self.expected("a value"));
                    }
                }
                None => {
                    return Err(FilterError::new(
                        open,
                        "this '{' has no matching '}'".to_string(),
                    ))
                }
                _ => {}
            }
            let lo_tok = self.set_value()?;
            let lo = literal(lhs, &lo_tok)?;
            if matches!(self.peek_tok(), Some(Tok::DotDot)) {
                self.bump();
                let hi_tok = self.set_value()?;
                let hi = literal(lhs, &hi_tok)?;
                for (v, t) in [(&lo, &lo_tok), (&hi, &hi_tok)] {
                    if v.is_block() {
                        return Err(FilterError::new(
                            t.col,
                            format!("a range cannot use an address block ({v})"),
                        ));
                    }
                }
                items.push(SetItem::Range(lo, hi));
            } else {
                items.push(SetItem::One(lo));
            }
        }
    }

    fn set_value(&mut self) -> Result<Token<'a>, FilterError> {
        match self.peek().cloned() {
            Some(
                t @ Token {
                    tok: Tok::Str(_), ..
                },
            ) => {
                self.bump();
                Ok(t)
            }
            Some(
                t @ Token {
                    tok: Tok::Word(w), ..
                },
            ) if !KEYWORDS.contains(&w) => {
                if let Some(Name::Field(_) | Name::Proto(_)) = fields::lookup(w) {
                    return Err(FilterError::new(
                        t.col,
                        format!("a set holds values; '{w}' is a name"),
                    ));
                }
                self.bump();
                Ok(t)
            }
            _ => Err(self.expected("a value")),
        }
    }
}

fn matches_unsupported(col: usize) -> FilterError {
    FilterError::new(
        col,
        "regular expressions ('matches') are not supported; use 'contains'".to_string(),
    )
}

fn unknown_name(w: &str, col: usize, next: Option<&Tok<'_>>) -> FilterError {
    if matches!(next, Some(Tok::LParen)) {
        return FilterError::new(col, format!("functions such as '{w}()' are not supported"));
    }
    let starts_like_value = w
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == ':' || c == '-');
    if starts_like_value {
        return FilterError::new(
            col,
            format!("'{w}' is a value, not a field or protocol name: a test starts with a name (tcp.port == 80)"),
        );
    }
    let kind = if w.contains('.') { "field" } else { "protocol" };
    let msg = match fields::suggest(w) {
        Some(s) => format!("unknown {kind} '{w}' (did you mean '{s}'?)"),
        None => format!("unknown {kind} '{w}'"),
    };
    FilterError::new(col, msg)
}

/// Whether fields of types `a` and `b` can be compared with each other.
fn comparable(a: FieldType, b: FieldType) -> bool {
    match (a, b) {
        (FieldType::UInt { .. }, FieldType::UInt { .. }) => true,
        (a, b) => a == b,
    }
}

/// The literal in token `t`, checked against `lhs`'s type.
fn literal(lhs: FieldRef, t: &Token<'_>) -> Result<Value, FilterError> {
    let field = lhs.field;
    let ty = field.ty();
    let w = match &t.tok {
        Tok::Str(s) if ty == FieldType::Str => return Ok(Value::Str(s.clone())),
        Tok::Str(_) => {
            return Err(FilterError::new(
                t.col,
                format!(
                    "{} is {}, not text: write the value without quotes",
                    field.name(),
                    ty
                ),
            ))
        }
        Tok::Word(w) => *w,
        other => {
            return Err(FilterError::new(
                t.col,
                format!("expected a value, found {}", other.describe()),
            ))
        }
    };
    let err = |msg: String| FilterError::new(t.col, msg);
    Ok(match ty {
        FieldType::Bool => match w.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => match parse_uint(w) {
                Some(v) => Value::Bool(v != 0),
                None => {
                    return Err(err(format!(
                        "'{w}' is not a flag value: use 1, 0, True or False"
                    )))
                }
            },
        },
        FieldType::UInt { .. } => Value::UInt(uint(field, w, t.col)?),
        FieldType::RelTime => match parse_time(w) {
            Ok(ns) => Value::Time(ns),
            Err(why) => return Err(err(why)),
        },
        FieldType::Ipv4 => {
            let (addr, prefix) = split_prefix(w, 32).map_err(&err)?;
            match addr.parse::<Ipv4Addr>() {
                Ok(a) => Value::Ipv4(a, prefix),
                Err(_) => return Err(err(not_an_address(w, "an IPv4"))),
            }
        }
        FieldType::Ipv6 => {
            let (addr, prefix) = split_prefix(w, 128).map_err(&err)?;
            match addr.parse::<Ipv6Addr>() {
                Ok(a) => Value::Ipv6(a, prefix),
                Err(_) => return Err(err(not_an_address(w, "an IPv6"))),
            }
        }
        FieldType::Mac => match parse_mac(w) {
            Some(m) => Value::Mac(m),
            None => {
                return Err(err(format!(
                    "'{w}' is not an Ethernet address (such as 00:11:22:33:44:55)"
                )))
            }
        },
        FieldType::Str => Value::Str(w.as_bytes().into()),
        // Refused before any value is read.
        FieldType::Label => {
            return Err(err(format!(
                "{} is a label: it takes no value",
                field.name()
            )))
        }
    })
}

fn not_an_address(w: &str, kind: &str) -> String {
    let hint = if w.chars().any(|c| c.is_ascii_alphabetic()) && !w.contains(':') {
        " (host names are not looked up)"
    } else {
        ""
    };
    format!("'{w}' is not {kind} address{hint}")
}

/// `addr/len` into `addr` and the prefix length (`max` when there is none).
fn split_prefix(w: &str, max: u8) -> Result<(&str, u8), String> {
    let Some((a, p)) = w.split_once('/') else {
        return Ok((w, max));
    };
    let len = (!p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
        .then(|| p.parse::<u8>().ok())
        .flatten()
        .filter(|&l| l <= max);
    match len {
        Some(l) => Ok((a, l)),
        None => Err(format!(
            "the prefix length in '{w}' must be a number from 0 to {max}"
        )),
    }
}

/// An integer literal for `field`, in range.
fn uint(field: Field, w: &str, col: usize) -> Result<u64, FilterError> {
    let max = field.ty().max();
    if w.starts_with('-') {
        return Err(FilterError::new(
            col,
            format!("{} cannot be negative", field.name()),
        ));
    }
    match parse_uint(w) {
        Some(v) if v <= max => Ok(v),
        Some(_) => Err(FilterError::new(
            col,
            format!("{w} is too big for {} (at most {max})", field.name()),
        )),
        None if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) => Err(FilterError::new(
            col,
            format!("{w} is too big for {} (at most {max})", field.name()),
        )),
        None => Err(FilterError::new(
            col,
            format!("'{w}' is not a number ({} is {})", field.name(), field.ty()),
        )),
    }
}

/// Decimal, `0x` hex, `0b` binary, or `0`-prefixed octal (as Wireshark, after C's strtoul).
pub(crate) fn parse_uint(w: &str) -> Option<u64> {
    let (digits, radix) = if let Some(h) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = w.strip_prefix("0b").or_else(|| w.strip_prefix("0B")) {
        (b, 2)
    } else if w.len() > 1 && w.starts_with('0') {
        (w.get(1..)?, 8)
    } else {
        (w, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// `[-]SECONDS[.FRACTION]` with at most nine decimals, to nanoseconds.
pub(crate) fn parse_time(w: &str) -> Result<i64, String> {
    let bad = || format!("'{w}' is not a time in seconds (such as 1.5)");
    let (neg, body) = match w.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, w),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let mut frac_ns: u64 = 0;
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if f.len() > 9 {
            return Err(format!("'{w}' has more than nine decimals"));
        }
        frac_ns = f.parse::<u64>().map_err(|_| bad())? * 10u64.pow(9 - f.len() as u32);
    }
    let too_big = || format!("'{w}' is out of range");
    let secs: u64 = int.parse().map_err(|_| too_big())?;
    let total = secs
        .checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(frac_ns))
        .ok_or_else(too_big)?;
    if neg {
        0i64.checked_sub_unsigned(total).ok_or_else(too_big)
    } else {
        i64::try_from(total).map_err(|_| too_big())
    }
}

/// `aa:bb:cc:dd:ee:ff`, with `:`, `-` or `.` between bytes, `aabb.ccdd.eeff`, or twelve hex
/// digits.
pub(crate) fn parse_mac(w: &str) -> Option<[u8; 6]> {
    let hex: String = if w.len() == 17 {
        let sep = w.as_bytes().get(2).copied()?;
        if !matches!(sep, b':' | b'-' | b'.') {
            return None;
        }
        let parts: Vec<&str> = w.split(char::from(sep)).collect();
        if parts.len() != 6 || parts.iter().any(|p| p.len() != 2) {
            return None;
        }
        parts.concat()
    } else if w.len() == 14 {
        let parts: Vec<&str> = w.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.len() != 4) {
            return None;
        }
        parts.concat()
    } else if w.len() == 12 {
        w.to_string()
    } else {
        return None;
    };
    if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut m = [0u8; 6];
    for (i, b) in m.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(m)
}
