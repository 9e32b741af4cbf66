//! Messages between the page (main thread) and its worker: one enum each way, posted as JSON
//! text ([`encode`] / [`decode`]).
//!
//! JSON text rather than serde-wasm-bindgen's JS objects: a snapshot holds hundreds of 64-bit
//! numbers, which serde-wasm-bindgen must make BigInts to keep nanosecond times exact, and
//! walking that object graph on the main thread took up to 50 ms (measured by
//! `cargo xtask bench`); parsing the same snapshot from text in Wasm is far cheaper, and
//! integers stay exact.
//!
//! The `File` to analyze cannot be serialized: the page posts `{ msg, file }`, where `msg` is an
//! encoded [`ToWorker`] and `file` the `File` object itself (a structured clone, no copy). A
//! live capture's messages ([`LiveToWorker`]) travel the same way: `{ live, chunk }` with the
//! `ArrayBuffer` transferred.

use crate::capture::{Format, LinkType};
use crate::dissect::Dissection;
use crate::geo::{DbInfo, GeoView};
use crate::health::detect::Thresholds;
use crate::health::HealthReport;
use crate::index::SortKey;
use crate::stats::Snapshot;
use crate::traffic::{HeatMap, HostGraph, Matrix};
use crate::view::Coloring;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A message as the text that crosses `postMessage`.
pub fn encode<T: Serialize>(msg: &T) -> String {
    // Serializing these plain types cannot fail (no maps with non-string keys, no I/O).
    serde_json::to_string(msg).unwrap_or_default()
}

/// A message from the text that crossed `postMessage`.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Rows kept in each top-N table of a snapshot sent to the page.
pub const SNAPSHOT_TOP: usize = 50;

/// From the page to the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Analyze the `File` posted beside this message.
    Open {
        /// The file's name, for messages.
        name: String,
    },
    /// Show only the packets `filter` keeps, in the order of `sort`: the worker re-aggregates
    /// over its index and answers [`FromWorker::View`] with the same `id`.
    View {
        /// Increases with every request, so that late answers can be told apart.
        id: u32,
        /// Display filter text (empty: every packet).
        filter: String,
        /// Column the packet table is sorted by.
        sort: SortKey,
        /// Descending order.
        descending: bool,
    },
    /// Rows `start..start + count` of view `view`, for the packet table.
    Rows {
        /// The view the rows are of.
        view: u32,
        /// First row (0-based position in the view).
        start: u64,
        /// Number of rows.
        count: u32,
    },
    /// One packet's layers and bytes.
    Detail {
        /// Frame number, from 1.
        number: u64,
    },
    /// The health report of view `view` with these detector thresholds: the worker answers
    /// [`FromWorker::Health`].
    Health {
        /// The view the report is of.
        view: u32,
        /// Detector thresholds (missing or nonsensical values fall back to the defaults).
        thresholds: Box<Thresholds>,
    },
    /// One of the traffic views (heatmaps, matrix, host graph, map) of view `view`: the worker
    /// answers [`FromWorker::Traffic`] (or [`FromWorker::TrafficRejected`]). A map asked for
    /// before the country database is loaded starts loading it and is answered by
    /// [`FromWorker::GeoDatabase`] alone: the page asks again.
    Traffic {
        /// The view the result is of.
        view: u32,
        /// Which view, with its options.
        request: TrafficRequest,
    },
    /// Use the MaxMind `.mmdb` file posted beside this message (`{ msg, file }`, like
    /// [`ToWorker::Open`]) as the country database for the rest of the session; the worker
    /// answers [`FromWorker::GeoDatabase`].
    GeoDatabase {
        /// The file's name, shown on the page.
        name: String,
    },
}

/// From the page to the worker, about a live capture (`pcapscope capture --live`): posted as
/// `{ live, chunk? }`, where `live` is an encoded `LiveToWorker` (kept apart from
/// [`ToWorker`], whose requests are about a capture once it is read).
///
/// The worker reads the capture as each chunk arrives (progress at most every 250 ms) until
/// [`LiveToWorker::End`]: then it ends as a file does ([`FromWorker::Done`]), stays as the
/// session, and offers the whole capture as a file ([`FromWorker::LiveFile`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LiveToWorker {
    /// A live capture starts: its bytes follow in [`LiveToWorker::Chunk`] messages.
    Open {
        /// The capture's name (`live-IFACE.pcapng`), for messages and the saved file.
        name: String,
    },
    /// The next bytes of the live capture: the `ArrayBuffer` posted (transferred, not copied)
    /// beside this message as `chunk`. Concatenated, the chunks are the capture file; a chunk
    /// may end anywhere, even inside a block.
    Chunk,
    /// The live capture ended (the capture stopped, the connection closed, or the person
    /// stopped viewing).
    End,
}

