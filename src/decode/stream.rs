//! TCP stream tracking for the application protocols Wireshark reassembles across segments.
//!
//! Wireshark's TCP desegmentation decides on which frames an application protocol appears:
//! the frame in which a PDU is *completed* carries it; frames holding only part of a PDU
//! carry just TCP (TLS is the exception: its dissector also shows on the segment where a
//! record starts); data where a PDU should start but does not is a "continuation", shown as
//! the protocol. A PDU of known length is reassembled by sequence number, so segments that
//! arrive out of order or are retransmitted fill its holes; other data below the highest
//! sequence number seen is a retransmission and is not dissected again.
//!
//! This module follows PDU boundaries per direction of a connection with a few bytes of
//! state:
//!
//! - length-prefixed PDUs: DNS (2-byte length), TLS records (5-byte header), NetBIOS session
//!   service messages (4-byte header; 3-byte length for SMB on port 445);
//! - HTTP messages: the header block line by line, then a body by `Content-Length`, chunked
//!   transfer coding, or (responses without either) up to the FIN.
//!
//! Memory per connection direction is bounded (a partial line, the first bytes of the PDU
//! in progress, a few holes), and so is the number of connections tracked.

use super::bytes::{be16, starts_with_ci};
use super::state::Bounded;
use std::net::IpAddr;

/// Connection directions tracked; the oldest is dropped to make room.
pub(super) const STREAM_MAX: usize = 8192;
/// First bytes of a PDU kept while it is in progress (DNS header and question, TLS
/// ClientHello up to the server name, SMB magic).
const HEAD_MAX: usize = 1024;
/// Longest HTTP header or chunk-size line kept (longer lines are cut, still followed).
const LINE_MAX: usize = 1024;
/// Missing ranges remembered per PDU; a PDU with more never completes.
const HOLES_MAX: usize = 16;
/// PDUs that ended with bytes missing, kept in case a retransmission fills them.
const PENDING_MAX: usize = 4;

/// One direction of a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct FlowKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
}

impl FlowKey {
    fn reverse(&self) -> FlowKey {
        FlowKey {
            src: self.dst,
            dst: self.src,
            sport: self.dport,
            dport: self.sport,
        }
    }
}

/// How a stream's bytes divide into PDUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// DNS over TCP: a 2-byte length, then the message.
    Dns,
    /// TLS records: type, version, 2-byte length.
    Tls,
    /// NetBIOS session service (port 139): type, flags (length bit 16), 2-byte length.
    Nbss,
    /// SMB direct hosting (port 445): a zero type byte and a 3-byte length.
    SmbDirect,
    /// LDAP: a BER SEQUENCE (tag, definite length), or a SASL buffer (4-byte length).
    Ldap,
    /// Kerberos over TCP: a 4-byte record mark (31-bit length).
    Kerberos,
    /// HTTP/1.x messages.
    Http,
}

impl Framing {
    /// The header length, once `h` (the header bytes so far) tells it.
    fn header_len(self, h: &[u8]) -> Option<usize> {
        match self {
            Framing::Dns => Some(2),
            Framing::Tls => Some(5),
            Framing::Nbss | Framing::SmbDirect | Framing::Kerberos => Some(4),
            Framing::Ldap => match (h.first(), h.get(1)) {
                (Some(0x30), Some(&l)) if l & 0x80 == 0 => Some(2),
                (Some(0x30), Some(&l)) => Some(2 + usize::from(l & 0x7f)),
                (Some(0x30), None) => None,
                (Some(_), _) => Some(4),
                (None, _) => None,
            },
            Framing::Http => Some(0),
        }
    }

    fn body_len(self, h: &[u8]) -> u32 {
        let b = |i: usize| u32::from(h.get(i).copied().unwrap_or(0));
        match self {
            Framing::Dns => (b(0) << 8) | b(1),
            Framing::Tls => (b(3) << 8) | b(4),
            Framing::Nbss => ((b(1) & 1) << 16) | (b(2) << 8) | b(3),
            Framing::SmbDirect => (b(1) << 16) | (b(2) << 8) | b(3),
            Framing::Kerberos => ((b(0) & 0x7f) << 24) | (b(1) << 16) | (b(2) << 8) | b(3),
            Framing::Ldap if b(0) == 0x30 => {
                if b(1) & 0x80 == 0 {
                    b(1)
                } else {
                    h.get(2..).unwrap_or(&[]).iter().fold(0u32, |acc, &x| {
                        acc.checked_mul(256).map_or(u32::MAX, |v| v | u32::from(x))
                    })
                }
            }
            Framing::Ldap => (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3),
            Framing::Http => 0,
        }
    }

