//! Writers for pcap and pcapng: small and explicit, for the fixture generator and the capture
//! companion.
//!
//! Both writers write straight to any [`Write`] (wrap a file in a `BufWriter`), never buffer a
//! whole file, and return the byte offset of every record or block they write, so that tests can
//! name exact offsets.
//!
//! ```
//! use pcapscope::capture::write::{InterfaceOptions, PcapngWriter, SectionOptions};
//! use pcapscope::capture::{linktype, Reader};
//!
//! let mut w = PcapngWriter::new(Vec::new(), &SectionOptions::default())?;
//! let eth = w.add_interface(&InterfaceOptions::new(linktype::ETHERNET))?;
//! w.write_epb(eth, 1_700_000_000_000_000_000, 60, &[0u8; 60], None)?;
//! let bytes = w.into_inner()?;
//!
//! let mut r = Reader::new(&bytes[..])?;
//! let frame = r.next_frame()?.unwrap();
//! assert_eq!((frame.ts_ns, frame.cap_len), (1_700_000_000_000_000_000, 60));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::LinkType;
use std::io::{self, Write};

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_string())
}

fn len_u32(n: usize) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| invalid("length does not fit in 32 bits"))
}

/// How a pcap file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcapOptions {
    /// Link type in the file header (`LINKTYPE_*`).
    pub link_type: LinkType,
    /// Snap length in the file header.
    pub snaplen: u32,
    /// Write big-endian (magic `a1b2c3d4` in file order) instead of little-endian.
    pub big_endian: bool,
    /// Nanosecond timestamps (magic `a1b23c4d`) instead of microseconds.
    pub nanos: bool,
    /// The modified (Kuznetzov) format: magic `a1b2cd34`, 24-byte record headers, microseconds.
    pub modified: bool,
}

impl PcapOptions {
    /// Little-endian, microseconds, snap length 262144.
    pub fn new(link_type: LinkType) -> Self {
        PcapOptions {
            link_type,
            snaplen: 262_144,
            big_endian: false,
            nanos: false,
            modified: false,
        }
    }
}

/// Writes a pcap file: the file header on creation, then one record per packet.
pub struct PcapWriter<W: Write> {
    w: W,
    opts: PcapOptions,
    offset: u64,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the 24-byte file header.
    pub fn new(w: W, opts: PcapOptions) -> io::Result<Self> {
        let mut this = PcapWriter { w, opts, offset: 0 };
        let magic: u32 = if opts.modified {
            0xa1b2_cd34
        } else if opts.nanos {
            0xa1b2_3c4d
        } else {
            0xa1b2_c3d4
        };
        let mut h = Vec::with_capacity(24);
        this.put32(&mut h, magic);
        this.put16(&mut h, 2);
        this.put16(&mut h, 4);
        this.put32(&mut h, 0); // thiszone
        this.put32(&mut h, 0); // sigfigs
        this.put32(&mut h, opts.snaplen);
        this.put32(&mut h, opts.link_type);
        this.emit(&h)?;
        Ok(this)
    }

    fn put32(&self, out: &mut Vec<u8>, v: u32) {
        if self.opts.big_endian {
            out.extend_from_slice(&v.to_be_bytes());
        } else {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn put16(&self, out: &mut Vec<u8>, v: u16) {
        if self.opts.big_endian {
            out.extend_from_slice(&v.to_be_bytes());
        } else {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.w.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Writes one record: `data` is what was captured, `orig_len` the length on the wire.
    /// The timestamp is truncated to the file's resolution. Returns the record's offset.
    pub fn write_packet(&mut self, ts_ns: i64, orig_len: u32, data: &[u8]) -> io::Result<u64> {
        let secs = u32::try_from(ts_ns.div_euclid(1_000_000_000))
            .map_err(|_| invalid("timestamp outside the pcap range (1970..2106)"))?;
        let sub_ns = ts_ns.rem_euclid(1_000_000_000) as u32;
        let frac = if self.opts.nanos && !self.opts.modified {
            sub_ns
        } else {
            sub_ns / 1000
        };
        self.write_raw_record(secs, frac, len_u32(data.len())?, orig_len, data)
    }

    /// Writes a record header with the given fields verbatim, then `data` (which need not be
    /// `cap_len` bytes long: this is how damaged files are made). Returns the record's offset.
    pub fn write_raw_record(
        &mut self,
        ts_sec: u32,
        ts_frac: u32,
        cap_len: u32,
        orig_len: u32,
        data: &[u8],
    ) -> io::Result<u64> {
        let at = self.offset;
        let mut h = Vec::with_capacity(24);
        self.put32(&mut h, ts_sec);
        self.put32(&mut h, ts_frac);
        self.put32(&mut h, cap_len);
        self.put32(&mut h, orig_len);
        if self.opts.modified {
            self.put32(&mut h, 0); // interface index
            self.put16(&mut h, 0); // protocol
            h.extend_from_slice(&[0, 0]); // packet type, padding
        }
        self.emit(&h)?;
        self.emit(data)?;
        Ok(at)
    }

    /// Bytes written so far (the offset of the next record).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Flushes the underlying writer (for a live capture that others read while it grows).
    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.w
    }

    /// The underlying writer, for example to drain a `Vec<u8>` of whole records or blocks into
    /// a file between two packets (see [`PacketWriter`]). Bytes taken out of it still count in
    /// `offset()`.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.w
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.w.flush()?;
        Ok(self.w)
    }
}

/// Options of a pcapng Section Header Block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SectionOptions<'a> {
    /// Write this section big-endian.
    pub big_endian: bool,
    /// `shb_hardware`.
    pub hardware: Option<&'a str>,
    /// `shb_os`.
    pub os: Option<&'a str>,
    /// `shb_userappl`.
    pub user_appl: Option<&'a str>,
    /// `opt_comment`.
    pub comment: Option<&'a str>,
}

/// Options of a pcapng Interface Description Block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterfaceOptions<'a> {
    /// Link type (`LINKTYPE_*`, 16 bits in an IDB).
    pub link_type: LinkType,
    /// Snap length (0 = no limit).
    pub snaplen: u32,
    /// `if_name`.
    pub name: Option<&'a str>,
    /// `if_description`.
    pub description: Option<&'a str>,
    /// `if_filter`, as a libpcap filter string.
    pub filter: Option<&'a str>,
    /// `if_tsresol`: bit 7 clear = 10^-n s, set = 2^-n s; `None` = microseconds, not written.
    pub tsresol: Option<u8>,
    /// `if_tsoffset` in seconds, added to every timestamp; 0 is not written.
    pub tsoffset: i64,
}

