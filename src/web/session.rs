//! The worker's answers about a loaded capture: views (filter + sort, re-aggregated over the
//! index), pages of packet-table rows, and one packet's details. Rows and details re-read the
//! packets' bytes from the `File` by the offsets in the index; the file is never held whole.

use super::load::{read_sync, Loaded};
use super::messages::{FromWorker, Row, ToWorker, TrafficRequest, SNAPSHOT_TOP};
use super::traffic_worker;
use super::worker::now;
use crate::capture::Reader;
use crate::dissect::{dissect_with, Dissection};
use crate::filter;
use crate::health::detect::Thresholds;
use crate::health::HealthReport;
use crate::index::{Entry, SortKey};
use crate::view::{self, address_columns, Coloring};
use std::io::{self, Read};
use web_sys::{File, FileReaderSync};

/// Events of each health chart series posted to the page.
const PAGE_SERIES_MAX: usize = 4096;
/// Rows one request may ask for (the page asks for a screenful and a margin).
pub const MAX_ROWS: u32 = 1000;
/// Rows whose bytes lie closer than this are read from the file in one piece.
const MERGE_GAP: u64 = 64 * 1024;

/// A loaded capture and the view the page shows of it.
pub struct Session {
    loaded: Loaded,
    view: View,
    /// The last capture-wide health report and the thresholds it was made with (changing a
    /// filter does not redo the findings; changing a threshold does).
    health: Option<(Thresholds, HealthReport)>,
}

/// The current view: which packets, in which order.
struct View {
    id: u32,
    /// Entry positions shown, in table order; `None` = every entry in file order.
    order: Option<Vec<u32>>,
    len: u64,
    /// The entries a filter kept, one bit per entry (`None`: no filter, every entry).
    kept: Option<Vec<u64>>,
    /// Their `tcp.analysis.*` flags, counted, and how many have TCP (when `kept` is set).
    tcp_counts: view::TcpAnalysisCounts,
    tcp_frames: u64,
    /// Frames with RST among them, counted at the view's first health report (a threshold
    /// change asks again for the same view).
    resets: Option<u64>,
}

impl View {
    /// Whether entry `pos` is in the view.
    fn keeps(&self, pos: usize) -> bool {
        self.kept
            .as_ref()
            .is_none_or(|bits| bits.get(pos / 64).is_some_and(|w| w >> (pos % 64) & 1 == 1))
    }
}

/// One bit per entry of `len`, set for `positions`.
fn bitset(len: usize, positions: &[u32]) -> Vec<u64> {
    let mut bits = vec![0u64; len.div_ceil(64)];
    for &p in positions {
        if let Some(w) = bits.get_mut(p as usize / 64) {
            *w |= 1 << (p % 64);
        }
    }
    bits
}

impl Session {
    /// A session over a capture read to its end; the first view shows every packet.
    pub fn new(loaded: Loaded) -> Self {
        traffic_worker::listen_for_databases();
        let len = loaded.engine.index().map_or(0, |i| i.len() as u64);
        Session {
            loaded,
            view: View {
                id: 0,
                order: None,
                len,
                kept: None,
                tcp_counts: view::TcpAnalysisCounts::default(),
                tcp_frames: 0,
                resets: None,
            },
            health: None,
        }
    }

    /// Answers one request.
    pub fn handle(&mut self, msg: ToWorker, post: &mut dyn FnMut(&FromWorker)) {
        match msg {
            ToWorker::Open { .. } => {}
            ToWorker::View {
                id,
                filter,
                sort,
                descending,
            } => post(&self.set_view(id, filter, sort, descending)),
            ToWorker::Rows { view, start, count } => {
                if view == self.view.id {
                    post(&self.rows(start, count));
                }
            }
            ToWorker::Detail { number } => post(&self.detail(number)),
            ToWorker::Health { view, thresholds } => {
                if view == self.view.id {
                    post(&self.health(view, &thresholds));
                }
            }
            ToWorker::Traffic { view, request } => {
                if view == self.view.id {
                    if let Some(answer) = self.traffic(view, request) {
                        post(&answer);
                    }
                }
            }
            // The file beside it is read by traffic_worker's own listener.
            ToWorker::GeoDatabase { .. } => {}
        }
    }

