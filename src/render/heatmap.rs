//! The heatmaps: host × time and port × time (`heatmap-time`), and the source × destination
//! matrix (`heatmap-matrix`), drawn from [`HeatMap`] and [`Matrix`] (computed in the worker by
//! [`crate::traffic`]).
//!
//! Colour is bytes on a logarithmic scale (traffic spans many orders of magnitude: a DNS
//! exchange next to a download) through viridis, a perceptually uniform sequential palette
//! that reads the same to people with common colour-vision deficiencies and in grey; a legend
//! names the scale in binary units. A cell without traffic is left at the plot's background, so
//! "none" and "little" are told apart.

use super::common::{svg_with, TOO_SMALL};
use super::format::{self, TimePrecision, DAY, US};
use super::theme::Rgb;
use super::timeline::{time_axis_title, time_ticks, TickStyle};
use super::{
    pt, ChartLayout, ChartOptions, DrawResult, Ellipsis, Font, HitRegion, PResult, Painter, Rect,
    NO_IP, NO_TCP_UDP, PAD,
};
use crate::traffic::{HeatMap, HeatRows, Matrix};
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind};
use plotters::element::Text;
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, VPos};

/// The `data-chart` name of the time heatmaps.
pub const HEATMAP_TIME: &str = "heatmap-time";
/// The `data-chart` name of the matrix.
pub const HEATMAP_MATRIX: &str = "heatmap-matrix";

/// Viridis at eleven evenly spaced points (matplotlib's table).
const VIRIDIS: [Rgb; 11] = [
    Rgb::hex(0x440154),
    Rgb::hex(0x482475),
    Rgb::hex(0x414487),
    Rgb::hex(0x355F8D),
    Rgb::hex(0x2A788E),
    Rgb::hex(0x21918C),
    Rgb::hex(0x22A884),
    Rgb::hex(0x44BF70),
    Rgb::hex(0x7AD151),
    Rgb::hex(0xBDDF26),
    Rgb::hex(0xFDE725),
];

/// Viridis at `t` in 0..=1 (clamped; NaN is 0).
pub fn viridis(t: f64) -> Rgb {
    Rgb::ramp(&VIRIDIS, t)
}

/// A logarithmic colour scale for byte counts from `min` to `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogScale {
    min: f64,
    max: f64,
}

impl LogScale {
    /// A scale from 1 byte up to `max` bytes (at least 2).
    pub fn new(max: u64) -> LogScale {
        LogScale::range(1, max)
    }

    /// A scale from the smallest value shown to the largest, so the whole palette is used
    /// (a cell holds at least one frame: tens of bytes). The range spans at least a factor 2.
    pub fn range(min: u64, max: u64) -> LogScale {
        let min = (min as f64).max(1.0);
        LogScale {
            min,
            max: (max as f64).max(min * 2.0),
        }
    }

    /// A scale over the non-zero `values` up to `max` (from 1 when none is).
    pub(crate) fn nonzero(values: impl IntoIterator<Item = u64>, max: u64) -> LogScale {
        let min = values.into_iter().filter(|&v| v > 0).min();
        LogScale::range(min.unwrap_or(1), max)
    }

    /// Position of `v` on the scale, 0 (`min`) to 1 (`max`).
    pub fn t(&self, v: u64) -> f64 {
        let v = (v as f64).max(self.min);
        ((v / self.min).ln() / (self.max / self.min).ln()).clamp(0.0, 1.0)
    }

    /// The colour of `v` (the lowest 8 % of the palette is skipped: it is too close to a dark
    /// background).
    pub fn color(&self, v: u64) -> Rgb {
        viridis(0.08 + 0.92 * self.t(v))
    }

