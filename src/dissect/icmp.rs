//! ICMP and ICMPv6, with the packet quoted by an error message and neighbour discovery.

use super::cx::{field, flag, hex_preview, hx, layer, mac, note, Cx, IpCtx, Win, R};
use super::net::{checksum_field, fold, ones_sum};
use super::{names, Node};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Neighbour discovery options followed in one message.
const MAX_ND_OPTIONS: usize = 64;
/// MLDv2 multicast address records shown.
const MAX_MLD_RECORDS: usize = 64;

impl Cx<'_> {
    /// The checksum an ICMP(v6) message should carry, when all of it was captured.
    fn icmp_checksum(&self, w: Win, ip: &IpCtx, v6: bool) -> Option<u16> {
        if ip.fragment || self.quoted > 0 || !w.complete() {
            return None;
        }
        let msg = self.avail(w);
        let mut acc = 0;
        if v6 {
            if let (IpAddr::V6(s), IpAddr::V6(d)) = (ip.src, ip.dst) {
                acc = ones_sum(&s.octets(), acc);
                acc = ones_sum(&d.octets(), acc);
                acc = ones_sum(&(msg.len() as u32).to_be_bytes(), acc);
                acc = acc.wrapping_add(58);
            }
        }
        let a = ones_sum(msg.get(..2)?, acc);
        let b = ones_sum(msg.get(4..)?, a);
        Some(!fold(b))
    }

    /// Layers quoted by an error message, as children of `n` (not below another quote).
    fn quoted_packet(&mut self, n: &mut Node, w: Win, v6: bool) {
        if w.len() == 0 {
            return;
        }
        if self.quoted > 0 {
            n.push(field("Data", hex_preview(self.avail(w)), w.start, w.len()).abbrev("data.data"));
            return;
        }
        // The quote is whatever fits in the message: running out is not damage.
        let qw = Win {
            rep: w.end,
            claim: w.end,
            ..w
        };
        let layers = self.quote(|c| if v6 { c.ipv6(qw) } else { c.ipv4(qw) });
        n.children.extend(layers);
    }

    /// Adds the packet quoted by an error message to the layer just pushed.
    fn attach_quote(&mut self, qw: Win, v6: bool) {
        if let Some(mut holder) = self.layers.pop() {
            self.quoted_packet(&mut holder, qw, v6);
            let end = holder
                .children
                .iter()
                .map(|c| c.end)
                .max()
                .unwrap_or(holder.end);
            holder.end = holder.end.max(end);
            self.layers.push(holder);
        }
    }

    /// ICMP.
    pub fn icmp(&mut self, w: Win, ip: &IpCtx) {
        self.proto("icmp");
        let mut n = layer("Internet Control Message Protocol", "icmp", w.start);
        let mut info = String::new();
        let r = (|| -> R<Option<Win>> {
            let s = w.start;
            let ty = self.u8(w, s)?;
            let tname = names::icmp_type(ty);
            n.push(field("Type", format!("{ty} ({tname})"), s, 1).filter("icmp.type", ty));
            let code = self.u8(w, s + 1)?;
            let cname = names::icmp_code(ty, code);
            n.push(
                field(
                    "Code",
                    cname.map_or_else(|| code.to_string(), |c| format!("{code} ({c})")),
                    s + 1,
                    1,
                )
                .filter("icmp.code", code),
            );
            let cks = self.be16(w, s + 2)?;
            let computed = self.icmp_checksum(w, ip, false);
            n.push(checksum_field(
                "Checksum",
                "icmp.checksum",
                cks,
                computed,
                s + 2,
                false,
            ));
            n.len(4);
            info = match cname {
                Some(c) => format!("{tname} ({c})"),
                None => tname.to_string(),
            };
            match ty {
                0 | 8 | 13 | 14 | 15 | 16 | 17 | 18 => {
                    let id = self.be16(w, s + 4)?;
                    n.push(
                        field("Identifier (BE)", format!("{id} (0x{id:04x})"), s + 4, 2)
                            .filter("icmp.ident", id),
                    );
                    let le = id.swap_bytes();
                    n.push(
                        field("Identifier (LE)", format!("{le} (0x{le:04x})"), s + 4, 2)
                            .filter("icmp.ident_le", le),
                    );
                    let seq = self.be16(w, s + 6)?;
                    n.push(
                        field(
                            "Sequence Number (BE)",
                            format!("{seq} (0x{seq:04x})"),
                            s + 6,
                            2,
                        )
                        .filter("icmp.seq", seq),
                    );
                    let le = seq.swap_bytes();
                    n.push(
                        field(
                            "Sequence Number (LE)",
                            format!("{le} (0x{le:04x})"),
                            s + 6,
                            2,
                        )
                        .filter("icmp.seq_le", le),
                    );
                    n.len(8);
                    if matches!(ty, 0 | 8) {
                        info = format!("{tname:<20} id=0x{id:04x}, seq={seq}/{le}, ttl={}", ip.ttl);
                    }
                    let dw = w.skip(8);
                    if dw.rep_len() > 0 {
                        let b = self.avail(dw);
                        let mut d = field(
                            "Data",
                            format!("({} bytes)", dw.rep_len()),
                            dw.start,
                            b.len(),
                        );
                        d.push(
                            field("Data", hex_preview(b), dw.start, b.len()).abbrev("data.data"),
                        );
                        d.push(
                            field("Length", dw.rep_len().to_string(), dw.start, 0)
                                .filter("data.len", dw.rep_len())
                                .generated(),
                        );
                        n.push(d);
                    }
                    Ok(None)
                }
                3 | 4 | 5 | 11 | 12 => {
                    match (ty, code) {
                        (3, 4) => {
                            let mtu = self.be16(w, s + 6)?;
                            n.push(field("Unused", String::new(), s + 4, 2));
                            n.push(
                                field("MTU of next hop", mtu.to_string(), s + 6, 2)
                                    .filter("icmp.mtu", mtu),
                            );
                        }
                        (5, _) => {
                            let gw = Ipv4Addr::from(self.arr::<4>(w, s + 4)?);
                            n.push(
                                field("Gateway address", gw.to_string(), s + 4, 4)
                                    .filter("icmp.redir_gw", gw),
                            );
                        }
                        (12, _) => {
                            let p = self.u8(w, s + 4)?;
                            n.push(
                                field("Pointer", p.to_string(), s + 4, 1).filter("icmp.pointer", p),
                            );
                        }
                        _ => {
                            self.bytes(w, s + 4, 4)?;
                            n.push(field("Unused", String::new(), s + 4, 4));
                        }
                    }
                    n.len(8);
                    Ok(Some(w.skip(8)))
                }
                _ => {
                    let dw = w.skip(4);
                    if dw.len() > 0 {
                        let b = self.avail(dw);
                        n.push(
                            field("Data", hex_preview(b), dw.start, b.len()).abbrev("data.data"),
                        );
                    }
                    Ok(None)
                }
            }
        })();
        if !info.is_empty() {
            self.col("ICMP", info);
        }
        if let Some(Some(qw)) = self.finish(n, "ICMP", r) {
            self.attach_quote(qw, false);
        }
    }

    /// ICMPv6.
    pub fn icmpv6(&mut self, w: Win, ip: &IpCtx) {
        self.proto("icmpv6");
        let mut n = layer("Internet Control Message Protocol v6", "icmpv6", w.start);
        let mut info = String::new();
        let r = self.icmpv6_body(&mut n, w, ip, &mut info);
        if !info.is_empty() {
            self.col("ICMPv6", info);
        }
        if let Some(Some(qw)) = self.finish(n, "ICMPv6", r) {
            self.attach_quote(qw, true);
        }
    }

    fn icmpv6_body(&self, n: &mut Node, w: Win, ip: &IpCtx, info: &mut String) -> R<Option<Win>> {
        let s = w.start;
        let ty = self.u8(w, s)?;
        let tname = names::icmpv6_type(ty);
        n.push(field("Type", format!("{tname} ({ty})"), s, 1).filter("icmpv6.type", ty));
        let code = self.u8(w, s + 1)?;
        let cname = names::icmpv6_code(ty, code);
        n.push(
            field(
                "Code",
                cname.map_or_else(|| code.to_string(), |c| format!("{code} ({c})")),
                s + 1,
                1,
            )
            .filter("icmpv6.code", code),
        );
        let cks = self.be16(w, s + 2)?;
        let computed = self.icmp_checksum(w, ip, true);
        n.push(checksum_field(
            "Checksum",
            "icmpv6.checksum",
            cks,
            computed,
            s + 2,
            false,
        ));
        n.len(4);
        *info = match cname {
            Some(c) => format!("{tname} ({c})"),
            None => tname.to_string(),
        };
        let mut opts_at = None;
        match ty {
            1 | 3 => {
                self.bytes(w, s + 4, 4)?;
                n.push(field("Reserved", String::new(), s + 4, 4));
                n.len(8);
                return Ok(Some(w.skip(8)));
            }
            2 => {
                let mtu = self.be32(w, s + 4)?;
                n.push(field("MTU", mtu.to_string(), s + 4, 4).filter("icmpv6.mtu", mtu));
                n.len(8);
                return Ok(Some(w.skip(8)));
            }
            4 => {
                let p = self.be32(w, s + 4)?;
                n.push(field("Pointer", p.to_string(), s + 4, 4).filter("icmpv6.pointer", p));
                n.len(8);
                return Ok(Some(w.skip(8)));
            }
            128 | 129 => {
                let id = self.be16(w, s + 4)?;
                n.push(
                    field("Identifier", hx(id, 4), s + 4, 2)
                        .filter("icmpv6.echo.identifier", hx(id, 4)),
                );
                let seq = self.be16(w, s + 6)?;
                n.push(
                    field("Sequence", seq.to_string(), s + 6, 2)
                        .filter("icmpv6.echo.sequence_number", seq),
                );
                n.len(8);
                *info = format!("{tname} id=0x{id:04x}, seq={seq}, hop limit={}", ip.ttl);
                let dw = w.skip(8);
                if dw.rep_len() > 0 {
                    let b = self.avail(dw);
                    n.push(
                        field(
                            "Data",
                            format!("({} bytes)", dw.rep_len()),
                            dw.start,
                            b.len(),
                        )
                        .abbrev("data.data"),
                    );
                }
            }
            130..=132 => {
                let d = self.be16(w, s + 4)?;
                n.push(
                    field("Maximum Response Delay [ms]", d.to_string(), s + 4, 2)
                        .filter("icmpv6.mld.maximum_response_delay", d),
                );
                let a = Ipv6Addr::from(self.arr::<16>(w, s + 8)?);
                n.push(
                    field("Multicast Address", a.to_string(), s + 8, 16)
                        .filter("icmpv6.mld.multicast_address", a),
                );
                n.len(24);
            }
            133 => {
                self.bytes(w, s + 4, 4)?;
                n.push(field("Reserved", String::new(), s + 4, 4));
                opts_at = Some(8);
            }
            134 => {
                let hl = self.u8(w, s + 4)?;
                n.push(
                    field("Cur hop limit", hl.to_string(), s + 4, 1)
                        .filter("icmpv6.nd.ra.cur_hop_limit", hl),
                );
                let f = self.u8(w, s + 5)?;
                let mut fl =
                    field("Flags", hx(f, 2), s + 5, 1).filter("icmpv6.nd.ra.flag", hx(f, 2));
                let fv = u64::from(f);
                fl.push(flag(
                    "Managed address configuration",
                    "icmpv6.nd.ra.flag.m",
                    fv,
                    0x80,
                    8,
                    s + 5,
                ));
                fl.push(flag(
                    "Other configuration",
                    "icmpv6.nd.ra.flag.o",
                    fv,
                    0x40,
                    8,
                    s + 5,
                ));
                fl.push(flag(
                    "Home Agent",
                    "icmpv6.nd.ra.flag.h",
                    fv,
                    0x20,
                    8,
                    s + 5,
                ));
                n.push(fl);
                let lt = self.be16(w, s + 6)?;
                n.push(
                    field("Router lifetime (s)", lt.to_string(), s + 6, 2)
                        .filter("icmpv6.nd.ra.router_lifetime", lt),
                );
                let rt = self.be32(w, s + 8)?;
                n.push(
                    field("Reachable time (ms)", rt.to_string(), s + 8, 4)
                        .filter("icmpv6.nd.ra.reachable_time", rt),
                );
                let rt = self.be32(w, s + 12)?;
                n.push(
                    field("Retrans timer (ms)", rt.to_string(), s + 12, 4)
                        .filter("icmpv6.nd.ra.retrans_timer", rt),
                );
                opts_at = Some(16);
            }
            135 => {
                self.bytes(w, s + 4, 4)?;
                n.push(field("Reserved", String::new(), s + 4, 4));
                let t = Ipv6Addr::from(self.arr::<16>(w, s + 8)?);
                n.push(
                    field("Target Address", t.to_string(), s + 8, 16)
                        .filter("icmpv6.nd.ns.target_address", t),
                );
                *info = format!("{tname} for {t}");
                opts_at = Some(24);
            }
            136 => {
                let f = self.be32(w, s + 4)?;
                let fv = u64::from(f);
                let mut fl = field("Flags", format!("0x{f:08x}"), s + 4, 4)
                    .filter("icmpv6.nd.na.flag", format!("0x{f:08x}"));
                fl.push(flag(
                    "Router",
                    "icmpv6.nd.na.flag.r",
                    fv,
                    0x8000_0000,
                    32,
                    s + 4,
                ));
                fl.push(flag(
                    "Solicited",
                    "icmpv6.nd.na.flag.s",
                    fv,
                    0x4000_0000,
                    32,
                    s + 4,
                ));
                fl.push(flag(
                    "Override",
                    "icmpv6.nd.na.flag.o",
                    fv,
                    0x2000_0000,
                    32,
                    s + 4,
                ));
                n.push(fl);
                let t = Ipv6Addr::from(self.arr::<16>(w, s + 8)?);
                n.push(
                    field("Target Address", t.to_string(), s + 8, 16)
                        .filter("icmpv6.nd.na.target_address", t),
                );
                let set: Vec<&str> = [
                    (0x8000_0000u32, "rtr"),
                    (0x4000_0000, "sol"),
                    (0x2000_0000, "ovr"),
                ]
                .iter()
                .filter(|(b, _)| f & b != 0)
                .map(|(_, s)| *s)
                .collect();
                *info = format!("{tname} {t}");
                if !set.is_empty() {
                    let _ = write!(info, " ({})", set.join(", "));
                }
                opts_at = Some(24);
            }
            137 => {
                self.bytes(w, s + 4, 4)?;
                let t = Ipv6Addr::from(self.arr::<16>(w, s + 8)?);
                n.push(
                    field("Target Address", t.to_string(), s + 8, 16)
                        .filter("icmpv6.nd.rd.target_address", t),
                );
                let d = Ipv6Addr::from(self.arr::<16>(w, s + 24)?);
                n.push(
                    field("Destination Address", d.to_string(), s + 24, 16)
                        .filter("icmpv6.rd.na.destination_address", d),
                );
                opts_at = Some(40);
            }
            143 => {
                let count = self.be16(w, s + 6)?;
                n.push(
                    field(
                        "Number of Multicast Address Records",
                        count.to_string(),
                        s + 6,
                        2,
                    )
                    .filter("icmpv6.mldr.nb_mcast_records", count),
                );
                let mut at = s + 8;
                for _ in 0..usize::from(count).min(MAX_MLD_RECORDS) {
                    let rt = self.u8(w, at)?;
                    let aux = usize::from(self.u8(w, at + 1)?) * 4;
                    let nsrc = usize::from(self.be16(w, at + 2)?);
                    let a = Ipv6Addr::from(self.arr::<16>(w, at + 4)?);
                    let len = 20 + nsrc * 16 + aux;
                    self.bytes(w, at, len)?;
                    let rname = match rt {
                        1 => "Mode Is Include",
                        2 => "Mode Is Exclude",
                        3 => "Changed to include mode",
                        4 => "Changed to exclude mode",
                        5 => "Allow new sources",
                        6 => "Block old sources",
                        _ => "Unknown",
                    };
                    let mut rec =
                        field("Multicast Address Record", format!("{rname}: {a}"), at, len);
                    rec.push(
                        field("Record Type", format!("{rname} ({rt})"), at, 1)
                            .filter("icmpv6.mldr.mar.record_type", rt),
                    );
                    rec.push(
                        field("Number of Sources", nsrc.to_string(), at + 2, 2)
                            .filter("icmpv6.mldr.mar.nb_sources", nsrc),
                    );
                    rec.push(
                        field("Multicast Address", a.to_string(), at + 4, 16)
                            .filter("icmpv6.mldr.mar.multicast_address", a),
                    );
                    n.push(rec);
                    at = at.saturating_add(len);
                }
                n.end_at(at);
            }
            _ => {
                let dw = w.skip(4);
                if dw.len() > 0 {
                    let b = self.avail(dw);
                    n.push(field("Data", hex_preview(b), dw.start, b.len()).abbrev("data.data"));
                }
            }
        }
        if let Some(o) = opts_at {
            n.len(o);
            let (src_ll, tgt_ll) = self.nd_options(n, w.skip(o))?;
            match (ty, src_ll, tgt_ll) {
                (133..=135, Some(m), _) => {
                    let _ = write!(info, " from {m}");
                }
                (136, _, Some(m)) => {
                    let _ = write!(info, " is at {m}");
                }
                _ => {}
            }
        }
        Ok(None)
    }

    /// Neighbour discovery options; gives the source and target link-layer addresses.
    fn nd_options(&self, n: &mut Node, w: Win) -> R<(Option<String>, Option<String>)> {
        let (mut src, mut tgt) = (None, None);
        let mut at = w.start;
        for _ in 0..MAX_ND_OPTIONS {
            if at >= w.end && at >= w.rep {
                break;
            }
            let ty = self.u8(w, at)?;
            let l = self.u8(w, at + 1)?;
            let len = usize::from(l) * 8;
            let oname = names::nd_option(ty);
            if len == 0 {
                n.push(note("[Invalid option length: 0]", at, 2));
                break;
            }
            self.bytes(w, at, len)?;
            let mut o = field("ICMPv6 Option", format!("({oname})"), at, len).abbrev("icmpv6.opt");
            o.push(field("Type", format!("{oname} ({ty})"), at, 1).filter("icmpv6.opt.type", ty));
            o.push(
                field("Length", format!("{l} ({len} bytes)"), at + 1, 1)
                    .filter("icmpv6.opt.length", l),
            );
            match ty {
                1 | 2 => {
                    let b = self.bytes(w, at + 2, len - 2)?;
                    let a = if len == 8 { b.get(..6).unwrap_or(b) } else { b };
                    let m = mac(a);
                    o.value = format!("({oname} : {m})");
                    o.push(
                        field("Link-layer address", m.clone(), at + 2, a.len())
                            .filter("icmpv6.opt.linkaddr", &m),
                    );
                    let ab = if ty == 1 {
                        "icmpv6.opt.src_linkaddr"
                    } else {
                        "icmpv6.opt.target_linkaddr"
                    };
                    o.push(
                        field(
                            if ty == 1 {
                                "Source Link-layer address"
                            } else {
                                "Target Link-layer address"
                            },
                            m.clone(),
                            at + 2,
                            a.len(),
                        )
                        .filter(ab, &m),
                    );
                    // The Info column names Ethernet addresses only, as Wireshark does.
                    match (len, ty) {
                        (8, 1) => src = Some(m),
                        (8, _) => tgt = Some(m),
                        _ => {}
                    }
                }
                3 if len >= 32 => {
                    let pl = self.u8(w, at + 2)?;
                    o.push(
                        field("Prefix Length", pl.to_string(), at + 2, 1)
                            .filter("icmpv6.opt.prefix.length", pl),
                    );
                    let vl = self.be32(w, at + 4)?;
                    o.push(
                        field("Valid Lifetime", vl.to_string(), at + 4, 4)
                            .filter("icmpv6.opt.prefix.valid_lifetime", vl),
                    );
                    let pl2 = self.be32(w, at + 8)?;
                    o.push(
                        field("Preferred Lifetime", pl2.to_string(), at + 8, 4)
                            .filter("icmpv6.opt.prefix.preferred_lifetime", pl2),
                    );
                    let p = Ipv6Addr::from(self.arr::<16>(w, at + 16)?);
                    o.value = format!("({oname} : {p}/{pl})");
                    o.push(
                        field("Prefix", p.to_string(), at + 16, 16).filter("icmpv6.opt.prefix", p),
                    );
                }
                5 if len >= 8 => {
                    let mtu = self.be32(w, at + 4)?;
                    o.value = format!("({oname} : {mtu})");
                    o.push(field("MTU", mtu.to_string(), at + 4, 4).filter("icmpv6.opt.mtu", mtu));
                }
                25 if len >= 24 => {
                    let mut k = at + 8;
                    while k + 16 <= at + len {
                        let a = Ipv6Addr::from(self.arr::<16>(w, k)?);
                        o.push(
                            field("Recursive DNS Servers", a.to_string(), k, 16)
                                .filter("icmpv6.opt.rdnss", a),
                        );
                        k += 16;
                    }
                }
                _ => {}
            }
            n.push(o);
            at = at.saturating_add(len);
        }
        n.end_at(at.min(w.end.max(w.start)));
        Ok((src, tgt))
    }
}