    /// A traffic view of the current view's packets (`None`: a map waiting for the country
    /// database, see [`traffic_worker::respond`]).
    fn traffic(&self, view: u32, request: TrafficRequest) -> Option<FromWorker> {
        let Some(index) = self.loaded.engine.index() else {
            return Some(FromWorker::TrafficRejected {
                view,
                message: "no packet index".into(),
            });
        };
        let positions = traffic_worker::kept_positions(self.view.kept.as_deref(), index.len());
        traffic_worker::respond(index, positions.as_deref(), view, request)
    }

    /// The health report of the current view: the findings are the whole capture's (a scan
    /// is a scan whatever the filter shows); the TCP and DNS figures are the view's.
    fn health(&mut self, view: u32, thresholds: &Thresholds) -> FromWorker {
        let started = now();
        let th = thresholds.sanitized();
        let report = match &self.health {
            Some((t, r)) if *t == th => r.clone(),
            _ => {
                let snapshot = self.loaded.engine.snapshot(None);
                let r = self
                    .loaded
                    .engine
                    .health(&snapshot, &th)
                    .unwrap_or_default();
                self.health = Some((th, r.clone()));
                r
            }
        };
        let mut report = match self.view.kept {
            Some(_) => {
                if self.view.resets.is_none() {
                    self.view.resets = Some(self.kept_resets());
                }
                self.restrict(report)
            }
            None => report,
        };
        // The page draws a few thousand points per chart at most; more would only make the
        // message long to parse on its main thread.
        report.series.thin(PAGE_SERIES_MAX);
        FromWorker::Health {
            view,
            report: Box::new(report),
            elapsed_ms: now() - started,
        }
    }

    /// `report` with its per-packet figures cut to the view's packets.
    fn restrict(&self, report: HealthReport) -> HealthReport {
        let mut report = report.restrict(|frame| {
            usize::try_from(frame)
                .ok()
                .and_then(|f| f.checked_sub(1))
                .is_some_and(|p| self.view.keeps(p))
        });
        let c = &self.view.tcp_counts;
        let n = |name: &str| c.get(name).unwrap_or(0);
        let t = &mut report.tcp_analysis;
        t.tcp_frames = self.view.tcp_frames;
        t.retransmissions = n("retransmission");
        t.fast_retransmissions = n("fast_retransmission");
        t.spurious_retransmissions = n("spurious_retransmission");
        t.out_of_order = n("out_of_order");
        t.lost_segments = n("lost_segment");
        t.ack_lost_segments = n("ack_lost_segment");
        t.duplicate_acks = n("duplicate_ack");
        t.zero_windows = n("zero_window");
        t.zero_window_probes = n("zero_window_probe");
        t.zero_window_probe_acks = n("zero_window_probe_ack");
        t.keep_alives = n("keep_alive");
        t.keep_alive_acks = n("keep_alive_ack");
        t.window_updates = n("window_update");
        t.window_full = n("window_full");
        t.reused_ports = n("reused_ports");
        t.resets = self.view.resets.unwrap_or(0);
        report
    }

    /// Frames with RST among the view's packets.
    fn kept_resets(&self) -> u64 {
        let Some(index) = self.loaded.engine.index() else {
            return 0;
        };
        let rst = crate::decode::TcpInfo::RST;
        (0..index.len())
            .filter(|&p| self.view.keeps(p))
            .filter_map(|p| index.record(p))
            .filter(|r| r.tcp.is_some_and(|t| t.flags & rst != 0))
            .count() as u64
    }