    /// Whether the byte(s) at a boundary can start a PDU.
    fn can_start(self, first: u8, second: Option<u8>) -> bool {
        match self {
            Framing::Dns | Framing::Http | Framing::Kerberos => true,
            // A BER SEQUENCE with a definite length of at most 4 bytes, or a SASL buffer.
            Framing::Ldap => match first {
                0x30 => second.is_none_or(|l| l != 0x80 && l <= 0x84),
                0x00 => true,
                _ => false,
            },
            Framing::Tls => (20..=24).contains(&first) && second.is_none_or(|b| b == 3),
            Framing::Nbss => matches!(first, 0x00 | 0x81..=0x85),
            Framing::SmbDirect => first == 0,
        }
    }

    /// How many first bytes of a PDU are kept (for the fields read from it), given its
    /// header so far.
    fn head_cap(self, h: &[u8]) -> usize {
        match self {
            Framing::Dns => 512,
            // Only a handshake record can hold a ClientHello (server name).
            Framing::Tls if h.first() == Some(&22) => HEAD_MAX,
            Framing::Nbss | Framing::SmbDirect => 8,
            _ => 0,
        }
    }

    /// Whether Wireshark's dissector for this protocol shows on a segment that starts a
    /// PDU it cannot finish: true for TLS, which asks TCP for more data itself.
    fn shown_at_start(self) -> bool {
        self == Framing::Tls
    }
}

