//! Network layers: IPv4 (options, fragments, header checksum), IPv6 and its extension headers,
//! ARP; and the dispatch on the IP protocol number.

use super::cx::{field, flag, flag_says, hx, layer, mac, note, Cut, Cx, IpCtx, Win, R};
use super::{names, Node};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Extension headers followed in one IPv6 header chain.
const MAX_EXT: usize = 32;

/// What follows an IP header.
pub(super) struct IpNext {
    pub proto: u8,
    pub w: Win,
    pub ctx: IpCtx,
    /// Offset of a non-first fragment (nothing above IP is dissected then), 0 otherwise.
    pub frag_off: u32,
}

/// The one's complement sum of `b` (as 16-bit big-endian words) added to `acc`.
pub(super) fn ones_sum(b: &[u8], mut acc: u32) -> u32 {
    let mut chunks = b.chunks_exact(2);
    for c in &mut chunks {
        if let [x, y] = c {
            acc = acc.wrapping_add(u32::from(u16::from_be_bytes([*x, *y])));
        }
    }
    if let [x] = chunks.remainder() {
        acc = acc.wrapping_add(u32::from(*x) << 8);
    }
    acc
}

/// Folds a one's complement sum to 16 bits.
pub(super) fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// A checksum field and its status child: `0x1a2b [correct]` / `[incorrect, should be ...]`
/// / `[unverified]`. `computed` is the checksum the data should carry, when it could be
/// computed.
pub(super) fn checksum_field(
    name: &str,
    abbrev: &str,
    value: u16,
    computed: Option<u16>,
    at: usize,
    offload_hint: bool,
) -> Node {
    let (text, status, code) = match computed {
        Some(c) if c == value => (format!("0x{value:04x} [correct]"), "Good", 1),
        Some(c) => (
            format!(
                "0x{value:04x} [incorrect, should be 0x{c:04x}{}]",
                if offload_hint {
                    " (maybe caused by checksum offload)"
                } else {
                    ""
                }
            ),
            "Bad",
            0,
        ),
        None => (format!("0x{value:04x} [unverified]"), "Unverified", 2),
    };
    let mut n = field(name, text, at, 2).filter(abbrev, hx(value, 4));
    n.push(
        field(&format!("{name} Status"), status, at, 0)
            .filter(&format!("{abbrev}.status"), code)
            .generated(),
    );
    n
}

