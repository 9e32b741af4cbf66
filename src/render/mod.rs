//! The page's charts, as pure functions of a [`Snapshot`], drawn through any plotters
//! [`DrawingBackend`].
//!
//! Each chart is `draw_NAME(area, snapshot, options) -> ChartLayout`: it fills the area (its
//! background, a title that says what is counted and in which unit, axes with units, the marks,
//! or an empty state that says why there is nothing to show) and returns where it drew, so the
//! page can show a readout for what is under the pointer ([`ChartLayout::hit`]). A chart never
//! looks up a canvas: the page passes a `plotters-canvas` backend, tests and `pcapscope report`
//! pass [`plotters::backend::SVGBackend`].
//!
//! ```
//! use pcapscope::render::{self, Chart, ChartOptions, Theme};
//! use plotters::prelude::*;
//!
//! let snapshot = pcapscope::stats::Aggregator::default().snapshot(Some(10));
//! let opts = ChartOptions { theme: Theme::dark(), tz_offset_s: 7200, top_n: 10, dpr: 1.0 };
//! let mut svg = String::new();
//! {
//!     let area = SVGBackend::with_string(&mut svg, (800, 400)).into_drawing_area();
//!     let layout = render::draw(Chart::Timeline, &area, &snapshot, &opts).unwrap();
//!     assert!(layout.hits.is_empty());
//!     assert!(layout.hit(400, 200).is_none());
//! }
//! assert!(svg.contains("no packets yet"));
//! // The same as a standalone SVG document, text sized as on a canvas:
//! let (doc, _layout) = render::svg(Chart::Sizes, &snapshot, &opts, (400, 300)).unwrap();
//! assert!(doc.starts_with("<svg"));
//! ```
//!
//! Layout does not ask the backend to measure text (in the browser that would need the DOM,
//! and it would differ between backends): [`text_width`] estimates widths from per-character
//! advances of a common sans-serif face, on the generous side, so labels never collide.
//!
//! Everything is in the backend's pixels. On a HiDPI screen the page makes the canvas
//! `dpr` times its CSS size and sets [`ChartOptions::dpr`]: fonts, lines and gaps scale by it,
//! and [`ChartLayout`] coordinates are device pixels (see [`ChartLayout::hit_css`]).

mod common;
pub mod format;
pub mod graph;
mod health;
pub mod heatmap;
mod histogram;
pub mod map;
mod ranked;
pub mod services;
pub mod theme;
mod timeline;

pub use health::{
    draw_health, draw_health_with_text_scale, draw_retransmissions_aligned,
    health_text_alternative, svg_health, HealthChart, HealthView,
};
pub use histogram::draw_sizes;
pub use ranked::{draw_destinations, draw_ports, draw_protocols, draw_talkers, protocol_label};
pub use theme::{Rgb, Theme};
pub use timeline::{display_timeline, draw_timeline, DisplayTimeline};

use crate::stats::Snapshot;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind};
use plotters::element::{Circle, PathElement, Polygon, Rectangle, Text};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{
    Color, FontDesc, FontFamily, FontStyle, FontTransform, RGBColor, ShapeStyle, TextStyle,
};
use serde::{Deserialize, Serialize};

/// What drawing a chart returns: its layout, or the backend's error.
pub type DrawResult<DB> =
    Result<ChartLayout, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// plotters' SVG backend writes `font-size` as the requested size divided by 1.24 (it treats
/// sizes as points), while the canvas backend uses pixels. [`svg`] and [`draw_with_text_scale`] scale
/// font sizes up by this so an SVG looks like the canvas.
pub const SVG_TEXT_SCALE: f64 = 1.24;

/// The font family every chart uses (system fonts only, no web fonts).
pub const FONT_FAMILY: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/// Empty-state text when there are no frames at all.
pub const NO_PACKETS: &str = "no packets yet";
/// Empty-state text of the host charts when frames exist but none is IP.
pub const NO_IP: &str = "no IP traffic in this capture";
/// Empty-state text of the ports chart when frames exist but none is TCP or UDP.
pub const NO_TCP_UDP: &str = "no TCP or UDP traffic in this capture";

