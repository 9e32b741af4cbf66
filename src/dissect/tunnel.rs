//! Tunnels (GRE, VXLAN, Teredo) and DHCP.

use super::cx::{field, flag_says, hex_preview, hx, layer, mac, Cut, Cx, Win, R};
use super::names;
use std::net::Ipv4Addr;

/// DHCP options shown in one message.
const MAX_OPTIONS: usize = 255;

fn dhcp_type(t: u8) -> &'static str {
    match t {
        1 => "Discover",
        2 => "Offer",
        3 => "Request",
        4 => "Decline",
        5 => "ACK",
        6 => "NAK",
        7 => "Release",
        8 => "Inform",
        9 => "Force Renew",
        10 => "Lease query",
        _ => "Unknown",
    }
}

fn dhcp_option(o: u8) -> &'static str {
    match o {
        0 => "Padding",
        1 => "Subnet Mask",
        3 => "Router",
        6 => "Domain Name Server",
        12 => "Host Name",
        15 => "Domain Name",
        28 => "Broadcast Address",
        42 => "Network Time Protocol Servers",
        43 => "Vendor-Specific Information",
        50 => "Requested IP Address",
        51 => "IP Address Lease Time",
        53 => "DHCP Message Type",
        54 => "DHCP Server Identifier",
        55 => "Parameter Request List",
        57 => "Maximum DHCP Message Size",
        58 => "Renewal Time Value",
        59 => "Rebinding Time Value",
        60 => "Vendor class identifier",
        61 => "Client identifier",
        81 => "Client Fully Qualified Domain Name",
        255 => "End",
        _ => "Unknown",
    }
}

