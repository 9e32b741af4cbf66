//! TLS records that start in one TCP segment: record headers, handshake messages (ClientHello
//! and ServerHello in detail: SNI, ALPN, supported versions, cipher suites), alerts, change
//! cipher spec and application data.

use super::cx::{field, hex_preview, hx, layer, note, Cut, Cx, Win, R};
use super::{names, Node, StopKind};
use std::fmt::Write as _;

/// Records shown in one segment.
const MAX_RECORDS: usize = 256;
/// Handshake messages shown in one record.
const MAX_MESSAGES: usize = 64;
/// Cipher suites, extensions, certificates, names ... listed in one message.
const MAX_ITEMS: usize = 512;

/// What a segment's records add up to.
#[derive(Default)]
struct Seen {
    info: Vec<String>,
    /// The record version of the first record, for the Protocol column.
    version: Option<u16>,
    /// The version a ServerHello selected (supported_versions).
    selected: Option<u16>,
    /// A Change Cipher Spec record came before: handshake records after it are encrypted.
    after_ccs: bool,
}

/// The `random` of a ServerHello that is a HelloRetryRequest (RFC 8446, 4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

impl Cx<'_> {
    /// The TLS records that start in a TCP payload.
    pub fn tls(&mut self, w: Win) {
        self.proto("tls");
        let mut n = layer("Transport Layer Security", "tls", w.start);
        let mut seen = Seen::default();
        let r = self.tls_records(&mut n, w, &mut seen);
        if !seen.info.is_empty() {
            let v = seen.selected.or(seen.version).unwrap_or(0);
            self.col(names::tls_column(v), seen.info.join(", "));
        }
        self.finish(n, "TLS", r);
    }

    fn tls_records(&self, n: &mut Node, w: Win, seen: &mut Seen) -> R<()> {
        let mut at = w.start;
        for _ in 0..MAX_RECORDS {
            if at >= w.rep {
                break;
            }
            let b = self.d.get(at..w.end).unwrap_or(&[]);
            let plausible =
                matches!(b, [ct, 3, minor, ..] if (20..=24).contains(ct) && *minor <= 4);
            if !plausible && b.len() >= 3 {
                n.push(note(
                    format!("[{} bytes that do not start a TLS record (continuation of an earlier record?)]", w.rep - at),
                    at,
                    w.end.saturating_sub(at),
                ));
                seen.info.push("Ignored Unknown Record".into());
                at = w.rep;
                break;
            }
            let ct = self.u8(w, at)?;
            let ver = self.be16(w, at + 1)?;
            let len = usize::from(self.be16(w, at + 3)?);
            if seen.version.is_none() {
                seen.version = Some(ver);
            }
            let vname = names::tls_column(ver);
            let ctname = names::tls_content(ct);
            let mut rec = field(&format!("{vname} Record Layer"), String::new(), at, 5 + len)
                .abbrev("tls.record");
            rec.push(
                field("Content Type", format!("{ctname} ({ct})"), at, 1)
                    .filter("tls.record.content_type", ct),
            );
            rec.push(
                field(
                    "Version",
                    format!("{} (0x{ver:04x})", names::tls_version(ver)),
                    at + 1,
                    2,
                )
                .filter("tls.record.version", hx(ver, 4)),
            );
            rec.push(field("Length", len.to_string(), at + 3, 2).filter("tls.record.length", len));
            let body = w.skip(at + 5 - w.start).pdu(len);
            let before = seen.info.len();
            let r = self.tls_record_body(&mut rec, body, ct, seen);
            if ct != 22 && at + 5 + len > w.rep {
                // Only what is complete in this segment goes into the Info column, as tshark
                // writes it without reassembly (handshake messages are counted one by one).
                seen.info.truncate(before);
            }
            rec.value = match ct {
                20 => "Change Cipher Spec Protocol: Change Cipher Spec".into(),
                21 => format!(
                    "Alert Protocol: {}",
                    seen.info.last().cloned().unwrap_or_default()
                ),
                22 => format!("Handshake Protocol: {}", rec_messages(&rec)),
                23 => "Application Data Protocol: Application Data".into(),
                24 => "Heartbeat Protocol".into(),
                _ => "Unknown content type".into(),
            };
            n.push(rec);
            r?;
            if len > 0 && at + 5 + len > w.rep {
                // The record continues in later segments.
                return Err(Cut {
                    kind: StopKind::Unreassembled,
                    at: w.rep,
                    reason: format!("record of {len} bytes continues"),
                });
            }
            at += 5 + len;
        }
        n.end_at(at.min(w.end));
        Ok(())
    }

    fn tls_record_body(&self, rec: &mut Node, b: Win, ct: u8, seen: &mut Seen) -> R<()> {
        let len = b.claim - b.start;
        let s = b.start;
        match ct {
            20 => {
                let v = self.u8(b, s)?;
                rec.push(
                    field("Change Cipher Spec Message", String::new(), s, 1)
                        .filter("tls.change_cipher_spec", v),
                );
                seen.info.push("Change Cipher Spec".into());
                seen.after_ccs = true;
            }
            21 => {
                if len == 2 {
                    let level = self.u8(b, s)?;
                    let desc = self.u8(b, s + 1)?;
                    let mut a = field("Alert Message", String::new(), s, 2);
                    a.push(
                        field(
                            "Level",
                            format!("{} ({level})", names::tls_alert_level(level)),
                            s,
                            1,
                        )
                        .filter("tls.alert_message.level", level),
                    );
                    a.push(
                        field(
                            "Description",
                            format!("{} ({desc})", names::tls_alert(desc)),
                            s + 1,
                            1,
                        )
                        .filter("tls.alert_message.desc", desc),
                    );
                    rec.push(a);
                    seen.info.push(format!(
                        "Alert (Level: {}, Description: {})",
                        names::tls_alert_level(level),
                        names::tls_alert(desc)
                    ));
                } else {
                    let got = b.len();
                    rec.push(
                        field("Alert Message", "Encrypted Alert", s, got)
                            .abbrev("tls.alert_message"),
                    );
                    seen.info.push("Encrypted Alert".into());
                }
            }
            22 => self.tls_handshakes(rec, b, seen)?,
            23 => {
                let got = b.len();
                rec.push(
                    field(
                        "Encrypted Application Data",
                        hex_preview(self.avail(b)),
                        s,
                        got,
                    )
                    .abbrev("tls.app_data"),
                );
                seen.info.push("Application Data".into());
            }
            24 => {
                let got = b.len();
                rec.push(
                    field("Heartbeat Message", hex_preview(self.avail(b)), s, got)
                        .abbrev("tls.heartbeat_message"),
                );
                seen.info.push("Heartbeat".into());
            }
            _ => seen.info.push("Ignored Unknown Record".into()),
        }
        Ok(())
    }

    fn tls_handshakes(&self, rec: &mut Node, b: Win, seen: &mut Seen) -> R<()> {
        let mut at = b.start;
        for i in 0..MAX_MESSAGES {
            if at >= b.claim {
                break;
            }
            let left = b.claim - at;
            // Encrypted handshake messages (Finished after Change Cipher Spec) do not parse
            // as a known type whose length fits the record; a Certificate may continue in
            // the next record.
            let ty = self.u8(b, at)?;
            let known = names::tls_handshake(ty);
            let hlen = if left >= 4 {
                Some(self.be16(b, at + 2)? as usize | (usize::from(self.u8(b, at + 1)?) << 16))
            } else {
                None
            };
            let fits = hlen.is_some_and(|l| 4 + l <= left);
            let may_continue = i == 0 && matches!(ty, 4 | 11 | 22 | 25);
            // A Hello Request is empty and alone in its record; the explicit nonce of an
            // encrypted Finished often starts with zeros that would read as one.
            let lone_hello_request = ty != 0 || (hlen == Some(0) && left == 4 && i == 0);
            if seen.after_ccs
                || known.is_none()
                || hlen.is_none()
                || !(fits || may_continue)
                || !lone_hello_request
            {
                let got = b.end.saturating_sub(at);
                rec.push(
                    field("Handshake Protocol", "Encrypted Handshake Message", at, got)
                        .abbrev("tls.handshake"),
                );
                seen.info.push("Encrypted Handshake Message".into());
                return Ok(());
            }
            let (Some(tname), Some(hlen)) = (known, hlen) else {
                return Ok(());
            };
            let mut h = field("Handshake Protocol", tname, at, 4 + hlen).abbrev("tls.handshake");
            h.push(
                field("Handshake Type", format!("{tname} ({ty})"), at, 1)
                    .filter("tls.handshake.type", ty),
            );
            h.push(
                field("Length", hlen.to_string(), at + 1, 3).filter("tls.handshake.length", hlen),
            );
            let mw = b.skip(at + 4 - b.start).limit(hlen);
            let mw = Win {
                claim: at + 4 + hlen,
                ..mw
            };
            let mut entry = tname.to_string();
            let r = match ty {
                1 => self.tls_hello(&mut h, mw, true, &mut entry, seen),
                2 => self.tls_hello(&mut h, mw, false, &mut entry, seen),
                11 => self.tls_certificates(&mut h, mw),
                _ => Ok(()),
            }
            .and_then(|()| self.bytes(mw, at + 4, hlen).map(|_| ()));
            rec.push(h);
            // A message cut by the end of the segment is left out of the Info column, as
            // tshark does without reassembly.
            if r.is_ok() {
                seen.info.push(entry);
            }
            r?;
            at += 4 + hlen;
        }
        Ok(())
    }

    fn tls_hello(
        &self,
        h: &mut Node,
        w: Win,
        client: bool,
        entry: &mut String,
        seen: &mut Seen,
    ) -> R<()> {
        let s = w.start;
        let ver = self.be16(w, s)?;
        h.push(
            field(
                "Version",
                format!("{} (0x{ver:04x})", names::tls_version(ver)),
                s,
                2,
            )
            .filter("tls.handshake.version", hx(ver, 4)),
        );
        let random = self.bytes(w, s + 2, 32)?;
        h.push(field("Random", hex_preview(random), s + 2, 32).abbrev("tls.handshake.random"));
        if !client && random == HRR_RANDOM {
            *entry = "Hello Retry Request".into();
            h.value = entry.clone();
        }
        let sl = usize::from(self.u8(w, s + 34)?);
        h.push(
            field("Session ID Length", sl.to_string(), s + 34, 1)
                .filter("tls.handshake.session_id_length", sl),
        );
        let mut at = s + 35;
        if sl > 0 {
            let sid = self.bytes(w, at, sl)?;
            h.push(
                field("Session ID", hex_preview(sid), at, sl).abbrev("tls.handshake.session_id"),
            );
            at += sl;
        }
        if client {
            let cl = usize::from(self.be16(w, at)?);
            h.push(
                field("Cipher Suites Length", cl.to_string(), at, 2)
                    .filter("tls.handshake.cipher_suites_length", cl),
            );
            let mut cs = field("Cipher Suites", format!("({} suites)", cl / 2), at + 2, cl);
            for k in (0..cl / 2).take(MAX_ITEMS) {
                let c = self.be16(w, at + 2 + 2 * k)?;
                cs.push(cipher(c, at + 2 + 2 * k));
            }
            h.push(cs);
            at += 2 + cl;
            let ml = usize::from(self.u8(w, at)?);
            h.push(
                field("Compression Methods Length", ml.to_string(), at, 1)
                    .filter("tls.handshake.comp_methods_length", ml),
            );
            let methods = self.bytes(w, at + 1, ml)?;
            let mut cm = field(
                "Compression Methods",
                format!("({ml} method{})", if ml == 1 { "" } else { "s" }),
                at + 1,
                ml,
            );
            for (k, &m) in methods.iter().enumerate().take(MAX_ITEMS) {
                cm.push(compression(m, at + 1 + k));
            }
            h.push(cm);
            at += 1 + ml;
        } else {
            let c = self.be16(w, at)?;
            h.push(cipher(c, at));
            let m = self.u8(w, at + 2)?;
            h.push(compression(m, at + 2));
            at += 3;
        }
        if at >= w.rep {
            return Ok(());
        }
        let el = usize::from(self.be16(w, at)?);
        h.push(
            field("Extensions Length", el.to_string(), at, 2)
                .filter("tls.handshake.extensions_length", el),
        );
        at += 2;
        let end = at + el;
        for _ in 0..MAX_ITEMS {
            if at + 4 > end {
                break;
            }
            let ty = self.be16(w, at)?;
            let l = usize::from(self.be16(w, at + 2)?);
            let tname = names::tls_extension(ty);
            let mut e = field(
                &format!("Extension: {tname}"),
                format!("(len={l})"),
                at,
                4 + l,
            );
            e.push(
                field("Type", format!("{tname} ({ty})"), at, 2)
                    .filter("tls.handshake.extension.type", ty),
            );
            e.push(
                field("Length", l.to_string(), at + 2, 2).filter("tls.handshake.extension.len", l),
            );
            let d = at + 4;
            self.bytes(w, d, l)?;
            match ty {
                0 if l >= 2 => {
                    let ll = usize::from(self.be16(w, d)?);
                    let mut sni = field("Server Name Indication extension", String::new(), d, l);
                    sni.push(
                        field("Server Name list length", ll.to_string(), d, 2)
                            .filter("tls.handshake.extensions_server_name_list_len", ll),
                    );
                    let mut k = d + 2;
                    for _ in 0..MAX_ITEMS {
                        if k + 3 > d + 2 + ll.min(l - 2) {
                            break;
                        }
                        let nt = self.u8(w, k)?;
                        let nl = usize::from(self.be16(w, k + 1)?);
                        let name = super::cx::text(self.bytes(w, k + 3, nl)?, 1024);
                        sni.push(
                            field(
                                "Server Name Type",
                                format!("{} ({nt})", if nt == 0 { "host_name" } else { "unknown" }),
                                k,
                                1,
                            )
                            .filter("tls.handshake.extensions_server_name_type", nt),
                        );
                        sni.push(
                            field("Server Name length", nl.to_string(), k + 1, 2)
                                .filter("tls.handshake.extensions_server_name_len", nl),
                        );
                        sni.push(
                            field("Server Name", name.clone(), k + 3, nl)
                                .sfilter("tls.handshake.extensions_server_name", &name),
                        );
                        if nt == 0 && client {
                            *entry = format!("Client Hello (SNI={name})");
                            e.value = format!("(len={l}) name={name}");
                        }
                        k += 3 + nl;
                    }
                    e.push(sni);
                }
                43 if client && l >= 1 => {
                    let vl = usize::from(self.u8(w, d)?);
                    e.push(
                        field("Supported Versions length", vl.to_string(), d, 1)
                            .filter("tls.handshake.extensions.supported_versions_len", vl),
                    );
                    for k in (0..vl.min(l - 1) / 2).take(MAX_ITEMS) {
                        let v = self.be16(w, d + 1 + 2 * k)?;
                        e.push(
                            field(
                                "Supported Version",
                                format!("{} (0x{v:04x})", names::tls_version(v)),
                                d + 1 + 2 * k,
                                2,
                            )
                            .filter("tls.handshake.extensions.supported_version", hx(v, 4)),
                        );
                    }
                }
                43 if !client && l == 2 => {
                    let v = self.be16(w, d)?;
                    e.push(
                        field(
                            "Supported Version",
                            format!("{} (0x{v:04x})", names::tls_version(v)),
                            d,
                            2,
                        )
                        .filter("tls.handshake.extensions.supported_version", hx(v, 4)),
                    );
                    e.value = format!("(len={l}) {}", names::tls_version(v));
                    seen.selected = Some(v);
                }
                16 if l >= 2 => {
                    let ll = usize::from(self.be16(w, d)?);
                    e.push(
                        field("ALPN Extension Length", ll.to_string(), d, 2)
                            .filter("tls.handshake.extensions_alpn_len", ll),
                    );
                    let mut k = d + 2;
                    let mut protos = Vec::new();
                    for _ in 0..MAX_ITEMS {
                        if k >= d + l {
                            break;
                        }
                        let pl = usize::from(self.u8(w, k)?);
                        let p = super::cx::text(self.bytes(w, k + 1, pl)?, 256);
                        e.push(
                            field("ALPN string length", pl.to_string(), k, 1)
                                .filter("tls.handshake.extensions_alpn_str_len", pl),
                        );
                        e.push(
                            field("ALPN Next Protocol", p.clone(), k + 1, pl)
                                .sfilter("tls.handshake.extensions_alpn_str", &p),
                        );
                        protos.push(p);
                        k += 1 + pl;
                    }
                    e.value = format!("(len={l}) {}", protos.join(", "));
                }
                _ => {
                    if l > 0 {
                        e.push(field("Data", hex_preview(self.bytes(w, d, l)?), d, l));
                    }
                }
            }
            h.push(e);
            at += 4 + l;
        }
        Ok(())
    }

    fn tls_certificates(&self, h: &mut Node, w: Win) -> R<()> {
        let s = w.start;
        let total = usize::from(self.u8(w, s)?) << 16 | usize::from(self.be16(w, s + 1)?);
        h.push(
            field("Certificates Length", total.to_string(), s, 3)
                .filter("tls.handshake.certificates_length", total),
        );
        let mut certs = field("Certificates", format!("({total} bytes)"), s + 3, total);
        let mut at = s + 3;
        for _ in 0..MAX_ITEMS {
            if at + 3 > s + 3 + total {
                break;
            }
            let l = usize::from(self.u8(w, at)?) << 16 | usize::from(self.be16(w, at + 1)?);
            certs.push(
                field("Certificate Length", l.to_string(), at, 3)
                    .filter("tls.handshake.certificate_length", l),
            );
            let r = self.bytes(w, at + 3, l);
            let got = w.end.saturating_sub(at + 3).min(l);
            let b = self.d.get(at + 3..at + 3 + got).unwrap_or(&[]);
            certs.push(
                field("Certificate", hex_preview(b), at + 3, got)
                    .abbrev("tls.handshake.certificate"),
            );
            if let Err(c) = r {
                h.push(certs);
                return Err(c);
            }
            at += 3 + l;
        }
        h.push(certs);
        Ok(())
    }
}

fn compression(m: u8, at: usize) -> Node {
    let name = match m {
        0 => "null",
        1 => "DEFLATE",
        64 => "LZS",
        _ => "unknown",
    };
    field("Compression Method", format!("{name} ({m})"), at, 1)
        .filter("tls.handshake.comp_method", m)
}

fn cipher(c: u16, at: usize) -> Node {
    let name = names::cipher_suite(c).map_or_else(
        || {
            if c & 0x0f0f == 0x0a0a {
                "Reserved (GREASE)".to_string()
            } else {
                "Unknown".to_string()
            }
        },
        str::to_string,
    );
    field("Cipher Suite", format!("{name} (0x{c:04x})"), at, 2)
        .filter("tls.handshake.ciphersuite", hx(c, 4))
}

/// The handshake messages of a record, for its summary.
fn rec_messages(rec: &Node) -> String {
    let mut s = String::new();
    for c in rec
        .children
        .iter()
        .filter(|c| c.abbrev.as_deref() == Some("tls.handshake"))
    {
        if !s.is_empty() {
            s.push_str(", ");
        }
        let _ = write!(s, "{}", c.value);
    }
    s
}
