//! Country shapes for the map, decoded from the TopoJSON file `world-atlas` publishes
//! (`countries-110m.json`: Natural Earth's 1:110m admin-0 countries, public domain), and the
//! Natural Earth projection that draws them.
//!
//! The file is decoded here, at run time, rather than converted by the build into a format of
//! our own: the site then serves the published file byte for byte (its checksum is the
//! registry's), the decoder is sixty lines (quantized, delta-encoded arcs stitched into rings),
//! and any other world-atlas file (50m, a newer release) works as is.

use super::countries::{by_code, by_numeric};
use super::GeoError;
use serde_json::Value;

/// A country's outline: polygons of rings of (longitude, latitude) in degrees. The first ring
/// of each polygon is its outer boundary, the others are holes.
#[derive(Debug, Clone, PartialEq)]
pub struct CountryShape {
    /// ISO 3166-1 numeric code (0 when the file gives none).
    pub numeric: u16,
    /// ISO 3166-1 alpha-2 code, when known (`XK` for Kosovo, which has no numeric code).
    pub code: Option<&'static str>,
    /// The name in the file (`"Dem. Rep. Congo"`).
    pub name: String,
    /// Polygons, rings, points (longitude, latitude), degrees.
    pub polygons: Vec<Vec<Vec<(f32, f32)>>>,
    /// Where a marker for the country goes: the centroid of its largest polygon, degrees
    /// (longitude, latitude).
    pub anchor: (f32, f32),
    /// Area of its outer rings in projected units, for drawing large countries first.
    pub area: f64,
}

/// Every country's shape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorldShapes {
    /// Countries, largest first (so that an enclave, such as Lesotho in South Africa, is
    /// drawn over the country around it).
    pub countries: Vec<CountryShape>,
}

/// Natural Earth I projection (Šavrič, Patterson, Jenny, 2011; the polynomial form of
/// d3-geo's `geoNaturalEarth1`): degrees to projected units, x east and y north, x within
/// ±2.7354 and y within ±1.4224.
pub fn natural_earth(lon: f64, lat: f64) -> (f64, f64) {
    let l = lon.clamp(-180.0, 180.0).to_radians();
    let p = lat.clamp(-90.0, 90.0).to_radians();
    let p2 = p * p;
    let p4 = p2 * p2;
    let x = l
        * (0.870_700 - 0.131_979 * p2 + p4 * (-0.013_791 + p4 * (0.003_971 * p2 - 0.001_529 * p4)));
    let y =
        p * (1.007_226 + p2 * (0.015_085 + p4 * (-0.044_475 + 0.028_874 * p2 - 0.005_916 * p4)));
    (x, y)
}

/// Signed area and centroid of a ring in projected units.
fn ring_stats(ring: &[(f32, f32)]) -> (f64, f64, f64) {
    let pts: Vec<(f64, f64)> = ring
        .iter()
        .map(|&(lon, lat)| natural_earth(f64::from(lon), f64::from(lat)))
        .collect();
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for (i, p) in pts.iter().enumerate() {
        let q = pts.get((i + 1) % pts.len()).copied().unwrap_or(*p);
        let cross = p.0 * q.1 - q.0 * p.1;
        a += cross;
        cx += (p.0 + q.0) * cross;
        cy += (p.1 + q.1) * cross;
    }
    a /= 2.0;
    if a.abs() < 1e-12 {
        let n = pts.len().max(1) as f64;
        let (sx, sy) = pts.iter().fold((0.0, 0.0), |s, p| (s.0 + p.0, s.1 + p.1));
        return (0.0, sx / n, sy / n);
    }
    (a, cx / (6.0 * a), cy / (6.0 * a))
}

/// Inverse of [`natural_earth`] for the latitude (Newton's method) and then the longitude.
fn inverse(x: f64, y: f64) -> (f64, f64) {
    let mut p = y / 1.007_226;
    for _ in 0..20 {
        let p2 = p * p;
        let p4 = p2 * p2;
        let f = p
            * (1.007_226 + p2 * (0.015_085 + p4 * (-0.044_475 + 0.028_874 * p2 - 0.005_916 * p4)))
            - y;
        let df = 1.007_226
            + p2 * (3.0 * 0.015_085
                + p4 * (7.0 * -0.044_475 + 9.0 * 0.028_874 * p2 - 11.0 * 0.005_916 * p4));
        if df.abs() < 1e-12 {
            break;
        }
        let step = f / df;
        p -= step;
        if step.abs() < 1e-12 {
            break;
        }
    }
    let p2 = p * p;
    let p4 = p2 * p2;
    let k = 0.870_700 - 0.131_979 * p2 + p4 * (-0.013_791 + p4 * (0.003_971 * p2 - 0.001_529 * p4));
    let l = if k.abs() > 1e-12 { x / k } else { 0.0 };
    (l.to_degrees(), p.to_degrees())
}

