//! The streaming reader.
//!
//! The reader owns one reusable buffer and pulls bytes from the source into it only as far as
//! the next header or block needs. pcapng Section Header and Interface Description Blocks
//! (the ones with options) are parsed with `pcap-parser`; packet records and packet blocks are
//! fixed layouts read directly from the buffer, so the hot path never allocates (pcap-parser's
//! EPB parser collects options into a `Vec`, one per packet).
//!
//! Every length from the file is checked before it decides anything: against
//! [`MAX_RECORD_LEN`] / [`MAX_BLOCK_LEN`] before the buffer grows, and against the block it
//! sits in before bytes are sliced. Every step of the read loop either consumes a whole record
//! or block (at least 12 bytes) or ends reading.

use super::{
    CaptureError, ErrorKind, Format, Frame, LinkType, MAX_BLOCK_LEN, MAX_RECORD_LEN, NO_TIMESTAMP,
};
use flate2::read::MultiGzDecoder;
use pcap_parser::pcapng::{
    parse_interfacedescriptionblock_be, parse_interfacedescriptionblock_le,
    parse_sectionheaderblock, OptionCode,
};
use std::io::{self, Read};

/// Initial size of the read buffer. It grows (up to [`MAX_BLOCK_LEN`]) only when one record or
/// block does not fit.
pub const DEFAULT_BUFFER_SIZE: usize = 1 << 20;
/// The smallest buffer [`Reader::with_buffer_size`] accepts (larger requests are honoured).
const MIN_BUFFER_SIZE: usize = 64;

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 0x0000_0001;
const PB: u32 = 0x0000_0002;
const SPB: u32 = 0x0000_0003;
const EPB: u32 = 0x0000_0006;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

const NS_PER_SEC: i128 = 1_000_000_000;
/// Most interfaces one pcapng section may declare.
const MAX_INTERFACES: usize = 1 << 16;

/// A short description of a pcap-parser error: its `Display` would print the input bytes.
fn parse_error(e: &pcap_parser::nom::Err<pcap_parser::PcapError<&[u8]>>) -> String {
    use pcap_parser::nom::Err;
    use pcap_parser::PcapError;
    match e {
        Err::Incomplete(_) => "a field runs past the end of the block".to_string(),
        Err::Error(pe) | Err::Failure(pe) => match pe {
            PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
                format!("invalid content ({})", kind.description())
            }
            other => format!("{other}"),
        },
    }
}

/// A streaming pcap/pcapng reader over any [`Read`]; gzip input is recognised by its magic and
/// decompressed on the fly.
///
/// ```no_run
/// use pcapscope::capture::Reader;
/// let file = std::fs::File::open("capture.pcapng.gz")?;
/// let mut reader = Reader::new(file)?;
/// while let Some(frame) = reader.next_frame()? {
///     println!("{} {} {}", frame.number, frame.ts_ns, frame.cap_len);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Reader<R: Read> {
    src: Source<R>,
    /// `buf[start..end]` holds bytes read but not yet consumed; `buf.len()` is the capacity.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Offset in the (decompressed) stream of `buf[start]`.
    pos: u64,
    /// The source returned 0 bytes: nothing more will come.
    eof: bool,
    gzip: bool,
    container: Container,
    link_types: Vec<LinkType>,
    /// Number the next yielded frame will carry.
    next_number: u64,
    /// An error found while looking ahead (pcapng blocks before the first packet), to be
    /// returned by the next call to `next_frame`.
    pending: Option<CaptureError>,
    /// Reading has ended (end of file or error): `next_frame` returns `Ok(None)`.
    done: bool,
    /// Reading ended at an error (not at a clean end of input): [`Reader::resume`] refuses.
    failed: bool,
}

/// Where reading stopped inside the reader, before the frame number is attached.
struct Fail {
    kind: ErrorKind,
    offset: u64,
}

impl Fail {
    fn new(kind: ErrorKind, offset: u64) -> Self {
        Fail { kind, offset }
    }
}

/// A frame located in the buffer, before it is borrowed out as a [`Frame`].
#[derive(Clone, Copy)]
struct Located {
    ts_ns: i64,
    orig_len: u32,
    cap_len: u32,
    link_type: LinkType,
    interface_id: u32,
    /// Index of the first data byte in `buf`.
    data_at: usize,
    /// Offset of the first data byte in the stream.
    data_offset: u64,
}

enum Container {
    Pcap(PcapState),
    Pcapng(PcapngState),
}

struct PcapState {
    big_endian: bool,
    /// Nanosecond magic: the fraction field counts nanoseconds, not microseconds.
    nanos: bool,
    /// Record header length: 16, or 24 in the modified (Kuznetzov) format.
    record_header: usize,
    link_type: LinkType,
}

struct PcapngState {
    /// Byte order of the current section.
    big_endian: bool,
    /// Interfaces of the current section, indexed by interface id.
    interfaces: Vec<Interface>,
}

#[derive(Clone, Copy)]
struct Interface {
    link_type: LinkType,
    snaplen: u32,
    clock: Clock,
}

/// Turns a pcapng timestamp (in units of the interface's `if_tsresol`) into epoch nanoseconds,
/// the way Wireshark does: whole seconds, plus the fraction converted to nanoseconds rounding
/// down, plus `if_tsoffset` seconds. Integer arithmetic only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Clock {
    /// Time units per second (10^n or 2^n); `None` when the resolution cannot be represented.
    units_per_sec: Option<u128>,
    /// For units of 10^-n with n <= 9: nanoseconds per unit, the fast exact path.
    ns_per_unit: Option<u64>,
    offset_s: i64,
}

impl Clock {
    fn new(tsresol: u8, offset_s: i64) -> Clock {
        let exp = u32::from(tsresol & 0x7f);
        let units_per_sec = if tsresol & 0x80 == 0 {
            10u128.checked_pow(exp)
        } else {
            2u128.checked_pow(exp)
        };
        let ns_per_unit = match units_per_sec {
            Some(u) if u > 0 && 1_000_000_000 % u == 0 => u64::try_from(1_000_000_000 / u).ok(),
            _ => None,
        };
        Clock {
            units_per_sec,
            ns_per_unit,
            offset_s,
        }
    }