/// Sequence number order, modulo 2^32.
fn before(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// Removes `[a, b)` from a list of missing ranges.
fn fill(holes: &mut Vec<(u32, u32)>, a: u32, b: u32) {
    let mut i = 0;
    while let Some(&(x, y)) = holes.get(i) {
        if before(a, y) && before(x, b) {
            holes.remove(i);
            if before(b, y) {
                holes.insert(i, (b, y));
                i += 1;
            }
            if before(x, a) {
                holes.insert(i, (x, a));
                i += 1;
            }
        } else {
            i += 1;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum HttpPhase {
    /// Between messages.
    #[default]
    Idle,
    /// Data that does not start a message, held until a line ends (then shown as a
    /// continuation), as Wireshark's HTTP dissector asks for more data to find a first line.
    LineWait,
    Headers,
    Body(u64),
    ChunkSize,
    ChunkData(u64),
    Trailer,
    UntilClose,
}

#[derive(Debug, Default)]
struct Http {
    phase: HttpPhase,
    first_line: bool,
    response: bool,
    status: u16,
    content_length: Option<u64>,
    chunked: bool,
    head_request: bool,
}

#[derive(Debug)]
struct Stream {
    framing: Framing,
    /// The highest sequence number seen plus its length: data below it is a retransmission.
    max_next: Option<u32>,
    /// Where the parser is in sequence space.
    parse_at: u32,
    /// Header bytes of a length-prefixed PDU seen so far at a boundary.
    hdr: [u8; 8],
    hdr_have: u8,
    /// Body bytes of the current length-prefixed PDU not parsed yet.
    need: u32,
    /// Ranges of the current PDU lost to a gap (filled by later out-of-order data).
    holes: Vec<(u32, u32)>,
    /// Missing ranges of PDUs that ended incomplete.
    pending: Vec<Vec<(u32, u32)>>,
    /// The first bytes of the current PDU (header included).
    head: Vec<u8>,
    /// A partial HTTP line.
    line: Vec<u8>,
    http: Http,
    /// HTTP: a request was seen in this direction.
    seen_request: bool,
    /// HTTP: the last request seen in this direction was HEAD.
    last_head: bool,
    /// HTTP: the first line held back (not a message start) has a colon so far.
    line_colon: bool,
}

impl Stream {
    fn new(framing: Framing) -> Self {
        Self {
            framing,
            max_next: None,
            parse_at: 0,
            hdr: [0; 8],
            hdr_have: 0,
            need: 0,
            holes: Vec::new(),
            pending: Vec::new(),
            head: Vec::new(),
            line: Vec::new(),
            http: Http::default(),
            seen_request: false,
            last_head: false,
            line_colon: false,
        }
    }

    /// Back to a PDU boundary.
    fn resync(&mut self) {
        self.hdr_have = 0;
        self.need = 0;
        self.holes.clear();
        self.head.clear();
        self.line.clear();
        self.http = Http { ..Http::default() };
        if self.head.capacity() > HEAD_MAX * 2 {
            self.head.shrink_to(HEAD_MAX);
        }
    }

    /// Bytes of the current PDU whose position is known, still to come in order.
    fn known_remaining(&self) -> Option<u64> {
        match self.http.phase {
            HttpPhase::Body(r) | HttpPhase::ChunkData(r) => Some(r),
            HttpPhase::UntilClose => Some(u64::MAX),
            _ if self.framing != Framing::Http && self.need > 0 => Some(u64::from(self.need)),
            _ => None,
        }
    }

    fn set_remaining(&mut self, r: u64) {
        match self.http.phase {
            HttpPhase::Body(_) => self.http.phase = HttpPhase::Body(r),
            HttpPhase::ChunkData(_) => self.http.phase = HttpPhase::ChunkData(r),
            HttpPhase::UntilClose => {}
            _ => self.need = r as u32,
        }
    }

    /// The bytes `[parse_at, seq)` were not seen (yet): they become a hole in the current
    /// PDU when it is long enough to span them; otherwise the boundary is lost.
    fn gap(&mut self, seq: u32) {
        let n = u64::from(seq.wrapping_sub(self.parse_at));
        match self.known_remaining() {
            Some(r) if n < r && self.holes.len() < HOLES_MAX => {
                self.holes.push((self.parse_at, seq));
                self.set_remaining(r - n);
            }
            Some(r) if r != u64::MAX && self.holes.len() < HOLES_MAX => {
                // The PDU ends inside the gap: it waits for its bytes, and the boundary
                // after it is lost.
                let end = self.parse_at.wrapping_add(r as u32);
                let mut holes = std::mem::take(&mut self.holes);
                holes.push((self.parse_at, end));
                self.park(holes);
                self.resync();
            }
            _ => self.resync(),
        }
    }

    /// Keeps a PDU that ended with holes, in case later data fills them.
    fn park(&mut self, holes: Vec<(u32, u32)>) {
        if self.pending.len() >= PENDING_MAX {
            self.pending.remove(0);
        }
        self.pending.push(holes);
    }

    /// Out-of-order or retransmitted data `[a, b)`: fills holes; returns the PDUs it
    /// completed.
    fn fill_holes(&mut self, a: u32, b: u32) -> u32 {
        fill(&mut self.holes, a, b);
        let mut done = 0;
        self.pending.retain_mut(|h| {
            fill(h, a, b);
            if h.is_empty() {
                done += 1;
                false
            } else {
                true
            }
        });
        done
    }
}

/// What one segment did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Progress {
    /// PDUs completed by this segment.
    pub completed: u32,
    /// The segment (or its tail) did not start a PDU where one was expected.
    pub continuation: bool,
    /// A PDU started in this segment without ending in it.
    pub started: bool,
}

impl Progress {
    /// Whether Wireshark shows the protocol's layer on this segment.
    pub fn shown(&self, framing: Framing) -> bool {
        self.completed > 0 || self.continuation || (self.started && framing.shown_at_start())
    }
}

/// The tracked connection directions, and what the last segment produced.
#[derive(Debug)]
pub(super) struct StreamTable {
    table: Bounded<FlowKey, Stream>,
    /// The first bytes of the first PDU completed in order by the last segment.
    pub done: Vec<u8>,
    /// The `Host` header value of a request seen in the last segment.
    pub host: Vec<u8>,
}

impl StreamTable {
    pub fn new() -> Self {
        Self {
            table: Bounded::new(STREAM_MAX),
            done: Vec::new(),
            host: Vec::new(),
        }
    }

    /// The framing of a tracked direction.
    pub fn framing(&self, key: &FlowKey) -> Option<Framing> {
        if self.table.len() == 0 {
            return None;
        }
        self.table.get(key).map(|s| s.framing)
    }

    /// Feeds one segment to the direction `key`, starting to track it with `framing` if it
    /// is not tracked yet. `seq` and `seg_len` come from the headers, `data` is the captured
    /// part of the payload.
    #[allow(clippy::too_many_arguments)]
    pub fn segment(
        &mut self,
        key: FlowKey,
        framing: Framing,
        seq: u32,
        syn: bool,
        fin: bool,
        seg_len: u32,
        data: &[u8],
    ) -> Progress {
        self.done.clear();
        self.host.clear();
        // What the other direction knows of the conversation (HTTP).
        let (peer_request, peer_head) = if framing == Framing::Http {
            self.table
                .get(&key.reverse())
                .map_or((false, false), |s| (s.seen_request, s.last_head))
        } else {
            (false, false)
        };
        let st = self.table.get_or_insert_with(key, || Stream::new(framing));
        let mut out = Out {
            p: Progress::default(),
            done: &mut self.done,
            host: &mut self.host,
            peer_request,
            peer_head,
        };
        if syn {
            st.resync();
            st.pending.clear();
            let next = seq.wrapping_add(1).wrapping_add(seg_len);
            st.max_next = Some(next);
            st.parse_at = next;
            return out.p;
        }
        let end = seq.wrapping_add(seg_len);
        match st.max_next {
            Some(n) if seg_len > 0 && before(seq, n) => {
                // Below the highest sequence seen: only fills holes of PDUs in progress.
                if before(n, end) {
                    st.max_next = Some(end);
                }
                out.p.completed += st.fill_holes(seq, end.min_seq(n));
                if before(n, end) {
                    // The new tail continues the stream.
                    let skip = n.wrapping_sub(seq) as usize;
                    if before(st.parse_at, n) {
                        st.gap(n);
                    }
                    st.parse_at = end;
                    let tail = data.get(skip..).unwrap_or(&[]);
                    feed(st, tail, seg_len - skip as u32, fin, &mut out);
                }
                return out.p;
            }
            Some(n) if before(n, end) => st.max_next = Some(end),
            Some(_) => {}
            None => {
                st.max_next = Some(end);
                st.parse_at = seq;
            }
        }
        if seg_len == 0 {
            if fin && st.http.phase == HttpPhase::UntilClose {
                st.http.phase = HttpPhase::Idle;
                complete(st, &mut out);
            }
            return out.p;
        }
        if before(st.parse_at, seq) {
            st.gap(seq);
        }
        st.parse_at = end;
        feed(st, data, seg_len, fin, &mut out);
        if (data.len() as u64) < u64::from(seg_len) {
            // Bytes missing from the capture: the boundary is lost.
            st.resync();
        }
        out.p
    }
}

trait MinSeq {
    fn min_seq(self, other: u32) -> u32;
}

impl MinSeq for u32 {
    fn min_seq(self, other: u32) -> u32 {
        if before(self, other) {
            self
        } else {
            other
        }
    }
}

struct Out<'a> {
    p: Progress,
    done: &'a mut Vec<u8>,
    host: &'a mut Vec<u8>,
    /// HTTP: the other direction has sent a request.
    peer_request: bool,
    /// HTTP: the other direction's last request was HEAD.
    peer_head: bool,
}

/// The current PDU ended: it counts if none of its bytes are missing, else it waits.
fn complete(st: &mut Stream, out: &mut Out<'_>) {
    if st.holes.is_empty() {
        if out.p.completed == 0 {
            out.done.clear();
            out.done.extend_from_slice(&st.head);
        }
        out.p.completed += 1;
    } else {
        let holes = std::mem::take(&mut st.holes);
        st.park(holes);
    }
    st.head.clear();
}

fn keep(head: &mut Vec<u8>, cap: usize, bytes: &[u8]) {
    let room = cap.saturating_sub(head.len());
    if room > 0 {
        head.extend_from_slice(bytes.get(..room).unwrap_or(bytes));
    }
}

fn feed(st: &mut Stream, data: &[u8], seg_len: u32, fin: bool, out: &mut Out<'_>) {
    let data = data.get(..seg_len as usize).unwrap_or(data);
    if st.framing == Framing::Http {
        return feed_http(st, data, fin, out);
    }
    let mut pos = 0usize;
    while let Some(rest) = data.get(pos..).filter(|r| !r.is_empty()) {
        if st.need > 0 {
            let take = (st.need as usize).min(rest.len());
            let cap = st.framing.head_cap(&st.hdr);
            keep(&mut st.head, cap, rest.get(..take).unwrap_or(rest));
            st.need -= take as u32;
            pos += take;
            if st.need == 0 {
                complete(st, out);
            }
            continue;
        }
        if st.hdr_have == 0 {
            let (first, second) = (rest.first().copied().unwrap_or(0), rest.get(1).copied());
            if !st.framing.can_start(first, second) {
                out.p.continuation = true;
                return;
            }
            st.head.clear();
            st.holes.clear();
            out.p.started = true;
        }
        if let (Some(slot), Some(&b)) = (st.hdr.get_mut(usize::from(st.hdr_have)), rest.first()) {
            *slot = b;
        }
        st.hdr_have += 1;
        let cap = st
            .framing
            .head_cap(st.hdr.get(..usize::from(st.hdr_have)).unwrap_or(&[]));
        keep(&mut st.head, cap, rest.get(..1).unwrap_or(&[]));
        pos += 1;
        let have = st.hdr.get(..usize::from(st.hdr_have)).unwrap_or(&[]);
        if st.framing.header_len(have) == Some(usize::from(st.hdr_have)) {
            st.need = st.framing.body_len(have);
            st.hdr_have = 0;
            if st.need == 0 {
                complete(st, out);
            }
        } else if usize::from(st.hdr_have) >= st.hdr.len() {
            // Not a header after all: lose the boundary.
            st.resync();
            out.p.continuation = true;
            return;
        }
    }
    if st.hdr_have == 0 && st.need == 0 {
        // Everything started here also ended here.
        out.p.started = false;
    }
}

fn looks_http_start(p: &[u8]) -> bool {
    const STARTS: &[&[u8]] = &[
        b"GET ",
        b"POST ",
        b"HEAD ",
        b"PUT ",
        b"DELETE ",
        b"OPTIONS ",
        b"CONNECT ",
        b"PATCH ",
        b"TRACE ",
        b"HTTP/1.",
        b"PROPFIND ",
        b"PROPPATCH ",
        b"MKCOL ",
        b"COPY ",
        b"MOVE ",
        b"LOCK ",
        b"UNLOCK ",
        b"SEARCH ",
        b"REPORT ",
        b"NOTIFY ",
        b"M-SEARCH ",
        b"SUBSCRIBE ",
        b"UNSUBSCRIBE ",
    ];
    STARTS.iter().any(|s| p.starts_with(s))
}

fn feed_http(st: &mut Stream, data: &[u8], fin: bool, out: &mut Out<'_>) {
    let mut pos = 0usize;
    while let Some(rest) = data.get(pos..).filter(|r| !r.is_empty()) {
        match st.http.phase {
            HttpPhase::Idle | HttpPhase::LineWait => {
                if st.http.phase == HttpPhase::Idle && rest.len() > 3 && rest.starts_with(b"\r\n") {
                    // Empty lines before a message are ignored.
                    pos += 2;
                    continue;
                }
                let printable = rest.first().is_some_and(|&b| (0x20..0x7f).contains(&b));
                if st.http.phase == HttpPhase::Idle && !printable {
                    // Binary data: a continuation once the conversation has shown HTTP.
                    out.p.continuation |= st.seen_request || out.peer_request;
                    return;
                }
                if st.http.phase == HttpPhase::LineWait || !looks_http_start(rest) {
                    // Not a message start. Once a line ends, Wireshark shows it as HTTP if
                    // the conversation has had a request, or if that line looks like a
                    // header (has a colon).
                    match rest.iter().position(|&b| b == b'\n') {
                        Some(i) => {
                            let line = rest.get(..i).unwrap_or(rest);
                            let colon = st.line_colon || line.contains(&b':');
                            st.http.phase = HttpPhase::Idle;
                            st.line_colon = false;
                            out.p.continuation |= colon || st.seen_request || out.peer_request;
                        }
                        None => {
                            st.line_colon |= rest.contains(&b':');
                            st.http.phase = HttpPhase::LineWait;
                        }
                    }
                    return;
                }
                st.http = Http {
                    phase: HttpPhase::Headers,
                    first_line: true,
                    ..Http::default()
                };
                st.head.clear();
                st.holes.clear();
                st.line.clear();
            }
            HttpPhase::Body(n) | HttpPhase::ChunkData(n) => {
                let take = n.min(rest.len() as u64) as usize;
                pos += take;
                let left = n - take as u64;
                st.http.phase = match (st.http.phase, left) {
                    (HttpPhase::Body(_), 0) => {
                        st.http.phase = HttpPhase::Idle;
                        complete(st, out);
                        HttpPhase::Idle
                    }
                    (HttpPhase::Body(_), l) => HttpPhase::Body(l),
                    (_, 0) => HttpPhase::ChunkSize,
                    (_, l) => HttpPhase::ChunkData(l),
                };
            }
            HttpPhase::UntilClose => pos = data.len(),
            HttpPhase::Headers | HttpPhase::ChunkSize | HttpPhase::Trailer => {
                let (chunk, ended) = match rest.iter().position(|&b| b == b'\n') {
                    Some(i) => (rest.get(..i).unwrap_or(rest), true),
                    None => (rest, false),
                };
                let used = chunk.len() + usize::from(ended);
                pos += used;
                if ended && st.line.is_empty() {
                    // The whole line is in this segment: parse it in place.
                    http_line(st, chunk.strip_suffix(b"\r").unwrap_or(chunk), out);
                    continue;
                }
                let room = LINE_MAX.saturating_sub(st.line.len());
                st.line
                    .extend_from_slice(chunk.get(..room).unwrap_or(chunk));
                if ended {
                    let mut line = std::mem::take(&mut st.line);
                    let text = line.strip_suffix(b"\r").unwrap_or(&line);
                    http_line(st, text, out);
                    line.clear();
                    st.line = line;
                }
            }
        }
    }
    if fin && st.http.phase == HttpPhase::UntilClose {
        st.http.phase = HttpPhase::Idle;
        complete(st, out);
    }
}

fn http_line(st: &mut Stream, line: &[u8], out: &mut Out<'_>) {
    let h = &mut st.http;
    match h.phase {
        HttpPhase::ChunkSize => {
            let digits = line
                .split(|&b| b == b';')
                .next()
                .unwrap_or(&[])
                .trim_ascii();
            let size = std::str::from_utf8(digits)
                .ok()
                .and_then(|s| u64::from_str_radix(s, 16).ok());
            match size {
                Some(0) => h.phase = HttpPhase::Trailer,
                // Data, then its CRLF.
                Some(n) => h.phase = HttpPhase::ChunkData(n.saturating_add(2)),
                None => {
                    // Not a chunk size: the message ends here.
                    h.phase = HttpPhase::Idle;
                    complete(st, out);
                }
            }
        }
        HttpPhase::Trailer if line.is_empty() => {
            h.phase = HttpPhase::Idle;
            complete(st, out);
        }
        HttpPhase::Headers if h.first_line => {
            h.first_line = false;
            h.response = line.starts_with(b"HTTP/");
            if h.response {
                h.status = line
                    .get(9..12)
                    .and_then(|s| std::str::from_utf8(s).ok())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
            } else {
                h.head_request = line.starts_with(b"HEAD ");
            }
        }
        HttpPhase::Headers if line.is_empty() => {
            if !h.response {
                // Wireshark records a request once its header block is complete.
                st.seen_request = true;
                st.last_head = h.head_request;
            }
            let no_body = h.response
                && (out.peer_head || h.status / 100 == 1 || h.status == 204 || h.status == 304);
            h.phase = if no_body {
                HttpPhase::Idle
            } else if h.chunked {
                HttpPhase::ChunkSize
            } else {
                match h.content_length {
                    Some(0) => HttpPhase::Idle,
                    Some(n) => HttpPhase::Body(n),
                    None if h.response => HttpPhase::UntilClose,
                    None => HttpPhase::Idle,
                }
            };
            if h.phase == HttpPhase::Idle {
                complete(st, out);
            }
        }
        HttpPhase::Headers => {
            if starts_with_ci(line, b"content-length:") {
                h.content_length = std::str::from_utf8(line.get(15..).unwrap_or(&[]))
                    .ok()
                    .and_then(|s| s.trim().parse().ok());
            } else if starts_with_ci(line, b"transfer-encoding:") {
                let v = line.get(18..).unwrap_or(&[]);
                h.chunked = v.windows(7).any(|w| w.eq_ignore_ascii_case(b"chunked"));
            } else if !h.response && starts_with_ci(line, b"host:") {
                out.host.clear();
                out.host
                    .extend_from_slice(line.get(5..).unwrap_or(&[]).trim_ascii());
            }
        }
        _ => {}
    }
}

/// Whether the first bytes of a stream look like the start of a TLS record.
pub(super) fn tls_record_start(p: &[u8]) -> bool {
    matches!(
        (p.first(), p.get(1), p.get(2), be16(p, 3)),
        (Some(20..=24), Some(3), Some(0..=4), Some(len)) if len > 0 && len <= 18432
    )
}

/// Whether the first bytes of a stream start an HTTP/1.x message.
pub(super) fn http_start(p: &[u8]) -> bool {
    looks_http_start(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> FlowKey {
        FlowKey {
            src: IpAddr::from([10, 0, 0, 1]),
            dst: IpAddr::from([10, 0, 0, 2]),
            sport: 1000,
            dport: 53,
        }
    }

    fn seg(t: &mut StreamTable, f: Framing, seq: u32, data: &[u8]) -> Progress {
        t.segment(key(), f, seq, false, false, data.len() as u32, data)
    }

    #[test]
    fn dns_pdus_split_across_segments() {
        let mut t = StreamTable::new();
        let f = Framing::Dns;
        assert_eq!(t.segment(key(), f, 100, true, false, 0, &[]).completed, 0);
        // One byte of the length prefix, then the rest.
        assert_eq!(seg(&mut t, f, 101, &[0]).completed, 0);
        let p = seg(&mut t, f, 102, &[3, 0xaa, 0xbb, 0xcc]);
        assert_eq!(p.completed, 1);
        assert_eq!(t.done, vec![0, 3, 0xaa, 0xbb, 0xcc]);
        // Two whole PDUs in one segment.
        let p = seg(&mut t, f, 106, &[0, 1, 7, 0, 1, 8]);
        assert_eq!(p.completed, 2);
        assert_eq!(t.done, vec![0, 1, 7]);
        // A retransmission of that segment is not dissected again.
        assert_eq!(seg(&mut t, f, 106, &[0, 1, 7, 0, 1, 8]).completed, 0);
    }

    #[test]
    fn tls_records_and_continuations() {
        let mut t = StreamTable::new();
        let f = Framing::Tls;
        let mut rec = vec![23, 3, 3, 0, 10];
        rec.extend_from_slice(&[0; 10]);
        assert_eq!(seg(&mut t, f, 1, &rec[..7]).completed, 0);
        assert_eq!(seg(&mut t, f, 8, &rec[7..]).completed, 1);
        let p = seg(&mut t, f, 1 + rec.len() as u32, b"garbage");
        assert_eq!((p.completed, p.continuation), (0, true));
    }

    #[test]
    fn http_bodies_by_length_chunks_and_close() {
        let mut t = StreamTable::new();
        let f = Framing::Http;
        let req = b"GET / HTTP/1.1\r\nHost: Example.com\r\n\r\n";
        let p = seg(&mut t, f, 1, req);
        assert_eq!(p.completed, 1);
        assert_eq!(t.host, b"Example.com");
        let mut seq = 1 + req.len() as u32;
        let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab";
        assert_eq!(seg(&mut t, f, seq, resp).completed, 0);
        seq += resp.len() as u32;
        assert_eq!(seg(&mut t, f, seq, b"cde").completed, 1);
        seq += 3;
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n";
        assert_eq!(seg(&mut t, f, seq, chunked).completed, 0);
        seq += chunked.len() as u32;
        assert_eq!(seg(&mut t, f, seq, b"0\r\n\r\n").completed, 1);
        seq += 5;
        let open = b"HTTP/1.0 200 OK\r\n\r\nbody";
        assert_eq!(seg(&mut t, f, seq, open).completed, 0);
        seq += open.len() as u32;
        let p = t.segment(key(), f, seq, false, true, 0, &[]);
        assert_eq!(p.completed, 1);
        // Not an HTTP start at a boundary: a continuation.
        let p = seg(&mut t, f, seq, b"\x00\x01binary");
        assert!(p.continuation);
    }

    #[test]
    fn nbss_framing() {
        let mut t = StreamTable::new();
        let f = Framing::Nbss;
        let mut m = vec![0, 0, 0, 8];
        m.extend_from_slice(b"\xfeSMBabcd");
        assert_eq!(seg(&mut t, f, 1, &m).completed, 1);
        assert_eq!(&t.done[4..8], b"\xfeSMB");
    }
}
