//! The geolocation map (`map`): countries shaded by bytes on a log scale, drawn from the
//! bundled Natural Earth shapes in the Natural Earth projection; arcs for the largest flows
//! between two countries and a point for every country of a large flow; and beside the map,
//! the traffic no map can place (private, link-local, multicast ... and unknown addresses),
//! which in a home capture is most of it.

use super::common::{svg_with, TOO_SMALL};
use super::format;
use super::heatmap::{legend, LogScale};
use super::{
    ChartLayout, ChartOptions, DrawResult, Ellipsis, Font, HitRegion, Painter, Rect, NO_IP, PAD,
};
use crate::geo::{natural_earth, CountryTraffic, GeoView, WorldShapes};
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, VPos};

/// The `data-chart` name.
pub const MAP: &str = "map";

/// The chart's title.
pub const MAP_TITLE: &str = "Traffic by country: bytes to and from addresses in each country";

/// Latitudes drawn (Antarctica and the far north are left out: they hold no traffic and
/// would take a quarter of the height).
const LAT_MIN: f64 = -57.0;
const LAT_MAX: f64 = 84.0;
/// Natural Earth's ISO numeric code of Antarctica.
const ANTARCTICA: u16 = 10;

/// Projected extent of the drawn part of the world.
fn extent() -> (f64, f64, f64, f64) {
    let (x1, _) = natural_earth(180.0, 0.0);
    let (_, y0) = natural_earth(0.0, LAT_MIN);
    let (_, y1) = natural_earth(0.0, LAT_MAX);
    (-x1, y0, x1, y1)
}

/// Projected units to pixels.
#[derive(Debug, Clone, Copy)]
struct Fit {
    k: f64,
    ox: f64,
    oy: f64,
    top: f64,
    left: f64,
}

impl Fit {
    fn new(r: &Rect) -> Fit {
        let (x0, y0, x1, y1) = extent();
        let k = (r.width() / (x1 - x0)).min(r.height() / (y1 - y0));
        let (w, h) = ((x1 - x0) * k, (y1 - y0) * k);
        let _ = h;
        Fit {
            k,
            ox: r.x0 + (r.width() - w) / 2.0,
            oy: r.y0,
            top: y1,
            left: x0,
        }
    }

    fn at(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = natural_earth(lon, lat.clamp(LAT_MIN, LAT_MAX));
        (
            self.ox + (x - self.left) * self.k,
            self.oy + (self.top - y) * self.k,
        )
    }
}

fn country_hover(c: &CountryTraffic) -> String {
    let hosts: Vec<String> = c
        .top
        .iter()
        .map(|h| format!("{} {}", h.addr, format::bytes(h.count.bytes)))
        .collect();
    format!(
        "{} ({}) — {} · {} frames · {} host{}: {}",
        c.name,
        c.code,
        format::bytes(c.count.bytes),
        format::thousands(c.count.packets),
        format::thousands(c.hosts),
        if c.hosts == 1 { "" } else { "s" },
        hosts.join(", ")
    )
}

/// The map. `world` holds the country shapes ([`WorldShapes::from_topojson`] of
/// [`crate::geo::WORLD_FILE`]); empty shapes draw the points and the list alone.
pub fn draw_map<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    geo: &GeoView,
    world: &WorldShapes,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    map(area, geo, world, opts, 1.0)
}

/// [`draw_map`] as an SVG document of `size` pixels.
pub fn svg_map(
    geo: &GeoView,
    world: &WorldShapes,
    opts: &ChartOptions,
    size: (u32, u32),
) -> Result<(String, ChartLayout), DrawingAreaErrorKind<std::io::Error>> {
    svg_with(size, |area, ts| map(area, geo, world, opts, ts))
}

