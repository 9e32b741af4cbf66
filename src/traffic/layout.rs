//! A force-directed layout for the host graph, computed in the worker so the page only draws.
//!
//! Fruchterman–Reingold (1991) with every pair's repulsion computed exactly (O(n²) per
//! iteration: 45,000 pairs at 300 nodes, well under 100 ms for the whole layout natively), a
//! frame that bounds the picture, a weak pull towards the centre so that separate components
//! stay together, attraction along edges growing with their bytes, and then an overlap
//! removal pass that pushes apart any two circles closer than their radii and a gap.
//!
//! Deterministic: the start is a sunflower spiral by rank (the largest node in the middle),
//! built by repeated rotation with fixed constants rather than `sin`/`cos` (whose last bit
//! may differ between the native and the WebAssembly standard library); the iteration count is
//! fixed; pairs are visited in index order; and nothing is random. The same input gives the
//! same picture, bit for bit, on the same platform.

/// Smallest node radius, layout units.
pub const R_MIN: f64 = 1.0;
/// Largest node radius, layout units.
pub const R_MAX: f64 = 4.0;
/// The gap kept between two circles, layout units.
pub const GAP: f64 = 0.4;

/// Share of the frame the circles cover.
const DENSITY: f64 = 0.10;
/// Width over height of the frame (canvases are wider than tall).
const ASPECT: f64 = 1.5;

/// A node's place: centre and radius, layout units.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Placed {
    /// Centre x.
    pub x: f64,
    /// Centre y.
    pub y: f64,
    /// Radius.
    pub r: f64,
}

/// The radius of a node of `weight`, where the largest node weighs `max`: its area grows with
/// its weight, between [`R_MIN`] and [`R_MAX`].
pub fn radius(weight: f64, max: f64) -> f64 {
    let f = if max > 0.0 && weight.is_finite() {
        (weight / max).clamp(0.0, 1.0).sqrt()
    } else {
        0.0
    };
    R_MIN + (R_MAX - R_MIN) * f
}

/// A direction for two coincident points, from their indices (no randomness).
fn nudge(i: usize, j: usize) -> (f64, f64) {
    let dx = ((i * 31 + j * 17) % 13) as f64 - 6.0;
    let dy = ((i * 17 + j * 31) % 11) as f64 - 5.0;
    let l = (dx * dx + dy * dy).sqrt();
    if l > 0.0 {
        (dx / l, dy / l)
    } else {
        (1.0, 0.0)
    }
}

