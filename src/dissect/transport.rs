//! TCP and UDP, with their checksums over the pseudo-header.

use super::cx::{field, flag, layer, note, Cut, Cx, IpCtx, Win, R};
use super::net::{checksum_field, fold, ones_sum};
use super::Node;
use crate::decode::{TcpFrameBase, WindowScale};
use std::fmt::Write as _;
use std::net::IpAddr;

/// TCP flag bits, lowest first, with their names in the Info column and the tree (as tshark
/// 4.0.17 names them: the ninth bit is AccECN's `AE`, formerly `NS`).
const TCP_FLAGS: [(u16, &str, &str, &str); 9] = [
    (0x001, "FIN", "Fin", "tcp.flags.fin"),
    (0x002, "SYN", "Syn", "tcp.flags.syn"),
    (0x004, "RST", "Reset", "tcp.flags.reset"),
    (0x008, "PSH", "Push", "tcp.flags.push"),
    (0x010, "ACK", "Acknowledgment", "tcp.flags.ack"),
    (0x020, "URG", "Urgent", "tcp.flags.urg"),
    (0x040, "ECE", "ECN-Echo", "tcp.flags.ece"),
    (
        0x080,
        "CWR",
        "Congestion Window Reduced (CWR)",
        "tcp.flags.cwr",
    ),
    (0x100, "AE", "Accurate ECN", "tcp.flags.ae"),
];

/// The pseudo-header sum for a transport checksum.
fn pseudo(ip: &IpCtx, proto: u8, len: usize) -> u32 {
    let mut acc = 0u32;
    match (ip.src, ip.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            acc = ones_sum(&s.octets(), acc);
            acc = ones_sum(&d.octets(), acc);
            acc = acc.wrapping_add(u32::from(proto));
            acc = acc.wrapping_add((len & 0xffff) as u32);
        }
        (s, d) => {
            let o = |a: IpAddr| match a {
                IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
                IpAddr::V6(a) => a.octets(),
            };
            acc = ones_sum(&o(s), acc);
            acc = ones_sum(&o(d), acc);
            acc = ones_sum(&(len as u32).to_be_bytes(), acc);
            acc = acc.wrapping_add(u32::from(proto));
        }
    }
    acc
}

/// The checksum a transport segment should carry (the field at `cks_at` taken as zero), when
/// the whole segment was captured and is the whole datagram.
fn transport_checksum(cx: &Cx<'_>, w: Win, ip: &IpCtx, proto: u8, cks_at: usize) -> Option<u16> {
    if ip.fragment || cx.quoted > 0 || !w.complete() {
        return None;
    }
    let seg = cx.avail(w);
    let rel = cks_at.checked_sub(w.start)?;
    let a = ones_sum(seg.get(..rel)?, pseudo(ip, proto, seg.len()));
    // The part after the checksum starts on an even offset, so the word pairing holds.
    let b = ones_sum(seg.get(rel + 2..)?, a);
    let c = !fold(b);
    // UDP transmits a computed zero as all ones.
    Some(if proto == 17 && c == 0 { 0xffff } else { c })
}