    /// Round tick values within the scale (powers of 1,024, or of 32, 4 or 2 when that gives
    /// fewer than three), with their labels; the two ends when not even two powers of 2 fit.
    pub fn ticks(&self) -> Vec<(u64, String)> {
        let (lo, hi) = (self.min.ceil() as u64, self.max as u64);
        let mut best = Vec::new();
        for base in [1024u64, 32, 4, 2] {
            let mut v = 1u64;
            let mut out = Vec::new();
            while v <= hi {
                if v >= lo {
                    out.push((v, format::bytes(v)));
                }
                match v.checked_mul(base) {
                    Some(n) => v = n,
                    None => break,
                }
            }
            best = out;
            if best.len() >= 3 {
                break;
            }
        }
        if best.len() < 2 {
            best = vec![(lo, format::bytes(lo)), (hi, format::bytes(hi))];
        }
        best
    }
}

/// The heatmaps' time axes: columns can be microseconds wide; `HH:MM` on whole minutes.
const TICKS: TickStyle = TickStyle {
    finest: US,
    minutes: true,
};

/// Draws `s` turned to read upwards, its start at `(x, y)` (`h` = where along the text the
/// point is; the text is centred across it).
pub(crate) fn vtext<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    s: &str,
    (x, y): (f64, f64),
    f: Font,
    color: Rgb,
    h: HPos,
) -> PResult<(), DB> {
    if s.is_empty() {
        return Ok(());
    }
    p.area.draw(&Text::new(
        s.to_string(),
        pt(x, y),
        p.style(f, color, h, VPos::Center, true),
    ))
}

/// The legend: `title`, then a gradient bar `bar_w` wide with tick labels under it, right
/// aligned at `x1`, top at `y`. Returns its height.
pub(crate) fn legend<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    scale: &LogScale,
    title: &str,
    x1: f64,
    y: f64,
    bar_w: f64,
) -> PResult<f64, DB> {
    let t = p.theme;
    let bar_h = p.px(8.0);
    let x0 = x1 - bar_w;
    let steps = (bar_w / p.px(2.0)).ceil().clamp(8.0, 256.0) as usize;
    for i in 0..steps {
        let a = x0 + bar_w * i as f64 / steps as f64;
        let b = x0 + bar_w * (i + 1) as f64 / steps as f64;
        let c = viridis(0.08 + 0.92 * (i as f64 + 0.5) / steps as f64);
        p.rect(a, y, b, y + bar_h, c)?;
    }
    p.text(
        title,
        (x0 - p.px(6.0), y + bar_h / 2.0),
        Font::Small,
        t.muted,
        HPos::Right,
        VPos::Center,
    )?;
    // Tick labels that fit without touching.
    let mut last_right = f64::NEG_INFINITY;
    for (v, label) in &scale.ticks() {
        let x = x0 + bar_w * scale.t(*v);
        let w = p.measure(label, Font::Small);
        let lx = x.clamp(x0 + w / 2.0, x1 - w / 2.0);
        if lx - w / 2.0 < last_right + p.px(6.0) {
            continue;
        }
        p.line(&[(x, y + bar_h), (x, y + bar_h + p.px(3.0))], t.axis, 1.0)?;
        p.text(
            label,
            (lx, y + bar_h + p.px(3.0)),
            Font::Small,
            t.muted,
            HPos::Center,
            VPos::Top,
        )?;
        last_right = lx + w / 2.0;
    }
    Ok(bar_h + p.px(3.0) + p.line_h(Font::Small))
}

/// The title of a time heatmap.
pub fn time_title_of(kind: HeatRows) -> &'static str {
    match kind {
        HeatRows::Hosts => "Hosts over time: bytes per host and time bucket",
        HeatRows::Ports => "Service ports over time: bytes per TCP/UDP port and time bucket",
    }
}

/// The empty state of a time heatmap without rows.
fn no_rows(kind: HeatRows) -> &'static str {
    match kind {
        HeatRows::Hosts => NO_IP,
        HeatRows::Ports => NO_TCP_UDP,
    }
}

/// The title of the matrix.
pub const MATRIX_TITLE: &str = "Source × destination: bytes from each source (row) to each \
     destination (column)";

