//! Traffic over time: the bit rate per bucket as stacked areas by [`TrafficClass`], and the
//! packets per bucket as a line on a second axis, over a time-of-day axis in the viewer's time zone.
//!
//! The snapshot's timeline can hold up to a thousand buckets; the chart merges them into wider
//! buckets from the same ladder of round widths until each is at least two CSS pixels wide, so
//! every bucket on screen has its own readout and its rate is exact (bytes × 8 / width).

use super::common::{TICK_GAP, TOO_SMALL};
use super::format::{self, RateUnit, TimePrecision, DAY, HOUR, MIN, MS, SEC, US};
use super::{
    nice_step, value_ticks, Chart, ChartOptions, DrawResult, Ellipsis, Font, HitRegion, PResult,
    Painter, NO_PACKETS, PAD,
};
use crate::stats::timeline::LADDER;
use crate::stats::{Bucket, Snapshot, TimelineView, TrafficClass};
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, VPos};

/// The timeline as drawn: buckets merged to a width that suits the plot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayTimeline {
    /// Start of the first bucket, ns since the epoch.
    pub start_ns: i64,
    /// Bucket width, ns.
    pub bucket_ns: i64,
    /// Consecutive buckets.
    pub buckets: Vec<Bucket>,
}

impl DisplayTimeline {
    /// End of the last bucket.
    pub fn end_ns(&self) -> i64 {
        self.start_ns
            .saturating_add(self.bucket_ns.saturating_mul(self.buckets.len() as i64))
    }

    /// Start of bucket `i`.
    pub fn bucket_start(&self, i: usize) -> i64 {
        self.start_ns
            .saturating_add(self.bucket_ns.saturating_mul(i as i64))
    }
}

fn merge_into(a: &mut Bucket, b: &Bucket) {
    a.packets += b.packets;
    a.bytes += b.bytes;
    for (x, y) in a.class_bytes.iter_mut().zip(b.class_bytes.iter()) {
        *x += y;
    }
}

/// `view` with its buckets merged into the narrowest round width (a multiple of the current
/// one, from the timeline's ladder) that gives at most `max_buckets` buckets. Merging is exact:
/// every display bucket is the sum of whole source buckets.
pub fn display_timeline(view: &TimelineView, max_buckets: usize) -> DisplayTimeline {
    let max_buckets = max_buckets.max(1);
    let src_w = view.bucket_ns;
    if view.buckets.is_empty() || src_w <= 0 {
        return DisplayTimeline {
            start_ns: view.start_ns,
            bucket_ns: src_w.max(1),
            buckets: view.buckets.clone(),
        };
    }
    let last_start = view
        .start_ns
        .saturating_add(src_w.saturating_mul(view.buckets.len() as i64 - 1));
    let count = |w: i64| (last_start.div_euclid(w) - view.start_ns.div_euclid(w) + 1) as usize;
    let mut w = src_w;
    while count(w) > max_buckets {
        let next = LADDER.iter().copied().find(|l| *l > w && l % w == 0);
        w = match next {
            Some(l) => l,
            None => match w.checked_mul(2) {
                Some(d) => d,
                None => break,
            },
        };
    }
    if w == src_w {
        return DisplayTimeline {
            start_ns: view.start_ns,
            bucket_ns: w,
            buckets: view.buckets.clone(),
        };
    }
    let first = view.start_ns.div_euclid(w);
    let mut buckets = vec![Bucket::default(); count(w)];
    for (i, b) in view.buckets.iter().enumerate() {
        let t = view.start_ns.saturating_add(src_w.saturating_mul(i as i64));
        let j = (t.div_euclid(w) - first) as usize;
        if let Some(m) = buckets.get_mut(j) {
            merge_into(m, b);
        }
    }
    DisplayTimeline {
        start_ns: first.saturating_mul(w),
        bucket_ns: w,
        buckets,
    }
}

/// Fixed tick steps for time axes, ns, finest first; longer steps follow the calendar
/// ([`Step`]).
const TIME_STEPS: &[i64] = &[
    US,
    2 * US,
    5 * US,
    10 * US,
    20 * US,
    50 * US,
    100 * US,
    200 * US,
    500 * US,
    MS,
    2 * MS,
    5 * MS,
    10 * MS,
    20 * MS,
    50 * MS,
    100 * MS,
    200 * MS,
    500 * MS,
    SEC,
    2 * SEC,
    5 * SEC,
    10 * SEC,
    15 * SEC,
    30 * SEC,
    MIN,
    2 * MIN,
    5 * MIN,
    10 * MIN,
    15 * MIN,
    30 * MIN,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
    14 * DAY,
];

