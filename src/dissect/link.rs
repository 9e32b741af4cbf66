//! The frame and its link layers: Ethernet II / 802.3 + LLC/SNAP, VLAN tags, MPLS, PPPoE, PPP,
//! Linux cooked capture v1/v2, BSD null/loopback, Cisco HDLC, NFLOG and raw IP.

use super::cx::{field, flag_says, hx, layer, mac, note, Cut, Cx, Win, R};
use super::names;
use crate::capture::linktype as lt;

/// Name of a link type, for the Frame layer.
fn link_name(t: u32) -> &'static str {
    match t {
        lt::NULL => "NULL/Loopback",
        lt::ETHERNET => "Ethernet",
        lt::PPP => "PPP",
        lt::RAW | 12 | 14 => "Raw IP",
        lt::C_HDLC => "Cisco HDLC",
        lt::IEEE802_11 => "IEEE 802.11 Wireless LAN",
        lt::LOOP => "OpenBSD loopback",
        lt::LINUX_SLL => "Linux cooked-mode capture v1",
        lt::IEEE802_11_RADIOTAP => "IEEE 802.11 plus radiotap radio header",
        lt::IPV4 => "Raw IPv4",
        lt::IPV6 => "Raw IPv6",
        lt::NFLOG => "Linux Netfilter NFLOG",
        lt::LINUX_SLL2 => "Linux cooked-mode capture v2",
        _ => "Unknown",
    }
}

/// VLAN priority (PCP) names.
fn vlan_priority(p: u16) -> &'static str {
    match p {
        0 => "Best Effort (default)",
        1 => "Background",
        2 => "Excellent Effort",
        3 => "Critical Applications",
        4 => "Video, < 100ms latency and jitter",
        5 => "Voice, < 10ms latency and jitter",
        6 => "Internetwork Control",
        _ => "Network Control",
    }
}

/// PPP protocol numbers.
fn ppp_proto(p: u16) -> &'static str {
    match p {
        0x0021 => "Internet Protocol version 4",
        0x0057 => "Internet Protocol version 6",
        0x0281 => "MPLS",
        0xc021 => "Link Control Protocol",
        0xc023 => "Password Authentication Protocol",
        0xc223 => "Challenge Handshake Authentication Protocol",
        0x8021 => "Internet Protocol Control Protocol",
        0x8057 => "IPv6 Control Protocol",
        _ => "Unknown",
    }
}