/// A ring that crosses the antimeridian (a step of more than 180° of longitude, as Russia's
/// and Fiji's do in Natural Earth) cut into pieces that each stay within ±180°: the ring is
/// unwrapped into continuous longitudes, then clipped to [-180, 180] at each of its copies
/// 360° apart. A ring around a pole (Antarctica's) is left as it is.
fn split_antimeridian(ring: Vec<(f32, f32)>) -> Vec<Vec<(f32, f32)>> {
    let crosses = ring.windows(2).any(|w| (w[1].0 - w[0].0).abs() > 180.0);
    if !crosses {
        return vec![ring];
    }
    let mut cont: Vec<(f64, f64)> = Vec::with_capacity(ring.len());
    let mut off = 0.0f64;
    for &(lon, lat) in &ring {
        let lon = f64::from(lon);
        if let Some(&(prev, _)) = cont.last() {
            let d = lon + off - prev;
            if d > 180.0 {
                off -= 360.0;
            } else if d < -180.0 {
                off += 360.0;
            }
        }
        cont.push((lon + off, f64::from(lat)));
    }
    let (first, last) = match (cont.first(), cont.last()) {
        (Some(a), Some(b)) => (a.0, b.0),
        _ => return vec![ring],
    };
    if (last - first).abs() > 180.0 {
        return vec![ring];
    }
    let lo = cont.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let hi = cont.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let mut pieces = Vec::new();
    for k in [-360.0, 0.0, 360.0] {
        if hi + k <= -180.0 || lo + k >= 180.0 {
            continue;
        }
        let shifted: Vec<(f64, f64)> = cont.iter().map(|&(x, y)| (x + k, y)).collect();
        let clipped = clip_lon(&clip_lon(&shifted, -180.0, true), 180.0, false);
        if clipped.len() >= 3 {
            pieces.push(
                clipped
                    .into_iter()
                    .map(|(x, y)| (x as f32, y as f32))
                    .collect(),
            );
        }
    }
    pieces
}

