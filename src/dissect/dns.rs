//! DNS, mDNS and LLMNR messages: header, flags, questions and resource records, with name
//! compression followed a bounded number of hops.

use super::cx::{field, flag_says, hex_preview, hx, layer, quote, Cut, Cx, Win, R};
use super::{names, Node};
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Compression pointers followed in one name.
const MAX_HOPS: usize = 64;
/// Longest name decoded, in bytes of text.
const MAX_NAME: usize = 1024;
/// Questions and records shown in one message; the rest is summarised.
const MAX_RECORDS: usize = 512;
/// TXT strings and EDNS options shown in one record.
const MAX_PARTS: usize = 64;

/// Which protocol uses the DNS message format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DnsKind {
    Dns,
    Mdns,
    Llmnr,
}

impl DnsKind {
    fn name(self) -> &'static str {
        match self {
            DnsKind::Dns => "Domain Name System",
            DnsKind::Mdns => "Multicast Domain Name System",
            DnsKind::Llmnr => "Link-local Multicast Name Resolution",
        }
    }
    fn abbrev(self) -> &'static str {
        match self {
            DnsKind::Dns => "dns",
            DnsKind::Mdns => "mdns",
            DnsKind::Llmnr => "llmnr",
        }
    }
    fn col(self) -> &'static str {
        match self {
            DnsKind::Dns => "DNS",
            DnsKind::Mdns => "MDNS",
            DnsKind::Llmnr => "LLMNR",
        }
    }
}

/// A name as read: its text, the bytes it takes where it is, its label count.
struct Name {
    text: String,
    len: usize,
    labels: usize,
}

/// `300 (5 minutes)`.
fn ttl_text(t: u32) -> String {
    let mut parts = Vec::new();
    let (d, h, m, s) = (t / 86400, t / 3600 % 24, t / 60 % 60, t % 60);
    for (v, unit) in [(d, "day"), (h, "hour"), (m, "minute"), (s, "second")] {
        if v > 0 {
            parts.push(format!("{v} {unit}{}", if v == 1 { "" } else { "s" }));
        }
    }
    if parts.is_empty() {
        parts.push("0 seconds".into());
    }
    format!("{t} ({})", parts.join(", "))
}

fn class_text(c: u16) -> String {
    format!("{} (0x{c:04x})", names::dns_class(c))
}