impl InterfaceOptions<'_> {
    /// An interface with the given link type, no snap length limit and default options.
    pub fn new(link_type: LinkType) -> Self {
        InterfaceOptions {
            link_type,
            snaplen: 0,
            name: None,
            description: None,
            filter: None,
            tsresol: None,
            tsoffset: 0,
        }
    }
}

/// Block types the writer produces.
mod block {
    pub const SHB: u32 = 0x0A0D_0D0A;
    pub const IDB: u32 = 1;
    pub const PB: u32 = 2;
    pub const SPB: u32 = 3;
    pub const ISB: u32 = 5;
    pub const EPB: u32 = 6;
}

/// The clock of one interface: timestamps are stored in units of its `if_tsresol`.
#[derive(Debug, Clone, Copy)]
struct WriterClock {
    units_per_sec: u128,
    offset_s: i64,
}

impl WriterClock {
    fn new(tsresol: Option<u8>, offset_s: i64) -> io::Result<Self> {
        let r = tsresol.unwrap_or(6);
        let exp = u32::from(r & 0x7f);
        let units_per_sec = if r & 0x80 == 0 {
            10u128.checked_pow(exp).filter(|_| exp <= 19)
        } else {
            2u128.checked_pow(exp).filter(|_| exp <= 63)
        }
        .ok_or_else(|| invalid("if_tsresol too fine for a 64-bit timestamp"))?;
        Ok(WriterClock {
            units_per_sec,
            offset_s,
        })
    }

    /// Epoch nanoseconds to units, rounding down. The reader converts back exactly when
    /// `ts_ns` is a whole number of units.
    fn units(self, ts_ns: i64) -> io::Result<u64> {
        let rel = i128::from(ts_ns) - i128::from(self.offset_s) * 1_000_000_000;
        let rel = u128::try_from(rel).map_err(|_| invalid("timestamp before if_tsoffset"))?;
        let secs = rel / 1_000_000_000;
        let ns = rel % 1_000_000_000;
        // The reader turns units back into nanoseconds rounding down; take the largest unit
        // count that does not read back as later than `ts_ns` (exact when it is representable).
        let frac_units = ((ns + 1) * self.units_per_sec).div_ceil(1_000_000_000) - 1;
        u64::try_from(secs * self.units_per_sec + frac_units)
            .map_err(|_| invalid("timestamp does not fit in 64 bits at this resolution"))
    }
}

/// Writes a pcapng file: sections, interfaces and packet blocks, in either byte order.
pub struct PcapngWriter<W: Write> {
    w: W,
    big_endian: bool,
    offset: u64,
    clocks: Vec<WriterClock>,
    scratch: Vec<u8>,
}

impl<W: Write> PcapngWriter<W> {
    /// Writes the first Section Header Block.
    pub fn new(w: W, section: &SectionOptions<'_>) -> io::Result<Self> {
        let mut this = PcapngWriter {
            w,
            big_endian: section.big_endian,
            offset: 0,
            clocks: Vec::new(),
            scratch: Vec::new(),
        };
        this.new_section(section)?;
        Ok(this)
    }