/// Lays out `weights.len()` nodes (weights: bytes; the order is the rank, largest first works
/// best) joined by `edges` (`(a, b, weight)`), in `iterations` steps.
pub fn layout(weights: &[f64], edges: &[(u32, u32, f64)], iterations: usize) -> Vec<Placed> {
    let n = weights.len();
    let max_w = weights
        .iter()
        .copied()
        .filter(|w| w.is_finite())
        .fold(0.0, f64::max);
    let mut pos: Vec<Placed> = weights
        .iter()
        .map(|&w| Placed {
            x: 0.0,
            y: 0.0,
            r: radius(w, max_w),
        })
        .collect();
    if n == 0 {
        return pos;
    }
    let circles: f64 = pos.iter().map(|p| std::f64::consts::PI * p.r * p.r).sum();
    let area = circles / DENSITY;
    let k_ideal = (area / n as f64).sqrt();
    let half_w = (area * ASPECT).sqrt() / 2.0;
    let half_h = (area / ASPECT).sqrt() / 2.0;

    // Sunflower start: node i at radius ∝ √i, turned by the golden angle each step.
    let (ca, sa) = (-0.737_368_878_078_319_7, 0.675_490_294_261_523_8);
    let (mut ux, mut uy) = (1.0f64, 0.0f64);
    let step = 0.5 * k_ideal;
    for (i, p) in pos.iter_mut().enumerate() {
        let d = step * (i as f64 + 0.5).sqrt();
        p.x = (ux * d * ASPECT.sqrt()).clamp(-half_w, half_w);
        p.y = (uy * d / ASPECT.sqrt()).clamp(-half_h, half_h);
        let nx = ux * ca - uy * sa;
        uy = ux * sa + uy * ca;
        ux = nx;
    }
    if n == 1 {
        return pos;
    }

    let max_e = edges
        .iter()
        .map(|e| e.2)
        .filter(|w| w.is_finite())
        .fold(0.0, f64::max);
    let edges: Vec<(usize, usize, f64)> = edges
        .iter()
        .filter(|e| (e.0 as usize) < n && (e.1 as usize) < n && e.0 != e.1)
        .map(|&(a, b, w)| {
            let f = if max_e > 0.0 && w.is_finite() {
                (w / max_e).clamp(0.0, 1.0).sqrt()
            } else {
                0.0
            };
            (a as usize, b as usize, 0.5 + f)
        })
        .collect();

    let gravity = 0.02;
    let t0 = half_w.min(half_h) / 4.0;
    // Struct of arrays for the O(n²) loop: positions, radii, displacements.
    let mut xs: Vec<f64> = pos.iter().map(|p| p.x).collect();
    let mut ys: Vec<f64> = pos.iter().map(|p| p.y).collect();
    let rs: Vec<f64> = pos.iter().map(|p| p.r).collect();
    let mut dxs = vec![0.0f64; n];
    let mut dys = vec![0.0f64; n];
    for it in 0..iterations {
        dxs.iter_mut().for_each(|d| *d = 0.0);
        dys.iter_mut().for_each(|d| *d = 0.0);
        for i in 0..n {
            let (Some(&xi), Some(&yi), Some(&ri)) = (xs.get(i), ys.get(i), rs.get(i)) else {
                continue;
            };
            let (head_x, tail_x) = dxs.split_at_mut(i + 1);
            let (head_y, tail_y) = dys.split_at_mut(i + 1);
            let (mut ax, mut ay) = (0.0, 0.0);
            let others = xs
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .zip(ys.get(i + 1..).unwrap_or_default())
                .zip(rs.get(i + 1..).unwrap_or_default())
                .zip(tail_x.iter_mut().zip(tail_y.iter_mut()));
            for (k, (((&xj, &yj), &rj), (dxj, dyj))) in others.enumerate() {
                let (mut dx, mut dy) = (xi - xj, yi - yj);
                let mut d2 = dx * dx + dy * dy;
                if d2 < 1e-18 {
                    let (a, b) = nudge(i, i + 1 + k);
                    dx = a * 1e-3;
                    dy = b * 1e-3;
                    d2 = 1e-6;
                }
                // Bigger circles push harder: the repulsion acts from their rims.
                // Force reach²/dist along the unit vector: (dx, dy) · reach² / dist².
                let reach = k_ideal + ri + rj;
                let f = reach * reach / d2;
                let (fx, fy) = (dx * f, dy * f);
                ax += fx;
                ay += fy;
                *dxj -= fx;
                *dyj -= fy;
            }
            if let (Some(dx), Some(dy)) = (head_x.last_mut(), head_y.last_mut()) {
                *dx += ax;
                *dy += ay;
            }
        }
        for &(a, b, w) in &edges {
            let (Some(&xa), Some(&ya), Some(&xb), Some(&yb)) =
                (xs.get(a), ys.get(a), xs.get(b), ys.get(b))
            else {
                continue;
            };
            let (dx, dy) = (xa - xb, ya - yb);
            let dist = (dx * dx + dy * dy).sqrt();
            if dist < 1e-9 {
                continue;
            }
            // dist²/k along the unit vector.
            let f = dist / k_ideal * w;
            let (fx, fy) = (dx * f, dy * f);
            if let (Some(x), Some(y)) = (dxs.get_mut(a), dys.get_mut(a)) {
                *x -= fx;
                *y -= fy;
            }
            if let (Some(x), Some(y)) = (dxs.get_mut(b), dys.get_mut(b)) {
                *x += fx;
                *y += fy;
            }
        }
        // Linear cooling to zero.
        let t = t0 * (1.0 - it as f64 / iterations as f64);
        for ((((x, y), r), dx), dy) in xs
            .iter_mut()
            .zip(ys.iter_mut())
            .zip(&rs)
            .zip(&dxs)
            .zip(&dys)
        {
            // A spring to the centre keeps separate components near each other.
            let (gx, gy) = (dx - *x * gravity * k_ideal, dy - *y * gravity * k_ideal);
            let len = (gx * gx + gy * gy).sqrt();
            if len > 1e-12 && len.is_finite() {
                let m = len.min(t);
                *x += gx / len * m;
                *y += gy / len * m;
            }
            *x = x.clamp(-half_w + r, (half_w - r).max(-half_w + r));
            *y = y.clamp(-half_h + r, (half_h - r).max(-half_h + r));
        }
    }
    for ((p, x), y) in pos.iter_mut().zip(&xs).zip(&ys) {
        p.x = *x;
        p.y = *y;
    }
    remove_overlaps(&mut pos, 200);
    pos
}

