//! Application protocols: dispatch by port and content, and HTTP/1.x.

use super::cx::{field, layer, text, Cut, Cx, Win, R};
use super::dns::DnsKind;
use super::names;
use std::fmt::Write as _;

/// HTTP header lines shown in one message.
const MAX_HTTP_LINES: usize = 256;
/// Longest line shown, in characters.
const MAX_LINE: usize = 2048;

const METHODS: &[&str] = &[
    "GET",
    "POST",
    "HEAD",
    "PUT",
    "DELETE",
    "OPTIONS",
    "CONNECT",
    "TRACE",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "SEARCH",
    "NOTIFY",
    "M-SEARCH",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
];

/// Whether a TCP payload starts like an HTTP/1.x request or response.
fn looks_http(b: &[u8]) -> bool {
    if b.starts_with(b"HTTP/1.") {
        return true;
    }
    METHODS
        .iter()
        .any(|m| b.len() > m.len() && b.starts_with(m.as_bytes()) && b.get(m.len()) == Some(&b' '))
}

/// Whether a TCP payload starts with a plausible TLS record header.
fn looks_tls(b: &[u8]) -> bool {
    match b {
        [ct, 3, minor, hi, lo, ..] => {
            (20..=24).contains(ct) && *minor <= 4 && u16::from_be_bytes([*hi, *lo]) <= 18432
        }
        _ => false,
    }
}

