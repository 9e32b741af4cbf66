//! The streaming reader (implementation in progress).

use super::{CaptureError, ErrorKind, Format, Frame, LinkType};
use std::io::Read;

/// A streaming pcap/pcapng reader over any [`Read`]; gzip input is recognised by its magic and
/// decompressed on the fly.
pub struct Reader<R: Read> {
    _inner: R,
}

impl<R: Read> Reader<R> {
    /// Reads the file header. Fails with [`ErrorKind::NotACapture`] when the input is not a
    /// capture at all.
    pub fn new(inner: R) -> Result<Self, CaptureError> {
        let _ = inner;
        Err(CaptureError {
            kind: ErrorKind::NotACapture,
            offset: 0,
            frame: 1,
        })
    }

    /// The container format.
    pub fn format(&self) -> Format {
        Format::Pcap
    }

    /// Whether the input was gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        false
    }

    /// Link types declared so far (pcap header; pcapng IDBs of every section), deduplicated,
    /// in order of first appearance.
    pub fn link_types(&self) -> &[LinkType] {
        &[]
    }

    /// Bytes consumed from the underlying (compressed, if gzip) source so far: for progress.
    pub fn source_bytes_read(&self) -> u64 {
        0
    }

    /// The next frame, `Ok(None)` at a clean end of file, or the error that stopped reading.
    /// After an error, further calls return `Ok(None)`.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        Ok(None)
    }
}