impl Cx<'_> {
    /// IPv4.
    pub fn ipv4(&mut self, w: Win) {
        self.proto("ip");
        let mut n = layer("Internet Protocol Version 4", "ip", w.start);
        let r = self.ipv4_hdr(&mut n, w);
        if let Some(next) = self.finish(n, "IPv4", r) {
            self.ip_next(next);
        }
    }

    fn ipv4_hdr(&mut self, n: &mut Node, w: Win) -> R<IpNext> {
        let s = w.start;
        let vihl = self.u8(w, s)?;
        let v = u64::from(vihl);
        let version = vihl >> 4;
        let ihl = usize::from(vihl & 15) * 4;
        n.push(
            field("Version", version.to_string(), s, 1)
                .filter("ip.version", version)
                .bits(v, 0xf0, 8),
        );
        if version != 4 {
            return Err(Cut::bad(s, format!("version {version}, not 4")));
        }
        n.push(
            field("Header Length", format!("{ihl} bytes ({})", ihl / 4), s, 1)
                .filter("ip.hdr_len", ihl)
                .bits(v, 0x0f, 8),
        );
        if ihl < 20 {
            self.col(
                "IPv4",
                format!("Bogus IP header length ({ihl}, must be at least 20)"),
            );
            return Err(Cut::bad(
                s,
                format!("bad header length {ihl} (must be at least 20)"),
            ));
        }
        let tos = self.u8(w, s + 1)?;
        let (dscp, ecn) = (tos >> 2, tos & 3);
        let mut ds = field(
            "Differentiated Services Field",
            format!(
                "0x{tos:02x} (DSCP: {}, ECN: {})",
                names::dscp_short(dscp),
                names::ecn(ecn).0
            ),
            s + 1,
            1,
        )
        .filter("ip.dsfield", hx(tos, 2));
        ds.push(
            field(
                "Differentiated Services Codepoint",
                names::dscp(dscp),
                s + 1,
                1,
            )
            .filter("ip.dsfield.dscp", dscp)
            .bits(u64::from(tos), 0xfc, 8),
        );
        ds.push(
            field(
                "Explicit Congestion Notification",
                format!("{} ({ecn})", names::ecn(ecn).1),
                s + 1,
                1,
            )
            .filter("ip.dsfield.ecn", ecn)
            .bits(u64::from(tos), 0x03, 8),
        );
        n.push(ds);
        let total = self.be16(w, s + 2)?;
        let tso = total == 0;
        let total_eff = if tso { w.rep_len() } else { usize::from(total) };
        n.push(
            field(
                "Total Length",
                if tso {
                    "0 (reported as 0, presumed to be because of TCP segmentation offload)"
                        .to_string()
                } else {
                    total.to_string()
                },
                s + 2,
                2,
            )
            .filter("ip.len", total),
        );
        if !tso && total_eff < ihl {
            self.col(
                "IPv4",
                format!("Bogus IP length ({total}, less than header length {ihl})"),
            );
            return Err(Cut::bad(
                s + 2,
                format!("bad total length {total} (less than the header length {ihl})"),
            ));
        }
        let id = self.be16(w, s + 4)?;
        n.push(
            field("Identification", format!("0x{id:04x} ({id})"), s + 4, 2)
                .filter("ip.id", hx(id, 4)),
        );
        let ff = self.be16(w, s + 6)?;
        let fl = u64::from(ff >> 8);
        let flags = ff >> 13;
        let off = u32::from(ff & 0x1fff) * 8;
        let mf = ff & 0x2000 != 0;
        let mut fnode = field(
            "Flags",
            format!(
                "0x{flags:x}{}",
                match (ff & 0x4000 != 0, mf) {
                    (true, true) => ", Don't fragment, More fragments",
                    (true, false) => ", Don't fragment",
                    (false, true) => ", More fragments",
                    _ => "",
                }
            ),
            s + 6,
            1,
        )
        .filter("ip.flags", hx(flags, 1))
        .bits(fl, 0xe0, 8);
        fnode.push(flag("Reserved bit", "ip.flags.rb", fl, 0x80, 8, s + 6));
        fnode.push(flag("Don't fragment", "ip.flags.df", fl, 0x40, 8, s + 6));
        fnode.push(flag("More fragments", "ip.flags.mf", fl, 0x20, 8, s + 6));
        n.push(fnode);
        n.push(
            field("Fragment Offset", off.to_string(), s + 6, 2)
                .filter("ip.frag_offset", off)
                .bits(u64::from(ff), 0x1fff, 16),
        );
        let ttl = self.u8(w, s + 8)?;
        n.push(field("Time to Live", ttl.to_string(), s + 8, 1).filter("ip.ttl", ttl));
        let proto = self.u8(w, s + 9)?;
        n.push(
            field(
                "Protocol",
                format!("{} ({proto})", names::ip_proto(proto)),
                s + 9,
                1,
            )
            .filter("ip.proto", proto),
        );
        let cks = self.be16(w, s + 10)?;
        let computed = self.ip_checksum_fix(s, ihl, w);
        n.push(checksum_field(
            "Header Checksum",
            "ip.checksum",
            cks,
            computed,
            s + 10,
            false,
        ));
        let src = Ipv4Addr::from(self.arr::<4>(w, s + 12)?);
        n.push(field("Source Address", src.to_string(), s + 12, 4).filter("ip.src", src));
        let dst = Ipv4Addr::from(self.arr::<4>(w, s + 16)?);
        n.push(field("Destination Address", dst.to_string(), s + 16, 4).filter("ip.dst", dst));
        n.value = format!("Src: {src}, Dst: {dst}");
        if ihl > 20 {
            let opts = self.bytes(w, s + 20, ihl - 20)?;
            n.push(ipv4_options(opts, s + 20));
        }
        n.len(ihl);
        if !tso && total_eff > w.rep_len() {
            n.push(note(
                format!(
                    "[Total length {total} exceeds the {} bytes of the packet]",
                    w.rep_len()
                ),
                s + 2,
                2,
            ));
        }
        let mut pw = w.limit(total_eff).skip(ihl);
        if mf && off == 0 {
            // A first fragment: the rest of the datagram comes in later packets.
            pw.claim = usize::MAX;
        }
        if self.quoted == 0 && self.net_end.is_none() && !tso {
            self.net_end = Some(s.saturating_add(total_eff));
        }
        if off > 0 {
            self.col(
                "IPv4",
                format!(
                    "Fragmented IP protocol (proto={} {proto}, off={off}, ID={id:04x})",
                    names::ip_proto_short(proto)
                ),
            );
        } else {
            self.col("IPv4", format!("{} ({proto})", names::ip_proto(proto)));
        }
        Ok(IpNext {
            proto,
            w: pw,
            ctx: IpCtx {
                src: IpAddr::V4(src),
                dst: IpAddr::V4(dst),
                ttl,
                fragment: mf || off > 0,
            },
            frag_off: off,
        })
    }

    /// The IPv4 header checksum the header should carry: the complement of the sum of the
    /// header with the checksum field taken as zero.
    fn ip_checksum_fix(&self, s: usize, ihl: usize, w: Win) -> Option<u16> {
        let h = self.bytes(w, s, ihl).ok()?;
        let a = ones_sum(h.get(..10)?, 0);
        let b = ones_sum(h.get(12..)?, a);
        Some(!fold(b))
    }

    /// IPv6 with its extension headers.
    pub fn ipv6(&mut self, w: Win) {
        self.proto("ipv6");
        let mut n = layer("Internet Protocol Version 6", "ipv6", w.start);
        let r = self.ipv6_hdr(&mut n, w);
        if let Some(next) = self.finish(n, "IPv6", r) {
            self.ip_next(next);
        }
    }

    fn ipv6_hdr(&mut self, n: &mut Node, w: Win) -> R<IpNext> {
        let s = w.start;
        let first = self.u8(w, s)?;
        let version = first >> 4;
        n.push(
            field("Version", version.to_string(), s, 1)
                .filter("ipv6.version", version)
                .bits(u64::from(first), 0xf0, 8),
        );
        if version != 6 {
            return Err(Cut::bad(s, format!("version {version}, not 6")));
        }
        let vtf = self.be32(w, s)?;
        let tc = ((vtf >> 20) & 0xff) as u8;
        n.push(
            field(
                "Traffic Class",
                format!(
                    "0x{tc:02x} (DSCP: {}, ECN: {})",
                    names::dscp_short(tc >> 2),
                    names::ecn(tc).0
                ),
                s,
                2,
            )
            .filter("ipv6.tclass", hx(tc, 2))
            .bits(u64::from(vtf), 0x0ff0_0000, 32),
        );
        let flow = vtf & 0xfffff;
        n.push(
            field("Flow Label", format!("0x{flow:05x}"), s + 1, 3)
                .filter("ipv6.flow", format!("0x{flow:05x}"))
                .bits(u64::from(vtf & 0x00ff_ffff), 0xfffff, 24),
        );
        let plen = self.be16(w, s + 4)?;
        n.push(field("Payload Length", plen.to_string(), s + 4, 2).filter("ipv6.plen", plen));
        let nxt = self.u8(w, s + 6)?;
        n.push(
            field(
                "Next Header",
                format!("{} ({nxt})", names::ip_proto(nxt)),
                s + 6,
                1,
            )
            .filter("ipv6.nxt", nxt),
        );
        let hlim = self.u8(w, s + 7)?;
        n.push(field("Hop Limit", hlim.to_string(), s + 7, 1).filter("ipv6.hlim", hlim));
        let src = Ipv6Addr::from(self.arr::<16>(w, s + 8)?);
        n.push(field("Source Address", src.to_string(), s + 8, 16).filter("ipv6.src", src));
        let dst = Ipv6Addr::from(self.arr::<16>(w, s + 24)?);
        n.push(field("Destination Address", dst.to_string(), s + 24, 16).filter("ipv6.dst", dst));
        n.value = format!("Src: {src}, Dst: {dst}");
        n.len(40);
        let plen_eff = if plen == 0 {
            w.rep_len().saturating_sub(40)
        } else {
            usize::from(plen)
        };
        if 40 + plen_eff > w.rep_len() {
            n.push(note(
                format!(
                    "[Payload length {plen} exceeds the {} bytes of the packet]",
                    w.rep_len().saturating_sub(40)
                ),
                s + 4,
                2,
            ));
        }
        if self.quoted == 0 && self.net_end.is_none() && plen != 0 {
            self.net_end = Some(s.saturating_add(40 + plen_eff));
        }
        let mut pw = w.limit(40 + plen_eff).skip(40);
        let mut next = nxt;
        let mut frag: Option<(u32, bool)> = None;
        self.col("IPv6", format!("{} ({nxt})", names::ip_proto(nxt)));
        for _ in 0..MAX_EXT {
            let at = pw.start;
            let (len, node) = match next {
                0 | 60 => {
                    let (name, ab) = if next == 0 {
                        ("IPv6 Hop-by-Hop Option", "ipv6.hopopts")
                    } else {
                        ("Destination Options for IPv6", "ipv6.dstopts")
                    };
                    self.proto(ab);
                    let nh = self.u8(pw, at)?;
                    let l = self.u8(pw, at + 1)?;
                    let len = (usize::from(l) + 1) * 8;
                    let mut e = field(name, String::new(), at, len).abbrev(ab);
                    e.push(
                        field(
                            "Next Header",
                            format!("{} ({nh})", names::ip_proto(nh)),
                            at,
                            1,
                        )
                        .filter(&format!("{ab}.nxt"), nh),
                    );
                    e.push(
                        field("Length", format!("{l}"), at + 1, 1).filter(&format!("{ab}.len"), l),
                    );
                    e.push(
                        field("Length", format!("{len} bytes"), at + 1, 1)
                            .filter(&format!("{ab}.len_oct"), len)
                            .generated(),
                    );
                    let opts = self.bytes(pw, at + 2, len - 2)?;
                    ipv6_options(&mut e, opts, at + 2);
                    next = nh;
                    (len, e)
                }
                43 => {
                    self.proto("ipv6.routing");
                    let nh = self.u8(pw, at)?;
                    let l = self.u8(pw, at + 1)?;
                    let len = (usize::from(l) + 1) * 8;
                    let ty = self.u8(pw, at + 2)?;
                    let left = self.u8(pw, at + 3)?;
                    let tname = match ty {
                        0 => "Source Route",
                        2 => "Type 2 Routing",
                        3 => "RPL Source Route",
                        4 => "Segment Routing",
                        _ => "Unknown",
                    };
                    let mut e = field("Routing Header for IPv6", format!("({tname})"), at, len)
                        .abbrev("ipv6.routing");
                    e.push(
                        field(
                            "Next Header",
                            format!("{} ({nh})", names::ip_proto(nh)),
                            at,
                            1,
                        )
                        .filter("ipv6.routing.nxt", nh),
                    );
                    e.push(field("Length", l.to_string(), at + 1, 1).filter("ipv6.routing.len", l));
                    e.push(
                        field("Type", format!("{tname} ({ty})"), at + 2, 1)
                            .filter("ipv6.routing.type", ty),
                    );
                    e.push(
                        field("Segments Left", left.to_string(), at + 3, 1)
                            .filter("ipv6.routing.segleft", left),
                    );
                    self.bytes(pw, at, len)?;
                    next = nh;
                    (len, e)
                }
                44 => {
                    self.proto("ipv6.fraghdr");
                    let nh = self.u8(pw, at)?;
                    let of = self.be16(pw, at + 2)?;
                    let ident = self.be32(pw, at + 4)?;
                    let units = of >> 3;
                    let more = of & 1 == 1;
                    let mut e = field("Fragment Header for IPv6", String::new(), at, 8)
                        .abbrev("ipv6.fraghdr");
                    e.push(
                        field(
                            "Next header",
                            format!("{} ({nh})", names::ip_proto(nh)),
                            at,
                            1,
                        )
                        .filter("ipv6.fraghdr.nxt", nh),
                    );
                    e.push(
                        field(
                            "Offset",
                            format!("{units} ({} bytes)", u32::from(units) * 8),
                            at + 2,
                            2,
                        )
                        .filter("ipv6.fraghdr.offset", units)
                        .bits(u64::from(of), 0xfff8, 16),
                    );
                    e.push(flag_says(
                        "More Fragments",
                        "ipv6.fraghdr.more",
                        u64::from(of),
                        1,
                        16,
                        at + 2,
                        ("Yes", "No"),
                    ));
                    e.push(
                        field("Identification", format!("0x{ident:08x}"), at + 4, 4)
                            .filter("ipv6.fraghdr.ident", format!("0x{ident:08x}")),
                    );
                    let off = u32::from(units) * 8;
                    frag = Some((off, more));
                    if off > 0 {
                        self.col(
                            "IPv6",
                            format!(
                                "IPv6 fragment (off={off} more={} ident=0x{ident:08x} nxt={nh})",
                                if more { "y" } else { "n" }
                            ),
                        );
                    } else {
                        self.col("IPv6", format!("{} ({nh})", names::ip_proto(nh)));
                    }
                    next = nh;
                    (8, e)
                }
                51 => {
                    self.proto("ah");
                    let nh = self.u8(pw, at)?;
                    let l = self.u8(pw, at + 1)?;
                    let len = (usize::from(l) + 2) * 4;
                    let spi = self.be32(pw, at + 4)?;
                    let seq = self.be32(pw, at + 8)?;
                    let mut e = field("Authentication Header", String::new(), at, len).abbrev("ah");
                    e.push(
                        field(
                            "Next header",
                            format!("{} ({nh})", names::ip_proto(nh)),
                            at,
                            1,
                        )
                        .filter("ah.next_header", nh),
                    );
                    e.push(field("Length", format!("{len}"), at + 1, 1).filter("ah.length", l));
                    e.push(field("AH SPI", hx(spi, 8), at + 4, 4).filter("ah.spi", hx(spi, 8)));
                    e.push(
                        field("AH Sequence", seq.to_string(), at + 8, 4).filter("ah.sequence", seq),
                    );
                    self.bytes(pw, at, len)?;
                    next = nh;
                    (len, e)
                }
                _ => break,
            };
            n.push(node);
            pw = pw.skip(len);
            if let Some((off, _)) = frag {
                if off > 0 {
                    break;
                }
            }
        }
        let (frag_off, fragment) = match frag {
            Some((off, more)) => (off, more || off > 0),
            None => (0, false),
        };
        if fragment && frag_off == 0 {
            pw.claim = usize::MAX;
        }
        Ok(IpNext {
            proto: next,
            w: pw,
            ctx: IpCtx {
                src: IpAddr::V6(src),
                dst: IpAddr::V6(dst),
                ttl: hlim,
                fragment,
            },
            frag_off,
        })
    }

    /// What an IP header carries.
    fn ip_next(&mut self, next: IpNext) {
        let IpNext {
            proto,
            w,
            ctx,
            frag_off,
        } = next;
        if frag_off > 0 {
            return self.data(w);
        }
        if !self.enter() {
            return self.too_deep(w);
        }
        match proto {
            6 => self.tcp(w, &ctx),
            17 => self.udp(w, &ctx),
            1 => self.icmp(w, &ctx),
            58 => self.icmpv6(w, &ctx),
            4 => self.ipv4(w),
            41 => self.ipv6(w),
            47 => self.gre(w),
            59 => self.col(
                if ctx.src.is_ipv4() { "IPv4" } else { "IPv6" },
                "IPv6 no next header",
            ),
            _ => self.data(w),
        }
        self.leave();
    }

    /// ARP (and RARP).
    pub fn arp(&mut self, w: Win, rarp: bool) {
        self.proto("arp");
        let mut n = layer("Address Resolution Protocol", "arp", w.start);
        let r = (|| -> R<String> {
            let s = w.start;
            let hw = self.be16(w, s)?;
            n.push(
                field(
                    "Hardware type",
                    format!("{} ({hw})", names::arp_hw(hw)),
                    s,
                    2,
                )
                .filter("arp.hw.type", hw),
            );
            let pt = self.be16(w, s + 2)?;
            n.push(
                field(
                    "Protocol type",
                    format!("{} (0x{pt:04x})", names::ethertype(pt)),
                    s + 2,
                    2,
                )
                .filter("arp.proto.type", hx(pt, 4)),
            );
            let hl = usize::from(self.u8(w, s + 4)?);
            n.push(field("Hardware size", hl.to_string(), s + 4, 1).filter("arp.hw.size", hl));
            let pl = usize::from(self.u8(w, s + 5)?);
            n.push(field("Protocol size", pl.to_string(), s + 5, 1).filter("arp.proto.size", pl));
            let op = self.be16(w, s + 6)?;
            n.push(
                field("Opcode", format!("{} ({op})", names::arp_op(op)), s + 6, 2)
                    .filter("arp.opcode", op),
            );
            let ipv4 = pt == 0x0800 && pl == 4;
            let mut at = s + 8;
            let mut addr = |cx: &Self,
                            n: &mut Node,
                            name: &str,
                            ab: &str,
                            len: usize,
                            ip: bool|
             -> R<String> {
                let b = cx.bytes(w, at, len)?;
                let text = if ip {
                    let a = Ipv4Addr::new(
                        *b.first().unwrap_or(&0),
                        *b.get(1).unwrap_or(&0),
                        *b.get(2).unwrap_or(&0),
                        *b.get(3).unwrap_or(&0),
                    );
                    a.to_string()
                } else {
                    mac(b)
                };
                let f = field(name, text.clone(), at, len);
                n.push(if ip || len == 6 {
                    f.filter(ab, &text)
                } else {
                    f.abbrev(ab)
                });
                at += len;
                Ok(text)
            };
            let (sha_ab, spa_ab, tha_ab, tpa_ab) = match (hl == 6, ipv4) {
                (true, true) => (
                    "arp.src.hw_mac",
                    "arp.src.proto_ipv4",
                    "arp.dst.hw_mac",
                    "arp.dst.proto_ipv4",
                ),
                (true, false) => (
                    "arp.src.hw_mac",
                    "arp.src.proto",
                    "arp.dst.hw_mac",
                    "arp.dst.proto",
                ),
                (false, true) => (
                    "arp.src.hw",
                    "arp.src.proto_ipv4",
                    "arp.dst.hw",
                    "arp.dst.proto_ipv4",
                ),
                (false, false) => ("arp.src.hw", "arp.src.proto", "arp.dst.hw", "arp.dst.proto"),
            };
            let hw_name = if hl == 6 { "MAC" } else { "hardware" };
            let pr_name = if ipv4 { "IP" } else { "protocol" };
            let sha = addr(
                self,
                &mut n,
                &format!("Sender {hw_name} address"),
                sha_ab,
                hl,
                false,
            )?;
            let spa = addr(
                self,
                &mut n,
                &format!("Sender {pr_name} address"),
                spa_ab,
                pl,
                ipv4,
            )?;
            let tha = addr(
                self,
                &mut n,
                &format!("Target {hw_name} address"),
                tha_ab,
                hl,
                false,
            )?;
            let tpa = addr(
                self,
                &mut n,
                &format!("Target {pr_name} address"),
                tpa_ab,
                pl,
                ipv4,
            )?;
            n.len(8 + 2 * (hl + pl));
            let zero_tha = tha.chars().all(|c| c == '0' || c == ':');
            let gratuitous = spa == tpa;
            let probe = op == 1 && ipv4 && spa == "0.0.0.0" && zero_tha;
            let announcement = op == 1 && gratuitous && zero_tha;
            let (suffix, info) = match op {
                1 if announcement => ("ARP Announcement", format!("ARP Announcement for {tpa}")),
                1 if gratuitous => (
                    "request/gratuitous ARP",
                    format!("Gratuitous ARP for {tpa} (Request)"),
                ),
                1 if probe => ("ARP Probe", format!("Who has {tpa}? (ARP Probe)")),
                1 => ("request", format!("Who has {tpa}? Tell {spa}")),
                2 if gratuitous => (
                    "reply/gratuitous ARP",
                    format!("Gratuitous ARP for {spa} (Reply)"),
                ),
                2 => ("reply", format!("{spa} is at {sha}")),
                3 => ("reverse request", format!("Who is {tha}? Tell {sha}")),
                4 => ("reverse reply", format!("{tha} is at {tpa}")),
                _ => ("opcode unknown", format!("Unknown ARP opcode 0x{op:04x}")),
            };
            n.name = format!(
                "{} ({suffix})",
                if rarp {
                    "Reverse Address Resolution Protocol"
                } else {
                    "Address Resolution Protocol"
                }
            );
            Ok(info)
        })();
        if let Some(info) = self.finish(n, "ARP", r) {
            self.col(if rarp { "RARP" } else { "ARP" }, info);
            if self.quoted == 0 && self.net_end.is_none() {
                self.net_end = self.layers.last().map(|l| l.end as usize);
            }
        }
    }
}

