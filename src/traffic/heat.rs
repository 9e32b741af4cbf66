//! Host × time and port × time heatmaps: the top rows by bytes, time buckets as columns.
//!
//! Two linear passes over the view, without allocation per packet: the first sums every
//! row key's traffic (and finds the time span), the second fills the cells of the top rows
//! only, so memory is (distinct keys) + (top N × columns) whatever the capture's size.

use super::classify::{classify, AddrClass};
use super::scan::{self, count, Acc, Keys, NO_HOST};
use crate::filter::compose::{and_term, time_window};
use crate::hashing::{flow_map, FlowMap};
use crate::index::PacketIndex;
use crate::render::services::port_label;
use crate::stats::{service_port, timeline::LADDER, Count};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What the rows of a heatmap are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeatRows {
    /// IP hosts (innermost addresses): a frame counts in its source's row and its
    /// destination's.
    #[default]
    Hosts,
    /// TCP/UDP service ports ([`service_port`]: the server's side of the exchange, as the
    /// ports chart counts them, rather than each frame's destination port, which for the
    /// answers is the client's ephemeral port): a frame counts in one row; frames without
    /// ports (IP fragments after the first) in none.
    Ports,
}

/// How to compute a heatmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeatOptions {
    /// Hosts or ports.
    pub rows: HeatRows,
    /// At most this many rows, the largest by bytes (default 30; 1 to [`MAX_ROWS`]).
    pub top_n: usize,
    /// At most this many time buckets (default 96; 1 to [`MAX_COLUMNS`]). The bucket width is the
    /// smallest round width (1 µs ... 1 year) that covers the span in this many.
    pub max_columns: usize,
}

impl Default for HeatOptions {
    fn default() -> Self {
        HeatOptions {
            rows: HeatRows::Hosts,
            top_n: 30,
            max_columns: 96,
        }
    }
}

impl HeatOptions {
    /// The same options for rows of `rows`.
    pub(crate) fn with_rows(&self, rows: HeatRows) -> HeatOptions {
        HeatOptions { rows, ..*self }
    }
}

/// A TCP/UDP service port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortKey {
    /// 6 = TCP, 17 = UDP.
    pub proto: u8,
    /// The port.
    pub port: u16,
}

impl PortKey {
    /// `tcp.port == 443` / `udp.port == 53`.
    pub fn filter(&self) -> String {
        let t = if self.proto == 6 { "tcp" } else { "udp" };
        format!("{t}.port == {}", self.port)
    }
}

/// One row of a heatmap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeatRow {
    /// The row's name: an address, or `tcp/443 (https)`.
    pub label: String,
    /// The host (host rows).
    pub addr: Option<IpAddr>,
    /// The port (port rows).
    pub port: Option<PortKey>,
    /// The host's address class (host rows).
    pub class: Option<AddrClass>,
    /// The row's traffic over the whole view (frames without a timestamp included).
    pub total: Count,
    /// Bytes per column.
    pub bytes: Vec<u64>,
    /// Frames per column.
    pub packets: Vec<u64>,
    /// The column with the most bytes (0 for a row without timed frames).
    pub peak: usize,
    /// The display filter for the row (`ip.addr == X`, `tcp.port == N`).
    pub filter: String,
}

/// A heatmap: rows × time buckets of bytes and frames.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HeatMap {
    /// Hosts or ports.
    pub kind: HeatRows,
    /// The index's first timestamp: the zero of `frame.time_relative` in the cells' filters.
    pub first_ns: Option<i64>,
    /// Start of the first column, ns since the epoch (a multiple of `bucket_ns`).
    pub start_ns: i64,
    /// Width of a column, ns.
    pub bucket_ns: i64,
    /// Number of columns.
    pub columns: usize,
    /// The top rows, by bytes descending (ties by address or port).
    pub rows: Vec<HeatRow>,
    /// The traffic the rows are taken from: IP frames (hosts) or TCP/UDP frames (ports).
    pub total: Count,
    /// Distinct hosts or ports in the view.
    pub keys: u64,
    /// The largest cell, bytes.
    pub max_cell_bytes: u64,
}

impl HeatMap {
    /// Time range `[start, end)` of column `col`, ns since the epoch.
    pub fn column_range(&self, col: usize) -> (i64, i64) {
        let a = self
            .start_ns
            .saturating_add((col as i64).saturating_mul(self.bucket_ns));
        (a, a.saturating_add(self.bucket_ns))
    }

    /// The display filter of a cell: the row's filter and the column's time window (in
    /// `frame.time_relative`, inclusive bounds; the end is the column's last nanosecond).
    pub fn cell_filter(&self, row: usize, col: usize) -> Option<String> {
        let r = self.rows.get(row)?;
        if col >= self.columns {
            return None;
        }
        Some(match self.time_filter(col) {
            Some(w) => and_term(&r.filter, &w),
            None => r.filter.clone(),
        })
    }