impl Cx<'_> {
    /// The `Frame` layer: lengths and link type.
    pub fn frame(&mut self, link_type: u32, orig_len: u32) {
        let cap = self.d.len();
        let wire = orig_len as usize;
        let mut n = layer("Frame", "frame", 0);
        n.value = format!(
            "{wire} bytes on wire ({} bits), {cap} bytes captured ({} bits)",
            wire.saturating_mul(8),
            cap.saturating_mul(8)
        );
        n.push(field(
            "Link type",
            format!("{} ({link_type})", link_name(link_type)),
            0,
            0,
        ));
        n.push(
            field(
                "Frame Length",
                format!("{wire} bytes ({} bits)", wire.saturating_mul(8)),
                0,
                0,
            )
            .filter("frame.len", wire),
        );
        n.push(
            field(
                "Capture Length",
                format!("{cap} bytes ({} bits)", cap.saturating_mul(8)),
                0,
                0,
            )
            .filter("frame.cap_len", cap),
        );
        if wire < cap {
            n.push(note(
                format!("[Frame length {wire} is less than the captured length {cap}]"),
                0,
                0,
            ));
        }
        n.end_at(cap);
        self.layers.push(n);
    }

    /// Dispatches on the link type.
    pub fn link(&mut self, link_type: u32) {
        let w = self.all();
        match link_type {
            lt::ETHERNET => self.ethernet(w),
            lt::NULL => self.null(w, false),
            lt::LOOP => self.null(w, true),
            lt::RAW | 12 | 14 => self.raw(w),
            lt::IPV4 => self.ipv4(w),
            lt::IPV6 => self.ipv6(w),
            lt::LINUX_SLL => self.sll(w),
            lt::LINUX_SLL2 => self.sll2(w),
            lt::C_HDLC => self.chdlc(w),
            lt::PPP => self.ppp(w, true),
            lt::NFLOG => self.nflog(w),
            _ => {
                let col = match link_type {
                    lt::IEEE802_11 | lt::IEEE802_11_RADIOTAP => "802.11",
                    _ => "Unknown",
                };
                self.col(
                    col,
                    format!(
                        "{} link type {link_type} (not dissected)",
                        link_name(link_type)
                    ),
                );
                self.data(w);
            }
        }
    }

    /// Ethernet II, or IEEE 802.3 when the type field is a length.
    pub fn ethernet(&mut self, w: Win) {
        self.proto("eth");
        let idx = self.layers.len();
        let mut n = layer("Ethernet II", "eth", w.start);
        let r = (|| -> R<(u16, Win)> {
            let s = w.start;
            let dst = self.bytes(w, s, 6)?;
            n.push(mac_field("Destination", "eth.dst", dst, s));
            let src = self.bytes(w, s + 6, 6)?;
            n.push(mac_field("Source", "eth.src", src, s + 6));
            n.value = format!("Src: {}, Dst: {}", mac(src), mac(dst));
            let et = self.be16(w, s + 12)?;
            n.len(14);
            if et <= 1500 {
                n.name = "IEEE 802.3 Ethernet".into();
                n.push(field("Length", et.to_string(), s + 12, 2).filter("eth.len", et));
            } else {
                n.push(type_field("Type", "eth.type", et, s + 12));
            }
            Ok((et, w.skip(14)))
        })();
        if let Some((et, pw)) = self.finish(n, "Ethernet", r) {
            if self.quoted == 0 && self.eth.is_none() {
                self.eth = Some(idx);
            }
            self.col("Ethernet", "Ethernet II");
            self.type_or_length(et, pw);
        }
    }

    /// An 802.3 length (≤ 1500: LLC follows) or an ethertype.
    fn type_or_length(&mut self, et: u16, w: Win) {
        if et <= 1500 {
            let pw = w.limit(usize::from(et));
            if self.net_end.is_none() && self.quoted == 0 {
                self.net_end = Some(pw.rep.min(pw.start.saturating_add(usize::from(et))));
            }
            self.llc(pw);
        } else if et >= 0x600 {
            self.ethertype(et, w);
        } else {
            self.data(w);
        }
    }

    /// Dispatches on an ethertype field of a link header (Wireshark's `ethertype` pseudo
    /// protocol shows in `frame.protocols`).
    pub fn ethertype(&mut self, et: u16, w: Win) {
        self.proto("ethertype");
        self.ethertype_plain(et, w);
    }

    /// Dispatches on an ethertype (also GRE protocol types).
    pub fn ethertype_plain(&mut self, et: u16, w: Win) {
        if !self.enter() {
            return self.too_deep(w);
        }
        match et {
            0x0800 => self.ipv4(w),
            0x86dd => self.ipv6(w),
            0x0806 => self.arp(w, false),
            0x8035 => self.arp(w, true),
            0x8100 | 0x88a8 | 0x9100 | 0x9200 => self.vlan(et, w),
            0x8847 | 0x8848 => self.mpls(w),
            0x8864 => self.pppoe(w),
            0x6558 => self.ethernet(w),
            0x880b => self.ppp(w, false),
            _ => {
                let name = names::ethertype(et);
                let col = if name == "Unknown" {
                    format!("0x{et:04x}")
                } else {
                    name.to_string()
                };
                self.col(&col, format!("Ethertype 0x{et:04x} ({name})"));
                self.data(w);
            }
        }
        self.leave();
    }

    /// A note that encapsulations nest too deeply, and the rest as data.
    pub fn too_deep(&mut self, w: Win) {
        self.layers.push(note(
            "[Too many nested encapsulations: the rest is not dissected]",
            w.start,
            w.len(),
        ));
    }

    /// 802.1Q / 802.1ad tag.
    fn vlan(&mut self, tpid: u16, w: Win) {
        let (name, ab) = if tpid == 0x88a8 {
            ("IEEE 802.1ad", "ieee8021ad")
        } else {
            ("802.1Q Virtual LAN", "vlan")
        };
        self.proto(if tpid == 0x88a8 { "ieee8021ad" } else { "vlan" });
        let mut n = layer(name, ab, w.start);
        let r = (|| -> R<(u16, Win)> {
            let s = w.start;
            let tci = self.be16(w, s)?;
            let (pri, dei, id) = (tci >> 13, (tci >> 12) & 1, tci & 0x0fff);
            n.value = format!("PRI: {pri}, DEI: {dei}, ID: {id}");
            let t = u64::from(tci);
            n.push(
                field("Priority", format!("{} ({pri})", vlan_priority(pri)), s, 2)
                    .filter(&format!("{ab}.priority"), pri)
                    .bits(t, 0xe000, 16),
            );
            n.push(flag_says(
                "DEI",
                &format!("{ab}.dei"),
                t,
                0x1000,
                16,
                s,
                ("Eligible", "Ineligible"),
            ));
            n.push(
                field("ID", id.to_string(), s, 2)
                    .filter(&format!("{ab}.id"), id)
                    .bits(t, 0x0fff, 16),
            );
            let et = self.be16(w, s + 2)?;
            if et <= 1500 {
                n.push(field("Length", et.to_string(), s + 2, 2).filter("vlan.len", et));
            } else {
                n.push(type_field("Type", "vlan.etype", et, s + 2));
            }
            n.len(4);
            Ok((et, w.skip(4)))
        })();
        if let Some((et, pw)) = self.finish(n, "VLAN", r) {
            self.col("VLAN", "802.1Q Virtual LAN");
            self.type_or_length(et, pw);
        }
    }

    /// IEEE 802.2 LLC, with SNAP.
    fn llc(&mut self, w: Win) {
        self.proto("llc");
        let mut n = layer("Logical-Link Control", "llc", w.start);
        let r = (|| -> R<Option<(u16, Win)>> {
            let s = w.start;
            let dsap = self.u8(w, s)?;
            n.push(field("DSAP", hx(dsap, 2), s, 1).filter("llc.dsap", hx(dsap, 2)));
            let ssap = self.u8(w, s + 1)?;
            n.push(field("SSAP", hx(ssap, 2), s + 1, 1).filter("llc.ssap", hx(ssap, 2)));
            let ctrl = self.u8(w, s + 2)?;
            n.push(
                field("Control field", hx(ctrl, 2), s + 2, 1).filter("llc.control", hx(ctrl, 2)),
            );
            n.len(3);
            n.value = format!("DSAP 0x{dsap:02x}, SSAP 0x{ssap:02x}");
            if dsap == 0xaa && ssap == 0xaa && ctrl == 0x03 {
                let oui = self.bytes(w, s + 3, 3)?;
                n.push(field("Organization Code", mac(oui), s + 3, 3).abbrev("llc.oui"));
                let pid = self.be16(w, s + 6)?;
                n.push(type_field("Type", "llc.type", pid, s + 6));
                n.len(8);
                if oui == [0, 0, 0] || oui == [0, 0, 0xf8] {
                    return Ok(Some((pid, w.skip(8))));
                }
                return Ok(None);
            }
            Ok(None)
        })();
        let Some(next) = self.finish(n, "LLC", r) else {
            return;
        };
        self.col("LLC", "Logical-Link Control");
        match next {
            Some((pid, pw)) => self.ethertype(pid, pw),
            None => {
                let start = self.layers.last().map_or(w.start, |l| l.end as usize);
                self.data(w.skip(start.saturating_sub(w.start)));
            }
        }
    }

    /// MPLS label stack entries, then the payload by its first nibble.
    fn mpls(&mut self, w: Win) {
        let mut at = w;
        for _ in 0..16 {
            self.proto("mpls");
            let mut n = layer("MultiProtocol Label Switching Header", "mpls", at.start);
            let r = (|| -> R<bool> {
                let s = at.start;
                let e = u64::from(self.be32(at, s)?);
                let (label, tc, bos, ttl) = (e >> 12, (e >> 9) & 7, (e >> 8) & 1, e & 0xff);
                n.value = format!("Label: {label}, Exp: {tc}, S: {bos}, TTL: {ttl}");
                n.push(
                    field("MPLS Label", label.to_string(), s, 4)
                        .filter("mpls.label", label)
                        .bits(e, 0xffff_f000, 32),
                );
                n.push(
                    field("MPLS Experimental Bits", tc.to_string(), s, 4)
                        .filter("mpls.exp", tc)
                        .bits(e, 0xe00, 32),
                );
                n.push(
                    field("MPLS Bottom Of Label Stack", bos.to_string(), s, 4)
                        .filter("mpls.bottom", bos)
                        .bits(e, 0x100, 32),
                );
                n.push(
                    field("MPLS TTL", ttl.to_string(), s, 4)
                        .filter("mpls.ttl", ttl)
                        .bits(e, 0xff, 32),
                );
                n.len(4);
                Ok(bos == 1)
            })();
            let Some(bottom) = self.finish(n, "MPLS", r) else {
                return;
            };
            self.col("MPLS", "MPLS Label Switched Packet");
            at = at.skip(4);
            if bottom {
                return match self.u8(at, at.start).map(|b| b >> 4) {
                    Ok(4) => self.ipv4(at),
                    Ok(6) => self.ipv6(at),
                    Ok(0) => {
                        // A pseudowire control word, then Ethernet.
                        self.layers.push(
                            field("PW Ethernet Control Word", String::new(), at.start, 4)
                                .abbrev("pwethcw"),
                        );
                        self.ethernet(at.skip(4));
                    }
                    _ => self.data(at),
                };
            }
        }
        self.too_deep(at);
    }

    /// PPPoE session stage, then PPP.
    fn pppoe(&mut self, w: Win) {
        self.proto("pppoes");
        let mut n = layer("PPP-over-Ethernet Session", "pppoes", w.start);
        let r = (|| -> R<Win> {
            let s = w.start;
            let vt = u64::from(self.u8(w, s)?);
            n.push(
                field("Version", (vt >> 4).to_string(), s, 1)
                    .filter("pppoe.version", vt >> 4)
                    .bits(vt, 0xf0, 8),
            );
            n.push(
                field("Type", (vt & 15).to_string(), s, 1)
                    .filter("pppoe.type", vt & 15)
                    .bits(vt, 0x0f, 8),
            );
            let code = self.u8(w, s + 1)?;
            n.push(
                field("Code", format!("Session Data (0x{code:02x})"), s + 1, 1)
                    .filter("pppoe.code", hx(code, 2)),
            );
            let sid = self.be16(w, s + 2)?;
            n.push(
                field("Session ID", hx(sid, 4), s + 2, 2).filter("pppoe.session_id", hx(sid, 4)),
            );
            let len = self.be16(w, s + 4)?;
            n.push(
                field("Payload Length", len.to_string(), s + 4, 2)
                    .filter("pppoe.payload_length", len),
            );
            n.len(6);
            Ok(w.skip(6).limit(usize::from(len)))
        })();
        if let Some(pw) = self.finish(n, "PPPoE", r) {
            self.col("PPPoE", "PPPoE Session");
            self.ppp(pw, false);
        }
    }

    /// PPP: optional HDLC address and control bytes, then the protocol number.
    fn ppp(&mut self, w: Win, hdlc: bool) {
        self.proto("ppp");
        let mut n = layer("Point-to-Point Protocol", "ppp", w.start);
        let r = (|| -> R<(u16, Win)> {
            let mut at = w.start;
            if hdlc && self.bytes(w, at, 2).ok() == Some(&[0xff, 0x03][..]) {
                n.push(field("Address", "0xff", at, 1).filter("ppp.address", "0xff"));
                n.push(field("Control", "0x03", at + 1, 1).filter("ppp.control", "0x03"));
                at += 2;
            }
            let first = self.u8(w, at)?;
            let (proto, len) = if first & 1 == 1 {
                (u16::from(first), 1)
            } else {
                (self.be16(w, at)?, 2)
            };
            n.push(
                field(
                    "Protocol",
                    format!("{} (0x{proto:04x})", ppp_proto(proto)),
                    at,
                    len,
                )
                .filter("ppp.protocol", hx(proto, 4)),
            );
            n.end_at(at + len);
            Ok((proto, w.skip(at + len - w.start)))
        })();
        if let Some((proto, pw)) = self.finish(n, "PPP", r) {
            self.col("PPP", format!("PPP {}", ppp_proto(proto)));
            match proto {
                0x0021 => self.ipv4(pw),
                0x0057 => self.ipv6(pw),
                0x0281 => self.mpls(pw),
                _ => self.data(pw),
            }
        }
    }

    /// Linux cooked capture v1.
    fn sll(&mut self, w: Win) {
        self.proto("sll");
        let mut n = layer("Linux cooked capture v1", "sll", w.start);
        let r = (|| -> R<(u16, u16)> {
            let s = w.start;
            let pkt = self.be16(w, s)?;
            n.push(
                field(
                    "Packet type",
                    format!("{} ({pkt})", names::sll_pkttype(pkt)),
                    s,
                    2,
                )
                .filter("sll.pkttype", pkt),
            );
            let ha = self.be16(w, s + 2)?;
            n.push(
                field(
                    "Link-layer address type",
                    format!("{} ({ha})", names::arphrd(ha)),
                    s + 2,
                    2,
                )
                .filter("sll.hatype", ha),
            );
            let halen = self.be16(w, s + 4)?;
            n.push(
                field("Link-layer address length", halen.to_string(), s + 4, 2)
                    .filter("sll.halen", halen),
            );
            let addr = self.bytes(w, s + 6, 8)?;
            n.push(sll_addr(ha, halen, addr, s + 6));
            let proto = self.be16(w, s + 14)?;
            n.push(sll_proto(ha, proto, s + 14));
            n.len(16);
            Ok((ha, proto))
        })();
        if let Some((ha, proto)) = self.finish(n, "SLL", r) {
            self.col("SLL", "Linux cooked capture");
            self.sll_next(ha, proto, w.skip(16));
        }
    }

    /// Linux cooked capture v2.
    fn sll2(&mut self, w: Win) {
        self.proto("sll");
        let mut n = layer("Linux cooked capture v2", "sll", w.start);
        let r = (|| -> R<(u16, u16)> {
            let s = w.start;
            let proto = self.be16(w, s)?;
            let res = self.be16(w, s + 2)?;
            let ifi = self.be32(w, s + 4)?;
            let ha = self.be16(w, s + 8)?;
            n.push(sll_proto(ha, proto, s));
            n.push(field("Reserved (MBZ)", res.to_string(), s + 2, 2));
            n.push(field("Interface index", ifi.to_string(), s + 4, 4).filter("sll.ifindex", ifi));
            n.push(
                field(
                    "Link-layer address type",
                    format!("{} ({ha})", names::arphrd(ha)),
                    s + 8,
                    2,
                )
                .filter("sll.hatype", ha),
            );
            let pkt = self.u8(w, s + 10)?;
            n.push(
                field(
                    "Packet type",
                    format!("{} ({pkt})", names::sll_pkttype(u16::from(pkt))),
                    s + 10,
                    1,
                )
                .filter("sll.pkttype", pkt),
            );
            let halen = self.u8(w, s + 11)?;
            n.push(
                field("Link-layer address length", halen.to_string(), s + 11, 1)
                    .filter("sll.halen", halen),
            );
            let addr = self.bytes(w, s + 12, 8)?;
            n.push(sll_addr(ha, u16::from(halen), addr, s + 12));
            n.len(20);
            Ok((ha, proto))
        })();
        if let Some((ha, proto)) = self.finish(n, "SLL", r) {
            self.col("SLL", "Linux cooked capture");
            self.sll_next(ha, proto, w.skip(20));
        }
    }

    fn sll_next(&mut self, ha: u16, proto: u16, w: Win) {
        match (ha, proto) {
            (824, _) => self.data(w),
            (_, p) if p >= 0x600 => self.ethertype(p, w),
            (_, 0x0004) => self.llc(w),
            _ => self.data(w),
        }
    }

    /// BSD loopback: a 4-byte address family, in host byte order (`LINKTYPE_NULL`) or network
    /// byte order (`LINKTYPE_LOOP`).
    fn null(&mut self, w: Win, network_order: bool) {
        self.proto("null");
        let mut n = layer("Null/Loopback", "null", w.start);
        let r = (|| -> R<u32> {
            let le = self.le32(w, w.start)?;
            let be = self.be32(w, w.start)?;
            // Host order: whichever reading is a small number.
            let fam = if network_order || le > 0xffff { be } else { le };
            let name = match fam {
                2 => "IP",
                7 => "OSI",
                23 => "IPX",
                24 | 28 | 30 => "IPv6",
                _ => "Unknown",
            };
            n.push(
                field("Family", format!("{name} ({fam})"), w.start, 4).filter("null.family", fam),
            );
            n.len(4);
            Ok(fam)
        })();
        if let Some(fam) = self.finish(n, "Null", r) {
            self.col("Null", "Null/Loopback");
            let pw = w.skip(4);
            match fam {
                2 => self.ipv4(pw),
                24 | 28 | 30 => self.ipv6(pw),
                _ => self.data(pw),
            }
        }
    }

    /// Raw IP: the version nibble says which.
    fn raw(&mut self, w: Win) {
        self.proto("raw");
        let mut n = layer("Raw packet data", "raw", w.start);
        n.push(note("No link information available", w.start, 0));
        self.layers.push(n);
        match self.u8(w, w.start).map(|b| b >> 4) {
            Ok(4) => self.ipv4(w),
            Ok(6) => self.ipv6(w),
            Ok(v) => {
                self.col("Raw", "Raw packet data");
                self.cut(
                    "Raw IP",
                    Cut::bad(w.start, format!("IP version {v}, not 4 or 6")),
                );
            }
            Err(c) => self.cut("Raw IP", c),
        }
    }

    /// Cisco HDLC.
    fn chdlc(&mut self, w: Win) {
        self.proto("chdlc");
        let mut n = layer("Cisco HDLC", "chdlc", w.start);
        let r = (|| -> R<u16> {
            let s = w.start;
            let a = self.u8(w, s)?;
            let kind = match a {
                0x0f => "Unicast",
                0x8f => "Broadcast",
                _ => "Unknown",
            };
            n.push(
                field("Address", format!("{kind} (0x{a:02x})"), s, 1)
                    .filter("chdlc.address", hx(a, 2)),
            );
            let c = self.u8(w, s + 1)?;
            n.push(field("Control", hx(c, 2), s + 1, 1).filter("chdlc.control", hx(c, 2)));
            let p = self.be16(w, s + 2)?;
            n.push(type_field("Protocol", "chdlc.protocol", p, s + 2));
            n.len(4);
            Ok(p)
        })();
        if let Some(p) = self.finish(n, "CHDLC", r) {
            self.col("CHDLC", "Cisco HDLC");
            let pw = w.skip(4);
            if p >= 0x600 {
                self.ethertype(p, pw);
            } else {
                self.data(pw);
            }
        }
    }

    /// Linux NFLOG: a header, then TLVs; the packet is in TLV type 9.
    fn nflog(&mut self, w: Win) {
        self.proto("nflog");
        let mut n = layer("Linux Netfilter NFLOG", "nflog", w.start);
        let r = (|| -> R<(u8, Option<Win>)> {
            let s = w.start;
            let fam = self.u8(w, s)?;
            let fam_name = match fam {
                2 => "IPv4",
                10 => "IPv6",
                _ => "Unknown",
            };
            n.push(
                field("Family", format!("{fam_name} ({fam})"), s, 1).filter("nflog.family", fam),
            );
            let ver = self.u8(w, s + 1)?;
            n.push(field("Version", ver.to_string(), s + 1, 1).filter("nflog.version", ver));
            let rid = self.be16(w, s + 2)?;
            n.push(field("Resource id", rid.to_string(), s + 2, 2).filter("nflog.res_id", rid));
            let mut at = s + 4;
            // Each TLV is at least 4 bytes, so this ends; the cap bounds the tree.
            for _ in 0..64 {
                if at >= w.end {
                    break;
                }
                let len = usize::from(self.le16(w, at)?);
                let ty = self.le16(w, at + 2)?;
                if len < 4 {
                    return Err(Cut::bad(at, format!("TLV length {len} (less than 4)")));
                }
                let tname = match ty {
                    1 => "NFULA_PACKET_HDR",
                    2 => "NFULA_MARK",
                    3 => "NFULA_TIMESTAMP",
                    4 => "NFULA_IFINDEX_INDEV",
                    5 => "NFULA_IFINDEX_OUTDEV",
                    8 => "NFULA_HWADDR",
                    9 => "NFULA_PAYLOAD",
                    10 => "NFULA_PREFIX",
                    11 => "NFULA_UID",
                    _ => "Unknown",
                };
                let mut t = field(
                    "TLV Type",
                    format!("{tname} ({ty}), Length: {len}"),
                    at,
                    len,
                );
                t.push(field("Length", len.to_string(), at, 2).filter("nflog.tlv_length", len));
                t.push(
                    field("Type", format!("{tname} ({ty})"), at + 2, 2)
                        .filter("nflog.tlv_type", ty),
                );
                n.push(t);
                if ty == 9 {
                    n.end_at(at + 4);
                    return Ok((fam, Some(w.skip(at + 4 - s).limit(len - 4))));
                }
                at = at.saturating_add(len.div_ceil(4) * 4);
            }
            n.end_at(at.min(w.end));
            Ok((fam, None))
        })();
        if let Some((fam, payload)) = self.finish(n, "NFLOG", r) {
            self.col("NFLOG", "Linux Netfilter NFLOG");
            match (fam, payload) {
                (2, Some(p)) => self.ipv4(p),
                (10, Some(p)) => self.ipv6(p),
                (_, Some(p)) => self.data(p),
                _ => {}
            }
        }
    }
}

