//! The host graph (`graph`), drawn from a [`HostGraph`] whose layout the worker computed: the
//! page only draws, at any pan and zoom ([`GraphView`]).
//!
//! Readable at 300 nodes: the layout keeps circles apart, edges are drawn first in a colour
//! close to the background (a hovered node's own edges stand out), and only the largest nodes
//! get a label, each where it does not run into another label.

use super::common::{svg_with, TOO_SMALL};
use super::format;
use super::theme::{Rgb, OKABE_ITO};
use super::{
    ChartLayout, ChartOptions, DrawResult, Ellipsis, Font, HitRegion, Painter, Rect, NO_IP, PAD,
};
use crate::traffic::{AddrGroup, HostGraph};
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, VPos};
use serde::{Deserialize, Serialize};

/// The `data-chart` name.
pub const GRAPH: &str = "graph";

/// The chart's title.
pub const GRAPH_TITLE: &str =
    "Host graph: hosts sized by bytes, conversations as lines (width = bytes)";

/// What node colour means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeColor {
    /// Public / private and local / multicast and broadcast / reserved.
    #[default]
    Class,
    /// Country (the eight largest countries of the graph get a colour each; needs
    /// [`crate::geo::GeoDb::annotate_graph`]).
    Country,
}

/// Pan, zoom and emphasis, kept by the page between redraws.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GraphView {
    /// Zoom: 1 fits the whole layout in the plot.
    pub scale: f64,
    /// Pan, CSS pixels (right).
    pub dx: f64,
    /// Pan, CSS pixels (down).
    pub dy: f64,
    /// What colour means.
    pub color: NodeColor,
    /// A node to emphasise (the hovered one): its edges and label are drawn on top.
    pub focus: Option<usize>,
}

impl Default for GraphView {
    fn default() -> Self {
        GraphView {
            scale: 1.0,
            dx: 0.0,
            dy: 0.0,
            color: NodeColor::Class,
            focus: None,
        }
    }
}

impl GraphView {
    /// This view zoomed by `factor` about a point `(qx, qy)` given in CSS pixels from the
    /// plot's centre (the point under the pointer stays put). Zoom stays within 0.2 to 50.
    pub fn zoomed(&self, factor: f64, qx: f64, qy: f64) -> GraphView {
        let f = if factor.is_finite() && factor > 0.0 {
            factor
        } else {
            1.0
        };
        let scale = (self.scale * f).clamp(0.2, 50.0);
        let f = scale / self.scale;
        GraphView {
            scale,
            dx: qx - (qx - self.dx) * f,
            dy: qy - (qy - self.dy) * f,
            ..*self
        }
    }

    /// This view moved by `(ddx, ddy)` CSS pixels.
    pub fn panned(&self, ddx: f64, ddy: f64) -> GraphView {
        GraphView {
            dx: self.dx + if ddx.is_finite() { ddx } else { 0.0 },
            dy: self.dy + if ddy.is_finite() { ddy } else { 0.0 },
            ..*self
        }
    }
}

/// Layout units to backend pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Xf {
    k: f64,
    cx: f64,
    cy: f64,
    wx: f64,
    wy: f64,
}

impl Xf {
    fn new(g: &HostGraph, view: &GraphView, plot: Rect, dpr: f64) -> Xf {
        let b = g.bounds;
        let (bw, bh) = ((b.x1 - b.x0).max(1e-9), (b.y1 - b.y0).max(1e-9));
        let fit = (plot.width() / bw).min(plot.height() / bh);
        let scale = if view.scale.is_finite() && view.scale > 0.0 {
            view.scale
        } else {
            1.0
        };
        // A small graph is not blown up: the largest circle stays within about 36 CSS px.
        let k = fit.min(9.0 * dpr) * scale;
        let pan = |v: f64| if v.is_finite() { v * dpr } else { 0.0 };
        Xf {
            k: if k.is_finite() { k } else { 1.0 },
            cx: (plot.x0 + plot.x1) / 2.0 + pan(view.dx),
            cy: (plot.y0 + plot.y1) / 2.0 + pan(view.dy),
            wx: (b.x0 + b.x1) / 2.0,
            wy: (b.y0 + b.y1) / 2.0,
        }
    }

    fn at(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.cx + (x - self.wx) * self.k,
            self.cy + (y - self.wy) * self.k,
        )
    }
}