    /// The `frame.time_relative` window of a column (`None` without a time reference).
    pub fn time_filter(&self, col: usize) -> Option<String> {
        let first = self.first_ns?;
        let (a, b) = self.column_range(col);
        Some(time_window(rel_s(a, first), rel_s(b - 1, first)))
    }

    /// The table behind the chart as CSV: one line per row with its totals and its busiest
    /// column.
    pub fn csv(&self) -> String {
        let mut out = super::csv::Csv::new(&[
            if self.kind == HeatRows::Hosts {
                "host"
            } else {
                "port"
            },
            "class",
            "packets",
            "bytes",
            "peak_start_ns",
            "peak_bytes",
            "peak_packets",
        ]);
        for r in &self.rows {
            let (ps, _) = self.column_range(r.peak);
            out.row(&[
                r.label.clone(),
                r.class.map_or(String::new(), |c| c.label().to_string()),
                r.total.packets.to_string(),
                r.total.bytes.to_string(),
                ps.to_string(),
                r.bytes.get(r.peak).copied().unwrap_or(0).to_string(),
                r.packets.get(r.peak).copied().unwrap_or(0).to_string(),
            ]);
        }
        out.finish()
    }
}

/// Seconds of `t` after `first`, for a time window.
pub(crate) fn rel_s(t: i64, first: i64) -> f64 {
    (t.saturating_sub(first)) as f64 / 1e9
}

/// Round bucket widths, finest first: below the timeline's ladder (which starts at 1 ms),
/// microsecond steps for captures that last a few milliseconds.
fn widths() -> impl Iterator<Item = i64> {
    [
        1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
    ]
    .into_iter()
    .chain(LADDER.iter().copied())
}

/// The bucket width and first bucket number for the span `[lo, hi]` in at most `max` columns.
pub(crate) fn buckets(lo: i64, hi: i64, max: usize) -> (i64, i64, usize) {
    let max = max.max(1) as i64;
    let mut chosen = (i64::MAX, 0, 1);
    for w in widths() {
        let first = lo.div_euclid(w);
        let n = hi.div_euclid(w) - first + 1;
        chosen = (w, first, n.clamp(1, max) as usize);
        if n <= max {
            break;
        }
    }
    chosen
}

/// Most rows a heatmap has, whatever the options say.
pub const MAX_ROWS: usize = 1_000;
/// Most columns a heatmap has.
pub const MAX_COLUMNS: usize = 2_000;

/// A row key: a host key, or `proto << 16 | port`.
type Key = u32;

