//! Exact penetration of two overlapping cores.
//!
//! For overlapping convex bodies the penetration depth is `min over unit n of g(n)`, with
//! `g(n) = h_A(n) + h_B(−n)` (h = support function): the distance B must travel along n to
//! separate. parry's EPA approximates this minimum and can stop on a wrong face (centimetres
//! off on box–box), so it is at most used for a starting direction:
//!
//! 1. **Candidates.** For polytopes (boxes, hulls, capsule core segments) the minimiser is a
//!    facet normal of the Minkowski difference: a face normal of A or B, or the cross product of
//!    an edge of A with an edge of B (the separating-axis theorem). All of them, both signs, and
//!    the starting direction are scored by `g`, and the smallest wins. Cylinders contribute
//!    their axis and side lines, which leaves their candidate set incomplete.
//! 2. **Polish.** B is moved along the candidate n until it clears A by a gap, where GJK, then
//!    the certified refinement of curved pairs (`separated_refine`), gives the exact closest
//!    points and their normal m. If m = n the moved-back points are the exact witnesses;
//!    otherwise n moves toward m (Broyden's method on `m(n) = n` in a gnomonic chart, finished
//!    by Newton's method with a difference Jacobian where Broyden stalls). At the fixed point
//!    the witness gap is parallel to the normal, which is exactly the optimality condition of
//!    the minimum; a polish counts as converged only when the residual is below 1e-9.

use super::SignedDistance;
use super::core_shape::{CYLINDER_FACETS, CylinderEdges, PosedCore};
use super::face_contact::face_contact;
use super::gjk::{GjkOutcome, WarmSimplex, gjk_cores_warm};
use super::separated_refine::refine_separated;
use nalgebra::{Matrix2, Unit, Vector2, Vector3};

/// Chart residual (≈ normal change) below which the polish has converged. The final normal
/// is taken from the witness pair, so this only has to bring the witnesses onto the optimum.
const NORMAL_TOLERANCE: f64 = 1e-10;
/// Broyden iterations before the Newton fallback takes over (polytopes converge in one).
const MAX_POLISH_ITERATIONS: usize = 12;
/// Newton iterations of the fallback (each costs three separated queries).
const NEWTON_ITERATIONS: usize = 10;
/// Chart step of the fallback's forward differences: the residual is smooth on the scale of
/// the shapes' curvature, so its error (~1e-6 relative) only slows Newton to a fast linear rate.
const DIFFERENCE_STEP: f64 = 1e-6;
/// Chart residual (≈ angle between the normal and the separated normal it leads to, rad) up
/// to which a polish counts as converged: the separated queries are exact (refined past GJK
/// on curved supports), so a converged polish is at the optimum of its basin to ~1e-9.
const CONVERGED_RESIDUAL: f64 = 1e-9;

/// `g(n)`: how far B must move along unit `n` to clear A.
fn clearance(a: &PosedCore<'_>, b: &PosedCore<'_>, n: &Vector3<f64>) -> f64 {
    a.support_value(n) + b.support_value(&-n)
}

/// How many of the best candidates are kept as possible starts of the polish.
const KEPT_CANDIDATES: usize = 6;