    /// Starts a new section (which may switch byte order); interfaces start again at id 0.
    /// Returns the block's offset.
    pub fn new_section(&mut self, section: &SectionOptions<'_>) -> io::Result<u64> {
        self.big_endian = section.big_endian;
        self.clocks.clear();
        let mut body = Vec::new();
        self.put32(&mut body, 0x1A2B_3C4D);
        self.put16(&mut body, 1);
        self.put16(&mut body, 0);
        self.put64(&mut body, u64::MAX); // section length: unspecified
        let mut opts = Vec::new();
        if let Some(c) = section.comment {
            self.opt(&mut opts, 1, c.as_bytes());
        }
        if let Some(h) = section.hardware {
            self.opt(&mut opts, 2, h.as_bytes());
        }
        if let Some(os) = section.os {
            self.opt(&mut opts, 3, os.as_bytes());
        }
        if let Some(a) = section.user_appl {
            self.opt(&mut opts, 4, a.as_bytes());
        }
        self.end_options(&mut body, &opts);
        self.block(block::SHB, &body)
    }

    /// Writes an Interface Description Block; returns the new interface's id.
    pub fn add_interface(&mut self, iface: &InterfaceOptions<'_>) -> io::Result<u32> {
        let clock = WriterClock::new(iface.tsresol, iface.tsoffset)?;
        let link =
            u16::try_from(iface.link_type).map_err(|_| invalid("pcapng link types are 16 bits"))?;
        let mut body = Vec::new();
        self.put16(&mut body, link);
        self.put16(&mut body, 0);
        self.put32(&mut body, iface.snaplen);
        let mut opts = Vec::new();
        if let Some(n) = iface.name {
            self.opt(&mut opts, 2, n.as_bytes());
        }
        if let Some(d) = iface.description {
            self.opt(&mut opts, 3, d.as_bytes());
        }
        if let Some(r) = iface.tsresol {
            self.opt(&mut opts, 9, &[r]);
        }
        if let Some(f) = iface.filter {
            let mut v = vec![0u8]; // filter type 0: libpcap filter string
            v.extend_from_slice(f.as_bytes());
            self.opt(&mut opts, 11, &v);
        }
        if iface.tsoffset != 0 {
            let v = if self.big_endian {
                iface.tsoffset.to_be_bytes()
            } else {
                iface.tsoffset.to_le_bytes()
            };
            self.opt(&mut opts, 14, &v);
        }
        self.end_options(&mut body, &opts);
        self.block(block::IDB, &body)?;
        self.clocks.push(clock);
        len_u32(self.clocks.len() - 1)
    }

    fn clock(&self, interface_id: u32) -> io::Result<WriterClock> {
        self.clocks
            .get(interface_id as usize)
            .copied()
            .ok_or_else(|| invalid("no such interface in this section"))
    }

    /// Writes an Enhanced Packet Block (with an `epb_flags` option when `flags` is given).
    /// Returns the block's offset.
    pub fn write_epb(
        &mut self,
        interface_id: u32,
        ts_ns: i64,
        orig_len: u32,
        data: &[u8],
        flags: Option<u32>,
    ) -> io::Result<u64> {
        let units = self.clock(interface_id)?.units(ts_ns)?;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        self.put32(&mut scratch, interface_id);
        self.put32(&mut scratch, (units >> 32) as u32);
        self.put32(&mut scratch, units as u32);
        self.put32(&mut scratch, len_u32(data.len())?);
        self.put32(&mut scratch, orig_len);
        scratch.extend_from_slice(data);
        pad4(&mut scratch);
        if let Some(fl) = flags {
            let mut opts = Vec::new();
            let v = if self.big_endian {
                fl.to_be_bytes()
            } else {
                fl.to_le_bytes()
            };
            self.opt(&mut opts, 2, &v);
            self.end_options(&mut scratch, &opts);
        }
        let r = self.block(block::EPB, &scratch);
        self.scratch = scratch;
        r
    }

    /// Writes a Simple Packet Block (interface 0, no timestamp). `data` is what was captured
    /// (at most the interface's snap length), `orig_len` the length on the wire.
    pub fn write_spb(&mut self, orig_len: u32, data: &[u8]) -> io::Result<u64> {
        let mut body = Vec::with_capacity(4 + data.len() + 3);
        self.put32(&mut body, orig_len);
        body.extend_from_slice(data);
        pad4(&mut body);
        self.block(block::SPB, &body)
    }

    /// Writes an obsolete Packet Block (type 2): a 16-bit interface id and a drop count.
    pub fn write_obsolete_pb(
        &mut self,
        interface_id: u16,
        drops: u16,
        ts_ns: i64,
        orig_len: u32,
        data: &[u8],
    ) -> io::Result<u64> {
        let units = self.clock(u32::from(interface_id))?.units(ts_ns)?;
        let mut body = Vec::with_capacity(20 + data.len() + 3);
        self.put16(&mut body, interface_id);
        self.put16(&mut body, drops);
        self.put32(&mut body, (units >> 32) as u32);
        self.put32(&mut body, units as u32);
        self.put32(&mut body, len_u32(data.len())?);
        self.put32(&mut body, orig_len);
        body.extend_from_slice(data);
        pad4(&mut body);
        self.block(block::PB, &body)
    }

