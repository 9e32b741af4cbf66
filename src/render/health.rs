//! The health charts: handshake RTTs, connection outcomes, DNS response times, activity by
//! time of day, retransmissions over time.
//!
//! Each is drawn from a [`HealthView`]: the health report whose series were cut to the view's
//! frames ([`crate::health::HealthReport::restrict`]) and the view's traffic timeline, so
//! every chart follows the display filter. Like the other charts, each fills its area (title,
//! axes with units, marks, or an empty state that says why there is nothing) and returns a
//! [`ChartLayout`] whose hit regions carry a display filter for the frames behind the mark.
//!
//! ```
//! use pcapscope::health::HealthReport;
//! use pcapscope::render::{svg_health, ChartOptions, HealthChart, HealthView};
//! use pcapscope::stats::TimelineView;
//!
//! let report = HealthReport::default();
//! let timeline = TimelineView::default();
//! let view = HealthView::new(&report, &timeline);
//! for chart in HealthChart::ALL {
//!     let (svg, layout) = svg_health(*chart, &view, &ChartOptions::default(), (600, 300)).unwrap();
//!     assert!(svg.starts_with("<svg") && layout.empty.is_some());
//! }
//! ```
//!
//! Charts over a subsample (a series past its cap, [`crate::health::series::Sampled`]) scale
//! counts back up and say so ("≈", "1 in 4 sampled").

use super::common::{svg_with, TICK_GAP, TOO_SMALL};
use super::format::{self, TimePrecision, DAY, HOUR, MIN, MS, SEC};
use super::theme::{Rgb, OKABE_ITO};
use super::timeline::{draw_time_ticks, time_axis_title, time_range, TickStyle};
use super::{
    clamp_text_scale, display_timeline, ChartLayout, ChartOptions, DrawResult, Ellipsis, Font,
    HitRegion, Painter, Rect, TimeAxis, PAD,
};
use crate::health::detect::addr_filter;
use crate::health::series::{DnsSample, RttSample, Sampled, TcpEvent};
use crate::health::tcp::Handshake;
use crate::health::HealthReport;
use crate::stats::timeline::LADDER;
use crate::stats::{Bucket, TimelineView};
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, VPos};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The health charts' time axes: milliseconds and up, `HH:MM` on whole minutes.
const TICKS: TickStyle = TickStyle {
    finest: MS,
    minutes: true,
};
/// Click filters list frames by number up to this many; past it they fall back to a broader
/// predicate (a filter of thousands of numbers is unreadable in the filter box).
pub const FILTER_MAX_FRAMES: usize = 200;
/// Servers coloured apart in the RTT-over-time chart; the rest are grey.
pub const RTT_TOP_SERVERS: usize = 5;
/// Time windows a time-of-day cell's filter joins at most (one per day the hour occurs).
const CELL_MAX_WINDOWS: usize = 8;

/// Empty state of the RTT charts.
pub const NO_HANDSHAKES: &str = "no completed TCP handshakes in this view";
/// Empty state of the connections chart.
pub const NO_CONNECTIONS: &str = "no TCP connections in this view";
/// Empty state of the DNS chart.
pub const NO_DNS: &str = "no answered DNS queries in this view";
/// Empty state of the time-of-day chart.
pub const NO_FRAMES: &str = "no packets in this view";
/// Empty state of the retransmissions chart.
pub const NO_RETRANSMISSIONS: &str = "no retransmissions or duplicate ACKs in this view";

/// The health charts, by their `data-chart` name on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HealthChart {
    /// Handshake RTT distribution (`rtt-histogram`).
    RttHistogram,
    /// Handshake RTT over time, by server (`rtt-time`).
    RttTime,
    /// Connections by handshake outcome (`connections`).
    Connections,
    /// DNS response-time distribution (`dns-time`).
    DnsTime,
    /// Frames per hour of the day (and day of the week) (`time-of-day`).
    TimeOfDay,
    /// Retransmissions and duplicate ACKs over time (`retransmissions`).
    Retransmissions,
}

impl HealthChart {
    /// Every health chart, in page order.
    pub const ALL: &'static [HealthChart] = &[
        HealthChart::RttHistogram,
        HealthChart::RttTime,
        HealthChart::Connections,
        HealthChart::DnsTime,
        HealthChart::TimeOfDay,
        HealthChart::Retransmissions,
    ];

    /// The `data-chart` name.
    pub fn name(self) -> &'static str {
        match self {
            HealthChart::RttHistogram => "rtt-histogram",
            HealthChart::RttTime => "rtt-time",
            HealthChart::Connections => "connections",
            HealthChart::DnsTime => "dns-time",
            HealthChart::TimeOfDay => "time-of-day",
            HealthChart::Retransmissions => "retransmissions",
        }
    }

    /// The chart with this `data-chart` name.
    pub fn from_name(name: &str) -> Option<HealthChart> {
        HealthChart::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// The title drawn at the top of the chart: what it counts, in which unit.
    pub fn title(self) -> &'static str {
        match self {
            HealthChart::RttHistogram => "TCP handshake RTT: connections per RTT range (log scale)",
            HealthChart::RttTime => "TCP handshake RTT over time: one dot per connection",
            HealthChart::Connections => "TCP connections by handshake outcome",
            HealthChart::DnsTime => "DNS response time: responses per time range (log scale)",
            HealthChart::TimeOfDay => "Activity by time of day: frames per hour",
            HealthChart::Retransmissions => {
                "TCP retransmissions and duplicate ACKs: frames per time bucket"
            }
        }
    }
}

/// What the health charts are drawn from.
#[derive(Debug, Clone, Copy)]
pub struct HealthView<'a> {
    /// The health report, its series cut to the view ([`HealthReport::restrict`]).
    pub report: &'a HealthReport,
    /// The view's traffic timeline ([`crate::stats::Snapshot::timeline`]): the data of the
    /// time-of-day chart and the time grid of the retransmissions chart.
    pub timeline: &'a TimelineView,
    /// The capture's first frame time, the zero of `frame.time_relative` in click filters
    /// (without it, marks that stand for a time window have no filter).
    pub time_zero_ns: Option<i64>,
}

impl<'a> HealthView<'a> {
    /// A view without a time zero.
    pub fn new(report: &'a HealthReport, timeline: &'a TimelineView) -> Self {
        HealthView {
            report,
            timeline,
            time_zero_ns: None,
        }
    }

    /// The same with `frame.time_relative` counted from `t0` in click filters.
    pub fn with_time_zero(mut self, t0: Option<i64>) -> Self {
        self.time_zero_ns = t0;
        self
    }
}

/// Draws `chart` into `area`.
pub fn draw_health<DB: DrawingBackend>(
    chart: HealthChart,
    area: &DrawingArea<DB, Shift>,
    data: &HealthView<'_>,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    draw_health_with_text_scale(chart, area, data, opts, 1.0)
}

/// Like [`draw_health`], with font sizes multiplied by `text_scale` (see
/// [`super::draw_with_text_scale`]).
pub fn draw_health_with_text_scale<DB: DrawingBackend>(
    chart: HealthChart,
    area: &DrawingArea<DB, Shift>,
    data: &HealthView<'_>,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let ts = clamp_text_scale(text_scale);
    match chart {
        HealthChart::RttHistogram => {
            let item = |r: &RttSample| HistItem {
                us: r.rtt_us,
                frame: r.frame,
                failed: false,
            };
            let rtt = &data.report.series.rtt;
            log_histogram(area, &RTT_HISTOGRAM, rtt, item, opts, ts)
        }
        HealthChart::RttTime => rtt_time(area, data, opts, ts),
        HealthChart::Connections => connections(area, data, opts, ts),
        HealthChart::DnsTime => {
            let item = |r: &DnsSample| HistItem {
                us: r.time_us,
                frame: r.frame,
                failed: r.rcode != 0,
            };
            let dns = &data.report.series.dns;
            log_histogram(area, &DNS_TIME, dns, item, opts, ts)
        }
        HealthChart::TimeOfDay => time_of_day(area, data, opts, ts),
        HealthChart::Retransmissions => retransmissions(area, data, opts, ts, None),
    }
}

/// The retransmissions chart on the traffic chart's time axis (`axis`, from the timeline's
/// [`ChartLayout::time_axis`]), for drawing under it at the same width: its buckets are the
/// timeline's where they can be found again, and its plot spans the same pixels.
pub fn draw_retransmissions_aligned<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &HealthView<'_>,
    axis: &TimeAxis,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    retransmissions(area, data, opts, clamp_text_scale(text_scale), Some(axis))
}

/// Draws `chart` as an SVG document of `size` pixels, text sized as on the page's canvas.
pub fn svg_health(
    chart: HealthChart,
    data: &HealthView<'_>,
    opts: &ChartOptions,
    size: (u32, u32),
) -> Result<(String, ChartLayout), DrawingAreaErrorKind<std::io::Error>> {
    svg_with(size, |area, ts| {
        draw_health_with_text_scale(chart, area, data, opts, ts)
    })
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Seconds with up to nine decimals, for `frame.time_relative`.
fn rel_secs(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    let (s, frac) = (a / 1_000_000_000, a % 1_000_000_000);
    if frac == 0 {
        format!("{sign}{s}")
    } else {
        let f = format!("{frac:09}");
        format!("{sign}{s}.{}", f.trim_end_matches('0'))
    }
}

/// `frame.time_relative >= a && frame.time_relative < b`, or `None` without a time zero.
fn window_filter(a: i64, b: i64, t0: Option<i64>) -> Option<String> {
    let t0 = t0?;
    Some(format!(
        "frame.time_relative >= {} && frame.time_relative < {}",
        rel_secs(a.saturating_sub(t0)),
        rel_secs(b.saturating_sub(t0))
    ))
}

/// `frame.number in {..}` for at most [`FILTER_MAX_FRAMES`] frames.
fn frames_filter(frames: &[u64]) -> Option<String> {
    if frames.is_empty() || frames.len() > FILTER_MAX_FRAMES {
        return None;
    }
    let mut v = frames.to_vec();
    v.sort_unstable();
    v.dedup();
    let list: Vec<String> = v.iter().map(u64::to_string).collect();
    Some(format!("frame.number in {{{}}}", list.join(", ")))
}

/// The frames by number when few, else `fallback`.
fn frames_or(frames: &[u64], fallback: Option<String>) -> Option<String> {
    frames_filter(frames).or(fallback)
}

/// `"≈ "` before a count from a subsample.
fn approx<T>(s: &Sampled<T>) -> &'static str {
    if s.is_exact() {
        ""
    } else {
        "≈ "
    }
}