/// The candidate directions of smallest clearance (best first, with their clearances; unused
/// slots have an infinite clearance), `start` included.
pub(super) fn best_candidates(
    a: &PosedCore<'_>,
    b: &PosedCore<'_>,
    start: &Vector3<f64>,
) -> [(Vector3<f64>, f64); KEPT_CANDIDATES] {
    let mut kept = [(Vector3::zeros(), f64::INFINITY); KEPT_CANDIDATES];
    let mut keep = |n: Vector3<f64>, g: f64| {
        if g < kept[KEPT_CANDIDATES - 1].1 {
            // Insertion into the short sorted list.
            let mut at = KEPT_CANDIDATES - 1;
            while at > 0 && kept[at - 1].1 > g {
                kept[at] = kept[at - 1];
                at -= 1;
            }
            kept[at] = (n, g);
        }
    };
    keep(*start, clearance(a, b, start));
    let mut consider = |n: Vector3<f64>| {
        let (a_min, a_max) = a.projection_interval(&n);
        let (b_min, b_max) = b.projection_interval(&n);
        // g(n) = max_A − min_B and g(−n) = max_B − min_A.
        keep(n, a_max - b_min);
        keep(-n, b_max - a_min);
    };
    a.for_each_face_normal(&mut consider);
    b.for_each_face_normal(&mut consider);
    if let (Some(edges_a), Some(edges_b)) = (a.cylinder_edges(), b.cylinder_edges()) {
        let offset = a.pose.translation.vector - b.pose.translation.vector;
        cylinder_pair_edge_candidates(&edges_a, &edges_b, &offset, &mut keep);
        return kept;
    }
    // The edge pairs in batches: crosses first, then their scores, then the bookkeeping, so
    // that the square roots and divisions of independent candidates overlap instead of each
    // waiting behind the previous candidate's comparisons.
    let mut batch = EdgeBatch::default();
    a.for_each_edge(|edge_a| {
        b.for_each_edge(|edge_b| {
            batch.normals[batch.len] = edge_a.cross(&edge_b);
            batch.len += 1;
            if batch.len == EDGE_BATCH {
                batch.flush(a, b, &mut keep);
            }
        })
    });
    batch.flush(a, b, &mut keep);
    kept
}

/// Edge-pair candidates scored per batch.
const EDGE_BATCH: usize = 32;

/// Unnormalised edge-pair normals waiting to be scored.
struct EdgeBatch {
    normals: [Vector3<f64>; EDGE_BATCH],
    len: usize,
}

impl Default for EdgeBatch {
    fn default() -> Self {
        EdgeBatch {
            normals: [Vector3::zeros(); EDGE_BATCH],
            len: 0,
        }
    }
}

impl EdgeBatch {
    /// Scores the waiting normals (both signs) and hands them to `keep`; parallel edge pairs
    /// (no normal) are skipped.
    fn flush(
        &mut self,
        a: &PosedCore<'_>,
        b: &PosedCore<'_>,
        keep: &mut impl FnMut(Vector3<f64>, f64),
    ) {
        let count = std::mem::take(&mut self.len);
        let normals = &mut self.normals[..count];
        let mut valid = [false; EDGE_BATCH];
        for (normal, valid) in normals.iter_mut().zip(&mut valid) {
            let norm = normal.norm();
            *valid = norm > 1e-9;
            *normal *= norm.recip();
        }
        let mut scores = [(0.0, 0.0); EDGE_BATCH];
        for (normal, score) in normals.iter().zip(&mut scores) {
            let (a_min, a_max) = a.projection_interval(normal);
            let (b_min, b_max) = b.projection_interval(normal);
            // g(n) = max_A − min_B and g(−n) = max_B − min_A.
            *score = (a_max - b_min, b_max - a_min);
        }
        for ((normal, (forward, backward)), valid) in normals.iter().zip(&scores).zip(&valid) {
            if *valid {
                keep(*normal, *forward);
                keep(-normal, *backward);
            }
        }
    }
}

/// Edge pairs per cylinder pair: (1 + prism directions)².
const CYLINDER_PAIR_EDGES: usize = (1 + CYLINDER_FACETS) * (1 + CYLINDER_FACETS);