/// Sutherland–Hodgman against one meridian: keeps the side `lon >= at` (`keep_east`) or
/// `lon <= at`.
fn clip_lon(pts: &[(f64, f64)], at: f64, keep_east: bool) -> Vec<(f64, f64)> {
    let inside = |p: (f64, f64)| if keep_east { p.0 >= at } else { p.0 <= at };
    let cut = |a: (f64, f64), b: (f64, f64)| {
        let t = (at - a.0) / (b.0 - a.0);
        (at, a.1 + (b.1 - a.1) * t)
    };
    let mut out = Vec::with_capacity(pts.len() + 4);
    for (i, &cur) in pts.iter().enumerate() {
        let prev = if i == 0 {
            pts.last().copied().unwrap_or(cur)
        } else {
            pts.get(i - 1).copied().unwrap_or(cur)
        };
        match (inside(prev), inside(cur)) {
            (true, true) => out.push(cur),
            (true, false) => out.push(cut(prev, cur)),
            (false, true) => {
                out.push(cut(prev, cur));
                out.push(cur);
            }
            (false, false) => {}
        }
    }
    out
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

impl WorldShapes {
    /// Decodes a TopoJSON topology and takes the geometries of its `countries` object (or of
    /// its first object, if none is called so).
    pub fn from_topojson(bytes: &[u8]) -> Result<WorldShapes, GeoError> {
        let bad = |m: &str| GeoError::Shapes(m.to_string());
        let topo: Value =
            serde_json::from_slice(bytes).map_err(|e| GeoError::Shapes(e.to_string()))?;
        if topo.get("type").and_then(Value::as_str) != Some("Topology") {
            return Err(bad("not a TopoJSON topology"));
        }
        let (scale, translate) = match topo.get("transform") {
            Some(t) => {
                let pair = |k: &str| -> Option<(f64, f64)> {
                    let a = t.get(k)?.as_array()?;
                    Some((num(a.first()?)?, num(a.get(1)?)?))
                };
                (
                    pair("scale").ok_or_else(|| bad("bad transform"))?,
                    pair("translate").ok_or_else(|| bad("bad transform"))?,
                )
            }
            None => ((1.0, 1.0), (0.0, 0.0)),
        };
        let quantized = topo.get("transform").is_some();
        let arcs: Vec<Vec<(f32, f32)>> = topo
            .get("arcs")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no arcs"))?
            .iter()
            .map(|arc| {
                let (mut x, mut y) = (0.0f64, 0.0f64);
                arc.as_array()
                    .map(|pts| {
                        pts.iter()
                            .filter_map(|p| {
                                let p = p.as_array()?;
                                let (a, b) = (num(p.first()?)?, num(p.get(1)?)?);
                                if quantized {
                                    x += a;
                                    y += b;
                                } else {
                                    x = a;
                                    y = b;
                                }
                                Some((
                                    (x * scale.0 + translate.0) as f32,
                                    (y * scale.1 + translate.1) as f32,
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        let objects = topo
            .get("objects")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no objects"))?;
        let countries = objects
            .get("countries")
            .or_else(|| objects.values().next())
            .ok_or_else(|| bad("no countries object"))?;
        let geometries = countries
            .get("geometries")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no geometries"))?;

        let ring = |idx: &Value| -> Vec<(f32, f32)> {
            let mut out: Vec<(f32, f32)> = Vec::new();
            for i in idx.as_array().into_iter().flatten() {
                let Some(i) = i.as_i64() else { continue };
                let (k, rev) = if i < 0 { (!i, true) } else { (i, false) };
                let Some(arc) = usize::try_from(k).ok().and_then(|k| arcs.get(k)) else {
                    continue;
                };
                let pts: Box<dyn Iterator<Item = &(f32, f32)>> = if rev {
                    Box::new(arc.iter().rev())
                } else {
                    Box::new(arc.iter())
                };
                // Each arc starts where the previous one ended.
                let skip = usize::from(!out.is_empty());
                out.extend(pts.skip(skip).copied());
            }
            out
        };
        let mut shapes = Vec::new();
        for g in geometries {
            let ty = g.get("type").and_then(Value::as_str).unwrap_or("");
            let arcs = g.get("arcs");
            let polys: Vec<&Value> = match (ty, arcs.and_then(Value::as_array)) {
                ("Polygon", Some(_)) => arcs.into_iter().collect(),
                ("MultiPolygon", Some(list)) => list.iter().collect(),
                _ => continue,
            };
            let mut polygons: Vec<Vec<Vec<(f32, f32)>>> = Vec::new();
            for p in &polys {
                let rings: Vec<Vec<(f32, f32)>> = p
                    .as_array()
                    .map(|rings| rings.iter().map(ring).filter(|r| r.len() >= 3).collect())
                    .unwrap_or_default();
                let mut rings = rings.into_iter();
                let Some(outer) = rings.next() else { continue };
                let mut pieces = split_antimeridian(outer);
                if pieces.len() == 1 {
                    // Holes stay with their outer ring (none crosses the antimeridian in
                    // Natural Earth).
                    if let Some(mut only) = pieces.pop() {
                        let mut poly = vec![std::mem::take(&mut only)];
                        poly.extend(rings);
                        polygons.push(poly);
                    }
                } else {
                    polygons.extend(pieces.into_iter().map(|r| vec![r]));
                }
            }
            if polygons.is_empty() {
                continue;
            }
            let numeric = match g.get("id") {
                Some(Value::String(s)) => s.parse::<u16>().unwrap_or(0),
                Some(Value::Number(n)) => {
                    n.as_u64().and_then(|n| u16::try_from(n).ok()).unwrap_or(0)
                }
                _ => 0,
            };
            let name = g
                .get("properties")
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let code = by_numeric(numeric).map(|c| c.code).or_else(|| {
                (name == "Kosovo")
                    .then(|| by_code("XK").map(|c| c.code))
                    .flatten()
            });
            let mut area = 0.0;
            let mut best = (f64::NEG_INFINITY, 0.0, 0.0);
            for poly in &polygons {
                if let Some(outer) = poly.first() {
                    let (a, cx, cy) = ring_stats(outer);
                    area += a.abs();
                    if a.abs() > best.0 {
                        best = (a.abs(), cx, cy);
                    }
                }
            }
            let (lon, lat) = inverse(best.1, best.2);
            shapes.push(CountryShape {
                numeric,
                code,
                name,
                polygons,
                anchor: (lon as f32, lat as f32),
                area,
            });
        }
        shapes.sort_by(|a, b| b.area.total_cmp(&a.area).then(a.numeric.cmp(&b.numeric)));
        Ok(WorldShapes { countries: shapes })
    }

    /// The shape of the country with alpha-2 code `code`.
    pub fn by_code(&self, code: &str) -> Option<&CountryShape> {
        self.countries
            .iter()
            .find(|c| c.code.is_some_and(|k| k.eq_ignore_ascii_case(code)))
    }

    /// Where a marker for country `code` goes (longitude, latitude): its shape's anchor, else
    /// the point of the country table.
    pub fn anchor(&self, code: &str) -> Option<(f32, f32)> {
        self.by_code(code)
            .map(|s| s.anchor)
            .or_else(|| by_code(code).map(|c| (c.lon, c.lat)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Two squares sharing an edge, quantized as world-atlas does, and a country with a hole.
    const TOPO: &str = r#"{"type":"Topology",
      "transform":{"scale":[1,1],"translate":[0,0]},
      "arcs":[[[10,0],[0,10]],[[10,10],[-10,0],[0,-10],[10,0]],[[10,0],[10,0],[0,10],[-10,0]],
              [[30,30],[10,0],[0,10],[-10,0],[0,-10]],[[33,33],[0,2],[2,0],[0,-2],[-2,0]]],
      "objects":{"countries":{"type":"GeometryCollection","geometries":[
        {"type":"Polygon","arcs":[[0,1]],"id":"276","properties":{"name":"Germany"}},
        {"type":"MultiPolygon","arcs":[[[-1,2]]],"id":"250","properties":{"name":"France"}},
        {"type":"Polygon","arcs":[[3],[4]],"properties":{"name":"Kosovo"}},
        {"type":"Point","coordinates":[0,0]}
      ]}}}"#;

    #[test]
    fn decodes_quantized_arcs_into_rings() {
        let w = WorldShapes::from_topojson(TOPO.as_bytes()).unwrap();
        assert_eq!(w.countries.len(), 3);
        let de = w.by_code("DE").unwrap();
        assert_eq!(de.name, "Germany");
        assert_eq!(
            de.polygons[0][0],
            vec![
                (10.0, 0.0),
                (10.0, 10.0),
                (0.0, 10.0),
                (0.0, 0.0),
                (10.0, 0.0)
            ]
        );
        // France's ring uses Germany's first arc backwards (the shared border).
        let fr = w.by_code("fr").unwrap();
        assert_eq!(
            fr.polygons[0][0],
            vec![
                (10.0, 10.0),
                (10.0, 0.0),
                (20.0, 0.0),
                (20.0, 10.0),
                (10.0, 10.0)
            ]
        );
        let xk = w.by_code("XK").unwrap();
        assert_eq!(xk.numeric, 0);
        assert_eq!(xk.polygons[0].len(), 2, "outer ring and hole");
        let (lon, lat) = de.anchor;
        assert!(
            (lon - 5.0).abs() < 0.2 && (lat - 5.0).abs() < 0.2,
            "{lon} {lat}"
        );
        assert_eq!(w.anchor("SG"), Some((103.82, 1.36)));
        assert!(w.anchor("ZZ").is_none());
    }

    #[test]
    fn rings_across_the_antimeridian_are_cut() {
        // A square from 170°E to 170°W, written as it crosses.
        let ring = vec![
            (170.0, 10.0),
            (-170.0, 10.0),
            (-170.0, 20.0),
            (170.0, 20.0),
            (170.0, 10.0),
        ];
        let mut pieces = split_antimeridian(ring);
        pieces.sort_by(|a, b| a[0].0.total_cmp(&b[0].0));
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        for p in &pieces {
            assert!(
                p.iter().all(|&(x, _)| (-180.0..=180.0).contains(&x)),
                "{p:?}"
            );
            let (lo, hi) = p
                .iter()
                .fold((f32::MAX, f32::MIN), |(l, h), &(x, _)| (l.min(x), h.max(x)));
            assert!(hi - lo <= 10.0 + 1e-3, "{p:?}");
        }
        // A ring around the pole and an ordinary one are left alone.
        let polar = vec![
            (-180.0, -80.0),
            (0.0, -80.0),
            (180.0, -80.0),
            (180.0, -90.0),
            (-180.0, -90.0),
        ];
        assert_eq!(split_antimeridian(polar.clone()), vec![polar]);
        let plain = vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)];
        assert_eq!(split_antimeridian(plain.clone()), vec![plain]);
    }

    #[test]
    fn rejects_what_is_not_a_topology() {
        assert!(WorldShapes::from_topojson(b"{}").is_err());
        assert!(WorldShapes::from_topojson(b"not json").is_err());
        assert!(WorldShapes::from_topojson(br#"{"type":"Topology","arcs":[]}"#).is_err());
    }

    #[test]
    fn projection_bounds_and_inverse() {
        let (x, y) = natural_earth(180.0, 0.0);
        assert!((x - 2.7354).abs() < 1e-3 && y == 0.0);
        let (_, y) = natural_earth(0.0, 90.0);
        assert!((y - 1.4224).abs() < 1e-3, "{y}");
        for (lon, lat) in [(10.0, 50.0), (-120.0, -33.0), (179.0, 80.0)] {
            let (x, y) = natural_earth(lon, lat);
            let (l, p) = inverse(x, y);
            assert!(
                (l - lon).abs() < 1e-6 && (p - lat).abs() < 1e-6,
                "{lon} {lat}"
            );
        }
    }
}
