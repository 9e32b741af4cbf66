//! The source × destination matrix: the top sources (by bytes sent) as rows, the top
//! destinations (by bytes received) as columns, bytes from the row's host to the column's in
//! each cell.
//!
//! # Order of rows and columns
//!
//! Both axes are in address order (numeric, IPv4 before IPv6), not by size: hosts of one
//! subnet then sit next to each other at every prefix length at once (a /24 inside its /16
//! inside 10/8), which is how a network engineer reads an address list, and the order stays the
//! same when the filter or the time window changes, so the picture does not jump about.
//! Clustering the matrix (by similarity of rows) would also bring related hosts together, but
//! it reorders on every change, is hard to explain on an axis, and needs O(n² log n) work per
//! redraw for a result that on captures (a few gateways and servers talking to many clients) is
//! mostly the subnet order anyway.

use super::classify::{classify, AddrClass};
use super::scan::{self, count, Acc};
use crate::index::PacketIndex;
use crate::stats::Count;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// How to compute the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixOptions {
    /// At most this many sources and this many destinations (default 30; 1 to 1,000).
    pub top_n: usize,
    /// Rows of the table of pairs (default 100).
    pub table_rows: usize,
}

impl Default for MatrixOptions {
    fn default() -> Self {
        MatrixOptions {
            top_n: 30,
            table_rows: 100,
        }
    }
}

/// A host on one axis of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixHost {
    /// The address.
    pub addr: IpAddr,
    /// Its class.
    pub class: AddrClass,
    /// Traffic it sent (a row) or received (a column), to and from every host.
    pub count: Count,
    /// `ip.src == X` for a row, `ip.dst == X` for a column.
    pub filter: String,
}

/// A non-empty cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixCell {
    /// Index into [`Matrix::sources`].
    pub row: u32,
    /// Index into [`Matrix::destinations`].
    pub col: u32,
    /// Traffic from the row's host to the column's.
    pub count: Count,
}

/// One directed pair, for the table under the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairRow {
    /// Source.
    pub src: IpAddr,
    /// Destination.
    pub dst: IpAddr,
    /// Traffic from `src` to `dst`.
    pub count: Count,
    /// `ip.src == A && ip.dst == B`.
    pub filter: String,
}

/// The source × destination matrix of a view.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Matrix {
    /// Rows, in address order.
    pub sources: Vec<MatrixHost>,
    /// Columns, in address order.
    pub destinations: Vec<MatrixHost>,
    /// The non-empty cells, by row then column.
    pub cells: Vec<MatrixCell>,
    /// The largest pairs of the whole view (not only those in the grid), bytes descending.
    pub pairs: Vec<PairRow>,
    /// IP traffic of the view.
    pub total: Count,
    /// Traffic in the grid's cells.
    pub shown: Count,
    /// Distinct hosts.
    pub hosts: u64,
    /// Distinct directed pairs.
    pub pairs_total: u64,
    /// The largest cell, bytes.
    pub max_cell_bytes: u64,
}

impl Matrix {
    /// The cell at `(row, col)`, if it has traffic.
    pub fn cell(&self, row: usize, col: usize) -> Option<&MatrixCell> {
        let key = (row as u32, col as u32);
        self.cells
            .binary_search_by(|c| (c.row, c.col).cmp(&key))
            .ok()
            .and_then(|i| self.cells.get(i))
    }

    /// The display filter of a cell: `ip.src == A && ip.dst == B`.
    pub fn cell_filter(&self, row: usize, col: usize) -> Option<String> {
        let s = self.sources.get(row)?;
        let d = self.destinations.get(col)?;
        if s.addr.is_ipv4() != d.addr.is_ipv4() {
            return None;
        }
        Some(scan::pair_filter(&s.addr, &d.addr))
    }

    /// The table behind the chart (the largest pairs) as CSV.
    pub fn csv(&self) -> String {
        let mut out =
            super::csv::Csv::new(&["source", "destination", "packets", "bytes", "filter"]);
        for p in &self.pairs {
            out.row(&[
                p.src.to_string(),
                p.dst.to_string(),
                p.count.packets.to_string(),
                p.count.bytes.to_string(),
                p.filter.clone(),
            ]);
        }
        out.finish()
    }
}

