//! Who talks to whom, and when: the views of issue 7, computed from the packet index over the
//! packets a display filter keeps.
//!
//! Each entry point takes the index and the view's positions (`None` = every packet; else
//! [`crate::view::Selection::positions`]) and returns a small, serializable result the worker
//! posts to the page: what the chart draws and the table rows behind it. Every cell, node and
//! row carries (or computes, [`HeatMap::cell_filter`], [`Matrix::cell_filter`]) the display
//! filter that selects its frames, for the page to apply on a click.
//!
//! | view | call | result |
//! |---|---|---|
//! | host × time heatmap | [`heatmap`] with [`HeatRows::Hosts`] | [`HeatMap`] |
//! | port × time heatmap | [`heatmap`] with [`HeatRows::Ports`] | [`HeatMap`] |
//! | source × destination matrix | [`matrix`] | [`Matrix`] |
//! | host graph with its layout | [`graph`] | [`HostGraph`] |
//! | address classes (RFC 6890) | [`classify`] | [`AddrClass`] |
//!
//! Hosts are the innermost IP addresses of each frame (the tunnelled pair of a tunnelled
//! frame), as in the packet table. A display filter on `ip.addr` also matches the outer
//! header of a tunnelled frame, so for tunnels a click can select more frames than the cell
//! counted; for everything else the counts are the same.
//!
//! Each computation is linear in the number of packets with no allocation per packet: the
//! heatmaps take two passes (totals, then the top rows' cells), the matrix and the graph one
//! (per-host and per-pair totals); the graph's layout is O(n²) per iteration for n ≤
//! [`graph::MAX_NODES`].

mod classify;
pub mod csv;
mod graph;
mod heat;
pub mod layout;
mod matrix;
pub(crate) mod scan;

pub use classify::{canonical, classify, AddrClass, AddrGroup};
pub use graph::{graph, Bounds, GraphEdge, GraphNode, GraphOptions, HostGraph, Peer, MAX_NODES};
pub use heat::{heatmap, HeatMap, HeatOptions, HeatRow, HeatRows, PortKey, MAX_COLUMNS, MAX_ROWS};
pub use matrix::{matrix, Matrix, MatrixCell, MatrixHost, MatrixOptions, PairRow};

/// The host × time heatmap ([`heatmap`] with [`HeatRows::Hosts`] and `opts`' other fields).
pub fn host_time(
    index: &crate::index::PacketIndex,
    positions: Option<&[u32]>,
    opts: &HeatOptions,
) -> HeatMap {
    heatmap(index, positions, &opts.with_rows(HeatRows::Hosts))
}

/// The port × time heatmap ([`heatmap`] with [`HeatRows::Ports`] and `opts`' other fields).
pub fn port_time(
    index: &crate::index::PacketIndex,
    positions: Option<&[u32]>,
    opts: &HeatOptions,
) -> HeatMap {
    heatmap(index, positions, &opts.with_rows(HeatRows::Ports))
}