/// A count scaled by the series' stride, with thousands separators.
fn count<T>(s: &Sampled<T>, n: u64) -> String {
    format!("{}{}", approx(s), format::thousands(s.scale(n)))
}

/// A duration in µs for people (`850 µs`, `12.5 ms`, `1.2 s`).
fn fmt_us(us: f64) -> String {
    let us = if us.is_finite() { us } else { 0.0 };
    format::duration((us * 1_000.0).round().clamp(-9.2e18, 9.2e18) as i64)
}

/// Nearest-rank percentile `p` of sorted values.
fn percentile(sorted: &[f64], p: usize) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (p * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Edges 1-2-5 × 10^k (µs) from the largest at or below `lo` to the first above `hi`.
fn log_edges(lo: f64, hi: f64) -> Vec<f64> {
    let lo = if lo.is_finite() { lo.max(1.0) } else { 1.0 };
    let hi = if hi.is_finite() { hi.max(lo) } else { lo };
    let mut exp = lo.log10().floor() as i32;
    let mut edges: Vec<f64> = Vec::new();
    'outer: while exp < 40 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powi(exp);
            if v <= lo {
                edges.clear();
                edges.push(v);
            } else {
                edges.push(v);
                if v > hi {
                    break 'outer;
                }
            }
        }
        exp += 1;
    }
    if edges.len() < 2 {
        let first = edges.first().copied().unwrap_or(1.0);
        edges = vec![first, first * 2.0];
    }
    edges
}

/// The bin of `v` among `edges` (values outside go to the first or last bin).
fn bin_of(edges: &[f64], v: f64) -> usize {
    let n = edges.len().saturating_sub(1).max(1);
    edges
        .partition_point(|e| *e <= v)
        .saturating_sub(1)
        .min(n - 1)
}

/// A 1-2-5 edge as an axis label: `500 µs`, `1 ms`, `20 s`.
fn edge_label(us: f64) -> String {
    fmt_us(us)
}

/// A time range for a readout: `12:00:01–12:00:02`, with the date when the span is long.
fn range_label(a: i64, z: i64, step: i64, span: i64, off: i32) -> String {
    let p = TimePrecision::for_step(step.max(1));
    let p = if step >= MIN && step % MIN == 0 {
        TimePrecision::Minutes
    } else {
        p
    };
    time_range(a, z, p, span, off)
}

/// Draws the time ticks (grid lines, tick marks, labels) and the axis title under `bottom`.
fn draw_time_axis<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    (x0, x1, plot_top, bottom): (f64, f64, f64, f64),
    (t0, t1): (i64, i64),
    off: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    draw_time_ticks(p, (x0, x1, plot_top, bottom), (t0, t1), off, TICKS)?;
    let ty = bottom + p.px(TICK_GAP) + p.line_h(Font::Small) + p.px(2.0);
    p.axis_title(&time_axis_title(t0, t1, off), (x0, x1), ty, true)
}

/// A legend entry: swatch colour and text.
struct LegendItem {
    color: Rgb,
    text: String,
    hover: Option<String>,
    filter: Option<String>,
}

/// Lays out legend items in rows from `(pad, top)`; returns each item's position and the
/// height used. Items that do not fit even alone are shortened.
fn legend_layout<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    items: &[LegendItem],
    top: f64,
) -> (Vec<(f64, f64, String)>, f64) {
    let pad = p.px(PAD);
    let sw = p.px(10.0);
    let small_h = p.line_h(Font::Small);
    let (mut x, mut y) = (pad, top);
    let mut out = Vec::new();
    let max_text = (p.w - 2.0 * pad - sw - p.px(4.0)).max(0.0);
    for it in items {
        let text = p.fit(&it.text, max_text, Font::Small, Ellipsis::Middle);
        let w = sw + p.px(4.0) + p.measure(&text, Font::Small) + p.px(12.0);
        if x + w > p.w - pad + p.px(12.0) && x > pad {
            x = pad;
            y += small_h + p.px(2.0);
        }
        out.push((x, y, text));
        x += w;
    }
    let h = if items.is_empty() {
        0.0
    } else {
        y - top + small_h + p.px(4.0)
    };
    (out, h)
}

/// Draws a legend laid out by [`legend_layout`] and adds its hit regions.
fn draw_legend<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    items: &[LegendItem],
    placed: &[(f64, f64, String)],
    layout: &mut ChartLayout,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let sw = p.px(10.0);
    let small_h = p.line_h(Font::Small);
    for (it, (x, y, text)) in items.iter().zip(placed) {
        let cy = y + small_h / 2.0;
        p.rect(*x, cy - sw / 2.0, x + sw, cy + sw / 2.0, it.color)?;
        p.text(
            text,
            (x + sw + p.px(4.0), cy),
            Font::Small,
            p.theme.text,
            HPos::Left,
            VPos::Center,
        )?;
        if let Some(hover) = &it.hover {
            let x1 = (x + sw + p.px(4.0) + p.measure(text, Font::Small)).min(p.w);
            layout.hits.push(HitRegion {
                x0: *x,
                y0: *y,
                x1,
                y1: (y + small_h).min(p.h),
                label: hover.clone(),
                filter: it.filter.clone(),
                time_ns: None,
            });
        }
    }
    Ok(())
}

/// The colour for failures (vermillion) and for the second series of a stack (orange).
fn failure_color() -> Rgb {
    OKABE_ITO[6]
}

// ---------------------------------------------------------------------------------------------
// Log-scale histograms: rtt-histogram, dns-time

/// One sample of a log histogram.
struct HistItem {
    us: f64,
    frame: u64,
    failed: bool,
}

/// What a log histogram says: its chart, empty state, unit, legend and axis texts.
struct HistText {
    chart: HealthChart,
    empty: &'static str,
    /// What one sample is, plural (`"handshakes"`).
    what: &'static str,
    /// Legend texts for the two stacks when some failed.
    ok_label: &'static str,
    failed_label: &'static str,
    /// The filter of a bin with too many frames to list.
    fallback: &'static str,
    x_title: &'static str,
}

const RTT_HISTOGRAM: HistText = HistText {
    chart: HealthChart::RttHistogram,
    empty: NO_HANDSHAKES,
    what: "handshakes",
    ok_label: "handshakes",
    failed_label: "",
    fallback: "tcp.flags.syn == 1 && tcp.flags.ack == 0",
    x_title: "handshake RTT, SYN to the ACK of the SYN/ACK (log scale)",
};

const DNS_TIME: HistText = HistText {
    chart: HealthChart::DnsTime,
    empty: NO_DNS,
    what: "responses",
    ok_label: "answered (NoError)",
    failed_label: "failed (rcode ≠ 0)",
    fallback: "dns.flags.response == 1",
    x_title: "DNS response time, query to response (log scale)",
};