fn cell_hover(map: &HeatMap, row: usize, col: usize, off: i32) -> Option<String> {
    let r = map.rows.get(row)?;
    let (a, b) = map.column_range(col);
    let precision = TimePrecision::for_step(map.bucket_ns);
    let when = if map.bucket_ns >= DAY {
        format::date(a, off)
    } else {
        format!(
            "{}–{}",
            format::date_time_with(a, off, precision),
            format::time_of_day(b, off, precision)
        )
    };
    Some(format!(
        "{} · {when} ({}) · {} · {} frames",
        r.label,
        format::tz_label(off),
        format::bytes(r.bytes.get(col).copied().unwrap_or(0)),
        format::thousands(r.packets.get(col).copied().unwrap_or(0))
    ))
}

/// The host × time or port × time heatmap.
pub fn draw_heatmap_time<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    map: &HeatMap,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    heatmap_time(area, map, opts, 1.0)
}

/// [`draw_heatmap_time`] as an SVG document of `size` pixels.
pub fn svg_heatmap_time(
    map: &HeatMap,
    opts: &ChartOptions,
    size: (u32, u32),
) -> Result<(String, ChartLayout), DrawingAreaErrorKind<std::io::Error>> {
    svg_with(size, |area, ts| heatmap_time(area, map, opts, ts))
}