    #[inline]
    fn to_ns(self, units: u64) -> i64 {
        let ns = match (self.ns_per_unit, self.units_per_sec) {
            (Some(m), _) => i128::from(units) * i128::from(m),
            (None, Some(per_sec)) if per_sec > 0 => {
                let units = u128::from(units);
                let secs = units / per_sec;
                let frac_ns = (units % per_sec).saturating_mul(1_000_000_000) / per_sec;
                // secs < 2^64 and frac_ns < 10^9: both fit in i128.
                i128::try_from(secs).unwrap_or(i128::MAX / 4) * NS_PER_SEC
                    + i128::try_from(frac_ns).unwrap_or(0)
            }
            // A resolution too fine to represent: every timestamp is within the first second.
            _ => 0,
        };
        clamp_ns(ns + i128::from(self.offset_s) * NS_PER_SEC)
    }
}

fn clamp_ns(ns: i128) -> i64 {
    i64::try_from(ns).unwrap_or(if ns < 0 { i64::MIN } else { i64::MAX })
}

/// Reads `u32`/`u16` fields of a header or block whose length the caller has checked. A field
/// outside the slice reads as 0; callers never ask for one (every read is within a length
/// checked just before), so this fallback only keeps the code free of panics.
#[derive(Clone, Copy)]
struct Fields<'a> {
    b: &'a [u8],
    be: bool,
}

impl Fields<'_> {
    #[inline]
    fn u32(self, at: usize) -> u32 {
        match self.b.get(at..at + 4) {
            Some(&[a, b, c, d]) => {
                if self.be {
                    u32::from_be_bytes([a, b, c, d])
                } else {
                    u32::from_le_bytes([a, b, c, d])
                }
            }
            _ => 0,
        }
    }

    #[inline]
    fn u16(self, at: usize) -> u16 {
        match self.b.get(at..at + 2) {
            Some(&[a, b]) => {
                if self.be {
                    u16::from_be_bytes([a, b])
                } else {
                    u16::from_le_bytes([a, b])
                }
            }
            _ => 0,
        }
    }
}

/// The underlying source, counting the bytes it hands out, with a few bytes pushed back after
/// the magic number was peeked.
struct Counted<R> {
    inner: R,
    count: u64,
    pushback: [u8; 4],
    pushback_pos: usize,
    pushback_len: usize,
    /// The inner source itself failed (as opposed to the gzip decoder above it).
    inner_failed: bool,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pushback_pos < self.pushback_len {
            let pending = self
                .pushback
                .get(self.pushback_pos..self.pushback_len)
                .unwrap_or(&[]);
            let n = pending.len().min(out.len());
            if let (Some(dst), Some(src)) = (out.get_mut(..n), pending.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.pushback_pos += n;
            return Ok(n);
        }
        match self.inner.read(out) {
            Ok(n) => {
                self.count += n as u64;
                Ok(n)
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.inner_failed = true;
                }
                Err(e)
            }
        }
    }
}

enum Source<R: Read> {
    Plain(Counted<R>),
    Gzip(Box<MultiGzDecoder<Counted<R>>>),
}

impl<R: Read> Source<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Plain(c) => c.read(out),
            Source::Gzip(g) => g.read(out),
        }
    }

    fn counted(&self) -> &Counted<R> {
        match self {
            Source::Plain(c) => c,
            Source::Gzip(g) => g.get_ref(),
        }
    }

    /// What a read error means: a failing source, or (behind gzip) a corrupt or cut stream.
    fn error_kind(&self, e: &io::Error) -> ErrorKind {
        match self {
            Source::Gzip(g) if !g.get_ref().inner_failed => {
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    ErrorKind::Truncated
                } else {
                    ErrorKind::Gzip(e.to_string())
                }
            }
            _ => ErrorKind::Io(e.kind(), e.to_string()),
        }
    }
}

/// What the block loop found.
enum Step {
    Frame(Located),
    /// A packet block is next (when asked to stop before one); nothing was consumed.
    PacketAhead,
    End,
}

impl<R: Read> Reader<R> {
    /// Reads the file header. Fails with [`ErrorKind::NotACapture`] when the input is not a
    /// capture at all.
    pub fn new(inner: R) -> Result<Self, CaptureError> {
        Self::with_buffer_size(inner, DEFAULT_BUFFER_SIZE)
    }