impl Cx<'_> {
    /// GRE, then what it carries by ethertype.
    pub fn gre(&mut self, w: Win) {
        self.proto("gre");
        let mut n = layer("Generic Routing Encapsulation", "gre", w.start);
        let r = (|| -> R<(u16, Win)> {
            let s = w.start;
            let fv = self.be16(w, s)?;
            let v = u64::from(fv);
            let mut f = field("Flags and Version", hx(fv, 4), s, 2)
                .filter("gre.flags_and_version", hx(fv, 4));
            let yn = ("Yes", "No");
            f.push(flag_says(
                "Checksum Bit",
                "gre.flags.checksum",
                v,
                0x8000,
                16,
                s,
                yn,
            ));
            f.push(flag_says(
                "Routing Bit",
                "gre.flags.routing",
                v,
                0x4000,
                16,
                s,
                yn,
            ));
            f.push(flag_says("Key Bit", "gre.flags.key", v, 0x2000, 16, s, yn));
            f.push(flag_says(
                "Sequence Number Bit",
                "gre.flags.sequence_number",
                v,
                0x1000,
                16,
                s,
                yn,
            ));
            let ver = fv & 7;
            f.push(
                field("Version", ver.to_string(), s, 2)
                    .filter("gre.flags.version", ver)
                    .bits(v, 7, 16),
            );
            n.push(f);
            let proto = self.be16(w, s + 2)?;
            n.push(
                field(
                    "Protocol Type",
                    format!("{} (0x{proto:04x})", names::ethertype(proto)),
                    s + 2,
                    2,
                )
                .filter("gre.proto", hx(proto, 4)),
            );
            let mut at = s + 4;
            if fv & 0xc000 != 0 {
                let c = self.be16(w, at)?;
                n.push(field("Checksum", hx(c, 4), at, 2).filter("gre.checksum", hx(c, 4)));
                let o = self.be16(w, at + 2)?;
                n.push(field("Offset", o.to_string(), at + 2, 2).filter("gre.offset", o));
                at += 4;
            }
            if fv & 0x2000 != 0 {
                let k = self.be32(w, at)?;
                n.push(field("Key", hx(k, 8), at, 4).filter("gre.key", hx(k, 8)));
                at += 4;
            }
            if fv & 0x1000 != 0 {
                let q = self.be32(w, at)?;
                n.push(
                    field("Sequence Number", q.to_string(), at, 4).filter("gre.sequence_number", q),
                );
                at += 4;
            }
            if ver == 1 && fv & 0x0080 != 0 {
                let a = self.be32(w, at)?;
                n.push(
                    field("Acknowledgment Number", a.to_string(), at, 4)
                        .filter("gre.ack_number", a),
                );
                at += 4;
            }
            if fv & 0x4000 != 0 {
                return Err(Cut::bad(s, "source routing is not dissected"));
            }
            n.name = format!(
                "Generic Routing Encapsulation ({})",
                names::ethertype(proto)
            );
            n.end_at(at);
            Ok((proto, w.skip(at - s)))
        })();
        if let Some((proto, pw)) = self.finish(n, "GRE", r) {
            self.col("GRE", format!("Encapsulated {}", names::ethertype(proto)));
            if !self.enter() {
                return self.too_deep(pw);
            }
            match proto {
                0x0800 => self.ipv4(pw),
                0x86dd => self.ipv6(pw),
                0x6558 => self.ethernet(pw),
                p if p >= 0x600 => self.ethertype_plain(p, pw),
                _ => self.data(pw),
            }
            self.leave();
        }
    }

    /// VXLAN, then Ethernet.
    pub fn vxlan(&mut self, w: Win) {
        self.proto("vxlan");
        let mut n = layer("Virtual eXtensible Local Area Network", "vxlan", w.start);
        let r = (|| -> R<()> {
            let s = w.start;
            let f = self.be16(w, s)?;
            n.push(field("Flags", hx(f, 4), s, 2).filter("vxlan.flags", hx(f, 4)));
            let vni = self.be32(w, s + 4)? >> 8;
            n.push(
                field("VXLAN Network Identifier (VNI)", vni.to_string(), s + 4, 3)
                    .filter("vxlan.vni", vni),
            );
            n.value = format!("VNI: {vni}");
            n.len(8);
            Ok(())
        })();
        if self.finish(n, "VXLAN", r).is_some() {
            self.col("VXLAN", "VXLAN");
            if self.enter() {
                self.ethernet(w.skip(8));
                self.leave();
            }
        }
    }

    /// Teredo: optional authentication and origin indication headers, then IPv6.
    pub fn teredo(&mut self, w: Win) {
        self.proto("teredo");
        let mut n = layer("Teredo IPv6 over UDP tunneling", "teredo", w.start);
        let r = (|| -> R<Win> {
            let mut at = w.start;
            if self.be16(w, at)? == 1 {
                let idl = usize::from(self.u8(w, at + 2)?);
                let aul = usize::from(self.u8(w, at + 3)?);
                let len = 4 + idl + aul + 9;
                self.bytes(w, at, len)?;
                n.push(
                    field("Teredo Authentication header", String::new(), at, len)
                        .abbrev("teredo.auth"),
                );
                at += len;
            }
            if self.be16(w, at)? == 0 {
                let port = self.be16(w, at + 2)? ^ 0xffff;
                let a = self.arr::<4>(w, at + 4)?;
                let addr = Ipv4Addr::from([a[0] ^ 0xff, a[1] ^ 0xff, a[2] ^ 0xff, a[3] ^ 0xff]);
                let mut o = field("Teredo Origin Indication header", String::new(), at, 8)
                    .abbrev("teredo.orig");
                o.push(
                    field("Origin UDP port", port.to_string(), at + 2, 2)
                        .filter("teredo.orig.port", port),
                );
                o.push(
                    field("Origin IPv4 address", addr.to_string(), at + 4, 4)
                        .filter("teredo.orig.addr", addr),
                );
                n.push(o);
                at += 8;
            }
            n.end_at(at);
            Ok(w.skip(at - w.start))
        })();
        if let Some(pw) = self.finish(n, "Teredo", r) {
            self.col("Teredo", "Teredo");
            if self.enter() {
                self.ipv6(pw);
                self.leave();
            }
        }
    }

    /// Whether a UDP payload on the Teredo port looks like Teredo (IPv6 or a Teredo header).
    pub fn looks_teredo(&self, w: Win) -> bool {
        matches!(self.avail(w), [0x60..=0x6f, ..] | [0, 0, ..] | [0, 1, ..])
    }

    /// DHCP (BOOTP) message.
    pub fn dhcp(&mut self, w: Win) {
        self.proto("dhcp");
        let mut n = layer("Dynamic Host Configuration Protocol", "dhcp", w.start);
        let mut info = String::new();
        let r = (|| -> R<()> {
            let s = w.start;
            let op = self.u8(w, s)?;
            let opn = match op {
                1 => "Boot Request",
                2 => "Boot Reply",
                _ => "Unknown",
            };
            n.push(field("Message type", format!("{opn} ({op})"), s, 1).filter("dhcp.type", op));
            let ht = self.u8(w, s + 1)?;
            n.push(
                field(
                    "Hardware type",
                    format!("{} (0x{ht:02x})", names::arp_hw(u16::from(ht))),
                    s + 1,
                    1,
                )
                .filter("dhcp.hw.type", hx(ht, 2)),
            );
            let hl = self.u8(w, s + 2)?;
            n.push(
                field("Hardware address length", hl.to_string(), s + 2, 1)
                    .filter("dhcp.hw.len", hl),
            );
            let hops = self.u8(w, s + 3)?;
            n.push(field("Hops", hops.to_string(), s + 3, 1).filter("dhcp.hops", hops));
            let xid = self.be32(w, s + 4)?;
            n.push(
                field("Transaction ID", format!("0x{xid:08x}"), s + 4, 4)
                    .filter("dhcp.id", format!("0x{xid:08x}")),
            );
            let secs = self.be16(w, s + 8)?;
            n.push(field("Seconds elapsed", secs.to_string(), s + 8, 2).filter("dhcp.secs", secs));
            let fl = self.be16(w, s + 10)?;
            let mut f = field(
                "Bootp flags",
                format!(
                    "0x{fl:04x} ({})",
                    if fl & 0x8000 != 0 {
                        "Broadcast"
                    } else {
                        "Unicast"
                    }
                ),
                s + 10,
                2,
            )
            .filter("dhcp.flags", hx(fl, 4));
            f.push(flag_says(
                "Broadcast flag",
                "dhcp.flags.bc",
                u64::from(fl),
                0x8000,
                16,
                s + 10,
                ("Broadcast", "Unicast"),
            ));
            n.push(f);
            for (i, (label, ab)) in [
                ("Client IP address", "dhcp.ip.client"),
                ("Your (client) IP address", "dhcp.ip.your"),
                ("Next server IP address", "dhcp.ip.server"),
                ("Relay agent IP address", "dhcp.ip.relay"),
            ]
            .into_iter()
            .enumerate()
            {
                let at = s + 12 + 4 * i;
                let a = Ipv4Addr::from(self.arr::<4>(w, at)?);
                n.push(field(label, a.to_string(), at, 4).filter(ab, a));
            }
            let ch = self.bytes(w, s + 28, 16)?;
            if ht == 1 && hl == 6 {
                let m = mac(ch.get(..6).unwrap_or(ch));
                n.push(
                    field("Client MAC address", m.clone(), s + 28, 6).filter("dhcp.hw.mac_addr", m),
                );
            } else {
                n.push(
                    field("Client hardware address", hex_preview(ch), s + 28, 16)
                        .abbrev("dhcp.hw.addr"),
                );
            }
            let sname = self.bytes(w, s + 44, 64)?;
            let sname = super::cx::text(sname.split(|&c| c == 0).next().unwrap_or(&[]), 64);
            n.push(if sname.is_empty() {
                field("Server host name not given", "", s + 44, 64)
            } else {
                field("Server host name", sname.clone(), s + 44, 64).sfilter("dhcp.server", &sname)
            });
            let file = self.bytes(w, s + 108, 128)?;
            let file = super::cx::text(file.split(|&c| c == 0).next().unwrap_or(&[]), 128);
            n.push(if file.is_empty() {
                field("Boot file name not given", "", s + 108, 128)
            } else {
                field("Boot file name", file.clone(), s + 108, 128).sfilter("dhcp.file", &file)
            });
            n.len(236);
            info = format!("DHCP/BOOTP {opn} - Transaction ID 0x{xid:x}");
            if self.bytes(w, s + 236, 4).ok() != Some(&[99, 130, 83, 99][..]) {
                return Ok(());
            }
            n.push(field("Magic cookie", "DHCP", s + 236, 4).filter("dhcp.cookie", "99.130.83.99"));
            let mut at = s + 240;
            for _ in 0..MAX_OPTIONS {
                let code = self.u8(w, at)?;
                if code == 0 {
                    at += 1;
                    continue;
                }
                if code == 255 {
                    let mut o = field("Option", "(255) End", at, 1).filter("dhcp.option.type", 255);
                    o.push(field("Option End", "255", at, 1).filter("dhcp.option.end", 255));
                    n.push(o);
                    at += 1;
                    break;
                }
                let len = usize::from(self.u8(w, at + 1)?);
                let data = self.bytes(w, at + 2, len)?;
                let oname = dhcp_option(code);
                let mut o = field("Option", format!("({code}) {oname}"), at, 2 + len)
                    .filter("dhcp.option.type", code);
                o.push(
                    field("Length", len.to_string(), at + 1, 1).filter("dhcp.option.length", len),
                );
                match (code, data) {
                    (53, [t]) => {
                        let tn = dhcp_type(*t);
                        o.value = format!("({code}) {oname} ({tn})");
                        o.push(
                            field("DHCP", format!("{tn} ({t})"), at + 2, 1)
                                .filter("dhcp.option.dhcp", t),
                        );
                        n.name = format!("Dynamic Host Configuration Protocol ({tn})");
                        info = format!("DHCP {tn:<8} - Transaction ID 0x{xid:x}");
                    }
                    (50 | 54 | 1 | 28, [a, b, c, d]) => {
                        let ip = Ipv4Addr::new(*a, *b, *c, *d);
                        let ab = match code {
                            50 => "dhcp.option.requested_ip_address",
                            54 => "dhcp.option.dhcp_server_id",
                            1 => "dhcp.option.subnet_mask",
                            _ => "dhcp.option.broadcast_address",
                        };
                        o.value = format!("({code}) {oname} ({ip})");
                        o.push(field(oname, ip.to_string(), at + 2, 4).filter(ab, ip));
                    }
                    (12, _) => {
                        let h = super::cx::text(data, 255);
                        o.push(
                            field("Host Name", h.clone(), at + 2, len)
                                .sfilter("dhcp.option.hostname", &h),
                        );
                    }
                    _ => {
                        if len > 0 {
                            o.push(
                                field("Value", hex_preview(data), at + 2, len)
                                    .abbrev("dhcp.option.value"),
                            );
                        }
                    }
                }
                n.push(o);
                at += 2 + len;
            }
            n.end_at(at);
            Ok(())
        })();
        if !info.is_empty() {
            self.col("DHCP", info);
        }
        self.finish(n, "DHCP", r);
    }
}