/// How to draw: theme, time zone, table length and pixel density.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartOptions {
    /// Colours.
    pub theme: Theme,
    /// Offset of the viewer's time zone from UTC, in seconds (UTC+02:00 = 7200). Times on axes
    /// and in readouts are shown in it, with the offset named.
    pub tz_offset_s: i32,
    /// At most this many rows in the talkers, destinations and ports charts (the protocols
    /// chart shows every protocol present, as many as fit).
    pub top_n: usize,
    /// Device pixel ratio: backend pixels per CSS pixel. Fonts, lines and gaps scale by it.
    pub dpr: f64,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            theme: Theme::light(),
            tz_offset_s: 0,
            top_n: 10,
            dpr: 1.0,
        }
    }
}

impl ChartOptions {
    fn clamped_dpr(&self) -> f64 {
        if self.dpr.is_finite() {
            self.dpr.clamp(0.25, 8.0)
        } else {
            1.0
        }
    }
}

fn clamp_text_scale(s: f64) -> f64 {
    if s.is_finite() {
        s.clamp(0.25, 4.0)
    } else {
        1.0
    }
}

/// The charts, by their `data-chart` name on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Chart {
    /// Traffic over time (`timeline`).
    Timeline,
    /// Top sources by bytes sent (`talkers`).
    Talkers,
    /// Top destinations by bytes received (`destinations`).
    Destinations,
    /// Frames per protocol (`protocols`).
    Protocols,
    /// Top service ports by bytes (`ports`).
    Ports,
    /// Packet-size histogram (`sizes`).
    Sizes,
}

impl Chart {
    /// Every chart, in page order.
    pub const ALL: &'static [Chart] = &[
        Chart::Timeline,
        Chart::Talkers,
        Chart::Destinations,
        Chart::Protocols,
        Chart::Ports,
        Chart::Sizes,
    ];

    /// The `data-chart` name.
    pub fn name(self) -> &'static str {
        match self {
            Chart::Timeline => "timeline",
            Chart::Talkers => "talkers",
            Chart::Destinations => "destinations",
            Chart::Protocols => "protocols",
            Chart::Ports => "ports",
            Chart::Sizes => "sizes",
        }
    }

    /// The chart with this `data-chart` name.
    pub fn from_name(name: &str) -> Option<Chart> {
        Chart::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// The title drawn at the top of the chart: what it counts, in which unit.
    pub fn title(self) -> &'static str {
        match self {
            Chart::Timeline => "Traffic over time: bit rate by protocol, packets per bucket",
            Chart::Talkers => "Top talkers: bytes sent per source address",
            Chart::Destinations => "Top destinations: bytes received per address",
            Chart::Protocols => "Protocols: frames containing each protocol",
            Chart::Ports => "Top service ports: bytes per TCP/UDP port",
            Chart::Sizes => "Packet sizes: frames per length range",
        }
    }
}

/// Draws `chart` into `area`.
pub fn draw<DB: DrawingBackend>(
    chart: Chart,
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    draw_with_text_scale(chart, area, snap, opts, 1.0)
}

/// Like [`draw`], with every font size multiplied by `text_scale` before it reaches the
/// backend: [`SVG_TEXT_SCALE`] for plotters' SVG backend (see [`svg`]), 1 for the rest.
pub fn draw_with_text_scale<DB: DrawingBackend>(
    chart: Chart,
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let ts = clamp_text_scale(text_scale);
    match chart {
        Chart::Timeline => timeline::timeline(area, snap, opts, ts),
        Chart::Sizes => histogram::sizes(area, snap, opts, ts),
        _ => ranked::ranked(chart, area, snap, opts, ts),
    }
}

/// Draws `chart` as an SVG document of `size` pixels (for export and `pcapscope report`),
/// with text the same size as on the page's canvas.
pub fn svg(
    chart: Chart,
    snap: &Snapshot,
    opts: &ChartOptions,
    size: (u32, u32),
) -> Result<(String, ChartLayout), DrawingAreaErrorKind<std::io::Error>> {
    common::svg_with(size, |area, ts| {
        draw_with_text_scale(chart, area, snap, opts, ts)
    })
}

/// A one-paragraph summary of the numbers behind `chart`, for screen readers (the chart's text
/// alternative) and for copying; times in UTC, ten rows.
pub fn text_alternative(chart: Chart, snap: &Snapshot) -> String {
    text_alternative_with(chart, snap, &ChartOptions::default())
}