/// The part of segment `a`–`b` inside `r` (Liang–Barsky), if any.
fn clip(a: (f64, f64), b: (f64, f64), r: &Rect) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - r.x0),
        (dx, r.x1 - a.0),
        (-dy, a.1 - r.y0),
        (dy, r.y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
            continue;
        }
        let t = q / p;
        if p < 0.0 {
            t0 = t0.max(t);
        } else {
            t1 = t1.min(t);
        }
        if t0 > t1 {
            return None;
        }
    }
    if !(t0.is_finite() && t1.is_finite()) {
        return None;
    }
    Some((
        (a.0 + t0 * dx, a.1 + t0 * dy),
        (a.0 + t1 * dx, a.1 + t1 * dy),
    ))
}

/// Colours of the address groups.
fn group_color(g: AddrGroup) -> Rgb {
    match g {
        AddrGroup::Public => OKABE_ITO[5],
        AddrGroup::Local => OKABE_ITO[3],
        AddrGroup::Group => OKABE_ITO[1],
        AddrGroup::Special => OKABE_ITO[7],
    }
}

/// Colours for countries (Okabe-Ito without black), then grey for the rest.
const COUNTRY_COLORS: [Rgb; 7] = [
    OKABE_ITO[5],
    OKABE_ITO[1],
    OKABE_ITO[3],
    OKABE_ITO[6],
    OKABE_ITO[2],
    OKABE_ITO[7],
    OKABE_ITO[4],
];

/// The legend entries and each node's colour.
fn colours(g: &HostGraph, view: &GraphView, grey: Rgb) -> (Vec<(String, Rgb)>, Vec<Rgb>) {
    match view.color {
        NodeColor::Class => {
            let mut present: Vec<AddrGroup> = g.nodes.iter().map(|n| n.class.group()).collect();
            present.sort();
            present.dedup();
            (
                present
                    .iter()
                    .map(|gr| (gr.label().to_string(), group_color(*gr)))
                    .collect(),
                g.nodes
                    .iter()
                    .map(|n| group_color(n.class.group()))
                    .collect(),
            )
        }
        NodeColor::Country => {
            // Countries by bytes of their nodes.
            let mut by: Vec<(String, u64)> = Vec::new();
            for n in &g.nodes {
                let c = n.country.clone().unwrap_or_default();
                match by.iter_mut().find(|x| x.0 == c) {
                    Some(x) => x.1 += n.count.bytes,
                    None => by.push((c, n.count.bytes)),
                }
            }
            by.retain(|x| !x.0.is_empty());
            by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let named: Vec<String> = by
                .iter()
                .take(COUNTRY_COLORS.len())
                .map(|x| x.0.clone())
                .collect();
            let colour = |c: &Option<String>| {
                c.as_ref()
                    .and_then(|c| named.iter().position(|x| x == c))
                    .and_then(|i| COUNTRY_COLORS.get(i).copied())
                    .unwrap_or(grey)
            };
            let mut legend: Vec<(String, Rgb)> = named
                .iter()
                .map(|c| (c.clone(), colour(&Some(c.clone()))))
                .collect();
            legend.push(("other / local".to_string(), grey));
            (legend, g.nodes.iter().map(|n| colour(&n.country)).collect())
        }
    }
}

fn node_hover(g: &HostGraph, i: usize) -> String {
    let Some(n) = g.nodes.get(i) else {
        return String::new();
    };
    let country = n
        .country
        .as_ref()
        .map_or(String::new(), |c| format!(", {c}"));
    let peers: Vec<String> = n
        .peers
        .iter()
        .map(|p| format!("{} {}", p.addr, format::bytes(p.count.bytes)))
        .collect();
    format!(
        "{} ({}{country}) — {} ({} frames): sent {}, received {}{}",
        n.addr,
        n.class.label(),
        format::bytes(n.count.bytes),
        format::thousands(n.count.packets),
        format::bytes(n.sent.bytes),
        format::bytes(n.received.bytes),
        if peers.is_empty() {
            String::new()
        } else {
            format!(" · top peers: {}", peers.join(", "))
        }
    )
}

/// The host graph, at `view`'s pan and zoom.
pub fn draw_graph<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    g: &HostGraph,
    view: &GraphView,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    graph(area, g, view, opts, 1.0)
}

/// [`draw_graph`] as an SVG document of `size` pixels.
pub fn svg_graph(
    g: &HostGraph,
    view: &GraphView,
    opts: &ChartOptions,
    size: (u32, u32),
) -> Result<(String, ChartLayout), DrawingAreaErrorKind<std::io::Error>> {
    svg_with(size, |area, ts| graph(area, g, view, opts, ts))
}

