//! The packet-size histogram: frames per length range, one vertical bar per bin of
//! [`crate::stats::SIZE_BINS`].

use super::common::{TICK_GAP, TOO_SMALL};
use super::format;
use super::{Chart, ChartOptions, DrawResult, Font, HitRegion, Painter, Rect, NO_PACKETS, PAD};
use crate::stats::{SizeBin, Snapshot};
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, VPos};

/// `"0-19"`, `"5120+"` (the last bin is open).
fn range_label(b: &SizeBin) -> String {
    if b.hi == u32::MAX {
        format!("{}+", b.lo)
    } else {
        format!("{}-{}", b.lo, b.hi)
    }
}

fn hover(b: &SizeBin, total: u64) -> String {
    format!(
        "{} bytes — {} frames ({}) · {}",
        range_label(b),
        format::thousands(b.count.packets),
        format::percent(b.count.packets, total),
        format::bytes(b.count.bytes)
    )
}

/// Frames per length range, as Wireshark's Packet Lengths statistics: bars labelled `0-19` ...
/// `5120+`, the count above each bar where it fits.
pub fn draw_sizes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    sizes(area, snap, opts, 1.0)
}

pub(super) fn sizes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let p = Painter::new(area, opts, text_scale);
    let t = p.theme;
    let top = p.begin(Chart::Sizes.title())?;
    let total: u64 = snap.sizes.iter().map(|b| b.count.packets).sum();
    if total == 0 || snap.sizes.is_empty() {
        return p.empty(top, NO_PACKETS);
    }
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);
    let plot_top = top + small_h + p.px(7.0);
    let bottom = p.bottom_above_axis();
    let plot_h = bottom - plot_top;
    if plot_h < p.px(24.0) {
        return p.empty(top, TOO_SMALL);
    }
    let max = snap
        .sizes
        .iter()
        .map(|b| b.count.packets)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    // Leave room above the tallest bar for its count.
    let ticks = p.count_ticks(max, plot_h, true);
    let (x0, x1) = p.x_beside(&ticks.labels);
    let y_of = |v: f64| bottom - v / ticks.top * plot_h;

    // Unit of the y axis, above it.
    p.text(
        "frames",
        (pad, top),
        Font::Small,
        t.muted,
        HPos::Left,
        VPos::Top,
    )?;
    p.count_axis(&ticks, (x0, x1, bottom, plot_h))?;

    let n = snap.sizes.len();
    let slot = (x1 - x0) / n as f64;
    let bar_w = slot * 0.78;
    let label_gap = p.px(6.0);
    // Where "640-1279" fits under every bar, each bar is labelled with its range; where it
    // does not, the axis is labelled like a histogram's, with each bin's lower edge under the
    // bar's left side (the last bin is open, "5120+" on hover), thinned out if still too dense.
    let full: Vec<String> = snap.sizes.iter().map(range_label).collect();
    let edges: Vec<String> = snap.sizes.iter().map(|b| b.lo.to_string()).collect();
    let (labels, stride, at_edges) = if p.widest(&full, Font::Small) + label_gap <= slot {
        (full, 1, false)
    } else {
        let need = p.widest(&edges, Font::Small) + label_gap;
        let stride = if slot > 0.0 {
            (need / slot).ceil().max(1.0) as usize
        } else {
            n
        };
        (edges, stride, true)
    };

    let mut layout = p.layout(Rect {
        x0,
        y0: plot_top,
        x1,
        y1: bottom,
    });
    for (i, (b, label)) in snap.sizes.iter().zip(&labels).enumerate() {
        let sx = x0 + slot * i as f64;
        let cx = sx + slot / 2.0;
        let v = b.count.packets;
        if v > 0 {
            let count = format::thousands(v);
            p.count_bar(
                (cx, bar_w, slot),
                (y_of(v as f64), bottom),
                t.accent,
                &count,
            )?;
        }
        if at_edges {
            p.line(&[(sx, bottom), (sx, bottom + p.px(3.0))], t.axis, 1.0)?;
        }
        // With labels thinned out, the first and the last bin keep theirs.
        if stride == 1 || (i % stride == 0 && n - 1 - i >= stride) || i == n - 1 {
            let x = if at_edges { sx } else { cx };
            p.x_label(label, x, bottom + p.px(TICK_GAP))?;
        }
        let filter = if b.hi == u32::MAX {
            format!("frame.len >= {}", b.lo)
        } else {
            format!("frame.len >= {} && frame.len <= {}", b.lo, b.hi)
        };
        layout.hits.push(HitRegion {
            x0: sx,
            y0: plot_top,
            x1: sx + slot,
            y1: bottom,
            label: hover(b, total),
            filter: Some(filter),
            time_ns: None,
        });
    }
    let ty = bottom + p.px(TICK_GAP) + small_h + p.px(2.0);
    p.axis_title("frame length (bytes)", (x0, x1), ty, false)?;
    Ok(layout)
}

pub(super) fn text_alternative(snap: &Snapshot) -> String {
    let total: u64 = snap.sizes.iter().map(|b| b.count.packets).sum();
    if total == 0 {
        return format!("{}: {NO_PACKETS}.", Chart::Sizes.title());
    }
    let items: Vec<String> = snap
        .sizes
        .iter()
        .filter(|b| b.count.packets > 0)
        .map(|b| hover(b, total))
        .collect();
    format!(
        "Frames per length range, of {} frames: {}.",
        format::thousands(total),
        items.join("; ")
    )
}