/// [`text_alternative`] with times in `opts.tz_offset_s` and `opts.top_n` rows.
pub fn text_alternative_with(chart: Chart, snap: &Snapshot, opts: &ChartOptions) -> String {
    match chart {
        Chart::Timeline => timeline::text_alternative(snap, opts),
        Chart::Talkers | Chart::Destinations | Chart::Protocols | Chart::Ports => {
            ranked::text_alternative(chart, snap, opts)
        }
        Chart::Sizes => histogram::text_alternative(snap),
    }
}

/// An axis-aligned rectangle in backend pixels, relative to the area's top-left corner.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Rect {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

impl Rect {
    /// Whether `(x, y)` is inside (edges included).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }
    /// Width.
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }
    /// Height.
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }
}

/// A region of the chart with a readout: a bar's row, a timeline bucket's column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HitRegion {
    /// Left, backend pixels from the area's left edge.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
    /// The readout: full name and numbers, e.g. `"10.0.0.1 — 1.2 MiB sent (1,234 frames)"`.
    pub label: String,
    /// A display filter (Wireshark syntax) selecting the frames behind the mark, if any.
    pub filter: Option<String>,
    /// The time window behind the mark (timeline buckets), ns since the epoch, end exclusive.
    pub time_ns: Option<(i64, i64)>,
}

impl HitRegion {
    fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }
}

/// The timeline's x scale, for turning a drag across the plot into a time window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimeAxis {
    /// Pixel of `t0_ns`.
    pub x0: f64,
    /// Pixel of `t1_ns`.
    pub x1: f64,
    /// Time at the plot's left edge, ns since the epoch.
    pub t0_ns: i64,
    /// Time at the plot's right edge.
    pub t1_ns: i64,
}

impl TimeAxis {
    /// The time under pixel `x`, clamped to the axis.
    pub fn time_at(&self, x: f64) -> i64 {
        let w = self.x1 - self.x0;
        if w <= 0.0 || !x.is_finite() {
            return self.t0_ns;
        }
        let f = ((x - self.x0) / w).clamp(0.0, 1.0);
        self.t0_ns + (f * (self.t1_ns - self.t0_ns) as f64).round() as i64
    }

    /// The pixel of time `t`.
    pub fn x_at(&self, t_ns: i64) -> f64 {
        let span = (self.t1_ns - self.t0_ns) as f64;
        if span <= 0.0 {
            return self.x0;
        }
        self.x0 + (t_ns - self.t0_ns) as f64 / span * (self.x1 - self.x0)
    }
}

/// Where a chart drew, for the page's hover readout.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChartLayout {
    /// Width of the area, backend pixels.
    pub width: f64,
    /// Height of the area.
    pub height: f64,
    /// The device pixel ratio the chart was drawn with.
    pub dpr: f64,
    /// The plot rectangle (inside the axes).
    pub plot: Rect,
    /// Regions with a readout, in drawing order.
    pub hits: Vec<HitRegion>,
    /// The timeline's time scale (only the timeline has one).
    pub time_axis: Option<TimeAxis>,
    /// The empty-state text, when the chart had nothing to show.
    pub empty: Option<String>,
}

impl ChartLayout {
    /// The region under `(x, y)`, in backend pixels relative to the area (`i32` or `f64`).
    pub fn hit(&self, x: impl Into<f64>, y: impl Into<f64>) -> Option<&HitRegion> {
        let (x, y) = (x.into(), y.into());
        self.hits.iter().find(|h| h.contains(x, y))
    }

    /// The region under `(x, y)` given in CSS pixels (multiplied by [`ChartLayout::dpr`]).
    pub fn hit_css(&self, x: impl Into<f64>, y: impl Into<f64>) -> Option<&HitRegion> {
        self.hit(x.into() * self.dpr, y.into() * self.dpr)
    }
}

/// Text roles, each with its size in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    /// Chart title (bold).
    Title,
    /// Row labels, legend, values.
    Body,
    /// Tick labels, axis titles.
    Small,
    /// Empty-state message.
    Notice,
}