/// Like [`draw_map`], with font sizes multiplied by `text_scale`.
pub fn map<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    geo: &GeoView,
    world: &WorldShapes,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    let p = Painter::new(area, opts, text_scale);
    let t = p.theme;
    let top = p.begin(MAP_TITLE)?;
    if geo.total.packets == 0 {
        return p.empty(top, NO_IP);
    }
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);
    let body_h = p.line_h(Font::Body);
    let sub = match &geo.db {
        Some(db) => format!(
            "{} of {} located · countries from {}, built {}",
            format::bytes(geo.located.bytes),
            format::bytes(geo.total.bytes),
            db.name,
            db.date
        ),
        None => "no country database loaded: only the addresses apart are counted".to_string(),
    };
    p.note(&sub, top)?;
    let top = top + small_h + p.px(6.0);

    // The list apart: beside the map when there is room, else under it.
    let wide = p.w >= p.px(560.0);
    let list_w = if wide {
        p.px(230.0).min(p.w * 0.36)
    } else {
        p.w - 2.0 * pad
    };
    let legend_h = p.px(8.0) + p.px(3.0) + small_h + p.px(6.0);
    let list_rows = geo.apart.len() + 1;
    let list_h = body_h + list_rows as f64 * (body_h + small_h);
    let map_rect = if wide {
        Rect {
            x0: pad,
            y0: top,
            x1: p.w - pad - list_w - p.px(12.0),
            y1: p.h - pad - legend_h,
        }
    } else {
        // As tall as the map needs at this width, the list right under it.
        let (ex0, ey0, ex1, ey1) = extent();
        let need = (p.w - 2.0 * pad) * (ey1 - ey0) / (ex1 - ex0);
        Rect {
            x0: pad,
            y0: top,
            x1: p.w - pad,
            y1: (p.h - pad - legend_h - list_h)
                .min(top + need)
                .max(top + p.px(10.0)),
        }
    };
    if map_rect.height() < p.px(40.0) || map_rect.width() < p.px(80.0) {
        return p.empty(top, TOO_SMALL);
    }
    let fit = Fit::new(&map_rect);
    let countries = geo.countries.iter().map(|c| c.count.bytes);
    let scale = LogScale::nonzero(countries, geo.max_country_bytes);
    let land = t.background.mix(t.grid, 0.9);
    let border = t.background;
    let mut layout = p.layout(map_rect);

    // Countries, largest first (an enclave is drawn over the country around it).
    let traffic = |code: Option<&str>| {
        code.and_then(|k| {
            geo.countries
                .iter()
                .find(|c| c.code.eq_ignore_ascii_case(k))
        })
    };
    let mut shape_hits: Vec<(f64, HitRegion)> = Vec::new();
    for shape in &world.countries {
        if shape.numeric == ANTARCTICA {
            continue;
        }
        let tr = traffic(shape.code);
        let fill = tr.map_or(land, |c| scale.color(c.count.bytes));
        let mut biggest: Option<(f64, Rect)> = None;
        for poly in &shape.polygons {
            let Some(outer) = poly.first() else { continue };
            let pts: Vec<(f64, f64)> = outer
                .iter()
                .map(|&(lon, lat)| fit.at(f64::from(lon), f64::from(lat)))
                .collect();
            if pts.iter().all(|&(_, y)| y >= map_rect.y1 - 0.5) {
                continue;
            }
            p.polygon(&pts, fill)?;
            p.line(&pts, border, 0.5)?;
            if tr.is_some() {
                let (mut bx, mut by) = (
                    Rect {
                        x0: f64::INFINITY,
                        y0: f64::INFINITY,
                        x1: f64::NEG_INFINITY,
                        y1: f64::NEG_INFINITY,
                    },
                    0.0,
                );
                for &(x, y) in &pts {
                    bx.x0 = bx.x0.min(x);
                    bx.y0 = bx.y0.min(y);
                    bx.x1 = bx.x1.max(x);
                    bx.y1 = bx.y1.max(y);
                }
                by += bx.width() * bx.height();
                if biggest.is_none_or(|(a, _)| by > a) {
                    biggest = Some((by, bx));
                }
            }
        }
        if let (Some(c), Some((a, r))) = (tr, biggest) {
            shape_hits.push((
                a,
                HitRegion {
                    x0: r.x0,
                    y0: r.y0,
                    x1: r.x1,
                    y1: r.y1,
                    label: country_hover(c),
                    filter: Some(c.filter.clone()),
                    time_ns: None,
                },
            ));
        }
    }

    // Where each country's marker goes.
    let anchor = |c: &CountryTraffic| -> Option<(f64, f64)> {
        if c.located_by_db {
            if let Some((lat, lon)) = c.lat_lon {
                return Some(fit.at(lon, lat));
            }
        }
        match world.anchor(&c.code) {
            Some((lon, lat)) => Some(fit.at(f64::from(lon), f64::from(lat))),
            None => c.lat_lon.map(|(lat, lon)| fit.at(lon, lat)),
        }
    };

    // Arcs between two countries, bulging north-ish, width by bytes.
    let max_flow = geo
        .flows
        .iter()
        .map(|f| f.count.bytes)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let find = |k: &Option<String>| {
        k.as_ref()
            .and_then(|k| geo.countries.iter().find(|c| &c.code == k))
    };
    for f in geo.flows.iter().rev() {
        let (Some(a), Some(b)) = (find(&f.a_country), find(&f.b_country)) else {
            continue;
        };
        if a.code == b.code {
            continue;
        }
        let (Some(pa), Some(pb)) = (anchor(a), anchor(b)) else {
            continue;
        };
        let (mx, my) = ((pa.0 + pb.0) / 2.0, (pa.1 + pb.1) / 2.0);
        let (dx, dy) = (pb.0 - pa.0, pb.1 - pa.1);
        let bulge = 0.25;
        let (nx, ny) = if dx >= 0.0 {
            (dy * bulge, -dx * bulge)
        } else {
            (-dy * bulge, dx * bulge)
        };
        let ctrl = (mx + nx, my + ny);
        let pts: Vec<(f64, f64)> = (0..=24)
            .map(|i| {
                let s = f64::from(i) / 24.0;
                let u = 1.0 - s;
                (
                    u * u * pa.0 + 2.0 * u * s * ctrl.0 + s * s * pb.0,
                    (u * u * pa.1 + 2.0 * u * s * ctrl.1 + s * s * pb.1).max(map_rect.y0),
                )
            })
            .collect();
        let w = 1.0 + 3.0 * (f.count.bytes as f64 / max_flow).sqrt();
        p.line(&pts, t.text, w)?;
    }

    // Points: every country of a drawn flow, and every country too small for a shape.
    let max_c = geo.max_country_bytes.max(1) as f64;
    let mut point_hits: Vec<HitRegion> = Vec::new();
    for c in geo.countries.iter().rev() {
        let in_flow = geo.flows.iter().any(|f| {
            f.a_country.as_deref() == Some(c.code.as_str())
                || f.b_country.as_deref() == Some(c.code.as_str())
        });
        let shapeless = world.by_code(&c.code).is_none();
        if !in_flow && !shapeless {
            continue;
        }
        let Some((x, y)) = anchor(c) else { continue };
        if !map_rect.contains(x, y) {
            continue;
        }
        let r = p.px(2.5 + 5.0 * (c.count.bytes as f64 / max_c).sqrt());
        p.circle(x, y, r + p.px(1.5), t.background)?;
        p.circle(
            x,
            y,
            r,
            if shapeless {
                scale.color(c.count.bytes)
            } else {
                t.text
            },
        )?;
        let rr = r.max(p.px(6.0));
        point_hits.push(HitRegion {
            x0: x - rr,
            y0: y - rr,
            x1: x + rr,
            y1: y + rr,
            label: country_hover(c),
            filter: Some(c.filter.clone()),
            time_ns: None,
        });
    }
    // Points win over shapes, small shapes over large ones.
    point_hits.reverse();
    layout.hits.extend(point_hits);
    shape_hits.sort_by(|a, b| a.0.total_cmp(&b.0));
    layout.hits.extend(shape_hits.into_iter().map(|(_, h)| h));

    // The list apart.
    let (lx, mut ly) = if wide {
        (p.w - pad - list_w, top)
    } else {
        (pad, map_rect.y1 + p.px(6.0))
    };
    p.text(
        "Not on the map",
        (lx, ly),
        Font::Body,
        t.text,
        HPos::Left,
        VPos::Top,
    )?;
    ly += body_h;
    if geo.apart.is_empty() {
        p.text(
            "every address is in a known country",
            (lx, ly),
            Font::Small,
            t.muted,
            HPos::Left,
            VPos::Top,
        )?;
    }
    for a in &geo.apart {
        if ly + body_h + small_h > p.h - pad {
            break;
        }
        let head = p.fit(
            &format!("{} — {}", a.label, format::bytes(a.count.bytes)),
            list_w,
            Font::Body,
            Ellipsis::End,
        );
        p.text(&head, (lx, ly), Font::Body, t.text, HPos::Left, VPos::Top)?;
        let detail = format!(
            "{} · {} frames · {} host{}",
            format::percent(a.count.bytes, geo.total.bytes),
            format::thousands(a.count.packets),
            format::thousands(a.hosts),
            if a.hosts == 1 { "" } else { "s" }
        );
        let detail = p.fit(&detail, list_w, Font::Small, Ellipsis::End);
        p.text(
            &detail,
            (lx, ly + body_h),
            Font::Small,
            t.muted,
            HPos::Left,
            VPos::Top,
        )?;
        let hosts: Vec<String> = a
            .top
            .iter()
            .map(|h| format!("{} {}", h.addr, format::bytes(h.count.bytes)))
            .collect();
        layout.hits.insert(
            0,
            HitRegion {
                x0: lx,
                y0: ly,
                x1: lx + list_w,
                y1: ly + body_h + small_h,
                label: format!(
                    "{} — {} · {} frames · {} hosts: {}",
                    a.label,
                    format::bytes(a.count.bytes),
                    format::thousands(a.count.packets),
                    format::thousands(a.hosts),
                    hosts.join(", ")
                ),
                filter: (!a.filter.is_empty()).then(|| a.filter.clone()),
                time_ns: None,
            },
        );
        ly += body_h + small_h + p.px(4.0);
    }
    if world.countries.is_empty() {
        p.text(
            "country shapes not loaded",
            (
                (map_rect.x0 + map_rect.x1) / 2.0,
                (map_rect.y0 + map_rect.y1) / 2.0,
            ),
            Font::Notice,
            t.muted,
            HPos::Center,
            VPos::Center,
        )?;
    }

    // Legend and attribution, under the map.
    let lgy = p.h - pad - legend_h + p.px(6.0);
    let bar_w = p.px(160.0).min(map_rect.width() * 0.5);
    if geo.max_country_bytes > 0 {
        legend(
            &p,
            &scale,
            "bytes per country (log)",
            map_rect.x1,
            lgy,
            bar_w,
        )?;
    }
    let room = if geo.max_country_bytes > 0 {
        map_rect.width() - bar_w - p.px(150.0)
    } else {
        map_rect.width()
    };
    let credit = p.fit(
        "Natural Earth shapes",
        room.max(0.0),
        Font::Small,
        Ellipsis::End,
    );
    p.text(
        &credit,
        (map_rect.x0, lgy),
        Font::Small,
        t.muted,
        HPos::Left,
        VPos::Top,
    )?;
    Ok(layout)
}

/// A paragraph for screen readers: countries, then the addresses apart.
pub fn text_alternative_map(geo: &GeoView, opts: &ChartOptions) -> String {
    if geo.total.packets == 0 {
        return format!("{MAP_TITLE}: {NO_IP}.");
    }
    let countries: Vec<String> = geo
        .countries
        .iter()
        .take(opts.top_n.max(1))
        .map(|c| {
            format!(
                "{} {} ({} frames)",
                c.name,
                format::bytes(c.count.bytes),
                format::thousands(c.count.packets)
            )
        })
        .collect();
    let apart: Vec<String> = geo
        .apart
        .iter()
        .map(|a| format!("{} {}", a.label, format::bytes(a.count.bytes)))
        .collect();
    format!(
        "Traffic by country, {} of {} located: {}. Not on the map: {}.",
        format::bytes(geo.located.bytes),
        format::bytes(geo.total.bytes),
        if countries.is_empty() {
            "none".to_string()
        } else {
            countries.join("; ")
        },
        if apart.is_empty() {
            "nothing".to_string()
        } else {
            apart.join("; ")
        }
    )
}