/// How a time axis is ticked: every chart with a time axis takes its ticks from
/// [`time_ticks`], in its own style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TickStyle {
    /// The finest step, ns: a microsecond where the data is that fine (a heatmap's columns).
    pub finest: i64,
    /// Ticks on whole minutes read `HH:MM` (else `HH:MM:SS`).
    pub minutes: bool,
}

impl TickStyle {
    /// The traffic chart's: milliseconds and up, seconds always shown.
    pub const TRAFFIC: TickStyle = TickStyle {
        finest: MS,
        minutes: false,
    };
}

/// A tick step: a fixed length, or whole calendar months or years (which vary in length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Fixed(i64),
    Months(i64),
    Years(i64),
}

impl Step {
    /// The steps from `finest` up.
    fn all(finest: i64) -> impl Iterator<Item = Step> {
        TIME_STEPS
            .iter()
            .filter(move |s| **s >= finest)
            .map(|s| Step::Fixed(*s))
            .chain([1, 3, 6].map(Step::Months))
            .chain([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].map(Step::Years))
    }

    /// Typical length, ns (for estimating how many ticks a span holds).
    fn nominal(self) -> i64 {
        match self {
            Step::Fixed(s) => s,
            Step::Months(m) => m * 30 * DAY,
            Step::Years(y) => y.saturating_mul(365 * DAY),
        }
    }
}

/// How a tick at a given step is labelled.
fn tick_label(t: i64, step: Step, span: i64, off: i32, style: TickStyle) -> String {
    match step {
        Step::Years(_) => format!("{}", format::Civil::new(t, off).year),
        Step::Months(_) => {
            let c = format::Civil::new(t, off);
            format!("{:04}-{:02}", c.year, c.month)
        }
        Step::Fixed(s) if span > DAY => {
            if s >= DAY {
                format::date(t, off)
            } else {
                format!(
                    "{} {}",
                    format::month_day(t, off),
                    format::time_of_day(t, off, TimePrecision::Minutes)
                )
            }
        }
        Step::Fixed(s) if s < MS => format::time_of_day(t, off, TimePrecision::Micros),
        Step::Fixed(s) if s < SEC => format::time_of_day(t, off, TimePrecision::Millis),
        Step::Fixed(s) if style.minutes && s % MIN == 0 => {
            format::time_of_day(t, off, TimePrecision::Minutes)
        }
        Step::Fixed(_) => format::time_of_day(t, off, TimePrecision::Seconds),
    }
}

/// At most this many ticks are generated for one candidate step.
const MAX_TICKS: usize = 64;

/// Tick times of `step` within `[t0, t1]`, at round local times.
fn tick_times(t0: i64, t1: i64, off: i32, step: Step) -> Vec<i64> {
    let off_ns = i128::from(off) * i128::from(SEC);
    let mut out = Vec::new();
    let mut push = |t: i128| -> bool {
        if t > i128::from(t1) || out.len() >= MAX_TICKS {
            return false;
        }
        if let Ok(t) = i64::try_from(t) {
            if t >= t0 {
                out.push(t);
            }
        }
        true
    };
    match step {
        Step::Fixed(s) => {
            let s = i128::from(s);
            let local0 = i128::from(t0) + off_ns;
            let mut k = local0.div_euclid(s) + i128::from(local0.rem_euclid(s) != 0);
            while push(k * s - off_ns) {
                k += 1;
            }
        }
        Step::Months(m) | Step::Years(m) => {
            let months = if matches!(step, Step::Years(_)) {
                m * 12
            } else {
                m
            };
            let c = format::Civil::new(t0, off);
            // Month index of t0, rounded down to a multiple of the step; the first tick may
            // fall before t0 and is skipped.
            let mut idx = (c.year * 12 + i64::from(c.month) - 1).div_euclid(months) * months;
            loop {
                let (y, mo) = (idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1);
                let t = i128::from(format::days_from_civil(y, mo, 1)) * i128::from(DAY) - off_ns;
                if !push(t) {
                    break;
                }
                idx += months;
            }
        }
    }
    out
}