impl Font {
    fn css_px(self) -> f64 {
        match self {
            Font::Title => 14.0,
            Font::Body => 12.0,
            Font::Small => 11.0,
            Font::Notice => 13.0,
        }
    }
    fn bold(self) -> bool {
        self == Font::Title
    }
}

/// Advance width of one character, in em, for a typical sans-serif face (DejaVu Sans and
/// Verdana are among the widest common faces; these are close to theirs, so text drawn with
/// system-ui is a little narrower than estimated, never wider).
fn char_em(c: char) -> f64 {
    match c {
        ' ' => 0.32,
        '0'..='9' => 0.64,
        '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'i' | 'j' | 'l' => 0.31,
        'f' | 't' | 'r' | 'I' | '(' | ')' | '[' | ']' | '/' | '\\' | '-' | '"' => 0.42,
        'm' | 'w' => 0.98,
        'M' | 'W' => 1.0,
        'a'..='z' => 0.62,
        'A'..='Z' => 0.74,
        '%' => 0.95,
        '+' | '=' | '<' | '>' | '~' | '×' => 0.84,
        '_' | '–' => 0.5,
        '·' => 0.32,
        '—' | '…' => 1.0,
        'µ' => 0.64,
        _ => 1.0,
    }
}

/// Estimated width in pixels of `text` set at `px` pixels (bold adds 8 %).
pub fn text_width(text: &str, px: f64, bold: bool) -> f64 {
    let em: f64 = text.chars().map(char_em).sum();
    em * px * if bold { 1.08 } else { 1.0 }
}

/// How [`fit_text`] shortens text that is too wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ellipsis {
    /// Keep the start: `"Top talkers: bytes sen…"`.
    End,
    /// Keep both ends (addresses): `"2001:db8:85a3:…:7334"`.
    Middle,
}

/// `text` if it fits in `max_w` pixels at `px`, else shortened with an ellipsis (empty if not
/// even the ellipsis fits).
pub fn fit_text(text: &str, max_w: f64, px: f64, bold: bool, how: Ellipsis) -> String {
    if text_width(text, px, bold) <= max_w {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let ell = text_width("…", px, bold);
    if ell > max_w {
        return String::new();
    }
    match how {
        Ellipsis::End => {
            let mut w = ell;
            let mut out = String::new();
            for c in &chars {
                let cw = char_em(*c) * px * if bold { 1.08 } else { 1.0 };
                if w + cw > max_w {
                    break;
                }
                w += cw;
                out.push(*c);
            }
            let out = out.trim_end().to_string();
            out + "…"
        }
        Ellipsis::Middle => {
            // Take characters alternately from the end and the start (the end of an address
            // tells hosts apart, the start tells networks apart).
            let (mut head, mut tail) = (0usize, 0usize);
            let mut w = ell;
            let cw = |c: char| char_em(c) * px * if bold { 1.08 } else { 1.0 };
            loop {
                let mut grew = false;
                if head + tail < chars.len() {
                    let c = chars[chars.len() - 1 - tail];
                    if w + cw(c) <= max_w {
                        w += cw(c);
                        tail += 1;
                        grew = true;
                    }
                }
                if head + tail < chars.len() {
                    let c = chars[head];
                    if w + cw(c) <= max_w {
                        w += cw(c);
                        head += 1;
                        grew = true;
                    }
                }
                if !grew || head + tail >= chars.len() {
                    break;
                }
            }
            let start: String = chars[..head].iter().collect();
            let end: String = chars[chars.len() - tail..].iter().collect();
            format!("{start}…{end}")
        }
    }
}

/// `text` broken at spaces into at most `max_lines` lines of at most `max_w` pixels; the last
/// line ends with an ellipsis if the text does not fit.
pub fn wrap(text: &str, max_w: f64, px: f64, bold: bool, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut words = text.split(' ').filter(|w| !w.is_empty()).peekable();
    while words.peek().is_some() && lines.len() < max_lines.max(1) {
        let last = lines.len() + 1 == max_lines.max(1);
        let mut line = String::new();
        while let Some(word) = words.peek() {
            let candidate = if line.is_empty() {
                (*word).to_string()
            } else {
                format!("{line} {word}")
            };
            if line.is_empty() || text_width(&candidate, px, bold) <= max_w {
                line = candidate;
                words.next();
            } else {
                break;
            }
        }
        if last {
            let rest: Vec<&str> = words.by_ref().collect();
            if !rest.is_empty() {
                line = format!("{line} {}", rest.join(" "));
            }
        }
        lines.push(fit_text(&line, max_w, px, bold, Ellipsis::End));
    }
    lines.retain(|l| !l.is_empty());
    lines
}

/// Ticks on a value axis that starts at 0.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticks {
    /// Distance between ticks.
    pub step: f64,
    /// The last tick (the axis maximum).
    pub top: f64,
    /// Tick values, from 0 to `top`.
    pub values: Vec<f64>,
    /// Tick labels.
    pub labels: Vec<String>,
}

