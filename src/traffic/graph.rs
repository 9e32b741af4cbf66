//! The host graph: the top hosts by bytes as nodes, their conversations as edges, laid out in
//! the worker ([`super::layout`]) so the page only draws.

use super::classify::{classify, AddrClass};
use super::layout::{self, Placed};
use super::scan::{self, count, Acc};
use crate::index::PacketIndex;
use crate::stats::Count;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Most nodes a graph may have (the layout is O(n²) per iteration).
pub const MAX_NODES: usize = 300;

/// How to compute the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphOptions {
    /// At most this many hosts, the largest by bytes (default 100; 1 to [`MAX_NODES`]).
    pub top_n: usize,
    /// At most this many edges, the largest by bytes (default 1,000).
    pub max_edges: usize,
    /// Peers listed per node (default 5).
    pub peers: usize,
    /// Layout iterations (default 300; at most 2,000).
    pub iterations: usize,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions {
            top_n: 100,
            max_edges: 1_000,
            peers: 5,
            iterations: 300,
        }
    }
}

/// One of a node's largest peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// The peer's address.
    pub addr: IpAddr,
    /// Traffic between the node and the peer, both ways.
    pub count: Count,
}

/// A host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    /// The address.
    pub addr: IpAddr,
    /// Its class (the default colour).
    pub class: AddrClass,
    /// Its country (ISO 3166 alpha-2), when a country database has been applied
    /// ([`crate::geo::GeoDb::annotate_graph`]).
    pub country: Option<String>,
    /// Traffic sent and received.
    pub count: Count,
    /// Traffic sent.
    pub sent: Count,
    /// Traffic received.
    pub received: Count,
    /// Centre, layout units.
    pub x: f64,
    /// Centre, layout units.
    pub y: f64,
    /// Radius, layout units (area grows with bytes).
    pub r: f64,
    /// The largest peers (of every host, not only the graph's), bytes descending.
    pub peers: Vec<Peer>,
    /// `ip.addr == X`.
    pub filter: String,
}

/// A conversation between two nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphEdge {
    /// Index of one node in [`HostGraph::nodes`] (the lower).
    pub a: u32,
    /// Index of the other.
    pub b: u32,
    /// Traffic both ways.
    pub count: Count,
    /// Traffic from `a` to `b`.
    pub a_to_b: Count,
    /// `ip.addr == A && ip.addr == B`.
    pub filter: String,
}

/// The bounding box of the layout (circles included), layout units.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Bounds {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

/// The host graph of a view.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HostGraph {
    /// Nodes, bytes descending (ties by address).
    pub nodes: Vec<GraphNode>,
    /// Edges, bytes descending.
    pub edges: Vec<GraphEdge>,
    /// The layout's bounding box.
    pub bounds: Bounds,
    /// IP traffic of the view.
    pub total: Count,
    /// Distinct hosts in the view.
    pub hosts: u64,
    /// Conversations between the graph's nodes that were left out by `max_edges`.
    pub hidden_edges: u64,
}

impl HostGraph {
    /// The table behind the chart (the nodes) as CSV.
    pub fn csv(&self) -> String {
        let mut out = super::csv::Csv::new(&[
            "host",
            "class",
            "country",
            "packets",
            "bytes",
            "sent_bytes",
            "received_bytes",
            "top_peer",
            "top_peer_bytes",
        ]);
        for n in &self.nodes {
            let peer = n.peers.first();
            out.row(&[
                n.addr.to_string(),
                n.class.label().to_string(),
                n.country.clone().unwrap_or_default(),
                n.count.packets.to_string(),
                n.count.bytes.to_string(),
                n.sent.bytes.to_string(),
                n.received.bytes.to_string(),
                peer.map_or(String::new(), |p| p.addr.to_string()),
                peer.map_or(String::new(), |p| p.count.bytes.to_string()),
            ]);
        }
        out.finish()
    }

    /// The node whose circle holds the layout point `(x, y)` (the smallest, when circles
    /// nest).
    pub fn node_at(&self, x: f64, y: f64) -> Option<usize> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| (n.x - x).powi(2) + (n.y - y).powi(2) <= n.r * n.r)
            .min_by(|a, b| a.1.r.total_cmp(&b.1.r))
            .map(|(i, _)| i)
    }
}