/// Ticks at round local times within `[t0, t1]`: the finest step of `style` whose labels do
/// not collide (`need_px(labels)`: the pixels between two ticks that the labels need).
pub(super) fn time_ticks(
    t0: i64,
    t1: i64,
    off: i32,
    width_px: f64,
    style: TickStyle,
    need_px: &dyn Fn(&[String]) -> f64,
) -> Vec<(i64, String)> {
    let span = (t1 - t0).max(1);
    let px_per_ns = width_px / span as f64;
    let mut chosen: Vec<(i64, String)> = Vec::new();
    let mut fits = false;
    for step in Step::all(style.finest) {
        if span / step.nominal().max(1) > MAX_TICKS as i64 {
            continue;
        }
        let times = tick_times(t0, t1, off, step);
        let ticks: Vec<(i64, String)> = times
            .iter()
            .map(|t| (*t, tick_label(*t, step, span, off, style)))
            .collect();
        let labels: Vec<String> = ticks.iter().map(|(_, l)| l.clone()).collect();
        let spacing = times
            .windows(2)
            .map(|w| (w[1] - w[0]) as f64 * px_per_ns)
            .fold(f64::INFINITY, f64::min);
        let spacing = if spacing.is_finite() {
            spacing
        } else {
            step.nominal() as f64 * px_per_ns
        };
        chosen = ticks;
        if spacing >= need_px(&labels) {
            fits = true;
            break;
        }
    }
    if !fits && chosen.len() > 1 {
        // Even the longest step is too dense: keep every k-th tick.
        let labels: Vec<String> = chosen.iter().map(|(_, l)| l.clone()).collect();
        let spacing = (chosen[1].0 - chosen[0].0) as f64 * px_per_ns;
        let k = (need_px(&labels) / spacing.max(1e-9)).ceil().max(1.0) as usize;
        chosen = chosen.into_iter().step_by(k).collect();
    }
    chosen
}

/// The title of a time axis over `[t0, t1)`: `"time of day on 2010-04-07 (UTC+02:00)"`, or
/// with dates when the span crosses days.
pub(super) fn time_axis_title(t0: i64, t1: i64, off: i32) -> String {
    let tz = format::tz_label(off);
    let (d0, d1) = (
        format::date(t0, off),
        format::date(t1.saturating_sub(1).max(t0), off),
    );
    if t1 - t0 > DAY {
        format!("date and time ({tz})")
    } else if d0 == d1 {
        format!("time of day on {d0} ({tz})")
    } else {
        format!("time ({tz}), {d0} to {d1}")
    }
}

/// The ticks of a time axis under the plot `(x0, x1, plot_top, bottom)` over `[t0, t1]`:
/// grid lines, tick marks and labels (each kept inside the chart).
pub(super) fn draw_time_ticks<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    (x0, x1, plot_top, bottom): (f64, f64, f64, f64),
    (t0, t1): (i64, i64),
    off: i32,
    style: TickStyle,
) -> PResult<(), DB> {
    let t = p.theme;
    let span = (t1 - t0).max(1);
    let x_of = |ts: i64| x0 + (ts - t0) as f64 / span as f64 * (x1 - x0);
    let ticks = time_ticks(t0, t1, off, x1 - x0, style, &|labels| {
        p.widest(labels, Font::Small) + p.px(16.0)
    });
    for (ts, label) in &ticks {
        let x = x_of(*ts);
        p.line(&[(x, plot_top), (x, bottom)], t.grid, 1.0)?;
        p.line(&[(x, bottom), (x, bottom + p.px(3.0))], t.axis, 1.0)?;
        p.x_label(label, x, bottom + p.px(TICK_GAP))?;
    }
    Ok(())
}

/// A time range for a readout, `12:00:01–12:00:02` at precision `p`, with the start's date
/// when the axis spans more than a day.
pub(super) fn time_range(a: i64, z: i64, p: TimePrecision, span: i64, off: i32) -> String {
    if span > DAY {
        format!(
            "{}–{}",
            format::date_time_with(a, off, p),
            format::time_of_day(z, off, p)
        )
    } else {
        format!(
            "{}–{}",
            format::time_of_day(a, off, p),
            format::time_of_day(z, off, p)
        )
    }
}