/// The smallest of 1, 2, 2.5, 5 × 10^k that is at least `raw` (integers only when `integer`).
pub(crate) fn nice_step(raw: f64, integer: bool) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    if integer && raw <= 1.0 {
        return 1.0;
    }
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        let s = m * base;
        if integer && (s.fract().abs() > 1e-9) {
            continue;
        }
        if s >= raw * (1.0 - 1e-9) {
            return s;
        }
    }
    10.0 * base
}

/// Decimals needed to print multiples of `step` exactly (at most 6).
pub(crate) fn step_decimals(step: f64) -> usize {
    let mut d = 0;
    while d < 6 {
        let s = step * 10f64.powi(d as i32);
        if (s - s.round()).abs() <= 1e-6 * s.abs().max(1.0) {
            break;
        }
        d += 1;
    }
    d
}

/// Round ticks from 0 to at least `max`, as many as fit: `spacing_needed(labels)` says how
/// many pixels each tick needs, and `len_px` is the axis length.
pub(crate) fn value_ticks(
    max: f64,
    len_px: f64,
    integer: bool,
    spacing_needed: &dyn Fn(&[String]) -> f64,
) -> Ticks {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let make = |n: usize| {
        let step = nice_step(max / n as f64, integer);
        let count = ((max / step) - 1e-9).ceil().max(1.0) as usize;
        let decimals = step_decimals(step);
        let values: Vec<f64> = (0..=count).map(|i| i as f64 * step).collect();
        let labels = values.iter().map(|v| format::fixed(*v, decimals)).collect();
        Ticks {
            step,
            top: count as f64 * step,
            values,
            labels,
        }
    };
    let mut last = make(1);
    for n in (1..=10).rev() {
        let t = make(n);
        let intervals = (t.values.len().saturating_sub(1)).max(1) as f64;
        if len_px / intervals >= spacing_needed(&t.labels) {
            return t;
        }
        last = t;
    }
    last
}

/// Drawing primitives in f64 pixels, with the theme's font and the options' scale.
pub(crate) struct Painter<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    pub theme: Theme,
    pub w: f64,
    pub h: f64,
    dpr: f64,
    text_scale: f64,
}

pub(crate) type PResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn pt(x: f64, y: f64) -> (i32, i32) {
    let c = |v: f64| {
        if v.is_finite() {
            v.round().clamp(-1e6, 1e6) as i32
        } else {
            0
        }
    };
    (c(x), c(y))
}

fn shape(c: Rgb, filled: bool, width: f64) -> ShapeStyle {
    let width = if width.is_finite() {
        width.round().clamp(1.0, 64.0) as u32
    } else {
        1
    };
    ShapeStyle {
        color: RGBColor::from(c).to_rgba(),
        filled,
        stroke_width: width,
    }
}

impl<'a, DB: DrawingBackend> Painter<'a, DB> {
    pub fn new(area: &'a DrawingArea<DB, Shift>, opts: &'a ChartOptions, text_scale: f64) -> Self {
        let (w, h) = area.dim_in_pixel();
        Painter {
            area,
            theme: opts.theme,
            w: f64::from(w),
            h: f64::from(h),
            dpr: opts.clamped_dpr(),
            text_scale: clamp_text_scale(text_scale),
        }
    }

    /// CSS pixels to backend pixels.
    pub fn px(&self, css: f64) -> f64 {
        css * self.dpr
    }

    /// Font size in backend pixels.
    pub fn font_px(&self, f: Font) -> f64 {
        self.px(f.css_px())
    }