/// A log histogram of the samples of `s` (`item` reads one), counts scaled by its stride.
fn log_histogram<DB: DrawingBackend, T>(
    area: &DrawingArea<DB, Shift>,
    spec: &HistText,
    s: &Sampled<T>,
    item: impl Fn(&T) -> HistItem,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let items: Vec<HistItem> = s.items.iter().map(item).collect();
    let p = Painter::new(area, opts, text_scale);
    let t = p.theme;
    let top = p.begin(spec.chart.title())?;
    if items.is_empty() {
        return p.empty(top, spec.empty);
    }
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);
    let stride = s.stride.max(1);
    let scale = |n: u64| n.saturating_mul(stride);
    let approx = if stride > 1 { "≈ " } else { "" };

    let mut values: Vec<f64> = items
        .iter()
        .map(|i| if i.us.is_finite() { i.us } else { 0.0 })
        .collect();
    values.sort_by(f64::total_cmp);
    let lo = values.first().copied().unwrap_or(1.0);
    let hi = values.last().copied().unwrap_or(1.0);
    let edges = log_edges(lo, hi);
    let nbins = edges.len() - 1;
    let mut ok = vec![0u64; nbins];
    let mut bad = vec![0u64; nbins];
    let mut frames: Vec<Vec<u64>> = vec![Vec::new(); nbins];
    for it in &items {
        let i = bin_of(&edges, it.us);
        if it.failed {
            bad[i] += 1;
        } else {
            ok[i] += 1;
        }
        if frames[i].len() <= FILTER_MAX_FRAMES {
            frames[i].push(it.frame);
        }
    }
    let any_failed = bad.iter().any(|b| *b > 0);
    let total: u64 = scale(items.len() as u64);

    // Unit line, legend.
    let mut unit = format!("{} per range", spec.what);
    if stride > 1 {
        unit.push_str(&format!(" (1 in {stride} sampled, scaled)"));
    }
    let legend: Vec<LegendItem> = if any_failed {
        vec![
            LegendItem {
                color: t.accent,
                text: spec.ok_label.to_string(),
                hover: None,
                filter: None,
            },
            LegendItem {
                color: failure_color(),
                text: spec.failed_label.to_string(),
                hover: None,
                filter: None,
            },
        ]
    } else {
        Vec::new()
    };
    let (placed, legend_h) = legend_layout(&p, &legend, top);
    let unit_y = top + legend_h;
    let marker_y = unit_y + small_h + p.px(2.0);
    let plot_top = marker_y + small_h + p.px(6.0);
    let bottom = p.bottom_above_axis();
    let plot_h = bottom - plot_top;
    if plot_h < p.px(24.0) || p.w < p.px(120.0) {
        return p.empty(top, TOO_SMALL);
    }
    let max = (0..nbins)
        .map(|i| scale(ok[i] + bad[i]))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let ticks = p.count_ticks(max, plot_h, true);
    let (x0, x1) = p.x_beside(&ticks.labels);
    let y_of = |v: f64| bottom - v / ticks.top * plot_h;
    let slot = (x1 - x0) / nbins as f64;
    let bar_w = slot * 0.86;

    let mut layout = p.layout(Rect {
        x0,
        y0: plot_top,
        x1,
        y1: bottom,
    });
    draw_legend(&p, &legend, &placed, &mut layout)?;
    p.note(&unit, unit_y)?;
    p.count_axis(&ticks, (x0, x1, bottom, plot_h))?;

    // Counts above the bars, drawn after the percentile lines so that those never cross them.
    let mut counts: Vec<(String, f64, f64)> = Vec::new();
    for i in 0..nbins {
        let sx = x0 + slot * i as f64;
        let cx = sx + slot / 2.0;
        let (o, b) = (scale(ok[i]), scale(bad[i]));
        let n = o + b;
        if n > 0 {
            let y_ok = y_of(o as f64);
            if o > 0 {
                p.rect(
                    cx - bar_w / 2.0,
                    y_ok.min(bottom - p.px(1.0)),
                    cx + bar_w / 2.0,
                    bottom,
                    t.accent,
                )?;
            }
            let yt = y_of(n as f64).min(bottom - p.px(1.0));
            if b > 0 {
                p.rect(
                    cx - bar_w / 2.0,
                    yt,
                    cx + bar_w / 2.0,
                    y_ok,
                    failure_color(),
                )?;
            }
            let c = format!("{approx}{}", format::thousands(n));
            if p.measure(&c, Font::Small) <= slot - p.px(2.0) {
                counts.push((c, cx, yt - p.px(3.0)));
            }
        }
        let (a, z) = (edges[i], edges[i + 1]);
        let mut label = format!(
            "{}–{} · {approx}{} {} ({})",
            fmt_us(a),
            fmt_us(z),
            format::thousands(n),
            spec.what,
            format::percent(n, total)
        );
        if b > 0 {
            label.push_str(&format!(
                " · {approx}{} {}",
                format::thousands(b),
                spec.failed_label
            ));
        }
        let fallback = Some(spec.fallback.to_string());
        layout.hits.push(HitRegion {
            x0: sx,
            y0: plot_top,
            x1: sx + slot,
            y1: bottom,
            label,
            filter: if n > 0 {
                frames_or(&frames[i], fallback)
            } else {
                None
            },
            time_ns: None,
        });
    }

    // Edge labels: as many as fit, the first and the last always.
    let labels: Vec<String> = edges.iter().map(|e| edge_label(*e)).collect();
    let need = p.widest(&labels, Font::Small) + p.px(8.0);
    let stride_l = ((need / slot.max(1e-9)).ceil().max(1.0)) as usize;
    for (i, label) in labels.iter().enumerate() {
        let x = x0 + slot * i as f64;
        p.line(&[(x, bottom), (x, bottom + p.px(3.0))], t.axis, 1.0)?;
        let last = i == labels.len() - 1;
        if last || (i % stride_l == 0 && labels.len() - 1 - i >= stride_l) {
            p.x_label(label, x, bottom + p.px(TICK_GAP))?;
        }
    }

    // Median and 95th percentile, on the same log scale.
    let x_of_value = |v: f64| {
        let i = bin_of(&edges, v);
        let (a, z) = (edges[i], edges[i + 1]);
        let f = ((v.max(a)).ln() - a.ln()) / (z.ln() - a.ln());
        x0 + slot
            * (i as f64
                + if f.is_finite() {
                    f.clamp(0.0, 1.0)
                } else {
                    0.0
                })
    };
    let med = percentile(&values, 50).unwrap_or(lo);
    let p95 = percentile(&values, 95).unwrap_or(hi);
    let (xm, xp) = (x_of_value(med), x_of_value(p95));
    for x in [xm, xp] {
        p.line(&[(x, marker_y + small_h), (x, bottom)], t.text, 1.5)?;
    }
    let lm = format!("median {}", fmt_us(med));
    let lp = format!("p95 {}", fmt_us(p95));
    let (wm, wp) = (p.measure(&lm, Font::Small), p.measure(&lp, Font::Small));
    let gap = p.px(4.0);
    // The median's label ends left of its line, the p95's starts right of its line.
    let (m0, p0) = (xm - gap - wm, xp + gap);
    if m0 >= pad && p0 + wp <= p.w - pad && m0 + wm < p0 {
        p.text(
            &lm,
            (m0, marker_y),
            Font::Small,
            t.text,
            HPos::Left,
            VPos::Top,
        )?;
        p.text(
            &lp,
            (p0, marker_y),
            Font::Small,
            t.text,
            HPos::Left,
            VPos::Top,
        )?;
    } else {
        let both = p.fit(
            &format!("{lm} · {lp}"),
            p.w - 2.0 * pad,
            Font::Small,
            Ellipsis::End,
        );
        p.text(
            &both,
            (pad, marker_y),
            Font::Small,
            t.text,
            HPos::Left,
            VPos::Top,
        )?;
    }

    for (c, cx, y) in &counts {
        let w = p.measure(c, Font::Small);
        p.rect(
            cx - w / 2.0 - p.px(2.0),
            y - small_h,
            cx + w / 2.0 + p.px(2.0),
            *y,
            t.background,
        )?;
        p.text(
            c,
            (*cx, *y),
            Font::Small,
            t.text,
            HPos::Center,
            VPos::Bottom,
        )?;
    }

    let ty = bottom + p.px(TICK_GAP) + small_h + p.px(2.0);
    p.axis_title(spec.x_title, (x0, x1), ty, false)?;
    Ok(layout)
}

// ---------------------------------------------------------------------------------------------
// rtt-time

fn rtt_time<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &HealthView<'_>,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let p = Painter::new(area, opts, text_scale);
    let t = p.theme;
    let off = opts.tz_offset_s;
    let top = p.begin(HealthChart::RttTime.title())?;
    let s = &data.report.series.rtt;
    let samples: Vec<_> = s
        .items
        .iter()
        .filter(|r| r.rtt_us.is_finite() && r.ts_ns != 0)
        .collect();
    if samples.is_empty() {
        return p.empty(top, NO_HANDSHAKES);
    }
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);

    // Servers by number of handshakes; the top few get colours.
    let mut per_server: BTreeMap<IpAddr, u64> = BTreeMap::new();
    for r in &samples {
        *per_server.entry(r.server).or_default() += 1;
    }
    let mut ranked: Vec<(IpAddr, u64)> = per_server.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let palette = [
        OKABE_ITO[5],
        OKABE_ITO[1],
        OKABE_ITO[3],
        OKABE_ITO[7],
        OKABE_ITO[6],
    ];
    let top_servers: Vec<IpAddr> = ranked
        .iter()
        .take(RTT_TOP_SERVERS.min(palette.len()))
        .map(|(a, _)| *a)
        .collect();
    let grey = t.classes[5];
    let color_of = |a: &IpAddr| {
        top_servers
            .iter()
            .position(|x| x == a)
            .and_then(|i| palette.get(i).copied())
            .unwrap_or(grey)
    };
    let mut legend: Vec<LegendItem> = ranked
        .iter()
        .take(top_servers.len())
        .map(|(a, n)| LegendItem {
            color: color_of(a),
            text: format!("{a} ({})", count(s, *n)),
            hover: Some(format!(
                "{a}: {} handshakes (click: its SYNs)",
                count(s, *n)
            )),
            filter: Some(format!("{} && tcp.flags.syn == 1", addr_filter(a))),
        })
        .collect();
    let others: u64 = ranked.iter().skip(top_servers.len()).map(|(_, n)| n).sum();
    if others > 0 {
        legend.push(LegendItem {
            color: grey,
            text: format!("other servers ({})", count(s, others)),
            hover: None,
            filter: None,
        });
    }
    let (placed, mut legend_h) = legend_layout(&p, &legend, top);
    let bottom = p.bottom_above_axis();
    let unit_h = small_h + p.px(7.0);
    let mut show_legend = true;
    if bottom - (top + legend_h + unit_h) < p.px(40.0) {
        show_legend = false;
        legend_h = 0.0;
    }
    let unit_y = top + legend_h;
    let plot_top = unit_y + unit_h;
    let plot_h = bottom - plot_top;
    if plot_h < p.px(24.0) || p.w < p.px(120.0) {
        return p.empty(top, TOO_SMALL);
    }

    // Scales: log RTT, time.
    let lo = samples
        .iter()
        .map(|r| r.rtt_us)
        .fold(f64::INFINITY, f64::min);
    let hi = samples.iter().map(|r| r.rtt_us).fold(0.0, f64::max);
    let edges = log_edges(lo, hi);
    let (e0, e1) = (
        edges.first().copied().unwrap_or(1.0),
        edges.last().copied().unwrap_or(2.0),
    );
    let y_of = |us: f64| {
        let f = (us.max(e0).ln() - e0.ln()) / (e1.ln() - e0.ln());
        bottom
            - if f.is_finite() {
                f.clamp(0.0, 1.0)
            } else {
                0.0
            } * plot_h
    };
    let labels: Vec<String> = edges.iter().map(|e| edge_label(*e)).collect();
    let x0 = pad + p.widest(&labels, Font::Small) + p.px(6.0);
    let x1 = (p.w - pad).max(x0 + 1.0);
    let mut t0 = samples.iter().map(|r| r.ts_ns).min().unwrap_or(0);
    let mut t1 = samples.iter().map(|r| r.ts_ns).max().unwrap_or(0);
    if t1 - t0 < SEC {
        let mid = t0 / 2 + t1 / 2;
        t0 = mid - SEC / 2;
        t1 = mid + SEC / 2;
    } else {
        // A little room so the first and last dots are not on the axes.
        let m = (t1 - t0) / 50;
        t0 -= m;
        t1 += m;
    }
    let span = (t1 - t0).max(1);
    let x_of = |ts: i64| x0 + (ts - t0) as f64 / span as f64 * (x1 - x0);

    let mut layout = p.layout(Rect {
        x0,
        y0: plot_top,
        x1,
        y1: bottom,
    });
    if show_legend {
        draw_legend(&p, &legend, &placed, &mut layout)?;
    }
    let mut unit = "handshake RTT (log scale)".to_string();
    if !s.is_exact() {
        unit.push_str(&format!(", 1 in {} sampled", s.stride));
    }
    p.note(&unit, unit_y)?;
    // Y grid at the edges that fit.
    let need = small_h * 1.4;
    let mut last_y = f64::INFINITY;
    for (e, label) in edges.iter().zip(&labels) {
        let y = y_of(*e);
        p.line(&[(x0, y), (x1, y)], t.grid, 1.0)?;
        if last_y - y >= need {
            p.text(
                label,
                (x0 - p.px(6.0), y),
                Font::Small,
                t.muted,
                HPos::Right,
                VPos::Center,
            )?;
            last_y = y;
        }
    }
    draw_time_axis(&p, (x0, x1, plot_top, bottom), (t0, t1), off)?;
    p.line(&[(x0, bottom), (x1, bottom)], t.axis, 1.0)?;
    p.line(&[(x0, plot_top), (x0, bottom)], t.axis, 1.0)?;

    // Dots: the others first, then the top servers, the busiest last (on top).
    let r = p.px(2.5);
    for pass in (0..=top_servers.len()).rev() {
        for sm in &samples {
            let rank = top_servers.iter().position(|a| *a == sm.server);
            let this = rank.unwrap_or(top_servers.len());
            if this == pass {
                p.circle(x_of(sm.ts_ns), y_of(sm.rtt_us), r, color_of(&sm.server))?;
            }
        }
    }

    // Readouts per time slice.
    let slices = (((x1 - x0) / p.px(8.0)).floor() as usize).clamp(1, 120);
    let w = (x1 - x0) / slices as f64;
    let mut per: Vec<Vec<(f64, u64)>> = vec![Vec::new(); slices];
    for sm in &samples {
        let i = (((x_of(sm.ts_ns) - x0) / w).floor().max(0.0) as usize).min(slices - 1);
        per[i].push((sm.rtt_us, sm.frame));
    }
    for (i, v) in per.iter_mut().enumerate() {
        if v.is_empty() {
            continue;
        }
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let sorted: Vec<f64> = v.iter().map(|x| x.0).collect();
        let frames: Vec<u64> = v.iter().map(|x| x.1).collect();
        let a = t0 + (span as f64 * i as f64 / slices as f64) as i64;
        let z = t0 + (span as f64 * (i + 1) as f64 / slices as f64) as i64;
        let label = format!(
            "{} · {} handshakes · median {}, max {}",
            range_label(a, z, (z - a).max(1), span, off),
            count(s, v.len() as u64),
            fmt_us(percentile(&sorted, 50).unwrap_or(0.0)),
            fmt_us(sorted.last().copied().unwrap_or(0.0)),
        );
        let fallback = window_filter(a, z, data.time_zero_ns)
            .map(|w| format!("tcp.flags.syn == 1 && tcp.flags.ack == 0 && {w}"));
        layout.hits.push(HitRegion {
            x0: x0 + w * i as f64,
            y0: plot_top,
            x1: x0 + w * (i + 1) as f64,
            y1: bottom,
            label,
            filter: frames_or(&frames, fallback),
            time_ns: Some((a, z)),
        });
    }
    Ok(layout)
}