fn ipv4_options(opts: &[u8], at: usize) -> Node {
    let mut n = field("Options", format!("({} bytes)", opts.len()), at, opts.len());
    let mut names_seen: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < opts.len() {
        let Some(&kind) = opts.get(i) else { break };
        let name = match kind {
            0 => "End of Options List (EOL)",
            1 => "No Operation (NOP)",
            7 => "Record Route",
            25 => "Quick-Start",
            68 => "Time Stamp",
            82 => "Traceroute",
            130 => "Security",
            131 => "Loose Source Route",
            133 => "Commercial IP Security Option",
            136 => "Stream ID",
            137 => "Strict Source Route",
            148 => "Router Alert",
            _ => "Unknown",
        };
        let len = if kind <= 1 {
            1
        } else {
            match opts.get(i + 1) {
                Some(&l) if l >= 2 && i + usize::from(l) <= opts.len() => usize::from(l),
                _ => {
                    n.push(note(
                        "[Malformed IP option: bad length]",
                        at + i,
                        opts.len() - i,
                    ));
                    break;
                }
            }
        };
        let mut o = field(
            &format!("IP Option - {name}"),
            format!("({len} bytes)"),
            at + i,
            len,
        )
        .filter("ip.opt.type", kind);
        o.push(field("Type", kind.to_string(), at + i, 1).filter("ip.opt.type", kind));
        if len > 1 {
            o.push(field("Length", len.to_string(), at + i + 1, 1).filter("ip.opt.len", len));
        }
        n.push(o);
        if kind > 1 && !names_seen.contains(&name) {
            names_seen.push(name);
        }
        i += len;
        if kind == 0 {
            break;
        }
    }
    if !names_seen.is_empty() {
        n.value = format!("({} bytes), {}", opts.len(), names_seen.join(", "));
    }
    n
}