/// Like [`draw_graph`], with font sizes multiplied by `text_scale`.
pub fn graph<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    g: &HostGraph,
    view: &GraphView,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let p = Painter::new(area, opts, text_scale);
    let t = p.theme;
    let top = p.begin(GRAPH_TITLE)?;
    if g.nodes.is_empty() {
        return p.empty(top, NO_IP);
    }
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);
    let sub = format!(
        "top {} of {} hosts · {} conversations drawn{} · drag to pan, wheel to zoom",
        g.nodes.len(),
        format::thousands(g.hosts),
        format::thousands(g.edges.len() as u64),
        if g.hidden_edges > 0 {
            format!(
                " ({} smaller ones left out)",
                format::thousands(g.hidden_edges)
            )
        } else {
            String::new()
        }
    );
    p.note(&sub, top)?;
    let grey = t.background.mix(t.muted, 0.7);
    let (legend, colors) = colours(g, view, grey);
    // Legend: one line of swatches at the bottom.
    let ly = p.h - pad - small_h;
    let mut lx = pad;
    for (label, c) in &legend {
        let w = p.measure(label, Font::Small) + p.px(22.0);
        if lx + w > p.w - pad {
            break;
        }
        p.circle(lx + p.px(5.0), ly + small_h / 2.0, p.px(5.0), *c)?;
        p.text(
            label,
            (lx + p.px(14.0), ly + small_h / 2.0),
            Font::Small,
            t.muted,
            HPos::Left,
            VPos::Center,
        )?;
        lx += w;
    }
    let plot = Rect {
        x0: pad,
        y0: top + small_h + p.px(6.0),
        x1: p.w - pad,
        y1: ly - p.px(6.0),
    };
    if plot.height() < p.px(30.0) || plot.width() < p.px(30.0) {
        return p.empty(top, TOO_SMALL);
    }
    let xf = Xf::new(g, view, plot, p.px(1.0));
    let screen: Vec<(f64, f64, f64)> = g
        .nodes
        .iter()
        .map(|n| {
            let (x, y) = xf.at(n.x, n.y);
            (x, y, (n.r * xf.k).max(p.px(2.0)))
        })
        .collect();
    let inside = |i: usize| screen.get(i).is_some_and(|&(x, y, _)| plot.contains(x, y));

    // Edges, largest last (on top); the focused node's edges after all others.
    let max_e = g
        .edges
        .iter()
        .map(|e| e.count.bytes)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let edge_col = t.background.mix(t.axis, 0.4);
    let focus = view.focus.filter(|&f| f < g.nodes.len());
    for pass in 0..2 {
        for e in g.edges.iter().rev() {
            let mine = focus.is_some_and(|f| e.a as usize == f || e.b as usize == f);
            if (pass == 1) != mine {
                continue;
            }
            let (Some(a), Some(b)) = (screen.get(e.a as usize), screen.get(e.b as usize)) else {
                continue;
            };
            let Some((s, d)) = clip((a.0, a.1), (b.0, b.1), &plot) else {
                continue;
            };
            // Width grows with bytes, so only the heavy conversations stand out.
            let w = 1.0 + 4.0 * e.count.bytes as f64 / max_e;
            p.line(&[s, d], if mine { t.text } else { edge_col }, w)?;
        }
    }

    let mut layout = p.layout(plot);
    // Nodes, largest first so that small ones stay visible on top; a halo in the background
    // colour keeps touching circles apart.
    for (i, &(x, y, r)) in screen.iter().enumerate() {
        if !inside(i) {
            continue;
        }
        let c = colors.get(i).copied().unwrap_or(grey);
        p.circle(x, y, r + p.px(1.0), t.background)?;
        p.circle(x, y, r, c)?;
        if focus == Some(i) {
            p.circle(x, y, (r * 0.4).max(p.px(1.5)), t.background)?;
        }
    }
    // Hit regions: smallest nodes first, so that the one under the pointer is the smaller
    // when boxes overlap.
    let mut order: Vec<usize> = (0..screen.len()).filter(|&i| inside(i)).collect();
    order.sort_by(|&a, &b| {
        let ra = screen.get(a).map_or(0.0, |s| s.2);
        let rb = screen.get(b).map_or(0.0, |s| s.2);
        ra.total_cmp(&rb).then(a.cmp(&b))
    });
    for &i in &order {
        let (Some(&(x, y, r)), Some(n)) = (screen.get(i), g.nodes.get(i)) else {
            continue;
        };
        let r = r.max(p.px(4.0));
        layout.hits.push(HitRegion {
            x0: x - r,
            y0: y - r,
            x1: x + r,
            y1: y + r,
            label: node_hover(g, i),
            filter: Some(n.filter.clone()),
            time_ns: None,
        });
    }

    // Labels of the largest nodes, where they do not collide (the focused node's first).
    // Only the largest nodes are named (those a person looks for first); more labels would
    // land on small nodes at the edges, where there is room, and point at the wrong hosts.
    let max_labels =
        ((plot.width() * plot.height()) / (p.px(110.0) * p.px(40.0))).clamp(3.0, 30.0) as usize;
    let mut placed: Vec<Rect> = Vec::new();
    let mut candidates: Vec<usize> = focus.into_iter().collect();
    candidates.extend((0..g.nodes.len()).filter(|&i| Some(i) != focus));
    let lh = p.line_h(Font::Small);
    for (rank, i) in candidates.into_iter().enumerate() {
        if placed.len() >= max_labels || rank >= 2 * max_labels {
            break;
        }
        let (Some(&(x, y, r)), Some(n)) = (screen.get(i), g.nodes.get(i)) else {
            continue;
        };
        if !inside(i) {
            continue;
        }
        let text = p.fit(
            &n.addr.to_string(),
            p.px(150.0),
            Font::Small,
            Ellipsis::Middle,
        );
        let w = p.measure(&text, Font::Small);
        // Right of the circle, else left of it.
        let spots = [
            Rect {
                x0: x + r + p.px(3.0),
                y0: y - lh / 2.0,
                x1: x + r + p.px(3.0) + w,
                y1: y + lh / 2.0,
            },
            Rect {
                x0: x - r - p.px(3.0) - w,
                y0: y - lh / 2.0,
                x1: x - r - p.px(3.0),
                y1: y + lh / 2.0,
            },
        ];
        let overlaps =
            |s: &Rect, q: &Rect| s.x0 < q.x1 && q.x0 < s.x1 && s.y0 < q.y1 && q.y0 < s.y1;
        let free = |s: &Rect| {
            s.x0 >= plot.x0
                && s.x1 <= plot.x1
                && s.y0 >= plot.y0
                && s.y1 <= plot.y1
                && !placed.iter().any(|q| overlaps(s, q))
                // A label may cover smaller nodes (named ones matter more), never a larger.
                && !screen.iter().enumerate().take(i).any(|(j, &(cx, cy, cr))| {
                    j != i
                        && overlaps(
                            s,
                            &Rect {
                                x0: cx - cr,
                                y0: cy - cr,
                                x1: cx + cr,
                                y1: cy + cr,
                            },
                        )
                })
        };
        if let Some(s) = spots.iter().find(|s| free(s)) {
            p.rect(s.x0 - p.px(1.0), s.y0, s.x1 + p.px(1.0), s.y1, t.background)?;
            p.text(
                &text,
                (s.x0, (s.y0 + s.y1) / 2.0),
                Font::Small,
                t.text,
                HPos::Left,
                VPos::Center,
            )?;
            placed.push(*s);
        }
    }
    Ok(layout)
}

