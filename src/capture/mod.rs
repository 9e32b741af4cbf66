//! Bytes to frames: a streaming reader for pcap and pcapng (optionally gzip-compressed), and
//! writers for both formats.
//!
//! The reader never needs the whole file: it pulls from any [`std::io::Read`] into a bounded
//! buffer, so the browser can feed it a `File` chunk by chunk. Every length read from the file
//! is checked against what is left and against [`MAX_RECORD_LEN`] / [`MAX_BLOCK_LEN`] before
//! anything is allocated.
//!
//! What it reads: pcap (either byte order, micro- or nanosecond, the modified/Kuznetzov
//! format) and pcapng (several sections in either byte order, several interfaces with their
//! own link types, snap lengths, `if_tsresol` and `if_tsoffset`; Enhanced, Simple and obsolete
//! Packet Blocks; other blocks skipped), each optionally gzip-compressed (recognised by
//! content). Frame counts, lengths and times match Wireshark's; frames without a timestamp
//! (Simple Packet Blocks) carry [`NO_TIMESTAMP`]. A damaged file yields every frame before the
//! damage, then one [`CaptureError`] naming the byte offset and frame number.

mod error;
mod read;
pub mod write;

pub use error::{CaptureError, ErrorKind};
pub use read::{Reader, DEFAULT_BUFFER_SIZE};

/// Largest packet record (captured bytes of one frame) the reader accepts: 256 KiB.
pub const MAX_RECORD_LEN: usize = 256 * 1024;
/// Largest pcapng block the reader accepts: 16 MiB.
pub const MAX_BLOCK_LEN: usize = 16 * 1024 * 1024;

/// The container format of a capture file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// libpcap format (any byte order, micro- or nanosecond, or the modified/Kuznetzov variant).
    Pcap,
    /// pcapng.
    Pcapng,
}

impl Format {
    /// The name used in reports (`"pcap"` / `"pcapng"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pcap => "pcap",
            Format::Pcapng => "pcapng",
        }
    }
}

/// A link-layer header type (`LINKTYPE_*` number, as in pcap headers and pcapng IDBs).
pub type LinkType = u32;

/// Well-known `LINKTYPE_*` values the decoder understands.
pub mod linktype {
    use super::LinkType;
    /// BSD loopback (4-byte address family in host byte order).
    pub const NULL: LinkType = 0;
    /// Ethernet II / 802.3.
    pub const ETHERNET: LinkType = 1;
    /// PPP (RFC 1661, with or without HDLC-like framing).
    pub const PPP: LinkType = 9;
    /// Raw IP (IPv4 or IPv6 by version nibble); 101 is the pcap value, 12/14 are old aliases.
    pub const RAW: LinkType = 101;
    /// Cisco HDLC.
    pub const C_HDLC: LinkType = 104;
    /// IEEE 802.11 without radio header.
    pub const IEEE802_11: LinkType = 105;
    /// OpenBSD loopback (4-byte address family in network byte order).
    pub const LOOP: LinkType = 108;
    /// Linux cooked capture v1.
    pub const LINUX_SLL: LinkType = 113;
    /// IEEE 802.11 with radiotap header.
    pub const IEEE802_11_RADIOTAP: LinkType = 127;
    /// Raw IPv4.
    pub const IPV4: LinkType = 228;
    /// Raw IPv6.
    pub const IPV6: LinkType = 229;
    /// Linux netfilter NFLOG.
    pub const NFLOG: LinkType = 239;
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: LinkType = 276;
}

/// The `ts_ns` of a frame that carries no timestamp (pcapng Simple Packet Block). Leave such
/// frames out of first/last time and time charts, as Wireshark does.
pub const NO_TIMESTAMP: i64 = i64::MIN;

/// One frame as read from the file. `data` borrows the reader's buffer: consume it before the
/// next call to [`Reader::next_frame`].
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Frame number, from 1, in file order (as Wireshark numbers frames).
    pub number: u64,
    /// Timestamp in integer nanoseconds since the Unix epoch (after `if_tsresol`/`if_tsoffset`),
    /// or [`NO_TIMESTAMP`] for a frame that has none (a pcapng Simple Packet Block; tshark
    /// shows no `frame.time_epoch` for it). [`Frame::timestamp`] gives an `Option`.
    pub ts_ns: i64,
    /// Original length on the wire (`frame.len`).
    pub orig_len: u32,
    /// Captured length (`frame.cap_len`) == `data.len()`.
    pub cap_len: u32,
    /// Link type of the interface the frame was captured on.
    pub link_type: LinkType,
    /// Byte offset of the first byte of `data` in the (decompressed) capture stream, so that
    /// one packet can be re-read later.
    pub data_offset: u64,
    /// Interface id (pcapng: index of the IDB within its section; pcap: 0).
    pub interface_id: u32,
    /// The captured bytes.
    pub data: &'a [u8],
}

impl Frame<'_> {
    /// The timestamp in epoch nanoseconds, `None` for a frame without one.
    #[inline]
    pub fn timestamp(&self) -> Option<i64> {
        (self.ts_ns != NO_TIMESTAMP).then_some(self.ts_ns)
    }
}