    /// Writes an Interface Statistics Block for `interface_id`, stamped `ts_ns`, with the
    /// counters that are `Some` (`isb_starttime`, `isb_endtime`, `isb_ifrecv`, `isb_ifdrop`,
    /// `isb_filteraccept`, `isb_osdrop`, `isb_usrdeliv`). Returns the block's offset.
    pub fn write_isb(
        &mut self,
        interface_id: u32,
        ts_ns: i64,
        stats: &InterfaceStatistics,
    ) -> io::Result<u64> {
        let clock = self.clock(interface_id)?;
        let mut body = Vec::with_capacity(96);
        let units = clock.units(ts_ns)?;
        self.put32(&mut body, interface_id);
        self.put32(&mut body, (units >> 32) as u32);
        self.put32(&mut body, units as u32);
        let mut opts = Vec::new();
        for (code, t) in [(2u16, stats.start_ns), (3, stats.end_ns)] {
            if let Some(t) = t {
                let u = clock.units(t)?;
                let mut v = Vec::with_capacity(8);
                self.put32(&mut v, (u >> 32) as u32);
                self.put32(&mut v, u as u32);
                self.opt(&mut opts, code, &v);
            }
        }
        for (code, n) in [
            (4u16, stats.if_recv),
            (5, stats.if_drop),
            (6, stats.filter_accept),
            (7, stats.os_drop),
            (8, stats.user_delivered),
        ] {
            if let Some(n) = n {
                let mut v = Vec::with_capacity(8);
                self.put64(&mut v, n);
                self.opt(&mut opts, code, &v);
            }
        }
        self.end_options(&mut body, &opts);
        self.block(block::ISB, &body)
    }

    /// Writes a block of any type with the given body (padded to 4 bytes): custom blocks
    /// (`0x00000BAD`), statistics, or types a reader does not know and must skip.
    pub fn write_block(&mut self, block_type: u32, body: &[u8]) -> io::Result<u64> {
        let mut b = body.to_vec();
        pad4(&mut b);
        self.block(block_type, &b)
    }