/// A MAC address field with its LG and IG bits.
fn mac_field(name: &str, abbrev: &str, b: &[u8], at: usize) -> super::Node {
    let m = mac(b);
    let mut n = field(name, m.clone(), at, 6).filter(abbrev, &m);
    let top = b.iter().take(3).fold(0u64, |a, x| a << 8 | u64::from(*x));
    n.push(flag_says(
        "LG bit",
        &format!("{abbrev}.lg"),
        top,
        0x02_0000,
        24,
        at,
        (
            "Locally administered address (this is NOT the factory default)",
            "Globally unique address (factory default)",
        ),
    ));
    n.push(flag_says(
        "IG bit",
        &format!("{abbrev}.ig"),
        top,
        0x01_0000,
        24,
        at,
        (
            "Group address (multicast/broadcast)",
            "Individual address (unicast)",
        ),
    ));
    n
}

/// An ethertype field (`Type: IPv4 (0x0800)`).
fn type_field(name: &str, abbrev: &str, et: u16, at: usize) -> super::Node {
    field(
        name,
        format!("{} (0x{et:04x})", names::ethertype(et)),
        at,
        2,
    )
    .filter(abbrev, hx(et, 4))
}

fn sll_addr(ha: u16, halen: u16, addr: &[u8], at: usize) -> super::Node {
    let n = usize::from(halen).min(8);
    let a = addr.get(..n).unwrap_or(addr);
    if ha == 1 && n == 6 {
        let m = mac(a);
        field("Source", m.clone(), at, 6).filter("sll.src.eth", m)
    } else {
        field("Source", mac(a), at, 8).abbrev("sll.src.other")
    }
}

fn sll_proto(ha: u16, p: u16, at: usize) -> super::Node {
    if p >= 0x600 && ha != 824 {
        type_field("Protocol", "sll.etype", p, at)
    } else {
        let name = match p {
            0x0001 => "802.3",
            0x0003 => "All",
            0x0004 => "802.2 LLC",
            0x000c => "CAN",
            _ => "Unknown",
        };
        field("Protocol", format!("{name} (0x{p:04x})"), at, 2).filter("sll.ltype", hx(p, 4))
    }
}