/// Where reading stopped early.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Damage {
    /// Byte offset of the damaged record or block (in the decompressed stream for gzip).
    pub offset: u64,
    /// Number of the first frame that could not be read.
    pub frame: u64,
    /// What went wrong, for people.
    pub message: String,
}

/// What the file is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// Container format.
    pub format: Format,
    /// Whether it was gzip-compressed.
    pub gzip: bool,
    /// Link types declared, in order of first appearance.
    pub link_types: Vec<LinkType>,
    /// Size of the file in bytes.
    pub size: u64,
}

/// One row of the packet table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// Frame number, from 1.
    pub number: u64,
    /// Timestamp, ns since the epoch.
    pub ts_ns: i64,
    /// Source column (innermost network address, else link address).
    pub source: String,
    /// Destination column.
    pub destination: String,
    /// Protocol column (the highest protocol dissected).
    pub protocol: String,
    /// Length on the wire.
    pub length: u32,
    /// Info column.
    pub info: String,
    /// Colouring rule.
    pub color: Coloring,
}

/// Which traffic view to compute ([`ToWorker::Traffic`]), with its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrafficRequest {
    /// Host × time heatmap of the `top_n` hosts by bytes.
    HostTime {
        /// Rows.
        top_n: u32,
    },
    /// Port × time heatmap of the `top_n` service ports by bytes.
    PortTime {
        /// Rows.
        top_n: u32,
    },
    /// Source × destination matrix of the `top_n` sources and destinations.
    Matrix {
        /// Rows and columns.
        top_n: u32,
    },
    /// Host graph of the `top_n` hosts, laid out.
    Graph {
        /// Nodes.
        top_n: u32,
    },
    /// Traffic by country for the map.
    Geo,
}

/// A computed traffic view ([`FromWorker::Traffic`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrafficResult {
    /// Host × time or port × time ([`HeatMap::kind`] says which).
    Heat(HeatMap),
    /// Source × destination.
    Matrix(Matrix),
    /// The host graph (nodes' countries set when a country database is loaded).
    Graph(HostGraph),
    /// Traffic by country.
    Geo(GeoView),
}