/// Like [`draw_heatmap_time`], with font sizes multiplied by `text_scale` (see
/// [`super::draw_with_text_scale`]).
pub fn heatmap_time<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    map: &HeatMap,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let p = Painter::new(area, opts, text_scale);
    let t = p.theme;
    let top = p.begin(time_title_of(map.kind))?;
    if map.rows.is_empty() {
        return p.empty(top, no_rows(map.kind));
    }
    if map.columns == 0 {
        return p.empty(top, "no timestamps in this capture");
    }
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);
    let what = match map.kind {
        HeatRows::Hosts => "hosts",
        HeatRows::Ports => "ports",
    };
    let sub = format!(
        "top {} of {} {what} by bytes · {} per column · {} in view",
        map.rows.len(),
        format::thousands(map.keys),
        format::width(map.bucket_ns),
        format::bytes(map.total.bytes)
    );
    p.note(&sub, top)?;
    let plot_top = top + small_h + p.px(6.0);
    let legend_h = p.px(8.0) + p.px(3.0) + small_h;
    let plot_bottom = p.h - pad - legend_h - p.px(8.0) - small_h - p.px(6.0);
    let label_font = Font::Small;
    let widest = p.widest(map.rows.iter().map(|r| &r.label), label_font);
    let label_w = widest.min((p.w * 0.35).max(p.px(40.0)));
    let x0 = pad + label_w + p.px(6.0);
    let x1 = p.w - pad;
    if plot_bottom - plot_top < p.px(20.0) || x1 - x0 < p.px(40.0) {
        return p.empty(top, TOO_SMALL);
    }
    let n = map.rows.len();
    // A few rows do not stretch to fill the chart: the time axis follows the last row.
    let plot_bottom = plot_bottom.min(plot_top + n as f64 * p.px(36.0));
    let row_h = (plot_bottom - plot_top) / n as f64;
    let col_w = (x1 - x0) / map.columns as f64;
    let cells = map.rows.iter().flat_map(|r| r.bytes.iter().copied());
    let scale = LogScale::nonzero(cells, map.max_cell_bytes);
    p.rect(
        x0,
        plot_top,
        x1,
        plot_bottom,
        t.background.mix(t.grid, 0.45),
    )?;

    let mut layout = p.layout(Rect {
        x0,
        y0: plot_top,
        x1,
        y1: plot_bottom,
    });
    // Labels: every row where they fit, else every k-th.
    let stride = (small_h / row_h).ceil().max(1.0) as usize;
    for (i, r) in map.rows.iter().enumerate() {
        let y0 = plot_top + row_h * i as f64;
        let y1 = plot_top + row_h * (i + 1) as f64;
        for c in 0..map.columns {
            let b = r.bytes.get(c).copied().unwrap_or(0);
            if b == 0 {
                continue;
            }
            let cx0 = x0 + col_w * c as f64;
            let cx1 = x0 + col_w * (c + 1) as f64;
            p.rect(cx0, y0, cx1, y1, scale.color(b))?;
            let (a, e) = map.column_range(c);
            layout.hits.push(HitRegion {
                x0: cx0,
                y0,
                x1: cx1,
                y1,
                label: cell_hover(map, i, c, opts.tz_offset_s).unwrap_or_default(),
                filter: map.cell_filter(i, c),
                time_ns: Some((a, e)),
            });
        }
        if i % stride == 0 {
            let label = p.fit(&r.label, label_w, label_font, Ellipsis::Middle);
            p.text(
                &label,
                (x0 - p.px(6.0), (y0 + y1) / 2.0),
                label_font,
                t.text,
                HPos::Right,
                VPos::Center,
            )?;
        }
        let class = r
            .class
            .map_or(String::new(), |c| format!(" ({})", c.label()));
        layout.hits.push(HitRegion {
            x0: pad,
            y0,
            x1: x0,
            y1,
            label: format!(
                "{}{class} — {} · {} frames in view",
                r.label,
                format::bytes(r.total.bytes),
                format::thousands(r.total.packets)
            ),
            filter: Some(r.filter.clone()),
            time_ns: None,
        });
    }
    // Time axis.
    let (t0, t1) = (map.start_ns, map.column_range(map.columns - 1).1);
    p.line(&[(x0, plot_bottom), (x1, plot_bottom)], t.axis, 1.0)?;
    let span = (t1 - t0).max(1) as f64;
    let mut last_right = f64::NEG_INFINITY;
    let ticks = time_ticks(t0, t1, opts.tz_offset_s, x1 - x0, TICKS, &|labels| {
        p.widest(labels, Font::Small) + p.px(12.0)
    });
    for (tt, label) in ticks {
        let x = x0 + (tt - t0) as f64 / span * (x1 - x0);
        let w = p.measure(&label, Font::Small);
        let lx = x.clamp(x0 + w / 2.0, (x1 - w / 2.0).max(x0 + w / 2.0));
        p.line(
            &[(x, plot_bottom), (x, plot_bottom + p.px(3.0))],
            t.axis,
            1.0,
        )?;
        if lx - w / 2.0 >= last_right + p.px(4.0) {
            p.text(
                &label,
                (lx, plot_bottom + p.px(4.0)),
                Font::Small,
                t.muted,
                HPos::Center,
                VPos::Top,
            )?;
            last_right = lx + w / 2.0;
        }
    }
    let ly = plot_bottom + p.px(4.0) + small_h + p.px(6.0);
    let bar_w = p.px(160.0).min((x1 - x0) * 0.45);
    let legend_title = "bytes per cell (log)";
    let lt_w = p.measure(legend_title, Font::Small) + p.px(6.0);
    legend(&p, &scale, legend_title, x1, ly, bar_w)?;
    let title = p.fit(
        &time_axis_title(t0, t1, opts.tz_offset_s),
        (x1 - bar_w - lt_w - p.px(12.0) - pad).max(0.0),
        Font::Small,
        Ellipsis::End,
    );
    p.text(
        &title,
        (pad, ly),
        Font::Small,
        t.muted,
        HPos::Left,
        VPos::Top,
    )?;
    Ok(layout)
}

/// A paragraph for screen readers: the rows, their totals and their busiest buckets.
pub fn text_alternative_time(map: &HeatMap, opts: &ChartOptions) -> String {
    let title = time_title_of(map.kind);
    if map.rows.is_empty() {
        return format!("{title}: {}.", no_rows(map.kind));
    }
    let items: Vec<String> = map
        .rows
        .iter()
        .take(opts.top_n.max(1))
        .enumerate()
        .map(|(i, r)| {
            let busiest = cell_hover(map, i, r.peak, opts.tz_offset_s)
                .map(|h| format!(", busiest {}", h.split(" · ").nth(1).unwrap_or("")))
                .unwrap_or_default();
            format!(
                "{}. {} {} ({} frames){busiest}",
                i + 1,
                r.label,
                format::bytes(r.total.bytes),
                format::thousands(r.total.packets)
            )
        })
        .collect();
    format!(
        "{title}, {} per column: {}.",
        format::width(map.bucket_ns),
        items.join("; ")
    )
}