// ---------------------------------------------------------------------------------------------
// connections

/// The handshake states in chart order, with their names, colours and broad filters.
fn states() -> [(Handshake, &'static str, Rgb, Option<&'static str>); 5] {
    [
        (
            Handshake::Completed,
            "completed",
            OKABE_ITO[3],
            Some("tcp.flags.syn == 1 && tcp.flags.ack == 1"),
        ),
        (
            Handshake::Refused,
            "refused",
            OKABE_ITO[6],
            Some("tcp.flags.reset == 1"),
        ),
        (
            Handshake::Unanswered,
            "unanswered",
            OKABE_ITO[1],
            Some("tcp.flags.syn == 1 && tcp.flags.ack == 0"),
        ),
        (
            Handshake::Incomplete,
            "incomplete",
            OKABE_ITO[7],
            Some("tcp.flags.syn == 1 && tcp.flags.ack == 1"),
        ),
        (
            Handshake::NoHandshake,
            "no handshake",
            Rgb::hex(0x8C8C8C),
            None,
        ),
    ]
}

fn state_note(h: Handshake) -> &'static str {
    match h {
        Handshake::Completed => "SYN, SYN/ACK, ACK",
        Handshake::Refused => "SYN answered by RST",
        Handshake::Unanswered => "SYN never answered",
        Handshake::Incomplete => "SYN/ACK never acknowledged",
        Handshake::NoHandshake => "started before the capture",
    }
}

fn connections<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &HealthView<'_>,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let p = Painter::new(area, opts, text_scale);
    let t = p.theme;
    let top = p.begin(HealthChart::Connections.title())?;
    let s = &data.report.series.connections;
    if s.items.is_empty() {
        return p.empty(top, NO_CONNECTIONS);
    }
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);
    let states = states();
    let mut counts = [0u64; 5];
    let mut frames: [Vec<u64>; 5] = Default::default();
    for o in &s.items {
        if let Some(i) = states.iter().position(|x| x.0 == o.handshake) {
            counts[i] += 1;
            if frames[i].len() <= FILTER_MAX_FRAMES {
                frames[i].push(o.frame);
            }
        }
    }
    let total = s.scale(s.items.len() as u64);
    let plot_top = top + small_h + p.px(7.0);
    let bottom = p.h - pad - small_h - p.px(TICK_GAP);
    let plot_h = bottom - plot_top;
    if plot_h < p.px(24.0) || p.w < p.px(120.0) {
        return p.empty(top, TOO_SMALL);
    }
    let max = counts.iter().map(|c| s.scale(*c)).max().unwrap_or(1).max(1) as f64;
    let ticks = p.count_ticks(max, plot_h, true);
    let (x0, x1) = p.x_beside(&ticks.labels);
    let y_of = |v: f64| bottom - v / ticks.top * plot_h;
    let mut unit = format!("connections ({} in all", count(s, s.items.len() as u64));
    unit.push_str(if s.is_exact() {
        ")"
    } else {
        ", from a sample)"
    });
    p.note(&unit, top)?;
    p.count_axis(&ticks, (x0, x1, bottom, plot_h))?;
    let mut layout = p.layout(Rect {
        x0,
        y0: plot_top,
        x1,
        y1: bottom,
    });
    let slot = (x1 - x0) / states.len() as f64;
    let bar_w = slot * 0.7;
    for (i, (h, name, color, broad)) in states.iter().enumerate() {
        let sx = x0 + slot * i as f64;
        let cx = sx + slot / 2.0;
        let n = s.scale(counts[i]);
        if n > 0 {
            let c = format!("{}{}", approx(s), format::thousands(n));
            p.count_bar((cx, bar_w, slot), (y_of(n as f64), bottom), *color, &c)?;
        }
        let label = p.fit(name, slot - p.px(2.0), Font::Small, Ellipsis::End);
        p.text(
            &label,
            (cx, bottom + p.px(TICK_GAP)),
            Font::Small,
            t.muted,
            HPos::Center,
            VPos::Top,
        )?;
        layout.hits.push(HitRegion {
            x0: sx,
            y0: plot_top,
            x1: sx + slot,
            y1: bottom,
            label: format!(
                "{name} ({}) · {}{} connections ({})",
                state_note(*h),
                approx(s),
                format::thousands(n),
                format::percent(n, total)
            ),
            filter: if n > 0 {
                frames_or(&frames[i], broad.map(str::to_string))
            } else {
                None
            },
            time_ns: None,
        });
    }
    Ok(layout)
}

// ---------------------------------------------------------------------------------------------
// time-of-day

/// Weekday names, Monday first.
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Monday-based weekday (0 = Monday) of local day number `days` since 1970-01-01 (a
/// Thursday).
fn weekday(days: i64) -> usize {
    (days + 3).rem_euclid(7) as usize
}

/// A perceptual sequential scale (viridis at five points), `f` in 0..1.
fn viridis(f: f64) -> Rgb {
    const STOPS: [Rgb; 5] = [
        Rgb::hex(0x440154),
        Rgb::hex(0x3B528B),
        Rgb::hex(0x21918C),
        Rgb::hex(0x5EC962),
        Rgb::hex(0xFDE725),
    ];
    Rgb::ramp(&STOPS, f)
}

/// Frames and bytes per local time slot of `width` ns: slot number (local time / width) →
/// (frames, bytes). A timeline bucket no wider than a slot counts in the slot it starts in;
/// a wider one is spread evenly over the slots it covers.
fn slots(view: &TimelineView, width: i64, off: i32) -> BTreeMap<i64, (f64, f64)> {
    let mut m: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
    let off_ns = i64::from(off).saturating_mul(SEC);
    let bw = view.bucket_ns.max(1);
    for (i, b) in view.buckets.iter().enumerate() {
        if b.packets == 0 {
            continue;
        }
        let start = view
            .start_ns
            .saturating_add(bw.saturating_mul(i as i64))
            .saturating_add(off_ns);
        if bw <= width {
            let e = m.entry(start.div_euclid(width)).or_default();
            e.0 += b.packets as f64;
            e.1 += b.bytes as f64;
        } else {
            let first = start.div_euclid(width);
            let last = start.saturating_add(bw - 1).div_euclid(width);
            let n = (last - first + 1).clamp(1, 100_000);
            for k in first..first + n {
                let e = m.entry(k).or_default();
                e.0 += b.packets as f64 / n as f64;
                e.1 += b.bytes as f64 / n as f64;
            }
        }
    }
    m
}

/// The time span of the buckets with frames: `(first start, last end)`.
fn active_span(view: &TimelineView) -> Option<(i64, i64)> {
    let bw = view.bucket_ns.max(1);
    let first = view.buckets.iter().position(|b: &Bucket| b.packets > 0)?;
    let last = view.buckets.iter().rposition(|b| b.packets > 0)?;
    let at = |i: usize| view.start_ns.saturating_add(bw.saturating_mul(i as i64));
    Some((at(first), at(last + 1)))
}

fn time_of_day<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &HealthView<'_>,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let p = Painter::new(area, opts, text_scale);
    let view = data.timeline;
    let Some((a, z)) = active_span(view) else {
        let top = p.begin(HealthChart::TimeOfDay.title())?;
        return p.empty(top, NO_FRAMES);
    };
    // The title says what a mark is: an hour of the week, an hour, or a minute.
    if z - a >= 2 * DAY {
        let top = p.begin(TITLE_WEEK)?;
        week_grid(&p, top, data, opts)
    } else if z - a >= 2 * HOUR {
        let top = p.begin(HealthChart::TimeOfDay.title())?;
        slot_bars(&p, top, data, opts, HOUR)
    } else {
        let top = p.begin(TITLE_MINUTES)?;
        slot_bars(&p, top, data, opts, MIN)
    }
}