    /// Line height for a font.
    pub fn line_h(&self, f: Font) -> f64 {
        self.font_px(f) * 1.25
    }

    pub fn measure(&self, text: &str, f: Font) -> f64 {
        text_width(text, self.font_px(f), f.bold())
    }

    pub fn fit(&self, text: &str, max_w: f64, f: Font, how: Ellipsis) -> String {
        fit_text(text, max_w, self.font_px(f), f.bold(), how)
    }

    fn style(&self, f: Font, color: Rgb, h: HPos, v: VPos, rotate: bool) -> TextStyle<'static> {
        let size = self.font_px(f) * self.text_scale;
        let weight = if f.bold() {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        let mut font = FontDesc::new(FontFamily::Name(FONT_FAMILY), size, weight);
        if rotate {
            font = font.transform(FontTransform::Rotate270);
        }
        TextStyle {
            font,
            color: RGBColor::from(color).to_backend_color(),
            pos: Pos::new(h, v),
        }
    }

    pub fn text(
        &self,
        s: &str,
        (x, y): (f64, f64),
        f: Font,
        color: Rgb,
        h: HPos,
        v: VPos,
    ) -> PResult<(), DB> {
        if s.is_empty() {
            return Ok(());
        }
        self.area.draw(&Text::new(
            s.to_string(),
            pt(x, y),
            self.style(f, color, h, v, false),
        ))
    }

    pub fn fill(&self, c: Rgb) -> PResult<(), DB> {
        self.area.fill(&RGBColor::from(c))
    }

    pub fn rect(&self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb) -> PResult<(), DB> {
        let (a, b) = (pt(x0.min(x1), y0.min(y1)), pt(x0.max(x1), y0.max(y1)));
        self.area.draw(&Rectangle::new([a, b], shape(c, true, 1.0)))
    }

    /// A polyline `width` CSS pixels wide.
    pub fn line(&self, pts: &[(f64, f64)], c: Rgb, width: f64) -> PResult<(), DB> {
        let v: Vec<(i32, i32)> = pts.iter().map(|(x, y)| pt(*x, *y)).collect();
        self.area
            .draw(&PathElement::new(v, shape(c, false, self.px(width))))
    }

    pub fn polygon(&self, pts: &[(f64, f64)], c: Rgb) -> PResult<(), DB> {
        let v: Vec<(i32, i32)> = pts.iter().map(|(x, y)| pt(*x, *y)).collect();
        self.area.draw(&Polygon::new(v, shape(c, true, 1.0)))
    }

    pub fn circle(&self, x: f64, y: f64, r: f64, c: Rgb) -> PResult<(), DB> {
        let r = if r.is_finite() {
            r.round().clamp(1.0, 1e4) as i32
        } else {
            1
        };
        self.area
            .draw(&Circle::new(pt(x, y), r, shape(c, true, 1.0)))
    }

    /// Fills the background and draws the title; returns the y where the body starts.
    pub fn begin(&self, title: &str) -> PResult<f64, DB> {
        self.fill(self.theme.background)?;
        let pad = self.px(PAD);
        let lines = wrap(
            title,
            self.w - 2.0 * pad,
            self.font_px(Font::Title),
            true,
            2,
        );
        let mut y = pad;
        for line in &lines {
            self.text(
                line,
                (pad, y),
                Font::Title,
                self.theme.text,
                HPos::Left,
                VPos::Top,
            )?;
            y += self.line_h(Font::Title);
        }
        Ok(y + self.px(6.0))
    }

    /// Draws the empty state below `top` and returns its layout.
    pub fn empty(&self, top: f64, message: &str) -> PResult<ChartLayout, DB> {
        let pad = self.px(PAD);
        let body = Rect {
            x0: pad,
            y0: top,
            x1: (self.w - pad).max(pad),
            y1: (self.h - pad).max(top),
        };
        let msg = self.fit(message, body.width(), Font::Notice, Ellipsis::End);
        let (cx, cy) = ((body.x0 + body.x1) / 2.0, (body.y0 + body.y1) / 2.0);
        self.text(
            &msg,
            (cx, cy),
            Font::Notice,
            self.theme.muted,
            HPos::Center,
            VPos::Center,
        )?;
        Ok(ChartLayout {
            empty: Some(message.to_string()),
            ..self.layout(body)
        })
    }