impl Cx<'_> {
    /// What a UDP payload is, by port.
    pub fn udp_app(&mut self, w: Win, sp: u16, dp: u16) {
        let has = |p: u16| sp == p || dp == p;
        if has(5353) {
            self.dns(w, DnsKind::Mdns, false);
        } else if has(5355) {
            self.dns(w, DnsKind::Llmnr, false);
        } else if has(53) {
            self.dns(w, DnsKind::Dns, false);
        } else if has(67) || has(68) {
            self.dhcp(w);
        } else if has(4789) {
            self.vxlan(w);
        } else if has(3544) && self.looks_teredo(w) {
            self.teredo(w);
        } else {
            self.data(w);
        }
    }

    /// What a TCP payload is, by port and content.
    pub fn tcp_app(&mut self, w: Win, sp: u16, dp: u16) {
        let b = self.avail(w);
        if (sp == 53 || dp == 53) && w.len() >= 2 {
            self.dns(w, DnsKind::Dns, true);
        } else if looks_tls(b) {
            self.tls(w);
        } else if looks_http(b) && sp != 22 && dp != 22 {
            self.http(w);
        } else {
            self.data(w);
        }
    }

    /// HTTP/1.x: the request or status line and the header lines in this segment.
    fn http(&mut self, w: Win) {
        self.proto("http");
        let mut n = layer("Hypertext Transfer Protocol", "http", w.start);
        let r = (|| -> R<(&str, String)> {
            let b = self.avail(w);
            let mut col = "HTTP";
            let mut at = 0usize;
            let mut first: Option<String> = None;
            let mut host: Option<String> = None;
            let mut uri: Option<String> = None;
            let mut ctype: Option<String> = None;
            let mut ended = false;
            for _ in 0..MAX_HTTP_LINES {
                let rest = b.get(at..).unwrap_or(&[]);
                let Some(nl) = rest.iter().position(|&c| c == b'\n') else {
                    break;
                };
                let raw = rest.get(..nl).unwrap_or(&[]);
                let line = raw.strip_suffix(b"\r").unwrap_or(raw);
                let abs = w.start + at;
                let len = nl + 1;
                at += len;
                if first.is_none() {
                    let t = text(line, MAX_LINE);
                    let mut f = field(&format!("{t}\\r\\n"), String::new(), abs, len);
                    let parts: Vec<&[u8]> = line.splitn(3, |&c| c == b' ').collect();
                    let part = |i: usize| text(parts.get(i).copied().unwrap_or(&[]), MAX_LINE);
                    if line.starts_with(b"HTTP/") {
                        let version = part(0);
                        let code_s = part(1);
                        let phrase = part(2);
                        f.push(
                            field("Response Version", version.clone(), abs, version.len())
                                .sfilter("http.response.version", &version),
                        );
                        let code: Option<u16> = code_s.parse().ok();
                        let c = field(
                            "Status Code",
                            code_s.clone(),
                            abs + version.len() + 1,
                            code_s.len(),
                        );
                        f.push(match code {
                            Some(code) => c.filter("http.response.code", code),
                            None => c,
                        });
                        if let Some(code) = code {
                            f.push(
                                field("Status Code Description", names::http_status(code), abs, 0)
                                    .sfilter("http.response.code.desc", names::http_status(code))
                                    .generated(),
                            );
                        }
                        f.push(
                            field(
                                "Response Phrase",
                                phrase.clone(),
                                abs + version.len() + code_s.len() + 2,
                                phrase.len(),
                            )
                            .sfilter("http.response.phrase", &phrase),
                        );
                    } else {
                        let method = part(0);
                        let u = part(1);
                        let version = part(2);
                        f.push(
                            field("Request Method", method.clone(), abs, method.len())
                                .sfilter("http.request.method", &method),
                        );
                        f.push(
                            field("Request URI", u.clone(), abs + method.len() + 1, u.len())
                                .sfilter("http.request.uri", &u),
                        );
                        f.push(
                            field(
                                "Request Version",
                                version.clone(),
                                abs + method.len() + u.len() + 2,
                                version.len(),
                            )
                            .sfilter("http.request.version", &version),
                        );
                        uri = Some(u);
                    }
                    n.push(f);
                    first = Some(t);
                    continue;
                }
                if line.is_empty() {
                    n.push(field("\\r\\n", String::new(), abs, len));
                    ended = true;
                    break;
                }
                let colon = line.iter().position(|&c| c == b':');
                let (name, value) = match colon {
                    Some(c) => (
                        text(line.get(..c).unwrap_or(&[]), MAX_LINE),
                        text(line.get(c + 1..).unwrap_or(&[]).trim_ascii(), MAX_LINE),
                    ),
                    None => (text(line, MAX_LINE), String::new()),
                };
                let lower = name.to_ascii_lowercase();
                let f = field(&name, value.clone(), abs, len);
                n.push(match names::http_header_field(&lower) {
                    Some(ab) => f.sfilter(ab, &value),
                    None => f,
                });
                match lower.as_str() {
                    "host" => host = Some(value),
                    "content-type" => ctype = Some(value),
                    _ => {}
                }
            }
            let first = first.unwrap_or_default();
            if let (Some(h), Some(u)) = (&host, &uri) {
                if u.starts_with('/') {
                    let full = format!("http://{h}{u}");
                    n.push(
                        field("Full request URI", full.clone(), w.start, 0)
                            .sfilter("http.request.full_uri", &full)
                            .generated(),
                    );
                }
            }
            let mut info = format!("{first} ");
            n.end_at(w.start + at);
            if !ended {
                // The header goes on past this segment (or past what was captured).
                let e = w.start + b.len();
                let mut c = Cut::bad(e, "header not terminated");
                c.kind = if !w.complete() {
                    super::StopKind::Truncated
                } else {
                    super::StopKind::Unreassembled
                };
                self.col("HTTP", info.clone());
                return Err(c);
            }
            let body = w.rep_len().saturating_sub(at);
            if body > 0 {
                let got = b.len().saturating_sub(at);
                n.push(
                    field("File Data", format!("{body} bytes"), w.start + at, got)
                        .abbrev("http.file_data"),
                );
                if let Some(ct) = &ctype {
                    let media = ct
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase();
                    let data = b.get(at..).unwrap_or(&[]);
                    // As Wireshark's media dissectors write it: JSON and XML bodies get their
                    // own protocol, images their format.
                    match media.as_str() {
                        "application/json" => {
                            col = "HTTP/JSON";
                            let _ = write!(info, ", JavaScript Object Notation ({media})");
                        }
                        "text/xml" | "application/xml" => col = "HTTP/XML",
                        _ => {
                            let _ = write!(info, " ({})", body_kind(&media, data));
                        }
                    }
                }
            }
            Ok((col, info))
        })();
        if let Some((col, info)) = self.finish(n, "HTTP", r) {
            self.col(col, info);
        }
    }
}

/// How Wireshark names a body in the Info column: images by their format (from the data, as
/// its image dissectors do), anything else by its media type.
fn body_kind<'a>(media: &'a str, data: &[u8]) -> &'a str {
    if media.starts_with("image/") {
        if data.starts_with(b"GIF89a") {
            return "GIF89a";
        }
        if data.starts_with(b"GIF87a") {
            return "GIF87a";
        }
        if data.starts_with(b"\x89PNG") {
            return "PNG";
        }
        if data.starts_with(&[0xff, 0xd8]) {
            return "JPEG JFIF image";
        }
    }
    media
}