fn bucket_hover(d: &DisplayTimeline, i: usize, b: &Bucket, off: i32, theme_span: i64) -> String {
    let (a, z) = (d.bucket_start(i), d.bucket_start(i + 1));
    let when = time_range(a, z, TimePrecision::for_step(d.bucket_ns), theme_span, off);
    let mut s = format!(
        "{when} · {} · {} packets",
        format::bit_rate(format::bits_per_second(b.bytes, d.bucket_ns)),
        format::thousands(b.packets)
    );
    let parts: Vec<String> = TrafficClass::ALL
        .iter()
        .filter(|c| b.class_bytes[**c as usize] > 0)
        .map(|c| {
            format!(
                "{} {}",
                c.name(),
                format::percent(b.class_bytes[*c as usize], b.bytes)
            )
        })
        .collect();
    if parts.len() > 1 {
        s.push_str(" · ");
        s.push_str(&parts.join(", "));
    }
    s
}

/// Epoch seconds with nanoseconds, for a display filter.
fn epoch(t: i64) -> String {
    let s = t.div_euclid(SEC);
    let ns = t.rem_euclid(SEC);
    format!("{s}.{ns:09}")
}

/// The timeline's scales for one plot width.
struct Axes {
    disp: DisplayTimeline,
    unit: RateUnit,
    left: super::Ticks,
    right_top: f64,
    right_labels: Vec<String>,
    x0: f64,
    x1: f64,
}

impl Axes {
    fn new<DB: DrawingBackend>(
        p: &Painter<'_, DB>,
        view: &TimelineView,
        plot_w: f64,
        plot_h: f64,
    ) -> Axes {
        let pad = p.px(PAD);
        let gap = p.px(6.0);
        let small_h = p.line_h(Font::Small);
        // At least two CSS pixels per bucket.
        let disp = display_timeline(view, (plot_w / p.px(2.0)).floor().max(1.0) as usize);
        let secs = disp.bucket_ns as f64 / SEC as f64;
        let max_bps = disp
            .buckets
            .iter()
            .map(|b| b.bytes as f64 * 8.0 / secs)
            .fold(0.0, f64::max)
            .max(1e-9);
        let max_packets = disp
            .buckets
            .iter()
            .map(|b| b.packets)
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let unit = RateUnit::for_value(max_bps);
        let left = value_ticks(max_bps / unit.factor(), plot_h, false, &|_| small_h * 1.8);
        // Packets per bucket get as many intervals as the bit rate, so both share the grid.
        let k = left.values.len().saturating_sub(1).max(1);
        let rstep = nice_step(max_packets / k as f64, true);
        let right_labels: Vec<String> = (0..=k)
            .map(|i| format::fixed(i as f64 * rstep, 0))
            .collect();
        let lw = p.widest(&left.labels, Font::Small);
        let rw = p.widest(&right_labels, Font::Small);
        let x0 = pad + lw + gap;
        let x1 = (p.w - pad - rw - gap).max(x0);
        Axes {
            disp,
            unit,
            left,
            right_top: rstep * k as f64,
            right_labels,
            x0,
            x1,
        }
    }
}

/// Traffic over time: bit rate per bucket stacked by traffic class, packets per bucket as a
/// line on the right-hand axis, time of day in [`ChartOptions::tz_offset_s`].
pub fn draw_timeline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    timeline(area, snap, opts, 1.0)
}