/// Pushes apart any two circles closer than their radii plus [`GAP`], pair by pair, for up to
/// `sweeps` sweeps (stops at the first sweep that moves nothing). Each sweep visits only the
/// pairs close in x (sort and sweep), so it costs O(n log n) plus the close pairs.
pub fn remove_overlaps(pos: &mut [Placed], sweeps: usize) {
    let n = pos.len();
    let r_max = pos.iter().map(|p| p.r).fold(0.0, f64::max);
    let mut order: Vec<usize> = (0..n).collect();
    for _ in 0..sweeps {
        order.sort_by(|&a, &b| {
            let (xa, xb) = (
                pos.get(a).map_or(0.0, |p| p.x),
                pos.get(b).map_or(0.0, |p| p.x),
            );
            xa.total_cmp(&xb).then(a.cmp(&b))
        });
        let mut moved = false;
        for (oa, &i) in order.iter().enumerate() {
            for &j in order.get(oa + 1..).unwrap_or_default() {
                let (Some(pi), Some(pj)) = (pos.get(i).copied(), pos.get(j).copied()) else {
                    continue;
                };
                // Sorted by x as the sweep began; moves since are small, so a margin of one
                // largest radius keeps every overlapping pair in reach.
                if pj.x - pi.x > pi.r + 2.0 * r_max + GAP {
                    break;
                }
                let need = pi.r + pj.r + GAP;
                let (mut dx, mut dy) = (pj.x - pi.x, pj.y - pi.y);
                let d2 = dx * dx + dy * dy;
                if d2 >= need * need {
                    continue;
                }
                let mut dist = d2.sqrt();
                if dist < 1e-9 {
                    let (a, b) = nudge(i.min(j), i.max(j));
                    dx = a;
                    dy = b;
                    dist = 1.0;
                }
                // Each moves half the overlap and a little more, so the pair is settled.
                let push = (need - dist) / 2.0 + 1e-6;
                let (ux, uy) = (dx / dist, dy / dist);
                if let Some(p) = pos.get_mut(i) {
                    p.x -= ux * push;
                    p.y -= uy * push;
                }
                if let Some(p) = pos.get_mut(j) {
                    p.x += ux * push;
                    p.y += uy * push;
                }
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_layouts_are_finite_and_apart() {
        assert!(layout(&[], &[], 50).is_empty());
        let one = layout(&[5.0], &[], 50);
        assert_eq!(one.len(), 1);
        assert!(one[0].x.is_finite() && one[0].r == R_MAX);
        let two = layout(&[5.0, 1.0], &[(0, 1, 3.0)], 50);
        let d = ((two[0].x - two[1].x).powi(2) + (two[0].y - two[1].y).powi(2)).sqrt();
        assert!(d >= two[0].r + two[1].r, "{two:?}");
        // Bad input: NaN weights, edges out of range, self loops.
        let odd = layout(
            &[f64::NAN, 0.0, 1.0],
            &[(0, 9, 1.0), (1, 1, 1.0), (1, 2, f64::NAN)],
            30,
        );
        assert!(odd
            .iter()
            .all(|p| p.x.is_finite() && p.y.is_finite() && p.r.is_finite()));
    }

    #[test]
    fn overlap_removal_separates_coincident_circles() {
        let mut v = vec![
            Placed {
                x: 0.0,
                y: 0.0,
                r: 2.0
            };
            5
        ];
        remove_overlaps(&mut v, 500);
        for i in 0..5 {
            for j in i + 1..5 {
                let d = ((v[i].x - v[j].x).powi(2) + (v[i].y - v[j].y).powi(2)).sqrt();
                assert!(d >= 4.0, "{i} {j} {d}");
            }
        }
    }
}