/// The host × time (or port × time) heatmap of the view: the packets of `positions` (every
/// packet when `None`).
pub fn heatmap(index: &PacketIndex, positions: Option<&[u32]>, opts: &HeatOptions) -> HeatMap {
    let ports = opts.rows == HeatRows::Ports;
    let top_n = opts.top_n.clamp(1, MAX_ROWS);
    let mut keys = Keys::new();

    // Pass 1: every key's traffic, and the span.
    let mut slot: FlowMap<Key, u32> = flow_map();
    let mut acc: Vec<(Key, Acc)> = Vec::new();
    let mut total = Acc::default();
    let mut span: Option<(i64, i64)> = None;
    let mut last: Option<(Key, Key, u32, u32)> = None;
    let mut slot_of = |k: Key, acc: &mut Vec<(Key, Acc)>| -> u32 {
        *slot.entry(k).or_insert_with(|| {
            acc.push((k, Acc::default()));
            (acc.len() - 1) as u32
        })
    };
    scan::for_each(index, positions, &mut keys, |p| {
        let Some((ka, kb)) = row_keys(p, ports) else {
            return;
        };
        total.add(p.len);
        if p.timed() {
            span = Some(span.map_or((p.ts_ns, p.ts_ns), |(a, b)| {
                (a.min(p.ts_ns), b.max(p.ts_ns))
            }));
        }
        let (sa, sb) = match last {
            Some((x, y, sa, sb)) if x == ka && y == kb => (sa, sb),
            // The answer of the same conversation.
            Some((x, y, sa, sb)) if x == kb && y == ka => (sb, sa),
            _ => {
                let sa = slot_of(ka, &mut acc);
                let sb = if kb == ka { sa } else { slot_of(kb, &mut acc) };
                last = Some((ka, kb, sa, sb));
                (sa, sb)
            }
        };
        if let Some(a) = acc.get_mut(sa as usize) {
            a.1.add(p.len);
        }
        if sb != sa {
            if let Some(a) = acc.get_mut(sb as usize) {
                a.1.add(p.len);
            }
        }
    });

    // The top rows, with their names.
    let mut rows: Vec<(Key, Acc, HeatRow)> = acc
        .iter()
        .map(|&(k, a)| (k, a, describe(index, &keys, k, ports, a)))
        .collect();
    rows.sort_by(|x, y| {
        y.1.bytes
            .cmp(&x.1.bytes)
            .then(y.1.packets.cmp(&x.1.packets))
            .then_with(|| match (x.2.addr, y.2.addr) {
                (Some(a), Some(b)) => scan::addr_order(&a, &b),
                _ => x.2.port.cmp(&y.2.port),
            })
    });
    let n_keys = rows.len() as u64;
    rows.truncate(top_n);

    let first_ns = index.first_timestamp();
    let Some((lo, hi)) = span else {
        return HeatMap {
            kind: opts.rows,
            first_ns,
            start_ns: 0,
            bucket_ns: 1_000_000_000,
            columns: 0,
            rows: rows.into_iter().map(|r| r.2).collect(),
            total: count(total),
            keys: n_keys,
            max_cell_bytes: 0,
        };
    };
    let (w, first_bucket, columns) = buckets(lo, hi, opts.max_columns.min(MAX_COLUMNS));

    // Pass 2: the cells of the top rows.
    let mut row_of: FlowMap<Key, u32> = flow_map();
    row_of.extend(rows.iter().enumerate().map(|(i, r)| (r.0, i as u32)));
    let mut cells_b = vec![0u64; rows.len() * columns];
    let mut cells_p = vec![0u64; rows.len() * columns];
    let mut last: Option<(Key, Key, Option<u32>, Option<u32>)> = None;
    scan::for_each(index, positions, &mut keys, |p| {
        if !p.timed() {
            return;
        }
        let Some((ka, kb)) = row_keys(p, ports) else {
            return;
        };
        let (ra, rb) = match last {
            Some((x, y, ra, rb)) if x == ka && y == kb => (ra, rb),
            Some((x, y, ra, rb)) if x == kb && y == ka && ka != kb => (rb, ra),
            _ => {
                let ra = row_of.get(&ka).copied();
                let rb = if kb == ka {
                    None
                } else {
                    row_of.get(&kb).copied()
                };
                last = Some((ka, kb, ra, rb));
                (ra, rb)
            }
        };
        if ra.is_none() && rb.is_none() {
            return;
        }
        let col = (p.ts_ns.div_euclid(w) - first_bucket).clamp(0, columns as i64 - 1) as usize;
        for r in [ra, rb].into_iter().flatten() {
            let i = r as usize * columns + col;
            if let (Some(b), Some(k)) = (cells_b.get_mut(i), cells_p.get_mut(i)) {
                *b += u64::from(p.len);
                *k += 1;
            }
        }
    });

    let mut max_cell = 0;
    let rows: Vec<HeatRow> = rows
        .into_iter()
        .enumerate()
        .map(|(i, (_, _, mut row))| {
            let range = i * columns..(i + 1) * columns;
            row.bytes = cells_b.get(range.clone()).unwrap_or_default().to_vec();
            row.packets = cells_p.get(range).unwrap_or_default().to_vec();
            let mut peak = 0;
            for (c, &b) in row.bytes.iter().enumerate() {
                if b > row.bytes.get(peak).copied().unwrap_or(0) {
                    peak = c;
                }
            }
            row.peak = peak;
            max_cell = max_cell.max(row.bytes.iter().copied().max().unwrap_or(0));
            row
        })
        .collect();
    HeatMap {
        kind: opts.rows,
        first_ns,
        start_ns: first_bucket.saturating_mul(w),
        bucket_ns: w,
        columns,
        rows,
        total: count(total),
        keys: n_keys,
        max_cell_bytes: max_cell,
    }
}

/// The row keys a packet counts under: its two hosts (the same twice for a frame to itself),
/// or its service port twice; `None` when it counts nowhere.
#[inline]
fn row_keys(p: &scan::Pkt, ports: bool) -> Option<(Key, Key)> {
    if ports {
        if p.ip_proto != 6 && p.ip_proto != 17 {
            return None;
        }
        // Frames without ports (IP fragments after the first) have no service.
        let port = service_port(p.src_port, p.dst_port);
        if port == 0 {
            return None;
        }
        let k = u32::from(p.ip_proto) << 16 | u32::from(port);
        Some((k, k))
    } else if p.src == NO_HOST || p.dst == NO_HOST {
        None
    } else {
        Some((p.src, p.dst))
    }
}

fn describe(index: &PacketIndex, keys: &Keys, k: Key, ports: bool, a: Acc) -> HeatRow {
    let total = count(a);
    if ports {
        let port = PortKey {
            proto: (k >> 16) as u8,
            port: k as u16,
        };
        HeatRow {
            label: port_label(port.proto, port.port),
            addr: None,
            port: Some(port),
            class: None,
            total,
            bytes: Vec::new(),
            packets: Vec::new(),
            peak: 0,
            filter: port.filter(),
        }
    } else {
        let addr = keys.addr(index, k);
        HeatRow {
            label: addr.map_or_else(|| "?".to_string(), |a| a.to_string()),
            addr,
            port: None,
            class: addr.map(classify),
            total,
            bytes: Vec::new(),
            packets: Vec::new(),
            peak: 0,
            filter: addr.map_or_else(String::new, |a| scan::host_filter(&a)),
        }
    }
}