    /// Like [`Reader::new`], with an initial buffer of `size` bytes (at least 64). The buffer
    /// grows when a record or block does not fit, up to [`MAX_BLOCK_LEN`].
    pub fn with_buffer_size(inner: R, size: usize) -> Result<Self, CaptureError> {
        let at_start = |kind| CaptureError {
            kind,
            offset: 0,
            frame: 1,
        };
        let mut counted = Counted {
            inner,
            count: 0,
            pushback: [0; 4],
            pushback_pos: 0,
            pushback_len: 0,
            inner_failed: false,
        };
        // Peek at the first bytes for the gzip magic, then hand them back.
        let mut peeked = 0;
        while peeked < 4 {
            let room = counted.pushback.get_mut(peeked..).unwrap_or(&mut []);
            match counted.inner.read(room) {
                Ok(0) => break,
                Ok(n) => {
                    peeked += n;
                    counted.count += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(at_start(ErrorKind::Io(e.kind(), e.to_string()))),
            }
        }
        counted.pushback_len = peeked;
        let gzip = counted.pushback.starts_with(&[0x1f, 0x8b]) && peeked >= 2;
        let src = if gzip {
            Source::Gzip(Box::new(MultiGzDecoder::new(counted)))
        } else {
            Source::Plain(counted)
        };
        let mut reader = Reader {
            src,
            buf: vec![0; size.clamp(MIN_BUFFER_SIZE, MAX_BLOCK_LEN)],
            start: 0,
            end: 0,
            pos: 0,
            eof: false,
            gzip,
            // Replaced below once the magic is known.
            container: Container::Pcap(PcapState {
                big_endian: false,
                nanos: false,
                record_header: 16,
                link_type: 0,
            }),
            link_types: Vec::new(),
            next_number: 1,
            pending: None,
            done: false,
            failed: false,
        };
        if !reader.fill_to(4).map_err(at_start)? {
            return Err(at_start(ErrorKind::NotACapture));
        }
        let magic = reader.fields(4, false).u32(0);
        match magic {
            SHB => reader.start_pcapng()?,
            _ => reader.start_pcap(magic)?,
        }
        Ok(reader)
    }

    /// Reads the 24-byte pcap file header.
    fn start_pcap(&mut self, magic: u32) -> Result<(), CaptureError> {
        let at_start = |kind| CaptureError {
            kind,
            offset: 0,
            frame: 1,
        };
        // (big endian, nanoseconds, modified format), by the magic as read little-endian.
        let (big_endian, nanos, modified) = match magic {
            0xa1b2_c3d4 => (false, false, false),
            0xd4c3_b2a1 => (true, false, false),
            0xa1b2_3c4d => (false, true, false),
            0x4d3c_b2a1 => (true, true, false),
            0xa1b2_cd34 => (false, false, true),
            0x34cd_b2a1 => (true, false, true),
            _ => return Err(at_start(ErrorKind::NotACapture)),
        };
        if !self.fill_to(24).map_err(at_start)? {
            return Err(at_start(ErrorKind::Truncated));
        }
        let mut header = [0u8; 24];
        if let Some(src) = self.buf.get(self.start..self.start + 24) {
            header.copy_from_slice(src);
        }
        if modified && big_endian {
            // pcap-parser knows the modified magic in little-endian files only; the rest of
            // the header is laid out as in a standard big-endian file.
            header[..4].copy_from_slice(&[0xa1, 0xb2, 0xc3, 0xd4]);
        }
        let parsed = pcap_parser::parse_pcap_header(&header)
            .map(|(_, h)| h)
            .map_err(|_| at_start(ErrorKind::NotACapture))?;
        // The upper 6 bits of the link type field carry FCS information, not the type.
        let link_type = (parsed.network.0 as u32) & 0x03FF_FFFF;
        self.container = Container::Pcap(PcapState {
            big_endian,
            nanos,
            record_header: if modified { 24 } else { 16 },
            link_type,
        });
        self.link_types.push(link_type);
        self.consume(24);
        Ok(())
    }

    /// Reads the first Section Header Block, then looks ahead through the blocks before the
    /// first packet so that [`Reader::link_types`] is known before any frame is read.
    fn start_pcapng(&mut self) -> Result<(), CaptureError> {
        self.container = Container::Pcapng(PcapngState {
            big_endian: false,
            interfaces: Vec::new(),
        });
        let first = self.pcapng_step(true, true);
        if let Err(fail) = first {
            return Err(CaptureError {
                kind: fail.kind,
                offset: fail.offset,
                frame: 1,
            });
        }
        // Stops before the first packet block; an error is reported by the first `next_frame`.
        if let Err(fail) = self.pcapng_step(true, false) {
            self.pending = Some(CaptureError {
                kind: fail.kind,
                offset: fail.offset,
                frame: 1,
            });
        }
        Ok(())
    }

    /// The container format.
    pub fn format(&self) -> Format {
        match self.container {
            Container::Pcap(_) => Format::Pcap,
            Container::Pcapng(_) => Format::Pcapng,
        }
    }

    /// Whether the input was gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// Link types declared so far (pcap header; pcapng IDBs of every section), deduplicated,
    /// in order of first appearance.
    pub fn link_types(&self) -> &[LinkType] {
        &self.link_types
    }

    /// Bytes consumed from the underlying (compressed, if gzip) source so far: for progress.
    pub fn source_bytes_read(&self) -> u64 {
        self.src.counted().count
    }

    /// Offset in the (decompressed) stream up to which records and blocks have been read.
    pub fn stream_offset(&self) -> u64 {
        self.pos
    }

    /// The next frame, `Ok(None)` at a clean end of file, or the error that stopped reading.
    /// After an error, further calls return `Ok(None)`.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if let Some(e) = self.pending.take() {
            self.done = true;
            self.failed = true;
            return Err(e);
        }
        if self.done {
            return Ok(None);
        }
        let step = match self.container {
            Container::Pcap(_) => self.pcap_step(),
            Container::Pcapng(_) => self.pcapng_step(false, false),
        };
        let located = match step {
            Ok(Step::Frame(located)) => located,
            Ok(Step::End) | Ok(Step::PacketAhead) => {
                self.done = true;
                return Ok(None);
            }
            Err(fail) => {
                self.done = true;
                self.failed = true;
                return Err(CaptureError {
                    kind: fail.kind,
                    offset: fail.offset,
                    frame: self.next_number,
                });
            }
        };
        let data_end = located.data_at + located.cap_len as usize;
        let Some(data) = self.buf.get(located.data_at..data_end) else {
            // Unreachable: the frame was located within the filled part of the buffer.
            self.done = true;
            self.failed = true;
            return Err(CaptureError {
                kind: ErrorKind::Malformed("internal: frame outside the buffer".into()),
                offset: located.data_offset,
                frame: self.next_number,
            });
        };
        let number = self.next_number;
        self.next_number += 1;
        Ok(Some(Frame {
            number,
            ts_ns: located.ts_ns,
            orig_len: located.orig_len,
            cap_len: located.cap_len,
            link_type: located.link_type,
            data_offset: located.data_offset,
            interface_id: located.interface_id,
            data,
        }))
    }

    /// Lets a reader that ran out of input continue once its source has more: for a source
    /// that grows, such as a live capture arriving in messages. Reading goes on from where it
    /// ended, with the same frame numbering, as if the bytes had been there all along.
    ///
    /// Only a clean end can be resumed: the input ended at a record or block boundary (no
    /// error was returned, and no bytes of a partial record are held) and it is not gzip (the
    /// decompressor does not resume). The source must then hand out only whole records or
    /// blocks before it returns 0 again: a record cut by the end of the input is truncation,
    /// and ends reading for good. Returns whether reading can go on (also `true` when the
    /// reader had not run out of input at all).
    pub fn resume(&mut self) -> bool {
        if self.failed || self.pending.is_some() {
            return false;
        }
        if !self.eof {
            return true;
        }
        if self.gzip || self.available() != 0 {
            return false;
        }
        self.eof = false;
        self.done = false;
        true
    }

    /// Bytes read but not yet consumed.
    #[inline]
    fn available(&self) -> usize {
        self.end - self.start
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        let n = n.min(self.available());
        self.start += n;
        self.pos += n as u64;
    }

    /// The first `n` unconsumed bytes (the caller made sure they are there).
    #[inline]
    fn fields(&self, n: usize, be: bool) -> Fields<'_> {
        Fields {
            b: self.buf.get(self.start..self.start + n).unwrap_or(&[]),
            be,
        }
    }

    /// Makes at least `n` unconsumed bytes available (`n` is at most [`MAX_BLOCK_LEN`]).
    /// `Ok(false)` when the source ends first.
    #[inline]
    fn fill_to(&mut self, n: usize) -> Result<bool, ErrorKind> {
        if self.available() >= n {
            return Ok(true);
        }
        self.fill_slow(n)
    }

    #[cold]
    fn fill_slow(&mut self, n: usize) -> Result<bool, ErrorKind> {
        if self.start + n > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if n > self.buf.len() {
                let grown = self
                    .buf
                    .len()
                    .saturating_mul(2)
                    .clamp(n, MAX_BLOCK_LEN.max(n));
                self.buf.resize(grown, 0);
            }
        }
        while self.available() < n {
            if self.eof {
                return Ok(false);
            }
            let space = self.buf.get_mut(self.end..).unwrap_or(&mut []);
            let room = space.len();
            match self.src.read(space) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k.min(room),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // A failed source is not read again.
                    self.eof = true;
                    return Err(self.src.error_kind(&e));
                }
            }
        }
        Ok(true)
    }

    /// `fill_to`, with running out of input before `n` bytes reported as truncation at `at`.
    #[inline]
    fn need(&mut self, n: usize, at: u64) -> Result<(), Fail> {
        match self.fill_to(n) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Fail::new(ErrorKind::Truncated, at)),
            Err(kind) => Err(Fail::new(kind, at)),
        }
    }

    /// `Ok(true)` when at least `n` bytes are available, `Ok(false)` at a clean end of input
    /// (no bytes at all left), truncation when the input ends after some but not `n` bytes.
    #[inline]
    fn need_or_end(&mut self, n: usize, at: u64) -> Result<bool, Fail> {
        match self.fill_to(n) {
            Ok(true) => Ok(true),
            Ok(false) if self.available() == 0 => Ok(false),
            Ok(false) => Err(Fail::new(ErrorKind::Truncated, at)),
            Err(kind) => Err(Fail::new(kind, at)),
        }
    }

    /// One pcap record.
    fn pcap_step(&mut self) -> Result<Step, Fail> {
        let Container::Pcap(ref state) = self.container else {
            return Ok(Step::End);
        };
        let (be, nanos, hdr, link_type) = (
            state.big_endian,
            state.nanos,
            state.record_header,
            state.link_type,
        );
        let at = self.pos;
        if !self.need_or_end(hdr, at)? {
            return Ok(Step::End);
        }
        let f = self.fields(hdr, be);
        let (ts_sec, ts_frac, cap_len, orig_len) = (f.u32(0), f.u32(4), f.u32(8), f.u32(12));
        if cap_len as usize > MAX_RECORD_LEN {
            return Err(Fail::new(
                ErrorKind::RecordTooLarge {
                    len: u64::from(cap_len),
                },
                at,
            ));
        }
        let total = hdr + cap_len as usize;
        self.need(total, at)?;
        let frac_ns = if nanos {
            i64::from(ts_frac)
        } else {
            i64::from(ts_frac) * 1000
        };
        let located = Located {
            ts_ns: i64::from(ts_sec) * 1_000_000_000 + frac_ns,
            orig_len,
            cap_len,
            link_type,
            interface_id: 0,
            data_at: self.start + hdr,
            data_offset: at + hdr as u64,
        };
        self.consume(total);
        Ok(Step::Frame(located))
    }

    /// Reads pcapng blocks until one holds a packet. With `stop_before_packet`, a packet block
    /// is left unconsumed and `PacketAhead` returned; with `first`, only the first block (which
    /// must be a Section Header Block) is read.
    fn pcapng_step(&mut self, stop_before_packet: bool, first: bool) -> Result<Step, Fail> {
        loop {
            let Container::Pcapng(ref state) = self.container else {
                return Ok(Step::End);
            };
            let mut be = state.big_endian;
            let at = self.pos;
            if !self.need_or_end(8, at)? {
                return Ok(Step::End);
            }
            let block_type = self.fields(8, be).u32(0);
            if block_type == SHB {
                // A new section may switch byte order: its length field is read in the byte
                // order its byte-order magic gives.
                self.need(12, at)?;
                be = match self.fields(12, false).u32(8) {
                    BYTE_ORDER_MAGIC => false,
                    0x4D3C_2B1A => true,
                    _ if first => return Err(Fail::new(ErrorKind::NotACapture, at)),
                    other => {
                        return Err(Fail::new(
                            ErrorKind::Malformed(format!(
                                "section header with unknown byte-order magic {other:#010x}"
                            )),
                            at,
                        ))
                    }
                };
            } else if first {
                return Err(Fail::new(ErrorKind::NotACapture, at));
            }
            let len32 = self.fields(8, be).u32(4);
            let len = len32 as usize;
            // The smallest length each block type can have (header, fixed fields, trailer).
            let min_len = match block_type {
                SHB => 28,
                IDB => 20,
                EPB | PB => 32,
                SPB => 16,
                _ => 12,
            };
            if len32 < min_len || len32 % 4 != 0 {
                return Err(Fail::new(
                    ErrorKind::BadBlockLength {
                        len: u64::from(len32),
                    },
                    at,
                ));
            }
            if len > MAX_BLOCK_LEN {
                return Err(Fail::new(
                    ErrorKind::BlockTooLarge {
                        len: u64::from(len32),
                    },
                    at,
                ));
            }
            let is_packet = matches!(block_type, EPB | SPB | PB);
            if is_packet && stop_before_packet {
                return Ok(Step::PacketAhead);
            }
            self.need(len, at)?;
            if self.fields(len, be).u32(len - 4) != len32 {
                return Err(Fail::new(
                    ErrorKind::BadBlockLength {
                        len: u64::from(len32),
                    },
                    at,
                ));
            }
            match block_type {
                EPB | PB => {
                    let located = self.packet_block(block_type, len, be, at)?;
                    self.consume(len);
                    return Ok(Step::Frame(located));
                }
                SPB => {
                    let located = self.simple_packet_block(len, be, at)?;
                    self.consume(len);
                    return Ok(Step::Frame(located));
                }
                SHB => {
                    self.section_header(len, at)?;
                    self.consume(len);
                    if first {
                        return Ok(Step::End);
                    }
                }
                IDB => {
                    self.interface_description(len, be, at)?;
                    self.consume(len);
                }
                // Statistics, name resolution, secrets, custom and unknown blocks.
                _ => self.consume(len),
            }
        }
    }

    /// Enhanced Packet Block (6) or the obsolete Packet Block (2): the same layout but for the
    /// interface id (32 bits in an EPB, 16 bits followed by a drop count in a PB).
    fn packet_block(
        &mut self,
        block_type: u32,
        len: usize,
        be: bool,
        at: u64,
    ) -> Result<Located, Fail> {
        const HEAD: usize = 28;
        if len < HEAD + 4 {
            return Err(Fail::new(ErrorKind::BadBlockLength { len: len as u64 }, at));
        }
        let f = self.fields(len, be);
        let interface_id = if block_type == EPB {
            f.u32(8)
        } else {
            u32::from(f.u16(8))
        };
        let units = (u64::from(f.u32(12)) << 32) | u64::from(f.u32(16));
        let cap_len = f.u32(20);
        let orig_len = f.u32(24);
        if cap_len as usize > MAX_RECORD_LEN {
            return Err(Fail::new(
                ErrorKind::RecordTooLarge {
                    len: u64::from(cap_len),
                },
                at,
            ));
        }
        let room = len - HEAD - 4;
        if cap_len as usize > room {
            return Err(Fail::new(
                ErrorKind::CapLenExceedsBlock {
                    cap_len: u64::from(cap_len),
                    room: room as u64,
                },
                at,
            ));
        }
        let iface = self.interface(interface_id, at)?;
        Ok(Located {
            ts_ns: iface.clock.to_ns(units),
            orig_len,
            cap_len,
            link_type: iface.link_type,
            interface_id,
            data_at: self.start + HEAD,
            data_offset: at + HEAD as u64,
        })
    }

    /// Simple Packet Block: interface 0, no timestamp ([`NO_TIMESTAMP`]), the original
    /// length in the block and as many bytes as the snap length and the block allow.
    fn simple_packet_block(&mut self, len: usize, be: bool, at: u64) -> Result<Located, Fail> {
        const HEAD: usize = 12;
        if len < HEAD + 4 {
            return Err(Fail::new(ErrorKind::BadBlockLength { len: len as u64 }, at));
        }
        let orig_len = self.fields(len, be).u32(8);
        let iface = self.interface(0, at)?;
        let room = (len - HEAD - 4) as u64;
        let mut cap = u64::from(orig_len).min(room);
        if iface.snaplen != 0 {
            cap = cap.min(u64::from(iface.snaplen));
        }
        if cap > MAX_RECORD_LEN as u64 {
            return Err(Fail::new(ErrorKind::RecordTooLarge { len: cap }, at));
        }
        Ok(Located {
            ts_ns: NO_TIMESTAMP,
            orig_len,
            cap_len: cap as u32,
            link_type: iface.link_type,
            interface_id: 0,
            data_at: self.start + HEAD,
            data_offset: at + HEAD as u64,
        })
    }

    fn interface(&self, id: u32, at: u64) -> Result<Interface, Fail> {
        let Container::Pcapng(ref state) = self.container else {
            return Err(Fail::new(ErrorKind::UnknownInterface { id }, at));
        };
        state
            .interfaces
            .get(id as usize)
            .copied()
            .ok_or_else(|| Fail::new(ErrorKind::UnknownInterface { id }, at))
    }

    /// A Section Header Block starts a new section: byte order and interfaces are reset.
    fn section_header(&mut self, len: usize, at: u64) -> Result<(), Fail> {
        let block = self.buf.get(self.start..self.start + len).unwrap_or(&[]);
        let shb = match parse_sectionheaderblock(block) {
            Ok((_, shb)) => shb,
            Err(e) => {
                return Err(Fail::new(
                    ErrorKind::Malformed(format!("section header block: {}", parse_error(&e))),
                    at,
                ))
            }
        };
        if shb.major_version != 1 {
            return Err(Fail::new(
                ErrorKind::Malformed(format!(
                    "unsupported pcapng version {}.{}",
                    shb.major_version, shb.minor_version
                )),
                at,
            ));
        }
        let big_endian = shb.big_endian();
        if let Container::Pcapng(ref mut state) = self.container {
            state.big_endian = big_endian;
            state.interfaces.clear();
        }
        Ok(())
    }

    fn interface_description(&mut self, len: usize, be: bool, at: u64) -> Result<(), Fail> {
        let block = self.buf.get(self.start..self.start + len).unwrap_or(&[]);
        let parsed = if be {
            parse_interfacedescriptionblock_be(block)
        } else {
            parse_interfacedescriptionblock_le(block)
        };
        let idb = match parsed {
            Ok((_, idb)) => idb,
            Err(e) => {
                return Err(Fail::new(
                    ErrorKind::Malformed(format!(
                        "interface description block: {}",
                        parse_error(&e)
                    )),
                    at,
                ))
            }
        };
        // pcap-parser reads if_tsoffset as little-endian whatever the section's byte order,
        // so both options are taken from the raw option list here.
        let mut tsresol = 6u8;
        let mut tsoffset = 0i64;
        for opt in &idb.options {
            let Ok(value) = opt.as_bytes() else { continue };
            if opt.code == OptionCode::IfTsresol {
                if let Some(&r) = value.first() {
                    tsresol = r;
                }
            } else if opt.code == OptionCode::IfTsoffset {
                if let Ok(raw) = <[u8; 8]>::try_from(value) {
                    tsoffset = if be {
                        i64::from_be_bytes(raw)
                    } else {
                        i64::from_le_bytes(raw)
                    };
                }
            }
        }
        let link_type = (idb.linktype.0 as u32) & 0xFFFF;
        let iface = Interface {
            link_type,
            snaplen: idb.snaplen,
            clock: Clock::new(tsresol, tsoffset),
        };
        if let Container::Pcapng(ref mut state) = self.container {
            // Interface ids are 16 bits in Packet Blocks; more interfaces than that in one
            // section is not a capture but an attempt to grow memory without bound.
            if state.interfaces.len() >= MAX_INTERFACES {
                return Err(Fail::new(
                    ErrorKind::Malformed(format!(
                        "more than {MAX_INTERFACES} interfaces in one section"
                    )),
                    at,
                ));
            }
            state.interfaces.push(iface);
        }
        if !self.link_types.contains(&link_type) {
            self.link_types.push(link_type);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn clock_converts_exactly() {
        // Microseconds (the default).
        assert_eq!(Clock::new(6, 0).to_ns(1_500_000), 1_500_000_000);
        // Nanoseconds, with an offset of 10 s.
        assert_eq!(Clock::new(9, 10).to_ns(7), 10_000_000_007);
        // Picoseconds round down to nanoseconds.
        assert_eq!(Clock::new(12, 0).to_ns(1_000_001_999), 1_000_001);
        // 2^-10 s units: 1024 units = 1 s, 1 unit = 976562.5 ns -> 976562.
        assert_eq!(Clock::new(0x80 | 10, 0).to_ns(1024), 1_000_000_000);
        assert_eq!(Clock::new(0x80 | 10, 0).to_ns(1), 976_562);
        // 2^-30 units near the top of the u64 range, no overflow.
        let c = Clock::new(0x80 | 30, 0);
        assert_eq!(c.to_ns(1 << 30), 1_000_000_000);
        // Seconds.
        assert_eq!(Clock::new(0, -5).to_ns(7), 2_000_000_000);
        // Unrepresentable resolutions do not panic.
        let _ = Clock::new(127, 0).to_ns(u64::MAX);
        let _ = Clock::new(0xff, i64::MAX).to_ns(u64::MAX);
        assert_eq!(Clock::new(6, i64::MAX).to_ns(u64::MAX), i64::MAX);
    }

    #[test]
    fn empty_and_short_inputs_are_not_captures() {
        for input in [&b""[..], b"\xd4\xc3", b"hello world, not a capture"] {
            let err = Reader::new(input).err().unwrap();
            assert_eq!(err.kind, ErrorKind::NotACapture, "{input:?}");
            assert_eq!((err.offset, err.frame), (0, 1));
        }
    }

    #[test]
    fn truncated_pcap_header() {
        let err = Reader::new(&b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00"[..])
            .err()
            .unwrap();
        assert_eq!(err.kind, ErrorKind::Truncated);
    }

    use crate::capture::write::{
        InterfaceOptions, PcapOptions, PcapWriter, PcapngWriter, SectionOptions,
    };
    use std::io::Write;

    fn sample_pcap(n: u32) -> Vec<u8> {
        let mut w = PcapWriter::new(Vec::new(), PcapOptions::new(1)).unwrap();
        for i in 0..n {
            w.write_packet(1_000_000_000 * i64::from(i + 1), 60, &[i as u8; 60])
                .unwrap();
        }
        w.into_inner().unwrap()
    }

    /// Fails with `kind` once `ok` bytes have been handed out; `Interrupted` every other call.
    struct Flaky<'a> {
        data: &'a [u8],
        ok: usize,
        kind: io::ErrorKind,
        calls: usize,
    }

    impl Read for Flaky<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls % 2 == 0 {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "again"));
            }
            if self.ok == 0 {
                return Err(io::Error::new(self.kind, "disk on fire"));
            }
            let n = out.len().min(self.ok).min(self.data.len()).min(10);
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            self.ok -= n;
            Ok(n)
        }
    }

    #[test]
    fn read_errors_are_typed_and_end_reading() {
        let bytes = sample_pcap(3);
        // Fails inside the second record (records are 76 bytes, after a 24-byte header).
        let src = Flaky {
            data: &bytes,
            ok: 24 + 76 + 30,
            kind: io::ErrorKind::PermissionDenied,
            calls: 0,
        };
        let mut r = Reader::with_buffer_size(src, 64).unwrap();
        assert!(r.next_frame().unwrap().is_some());
        let e = r.next_frame().unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::Io(io::ErrorKind::PermissionDenied, "disk on fire".into())
        );
        assert_eq!((e.offset, e.frame), (100, 2));
        assert!(r.next_frame().unwrap().is_none());
        assert!(r.next_frame().unwrap().is_none());
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_is_recognised_by_content_and_source_errors_stay_io_errors() {
        let plain = sample_pcap(50);
        let gz = gzip(&plain);
        let mut r = Reader::new(&gz[..]).unwrap();
        assert!(r.is_gzip());
        let mut n = 0;
        let mut last_offset = 0;
        while let Some(f) = r.next_frame().unwrap() {
            n += 1;
            // Offsets are in the decompressed stream.
            let at = f.data_offset as usize;
            assert_eq!(&plain[at..at + 60], f.data);
            last_offset = f.data_offset;
        }
        assert_eq!((n, last_offset), (50, 24 + 49 * 76 + 16));
        assert_eq!(r.source_bytes_read(), gz.len() as u64);

        let src = Flaky {
            data: &gz,
            ok: gz.len() / 2,
            kind: io::ErrorKind::ConnectionReset,
            calls: 0,
        };
        let mut r = Reader::with_buffer_size(src, 64).unwrap();
        let e = loop {
            match r.next_frame() {
                Ok(Some(_)) => {}
                Ok(None) => panic!("clean end"),
                Err(e) => break e,
            }
        };
        assert!(
            matches!(e.kind, ErrorKind::Io(io::ErrorKind::ConnectionReset, _)),
            "{e:?}"
        );

        // Corrupt deflate data: a gzip error, not an I/O error.
        let mut bad = gz.clone();
        for b in bad.iter_mut().skip(20).take(40) {
            *b ^= 0x55;
        }
        let r = Reader::new(&bad[..]);
        let e = match r {
            Err(e) => e,
            Ok(mut r) => loop {
                match r.next_frame() {
                    Ok(Some(_)) => {}
                    Ok(None) => panic!("clean end"),
                    Err(e) => break e,
                }
            },
        };
        assert!(
            matches!(e.kind, ErrorKind::Gzip(_) | ErrorKind::NotACapture),
            "{e:?}"
        );
    }

    #[test]
    fn block_lengths_below_the_type_minimum_are_bad_lengths() {
        let mut w = PcapngWriter::new(Vec::new(), &SectionOptions::default()).unwrap();
        w.add_interface(&InterfaceOptions::new(1)).unwrap();
        let mut bytes = w.into_inner().unwrap();
        // An EPB claiming 24 bytes (the minimum is 32).
        let at = bytes.len() as u64;
        for v in [6u32, 24, 0, 0, 0, 24] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let mut r = Reader::new(&bytes[..]).unwrap();
        let e = r.next_frame().unwrap_err();
        assert_eq!(
            (e.kind, e.offset, e.frame),
            (ErrorKind::BadBlockLength { len: 24 }, at, 1)
        );
        // A section header claiming 20 bytes.
        let mut shb = vec![0x0a, 0x0d, 0x0d, 0x0a, 20, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a];
        shb.extend_from_slice(&[1, 0, 0, 0, 20, 0, 0, 0]);
        let e = Reader::new(&shb[..]).err().unwrap();
        assert_eq!(e.kind, ErrorKind::BadBlockLength { len: 20 });
    }

    #[test]
    fn unsupported_section_version_is_malformed() {
        let mut bytes = PcapngWriter::new(Vec::new(), &SectionOptions::default())
            .unwrap()
            .into_inner()
            .unwrap();
        bytes[12] = 2; // major version 2
        let e = Reader::new(&bytes[..]).err().unwrap();
        assert!(
            matches!(e.kind, ErrorKind::Malformed(ref m) if m.contains("2.0")),
            "{e:?}"
        );
    }

    #[test]
    fn interfaces_per_section_are_capped() {
        let mut w = PcapngWriter::new(Vec::new(), &SectionOptions::default()).unwrap();
        for _ in 0..MAX_INTERFACES {
            w.add_interface(&InterfaceOptions::new(1)).unwrap();
        }
        let at = w.offset();
        w.add_interface(&InterfaceOptions::new(1)).unwrap();
        let bytes = w.into_inner().unwrap();
        let mut r = Reader::new(&bytes[..]).unwrap();
        let e = r.next_frame().unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Malformed(_)));
        assert_eq!(e.offset, at);
        assert_eq!(r.link_types(), &[1]);
    }

    #[test]
    fn pcap_link_type_ignores_fcs_bits() {
        let mut bytes = sample_pcap(1);
        // LINKTYPE_ETHERNET with "FCS present, 4 bytes" in the top bits.
        bytes[20..24].copy_from_slice(&(0x1000_0000u32 | 0x0800_0000 | 1).to_le_bytes());
        let mut r = Reader::new(&bytes[..]).unwrap();
        assert_eq!(r.link_types(), &[1]);
        assert_eq!(r.next_frame().unwrap().unwrap().link_type, 1);
    }

    #[test]
    fn simple_packet_capture_length_is_bounded_by_block_and_snaplen() {
        let mut w = PcapngWriter::new(Vec::new(), &SectionOptions::default()).unwrap();
        w.add_interface(&InterfaceOptions::new(1)).unwrap(); // snaplen 0: no limit
                                                             // Original length 1000, 8 bytes present: captured 8.
        w.write_spb(1000, &[7; 8]).unwrap();
        // Original length 3, block padded to 4: captured 3.
        w.write_spb(3, &[1, 2, 3]).unwrap();
        let bytes = w.into_inner().unwrap();
        let mut r = Reader::new(&bytes[..]).unwrap();
        let f = r.next_frame().unwrap().unwrap();
        assert_eq!((f.orig_len, f.cap_len, f.timestamp()), (1000, 8, None));
        let f = r.next_frame().unwrap().unwrap();
        assert_eq!((f.orig_len, f.cap_len, f.data), (3, 3, &[1u8, 2, 3][..]));
        assert!(r.next_frame().unwrap().is_none());
    }

    #[test]
    fn big_records_grow_a_small_buffer() {
        let mut w = PcapWriter::new(Vec::new(), PcapOptions::new(0)).unwrap();
        let big = vec![0xee; MAX_RECORD_LEN];
        w.write_packet(5, MAX_RECORD_LEN as u32, &big).unwrap();
        w.write_packet(6, 10, &big[..10]).unwrap();
        let bytes = w.into_inner().unwrap();
        let mut r = Reader::with_buffer_size(&bytes[..], 64).unwrap();
        assert_eq!(r.next_frame().unwrap().unwrap().data.len(), MAX_RECORD_LEN);
        assert_eq!(r.next_frame().unwrap().unwrap().data.len(), 10);
        assert!(r.next_frame().unwrap().is_none());
    }

    /// A source that grows: it hands out `bytes[..limit]` and returns 0 at `limit`, which the
    /// test moves on (as live capture messages arrive).
    struct Growing {
        data: std::rc::Rc<std::cell::RefCell<(Vec<u8>, usize)>>,
        at: usize,
    }

    impl Read for Growing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let d = self.data.borrow();
            let n = d.1.saturating_sub(self.at).min(out.len());
            out[..n].copy_from_slice(&d.0[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    type Seen = (u64, i64, u32, u32, LinkType, u64, u32, Vec<u8>);

    fn seen(f: &Frame<'_>) -> Seen {
        (
            f.number,
            f.ts_ns,
            f.orig_len,
            f.cap_len,
            f.link_type,
            f.data_offset,
            f.interface_id,
            f.data.to_vec(),
        )
    }

    fn whole(bytes: &[u8]) -> Vec<Seen> {
        let mut r = Reader::new(bytes).unwrap();
        let mut out = Vec::new();
        while let Some(f) = r.next_frame().unwrap() {
            out.push(seen(&f));
        }
        out
    }

    /// Where each pcapng block or pcap record ends (the file header counts as one unit).
    fn boundaries(bytes: &[u8]) -> Vec<usize> {
        let u32_at = |at: usize, be: bool| {
            let b: [u8; 4] = bytes[at..at + 4].try_into().unwrap();
            if be {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let mut ends = Vec::new();
        let mut at = 0;
        if u32_at(0, false) == SHB {
            let mut be = false;
            while at < bytes.len() {
                if u32_at(at, false) == SHB {
                    be = u32_at(at + 8, false) != BYTE_ORDER_MAGIC;
                }
                at += u32_at(at + 4, be) as usize;
                ends.push(at);
            }
        } else {
            let magic = u32_at(0, false);
            let be = matches!(magic, 0xd4c3_b2a1 | 0x4d3c_b2a1 | 0x34cd_b2a1);
            let hdr = if matches!(magic, 0xa1b2_cd34 | 0x34cd_b2a1) {
                24
            } else {
                16
            };
            at = 24;
            ends.push(at);
            while at < bytes.len() {
                at += hdr + u32_at(at + 8, be) as usize;
                ends.push(at);
            }
        }
        assert_eq!(at, bytes.len());
        ends
    }

    /// Reads `bytes` as they "arrive" in pieces ending at `cuts`, resuming after each.
    fn fed(bytes: &[u8], cuts: &[usize]) -> Vec<Seen> {
        let data = std::rc::Rc::new(std::cell::RefCell::new((bytes.to_vec(), cuts[0])));
        let src = Growing {
            data: data.clone(),
            at: 0,
        };
        let mut r = Reader::with_buffer_size(src, 64).unwrap();
        let mut out = Vec::new();
        for &cut in &cuts[1..] {
            while let Some(f) = r.next_frame().unwrap() {
                out.push(seen(&f));
            }
            // Out of input: nothing more until the next piece arrives.
            assert!(r.next_frame().unwrap().is_none());
            data.borrow_mut().1 = cut;
            assert!(r.resume());
            assert!(r.resume(), "resuming twice changes nothing");
        }
        while let Some(f) = r.next_frame().unwrap() {
            out.push(seen(&f));
        }
        assert_eq!(r.stream_offset(), bytes.len() as u64);
        out
    }

    #[test]
    fn a_reader_resumed_at_boundaries_reads_what_a_whole_stream_gives() {
        for bytes in [
            &include_bytes!("../../fixtures/multi-section-be-le.pcapng")[..],
            include_bytes!("../../fixtures/multi-interface-linktypes.pcapng"),
            include_bytes!("../../fixtures/tcp-handshake-ns.pcapng"),
            include_bytes!("../../fixtures/simple-packet-blocks.pcapng"),
            include_bytes!("../../fixtures/http-get-ethernet.pcap"),
            include_bytes!("../../fixtures/arp-ethernet-be-ns.pcap"),
            include_bytes!("../../fixtures/kuznetzov-modified.pcap"),
        ] {
            let expected = whole(bytes);
            assert!(!expected.is_empty());
            let ends = boundaries(bytes);
            // Every unit on its own, every second, every third; and the header alone, then
            // all the rest.
            for step in 1..=3 {
                let cuts: Vec<usize> = ends
                    .iter()
                    .copied()
                    .enumerate()
                    .filter(|(i, _)| i % step == 0 || *i == ends.len() - 1)
                    .map(|(_, e)| e)
                    .collect();
                assert_eq!(fed(bytes, &cuts), expected, "every {step}");
            }
            assert_eq!(fed(bytes, &[ends[0], bytes.len()]), expected);
        }
    }

    #[test]
    fn resume_refuses_after_truncation_an_error_or_gzip() {
        let bytes = sample_pcap(3);
        // The input ends inside the second record: truncation, which is final.
        let data = std::rc::Rc::new(std::cell::RefCell::new((bytes.clone(), 24 + 76 + 30)));
        let mut r = Reader::new(Growing {
            data: data.clone(),
            at: 0,
        })
        .unwrap();
        assert!(r.next_frame().unwrap().is_some());
        assert_eq!(r.next_frame().unwrap_err().kind, ErrorKind::Truncated);
        data.borrow_mut().1 = bytes.len();
        assert!(!r.resume());
        assert!(r.next_frame().unwrap().is_none());

        // An error found while looking ahead, before any frame.
        let mut w = PcapngWriter::new(Vec::new(), &SectionOptions::default()).unwrap();
        w.add_interface(&InterfaceOptions::new(1)).unwrap();
        let mut bad = w.into_inner().unwrap();
        bad.extend_from_slice(&[1, 0, 0, 0, 13, 0, 0, 0]);
        let mut r = Reader::new(&bad[..]).unwrap();
        assert!(!r.resume());
        assert!(r.next_frame().is_err());
        assert!(!r.resume());

        // gzip: the decompressor cannot go on.
        let gz = gzip(&bytes);
        let mut r = Reader::new(&gz[..]).unwrap();
        while r.next_frame().unwrap().is_some() {}
        assert!(!r.resume());

        // A reader that has not run out of input needs nothing.
        let mut r = Reader::new(&bytes[..]).unwrap();
        assert!(r.resume());
        assert_eq!(r.next_frame().unwrap().unwrap().number, 1);
    }
}