    /// Bytes written so far (the offset of the next block).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Flushes the underlying writer (for a live capture that others read while it grows).
    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.w
    }

    /// The underlying writer, for example to drain a `Vec<u8>` of whole records or blocks into
    /// a file between two packets (see [`PacketWriter`]). Bytes taken out of it still count in
    /// `offset()`.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.w
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.w.flush()?;
        Ok(self.w)
    }

    fn block(&mut self, block_type: u32, body: &[u8]) -> io::Result<u64> {
        let at = self.offset;
        let total = len_u32(body.len() + 12)?;
        let mut head = Vec::with_capacity(8);
        self.put32(&mut head, block_type);
        self.put32(&mut head, total);
        let mut tail = Vec::with_capacity(4);
        self.put32(&mut tail, total);
        self.w.write_all(&head)?;
        self.w.write_all(body)?;
        self.w.write_all(&tail)?;
        self.offset += u64::from(total);
        Ok(at)
    }

    /// Appends one option (code, length, value padded to 4 bytes).
    fn opt(&self, out: &mut Vec<u8>, code: u16, value: &[u8]) {
        self.put16(out, code);
        self.put16(out, value.len().min(u16::MAX as usize) as u16);
        out.extend_from_slice(value.get(..usize::from(u16::MAX)).unwrap_or(value));
        pad4(out);
    }

    /// Appends the options and `opt_endofopt`, if there are any options.
    fn end_options(&self, body: &mut Vec<u8>, opts: &[u8]) {
        if !opts.is_empty() {
            body.extend_from_slice(opts);
            self.put16(body, 0);
            self.put16(body, 0);
        }
    }

    fn put16(&self, out: &mut Vec<u8>, v: u16) {
        if self.big_endian {
            out.extend_from_slice(&v.to_be_bytes());
        } else {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn put32(&self, out: &mut Vec<u8>, v: u32) {
        if self.big_endian {
            out.extend_from_slice(&v.to_be_bytes());
        } else {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn put64(&self, out: &mut Vec<u8>, v: u64) {
        if self.big_endian {
            out.extend_from_slice(&v.to_be_bytes());
        } else {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
}

fn pad4(v: &mut Vec<u8>) {
    while v.len() % 4 != 0 {
        v.push(0);
    }
}

/// Counters of an Interface Statistics Block (pcapng); `None` is not written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InterfaceStatistics {
    /// `isb_starttime`: when counting started, epoch nanoseconds.
    pub start_ns: Option<i64>,
    /// `isb_endtime`: when counting ended, epoch nanoseconds.
    pub end_ns: Option<i64>,
    /// `isb_ifrecv`: packets received by the interface (libpcap's `ps_recv`).
    pub if_recv: Option<u64>,
    /// `isb_ifdrop`: packets the interface or its driver dropped (libpcap's `ps_ifdrop`).
    pub if_drop: Option<u64>,
    /// `isb_filteraccept`: packets the capture filter accepted.
    pub filter_accept: Option<u64>,
    /// `isb_osdrop`: packets the operating system dropped for lack of buffer (libpcap's
    /// `ps_drop`).
    pub os_drop: Option<u64>,
    /// `isb_usrdeliv`: packets delivered to the writer.
    pub user_delivered: Option<u64>,
}

/// What a capture stream records about itself: one interface, in one section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamOptions<'a> {
    /// Link type (`LINKTYPE_*`).
    pub link_type: LinkType,
    /// Snap length.
    pub snaplen: u32,
    /// Timestamps with nanosecond resolution (pcapng `if_tsresol` 9, pcap magic `a1b23c4d`)
    /// instead of microseconds.
    pub nanos: bool,
    /// `if_name` (pcapng only).
    pub interface: Option<&'a str>,
    /// `if_description` (pcapng only).
    pub description: Option<&'a str>,
    /// `if_filter`, the libpcap filter string (pcapng only).
    pub filter: Option<&'a str>,
    /// `shb_os` (pcapng only).
    pub os: Option<&'a str>,
    /// `shb_hardware` (pcapng only).
    pub hardware: Option<&'a str>,
    /// `shb_userappl` (pcapng only).
    pub user_appl: Option<&'a str>,
}

impl StreamOptions<'_> {
    /// A stream of `link_type` frames, snap length 262144, microseconds, nothing else recorded.
    pub fn new(link_type: LinkType) -> Self {
        StreamOptions {
            link_type,
            snaplen: 262_144,
            nanos: false,
            interface: None,
            description: None,
            filter: None,
            os: None,
            hardware: None,
            user_appl: None,
        }
    }
}

/// A pcap or pcapng writer for one capture stream (one interface), as a capture tool writes:
/// the header on creation, then packets, then (pcapng) interface statistics.
///
/// Every record or block reaches the underlying writer whole, in one sequence of `write_all`
/// calls made by one method. Over a `Vec<u8>`, which the caller drains into a file between two
/// packets ([`get_mut`](Self::get_mut)), the file therefore only ever grows by whole records:
/// a capture killed at any moment leaves a file that reads to its last packet.
///
/// ```
/// use pcapscope::capture::write::{PacketWriter, StreamOptions};
/// use pcapscope::capture::{linktype, Format, Reader};
///
/// let opts = StreamOptions {
///     interface: Some("eth0"),
///     filter: Some("udp port 53"),
///     nanos: true,
///     ..StreamOptions::new(linktype::ETHERNET)
/// };
/// let mut w = PacketWriter::new(Vec::new(), Format::Pcapng, &opts)?;
/// w.write_packet(1_700_000_000_000_000_001, 60, &[0u8; 60])?;
/// let mut file = std::mem::take(w.get_mut()); // whole blocks only
/// w.write_packet(1_700_000_000_000_000_002, 60, &[0u8; 60])?;
/// file.extend(w.into_inner()?);
///
/// let mut r = Reader::new(&file[..])?;
/// assert_eq!(r.next_frame()?.unwrap().ts_ns, 1_700_000_000_000_000_001);
/// assert_eq!(r.next_frame()?.unwrap().ts_ns, 1_700_000_000_000_000_002);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub enum PacketWriter<W: Write> {
    /// A pcap file (little-endian).
    Pcap(PcapWriter<W>),
    /// A pcapng section with one interface (id 0).
    Pcapng(PcapngWriter<W>),
}

impl<W: Write> PacketWriter<W> {
    /// Writes the file header (pcap) or the Section Header and Interface Description Blocks
    /// (pcapng).
    pub fn new(w: W, format: super::Format, opts: &StreamOptions<'_>) -> io::Result<Self> {
        Ok(match format {
            super::Format::Pcap => PacketWriter::Pcap(PcapWriter::new(
                w,
                PcapOptions {
                    snaplen: opts.snaplen,
                    nanos: opts.nanos,
                    ..PcapOptions::new(opts.link_type)
                },
            )?),
            super::Format::Pcapng => {
                let mut ng = PcapngWriter::new(
                    w,
                    &SectionOptions {
                        hardware: opts.hardware,
                        os: opts.os,
                        user_appl: opts.user_appl,
                        ..Default::default()
                    },
                )?;
                ng.add_interface(&InterfaceOptions {
                    snaplen: opts.snaplen,
                    name: opts.interface,
                    description: opts.description,
                    filter: opts.filter,
                    tsresol: Some(if opts.nanos { 9 } else { 6 }),
                    ..InterfaceOptions::new(opts.link_type)
                })?;
                PacketWriter::Pcapng(ng)
            }
        })
    }

    /// The container format.
    pub fn format(&self) -> super::Format {
        match self {
            PacketWriter::Pcap(_) => super::Format::Pcap,
            PacketWriter::Pcapng(_) => super::Format::Pcapng,
        }
    }

    /// Writes one packet: `data` is what was captured, `orig_len` the length on the wire.
    /// Returns its offset.
    pub fn write_packet(&mut self, ts_ns: i64, orig_len: u32, data: &[u8]) -> io::Result<u64> {
        match self {
            PacketWriter::Pcap(w) => w.write_packet(ts_ns, orig_len, data),
            PacketWriter::Pcapng(w) => w.write_epb(0, ts_ns, orig_len, data, None),
        }
    }

    /// Writes an Interface Statistics Block stamped `ts_ns` (pcapng); pcap has no place for
    /// statistics, so nothing is written there. Returns whether a block was written.
    pub fn write_statistics(
        &mut self,
        ts_ns: i64,
        stats: &InterfaceStatistics,
    ) -> io::Result<bool> {
        match self {
            PacketWriter::Pcap(_) => Ok(false),
            PacketWriter::Pcapng(w) => w.write_isb(0, ts_ns, stats).map(|_| true),
        }
    }

    /// Bytes written so far, drained or not.
    pub fn offset(&self) -> u64 {
        match self {
            PacketWriter::Pcap(w) => w.offset(),
            PacketWriter::Pcapng(w) => w.offset(),
        }
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            PacketWriter::Pcap(w) => w.flush(),
            PacketWriter::Pcapng(w) => w.flush(),
        }
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        match self {
            PacketWriter::Pcap(w) => w.get_ref(),
            PacketWriter::Pcapng(w) => w.get_ref(),
        }
    }

    /// The underlying writer; between two calls of this writer it holds whole records only.
    pub fn get_mut(&mut self) -> &mut W {
        match self {
            PacketWriter::Pcap(w) => w.get_mut(),
            PacketWriter::Pcapng(w) => w.get_mut(),
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> io::Result<W> {
        match self {
            PacketWriter::Pcap(w) => w.into_inner(),
            PacketWriter::Pcapng(w) => w.into_inner(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::capture::{linktype, ErrorKind, Format, Reader, NO_TIMESTAMP};

    const T0: i64 = 1_700_000_000_123_456_789;

    /// number, ts_ns, orig_len, cap_len, link_type, interface_id, data
    type Row = (u64, i64, u32, u32, u32, u32, Vec<u8>);

    fn frames(bytes: &[u8]) -> Vec<Row> {
        let mut r = Reader::with_buffer_size(bytes, 64).unwrap();
        let mut out = Vec::new();
        while let Some(f) = r.next_frame().unwrap() {
            let off = f.data_offset as usize;
            assert_eq!(&bytes[off..off + f.data.len()], f.data, "data_offset");
            out.push((
                f.number,
                f.ts_ns,
                f.orig_len,
                f.cap_len,
                f.link_type,
                f.interface_id,
                f.data.to_vec(),
            ));
        }
        out
    }

    #[test]
    fn pcap_round_trips_in_every_layout() {
        for (be, nanos, modified) in [
            (false, false, false),
            (true, false, false),
            (false, true, false),
            (true, true, false),
            (false, false, true),
            (true, false, true),
        ] {
            let opts = PcapOptions {
                big_endian: be,
                nanos,
                modified,
                ..PcapOptions::new(linktype::RAW)
            };
            let mut w = PcapWriter::new(Vec::new(), opts).unwrap();
            let a = w.write_packet(T0, 100, &[0x45; 40]).unwrap();
            let b = w.write_packet(T0 + 1_000, 3, &[1, 2, 3]).unwrap();
            assert_eq!(a, 24);
            assert_eq!(b, 24 + if modified { 24 } else { 16 } + 40);
            let bytes = w.into_inner().unwrap();
            let r = Reader::new(&bytes[..]).unwrap();
            assert_eq!(r.format(), Format::Pcap);
            assert_eq!(r.link_types(), &[linktype::RAW]);
            let got = frames(&bytes);
            let expect_ts = if nanos && !modified {
                T0
            } else {
                T0 - T0 % 1000
            };
            assert_eq!(got.len(), 2, "{opts:?}");
            assert_eq!(got[0].1, expect_ts, "{opts:?}");
            assert_eq!((got[0].2, got[0].3), (100, 40));
            assert_eq!(got[1].1, expect_ts + 1000);
            assert_eq!(got[1].6, vec![1, 2, 3]);
        }
    }

    #[test]
    fn pcapng_round_trips_sections_interfaces_and_blocks() {
        let mut w = PcapngWriter::new(
            Vec::new(),
            &SectionOptions {
                user_appl: Some("pcapscope tests"),
                os: Some("Linux"),
                hardware: Some("x86_64"),
                comment: Some("first section"),
                ..Default::default()
            },
        )
        .unwrap();
        let eth = w
            .add_interface(&InterfaceOptions {
                name: Some("eth0"),
                filter: Some("tcp port 80"),
                snaplen: 65535,
                ..InterfaceOptions::new(linktype::ETHERNET)
            })
            .unwrap();
        let raw = w
            .add_interface(&InterfaceOptions {
                tsresol: Some(9),
                tsoffset: 1_000,
                ..InterfaceOptions::new(linktype::IPV4)
            })
            .unwrap();
        let bin = w
            .add_interface(&InterfaceOptions {
                tsresol: Some(0x80 | 20),
                ..InterfaceOptions::new(linktype::LINUX_SLL)
            })
            .unwrap();
        assert_eq!((eth, raw, bin), (0, 1, 2));
        w.write_epb(eth, T0, 60, &[1; 60], Some(1)).unwrap();
        w.write_epb(raw, T0, 20, &[0x45; 20], None).unwrap();
        // 2^-20 s units: T0 rounds down to a multiple of 1/1048576 s.
        w.write_epb(bin, T0, 5, &[9; 5], None).unwrap();
        w.write_block(0x0000_0BAD, b"custom block payload").unwrap();
        w.write_block(0x7777_0001, &[0xAA; 7]).unwrap();
        w.write_spb(70, &[2; 70]).unwrap();
        w.write_obsolete_pb(eth as u16, 3, T0 + 5_000, 61, &[3; 61])
            .unwrap();
        w.new_section(&SectionOptions {
            big_endian: true,
            ..Default::default()
        })
        .unwrap();
        let ppp = w
            .add_interface(&InterfaceOptions {
                tsresol: Some(3),
                tsoffset: -7,
                snaplen: 16,
                ..InterfaceOptions::new(linktype::PPP)
            })
            .unwrap();
        assert_eq!(ppp, 0);
        w.write_epb(ppp, T0, 40, &[4; 16], Some(2)).unwrap();
        w.write_spb(40, &[5; 16]).unwrap();
        let bytes = w.into_inner().unwrap();

        let r = Reader::new(&bytes[..]).unwrap();
        assert_eq!(r.format(), Format::Pcapng);
        // Link types of the first section are known before the first frame.
        assert_eq!(
            r.link_types(),
            &[linktype::ETHERNET, linktype::IPV4, linktype::LINUX_SLL]
        );
        let got = frames(&bytes);
        let summary: Vec<_> = got.iter().map(|f| (f.0, f.1, f.2, f.3, f.4, f.5)).collect();
        let us = T0 - T0 % 1000;
        let ms = T0 - T0 % 1_000_000;
        let units20 = (T0 as i128 * (1 << 20) / 1_000_000_000) as i64;
        let bin_ts = (units20 as i128 * 1_000_000_000 / (1 << 20)) as i64;
        assert_eq!(
            summary,
            vec![
                (1, us, 60, 60, linktype::ETHERNET, 0),
                (2, T0, 20, 20, linktype::IPV4, 1),
                (3, bin_ts, 5, 5, linktype::LINUX_SLL, 2),
                (4, NO_TIMESTAMP, 70, 70, linktype::ETHERNET, 0),
                (5, us + 5_000, 61, 61, linktype::ETHERNET, 0),
                (6, ms, 40, 16, linktype::PPP, 0),
                (7, NO_TIMESTAMP, 40, 16, linktype::PPP, 0),
            ]
        );
        assert!(bin_ts <= T0 && T0 - bin_ts < 1_000);
        assert_eq!(got[6].6, vec![5; 16]);
        let mut r = Reader::new(&bytes[..]).unwrap();
        while r.next_frame().unwrap().is_some() {}
        assert_eq!(
            r.link_types(),
            &[
                linktype::ETHERNET,
                linktype::IPV4,
                linktype::LINUX_SLL,
                linktype::PPP
            ]
        );
    }

    #[test]
    fn writer_rejects_what_it_cannot_write() {
        let mut w = PcapngWriter::new(Vec::new(), &SectionOptions::default()).unwrap();
        assert!(
            w.write_epb(0, T0, 1, &[0], None).is_err(),
            "no interface yet"
        );
        let id = w
            .add_interface(&InterfaceOptions {
                tsoffset: 2_000_000_000,
                ..InterfaceOptions::new(linktype::ETHERNET)
            })
            .unwrap();
        assert!(
            w.write_epb(id, T0, 1, &[0], None).is_err(),
            "before tsoffset"
        );
        assert!(w
            .add_interface(&InterfaceOptions {
                tsresol: Some(30),
                ..InterfaceOptions::new(linktype::ETHERNET)
            })
            .is_err());
        let mut p = PcapWriter::new(Vec::new(), PcapOptions::new(1)).unwrap();
        assert!(p.write_packet(-1, 1, &[0]).is_err());
    }

    #[test]
    fn packet_writer_writes_both_formats_with_stream_metadata() {
        let opts = StreamOptions {
            snaplen: 96,
            nanos: true,
            interface: Some("lo"),
            description: Some("Loopback"),
            filter: Some("udp port 5353"),
            os: Some("Linux 6.1"),
            hardware: Some("x86_64"),
            user_appl: Some("pcapscope 0.1.0"),
            ..StreamOptions::new(linktype::ETHERNET)
        };
        for format in [Format::Pcap, Format::Pcapng] {
            let mut w = PacketWriter::new(Vec::new(), format, &opts).unwrap();
            assert_eq!(w.format(), format);
            w.write_packet(T0, 120, &[7; 96]).unwrap();
            // Drain what is written so far, as the capture does between packets.
            let mut file = std::mem::take(w.get_mut());
            assert_eq!(file.len() as u64, w.offset());
            let second = w.write_packet(T0 + 1, 10, &[8; 10]).unwrap();
            assert_eq!(second, file.len() as u64);
            let stats = InterfaceStatistics {
                start_ns: Some(T0 - 1_000_000_000),
                end_ns: Some(T0 + 1_000_000_000),
                if_recv: Some(3),
                if_drop: Some(0),
                os_drop: Some(1),
                user_delivered: Some(2),
                ..Default::default()
            };
            let wrote = w.write_statistics(T0 + 2, &stats).unwrap();
            assert_eq!(wrote, format == Format::Pcapng);
            file.extend(w.into_inner().unwrap());
            let got = frames(&file);
            assert_eq!(got.len(), 2, "{format:?}");
            assert_eq!((got[0].1, got[0].2, got[0].3), (T0, 120, 96));
            assert_eq!((got[1].1, got[1].6.len()), (T0 + 1, 10));
            let has = |needle: &str| file.windows(needle.len()).any(|w| w == needle.as_bytes());
            let ng = format == Format::Pcapng;
            for text in [
                "lo",
                "Loopback",
                "udp port 5353",
                "Linux 6.1",
                "pcapscope 0.1.0",
            ] {
                assert_eq!(has(text), ng, "{text} in {format:?}");
            }
        }
    }

    #[test]
    fn statistics_block_is_well_formed() {
        let mut w = PcapngWriter::new(Vec::new(), &SectionOptions::default()).unwrap();
        w.add_interface(&InterfaceOptions {
            tsresol: Some(9),
            ..InterfaceOptions::new(linktype::ETHERNET)
        })
        .unwrap();
        let at = w
            .write_isb(
                0,
                T0,
                &InterfaceStatistics {
                    start_ns: Some(T0 - 5),
                    if_recv: Some(0x0102_0304_0506_0708),
                    ..Default::default()
                },
            )
            .unwrap();
        let bytes = w.into_inner().unwrap();
        let b = &bytes[at as usize..];
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
        assert_eq!(u32_at(0), 5, "block type");
        let total = u32_at(4) as usize;
        assert_eq!(total, b.len());
        assert_eq!(u32_at(total - 4) as usize, total, "trailing length");
        assert_eq!(u32_at(8), 0, "interface id");
        let ts = (u64::from(u32_at(12)) << 32) | u64::from(u32_at(16));
        assert_eq!(ts as i64, T0);
        // isb_starttime (2), isb_ifrecv (4), opt_endofopt.
        assert_eq!(&b[20..24], &[2, 0, 8, 0]);
        let start = (u64::from(u32_at(24)) << 32) | u64::from(u32_at(28));
        assert_eq!(start as i64, T0 - 5);
        assert_eq!(&b[32..36], &[4, 0, 8, 0]);
        assert_eq!(&b[36..44], &0x0102_0304_0506_0708u64.to_le_bytes());
        assert_eq!(&b[44..48], &[0, 0, 0, 0]);
        assert_eq!(total, 52);
        // The reader skips it.
        assert!(frames(&bytes).is_empty());
    }

    #[test]
    fn unknown_interface_in_written_file_is_reported() {
        let mut w = PcapngWriter::new(Vec::new(), &SectionOptions::default()).unwrap();
        w.add_interface(&InterfaceOptions::new(linktype::ETHERNET))
            .unwrap();
        w.write_epb(0, T0, 1, &[0], None).unwrap();
        let second = w.offset();
        // A section with no interface, then a simple packet.
        w.new_section(&SectionOptions::default()).unwrap();
        let spb = w.write_spb(4, &[1, 2, 3, 4]).unwrap();
        assert!(spb > second);
        let bytes = w.into_inner().unwrap();
        let mut r = Reader::new(&bytes[..]).unwrap();
        assert!(r.next_frame().unwrap().is_some());
        let e = r.next_frame().unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownInterface { id: 0 });
        assert_eq!((e.offset, e.frame), (spb, 2));
        assert!(r.next_frame().unwrap().is_none());
    }
}