/// The edge-pair candidates of two cylinders (`offset` = A's centre − B's, m), scored in
/// straight-line loops over arrays rather than one closure call per candidate: the 81 square
/// roots of the normalisation and the 2 × 81 of the radial support terms are then issued
/// back to back (the compiler vectorises them), where the generic path waits on each in turn.
/// The clearances are those of the generic path: with unit n,
/// `g(±n) = h_A + h_B ± (c_A − c_B)·n`, `h = r √(1 − (axis·n)²) + ½ L |axis·n|`.
fn cylinder_pair_edge_candidates(
    a: &CylinderEdges,
    b: &CylinderEdges,
    offset: &Vector3<f64>,
    keep: &mut impl FnMut(Vector3<f64>, f64),
) {
    let mut normals = [Vector3::zeros(); CYLINDER_PAIR_EDGES];
    let mut length_squared = [0.0; CYLINDER_PAIR_EDGES];
    for (i, edge_a) in a.directions.iter().enumerate() {
        for (j, edge_b) in b.directions.iter().enumerate() {
            let k = i * b.directions.len() + j;
            normals[k] = edge_a.cross(edge_b);
            length_squared[k] = normals[k].norm_squared();
        }
    }
    let mut inverse_length = [0.0; CYLINDER_PAIR_EDGES];
    for (inverse, squared) in inverse_length.iter_mut().zip(&length_squared) {
        *inverse = 1.0 / squared.sqrt();
    }
    let mut support_sum = [0.0; CYLINDER_PAIR_EDGES];
    let mut centre_gap = [0.0; CYLINDER_PAIR_EDGES];
    for k in 0..CYLINDER_PAIR_EDGES {
        let n = normals[k] * inverse_length[k];
        normals[k] = n;
        let along_a = a.axis.dot(&n);
        let along_b = b.axis.dot(&n);
        let radial_a = (1.0 - along_a * along_a).max(0.0).sqrt();
        let radial_b = (1.0 - along_b * along_b).max(0.0).sqrt();
        support_sum[k] = a.radius * radial_a
            + a.half_length * along_a.abs()
            + b.radius * radial_b
            + b.half_length * along_b.abs();
        centre_gap[k] = offset.dot(&n);
    }
    for k in 0..CYLINDER_PAIR_EDGES {
        // Parallel edges (the two axes, or prism directions of parallel cylinders) span no
        // plane: skipped, as in the generic path.
        if length_squared[k] > 1e-18 {
            keep(normals[k], support_sum[k] + centre_gap[k]);
            keep(-normals[k], support_sum[k] - centre_gap[k]);
        }
    }
}

/// The exact signed distance of two overlapping cores, starting from direction `start` (any
/// unit guess). Returns `None` if GJK fails on a separated configuration.
///
/// The polish runs from the best candidate. Where a cylinder stands in as a prism, a
/// candidate's clearance can exceed the clearance of the optimum in its basin by up to the
/// prisms' [`PosedCore::prism_margin`]s, so every other kept candidate within that margin of
/// the polished depth, in another basin, is polished as well and the smallest depth wins.
/// Only converged polishes count; if none converges (deep overlaps of curved cores, where the
/// fixed point iteration contracts poorly from a rough start), `rough_start` (EPA's normal)
/// joins the candidates and the best of them is polished once more.
pub(super) fn exact_penetration(
    a: &PosedCore<'_>,
    b: &PosedCore<'_>,
    start: &Vector3<f64>,
    rough_start: impl FnOnce() -> Option<Vector3<f64>>,
    warm: &mut Option<WarmSimplex>,
) -> Option<SignedDistance> {
    let candidates = best_candidates(a, b, start);
    let margin = a.prism_margin() + b.prism_margin();
    let mut best: Option<SignedDistance> = None;
    let mut unconverged = None;
    // Starts already used, and where they led (a fixed array: this runs per query).
    let mut visited = [Vector3::zeros(); 2 * KEPT_CANDIDATES];
    let mut seen = 0;
    for (index, (n, g)) in candidates.iter().enumerate() {
        if let Some(found) = &best
            && *g >= -found.distance + margin
        {
            break;
        }
        // Within ~3° of a start or result already seen: the same basin.
        if index > 0 && (!g.is_finite() || visited[..seen].iter().any(|v| v.dot(n) > 0.9986)) {
            continue;
        }
        // A face contact is certified in closed form; anything else is polished.
        let Some((found, converged)) = face_contact(a, b, n)
            .map(|found| (found, true))
            .or_else(|| polish(a, b, n, warm))
        else {
            continue;
        };
        visited[seen] = *n;
        visited[seen + 1] = found.normal.into_inner();
        seen += 2;
        if !converged {
            unconverged.get_or_insert(found);
            continue;
        }
        if best.is_none_or(|b| found.distance > b.distance) {
            best = Some(found);
        }
    }
    if best.is_some() {
        return best;
    }
    match rough_start() {
        Some(rough) => {
            // The better start of the rough one and the best candidate (already scored).
            let n = if clearance(a, b, &rough) <= candidates[0].1 {
                rough
            } else {
                candidates[0].0
            };
            polish(a, b, &n, warm)
                .map(|(found, _)| found)
                .or(unconverged)
        }
        None => unconverged,
    }
}