pub(super) fn timeline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let p = Painter::new(area, opts, text_scale);
    let t = p.theme;
    let off = opts.tz_offset_s;
    let top = p.begin(Chart::Timeline.title())?;
    let view = &snap.timeline;
    if snap.summary.packets == 0
        || view.bucket_ns <= 0
        || view.buckets.iter().all(|b| b.packets == 0)
    {
        return p.empty(top, NO_PACKETS);
    }
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);
    let gap = p.px(6.0);

    // Legend: classes present, then the packet line; wraps onto more rows when narrow.
    let mut class_total = [0u64; 6];
    for b in &view.buckets {
        for (a, c) in class_total.iter_mut().zip(b.class_bytes.iter()) {
            *a += c;
        }
    }
    let classes: Vec<TrafficClass> = TrafficClass::ALL
        .into_iter()
        .filter(|c| class_total[*c as usize] > 0)
        .collect();
    let sw = p.px(10.0);
    let mut legend: Vec<(f64, f64, Option<TrafficClass>, &str)> = Vec::new();
    let (mut lx, mut ly) = (pad, top);
    let items: Vec<(Option<TrafficClass>, &str)> = classes
        .iter()
        .map(|c| (Some(*c), c.name()))
        .chain(std::iter::once((None, "packets")))
        .collect();
    for (c, name) in &items {
        let w = sw + p.px(4.0) + p.measure(name, Font::Small) + p.px(12.0);
        if lx + w > p.w - pad && lx > pad {
            lx = pad;
            ly += small_h + p.px(2.0);
        }
        legend.push((lx, ly, *c, name));
        lx += w;
    }
    let mut legend_h = ly - top + small_h + p.px(4.0);

    // Everything below the plot: tick labels and the axis title.
    let bottom = p.bottom_above_axis();
    let units_h = small_h + p.px(7.0);
    if bottom - (top + legend_h + units_h) < p.px(40.0) {
        legend.clear();
        legend_h = 0.0;
    }
    let units_y = top + legend_h;
    let plot_top = units_y + units_h;
    let plot_h = bottom - plot_top;
    if plot_h < p.px(24.0) || p.w < p.px(120.0) {
        return p.empty(top, TOO_SMALL);
    }

    // The bucket width depends on the plot width, which depends on the axis labels, which
    // depend on the rates: settle with a generous guess, then once more with the real width.
    let settle = |plot_w: f64| Axes::new(&p, view, plot_w, plot_h);
    let guess_w = (p.w - 2.0 * pad - p.px(90.0)).max(p.px(20.0));
    let mut ax = settle(guess_w);
    if ax.x1 - ax.x0 < guess_w {
        let again = settle(ax.x1 - ax.x0);
        if again.disp.bucket_ns != ax.disp.bucket_ns {
            ax = again;
        }
    }
    let Axes {
        disp,
        unit,
        left,
        right_top,
        right_labels,
        x0,
        x1,
    } = ax;
    if x1 - x0 < p.px(40.0) {
        return p.empty(top, TOO_SMALL);
    }
    let secs = disp.bucket_ns as f64 / SEC as f64;
    let (t0, t1) = (disp.start_ns, disp.end_ns());
    let span = (t1 - t0).max(1);
    let x_of = |ts: i64| x0 + (ts - t0) as f64 / span as f64 * (x1 - x0);
    let y_left = |v: f64| bottom - (v / unit.factor()) / left.top * plot_h;
    let y_right = |v: f64| bottom - v / right_top * plot_h;

    // Legend.
    for (x, y, c, name) in &legend {
        let cy = y + small_h / 2.0;
        match c {
            Some(c) => p.rect(*x, cy - sw / 2.0, x + sw, cy + sw / 2.0, t.class_color(*c))?,
            None => p.line(&[(*x, cy), (x + sw, cy)], t.line, 2.0)?,
        }
        p.text(
            name,
            (x + sw + p.px(4.0), cy),
            Font::Small,
            t.text,
            HPos::Left,
            VPos::Center,
        )?;
    }

    // Units above the axes.
    let right_unit = format!("packets per {}", format::width(disp.bucket_ns));
    let right_unit = right_unit.as_str();
    let right_unit_w = p.measure(right_unit, Font::Small);
    let left_unit = format!(
        "{} ({} buckets)",
        unit.symbol(),
        format::width(disp.bucket_ns)
    );
    let left_unit = p.fit(
        &left_unit,
        p.w - 2.0 * pad - right_unit_w - gap,
        Font::Small,
        Ellipsis::End,
    );
    p.text(
        &left_unit,
        (pad, units_y),
        Font::Small,
        t.muted,
        HPos::Left,
        VPos::Top,
    )?;
    p.text(
        right_unit,
        (p.w - pad, units_y),
        Font::Small,
        t.muted,
        HPos::Right,
        VPos::Top,
    )?;

    // Horizontal grid with both axes' labels.
    for (i, (v, label)) in left.values.iter().zip(&left.labels).enumerate() {
        let y = bottom - v / left.top * plot_h;
        if *v > 0.0 {
            p.line(&[(x0, y), (x1, y)], t.grid, 1.0)?;
        }
        p.text(
            label,
            (x0 - gap, y),
            Font::Small,
            t.muted,
            HPos::Right,
            VPos::Center,
        )?;
        if let Some(r) = right_labels.get(i) {
            p.text(
                r,
                (x1 + gap, y),
                Font::Small,
                t.muted,
                HPos::Left,
                VPos::Center,
            )?;
        }
    }

    // Time ticks: vertical grid lines and labels.
    draw_time_ticks(
        &p,
        (x0, x1, plot_top, bottom),
        (t0, t1),
        off,
        TickStyle::TRAFFIC,
    )?;

    // Stacked areas, TCP at the bottom, drawn as steps (a bucket is a constant rate).
    let n = disp.buckets.len();
    let xs: Vec<f64> = (0..=n).map(|i| x_of(disp.bucket_start(i))).collect();
    let mut lower = vec![0u64; n];
    for c in &classes {
        let upper: Vec<u64> = disp
            .buckets
            .iter()
            .zip(&lower)
            .map(|(b, lo)| lo + b.class_bytes[*c as usize])
            .collect();
        let rate = |bytes: u64| bytes as f64 * 8.0 / secs;
        let mut pts = Vec::with_capacity(4 * n);
        for i in 0..n {
            let y = y_left(rate(upper[i]));
            pts.push((xs[i], y));
            pts.push((xs[i + 1], y));
        }
        for i in (0..n).rev() {
            let y = y_left(rate(lower[i]));
            pts.push((xs[i + 1], y));
            pts.push((xs[i], y));
        }
        p.polygon(&pts, t.class_color(*c))?;
        lower = upper;
    }

    // Axes lines over the areas.
    p.line(&[(x0, bottom), (x1, bottom)], t.axis, 1.0)?;
    p.line(&[(x0, plot_top), (x0, bottom)], t.axis, 1.0)?;
    p.line(&[(x1, plot_top), (x1, bottom)], t.axis, 1.0)?;

    // Packet rate line through the buckets' middles.
    let line: Vec<(f64, f64)> = disp
        .buckets
        .iter()
        .enumerate()
        .map(|(i, b)| ((xs[i] + xs[i + 1]) / 2.0, y_right(b.packets as f64)))
        .collect();
    if line.len() == 1 {
        p.circle(line[0].0, line[0].1, p.px(2.5), t.line)?;
    } else {
        p.line(&line, t.line, 1.5)?;
    }

    // X axis title.
    let ty = bottom + p.px(TICK_GAP) + small_h + p.px(2.0);
    p.axis_title(&time_axis_title(t0, t1, off), (x0, x1), ty, true)?;

    let mut layout = p.time_layout((x0, x1, plot_top, bottom), (t0, t1));
    for (i, b) in disp.buckets.iter().enumerate() {
        let (a, z) = (disp.bucket_start(i), disp.bucket_start(i + 1));
        layout.hits.push(HitRegion {
            x0: xs[i],
            y0: plot_top,
            x1: xs[i + 1],
            y1: bottom,
            label: bucket_hover(&disp, i, b, off, span),
            filter: Some(format!(
                "frame.time_epoch >= {} && frame.time_epoch < {}",
                epoch(a),
                epoch(z)
            )),
            time_ns: Some((a, z)),
        });
    }
    Ok(layout)
}