    /// A layout with this plot rectangle and no hit regions yet.
    pub fn layout(&self, plot: Rect) -> ChartLayout {
        ChartLayout {
            width: self.w,
            height: self.h,
            dpr: self.dpr,
            plot,
            hits: Vec::new(),
            time_axis: None,
            empty: None,
        }
    }
}

/// Padding around a chart, CSS pixels.
pub(crate) const PAD: f64 = 8.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_round() {
        assert_eq!(nice_step(0.7, false), 1.0);
        assert_eq!(nice_step(1.3, false), 2.0);
        assert_eq!(nice_step(2.2, false), 2.5);
        assert_eq!(nice_step(2.2, true), 5.0);
        assert_eq!(nice_step(0.3, true), 1.0);
        assert_eq!(nice_step(0.03, false), 0.05);
        assert_eq!(nice_step(230.0, true), 250.0);
        assert_eq!(nice_step(6000.0, true), 10_000.0);
        assert_eq!(step_decimals(0.25), 2);
        assert_eq!(step_decimals(250.0), 0);
        assert_eq!(step_decimals(0.1), 1);
    }

    #[test]
    fn ticks_cover_the_maximum_and_fit_their_labels() {
        let t = value_ticks(956.0, 400.0, true, &|_| 20.0);
        assert!(t.top >= 956.0);
        assert_eq!(t.values.first(), Some(&0.0));
        assert!(t.values.len() <= 11);
        assert!(t.labels.iter().any(|l| l.contains(',')), "{:?}", t.labels);
        // 40 px for the whole axis and labels that need 30 px: only 0 and the top.
        let t = value_ticks(956.0, 40.0, true, &|_| 30.0);
        assert_eq!(t.values.len(), 2);
        let t = value_ticks(0.0, 100.0, false, &|_| 10.0);
        assert!(t.top > 0.0);
        let t = value_ticks(0.6, 300.0, false, &|_| 30.0);
        assert_eq!(t.labels.last().map(String::as_str), Some("0.6"));
    }

    #[test]
    fn text_fitting() {
        assert_eq!(
            fit_text("10.0.0.1", 500.0, 12.0, false, Ellipsis::Middle),
            "10.0.0.1"
        );
        let long = "2001:0db8:85a3:0000:0000:8a2e:0370:7334";
        let f = fit_text(long, 100.0, 12.0, false, Ellipsis::Middle);
        assert!(
            f.contains('…') && f.starts_with("20") && f.ends_with("34"),
            "{f}"
        );
        assert!(text_width(&f, 12.0, false) <= 100.0);
        let f = fit_text("Top talkers: bytes sent", 80.0, 12.0, true, Ellipsis::End);
        assert!(f.ends_with('…') && f.starts_with("Top"), "{f}");
        assert_eq!(fit_text("abc", 1.0, 12.0, false, Ellipsis::End), "");
    }

    #[test]
    fn titles_wrap_onto_two_lines() {
        let t = "Traffic over time: bit rate by protocol, packets per second";
        assert_eq!(wrap(t, 2000.0, 14.0, true, 2), vec![t.to_string()]);
        let two = wrap(t, 300.0, 14.0, true, 2);
        assert_eq!(two.len(), 2, "{two:?}");
        assert_eq!(two.join(" "), t);
        assert!(two.iter().all(|l| text_width(l, 14.0, true) <= 300.0));
        let cut = wrap(t, 120.0, 14.0, true, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'), "{cut:?}");
    }

    #[test]
    fn time_axis_maps_both_ways() {
        let a = TimeAxis {
            x0: 100.0,
            x1: 300.0,
            t0_ns: 0,
            t1_ns: 2_000,
        };
        assert_eq!(a.time_at(200.0), 1_000);
        assert_eq!(a.time_at(-5.0), 0);
        assert_eq!(a.x_at(500), 150.0);
    }

    #[test]
    fn chart_names_round_trip() {
        for c in Chart::ALL {
            assert_eq!(Chart::from_name(c.name()), Some(*c));
        }
        assert_eq!(Chart::from_name("map"), None);
    }
}