/// The host graph of the view: the packets of `positions` (every packet when `None`), by
/// their innermost addresses, with the layout computed.
pub fn graph(index: &PacketIndex, positions: Option<&[u32]>, opts: &GraphOptions) -> HostGraph {
    let t = scan::totals(index, positions, true);
    let top_n = opts.top_n.clamp(1, MAX_NODES);

    // Top hosts by bytes both ways, ties by address.
    let mut top: Vec<(u32, IpAddr, Acc)> = t
        .hosts
        .iter()
        .enumerate()
        .filter_map(|(s, h)| Some((s as u32, t.addr(index, s as u32)?, h.total())))
        .collect();
    top.sort_by(|x, y| {
        y.2.bytes
            .cmp(&x.2.bytes)
            .then(y.2.packets.cmp(&x.2.packets))
            .then(scan::addr_order(&x.1, &y.1))
    });
    top.truncate(top_n);
    let mut node_of = vec![u32::MAX; t.hosts.len()];
    for (i, (s, _, _)) in top.iter().enumerate() {
        if let Some(x) = node_of.get_mut(*s as usize) {
            *x = i as u32;
        }
    }

    // Conversations: both directions of a pair together. Peers of every node (any host),
    // edges between nodes.
    let mut undirected: crate::hashing::FlowMap<(u32, u32), (Acc, Acc)> =
        crate::hashing::flow_map();
    for p in &t.pairs {
        if p.src == p.dst {
            continue;
        }
        let in_graph = |s: u32| node_of.get(s as usize).is_some_and(|&n| n != u32::MAX);
        if !in_graph(p.src) && !in_graph(p.dst) {
            continue;
        }
        let (lo, hi, forward) = if p.src < p.dst {
            (p.src, p.dst, true)
        } else {
            (p.dst, p.src, false)
        };
        let e = undirected.entry((lo, hi)).or_default();
        let add = |x: &mut Acc| {
            x.packets += p.acc.packets;
            x.bytes += p.acc.bytes;
        };
        add(&mut e.0);
        if forward {
            add(&mut e.1);
        }
    }
    let mut peers: Vec<Vec<Peer>> = vec![Vec::new(); top.len()];
    let mut edges: Vec<GraphEdge> = Vec::new();
    for (&(lo, hi), &(both, lo_to_hi)) in &undirected {
        let (nl, nh) = (
            node_of.get(lo as usize).copied().unwrap_or(u32::MAX),
            node_of.get(hi as usize).copied().unwrap_or(u32::MAX),
        );
        for (n, other) in [(nl, hi), (nh, lo)] {
            if n == u32::MAX {
                continue;
            }
            if let (Some(list), Some(addr)) = (peers.get_mut(n as usize), t.addr(index, other)) {
                list.push(Peer {
                    addr,
                    count: count(both),
                });
            }
        }
        if nl != u32::MAX && nh != u32::MAX {
            let (a, b, a_to_b) = if nl < nh {
                (nl, nh, lo_to_hi)
            } else {
                (
                    nh,
                    nl,
                    Acc {
                        packets: both.packets - lo_to_hi.packets,
                        bytes: both.bytes - lo_to_hi.bytes,
                    },
                )
            };
            edges.push(GraphEdge {
                a,
                b,
                count: count(both),
                a_to_b: count(a_to_b),
                filter: String::new(),
            });
        }
    }
    for list in &mut peers {
        list.sort_by(|x, y| {
            y.count
                .bytes
                .cmp(&x.count.bytes)
                .then(y.count.packets.cmp(&x.count.packets))
                .then(scan::addr_order(&x.addr, &y.addr))
        });
        list.truncate(opts.peers);
    }
    edges.sort_by(|x, y| {
        y.count
            .bytes
            .cmp(&x.count.bytes)
            .then(y.count.packets.cmp(&x.count.packets))
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let hidden_edges = edges.len().saturating_sub(opts.max_edges) as u64;
    edges.truncate(opts.max_edges);

    let weights: Vec<f64> = top.iter().map(|h| h.2.bytes as f64).collect();
    let links: Vec<(u32, u32, f64)> = edges
        .iter()
        .map(|e| (e.a, e.b, e.count.bytes as f64))
        .collect();
    let placed = layout::layout(&weights, &links, opts.iterations.min(2_000));

    let nodes: Vec<GraphNode> = top
        .iter()
        .zip(peers)
        .zip(placed.iter().chain(std::iter::repeat(&Placed::default())))
        .map(|(((s, addr, acc), peers), p)| {
            let h = t.hosts.get(*s as usize).copied().unwrap_or_default();
            GraphNode {
                addr: *addr,
                class: classify(*addr),
                country: None,
                count: count(*acc),
                sent: count(h.tx),
                received: count(h.rx),
                x: p.x,
                y: p.y,
                r: p.r,
                peers,
                filter: scan::host_filter(addr),
            }
        })
        .collect();
    for e in &mut edges {
        if let (Some(a), Some(b)) = (nodes.get(e.a as usize), nodes.get(e.b as usize)) {
            e.filter = scan::between_filter(&a.addr, &b.addr);
        }
    }
    let bounds = if nodes.is_empty() {
        Bounds::default()
    } else {
        nodes.iter().fold(
            Bounds {
                x0: f64::INFINITY,
                y0: f64::INFINITY,
                x1: f64::NEG_INFINITY,
                y1: f64::NEG_INFINITY,
            },
            |b, n| Bounds {
                x0: b.x0.min(n.x - n.r),
                y0: b.y0.min(n.y - n.r),
                x1: b.x1.max(n.x + n.r),
                y1: b.y1.max(n.y + n.r),
            },
        )
    };
    HostGraph {
        nodes,
        edges,
        bounds,
        total: count(t.ip),
        hosts: t.hosts.len() as u64,
        hidden_edges,
    }
}