/// A paragraph for screen readers: the largest hosts and their largest peers.
pub fn text_alternative_graph(g: &HostGraph, opts: &ChartOptions) -> String {
    if g.nodes.is_empty() {
        return format!("{GRAPH_TITLE}: {NO_IP}.");
    }
    let items: Vec<String> = (0..g.nodes.len().min(opts.top_n.max(1)))
        .map(|i| format!("{}. {}", i + 1, node_hover(g, i)))
        .collect();
    format!(
        "Host graph of the {} largest of {} hosts, {} conversations: {}.",
        g.nodes.len(),
        format::thousands(g.hosts),
        format::thousands(g.edges.len() as u64),
        items.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_and_zoom_about_a_point() {
        let r = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        assert_eq!(
            clip((-5.0, 5.0), (15.0, 5.0), &r),
            Some(((0.0, 5.0), (10.0, 5.0)))
        );
        assert_eq!(clip((-5.0, -5.0), (-1.0, 20.0), &r), None);
        assert_eq!(
            clip((2.0, 2.0), (3.0, 3.0), &r),
            Some(((2.0, 2.0), (3.0, 3.0)))
        );
        let v = GraphView::default().zoomed(2.0, 100.0, 0.0);
        assert_eq!((v.scale, v.dx, v.dy), (2.0, -100.0, 0.0));
        // The point under the pointer stays: world offset 100 at zoom 1 is 200 at zoom 2,
        // moved back by the pan of -100.
        let back = v.zoomed(0.5, 100.0, 0.0);
        assert!((back.scale - 1.0).abs() < 1e-12 && back.dx.abs() < 1e-9);
        assert_eq!(GraphView::default().zoomed(1e9, 0.0, 0.0).scale, 50.0);
        assert_eq!(GraphView::default().panned(3.0, f64::NAN).dx, 3.0);
    }
}