fn ipv6_options(e: &mut Node, opts: &[u8], at: usize) {
    let mut i = 0;
    while i < opts.len() {
        let Some(&ty) = opts.get(i) else { break };
        let len = if ty == 0 {
            1
        } else {
            match opts.get(i + 1) {
                Some(&l) if i + 2 + usize::from(l) <= opts.len() => 2 + usize::from(l),
                _ => {
                    e.push(note(
                        "[Malformed IPv6 option: bad length]",
                        at + i,
                        opts.len() - i,
                    ));
                    return;
                }
            }
        };
        let name = match ty {
            0 => "Pad1",
            1 => "PadN",
            4 => "Tunnel Encapsulation Limit",
            5 => "Router Alert",
            0x26 => "Quick-Start",
            0x63 => "RPL Option",
            0x6d => "MPL Option",
            0x8b => "ILNP Nonce",
            0xc2 => "Jumbo Payload",
            0xc9 => "Home Address",
            _ => "Unknown",
        };
        let mut o =
            field("IPv6 Option", format!("({name})"), at + i, len).filter("ipv6.opt.type", ty);
        o.push(
            field("Type", format!("{name} (0x{ty:02x})"), at + i, 1).filter("ipv6.opt.type", ty),
        );
        if ty != 0 {
            o.push(
                field("Length", (len - 2).to_string(), at + i + 1, 1)
                    .filter("ipv6.opt.length", len - 2),
            );
        }
        e.push(o);
        i += len;
    }
}