/// The source × destination matrix.
pub fn draw_heatmap_matrix<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: &Matrix,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    heatmap_matrix(area, m, opts, 1.0)
}

/// [`draw_heatmap_matrix`] as an SVG document of `size` pixels.
pub fn svg_heatmap_matrix(
    m: &Matrix,
    opts: &ChartOptions,
    size: (u32, u32),
) -> Result<(String, ChartLayout), DrawingAreaErrorKind<std::io::Error>> {
    svg_with(size, |area, ts| heatmap_matrix(area, m, opts, ts))
}

/// Like [`draw_heatmap_matrix`], with font sizes multiplied by `text_scale`.
pub fn heatmap_matrix<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: &Matrix,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let p = Painter::new(area, opts, text_scale);
    let t = p.theme;
    let top = p.begin(MATRIX_TITLE)?;
    if m.sources.is_empty() || m.destinations.is_empty() {
        return p.empty(top, NO_IP);
    }
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);
    let sub = format!(
        "top {} sources × top {} destinations of {} hosts · cells hold {} of {} · rows and \
         columns in address order",
        m.sources.len(),
        m.destinations.len(),
        format::thousands(m.hosts),
        format::bytes(m.shown.bytes),
        format::bytes(m.total.bytes)
    );
    p.note(&sub, top)?;
    let top = top + small_h + p.px(4.0);
    let widest = |v: &[crate::traffic::MatrixHost]| {
        p.widest(v.iter().map(|h| h.addr.to_string()), Font::Small)
    };
    let row_w = widest(&m.sources).min((p.w * 0.3).max(p.px(40.0)));
    let col_h = widest(&m.destinations).min((p.h * 0.28).max(p.px(40.0)));
    let legend_h = p.px(8.0) + p.px(3.0) + small_h;
    let x0 = pad + row_w + p.px(6.0);
    let x1 = p.w - pad;
    let y0 = top + col_h + p.px(6.0);
    let y1 = p.h - pad - legend_h - p.px(6.0);
    if y1 - y0 < p.px(20.0) || x1 - x0 < p.px(40.0) {
        return p.empty(top, TOO_SMALL);
    }
    let (nr, nc) = (m.sources.len(), m.destinations.len());
    // Cells stay at most 48 CSS px on a side when hosts are few.
    let x1 = x1.min(x0 + nc as f64 * p.px(48.0));
    let y1 = y1.min(y0 + nr as f64 * p.px(48.0));
    let cw = (x1 - x0) / nc as f64;
    let rh = (y1 - y0) / nr as f64;
    let scale = LogScale::nonzero(m.cells.iter().map(|c| c.count.bytes), m.max_cell_bytes);
    p.rect(x0, y0, x1, y1, t.background.mix(t.grid, 0.45))?;
    // Faint lines between hosts, where cells are big enough for them to help.
    if cw >= p.px(8.0) && rh >= p.px(8.0) {
        for c in 1..nc {
            let x = x0 + cw * c as f64;
            p.line(&[(x, y0), (x, y1)], t.background, 1.0)?;
        }
        for r in 1..nr {
            let y = y0 + rh * r as f64;
            p.line(&[(x0, y), (x1, y)], t.background, 1.0)?;
        }
    }
    let mut layout = p.layout(Rect { x0, y0, x1, y1 });
    let gap = if cw >= p.px(8.0) && rh >= p.px(8.0) {
        p.px(0.5)
    } else {
        0.0
    };
    for c in &m.cells {
        let (Some(s), Some(d)) = (
            m.sources.get(c.row as usize),
            m.destinations.get(c.col as usize),
        ) else {
            continue;
        };
        let cx0 = x0 + cw * f64::from(c.col);
        let cy0 = y0 + rh * f64::from(c.row);
        p.rect(
            cx0 + gap,
            cy0 + gap,
            cx0 + cw - gap,
            cy0 + rh - gap,
            scale.color(c.count.bytes),
        )?;
        layout.hits.push(HitRegion {
            x0: cx0,
            y0: cy0,
            x1: cx0 + cw,
            y1: cy0 + rh,
            label: format!(
                "{} → {} · {} · {} frames",
                s.addr,
                d.addr,
                format::bytes(c.count.bytes),
                format::thousands(c.count.packets)
            ),
            filter: m.cell_filter(c.row as usize, c.col as usize),
            time_ns: None,
        });
    }
    // Row labels (sources) and column labels (destinations, reading upwards).
    let rstride = (small_h / rh).ceil().max(1.0) as usize;
    for (i, s) in m.sources.iter().enumerate() {
        let cy0 = y0 + rh * i as f64;
        if i % rstride == 0 {
            let label = p.fit(&s.addr.to_string(), row_w, Font::Small, Ellipsis::Middle);
            p.text(
                &label,
                (x0 - p.px(6.0), cy0 + rh / 2.0),
                Font::Small,
                t.text,
                HPos::Right,
                VPos::Center,
            )?;
        }
        layout.hits.push(HitRegion {
            x0: pad,
            y0: cy0,
            x1: x0,
            y1: cy0 + rh,
            label: format!(
                "{} ({}) sent {} ({} frames)",
                s.addr,
                s.class.label(),
                format::bytes(s.count.bytes),
                format::thousands(s.count.packets)
            ),
            filter: Some(s.filter.clone()),
            time_ns: None,
        });
    }
    let cstride = (small_h / cw).ceil().max(1.0) as usize;
    for (i, d) in m.destinations.iter().enumerate() {
        let cx0 = x0 + cw * i as f64;
        if i % cstride == 0 {
            let label = p.fit(&d.addr.to_string(), col_h, Font::Small, Ellipsis::Middle);
            vtext(
                &p,
                &label,
                (cx0 + cw / 2.0, y0 - p.px(6.0)),
                Font::Small,
                t.text,
                HPos::Left,
            )?;
        }
        layout.hits.push(HitRegion {
            x0: cx0,
            y0: top,
            x1: cx0 + cw,
            y1: y0,
            label: format!(
                "{} ({}) received {} ({} frames)",
                d.addr,
                d.class.label(),
                format::bytes(d.count.bytes),
                format::thousands(d.count.packets)
            ),
            filter: Some(d.filter.clone()),
            time_ns: None,
        });
    }
    // What the axes are, in the corner they leave.
    let corner_w = x0 - pad - p.px(6.0);
    for (k, s) in ["rows: sources", "columns: destinations"]
        .iter()
        .enumerate()
    {
        let s = p.fit(s, corner_w, Font::Small, Ellipsis::End);
        p.text(
            &s,
            (pad, top + small_h * k as f64),
            Font::Small,
            t.muted,
            HPos::Left,
            VPos::Top,
        )?;
    }
    let bar_w = p.px(160.0).min((p.w - 2.0 * pad) * 0.4);
    legend(
        &p,
        &scale,
        "bytes per cell (log)",
        p.w - pad,
        y1 + p.px(6.0),
        bar_w,
    )?;
    Ok(layout)
}

/// A paragraph for screen readers: the largest pairs.
pub fn text_alternative_matrix(m: &Matrix, opts: &ChartOptions) -> String {
    if m.pairs.is_empty() {
        return format!("{MATRIX_TITLE}: {NO_IP}.");
    }
    let items: Vec<String> = m
        .pairs
        .iter()
        .take(opts.top_n.max(1))
        .enumerate()
        .map(|(i, p)| {
            format!(
                "{}. {} to {}: {} ({} frames)",
                i + 1,
                p.src,
                p.dst,
                format::bytes(p.count.bytes),
                format::thousands(p.count.packets)
            )
        })
        .collect();
    format!(
        "Largest source-to-destination pairs, of {} in view: {}.",
        format::bytes(m.total.bytes),
        items.join("; ")
    )
}
