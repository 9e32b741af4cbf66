//! The dissection context: the frame's bytes, windows into them, bounds-checked reads that say
//! why they failed, the layers built so far, and node builders.

use super::{DissectContext, Dissection, Node, NodeKind, Stop, StopKind};
use std::fmt::{Display, Write as _};

/// Encapsulations followed inside one frame before giving up.
const MAX_DEPTH: u8 = 24;
/// Longest Info column, in bytes (Wireshark's `COL_MAX_INFO_LEN`).
const MAX_INFO: usize = 4096;

/// The bytes of one layer: `[start, end)` captured, `[start, rep)` on the wire, and
/// `[start, claim)` what the layer's own length field says, which may run into later TCP
/// segments. Offsets are absolute (into the frame), so node ranges need no translation.
#[derive(Debug, Clone, Copy)]
pub(super) struct Win {
    pub start: usize,
    pub end: usize,
    pub rep: usize,
    pub claim: usize,
}

impl Win {
    /// Captured bytes in the window.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Bytes in the window on the wire.
    pub fn rep_len(&self) -> usize {
        self.rep.saturating_sub(self.start)
    }

    /// Whether every byte on the wire was captured.
    pub fn complete(&self) -> bool {
        self.end >= self.rep
    }

    /// The window from `n` bytes in (empty, but still knowing what was on the wire, when
    /// that is past the captured bytes).
    pub fn skip(self, n: usize) -> Win {
        let start = self.start.saturating_add(n);
        Win {
            start,
            end: self.end.max(start),
            rep: self.rep.max(start),
            claim: self.claim.max(start),
        }
    }

    /// The first `len` bytes of the window, as a length field on the wire says.
    pub fn limit(self, len: usize) -> Win {
        let lim = self.start.saturating_add(len);
        Win {
            start: self.start,
            end: self.end.min(lim),
            rep: self.rep.min(lim),
            claim: self.claim.min(lim),
        }
    }

    /// A PDU of `len` bytes that starts here and may continue in later TCP segments.
    pub fn pdu(self, len: usize) -> Win {
        let lim = self.start.saturating_add(len);
        Win {
            start: self.start,
            end: self.end.min(lim),
            rep: self.rep.min(lim),
            claim: lim,
        }
    }
}

/// Why a layer stopped.
#[derive(Debug, Clone)]
pub(super) struct Cut {
    pub kind: StopKind,
    pub at: usize,
    pub reason: String,
}

impl Cut {
    /// A field with an impossible value at `at`.
    pub fn bad(at: usize, reason: impl Into<String>) -> Cut {
        Cut {
            kind: StopKind::Malformed,
            at,
            reason: reason.into(),
        }
    }

    /// `n` bytes at `at` are not all in window `w`.
    fn short(w: Win, at: usize, n: usize) -> Cut {
        let e = at.saturating_add(n);
        let kind = if e <= w.rep {
            StopKind::Truncated
        } else if e <= w.claim {
            StopKind::Unreassembled
        } else {
            StopKind::Malformed
        };
        let left = w.end.saturating_sub(at);
        Cut {
            kind,
            at,
            reason: format!("cut short ({n} bytes needed, {left} present)"),
        }
    }
}

/// Result of reading packet bytes.
pub(super) type R<T> = Result<T, Cut>;

/// Addresses and lengths of the IP header a transport layer is in.
#[derive(Debug, Clone, Copy)]
pub(super) struct IpCtx {
    pub src: std::net::IpAddr,
    pub dst: std::net::IpAddr,
    /// TTL / hop limit.
    pub ttl: u8,
    /// The transport's bytes are not the whole datagram (a first fragment).
    pub fragment: bool,
}

/// One dissection under way.
pub(super) struct Cx<'a> {
    pub d: &'a [u8],
    /// Length on the wire (at least `d.len()`).
    pub wire: usize,
    pub layers: Vec<Node>,
    /// `frame.protocols`, built as layers are entered.
    pub protos: Vec<&'static str>,
    pub info: String,
    pub col: String,
    pub stop: Option<Stop>,
    /// Above zero inside a packet quoted by an ICMP error: no columns, no stop, no app layers.
    pub quoted: u8,
    depth: u8,
    /// Index of the outermost Ethernet layer and where the datagram it carries ends, for
    /// the padding / trailer line.
    pub eth: Option<usize>,
    pub net_end: Option<usize>,
    /// What the rest of the capture says about this frame.
    pub ctx: DissectContext<'a>,
}

