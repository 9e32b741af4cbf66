//! The whole one-pass analysis: reader → decoder → aggregates (and optionally the index).
//!
//! [`Engine`] is the incremental form the Web Worker drives chunk by chunk; [`analyze`] is the
//! one-call form the native `pcapscope stats` uses.

use crate::capture::{CaptureError, Format, Frame, LinkType, Reader};
use crate::decode::{Decoder, PacketRecord};
use crate::index::PacketIndex;
use crate::stats::{Aggregator, Limits, Snapshot};
use std::io::Read;

/// Reading could not start: the input is not a capture or cannot be read.
pub type AnalyzeError = CaptureError;

/// What the engine keeps besides the aggregates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Caps on the aggregate tables.
    pub limits: Limits,
    /// Build the per-packet index (for the packet table, sorting and filtering).
    pub index: bool,
}

/// The decoder, aggregates and (optionally) index, fed one frame at a time.
#[derive(Debug)]
pub struct Engine {
    decoder: Decoder,
    stats: Aggregator,
    index: Option<PacketIndex>,
}

impl Engine {
    /// An empty engine.
    pub fn new(options: Options) -> Self {
        Engine {
            decoder: Decoder::new(),
            stats: Aggregator::new(options.limits),
            index: options.index.then(PacketIndex::default),
        }
    }

    /// Decodes and aggregates one frame; returns its record.
    #[inline]
    pub fn push(&mut self, frame: &Frame<'_>) -> PacketRecord {
        let record = self.decoder.decode(frame);
        self.stats.push(&record);
        if let Some(index) = self.index.as_mut() {
            index.push(frame, &record);
        }
        record
    }

    /// The aggregates so far.
    pub fn snapshot(&self, top: Option<usize>) -> Snapshot {
        self.stats.snapshot(top)
    }

    /// The decoder (for its side table of names).
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// The aggregator.
    pub fn aggregator(&self) -> &Aggregator {
        &self.stats
    }

    /// The index, if one is built.
    pub fn index(&self) -> Option<&PacketIndex> {
        self.index.as_ref()
    }
}

/// The result of reading a whole capture.
#[derive(Debug)]
pub struct Analysis {
    /// Container format.
    pub format: Format,
    /// Whether the input was gzip-compressed.
    pub gzip: bool,
    /// Link types declared, in order of first appearance.
    pub link_types: Vec<LinkType>,
    /// Every aggregate (all rows, not cut to a top N).
    pub snapshot: Snapshot,
    /// The damage that stopped reading early, if any; `snapshot` holds everything before it.
    pub error: Option<CaptureError>,
    /// The engine, for anything beyond the snapshot (names, index).
    pub engine: Engine,
}

impl Analysis {
    /// Whether the file was read to its end.
    pub fn complete(&self) -> bool {
        self.error.is_none()
    }
}

/// Reads a whole capture with default options (no index). Fails only when reading cannot
/// start; damage part way is reported in [`Analysis::error`].
pub fn analyze<R: Read>(input: R) -> Result<Analysis, AnalyzeError> {
    analyze_with(input, Options::default())
}

/// Reads a whole capture with the given options.
pub fn analyze_with<R: Read>(input: R, options: Options) -> Result<Analysis, AnalyzeError> {
    let mut reader = Reader::new(input)?;
    let mut engine = Engine::new(options);
    let error = loop {
        match reader.next_frame() {
            Ok(Some(frame)) => {
                engine.push(&frame);
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    Ok(Analysis {
        format: reader.format(),
        gzip: reader.is_gzip(),
        link_types: reader.link_types().to_vec(),
        snapshot: engine.snapshot(None),
        error,
        engine,
    })
}