/// The polish of the direction `n0` (unit) to the optimum of its basin, and whether it
/// converged (the witness gap ends up along the normal).
///
/// Every GJK query starts from `warm`, the last simplex of the previous one (the overlap test
/// at first): B only moves by translations here, which keep its points valid.
fn polish(
    a: &PosedCore<'_>,
    b: &PosedCore<'_>,
    n0: &Vector3<f64>,
    warm: &mut Option<WarmSimplex>,
) -> Option<(SignedDistance, bool)> {
    let n0 = *n0;
    let u = super::closest_points::any_perpendicular(&n0);
    let v = n0.cross(&u);
    // The clearing gap: large enough for GJK to see clearly separated shapes, small against
    // the shapes so that GJK's relative tolerance stays tiny in absolute terms.
    let gap = 1e-2
        * a.shape
            .bounding_radius()
            .min(b.shape.bounding_radius())
            .min(1.0);

    // Evaluates the chart point x: the witnesses found along n(x) and the residual G(x) − x.
    // Successive queries differ by a small translation of B: GJK starts from the last simplex.
    let mut evaluate = |x: &Vector2<f64>| -> Option<(SignedDistance, Vector2<f64>)> {
        let n = (n0 + u * x.x + v * x.y).normalize();
        let travel = clearance(a, b, &n) + gap;
        let moved = b.translated(&(n * travel));
        let GjkOutcome::Separated(separated) = gjk_cores_warm(a, &moved, warm) else {
            return None;
        };
        // GJK stops short on a curved support; the refined answer makes the fixed point exact.
        let separated = refine_separated(a.shape, &a.pose, moved.shape, &moved.pose, separated);
        let m = separated.normal.into_inner();
        let witness_b = separated.witness_b - n * travel;
        let found = SignedDistance {
            distance: m.dot(&(witness_b - separated.witness_a)),
            normal: separated.normal,
            witness_a: separated.witness_a,
            witness_b,
        };
        let along = n0.dot(&m);
        if along <= 0.1 {
            return None; // left the chart: m is nearly perpendicular to n0
        }
        let image = Vector2::new(u.dot(&m), v.dot(&m)) / along;
        Some((found, image - x))
    };

    let (x, best, best_residual) = broyden(&mut evaluate)?;
    let (best, best_residual) = if best_residual > NORMAL_TOLERANCE {
        newton(&mut evaluate, x, (best, best_residual))
    } else {
        (best, best_residual)
    };
    Some((
        with_normal_from_witnesses(best),
        best_residual <= CONVERGED_RESIDUAL,
    ))
}