/// The time-of-day chart's title over two days or more.
const TITLE_WEEK: &str = "Activity by weekday and hour: frames per hour";
/// Its title under two hours.
const TITLE_MINUTES: &str = "Activity by time of day: frames per minute";

/// Span of at least two days: weekday × hour cells coloured by frames.
fn week_grid<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    top: f64,
    data: &HealthView<'_>,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    let t = p.theme;
    let off = opts.tz_offset_s;
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);
    let per_hour = slots(data.timeline, HOUR, off);
    // cell (weekday, hour) → frames, bytes, the absolute hours in it.
    let mut cells = vec![(0.0f64, 0.0f64, Vec::<i64>::new()); 7 * 24];
    for (&slot, &(f, b)) in &per_hour {
        let day = slot.div_euclid(24);
        let hour = slot.rem_euclid(24) as usize;
        if let Some(c) = cells.get_mut(weekday(day) * 24 + hour) {
            c.0 += f;
            c.1 += b;
            c.2.push(slot);
        }
    }
    let max = cells.iter().map(|c| c.0).fold(0.0, f64::max).max(1.0);
    let unit = format!(
        "frames per hour of the week ({}), darkest to brightest: 0 to {}",
        format::tz_label(off),
        format::thousands(max.round() as u64)
    );
    p.note(&unit, top)?;
    let plot_top = top + small_h + p.px(7.0);
    let bottom = p.h - pad - small_h - p.px(TICK_GAP);
    let x0 = pad + p.widest(WEEKDAYS, Font::Small) + p.px(6.0);
    let x1 = p.w - pad;
    if bottom - plot_top < p.px(7.0 * 6.0) || x1 - x0 < p.px(24.0 * 4.0) {
        return p.empty(top, TOO_SMALL);
    }
    let cw = (x1 - x0) / 24.0;
    let ch = (bottom - plot_top) / 7.0;
    let mut layout = p.layout(Rect {
        x0,
        y0: plot_top,
        x1,
        y1: bottom,
    });
    for (d, name) in WEEKDAYS.iter().enumerate() {
        let y = plot_top + ch * d as f64;
        p.text(
            name,
            (x0 - p.px(6.0), y + ch / 2.0),
            Font::Small,
            t.muted,
            HPos::Right,
            VPos::Center,
        )?;
        for h in 0..24 {
            let Some((f, b, hours)) = cells.get(d * 24 + h) else {
                continue;
            };
            let x = x0 + cw * h as f64;
            let color = if *f > 0.0 { viridis(f / max) } else { t.grid };
            p.rect(x + 0.5, y + 0.5, x + cw - 0.5, y + ch - 0.5, color)?;
            let windows: Vec<String> = if hours.len() <= CELL_MAX_WINDOWS {
                hours
                    .iter()
                    .filter_map(|s| {
                        let a = s * HOUR - i64::from(off) * SEC;
                        window_filter(a, a + HOUR, data.time_zero_ns)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let filter = match windows.len() {
                0 => None,
                1 => windows.into_iter().next(),
                _ => Some(
                    windows
                        .iter()
                        .map(|w| format!("({w})"))
                        .collect::<Vec<_>>()
                        .join(" || "),
                ),
            };
            layout.hits.push(HitRegion {
                x0: x,
                y0: y,
                x1: x + cw,
                y1: y + ch,
                label: format!(
                    "{name} {h:02}:00–{:02}:00 · {} frames · {} (over {} day(s))",
                    (h + 1) % 24,
                    format::thousands(f.round() as u64),
                    format::bytes(b.round() as u64),
                    hours.len()
                ),
                filter: if *f > 0.0 { filter } else { None },
                time_ns: None,
            });
        }
    }
    // Hour labels every 3 h (or 6 h when narrow).
    let every = if cw * 3.0 >= p.measure("00", Font::Small) + p.px(6.0) {
        3
    } else {
        6
    };
    for h in (0..24).step_by(every) {
        let x = x0 + cw * h as f64;
        p.text(
            &format!("{h:02}"),
            (x, bottom + p.px(TICK_GAP)),
            Font::Small,
            t.muted,
            HPos::Left,
            VPos::Top,
        )?;
    }
    Ok(layout)
}

/// A span under two days: one bar per local hour (or minute, under two hours).
fn slot_bars<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    top: f64,
    data: &HealthView<'_>,
    opts: &ChartOptions,
    width: i64,
) -> DrawResult<DB> {
    let t = p.theme;
    let off = opts.tz_offset_s;
    let small_h = p.line_h(Font::Small);
    let per = slots(data.timeline, width, off);
    let (Some((&first, _)), Some((&last, _))) = (per.first_key_value(), per.last_key_value())
    else {
        return p.empty(top, NO_FRAMES);
    };
    let n = ((last - first + 1).max(1) as usize).min(200);
    let values: Vec<(f64, f64)> = (0..n)
        .map(|i| per.get(&(first + i as i64)).copied().unwrap_or((0.0, 0.0)))
        .collect();
    let plot_top = top + small_h + p.px(7.0);
    let bottom = p.bottom_above_axis();
    let plot_h = bottom - plot_top;
    if plot_h < p.px(24.0) || p.w < p.px(120.0) {
        return p.empty(top, TOO_SMALL);
    }
    let max = values.iter().map(|v| v.0).fold(0.0, f64::max).max(1.0);
    let ticks = p.count_ticks(max, plot_h, false);
    let (x0, x1) = p.x_beside(&ticks.labels);
    let per_what = if width == HOUR { "hour" } else { "minute" };
    let unit = format!("frames per {per_what} ({})", format::tz_label(off));
    p.note(&unit, top)?;
    p.count_axis(&ticks, (x0, x1, bottom, plot_h))?;
    let mut layout = p.layout(Rect {
        x0,
        y0: plot_top,
        x1,
        y1: bottom,
    });
    let slot = (x1 - x0) / n as f64;
    let off_ns = i64::from(off) * SEC;
    let label_of = |k: i64| {
        let at = k * width - off_ns;
        format::time_of_day(at, off, TimePrecision::Minutes)
    };
    let need = p.measure("00:00", Font::Small) + p.px(10.0);
    // Label every k-th slot, at round steps (1, 2, 3, 6, 12 h; 1, 5, 10, 15, 30 min).
    let steps: &[usize] = if width == HOUR {
        &[1, 2, 3, 6, 12, 24]
    } else {
        &[1, 5, 10, 15, 30, 60]
    };
    let every = steps
        .iter()
        .copied()
        .find(|k| slot * *k as f64 >= need)
        .unwrap_or(n.max(1));
    let span = width.saturating_mul(n as i64);
    for (i, (f, b)) in values.iter().enumerate() {
        let k = first + i as i64;
        let sx = x0 + slot * i as f64;
        if *f > 0.0 {
            let yt = (bottom - f / ticks.top * plot_h).min(bottom - p.px(1.0));
            p.rect(sx + slot * 0.1, yt, sx + slot * 0.9, bottom, t.accent)?;
        }
        if k.rem_euclid(every as i64) == 0 {
            let label = label_of(k);
            let half = p.measure(&label, Font::Small) / 2.0;
            if sx - half >= 0.0 && sx + half <= p.w {
                p.line(&[(sx, bottom), (sx, bottom + p.px(3.0))], t.axis, 1.0)?;
                p.text(
                    &label,
                    (sx, bottom + p.px(TICK_GAP)),
                    Font::Small,
                    t.muted,
                    HPos::Center,
                    VPos::Top,
                )?;
            }
        }
        let a = k * width - off_ns;
        layout.hits.push(HitRegion {
            x0: sx,
            y0: plot_top,
            x1: sx + slot,
            y1: bottom,
            label: format!(
                "{} · {} frames · {}",
                range_label(a, a + width, width, span, off),
                format::thousands(f.round() as u64),
                format::bytes(b.round() as u64)
            ),
            filter: if *f > 0.0 {
                window_filter(a, a + width, data.time_zero_ns)
            } else {
                None
            },
            time_ns: Some((a, a + width)),
        });
    }
    let (ta, tz) = (first * width - off_ns, (last + 1) * width - off_ns);
    let ty = bottom + p.px(TICK_GAP) + small_h + p.px(2.0);
    p.axis_title(&time_axis_title(ta, tz, off), (x0, x1), ty, false)?;
    Ok(layout)
}

// ---------------------------------------------------------------------------------------------
// retransmissions

/// The timeline's display grid over `[t0, t1)` found again: the narrowest ladder width (from
/// the view's) whose merged range is exactly that, with at most `max` buckets.
fn grid_for_axis(view: &TimelineView, t0: i64, t1: i64, max: usize) -> Option<(i64, i64, usize)> {
    let mut w = view.bucket_ns.max(1);
    for _ in 0..64 {
        if t0.rem_euclid(w) == 0 && (t1 - t0) % w == 0 {
            let n = ((t1 - t0) / w) as usize;
            let d = display_timeline(view, n.max(1));
            if d.start_ns == t0 && d.end_ns() == t1 && n <= max.max(1) {
                return Some((t0, w, n));
            }
        }
        w = match LADDER.iter().copied().find(|l| *l > w && l % w == 0) {
            Some(l) => l,
            None => w.checked_mul(2)?,
        };
        if w > t1 - t0 {
            break;
        }
    }
    None
}

fn retransmissions<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &HealthView<'_>,
    opts: &ChartOptions,
    text_scale: f64,
    axis: Option<&TimeAxis>,
) -> DrawResult<DB> {
    let p = Painter::new(area, opts, text_scale);
    let off = opts.tz_offset_s;
    let top = p.begin(HealthChart::Retransmissions.title())?;
    let s = &data.report.series.tcp_events;
    let view = data.timeline;
    let events: Vec<&TcpEvent> = s
        .items
        .iter()
        .filter(|e| e.is_retransmission() || e.is_duplicate_ack())
        .collect();
    if events.is_empty() || view.buckets.is_empty() || view.bucket_ns <= 0 {
        return p.empty(top, NO_RETRANSMISSIONS);
    }
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);
    let colors = [failure_color(), OKABE_ITO[1]];
    let names = ["retransmissions", "duplicate ACKs"];
    let totals = [
        events.iter().filter(|e| e.is_retransmission()).count() as u64,
        events.iter().filter(|e| !e.is_retransmission()).count() as u64,
    ];
    let legend: Vec<LegendItem> = names
        .iter()
        .zip(colors)
        .enumerate()
        .map(|(i, (n, c))| LegendItem {
            color: c,
            text: n.to_string(),
            hover: (totals[i] > 0).then(|| format!("{} {n} in this view", count(s, totals[i]))),
            filter: Some(
                if i == 0 {
                    "tcp.analysis.retransmission"
                } else {
                    "tcp.analysis.duplicate_ack"
                }
                .to_string(),
            ),
        })
        .collect();
    let (placed, legend_h) = legend_layout(&p, &legend, top);
    let unit_y = top + legend_h;
    let plot_top = unit_y + small_h + p.px(7.0);
    let bottom = p.bottom_above_axis();
    let plot_h = bottom - plot_top;
    if plot_h < p.px(24.0) || p.w < p.px(120.0) {
        return p.empty(top, TOO_SMALL);
    }

    // The grid: the timeline's own (aligned) or one merged for this width.
    let guess_w = (p.w - 2.0 * pad - p.px(50.0)).max(p.px(20.0));
    let max_buckets = |w: f64| (w / p.px(2.0)).floor().max(1.0) as usize;
    let aligned = axis.and_then(|a| {
        grid_for_axis(view, a.t0_ns, a.t1_ns, max_buckets(a.x1 - a.x0).max(1))
            .map(|g| (g, a.x0, a.x1))
    });
    let ((start, bw, n), fixed_x) = match aligned {
        Some((g, ax0, ax1)) => (g, Some((ax0, ax1))),
        None => {
            let d = display_timeline(view, max_buckets(guess_w));
            (
                (d.start_ns, d.bucket_ns.max(1), d.buckets.len().max(1)),
                None,
            )
        }
    };
    let mut retrans = vec![0u64; n];
    let mut dups = vec![0u64; n];
    for e in &events {
        let i = (e.ts_ns.saturating_sub(start)).div_euclid(bw);
        if i < 0 || i >= n as i64 {
            continue;
        }
        if e.is_retransmission() {
            retrans[i as usize] += 1;
        } else {
            dups[i as usize] += 1;
        }
    }
    let max = (0..n)
        .map(|i| s.scale(retrans[i] + dups[i]))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let ticks = p.count_ticks(max, plot_h, false);
    let (x0, x1) = match fixed_x {
        Some((a, b)) => (a.max(0.0), b.min(p.w)),
        None => p.x_beside(&ticks.labels),
    };
    let (t0, t1) = (start, start.saturating_add(bw.saturating_mul(n as i64)));
    let span = (t1 - t0).max(1);
    let x_of = |ts: i64| x0 + (ts - t0) as f64 / span as f64 * (x1 - x0);

    let mut layout = p.time_layout((x0, x1, plot_top, bottom), (t0, t1));
    draw_legend(&p, &legend, &placed, &mut layout)?;
    let mut unit = format!("frames per {} bucket", format::width(bw));
    if !s.is_exact() {
        unit.push_str(&format!(" (1 in {} sampled, scaled)", s.stride));
    }
    p.note(&unit, unit_y)?;
    // Count labels left of the plot where they fit.
    p.count_axis(&ticks, (x0, x1, bottom, plot_h))?;
    draw_time_axis(&p, (x0, x1, plot_top, bottom), (t0, t1), off)?;

    let y_of = |v: u64| bottom - s.scale(v) as f64 / ticks.top * plot_h;
    for i in 0..n {
        let a = t0 + bw * i as i64;
        let (xa, xz) = (x_of(a), x_of(a + bw));
        let (r, d) = (retrans[i], dups[i]);
        let gap = if xz - xa > p.px(3.0) { p.px(0.5) } else { 0.0 };
        if r > 0 {
            p.rect(xa + gap, y_of(r), xz - gap, bottom, colors[0])?;
        }
        if d > 0 {
            p.rect(xa + gap, y_of(r + d), xz - gap, y_of(r), colors[1])?;
        }
        if r + d == 0 {
            continue;
        }
        let label = format!(
            "{} · {}{} retransmissions · {}{} duplicate ACKs",
            range_label(a, a + bw, bw, span, off),
            approx(s),
            format::thousands(s.scale(r)),
            approx(s),
            format::thousands(s.scale(d)),
        );
        layout.hits.push(HitRegion {
            x0: xa,
            y0: plot_top,
            x1: xz.max(xa + 0.5),
            y1: bottom,
            label,
            filter: window_filter(a, a + bw, data.time_zero_ns).map(|w| {
                format!("(tcp.analysis.retransmission || tcp.analysis.duplicate_ack) && {w}")
            }),
            time_ns: Some((a, a + bw)),
        });
    }
    Ok(layout)
}