impl<'a> Cx<'a> {
    pub fn new(d: &'a [u8], orig_len: u32) -> Self {
        Cx {
            d,
            wire: (orig_len as usize).max(d.len()),
            layers: Vec::new(),
            protos: Vec::new(),
            info: String::new(),
            col: String::new(),
            stop: None,
            quoted: 0,
            depth: 0,
            eth: None,
            net_end: None,
            ctx: DissectContext::default(),
        }
    }

    /// The whole frame as a window.
    pub fn all(&self) -> Win {
        Win {
            start: 0,
            end: self.d.len(),
            rep: self.wire,
            claim: self.wire,
        }
    }

    /// Enters one more encapsulation; false (and a note) when too deep.
    pub fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            return false;
        }
        self.depth += 1;
        true
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ---- reads ----

    pub fn bytes(&self, w: Win, at: usize, n: usize) -> R<&'a [u8]> {
        let e = at.checked_add(n).ok_or_else(|| Cut::short(w, at, n))?;
        if at >= w.start && e <= w.end {
            if let Some(s) = self.d.get(at..e) {
                return Ok(s);
            }
        }
        Err(Cut::short(w, at, n))
    }

    pub fn u8(&self, w: Win, at: usize) -> R<u8> {
        let b = self.bytes(w, at, 1)?;
        b.first().copied().ok_or_else(|| Cut::short(w, at, 1))
    }

    pub fn be16(&self, w: Win, at: usize) -> R<u16> {
        let b = self.bytes(w, at, 2)?;
        Ok(u16::from_be_bytes(arr(b)))
    }

    pub fn be32(&self, w: Win, at: usize) -> R<u32> {
        let b = self.bytes(w, at, 4)?;
        Ok(u32::from_be_bytes(arr(b)))
    }

    pub fn le32(&self, w: Win, at: usize) -> R<u32> {
        let b = self.bytes(w, at, 4)?;
        Ok(u32::from_le_bytes(arr(b)))
    }

    pub fn le16(&self, w: Win, at: usize) -> R<u16> {
        let b = self.bytes(w, at, 2)?;
        Ok(u16::from_le_bytes(arr(b)))
    }

    pub fn arr<const N: usize>(&self, w: Win, at: usize) -> R<[u8; N]> {
        Ok(arr(self.bytes(w, at, N)?))
    }

    /// The captured bytes of a window (possibly fewer than on the wire).
    pub fn avail(&self, w: Win) -> &'a [u8] {
        self.d.get(w.start..w.end.min(self.d.len())).unwrap_or(&[])
    }

    // ---- layers ----

    /// Adds a protocol to `frame.protocols`.
    pub fn proto(&mut self, p: &'static str) {
        if self.protos.len() < 64 {
            self.protos.push(p);
        }
    }

    /// Sets the Protocol and Info columns (not inside an ICMP quote).
    pub fn col(&mut self, protocol: &str, info: impl Into<String>) {
        if self.quoted == 0 {
            self.col.clear();
            self.col.push_str(protocol);
            self.info = info.into();
        }
    }

    /// Pushes a finished layer and records why it stopped, if it did; gives the layer's
    /// continuation when it did not.
    pub fn finish<T>(&mut self, mut n: Node, short: &str, r: R<T>) -> Option<T> {
        let max = n.children.iter().map(|c| c.end).max().unwrap_or(n.end);
        n.end = n.end.max(max).max(n.start);
        self.layers.push(n);
        match r {
            Ok(t) => Some(t),
            Err(c) => {
                self.cut(short, c);
                None
            }
        }
    }

    /// Records a stop: a note at the end of the layers and, outside ICMP quotes, the
    /// dissection's [`Stop`] (the first one wins).
    pub fn cut(&mut self, layer: &str, c: Cut) {
        let text = match c.kind {
            StopKind::Malformed => {
                format!("[Malformed packet: {layer}: {} at byte {}]", c.reason, c.at)
            }
            StopKind::Truncated => format!(
                "[Packet size limited during capture: {layer} truncated at byte {}]",
                c.at
            ),
            StopKind::Unreassembled => format!(
                "[{layer} continues in a later TCP segment (not reassembled) at byte {}]",
                c.at
            ),
        };
        let (abbrev, len) = match c.kind {
            StopKind::Malformed => ("_ws.malformed", self.d.len().saturating_sub(c.at)),
            StopKind::Truncated => ("_ws.short", 0),
            StopKind::Unreassembled => ("_ws.unreassembled", 0),
        };
        let mut note = Node {
            kind: NodeKind::Expert,
            name: text,
            value: String::new(),
            start: 0,
            end: 0,
            bits: None,
            generated: false,
            abbrev: Some(abbrev.to_string()),
            filter: Some(abbrev.to_string()),
            children: Vec::new(),
        };
        set_range(&mut note, c.at, len);
        self.layers.push(note);
        if self.quoted == 0 && self.stop.is_none() {
            self.stop = Some(Stop {
                kind: c.kind,
                layer: layer.to_string(),
                offset: u32::try_from(c.at).unwrap_or(u32::MAX),
                reason: c.reason,
            });
            // As tshark writes it, without a space.
            match c.kind {
                StopKind::Malformed => {
                    self.col.clear();
                    self.col.push_str(layer);
                    self.info.push_str("[Malformed Packet]");
                }
                StopKind::Truncated => {
                    if self.col.is_empty() {
                        self.col.push_str(layer);
                    }
                    self.info.push_str("[Packet size limited during capture]");
                }
                StopKind::Unreassembled => {}
            }
        }
    }

    /// Runs `f` as a packet quoted by an ICMP error and gives its layers.
    pub fn quote(&mut self, f: impl FnOnce(&mut Self)) -> Vec<Node> {
        let saved = std::mem::take(&mut self.layers);
        self.quoted = self.quoted.saturating_add(1);
        f(self);
        self.quoted = self.quoted.saturating_sub(1);
        std::mem::replace(&mut self.layers, saved)
    }

    /// The payload no protocol claimed, as a `Data` layer.
    pub fn data(&mut self, w: Win) {
        if w.rep_len() == 0 {
            return;
        }
        self.proto("data");
        let b = self.avail(w);
        let mut n = layer(&format!("Data ({} bytes)", w.rep_len()), "data", w.start);
        n.push(field("Data", hex_preview(b), w.start, b.len()).abbrev("data.data"));
        n.push(
            field("Length", w.rep_len().to_string(), w.start, 0)
                .filter("data.len", w.rep_len())
                .generated(),
        );
        n.end = w.end as u32;
        let r = if w.complete() {
            Ok(())
        } else {
            Err(Cut::short(w, w.end, w.rep - w.end))
        };
        self.finish(n, "Data", r);
    }

    /// The finished dissection.
    pub fn finish_all(mut self) -> Dissection {
        if let Some(f) = self.layers.first_mut() {
            let chain = self.protos.join(":");
            f.push(
                field("Protocols in frame", chain.clone(), 0, 0)
                    .filter("frame.protocols", quote(&chain))
                    .generated(),
            );
        }
        // Bytes after the datagram an Ethernet frame carries: padding to the minimum frame
        // size, or a trailer.
        if let (Some(i), Some(e)) = (self.eth, self.net_end) {
            if e < self.d.len() {
                let b = self.d.get(e..).unwrap_or(&[]);
                let (name, abbrev) = if self.d.len() <= 60 {
                    ("Padding", "eth.padding")
                } else {
                    ("Trailer", "eth.trailer")
                };
                if let Some(l) = self.layers.get_mut(i) {
                    l.push(field(name, hex_preview(b), e, b.len()).abbrev(abbrev));
                }
            }
        }
        if self.info.len() > MAX_INFO {
            let mut cut = MAX_INFO;
            while !self.info.is_char_boundary(cut) {
                cut -= 1;
            }
            self.info.truncate(cut);
        }
        let len = u32::try_from(self.d.len()).unwrap_or(u32::MAX);
        for l in &mut self.layers {
            clamp(l, len);
        }
        Dissection {
            layers: self.layers,
            protocol: self.col,
            info: self.info,
            stop: self.stop,
        }
    }
}