pub(super) fn text_alternative(snap: &Snapshot, opts: &ChartOptions) -> String {
    let view = &snap.timeline;
    if snap.summary.packets == 0 || view.buckets.is_empty() || view.bucket_ns <= 0 {
        return format!("{}: {NO_PACKETS}.", Chart::Timeline.title());
    }
    let off = opts.tz_offset_s;
    // The same merge as a wide chart, so the peak is the one the chart shows.
    let d = display_timeline(view, 500);
    let (t0, t1) = (d.start_ns, d.end_ns());
    let p = TimePrecision::for_step(d.bucket_ns);
    let secs = d.bucket_ns as f64 / SEC as f64;
    let peak = d.buckets.iter().enumerate().max_by_key(|(_, b)| b.bytes);
    let mut s = format!(
        "Traffic from {} to {} ({}), {} in {} buckets: {} frames, {}",
        format::date_time_with(t0, off, p),
        format::date_time_with(t1, off, p),
        format::tz_label(off),
        format::duration(snap.summary.duration_ns()),
        format::width(d.bucket_ns),
        format::thousands(snap.summary.packets),
        format::bytes(snap.summary.bytes),
    );
    let dur = snap.summary.duration_ns();
    if dur > 0 {
        s.push_str(&format!(
            "; average {}",
            format::bit_rate(format::bits_per_second(snap.summary.bytes, dur))
        ));
    }
    if let Some((i, b)) = peak {
        s.push_str(&format!(
            "; peak {} at {}",
            format::bit_rate(b.bytes as f64 * 8.0 / secs),
            format::time_of_day(d.bucket_start(i), off, p)
        ));
    }
    let total: u64 = d.buckets.iter().map(|b| b.bytes).sum();
    let parts: Vec<String> = TrafficClass::ALL
        .iter()
        .filter_map(|c| {
            let v: u64 = d.buckets.iter().map(|b| b.class_bytes[*c as usize]).sum();
            (v > 0).then(|| format!("{} {}", c.name(), format::percent(v, total)))
        })
        .collect();
    if !parts.is_empty() {
        s.push_str(&format!("; bytes by protocol: {}", parts.join(", ")));
    }
    s.push('.');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(n: usize, w: i64, start: i64) -> TimelineView {
        let buckets = (0..n)
            .map(|i| Bucket {
                packets: 1,
                bytes: 100 + i as u64,
                class_bytes: [100 + i as u64, 0, 0, 0, 0, 0],
            })
            .collect();
        TimelineView {
            start_ns: start,
            bucket_ns: w,
            buckets,
        }
    }

    #[test]
    fn merging_keeps_totals_and_uses_round_widths() {
        let v = view(1000, MS, 1_270_666_169 * SEC + 7 * MS);
        let d = display_timeline(&v, 300);
        assert!(d.buckets.len() <= 300);
        assert_eq!(d.bucket_ns % MS, 0);
        assert!(LADDER.contains(&d.bucket_ns));
        assert_eq!(d.start_ns % d.bucket_ns, 0);
        assert!(d.start_ns <= v.start_ns);
        assert_eq!(d.buckets.iter().map(|b| b.packets).sum::<u64>(), 1000);
        assert_eq!(
            d.buckets.iter().map(|b| b.bytes).sum::<u64>(),
            v.buckets.iter().map(|b| b.bytes).sum::<u64>()
        );
        // Already narrow enough: unchanged.
        let same = display_timeline(&v, 2000);
        assert_eq!(same.buckets, v.buckets);
        // Beyond the ladder (364 d buckets) it still terminates.
        let huge = view(1000, 364 * DAY, 0);
        assert!(display_timeline(&huge, 1).buckets.len() <= 2);
    }

    #[test]
    fn time_ticks_are_round_and_in_range() {
        let t0 = 1_270_666_169_782_934_000;
        let t1 = t0 + 2 * SEC;
        let ticks = time_ticks(t0, t1, 7200, 600.0, TickStyle::TRAFFIC, &|_| 90.0);
        assert!(ticks.len() >= 2, "{ticks:?}");
        for (t, l) in &ticks {
            assert!(*t >= t0 && *t <= t1);
            assert_eq!(t % (100 * MS), 0);
            assert!(l.starts_with("20:49:"), "{l}");
        }
        // A week: dates.
        let ticks = time_ticks(0, 7 * DAY, 0, 700.0, TickStyle::TRAFFIC, &|_| 90.0);
        assert!(
            ticks.iter().all(|(_, l)| l.starts_with("1970-01-")),
            "{ticks:?}"
        );
        // No room: at most one label per 1000 px.
        let ticks = time_ticks(0, 10 * SEC, 0, 50.0, TickStyle::TRAFFIC, &|_| 1000.0);
        assert!(ticks.len() <= 2);
        assert_eq!(
            time_axis_title(t0, t1, 7200),
            "time of day on 2010-04-07 (UTC+02:00)"
        );
        assert_eq!(epoch(-1), "-1.999999999");
    }
}