// ---------------------------------------------------------------------------------------------
// Text alternatives

/// A one-paragraph summary of the numbers behind `chart`, for screen readers.
pub fn health_text_alternative(
    chart: HealthChart,
    data: &HealthView<'_>,
    opts: &ChartOptions,
) -> String {
    let series = &data.report.series;
    let rtt_summary = |what: &str, v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        format!(
            "{what}: median {}, 95th percentile {}, from {} to {}",
            fmt_us(percentile(v, 50).unwrap_or(0.0)),
            fmt_us(percentile(v, 95).unwrap_or(0.0)),
            fmt_us(v.first().copied().unwrap_or(0.0)),
            fmt_us(v.last().copied().unwrap_or(0.0)),
        )
    };
    match chart {
        HealthChart::RttHistogram | HealthChart::RttTime => {
            if series.rtt.items.is_empty() {
                return format!("{}: {NO_HANDSHAKES}.", chart.title());
            }
            let mut v: Vec<f64> = series.rtt.items.iter().map(|r| r.rtt_us).collect();
            let what = format!(
                "{} TCP handshakes",
                count(&series.rtt, series.rtt.items.len() as u64)
            );
            format!("{}.", rtt_summary(&what, &mut v))
        }
        HealthChart::DnsTime => {
            if series.dns.items.is_empty() {
                return format!("{}: {NO_DNS}.", chart.title());
            }
            let mut v: Vec<f64> = series.dns.items.iter().map(|r| r.time_us).collect();
            let failed = series.dns.items.iter().filter(|r| r.rcode != 0).count() as u64;
            let what = format!(
                "{} DNS responses, {} failed",
                count(&series.dns, series.dns.items.len() as u64),
                count(&series.dns, failed)
            );
            format!("{}.", rtt_summary(&what, &mut v))
        }
        HealthChart::Connections => {
            let s = &series.connections;
            if s.items.is_empty() {
                return format!("{}: {NO_CONNECTIONS}.", chart.title());
            }
            let parts: Vec<String> = states()
                .iter()
                .map(|(h, name, ..)| {
                    let n = s.items.iter().filter(|o| o.handshake == *h).count() as u64;
                    format!("{name} {}", count(s, n))
                })
                .collect();
            format!(
                "{} TCP connections: {}.",
                count(s, s.items.len() as u64),
                parts.join(", ")
            )
        }
        HealthChart::TimeOfDay => {
            let per = slots(data.timeline, HOUR, opts.tz_offset_s);
            let Some((slot, (f, _))) = per
                .iter()
                .max_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
                .map(|(k, v)| (*k, *v))
            else {
                return format!("{}: {NO_FRAMES}.", chart.title());
            };
            let at = slot * HOUR - i64::from(opts.tz_offset_s) * SEC;
            format!(
                "Frames per hour ({}): busiest hour {} with {} frames, over {} hours with traffic.",
                format::tz_label(opts.tz_offset_s),
                format::date_time_with(at, opts.tz_offset_s, TimePrecision::Minutes),
                format::thousands(f.round() as u64),
                per.len()
            )
        }
        HealthChart::Retransmissions => {
            let s = &series.tcp_events;
            let r = s.items.iter().filter(|e| e.is_retransmission()).count() as u64;
            let d = s
                .items
                .iter()
                .filter(|e| e.is_duplicate_ack() && !e.is_retransmission())
                .count() as u64;
            if r + d == 0 {
                return format!("{}: {NO_RETRANSMISSIONS}.", chart.title());
            }
            format!(
                "{} retransmissions and {} duplicate ACKs in this view.",
                count(s, r),
                count(s, d)
            )
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::health::series::{ConnOutcome, HealthSeries};
    use crate::health::tcp::TcpFlags;
    use crate::render::timeline::time_ticks;
    use crate::render::{Theme, SVG_TEXT_SCALE};
    use std::net::Ipv4Addr;

    const T0: i64 = 1_709_294_400 * SEC;

    fn v4(d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 168, 1, d))
    }

    /// A report with every series filled, over `span` ns from T0.
    fn report(span: i64) -> HealthReport {
        let mut s = HealthSeries::default();
        for i in 0..200u64 {
            let ts = T0 + (span / 200) * i as i64;
            let server = v4(10 + (i % 7) as u8);
            let rtt_ms = match i % 10 {
                0 => 180.0,
                1..=3 => 0.8,
                _ => 12.0 + (i % 5) as f64,
            };
            s.rtt.push(
                RttSample {
                    frame: i * 10 + 1,
                    ts_ns: ts,
                    client: v4(23),
                    server,
                    port: 443,
                    rtt_us: rtt_ms * 1e3,
                },
                1 << 14,
            );
            s.dns.push(
                DnsSample {
                    frame: i * 10 + 2,
                    ts_ns: ts,
                    time_us: 5_000.0 + (i % 13) as f64 * 3_000.0,
                    rcode: if i % 9 == 0 { 3 } else { 0 },
                },
                1 << 14,
            );
            s.connections.push(
                ConnOutcome {
                    frame: i * 10 + 1,
                    ts_ns: Some(ts),
                    handshake: match i % 11 {
                        0 => Handshake::Refused,
                        1 => Handshake::Unanswered,
                        2 => Handshake::Incomplete,
                        3 => Handshake::NoHandshake,
                        _ => Handshake::Completed,
                    },
                },
                1 << 15,
            );
            if i % 3 == 0 {
                s.tcp_events.push(
                    TcpEvent {
                        frame: i * 10 + 5,
                        ts_ns: ts,
                        flags: if i % 2 == 0 {
                            TcpFlags::RETRANSMISSION
                        } else {
                            TcpFlags::DUPLICATE_ACK
                        },
                    },
                    1 << 15,
                );
            }
        }
        HealthReport {
            series: s,
            ..HealthReport::default()
        }
    }

    /// A timeline of `n` buckets of `w` ns from T0, with a daily rhythm.
    fn timeline(n: usize, w: i64) -> TimelineView {
        TimelineView {
            start_ns: T0,
            bucket_ns: w,
            buckets: (0..n)
                .map(|i| {
                    let hour = ((i as i64 * w) / HOUR) % 24;
                    let packets = if (8..18).contains(&hour) { 100 } else { 5 } + i as u64 % 7;
                    Bucket {
                        packets,
                        bytes: packets * 800,
                        class_bytes: [packets * 800, 0, 0, 0, 0, 0],
                    }
                })
                .collect(),
        }
    }

    /// One `<text>` element's text and estimated box.
    fn texts(svg: &str) -> Vec<(String, f64, f64, f64, f64)> {
        let attr = |tag: &str, name: &str| -> Option<String> {
            let key = format!(" {name}=\"");
            let start = tag.find(&key)? + key.len();
            let end = tag[start..].find('"')? + start;
            Some(tag[start..end].to_string())
        };
        let mut out = Vec::new();
        let mut rest = svg;
        while let Some(i) = rest.find("<text") {
            rest = &rest[i..];
            let close = rest.find('>').unwrap();
            let tag = &rest[..close];
            let end = rest.find("</text>").unwrap();
            let text = rest[close + 1..end]
                .trim()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            rest = &rest[end..];
            let x: f64 = attr(tag, "x").unwrap().parse().unwrap();
            let y: f64 = attr(tag, "y").unwrap().parse().unwrap();
            let px: f64 = attr(tag, "font-size").unwrap().parse().unwrap();
            let bold = attr(tag, "font-weight").is_some();
            let w = super::super::text_width(&text, px, bold);
            let (x0, x1) = match attr(tag, "text-anchor").as_deref() {
                Some("middle") => (x - w / 2.0, x + w / 2.0),
                Some("end") => (x - w, x),
                _ => (x, x + w),
            };
            let (y0, y1) = match attr(tag, "dy").as_deref() {
                Some("0.76em") => (y, y + px),
                Some("-0.5ex") => (y - px, y),
                _ => (y - px / 2.0, y + px / 2.0),
            };
            out.push((text, x0, y0, x1, y1));
        }
        out
    }

    /// Draws `chart` and checks what every chart must be: the title, no NaN, text inside
    /// the area and not overlapping, hit regions inside with compiling filters.
    fn check(
        chart: HealthChart,
        data: &HealthView<'_>,
        size: (u32, u32),
        theme: Theme,
    ) -> (String, ChartLayout) {
        let opts = ChartOptions {
            theme,
            tz_offset_s: 3600,
            ..ChartOptions::default()
        };
        let (svg, layout) = svg_health(chart, data, &opts, size).unwrap();
        let name = format!("{}-{}x{}-{}", chart.name(), size.0, size.1, theme.name);
        for bad in ["NaN", "inf\"", "\"-inf", "2147483647", "-2147483648"] {
            assert!(!svg.contains(bad), "{name}: {bad} in the SVG");
        }
        assert!(
            svg.to_lowercase().contains(&theme.background.css()),
            "{name}: background"
        );
        let (w, h) = (f64::from(size.0), f64::from(size.1));
        let boxes = texts(&svg);
        // The title, whole when the area is wide enough for it on two lines.
        if size.0 >= 400 {
            let joined: Vec<&str> = boxes.iter().map(|b| b.0.as_str()).collect();
            let joined = joined.join(" ");
            let titles = [chart.title(), TITLE_WEEK, TITLE_MINUTES];
            assert!(
                titles.iter().any(|t| joined.contains(t)),
                "{name}: no title"
            );
        }
        for b in &boxes {
            assert!(!b.0.is_empty(), "{name}: empty text");
            assert!(
                b.1 >= -0.5 && b.3 <= w + 0.5 && b.2 >= -0.5 && b.4 <= h + 0.5,
                "{name}: text {:?} outside",
                b
            );
        }
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let ox = a.1.max(b.1) < a.3.min(b.3) - 0.5;
                let oy = a.2.max(b.2) < a.4.min(b.4) - 0.5;
                assert!(!(ox && oy), "{name}: {:?} overlaps {:?}", a, b);
            }
        }
        for r in &layout.hits {
            assert!(r.x0 >= 0.0 && r.x1 <= w && r.x0 < r.x1, "{name}: {r:?}");
            assert!(r.y0 >= 0.0 && r.y1 <= h && r.y0 < r.y1, "{name}: {r:?}");
            assert!(!r.label.is_empty());
            let (cx, cy) = ((r.x0 + r.x1) / 2.0, (r.y0 + r.y1) / 2.0);
            assert_eq!(
                layout.hit(cx, cy).map(|x| &x.label),
                Some(&r.label),
                "{name}: hit at a region's centre"
            );
            if let Some(f) = &r.filter {
                if let Err(e) = crate::filter::compile(f) {
                    panic!("{name}: filter {f:?} does not compile: {e}");
                }
            }
        }
        let text = health_text_alternative(chart, data, &opts);
        assert!(!text.is_empty() && !text.contains("NaN"), "{text}");
        // For a look: target/render-artifacts/health-NAME.svg (`rsvg-convert` makes a PNG).
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/render-artifacts");
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(dir.join(format!("health-{name}.svg")), &svg);
        }
        (svg, layout)
    }

    fn themes() -> [Theme; 2] {
        [Theme::light(), Theme::dark()]
    }

    #[test]
    fn names_round_trip_and_serialize_as_the_page_uses_them() {
        for c in HealthChart::ALL {
            assert_eq!(HealthChart::from_name(c.name()), Some(*c));
            assert_eq!(
                serde_json::to_string(c).unwrap(),
                format!("\"{}\"", c.name())
            );
        }
        let names: Vec<&str> = HealthChart::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "rtt-histogram",
                "rtt-time",
                "connections",
                "dns-time",
                "time-of-day",
                "retransmissions"
            ]
        );
        assert_eq!(HealthChart::from_name("timeline"), None);
    }

    #[test]
    fn every_chart_draws_in_both_themes_and_sizes() {
        let r = report(3 * HOUR);
        let tl = timeline(180, MIN);
        let view = HealthView::new(&r, &tl).with_time_zero(Some(T0));
        for chart in HealthChart::ALL {
            for theme in themes() {
                for size in [(800, 400), (400, 300)] {
                    let (_, layout) = check(*chart, &view, size, theme);
                    assert!(
                        layout.empty.is_none(),
                        "{}: {:?}",
                        chart.name(),
                        layout.empty
                    );
                    assert!(!layout.hits.is_empty(), "{}", chart.name());
                }
            }
        }
    }

    #[test]
    fn empty_states_say_why() {
        let r = HealthReport::default();
        let tl = TimelineView::default();
        let view = HealthView::new(&r, &tl);
        let expect = [
            (HealthChart::RttHistogram, NO_HANDSHAKES),
            (HealthChart::RttTime, NO_HANDSHAKES),
            (HealthChart::Connections, NO_CONNECTIONS),
            (HealthChart::DnsTime, NO_DNS),
            (HealthChart::TimeOfDay, NO_FRAMES),
            (HealthChart::Retransmissions, NO_RETRANSMISSIONS),
        ];
        for (chart, msg) in expect {
            for theme in themes() {
                let (svg, layout) = check(chart, &view, (600, 300), theme);
                assert_eq!(layout.empty.as_deref(), Some(msg));
                assert!(svg.contains(msg), "{}", chart.name());
                assert!(layout.hits.is_empty());
            }
        }
        // Too small.
        let r = report(HOUR);
        let tl = timeline(60, MIN);
        let view = HealthView::new(&r, &tl);
        for chart in HealthChart::ALL {
            let (_, layout) = check(*chart, &view, (150, 60), Theme::light());
            assert!(layout.empty.is_some(), "{}", chart.name());
        }
    }

    #[test]
    fn rtt_histogram_marks_median_and_p95_on_log_bins() {
        let r = report(HOUR);
        let tl = timeline(60, MIN);
        let view = HealthView::new(&r, &tl);
        let (svg, layout) = check(HealthChart::RttHistogram, &view, (800, 400), Theme::light());
        // 80 % of the samples are 12-16 ms: the median is among them; p95 180 ms.
        assert!(svg.contains("median 13 ms"), "{svg}");
        assert!(svg.contains("p95 180 ms"));
        assert!(svg.contains("500 µs") && svg.contains("200 ms"));
        let total: usize = layout
            .hits
            .iter()
            .map(|h| {
                h.label
                    .split(" · ")
                    .nth(1)
                    .and_then(|x| x.split(' ').next())
                    .and_then(|x| x.replace(',', "").parse::<usize>().ok())
                    .unwrap_or(0)
            })
            .sum();
        assert_eq!(total, 200, "every handshake in a bin");
        // Bins with few handshakes list their SYN frames.
        let f = layout
            .hits
            .iter()
            .find(|h| h.label.contains("100 ms–200 ms"))
            .unwrap();
        assert!(f
            .filter
            .as_deref()
            .unwrap()
            .starts_with("frame.number in {1, 101"));
        // Log edges.
        assert_eq!(log_edges(800.0, 180_000.0).first(), Some(&500.0));
        assert_eq!(log_edges(800.0, 180_000.0).last(), Some(&200_000.0));
        assert_eq!(log_edges(1_000.0, 1_000.0), vec![1_000.0, 2_000.0]);
        assert_eq!(bin_of(&[1.0, 2.0, 5.0], 7.0), 1);
        assert_eq!(bin_of(&[1.0, 2.0, 5.0], 0.5), 0);
    }

    #[test]
    fn dns_failures_are_stacked_apart() {
        let r = report(HOUR);
        let tl = timeline(60, MIN);
        let view = HealthView::new(&r, &tl);
        let (svg, layout) = check(HealthChart::DnsTime, &view, (800, 400), Theme::dark());
        assert!(svg.contains("failed (rcode ≠ 0)"));
        assert!(svg.to_lowercase().contains(&failure_color().css()));
        assert!(layout.hits.iter().any(|h| h.label.contains("failed")));
    }

    #[test]
    fn rtt_over_time_colours_the_top_servers() {
        let r = report(HOUR);
        let tl = timeline(60, MIN);
        let view = HealthView::new(&r, &tl).with_time_zero(Some(T0));
        let (svg, layout) = check(HealthChart::RttTime, &view, (800, 400), Theme::light());
        // 7 servers: 5 coloured, 2 in "other servers".
        assert!(svg.contains("other servers"));
        for c in [
            OKABE_ITO[5],
            OKABE_ITO[1],
            OKABE_ITO[3],
            OKABE_ITO[7],
            OKABE_ITO[6],
        ] {
            assert!(svg.to_lowercase().contains(&c.css()), "{}", c.css());
        }
        let legend = layout
            .hits
            .iter()
            .find(|h| h.label.starts_with("192.168.1."))
            .unwrap();
        assert!(legend
            .filter
            .as_deref()
            .unwrap()
            .ends_with("tcp.flags.syn == 1"));
        assert!(layout.hits.iter().any(|h| h.time_ns.is_some()));
        assert!(svg.contains("(UTC+01:00)"));
    }

    #[test]
    fn connection_states_are_bars_with_counts_and_filters() {
        let r = report(HOUR);
        let tl = timeline(60, MIN);
        let view = HealthView::new(&r, &tl);
        let (svg, layout) = check(HealthChart::Connections, &view, (800, 400), Theme::light());
        for name in [
            "completed",
            "refused",
            "unanswered",
            "incomplete",
            "no handshake",
        ] {
            assert!(svg.contains(name), "{name}");
        }
        assert_eq!(layout.hits.len(), 5);
        // 200 connections: i % 11 == 0 → 19 refused.
        let refused = &layout.hits[1];
        assert!(
            refused.label.contains("19 connections"),
            "{}",
            refused.label
        );
        assert!(refused
            .filter
            .as_deref()
            .unwrap()
            .starts_with("frame.number in {1, 111"));
        let completed = &layout.hits[0];
        assert!(
            completed.label.contains("126 connections"),
            "{}",
            completed.label
        );
        // Many connections: the broad filter.
        let mut big = HealthReport::default();
        for i in 0..500 {
            big.series.connections.push(
                ConnOutcome {
                    frame: i + 1,
                    ts_ns: None,
                    handshake: Handshake::Refused,
                },
                1 << 15,
            );
        }
        let view = HealthView::new(&big, &tl);
        let (_, layout) = check(HealthChart::Connections, &view, (600, 300), Theme::dark());
        assert_eq!(
            layout.hits[1].filter.as_deref(),
            Some("tcp.flags.reset == 1")
        );
    }

    #[test]
    fn time_of_day_is_a_week_grid_over_days_and_bars_otherwise() {
        let r = HealthReport::default();
        // Nine days of 20-minute buckets: a weekday × hour grid.
        let week = timeline(9 * 72, 20 * MIN);
        let view = HealthView::new(&r, &week).with_time_zero(Some(T0));
        let (svg, layout) = check(HealthChart::TimeOfDay, &view, (800, 400), Theme::light());
        for d in WEEKDAYS {
            assert!(svg.contains(&format!(">{d}<")) || svg.contains(d), "{d}");
        }
        assert_eq!(layout.hits.len(), 7 * 24);
        assert!(svg.contains("frames per hour of the week"));
        assert!(svg.contains(TITLE_WEEK));
        // T0 is a Friday 12:00 UTC: in UTC+01:00, Friday 13:00 has frames on 2 days.
        let cell = layout
            .hits
            .iter()
            .find(|h| h.label.starts_with("Fri 13:00"))
            .unwrap();
        assert!(cell.label.contains("over 2 day(s)"), "{}", cell.label);
        assert!(cell.filter.as_deref().unwrap().contains(" || "));
        // One day: hourly bars.
        let day = timeline(24 * 6, 10 * MIN);
        let view = HealthView::new(&r, &day).with_time_zero(Some(T0));
        let (svg, layout) = check(HealthChart::TimeOfDay, &view, (800, 400), Theme::dark());
        assert!(svg.contains("frames per hour (UTC+01:00)"));
        assert_eq!(layout.hits.len(), 24);
        // 40 minutes: per minute.
        let short = timeline(240, 10 * SEC);
        let view = HealthView::new(&r, &short);
        let (svg, layout) = check(HealthChart::TimeOfDay, &view, (600, 300), Theme::light());
        assert!(svg.contains("frames per minute"));
        assert!(svg.contains(TITLE_MINUTES));
        assert_eq!(layout.hits.len(), 40);
        assert_eq!(weekday(0), 3, "1970-01-01 was a Thursday");
        assert_eq!(viridis(0.0), Rgb::hex(0x440154));
        assert_eq!(viridis(1.0), Rgb::hex(0xFDE725));
    }

    #[test]
    fn retransmissions_share_the_timeline_grid() {
        let r = report(HOUR);
        let tl = timeline(60, MIN);
        let view = HealthView::new(&r, &tl).with_time_zero(Some(T0));
        let (svg, layout) = check(
            HealthChart::Retransmissions,
            &view,
            (800, 400),
            Theme::light(),
        );
        assert!(svg.contains("duplicate ACKs"));
        let axis = layout.time_axis.unwrap();
        // Each bucket counts what happened in it: 67 events in all.
        let sum: u64 = layout
            .hits
            .iter()
            .filter(|h| h.time_ns.is_some())
            .map(|h| {
                let nums: Vec<u64> = h
                    .label
                    .split(" · ")
                    .skip(1)
                    .filter_map(|p| p.split(' ').next()?.parse().ok())
                    .collect();
                nums.iter().sum::<u64>()
            })
            .sum();
        assert_eq!(sum, 67);
        // Drawn under the traffic chart: the same pixels and times.
        let snap_axis = TimeAxis {
            x0: 70.0,
            x1: 760.0,
            t0_ns: T0,
            t1_ns: T0 + HOUR,
        };
        let mut svg = String::new();
        let layout = {
            use plotters::prelude::{IntoDrawingArea, SVGBackend};
            let area = SVGBackend::with_string(&mut svg, (800, 200)).into_drawing_area();
            draw_retransmissions_aligned(
                &area,
                &view,
                &snap_axis,
                &ChartOptions::default(),
                SVG_TEXT_SCALE,
            )
            .unwrap()
        };
        let a = layout.time_axis.unwrap();
        assert_eq!((a.x0, a.x1, a.t0_ns, a.t1_ns), (70.0, 760.0, T0, T0 + HOUR));
        assert!(!svg.contains("NaN"));
        // The timeline's own grid is found again.
        assert_eq!(grid_for_axis(&tl, T0, T0 + HOUR, 1000), Some((T0, MIN, 60)));
        assert_eq!(
            grid_for_axis(&tl, T0, T0 + HOUR, 10),
            Some((T0, 10 * MIN, 6))
        );
        assert_eq!(axis.t0_ns % MIN, 0);
    }

    #[test]
    fn restricting_the_report_changes_the_charts() {
        let r = report(HOUR);
        let tl = timeline(60, MIN);
        let few = r.restrict(|f| f < 300);
        let view = HealthView::new(&few, &tl);
        let (_, layout) = check(HealthChart::Connections, &view, (600, 300), Theme::light());
        let n: usize = layout
            .hits
            .iter()
            .filter_map(|h| h.filter.as_ref())
            .map(|f| f.matches(',').count() + 1)
            .sum();
        assert_eq!(n, 30, "the 30 connections whose SYN is before frame 300");
    }

    #[test]
    fn sampled_series_say_so() {
        let mut r = HealthReport::default();
        for i in 0..100u64 {
            r.series.rtt.push(
                RttSample {
                    frame: i + 1,
                    ts_ns: T0 + i as i64 * SEC,
                    client: v4(1),
                    server: v4(2),
                    port: 22,
                    rtt_us: 1_000.0 + i as f64,
                },
                16,
            );
        }
        assert!(!r.series.rtt.is_exact());
        let tl = timeline(10, MIN);
        let view = HealthView::new(&r, &tl);
        let (svg, _) = check(HealthChart::RttHistogram, &view, (800, 400), Theme::light());
        assert!(svg.contains("sampled"), "{svg}");
        assert!(svg.contains("≈"));
    }

    #[test]
    fn helpers() {
        assert_eq!(rel_secs(1_500_000_000), "1.5");
        assert_eq!(rel_secs(-2_000_000_000), "-2");
        assert_eq!(
            window_filter(T0 + SEC, T0 + 2 * SEC, Some(T0)).unwrap(),
            "frame.time_relative >= 1 && frame.time_relative < 2"
        );
        assert!(window_filter(0, 1, None).is_none());
        assert_eq!(frames_filter(&[3, 1, 3]).unwrap(), "frame.number in {1, 3}");
        assert!(frames_filter(&[]).is_none());
        let many: Vec<u64> = (1..=500).collect();
        assert!(frames_filter(&many).is_none());
        assert_eq!(fmt_us(12_500.0), "12.5 ms");
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50), Some(2.0));
        let ticks = time_ticks(T0, T0 + HOUR, 0, 800.0, TICKS, &|labels| {
            labels
                .iter()
                .map(|l| l.len() as f64 * 7.0 + 16.0)
                .fold(0.0, f64::max)
        });
        assert!(ticks.len() >= 3, "{ticks:?}");
        assert!(ticks.iter().all(|(t, _)| t % (5 * MIN) == 0));
    }
}