impl Cx<'_> {
    /// TCP.
    pub fn tcp(&mut self, w: Win, ip: &IpCtx) {
        self.proto("tcp");
        let mut n = layer("Transmission Control Protocol", "tcp", w.start);
        let r = self.tcp_hdr(&mut n, w, ip);
        if let Some((pw, sp, dp)) = self.finish(n, "TCP", r) {
            if pw.rep_len() > 0 && self.quoted == 0 {
                self.tcp_app(pw, sp, dp);
            }
        }
    }

    fn tcp_hdr(&mut self, n: &mut Node, w: Win, ip: &IpCtx) -> R<(Win, u16, u16)> {
        let s = w.start;
        let sp = self.be16(w, s)?;
        n.push(field("Source Port", sp.to_string(), s, 2).filter("tcp.srcport", sp));
        let dp = self.be16(w, s + 2)?;
        n.push(field("Destination Port", dp.to_string(), s + 2, 2).filter("tcp.dstport", dp));
        n.value = format!("Src Port: {sp}, Dst Port: {dp}");
        // The header length and flags, when captured, are needed above the sequence numbers.
        let fixed = self
            .bytes(w, s, 20)
            .ok()
            .and_then(|_| self.be16(w, s + 12).ok());
        let hl_fixed = fixed.map(|off| usize::from(off >> 12) * 4);
        if let Some(hl) = hl_fixed.filter(|hl| *hl >= 20) {
            let len = w.rep_len().saturating_sub(hl);
            n.push(
                field("TCP Segment Len", len.to_string(), s + 12, 1)
                    .filter("tcp.len", len)
                    .generated(),
            );
        }
        // Wireshark's relative numbering: for a whole segment (not an IP fragment, not quoted
        // in an ICMP error) of a connection the context knows.
        let rel = match (fixed, hl_fixed) {
            (Some(off), Some(hl)) if hl >= 20 && w.rep_len() >= hl => {
                self.tcp_base(ip, sp, dp, off & 0x0fff)
            }
            _ => None,
        };
        let seq = self.be32(w, s + 4)?;
        let shown_seq = rel.map_or(seq, |b| seq.wrapping_sub(b.seq_base));
        if rel.is_some() {
            n.push(
                field(
                    "Sequence Number",
                    format!("{shown_seq}    (relative sequence number)"),
                    s + 4,
                    4,
                )
                .filter("tcp.seq", shown_seq),
            );
        }
        n.push(
            field("Sequence Number (raw)", seq.to_string(), s + 4, 4).filter("tcp.seq_raw", seq),
        );
        if let (Some(_), Some(off), Some(hl)) = (rel, fixed, hl_fixed) {
            let extra = u32::from(off & 0x003 != 0);
            let len = u32::try_from(w.rep_len().saturating_sub(hl)).unwrap_or(u32::MAX);
            let next = shown_seq.wrapping_add(len).wrapping_add(extra);
            n.push(
                field(
                    "Next Sequence Number",
                    format!("{next}    (relative sequence number)"),
                    s,
                    0,
                )
                .filter("tcp.nxtseq", next)
                .generated(),
            );
        }
        let ack = self.be32(w, s + 8)?;
        let acked = fixed.is_some_and(|off| off & 0x010 != 0);
        let ack_base = rel.and_then(|b| b.ack_base).filter(|_| acked);
        let shown_ack = ack_base.map_or(ack, |b| ack.wrapping_sub(b));
        if rel.is_some() {
            let v = if ack_base.is_some() {
                format!("{shown_ack}    (relative ack number)")
            } else {
                ack.to_string()
            };
            n.push(field("Acknowledgment Number", v, s + 8, 4).filter("tcp.ack", shown_ack));
        }
        n.push(
            field("Acknowledgment number (raw)", ack.to_string(), s + 8, 4)
                .filter("tcp.ack_raw", ack),
        );
        let off = self.be16(w, s + 12)?;
        let hl = usize::from(off >> 12) * 4;
        n.push(
            field(
                "Header Length",
                format!("{hl} bytes ({})", hl / 4),
                s + 12,
                1,
            )
            .filter("tcp.hdr_len", hl)
            .bits(u64::from(off >> 8), 0xf0, 8),
        );
        let flags = off & 0x0fff;
        let tcp_len = w.rep_len().saturating_sub(hl);
        n.value = format!("Src Port: {sp}, Dst Port: {dp}, Seq: {shown_seq}");
        if flags & 0x010 != 0 {
            let _ = write!(n.value, ", Ack: {shown_ack}");
        }
        let _ = write!(n.value, ", Len: {tcp_len}");
        if hl < 20 {
            return Err(Cut::bad(
                s + 12,
                format!("bad header length {hl} (must be at least 20)"),
            ));
        }
        let names: Vec<&str> = TCP_FLAGS
            .iter()
            .filter(|f| flags & f.0 != 0)
            .map(|f| f.1)
            .chain((flags & 0xe00 != 0).then_some("Reserved"))
            .collect();
        let flag_list = if names.is_empty() {
            "<None>".to_string()
        } else {
            names.join(", ")
        };
        let v = u64::from(flags);
        let mut fl = field("Flags", format!("0x{flags:03x} ({flag_list})"), s + 12, 2)
            .filter("tcp.flags", format!("0x{flags:03x}"));
        fl.push(
            field(
                "Reserved",
                if flags & 0xe00 != 0 { "Set" } else { "Not set" },
                s + 12,
                2,
            )
            .filter("tcp.flags.res", (flags >> 9) & 7)
            .bits(v, 0xe00, 12),
        );
        for &(bit, _, name, ab) in TCP_FLAGS.iter().rev() {
            fl.push(flag(name, ab, v, u64::from(bit), 12, s + 12));
        }
        let picture: String = "RRRACEUAPRSF"
            .chars()
            .enumerate()
            .map(|(i, c)| if flags & (0x800 >> i) != 0 { c } else { '·' })
            .collect();
        fl.push(
            field("TCP Flags", picture, s + 12, 2)
                .abbrev("tcp.flags.str")
                .generated(),
        );
        n.push(fl);
        let win = self.be16(w, s + 14)?;
        n.push(field("Window", win.to_string(), s + 14, 2).filter("tcp.window_size_value", win));
        let syn = flags & 0x002 != 0;
        let shown_win = match rel {
            Some(b) => {
                let calc = b.window.apply(win, syn);
                n.push(
                    field("Calculated window size", calc.to_string(), s + 14, 2)
                        .filter("tcp.window_size", calc)
                        .generated(),
                );
                if !syn {
                    let f = b.window.factor();
                    let text = match b.window {
                        WindowScale::Unknown => format!("{f} (unknown)"),
                        WindowScale::NotUsed => format!("{f} (no window scaling used)"),
                        WindowScale::Shift(_) => f.to_string(),
                    };
                    n.push(
                        field("Window size scaling factor", text, s + 14, 2)
                            .filter("tcp.window_size_scalefactor", f)
                            .generated(),
                    );
                }
                calc
            }
            None => u32::from(win),
        };
        let cks = self.be16(w, s + 16)?;
        let computed = transport_checksum(self, w, ip, 6, s + 16);
        n.push(checksum_field(
            "Checksum",
            "tcp.checksum",
            cks,
            computed,
            s + 16,
            true,
        ));
        let urg = self.be16(w, s + 18)?;
        n.push(
            field("Urgent Pointer", urg.to_string(), s + 18, 2).filter("tcp.urgent_pointer", urg),
        );
        let mut info = format!("{sp} → {dp} [{flag_list}] Seq={shown_seq}");
        if flags & 0x010 != 0 {
            let _ = write!(info, " Ack={shown_ack}");
        }
        let _ = write!(info, " Win={shown_win}");
        if flags & 0x020 != 0 {
            let _ = write!(info, " Urg={urg}");
        }
        let _ = write!(info, " Len={tcp_len}");
        n.len(20);
        if hl > 20 {
            let opts = self.bytes(w, s + 20, hl - 20)?;
            // SACK edges are relative to the other direction's base, as acknowledgements are.
            let sack_base = rel.map(|b| b.ack_base.unwrap_or(0));
            n.push(tcp_options(opts, s + 20, &mut info, sack_base));
            n.len(hl);
        }
        self.col("TCP", info);
        let pw = w.skip(hl);
        if tcp_len > 0 {
            let b = self.avail(pw);
            n.push(
                field(
                    "TCP payload",
                    format!("({tcp_len} bytes)"),
                    pw.start,
                    b.len(),
                )
                .abbrev("tcp.payload"),
            );
        }
        Ok((pw, sp, dp))
    }

    /// What the context knows of this segment's connection when Wireshark showed it, for a
    /// whole segment that is not quoted in an ICMP error nor part of an IP fragment; `None`
    /// also when the segment acknowledges and the other direction's base is unknown.
    fn tcp_base(&self, ip: &IpCtx, sp: u16, dp: u16, flags: u16) -> Option<TcpFrameBase> {
        if self.quoted > 0 || ip.fragment {
            return None;
        }
        let b = self
            .ctx
            .tcp?
            .lookup(self.ctx.number, ip.src, sp, ip.dst, dp)?;
        (flags & 0x010 == 0 || b.ack_base.is_some()).then_some(b)
    }

    /// UDP.
    pub fn udp(&mut self, w: Win, ip: &IpCtx) {
        self.proto("udp");
        let mut n = layer("User Datagram Protocol", "udp", w.start);
        let r = (|| -> R<(Win, u16, u16)> {
            let s = w.start;
            let sp = self.be16(w, s)?;
            n.push(field("Source Port", sp.to_string(), s, 2).filter("udp.srcport", sp));
            let dp = self.be16(w, s + 2)?;
            n.push(field("Destination Port", dp.to_string(), s + 2, 2).filter("udp.dstport", dp));
            n.value = format!("Src Port: {sp}, Dst Port: {dp}");
            let len = self.be16(w, s + 4)?;
            n.push(field("Length", len.to_string(), s + 4, 2).filter("udp.length", len));
            let ulen = usize::from(len);
            if ulen < 8 && !(ulen == 0 && ip.src.is_ipv6()) {
                return Err(Cut::bad(s + 4, format!("bad length {len} (less than 8)")));
            }
            let ulen = if ulen == 0 { w.rep_len() } else { ulen };
            if ulen > w.rep_len() && self.quoted == 0 {
                n.push(note(
                    format!(
                        "[Length {len} exceeds the {} bytes of the IP payload]",
                        w.rep_len()
                    ),
                    s + 4,
                    2,
                ));
            }
            let uw = w.limit(ulen);
            let cks = self.be16(w, s + 6)?;
            if cks == 0 && ip.src.is_ipv4() {
                let mut c = field("Checksum", "0x0000 [zero-value ignored]", s + 6, 2)
                    .filter("udp.checksum", "0x0000");
                c.push(
                    field("Checksum Status", "Not present", s + 6, 0)
                        .filter("udp.checksum.status", 3)
                        .generated(),
                );
                n.push(c);
            } else {
                let computed = transport_checksum(self, uw, ip, 17, s + 6);
                n.push(checksum_field(
                    "Checksum",
                    "udp.checksum",
                    cks,
                    computed,
                    s + 6,
                    true,
                ));
            }
            n.len(8);
            let plen = ulen.saturating_sub(8);
            self.col("UDP", format!("{sp} → {dp} Len={plen}"));
            let pw = uw.skip(8);
            if plen > 0 {
                let b = self.avail(pw);
                n.push(
                    field("UDP payload", format!("({plen} bytes)"), pw.start, b.len())
                        .abbrev("udp.payload"),
                );
            }
            Ok((pw, sp, dp))
        })();
        if let Some((pw, sp, dp)) = self.finish(n, "UDP", r) {
            if pw.rep_len() > 0 {
                if self.quoted == 0 {
                    self.udp_app(pw, sp, dp);
                } else {
                    self.data(pw);
                }
            }
        }
    }
}