/// The matrix of the view: the packets of `positions` (every packet when `None`), by their
/// innermost addresses.
pub fn matrix(index: &PacketIndex, positions: Option<&[u32]>, opts: &MatrixOptions) -> Matrix {
    let t = scan::totals(index, positions, true);
    let top_n = opts.top_n.clamp(1, 1_000);
    let addr = |slot: u32| t.addr(index, slot);

    // The top hosts by bytes sent (received), ties by address; then in address order.
    let pick = |tx: bool| -> Vec<(u32, IpAddr, Acc)> {
        let mut v: Vec<(u32, IpAddr, Acc)> = t
            .hosts
            .iter()
            .enumerate()
            .filter_map(|(s, h)| {
                let a = if tx { h.tx } else { h.rx };
                (a.packets > 0).then_some(())?;
                Some((s as u32, addr(s as u32)?, a))
            })
            .collect();
        v.sort_by(|x, y| {
            y.2.bytes
                .cmp(&x.2.bytes)
                .then(y.2.packets.cmp(&x.2.packets))
                .then(scan::addr_order(&x.1, &y.1))
        });
        v.truncate(top_n);
        v.sort_by(|x, y| scan::addr_order(&x.1, &y.1));
        v
    };
    let srcs = pick(true);
    let dsts = pick(false);
    let mut row_of = vec![u32::MAX; t.hosts.len()];
    let mut col_of = vec![u32::MAX; t.hosts.len()];
    for (i, (s, _, _)) in srcs.iter().enumerate() {
        if let Some(x) = row_of.get_mut(*s as usize) {
            *x = i as u32;
        }
    }
    for (i, (s, _, _)) in dsts.iter().enumerate() {
        if let Some(x) = col_of.get_mut(*s as usize) {
            *x = i as u32;
        }
    }

    let mut cells: Vec<MatrixCell> = Vec::new();
    let mut shown = Acc::default();
    for p in &t.pairs {
        let r = row_of.get(p.src as usize).copied().unwrap_or(u32::MAX);
        let c = col_of.get(p.dst as usize).copied().unwrap_or(u32::MAX);
        if r != u32::MAX && c != u32::MAX {
            cells.push(MatrixCell {
                row: r,
                col: c,
                count: count(p.acc),
            });
            shown.packets += p.acc.packets;
            shown.bytes += p.acc.bytes;
        }
    }
    cells.sort_by_key(|c| (c.row, c.col));
    let max_cell_bytes = cells.iter().map(|c| c.count.bytes).max().unwrap_or(0);

    let mut pairs: Vec<PairRow> = t
        .pairs
        .iter()
        .filter_map(|p| {
            let (s, d) = (addr(p.src)?, addr(p.dst)?);
            Some(PairRow {
                src: s,
                dst: d,
                count: count(p.acc),
                filter: String::new(),
            })
        })
        .collect();
    scan::top_k(&mut pairs, opts.table_rows, |x, y| {
        y.count
            .bytes
            .cmp(&x.count.bytes)
            .then(y.count.packets.cmp(&x.count.packets))
            .then(scan::addr_order(&x.src, &y.src))
            .then(scan::addr_order(&x.dst, &y.dst))
    });
    for p in &mut pairs {
        p.filter = scan::pair_filter(&p.src, &p.dst);
    }

    let host = |(_, a, c): &(u32, IpAddr, Acc), which: &str| MatrixHost {
        addr: *a,
        class: classify(*a),
        count: count(*c),
        filter: format!("{} == {a}", scan::addr_field(a, which)),
    };
    Matrix {
        sources: srcs.iter().map(|h| host(h, "src")).collect(),
        destinations: dsts.iter().map(|h| host(h, "dst")).collect(),
        cells,
        pairs,
        total: count(t.ip),
        shown: count(shown),
        hosts: t.hosts.len() as u64,
        pairs_total: t.pairs.len() as u64,
        max_cell_bytes,
    }
}