/// Broyden's method on the chart residual from x = 0: the chart point, the answer and the
/// residual norm of the best point found. `None` when the start cannot be evaluated.
fn broyden(
    evaluate: &mut impl FnMut(&Vector2<f64>) -> Option<(SignedDistance, Vector2<f64>)>,
) -> Option<(Vector2<f64>, SignedDistance, f64)> {
    let mut x = Vector2::zeros();
    let (mut best, mut residual) = evaluate(&x)?;
    let mut best_x = x;
    let mut best_residual = residual.norm();
    let mut steps_without_progress = 0;
    // Inverse-Jacobian estimate of the residual; −I makes the first step the fixed-point step.
    let mut inverse_jacobian = -Matrix2::identity();
    for _ in 0..MAX_POLISH_ITERATIONS {
        if residual.norm() <= NORMAL_TOLERANCE {
            break;
        }
        let step = -(inverse_jacobian * residual);
        let x_next = x + step;
        let Some((found, residual_next)) = evaluate(&x_next) else {
            break;
        };
        let change = residual_next - residual;
        let denom = step.dot(&(inverse_jacobian * change));
        if denom.abs() > 1e-300 {
            inverse_jacobian +=
                (step - inverse_jacobian * change) * (step.transpose() * inverse_jacobian) / denom;
        } else {
            inverse_jacobian = -Matrix2::identity();
        }
        x = x_next;
        residual = residual_next;
        if residual.norm() < best_residual {
            // Count as progress only a clear decrease: a stalled iteration creeps by tiny
            // amounts, and the Newton fallback takes over from there.
            steps_without_progress = if residual.norm() < 0.5 * best_residual {
                0
            } else {
                steps_without_progress + 1
            };
            best_residual = residual.norm();
            best = found;
            best_x = x;
        } else {
            steps_without_progress += 1;
        }
        if steps_without_progress >= 2 {
            break;
        }
    }
    Some((best_x, best, best_residual))
}

/// Newton's method on the chart residual with a forward-difference Jacobian, from the point
/// where Broyden's method stalled (a deep overlap, where the fixed-point map expands and the
/// secant updates lose track). Each step is halved until the residual decreases; the best
/// answer and its residual norm are returned.
fn newton(
    evaluate: &mut impl FnMut(&Vector2<f64>) -> Option<(SignedDistance, Vector2<f64>)>,
    mut x: Vector2<f64>,
    (mut best, mut best_residual): (SignedDistance, f64),
) -> (SignedDistance, f64) {
    let Some((_, mut residual)) = evaluate(&x) else {
        return (best, best_residual);
    };
    for _ in 0..NEWTON_ITERATIONS {
        if best_residual <= NORMAL_TOLERANCE {
            break;
        }
        let mut jacobian = Matrix2::zeros();
        for k in 0..2 {
            let mut probe = x;
            probe[k] += DIFFERENCE_STEP;
            let Some((_, shifted)) = evaluate(&probe) else {
                return (best, best_residual);
            };
            jacobian.set_column(k, &((shifted - residual) / DIFFERENCE_STEP));
        }
        let Some(step) = jacobian.try_inverse().map(|inverse| -(inverse * residual)) else {
            break;
        };
        let mut accepted = false;
        for halving in 0..6 {
            let candidate = x + step * 0.5f64.powi(halving);
            if let Some((found, next)) = evaluate(&candidate)
                && next.norm() < residual.norm()
            {
                (x, residual) = (candidate, next);
                if next.norm() < best_residual {
                    (best, best_residual) = (found, next.norm());
                }
                accepted = true;
                break;
            }
        }
        if !accepted {
            break;
        }
    }
    (best, best_residual)
}

/// Where the polish stalls (cylinder rims make `m(n)` non-smooth), the witnesses still lie on
/// the surfaces to GJK accuracy but the normal lags behind; taking the normal and depth from
/// the witness pair itself keeps `witness_b − witness_a = φ · normal` exact.
fn with_normal_from_witnesses(found: SignedDistance) -> SignedDistance {
    let a_minus_b = found.witness_a - found.witness_b;
    let depth = a_minus_b.norm();
    if depth > 1e-9 && (a_minus_b / depth).dot(&found.normal) > 0.999 {
        SignedDistance {
            distance: -depth,
            normal: Unit::new_unchecked(a_minus_b / depth),
            ..found
        }
    } else {
        found
    }
}
