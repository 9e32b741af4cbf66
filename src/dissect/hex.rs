//! The hex dump of a frame.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::ops::Range;

/// Bytes per row.
pub const ROW: usize = 16;

/// One row of a hex dump: up to 16 bytes.
///
/// Layout, as Wireshark's bytes pane: `hex` holds the bytes as two lowercase hex digits each,
/// separated by one space, with one more space after the eighth byte
/// (`"45 00 00 3c 1c 46 40 00  40 06 b1 e6 ac 10 00 01"`); `ascii` holds one character per
/// byte, `.` for bytes outside printable ASCII. [`HexRow::hex_span`] and
/// [`HexRow::ascii_span`] give where a node's byte range falls in them, for highlighting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HexRow {
    /// Offset of the row's first byte in the frame.
    pub offset: u32,
    /// The bytes in hex.
    pub hex: String,
    /// The bytes as ASCII.
    pub ascii: String,
}

impl HexRow {
    /// The offset as Wireshark prints it: four hex digits (more when needed).
    pub fn offset_text(&self) -> String {
        format!("{:04x}", self.offset)
    }

    /// Number of bytes in the row.
    pub fn len(&self) -> usize {
        self.ascii.len()
    }

    /// Whether the row holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.ascii.is_empty()
    }

    /// The bytes of `range` (offsets into the frame, as a node's `start..end`) that fall in
    /// this row, as indexes into the row (`0..16`); `None` when none do.
    pub fn overlap(&self, range: Range<usize>) -> Option<Range<usize>> {
        let first = self.offset as usize;
        let s = range.start.max(first);
        let e = range.end.min(first + self.len());
        (s < e).then(|| s - first..e - first)
    }

    /// Character positions in [`HexRow::hex`] covered by `range` (frame offsets).
    pub fn hex_span(&self, range: Range<usize>) -> Option<Range<usize>> {
        let r = self.overlap(range)?;
        let pos = |i: usize| 3 * i + usize::from(i >= 8);
        Some(pos(r.start)..pos(r.end - 1) + 2)
    }

    /// Character positions in [`HexRow::ascii`] covered by `range` (frame offsets).
    pub fn ascii_span(&self, range: Range<usize>) -> Option<Range<usize>> {
        self.overlap(range)
    }
}

/// The hex dump of `data`, 16 bytes a row.
pub fn hex_rows(data: &[u8]) -> Vec<HexRow> {
    data.chunks(ROW)
        .enumerate()
        .map(|(i, chunk)| {
            let mut hex = String::with_capacity(ROW * 3 + 1);
            let mut ascii = String::with_capacity(ROW);
            for (j, b) in chunk.iter().enumerate() {
                if j > 0 {
                    hex.push(' ');
                }
                if j == 8 {
                    hex.push(' ');
                }
                let _ = write!(hex, "{b:02x}");
                ascii.push(if (0x20..0x7f).contains(b) {
                    char::from(*b)
                } else {
                    '.'
                });
            }
            HexRow {
                offset: u32::try_from(i * ROW).unwrap_or(u32::MAX),
                hex,
                ascii,
            }
        })
        .collect()
}