/// TCP options; appends Wireshark's Info text for them (`MSS=1460 SACK_PERM ...`).
/// `sack_base`, with relative numbering, is subtracted from SACK edges.
fn tcp_options(opts: &[u8], at: usize, info: &mut String, sack_base: Option<u32>) -> Node {
    let mut n =
        field("Options", format!("({} bytes)", opts.len()), at, opts.len()).abbrev("tcp.options");
    let mut names: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < opts.len() {
        let Some(&kind) = opts.get(i) else { break };
        let name = super::names::tcp_option(kind);
        let o = at + i;
        if kind <= 1 {
            let ab = if kind == 0 {
                "tcp.options.eol"
            } else {
                "tcp.options.nop"
            };
            let mut x = field(&format!("TCP Option - {name}"), String::new(), o, 1).abbrev(ab);
            x.push(field("Kind", format!("{name} ({kind})"), o, 1).filter("tcp.option_kind", kind));
            n.push(x);
            names.push(name);
            i += 1;
            // After End of Option List comes padding: Wireshark 4.0 shows each zero byte as one
            // more End of Option List, and stops at a non-zero one.
            if kind == 0 && opts.get(i).is_some_and(|&b| b != 0) {
                n.push(note("[Non-zero header padding]", at + i, opts.len() - i));
                break;
            }
            continue;
        }
        let len = match opts.get(i + 1) {
            Some(&l) if l >= 2 && i + usize::from(l) <= opts.len() => usize::from(l),
            _ => {
                n.push(note(
                    "[Malformed TCP option: bad length]",
                    o,
                    opts.len() - i,
                ));
                break;
            }
        };
        let body = opts.get(i + 2..i + len).unwrap_or(&[]);
        let be16 = |k: usize| {
            body.get(k..k + 2)
                .and_then(|b| b.try_into().ok())
                .map(u16::from_be_bytes)
        };
        let be32 = |k: usize| {
            body.get(k..k + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_be_bytes)
        };
        let mut x = field(&format!("TCP Option - {name}"), String::new(), o, len);
        x.push(field("Kind", format!("{name} ({kind})"), o, 1).filter("tcp.option_kind", kind));
        x.push(field("Length", len.to_string(), o + 1, 1).filter("tcp.option_len", len));
        match (kind, len) {
            (2, 4) => {
                let mss = be16(0).unwrap_or(0);
                x.value = format!("{mss} bytes");
                x.push(
                    field("MSS Value", mss.to_string(), o + 2, 2)
                        .filter("tcp.options.mss_val", mss),
                );
                let _ = write!(info, " MSS={mss}");
                x = x.abbrev("tcp.options.mss");
            }
            (3, 3) => {
                let shift = body.first().copied().unwrap_or(0);
                let mult = 1u32 << shift.min(14);
                x.value = format!("{shift} (multiply by {mult})");
                x.push(
                    field("Shift count", shift.to_string(), o + 2, 1)
                        .filter("tcp.options.wscale.shift", shift),
                );
                x.push(
                    field("Multiplier", mult.to_string(), o + 2, 1)
                        .filter("tcp.options.wscale.multiplier", mult)
                        .generated(),
                );
                let _ = write!(info, " WS={mult}");
                x = x.abbrev("tcp.options.wscale");
            }
            (4, 2) => {
                let _ = write!(info, " SACK_PERM");
                x = x.abbrev("tcp.options.sack_perm");
            }
            (8, 10) => {
                let (tsval, tsecr) = (be32(0).unwrap_or(0), be32(4).unwrap_or(0));
                x.value = format!("TSval {tsval}, TSecr {tsecr}");
                x.push(
                    field("Timestamp value", tsval.to_string(), o + 2, 4)
                        .filter("tcp.options.timestamp.tsval", tsval),
                );
                x.push(
                    field("Timestamp echo reply", tsecr.to_string(), o + 6, 4)
                        .filter("tcp.options.timestamp.tsecr", tsecr),
                );
                let _ = write!(info, " TSval={tsval} TSecr={tsecr}");
                x = x.abbrev("tcp.options.timestamp");
            }
            (5, _) => {
                let mut edges = Vec::new();
                let mut k = 0;
                let base = sack_base.unwrap_or(0);
                let rel = if sack_base.is_some() {
                    " (relative)"
                } else {
                    ""
                };
                while k + 8 <= body.len() {
                    let le = be32(k).unwrap_or(0).wrapping_sub(base);
                    let re = be32(k + 4).unwrap_or(0).wrapping_sub(base);
                    x.push(
                        field("left edge", format!("{le}{rel}"), o + 2 + k, 4)
                            .filter("tcp.options.sack_le", le),
                    );
                    x.push(
                        field("right edge", format!("{re}{rel}"), o + 6 + k, 4)
                            .filter("tcp.options.sack_re", re),
                    );
                    let _ = write!(info, " SLE={le} SRE={re}");
                    edges.push(format!("{le}-{re}"));
                    k += 8;
                }
                x.push(
                    field("TCP SACK Count", edges.len().to_string(), o, len)
                        .filter("tcp.options.sack.count", edges.len())
                        .generated(),
                );
                x.value = edges.join(" ");
                x = x.abbrev("tcp.options.sack");
            }
            _ => {
                if !body.is_empty() {
                    x.push(field(
                        "Data",
                        super::cx::hex_preview(body),
                        o + 2,
                        body.len(),
                    ));
                }
            }
        }
        n.push(x);
        names.push(name);
        i += len;
    }
    // As Wireshark words the line: `Options: (12 bytes), No-Operation (NOP), No-Operation
    // (NOP), Timestamps`, every option in order.
    n.name = "Options:".to_string();
    n.value = format!("({} bytes), {}", opts.len(), names.join(", "));
    n
}