impl Cx<'_> {
    /// A DNS-format message; over TCP it starts with a two-byte length.
    pub fn dns(&mut self, w: Win, kind: DnsKind, tcp: bool) {
        self.proto(kind.abbrev());
        let mut n = layer(kind.name(), kind.abbrev(), w.start);
        let mut info = String::new();
        let r = self.dns_msg(&mut n, w, kind, tcp, &mut info);
        if !info.is_empty() {
            self.col(kind.col(), info);
        }
        self.finish(n, kind.col(), r);
    }

    fn dns_msg(&self, n: &mut Node, w: Win, kind: DnsKind, tcp: bool, info: &mut String) -> R<()> {
        let mut mw = w;
        if tcp {
            let len = self.be16(w, w.start)?;
            n.push(field("Length", len.to_string(), w.start, 2).filter("dns.length", len));
            mw = w.skip(2).pdu(usize::from(len));
        }
        let r = self.dns_body(n, mw, kind, info).and_then(|()| {
            if mw.claim > mw.rep {
                Err(Cut {
                    kind: super::StopKind::Unreassembled,
                    at: mw.rep,
                    reason: format!("message of {} bytes continues", mw.claim - mw.start),
                })
            } else {
                Ok(())
            }
        });
        if mw.claim > mw.rep {
            // Part of the message is in later segments: what looks wrong here may just be
            // the start of another message, as Wireshark also reports it.
            return r.map_err(|mut c| {
                c.kind = super::StopKind::Unreassembled;
                c
            });
        }
        r
    }

    fn dns_body(&self, n: &mut Node, mw: Win, kind: DnsKind, info: &mut String) -> R<()> {
        let m = mw.start;
        let id = self.be16(mw, m)?;
        n.push(field("Transaction ID", hx(id, 4), m, 2).filter("dns.id", hx(id, 4)));
        let flags = self.be16(mw, m + 2)?;
        let response = flags & 0x8000 != 0;
        let opcode = ((flags >> 11) & 0xf) as u8;
        let rcode = (flags & 0xf) as u8;
        n.name = format!(
            "{} ({})",
            kind.name(),
            if response { "response" } else { "query" }
        );
        *info = format!(
            "{}{} 0x{id:04x}",
            names::dns_opcode(opcode),
            if response { " response" } else { "" }
        );
        if response && rcode != 0 {
            let _ = write!(info, " {}", names::dns_rcode(rcode));
        }
        n.push(self.dns_flags(flags, m + 2));
        let mut counts = [0u16; 4];
        for (i, (name, ab)) in [
            ("Questions", "dns.count.queries"),
            ("Answer RRs", "dns.count.answers"),
            ("Authority RRs", "dns.count.auth_rr"),
            ("Additional RRs", "dns.count.add_rr"),
        ]
        .into_iter()
        .enumerate()
        {
            let at = m + 4 + 2 * i;
            let c = self.be16(mw, at)?;
            n.push(field(name, c.to_string(), at, 2).filter(ab, c));
            if let Some(slot) = counts.get_mut(i) {
                *slot = c;
            }
        }
        n.end_at(m + 12);
        let mut at = m + 12;
        let mut shown = 0usize;
        let [qd, an, ns, ar] = counts;
        // Every question and record reads at least one byte, so each loop ends with the data.
        if qd > 0 {
            let mut qs = field("Queries", String::new(), at, 0);
            let r = (|| -> R<()> {
                for _ in 0..qd {
                    if shown >= MAX_RECORDS {
                        break;
                    }
                    shown += 1;
                    let (q, len) = self.dns_question(mw, at, kind, info)?;
                    qs.push(q);
                    at += len;
                }
                Ok(())
            })();
            qs.end_at(at);
            n.push(qs);
            r?;
        }
        for (count, title) in [
            (an, "Answers"),
            (ns, "Authoritative nameservers"),
            (ar, "Additional records"),
        ] {
            if count == 0 {
                continue;
            }
            let mut sec = field(title, String::new(), at, 0);
            let r = (|| -> R<()> {
                for _ in 0..count {
                    if shown >= MAX_RECORDS {
                        sec.push(super::cx::note(
                            format!("[More than {MAX_RECORDS} records: the rest are not shown]"),
                            at,
                            0,
                        ));
                        break;
                    }
                    shown += 1;
                    let (rr, len) = self.dns_rr(mw, at, kind, info)?;
                    sec.push(rr);
                    at += len;
                }
                Ok(())
            })();
            sec.end_at(at);
            n.push(sec);
            r?;
            if shown >= MAX_RECORDS {
                break;
            }
        }
        n.end_at(at);
        Ok(())
    }

    fn dns_flags(&self, flags: u16, at: usize) -> Node {
        let v = u64::from(flags);
        let response = flags & 0x8000 != 0;
        let opcode = ((flags >> 11) & 0xf) as u8;
        let rcode = (flags & 0xf) as u8;
        let mut summary = names::dns_opcode(opcode).to_string();
        if response {
            let _ = write!(summary, " response, {}", names::dns_rcode(rcode));
        }
        let mut f = field("Flags", format!("0x{flags:04x} {summary}"), at, 2)
            .filter("dns.flags", hx(flags, 4));
        f.push(flag_says(
            "Response",
            "dns.flags.response",
            v,
            0x8000,
            16,
            at,
            ("Message is a response", "Message is a query"),
        ));
        f.push(
            field(
                "Opcode",
                format!("{} ({opcode})", names::dns_opcode(opcode)),
                at,
                2,
            )
            .filter("dns.flags.opcode", opcode)
            .bits(v, 0x7800, 16),
        );
        if response {
            f.push(flag_says(
                "Authoritative",
                "dns.flags.authoritative",
                v,
                0x0400,
                16,
                at,
                (
                    "Server is an authority for domain",
                    "Server is not an authority for domain",
                ),
            ));
        }
        f.push(flag_says(
            "Truncated",
            "dns.flags.truncated",
            v,
            0x0200,
            16,
            at,
            ("Message is truncated", "Message is not truncated"),
        ));
        f.push(flag_says(
            "Recursion desired",
            "dns.flags.recdesired",
            v,
            0x0100,
            16,
            at,
            ("Do query recursively", "Don't do query recursively"),
        ));
        if response {
            f.push(flag_says(
                "Recursion available",
                "dns.flags.recavail",
                v,
                0x0080,
                16,
                at,
                (
                    "Server can do recursive queries",
                    "Server can't do recursive queries",
                ),
            ));
        }
        f.push(flag_says(
            "Z",
            "dns.flags.z",
            v,
            0x0040,
            16,
            at,
            ("reserved (1)", "reserved (0)"),
        ));
        if response {
            f.push(flag_says(
                "Answer authenticated",
                "dns.flags.authenticated",
                v,
                0x0020,
                16,
                at,
                (
                    "Answer/authority portion was authenticated by the server",
                    "Answer/authority portion was not authenticated by the server",
                ),
            ));
        }
        f.push(flag_says(
            "Non-authenticated data",
            "dns.flags.checkdisable",
            v,
            0x0010,
            16,
            at,
            ("Acceptable", "Unacceptable"),
        ));
        if response {
            f.push(
                field(
                    "Reply code",
                    format!("{} ({rcode})", names::dns_rcode(rcode)),
                    at,
                    2,
                )
                .filter("dns.flags.rcode", rcode)
                .bits(v, 0x000f, 16),
            );
        }
        f
    }

    /// A name at `at` in the message `mw` (pointers are relative to `mw.start`).
    fn dns_name(&self, mw: Win, at: usize) -> R<Name> {
        let mut pos = at;
        let mut in_place: Option<usize> = None;
        let mut hops = 0;
        let mut out = String::new();
        let mut labels = 0;
        loop {
            let len = self.u8(mw, pos)?;
            match len & 0xc0 {
                0x00 if len == 0 => {
                    if in_place.is_none() {
                        in_place = Some(pos + 1 - at);
                    }
                    break;
                }
                0x00 => {
                    let l = self.bytes(mw, pos + 1, usize::from(len))?;
                    if !out.is_empty() {
                        out.push('.');
                    }
                    for &c in l {
                        if (0x21..0x7f).contains(&c) {
                            out.push(char::from(c));
                        } else {
                            let _ = write!(out, "\\{c:03}");
                        }
                    }
                    labels += 1;
                    pos += 1 + usize::from(len);
                    if out.len() > MAX_NAME {
                        return Err(Cut::bad(at, format!("name longer than {MAX_NAME} bytes")));
                    }
                }
                0xc0 => {
                    let lo = self.u8(mw, pos + 1)?;
                    if in_place.is_none() {
                        in_place = Some(pos + 2 - at);
                    }
                    hops += 1;
                    if hops > MAX_HOPS {
                        return Err(Cut::bad(pos, "name compression loop"));
                    }
                    pos = mw.start + (usize::from(len & 0x3f) << 8 | usize::from(lo));
                }
                _ => return Err(Cut::bad(pos, format!("unsupported label type 0x{len:02x}"))),
            }
        }
        if out.is_empty() {
            out.push_str("<Root>");
        }
        Ok(Name {
            text: out,
            len: in_place.unwrap_or(1),
            labels,
        })
    }

    fn dns_question(
        &self,
        mw: Win,
        at: usize,
        kind: DnsKind,
        info: &mut String,
    ) -> R<(Node, usize)> {
        let name = self.dns_name(mw, at)?;
        let t_at = at + name.len;
        let ty = self.be16(mw, t_at)?;
        let cl = self.be16(mw, t_at + 2)?;
        let class = if kind == DnsKind::Mdns {
            cl & 0x7fff
        } else {
            cl
        };
        let len = name.len + 4;
        let mut q = field(
            &format!(
                "{}: type {}, class {}",
                name.text,
                names::dns_type(ty),
                names::dns_class(class)
            ),
            String::new(),
            at,
            len,
        );
        q.push(
            field("Name", name.text.clone(), at, name.len)
                .filter("dns.qry.name", quote(&name.text)),
        );
        q.push(
            field("Name Length", name.text.len().to_string(), at, name.len)
                .filter("dns.qry.name.len", name.text.len())
                .generated(),
        );
        q.push(
            field("Label Count", name.labels.to_string(), at, name.len)
                .filter("dns.count.labels", name.labels)
                .generated(),
        );
        q.push(field("Type", names::dns_type_long(ty), t_at, 2).filter("dns.qry.type", ty));
        q.push(
            field("Class", class_text(class), t_at + 2, 2).filter("dns.qry.class", hx(class, 4)),
        );
        if kind == DnsKind::Mdns {
            q.push(flag_says(
                "\"QU\" question",
                "dns.qry.qu",
                u64::from(cl),
                0x8000,
                16,
                t_at + 2,
                ("True", "False"),
            ));
        }
        let _ = write!(info, " {} {}", names::dns_type(ty), name.text);
        if kind == DnsKind::Mdns {
            let _ = write!(
                info,
                ", \"{}\" question",
                if cl & 0x8000 != 0 { "QU" } else { "QM" }
            );
        }
        Ok((q, len))
    }

    fn dns_rr(&self, mw: Win, at: usize, kind: DnsKind, info: &mut String) -> R<(Node, usize)> {
        let name = self.dns_name(mw, at)?;
        let t_at = at + name.len;
        let ty = self.be16(mw, t_at)?;
        let cl = self.be16(mw, t_at + 2)?;
        let ttl = self.be32(mw, t_at + 4)?;
        let rdlen = usize::from(self.be16(mw, t_at + 8)?);
        let d_at = t_at + 10;
        let len = name.len + 10 + rdlen;
        let tname = names::dns_type(ty);
        let class = if kind == DnsKind::Mdns {
            cl & 0x7fff
        } else {
            cl
        };
        let mut rr = field("", String::new(), at, len);
        rr.push(
            field("Name", name.text.clone(), at, name.len)
                .filter("dns.resp.name", quote(&name.text)),
        );
        rr.push(field("Type", names::dns_type_long(ty), t_at, 2).filter("dns.resp.type", ty));
        if ty == 41 {
            rr.push(
                field("UDP payload size", cl.to_string(), t_at + 2, 2)
                    .filter("dns.rr.udp_payload_size", cl),
            );
            let ext = (ttl >> 24) as u8;
            rr.push(
                field("Higher bits in extended RCODE", hx(ext, 2), t_at + 4, 1)
                    .filter("dns.resp.ext_rcode", hx(ext, 2)),
            );
            let ver = (ttl >> 16) as u8;
            rr.push(
                field("EDNS0 version", ver.to_string(), t_at + 5, 1)
                    .filter("dns.resp.edns0_version", ver),
            );
            let z = (ttl & 0xffff) as u16;
            let mut zn = field("Z", hx(z, 4), t_at + 6, 2).filter("dns.resp.z", hx(z, 4));
            zn.push(flag_says(
                "DO bit",
                "dns.resp.z.do",
                u64::from(z),
                0x8000,
                16,
                t_at + 6,
                (
                    "Accepts DNSSEC security RRs",
                    "Cannot handle DNSSEC security RRs",
                ),
            ));
            rr.push(zn);
        } else {
            rr.push(
                field("Class", class_text(class), t_at + 2, 2)
                    .filter("dns.resp.class", hx(class, 4)),
            );
            if kind == DnsKind::Mdns {
                rr.push(flag_says(
                    "Cache flush",
                    "dns.resp.cache_flush",
                    u64::from(cl),
                    0x8000,
                    16,
                    t_at + 2,
                    ("True", "False"),
                ));
            }
            rr.push(field("Time to live", ttl_text(ttl), t_at + 4, 4).filter("dns.resp.ttl", ttl));
        }
        rr.push(field("Data length", rdlen.to_string(), t_at + 8, 2).filter("dns.resp.len", rdlen));
        // The record data may point anywhere in the message, but its own bytes end at rdlen.
        let rw = mw.skip(d_at - mw.start).limit(rdlen);
        self.bytes(rw, d_at, rdlen)?;
        let mut summary = String::new();
        let mut brief = String::new();
        let nm = |n: &Name| n.text.clone();
        match (ty, rdlen) {
            (1, 4) => {
                let a = Ipv4Addr::from(self.arr::<4>(rw, d_at)?);
                rr.push(field("Address", a.to_string(), d_at, 4).filter("dns.a", a));
                summary = format!("addr {a}");
                brief = a.to_string();
            }
            (28, 16) => {
                let a = Ipv6Addr::from(self.arr::<16>(rw, d_at)?);
                rr.push(field("AAAA Address", a.to_string(), d_at, 16).filter("dns.aaaa", a));
                summary = format!("addr {a}");
                brief = a.to_string();
            }
            (2 | 5 | 12 | 39, _) => {
                let t = self.dns_name(mw, d_at)?;
                let (label, ab, word) = match ty {
                    2 => ("Name Server", "dns.ns", "ns"),
                    5 => ("CNAME", "dns.cname", "cname"),
                    12 => ("Domain Name", "dns.ptr.domain_name", "ptr"),
                    _ => ("Target name", "dns.dname", "dname"),
                };
                rr.push(field(label, nm(&t), d_at, t.len).filter(ab, quote(&t.text)));
                summary = format!("{word} {}", t.text);
                brief = t.text;
            }
            (15, _) => {
                let pref = self.be16(rw, d_at)?;
                rr.push(
                    field("Preference", pref.to_string(), d_at, 2)
                        .filter("dns.mx.preference", pref),
                );
                let t = self.dns_name(mw, d_at + 2)?;
                rr.push(
                    field("Mail Exchange", nm(&t), d_at + 2, t.len)
                        .filter("dns.mx.mail_exchange", quote(&t.text)),
                );
                summary = format!("preference {pref}, mx {}", t.text);
                brief = format!("{pref} {}", t.text);
            }
            (6, _) => {
                let mname = self.dns_name(mw, d_at)?;
                rr.push(
                    field("Primary name server", nm(&mname), d_at, mname.len)
                        .filter("dns.soa.mname", quote(&mname.text)),
                );
                let r_at = d_at + mname.len;
                let rname = self.dns_name(mw, r_at)?;
                rr.push(
                    field(
                        "Responsible authority's mailbox",
                        nm(&rname),
                        r_at,
                        rname.len,
                    )
                    .filter("dns.soa.rname", quote(&rname.text)),
                );
                let mut k = r_at + rname.len;
                for (label, ab) in [
                    ("Serial Number", "dns.soa.serial_number"),
                    ("Refresh Interval", "dns.soa.refresh_interval"),
                    ("Retry Interval", "dns.soa.retry_interval"),
                    ("Expire limit", "dns.soa.expire_limit"),
                    ("Minimum TTL", "dns.soa.minimum_ttl"),
                ] {
                    let v = self.be32(rw, k)?;
                    let text = if ab == "dns.soa.serial_number" {
                        v.to_string()
                    } else {
                        ttl_text(v)
                    };
                    rr.push(field(label, text, k, 4).filter(ab, v));
                    k += 4;
                }
                summary = format!("mname {}", mname.text);
                brief = mname.text;
            }
            (33, _) => {
                let prio = self.be16(rw, d_at)?;
                let weight = self.be16(rw, d_at + 2)?;
                let port = self.be16(rw, d_at + 4)?;
                rr.push(
                    field("Priority", prio.to_string(), d_at, 2).filter("dns.srv.priority", prio),
                );
                rr.push(
                    field("Weight", weight.to_string(), d_at + 2, 2)
                        .filter("dns.srv.weight", weight),
                );
                rr.push(field("Port", port.to_string(), d_at + 4, 2).filter("dns.srv.port", port));
                let t = self.dns_name(mw, d_at + 6)?;
                rr.push(
                    field("Target", nm(&t), d_at + 6, t.len)
                        .filter("dns.srv.target", quote(&t.text)),
                );
                summary = format!(
                    "priority {prio}, weight {weight}, port {port}, target {}",
                    t.text
                );
                brief = format!("{prio} {weight} {port} {}", t.text);
            }
            (47, _) => {
                let t = self.dns_name(mw, d_at)?;
                rr.push(
                    field("Next Domain Name", nm(&t), d_at, t.len)
                        .filter("dns.nsec.next_domain_name", quote(&t.text)),
                );
                brief = t.text;
            }
            (16, _) => {
                let mut k = d_at;
                for _ in 0..MAX_PARTS {
                    if k >= d_at + rdlen {
                        break;
                    }
                    let l = usize::from(self.u8(rw, k)?);
                    let s = self.bytes(rw, k + 1, l)?;
                    let t = super::cx::text(s, 4096);
                    rr.push(field("TXT Length", l.to_string(), k, 1).filter("dns.txt.length", l));
                    rr.push(field("TXT", t.clone(), k + 1, l).filter("dns.txt", quote(&t)));
                    k += 1 + l;
                }
            }
            (41, _) => {
                let mut k = d_at;
                for _ in 0..MAX_PARTS {
                    if k + 4 > d_at + rdlen {
                        break;
                    }
                    let code = self.be16(rw, k)?;
                    let l = usize::from(self.be16(rw, k + 2)?);
                    let data = self.bytes(rw, k + 4, l)?;
                    let oname = match code {
                        3 => "NSID",
                        8 => "CSUBNET - Client subnet",
                        10 => "COOKIE",
                        12 => "PADDING",
                        15 => "Extended DNS Error",
                        _ => "Unknown",
                    };
                    let mut o = field("Option", oname, k, 4 + l);
                    o.push(
                        field("Option Code", format!("{oname} ({code})"), k, 2)
                            .filter("dns.opt.code", code),
                    );
                    o.push(
                        field("Option Length", l.to_string(), k + 2, 2).filter("dns.opt.len", l),
                    );
                    if l > 0 {
                        o.push(
                            field("Option Data", hex_preview(data), k + 4, l)
                                .abbrev("dns.opt.data"),
                        );
                    }
                    rr.push(o);
                    k += 4 + l;
                }
            }
            _ => {
                if rdlen > 0 {
                    let b = self.bytes(rw, d_at, rdlen)?;
                    rr.push(field("Data", hex_preview(b), d_at, rdlen).abbrev("dns.data"));
                }
            }
        }
        rr.name = if ty == 41 {
            format!("{}: type OPT", name.text)
        } else if summary.is_empty() {
            format!(
                "{}: type {tname}, class {}",
                name.text,
                names::dns_class(class)
            )
        } else {
            format!(
                "{}: type {tname}, class {}, {summary}",
                name.text,
                names::dns_class(class)
            )
        };
        let flush = if kind == DnsKind::Mdns && cl & 0x8000 != 0 && ty != 41 {
            ", cache flush"
        } else {
            ""
        };
        if brief.is_empty() {
            let _ = write!(info, " {tname}{flush}");
        } else {
            let _ = write!(info, " {tname}{flush} {brief}");
        }
        Ok((rr, len))
    }
}