/// From the worker to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker's Wasm is initialised; messages sent before this are lost.
    Ready,
    /// Reading is under way.
    Progress {
        /// What the file is (known after its header).
        info: FileInfo,
        /// Bytes of the file read so far.
        bytes_read: u64,
        /// Frames read so far.
        packets: u64,
        /// The aggregates so far.
        snapshot: Box<Snapshot>,
    },
    /// Reading ended: at the end of the file, or at damage (`damage`), keeping all before it.
    Done {
        /// What the file is.
        info: FileInfo,
        /// The final aggregates.
        snapshot: Box<Snapshot>,
        /// Where reading stopped early, if it did.
        damage: Option<Damage>,
        /// Time the analysis took, ms.
        elapsed_ms: f64,
        /// Size of the worker's Wasm memory at the end, bytes.
        wasm_memory: u64,
    },
    /// The file is not a capture (or could not be read at all).
    NotACapture {
        /// Why, for people.
        message: String,
    },
    /// The answer to [`ToWorker::View`]: the aggregates of the packets the filter keeps.
    View {
        /// The request's id.
        id: u32,
        /// The filter applied.
        filter: String,
        /// Packets kept.
        matched: u64,
        /// Packets in the capture.
        total: u64,
        /// Timestamp of the capture's first frame (the zero of `frame.time_relative`).
        reference_ns: Option<i64>,
        /// Aggregates over the packets kept.
        snapshot: Box<Snapshot>,
        /// Time the filtering and re-aggregation took, ms.
        elapsed_ms: f64,
    },
    /// A view could not be made: the filter does not compile, or no capture is loaded.
    ViewRejected {
        /// The request's id.
        id: u32,
        /// Why, for people.
        message: String,
    },
    /// The answer to [`ToWorker::Rows`].
    Rows {
        /// The view the rows are of.
        view: u32,
        /// Position of the first row.
        start: u64,
        /// The rows.
        rows: Vec<Row>,
        /// Timestamp of the row before `start` in the view, for delta times.
        prev_ts_ns: Option<i64>,
    },
    /// The answer to [`ToWorker::Detail`].
    Detail {
        /// Frame number.
        number: u64,
        /// The layer tree (empty when the bytes could not be read).
        dissection: Box<Dissection>,
        /// The frame's captured bytes, as lowercase hex.
        hex: String,
        /// Why the packet could not be read, if it could not.
        error: Option<String>,
    },
    /// The answer to [`ToWorker::Health`].
    Health {
        /// The view the report is of.
        view: u32,
        /// Findings over the whole capture; TCP and DNS figures over the view's packets.
        report: Box<HealthReport>,
        /// Time the report took, ms.
        elapsed_ms: f64,
    },
    /// The answer to [`ToWorker::Traffic`].
    Traffic {
        /// The view the result is of.
        view: u32,
        /// The result.
        result: Box<TrafficResult>,
        /// Time the computation took, ms.
        elapsed_ms: f64,
    },
    /// A traffic view could not be made.
    TrafficRejected {
        /// The view asked for.
        view: u32,
        /// Why, for people.
        message: String,
    },
    /// The country database changed (the bundled one was loaded, or a dropped file was
    /// read), or could not be loaded.
    GeoDatabase {
        /// The database in use now (`None`: none).
        info: Option<DbInfo>,
        /// What went wrong, if something did (a dropped file that is not a database keeps
        /// the one in use).
        error: Option<String>,
    },
    /// A live capture ended and is kept whole: an object URL of its `File`, made by the
    /// worker (it lives as long as the worker), for the page's "Save capture".
    LiveFile {
        /// File name to save it as.
        name: String,
        /// `blob:` URL of the capture.
        url: String,
        /// Its size in bytes.
        size: u64,
    },
    /// A live capture reached the most the page keeps: nothing after this point is read, and
    /// the capture ends here (a [`FromWorker::Done`] follows).
    LiveLimit {
        /// Why, for people.
        message: String,
    },
    /// The analysis itself failed (a bug): the page shows where it stopped.
    Crashed {
        /// The panic message.
        message: String,
        /// Bytes of the file read when it happened.
        bytes_read: u64,
    },
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_serde() {
        let m = FromWorker::Done {
            info: FileInfo {
                format: Format::Pcapng,
                gzip: false,
                link_types: vec![1, 113],
                size: 10,
            },
            snapshot: Box::default(),
            damage: Some(Damage {
                offset: 1234,
                frame: 7,
                message: "cut short".into(),
            }),
            elapsed_ms: 1.5,
            wasm_memory: 1 << 20,
        };
        assert_eq!(decode::<FromWorker>(&encode(&m)).unwrap(), m);
        let o = ToWorker::Open {
            name: "a.pcap".into(),
        };
        assert_eq!(decode::<ToWorker>(&encode(&o)).unwrap(), o);
        let mut snap = crate::stats::Snapshot::default();
        snap.summary.first_ns = Some(1_700_000_000_123_456_789);
        let p = FromWorker::Progress {
            info: FileInfo {
                format: Format::Pcap,
                gzip: true,
                link_types: vec![1],
                size: u64::MAX,
            },
            bytes_read: u64::MAX - 1,
            packets: 3,
            snapshot: Box::new(snap),
        };
        assert_eq!(
            decode::<FromWorker>(&encode(&p)).unwrap(),
            p,
            "64-bit values stay exact"
        );
        assert!(decode::<FromWorker>("{").is_err());
        for m in [
            LiveToWorker::Open {
                name: "live-lo.pcapng".into(),
            },
            LiveToWorker::Chunk,
            LiveToWorker::End,
        ] {
            assert_eq!(decode::<LiveToWorker>(&encode(&m)).unwrap(), m);
        }
        let f = FromWorker::LiveFile {
            name: "live-lo.pcapng".into(),
            url: "blob:http://127.0.0.1:1/x".into(),
            size: 1 << 40,
        };
        assert_eq!(decode::<FromWorker>(&encode(&f)).unwrap(), f);
    }
}