fn clamp(n: &mut Node, len: u32) {
    n.end = n.end.min(len);
    n.start = n.start.min(n.end);
    for c in &mut n.children {
        clamp(c, len);
    }
}

fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    a
}

fn set_range(n: &mut Node, start: usize, len: usize) {
    n.start = u32::try_from(start).unwrap_or(u32::MAX);
    n.end = u32::try_from(start.saturating_add(len)).unwrap_or(u32::MAX);
}

// ---- node builders ----

/// A layer starting at `start` (its end is set when known).
pub(super) fn layer(name: &str, abbrev: &str, start: usize) -> Node {
    let mut n = field(name, String::new(), start, 0);
    n.kind = NodeKind::Layer;
    n.abbrev = Some(abbrev.to_string());
    n.filter = Some(abbrev.to_string());
    n
}

/// A field covering `len` bytes at `start`.
pub(super) fn field(name: &str, value: impl Into<String>, start: usize, len: usize) -> Node {
    let mut n = Node {
        kind: NodeKind::Field,
        name: name.to_string(),
        value: value.into(),
        start: 0,
        end: 0,
        bits: None,
        generated: false,
        abbrev: None,
        filter: None,
        children: Vec::new(),
    };
    set_range(&mut n, start, len);
    n
}

/// An expert note covering `len` bytes at `start`.
pub(super) fn note(text: impl Into<String>, start: usize, len: usize) -> Node {
    let mut n = field("", String::new(), start, len);
    n.name = text.into();
    n.kind = NodeKind::Expert;
    n
}

