//! Drawing helpers the chart families share: the SVG document wrapper, the lines under and
//! beside a plot (unit line, count axis, axis title), and widths of label sets.

use super::theme::Rgb;
use super::{
    value_ticks, ChartLayout, Ellipsis, Font, PResult, Painter, Rect, Ticks, TimeAxis, PAD,
    SVG_TEXT_SCALE,
};
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind};
use plotters::prelude::{DrawingBackend, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, VPos};

/// Empty state of a chart whose area cannot hold its plot.
pub(super) const TOO_SMALL: &str = "too small to draw this chart";

/// Gap between a plot's bottom and the tick labels under it: the y axis's "0" is centred on
/// the bottom line, so the labels start below it.
pub(super) const TICK_GAP: f64 = 7.0;

/// Draws into an SVG document of `size` pixels with text sized as on the canvas.
pub(super) fn svg_with(
    size: (u32, u32),
    draw: impl FnOnce(
        &DrawingArea<SVGBackend<'_>, Shift>,
        f64,
    ) -> Result<ChartLayout, DrawingAreaErrorKind<std::io::Error>>,
) -> Result<(String, ChartLayout), DrawingAreaErrorKind<std::io::Error>> {
    let mut out = String::new();
    let layout = {
        let area = SVGBackend::with_string(&mut out, size).into_drawing_area();
        let layout = draw(&area, SVG_TEXT_SCALE)?;
        area.present()?;
        layout
    };
    Ok((out, layout))
}

impl<DB: DrawingBackend> Painter<'_, DB> {
    /// Width of the widest of `labels` in font `f`.
    pub fn widest<S: AsRef<str>>(&self, labels: impl IntoIterator<Item = S>, f: Font) -> f64 {
        labels
            .into_iter()
            .map(|l| self.measure(l.as_ref(), f))
            .fold(0.0, f64::max)
    }

    /// The bottom of a plot that has a line of tick labels and an axis title under it.
    pub fn bottom_above_axis(&self) -> f64 {
        let small_h = self.line_h(Font::Small);
        self.h - self.px(PAD) - small_h - self.px(2.0) - small_h - self.px(TICK_GAP)
    }

    /// A muted line of small text across the chart at `y` (a unit, a subtitle), shortened to
    /// fit between the paddings.
    pub fn note(&self, text: &str, y: f64) -> PResult<(), DB> {
        let pad = self.px(PAD);
        let text = self.fit(text, self.w - 2.0 * pad, Font::Small, Ellipsis::End);
        self.text(
            &text,
            (pad, y),
            Font::Small,
            self.theme.muted,
            HPos::Left,
            VPos::Top,
        )
    }

    /// An axis title centred under the plot `x0..x1`, its top at `y`, shortened to fit between
    /// the paddings; with `inside`, moved along to stay between them.
    pub fn axis_title(
        &self,
        title: &str,
        (x0, x1): (f64, f64),
        y: f64,
        inside: bool,
    ) -> PResult<(), DB> {
        let pad = self.px(PAD);
        let title = self.fit(title, self.w - 2.0 * pad, Font::Small, Ellipsis::End);
        let mut cx = (x0 + x1) / 2.0;
        if inside {
            let half = self.measure(&title, Font::Small) / 2.0;
            cx = cx.clamp(pad + half, (self.w - pad - half).max(pad + half));
        }
        self.text(
            &title,
            (cx, y),
            Font::Small,
            self.theme.muted,
            HPos::Center,
            VPos::Top,
        )
    }

    /// A label under a plot centred on `x` (moved along to stay inside the chart), its top at
    /// `y`.
    pub fn x_label(&self, label: &str, x: f64, y: f64) -> PResult<(), DB> {
        let half = self.measure(label, Font::Small) / 2.0;
        let lx = x.clamp(half, (self.w - half).max(half));
        self.text(
            label,
            (lx, y),
            Font::Small,
            self.theme.muted,
            HPos::Center,
            VPos::Top,
        )
    }

    /// A bar `bar_w` wide centred on `cx` from `bottom` up to `y` (at least a pixel), with
    /// `count` above it where it fits in `slot`.
    pub fn count_bar(
        &self,
        (cx, bar_w, slot): (f64, f64, f64),
        (y, bottom): (f64, f64),
        color: Rgb,
        count: &str,
    ) -> PResult<(), DB> {
        let yt = y.min(bottom - self.px(1.0));
        self.rect(cx - bar_w / 2.0, yt, cx + bar_w / 2.0, bottom, color)?;
        if self.measure(count, Font::Small) <= slot - self.px(2.0) {
            self.text(
                count,
                (cx, yt - self.px(3.0)),
                Font::Small,
                self.theme.text,
                HPos::Center,
                VPos::Bottom,
            )?;
        }
        Ok(())
    }

    /// The layout of a plot `(x0, x1, top, bottom)` over the time axis `[t0, t1)`.
    pub fn time_layout(
        &self,
        (x0, x1, top, bottom): (f64, f64, f64, f64),
        (t0, t1): (i64, i64),
    ) -> ChartLayout {
        let mut layout = self.layout(Rect {
            x0,
            y0: top,
            x1,
            y1: bottom,
        });
        layout.time_axis = Some(TimeAxis {
            x0,
            x1,
            t0_ns: t0,
            t1_ns: t1,
        });
        layout
    }

    /// Round ticks of a count axis from 0 to at least `max` over `plot_h` pixels; with
    /// `room_above`, to a little more, so that a count label fits above the tallest bar.
    pub fn count_ticks(&self, max: f64, plot_h: f64, room_above: bool) -> Ticks {
        let small_h = self.line_h(Font::Small);
        let max = if room_above {
            max * (1.0 + (small_h + self.px(4.0)) / plot_h)
        } else {
            max
        };
        value_ticks(max, plot_h, true, &|_| small_h * 1.8)
    }

    /// The left and right ends of a plot right of a value axis labelled `labels`.
    pub fn x_beside(&self, labels: &[String]) -> (f64, f64) {
        let pad = self.px(PAD);
        let x0 = pad + self.widest(labels, Font::Small) + self.px(6.0);
        (x0, (self.w - pad).max(x0 + 1.0))
    }

    /// Horizontal grid lines of a count axis from `x0` to `x1` (the zero line in the axis
    /// colour), with their labels left of `x0` where they fit.
    pub fn count_axis(
        &self,
        ticks: &Ticks,
        (x0, x1, bottom, plot_h): (f64, f64, f64, f64),
    ) -> PResult<(), DB> {
        let t = self.theme;
        for (v, label) in ticks.values.iter().zip(&ticks.labels) {
            let y = bottom - v / ticks.top * plot_h;
            self.line(
                &[(x0, y), (x1, y)],
                if *v == 0.0 { t.axis } else { t.grid },
                1.0,
            )?;
            if x0 - self.px(6.0) - self.measure(label, Font::Small) >= 0.0 {
                self.text(
                    label,
                    (x0 - self.px(6.0), y),
                    Font::Small,
                    t.muted,
                    HPos::Right,
                    VPos::Center,
                )?;
            }
        }
        Ok(())
    }
}