    fn set_view(&mut self, id: u32, text: String, sort: SortKey, descending: bool) -> FromWorker {
        let started = now();
        let Some(index) = self.loaded.engine.index() else {
            return FromWorker::ViewRejected {
                id,
                message: "no packet index".into(),
            };
        };
        let compiled = match filter::compile(&text) {
            Ok(f) => f,
            Err(e) => {
                return FromWorker::ViewRejected {
                    id,
                    message: e.to_string(),
                }
            }
        };
        // Every packet: the aggregates of the pass itself, no need to redo them.
        let mut kept = None;
        let mut tcp_counts = view::TcpAnalysisCounts::default();
        let (mut order, snapshot, matched) = if compiled.is_empty() {
            let snap = self.loaded.engine.snapshot(Some(SNAPSHOT_TOP));
            let n = snap.summary.packets;
            (None, snap, n)
        } else {
            let sel = match view::try_select(
                index,
                &compiled,
                self.loaded.engine.decoder(),
                crate::stats::Limits::default(),
            ) {
                Ok(sel) => sel,
                Err(e) => {
                    return FromWorker::ViewRejected {
                        id,
                        message: e.to_string(),
                    }
                }
            };
            let n = sel.stats.packets();
            tcp_counts = sel.tcp_analysis;
            kept = sel.positions.as_ref().map(|p| bitset(index.len(), p));
            (sel.positions, sel.stats.snapshot(Some(SNAPSHOT_TOP)), n)
        };
        let tcp_frames = snapshot
            .protocols
            .iter()
            .find(|p| p.proto == "tcp")
            .map_or(0, |p| p.packets);
        if sort != SortKey::Number || descending {
            let o = order.get_or_insert_with(|| (0..index.len() as u32).collect());
            view::sort(index, o, sort, descending);
        }
        self.view = View {
            id,
            len: order
                .as_ref()
                .map_or(index.len() as u64, |o| o.len() as u64),
            order,
            kept,
            tcp_counts,
            tcp_frames,
            resets: None,
        };
        FromWorker::View {
            id,
            filter: text,
            matched,
            total: index.len() as u64,
            reference_ns: index.get(0).map(|e| e.ts_ns),
            snapshot: Box::new(snapshot),
            elapsed_ms: now() - started,
        }
    }

    /// Entry position of row `row` of the view.
    fn position(&self, row: u64) -> Option<usize> {
        if row >= self.view.len {
            return None;
        }
        match &self.view.order {
            Some(o) => o.get(usize::try_from(row).ok()?).map(|&p| p as usize),
            None => usize::try_from(row).ok(),
        }
    }

    fn rows(&self, start: u64, count: u32) -> FromWorker {
        let count = u64::from(count.min(MAX_ROWS));
        let end = start.saturating_add(count).min(self.view.len);
        let entries: Vec<Entry> = self
            .loaded
            .engine
            .index()
            .map(|index| {
                (start..end)
                    .filter_map(|r| self.position(r).and_then(|p| index.get(p)))
                    .collect()
            })
            .unwrap_or_default();
        let bytes = self.read_frames(&entries);
        let rows = entries
            .iter()
            .zip(bytes)
            .map(|(e, data)| {
                let d = data.as_deref().map(|b| {
                    dissect_with(
                        e.link_type,
                        b,
                        e.orig_len,
                        &self.loaded.engine.dissect_context(e.number),
                    )
                });
                let (source, destination) = d.as_ref().map(address_columns).unwrap_or_default();
                let color = self
                    .loaded
                    .engine
                    .index()
                    .and_then(|i| i.record(e.number as usize - 1))
                    .map_or(Coloring::Other, |r| Coloring::of(&r));
                let (protocol, info) = match d {
                    Some(d) => (d.protocol, d.info),
                    None => (String::new(), "[bytes could not be read]".into()),
                };
                Row {
                    number: e.number,
                    ts_ns: e.ts_ns,
                    source,
                    destination,
                    protocol,
                    length: e.orig_len,
                    info,
                    color,
                }
            })
            .collect();
        let prev_ts_ns = start
            .checked_sub(1)
            .and_then(|r| self.position(r))
            .and_then(|p| self.loaded.engine.index()?.get(p))
            .map(|e| e.ts_ns);
        FromWorker::Rows {
            view: self.view.id,
            start,
            rows,
            prev_ts_ns,
        }
    }

