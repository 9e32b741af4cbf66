//! The capture layer's error type.

use std::fmt;

/// Why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input does not start with a pcap, pcapng or gzip magic number.
    NotACapture,
    /// The file ends in the middle of a header, record or block.
    Truncated,
    /// A pcap record header claims more captured bytes than [`super::MAX_RECORD_LEN`].
    RecordTooLarge {
        /// The captured length the record header claims.
        len: u64,
    },
    /// A pcapng block claims more bytes than [`super::MAX_BLOCK_LEN`].
    BlockTooLarge {
        /// The length the block header claims.
        len: u64,
    },
    /// A pcapng block length that cannot be right (not a multiple of 4, shorter than a block
    /// header, or the trailing copy differs).
    BadBlockLength {
        /// The length the block header claims.
        len: u64,
    },
    /// A pcapng packet block claims more captured bytes than the block holds.
    CapLenExceedsBlock {
        /// The captured length the block claims.
        cap_len: u64,
        /// The bytes the block has room for.
        room: u64,
    },
    /// A packet refers to an interface that no Interface Description Block declared.
    UnknownInterface {
        /// The interface id in the packet block.
        id: u32,
    },
    /// A packet block appeared before any Section Header Block.
    NoSection,
    /// The gzip stream is corrupt.
    Gzip(String),
    /// Any other structural problem the parser found.
    Malformed(String),
    /// Reading the underlying source failed.
    Io(std::io::ErrorKind, String),
}

/// Reading stopped at `offset` (byte offset in the decompressed stream) while reading frame
/// number `frame` (the first frame that was *not* yielded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Byte offset where the damaged header, record or block starts.
    pub offset: u64,
    /// Number of the frame that could not be read (frames before it were all yielded).
    pub frame: u64,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::NotACapture => f.write_str("not a pcap or pcapng file"),
            ErrorKind::Truncated => f.write_str("the file is cut short in the middle of a packet"),
            ErrorKind::RecordTooLarge { len } => write!(
                f,
                "a packet record claims {len} captured bytes (more than the {} KiB limit)",
                super::MAX_RECORD_LEN / 1024
            ),
            ErrorKind::BlockTooLarge { len } => write!(
                f,
                "a block claims {len} bytes (more than the {} MiB limit)",
                super::MAX_BLOCK_LEN / (1024 * 1024)
            ),
            ErrorKind::BadBlockLength { len } => {
                write!(f, "a block has an impossible length ({len})")
            }
            ErrorKind::CapLenExceedsBlock { cap_len, room } => write!(
                f,
                "a packet block claims {cap_len} captured bytes but has room for {room}"
            ),
            ErrorKind::UnknownInterface { id } => {
                write!(
                    f,
                    "a packet refers to interface {id}, which was never described"
                )
            }
            ErrorKind::NoSection => f.write_str("a block appears before any section header"),
            ErrorKind::Gzip(m) => write!(f, "the gzip stream is corrupt: {m}"),
            ErrorKind::Malformed(m) => write!(f, "malformed capture: {m}"),
            ErrorKind::Io(_, m) => write!(f, "read error: {m}"),
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at byte {}, frame {})",
            self.kind, self.offset, self.frame
        )
    }
}

impl std::error::Error for CaptureError {}