impl Node {
    /// Sets the field name and a filter `abbrev == value`.
    pub(super) fn filter(mut self, abbrev: &str, value: impl Display) -> Self {
        self.filter = Some(format!("{abbrev} == {value}"));
        self.abbrev = Some(abbrev.to_string());
        self
    }

    /// Sets the field name; the filter is the field's presence.
    pub(super) fn abbrev(mut self, abbrev: &str) -> Self {
        self.filter = Some(abbrev.to_string());
        self.abbrev = Some(abbrev.to_string());
        self
    }

    /// A string field: name, and a filter comparing with the quoted value.
    pub(super) fn sfilter(self, abbrev: &str, value: &str) -> Self {
        self.filter(abbrev, quote(value))
    }

    /// Marks the field as `mask` bits of a `width`-bit value.
    pub(super) fn bits(mut self, value: u64, mask: u64, width: u32) -> Self {
        self.bits = Some(bit_picture(value, mask, width));
        self
    }

    /// Marks the value as computed.
    pub(super) fn generated(mut self) -> Self {
        self.generated = true;
        self
    }

    pub(super) fn push(&mut self, child: Node) {
        self.children.push(child);
    }

    /// Sets the end of the node to `start + len`.
    pub(super) fn len(&mut self, len: usize) {
        let e = (self.start as usize).saturating_add(len);
        self.end = u32::try_from(e).unwrap_or(u32::MAX);
    }

    /// Sets the end of the node to the absolute offset `end`.
    pub(super) fn end_at(&mut self, end: usize) {
        self.end = u32::try_from(end).unwrap_or(u32::MAX);
    }
}

/// A flag bit of a `width`-bit field: `".... ...1 .... = Acknowledgment: Set"`, with the
/// filter `abbrev == 1` (or `== 0`).
pub(super) fn flag(name: &str, abbrev: &str, value: u64, mask: u64, width: u32, at: usize) -> Node {
    flag_says(name, abbrev, value, mask, width, at, ("Set", "Not set"))
}

/// [`flag`] with the words for set and not set.
pub(super) fn flag_says(
    name: &str,
    abbrev: &str,
    value: u64,
    mask: u64,
    width: u32,
    at: usize,
    says: (&str, &str),
) -> Node {
    let set = value & mask != 0;
    field(
        name,
        if set { says.0 } else { says.1 },
        at,
        (width as usize).div_ceil(8),
    )
    .filter(abbrev, u8::from(set))
    .bits(value, mask, width)
}

/// Wireshark's bit picture: the bits of `mask` from `value`, dots elsewhere, a space every
/// four bits.
pub(super) fn bit_picture(value: u64, mask: u64, width: u32) -> String {
    let mut s = String::with_capacity(width as usize + width as usize / 4);
    for i in (0..width.min(64)).rev() {
        let b = 1u64 << i;
        s.push(if mask & b == 0 {
            '.'
        } else if value & b != 0 {
            '1'
        } else {
            '0'
        });
        if i % 4 == 0 && i != 0 {
            s.push(' ');
        }
    }
    s
}

/// A string as a display-filter literal.
pub(super) fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for ch in s.chars() {
        match ch {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(q, "\\x{:02x}", c as u32);
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// `aa:bb:cc:dd:ee:ff`.
pub(super) fn mac(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 3);
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// Bytes as hex, the first 64 of them, then `…`.
pub(super) fn hex_preview(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len().min(64) * 2 + 3);
    for x in b.iter().take(64) {
        let _ = write!(s, "{x:02x}");
    }
    if b.len() > 64 {
        s.push('…');
    }
    s
}

/// Text from the packet, with control characters and invalid UTF-8 escaped, at most `max`
/// characters.
pub(super) fn text(b: &[u8], max: usize) -> String {
    let mut s = String::with_capacity(b.len().min(max));
    for (n, ch) in String::from_utf8_lossy(b).chars().enumerate() {
        if n >= max {
            s.push('…');
            break;
        }
        match ch {
            '\r' => s.push_str("\\r"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(s, "\\x{:02x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s
}

/// `0x1a2b` with `digits` hex digits.
pub(super) fn hx(v: impl Into<u64>, digits: usize) -> String {
    format!("0x{:0digits$x}", v.into())
}