    fn detail(&self, number: u64) -> FromWorker {
        let entry = usize::try_from(number)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.loaded.engine.index()?.get(i));
        let Some(e) = entry else {
            return FromWorker::Detail {
                number,
                dissection: Box::default(),
                hex: String::new(),
                error: Some(format!("there is no packet {number}")),
            };
        };
        match self.read_frames(&[e]).pop().flatten() {
            Some(bytes) => {
                let mut d: Dissection = dissect_with(
                    e.link_type,
                    &bytes,
                    e.orig_len,
                    &self.loaded.engine.dissect_context(number),
                );
                d.set_frame_number(number);
                FromWorker::Detail {
                    number,
                    dissection: Box::new(d),
                    hex: bytes.iter().map(|b| format!("{b:02x}")).collect(),
                    error: None,
                }
            }
            None => FromWorker::Detail {
                number,
                dissection: Box::default(),
                hex: String::new(),
                error: Some(format!(
                    "packet {number}'s bytes could not be read from the file"
                )),
            },
        }
    }

    /// The captured bytes of each entry (`None` where they could not be read).
    fn read_frames(&self, entries: &[Entry]) -> Vec<Option<Vec<u8>>> {
        if self.loaded.info.gzip {
            return read_frames_gzip(&self.loaded.file, entries);
        }
        let Ok(reader) = FileReaderSync::new() else {
            return vec![None; entries.len()];
        };
        // Read neighbouring frames in one piece: sort by offset, merge close spans.
        let mut by_offset: Vec<usize> = (0..entries.len()).collect();
        by_offset.sort_by_key(|&i| entries.get(i).map_or(0, |e| e.data_offset));
        let mut out = vec![None; entries.len()];
        let mut i = 0;
        while i < by_offset.len() {
            let Some(first) = by_offset.get(i).and_then(|&k| entries.get(k)) else {
                break;
            };
            let lo = first.data_offset;
            let mut hi = lo + u64::from(first.cap_len);
            let mut j = i + 1;
            while let Some(e) = by_offset.get(j).and_then(|&k| entries.get(k)) {
                if e.data_offset > hi + MERGE_GAP {
                    break;
                }
                hi = hi.max(e.data_offset + u64::from(e.cap_len));
                j += 1;
            }
            if let Some(span) = read_span(&reader, &self.loaded.file, lo, hi) {
                for &k in by_offset.get(i..j).unwrap_or(&[]) {
                    if let Some(e) = entries.get(k) {
                        let a = (e.data_offset - lo) as usize;
                        let b = a + e.cap_len as usize;
                        if let (Some(slot), Some(bytes)) = (out.get_mut(k), span.get(a..b)) {
                            *slot = Some(bytes.to_vec());
                        }
                    }
                }
            }
            i = j;
        }
        out
    }
}

fn read_span(reader: &FileReaderSync, file: &File, lo: u64, hi: u64) -> Option<Vec<u8>> {
    let buf = read_sync(reader, file, lo as f64, hi as f64).ok()?;
    Some(js_sys::Uint8Array::new(&buf).to_vec())
}

/// A gzip file has no offsets into the file for its frames: decompress from the start up to
/// the frames wanted (slow on a large file, but correct).
fn read_frames_gzip(file: &File, entries: &[Entry]) -> Vec<Option<Vec<u8>>> {
    let mut out = vec![None; entries.len()];
    let Some(last) = entries.iter().map(|e| e.number).max() else {
        return out;
    };
    let Ok(source) = SyncFile::new(file.clone()) else {
        return out;
    };
    let Ok(mut reader) = Reader::new(source) else {
        return out;
    };
    while let Ok(Some(frame)) = reader.next_frame() {
        for (k, e) in entries.iter().enumerate() {
            if e.number == frame.number {
                if let Some(slot) = out.get_mut(k) {
                    *slot = Some(frame.data.to_vec());
                }
            }
        }
        if frame.number >= last {
            break;
        }
    }
    out
}

/// A `File` as a [`Read`], through `FileReaderSync` in 4 MiB slices.
struct SyncFile {
    file: File,
    reader: FileReaderSync,
    pos: f64,
    chunk: Vec<u8>,
    at: usize,
}

impl SyncFile {
    fn new(file: File) -> Result<Self, wasm_bindgen::JsValue> {
        Ok(SyncFile {
            file,
            reader: FileReaderSync::new()?,
            pos: 0.0,
            chunk: Vec::new(),
            at: 0,
        })
    }
}

impl Read for SyncFile {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.chunk.len() {
            let size = self.file.size();
            if self.pos >= size {
                return Ok(0);
            }
            let end = (self.pos + 4.0 * 1024.0 * 1024.0).min(size);
            self.chunk = read_span(&self.reader, &self.file, self.pos as u64, end as u64)
                .ok_or_else(|| io::Error::other("cannot read the file"))?;
            self.pos = end;
            self.at = 0;
        }
        let rest = self.chunk.get(self.at..).unwrap_or(&[]);
        let n = rest.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.at += n;
        Ok(n)
    }
}
