//! Exact penetration for the general path.
//!
//! For overlapping convex bodies the penetration depth is `min over unit n of g(n)`, with
//! `g(n) = h_A(n) + h_B(−n)` (h = support function): the distance B must travel along n to
//! separate. parry's EPA approximates this minimum and can stop on a wrong face (centimetres
//! off on box–box), so it is not used as the answer, only as one candidate direction:
//!
//! 1. **Candidates.** For polytopes (boxes, hulls, capsule core segments) the minimiser is a
//!    facet normal of the Minkowski difference: a face normal of A or B, or the cross product of
//!    an edge of A with an edge of B (the separating-axis theorem). All of them, both signs, and
//!    EPA's normal are scored by `g`, and the smallest wins. Cylinders contribute their axis.
//! 2. **Polish.** B is moved along the candidate n until it clears A by a small gap, where
//!    GJK (accurate on separated shapes) gives the closest points and their normal m. If m = n
//!    the moved-back points are the exact witnesses; otherwise n moves toward m (Broyden's
//!    method on `m(n) = n`). At the fixed point the witness gap is parallel to the normal,
//!    which is exactly the optimality condition of the minimum.

use super::SignedDistance;
use crate::pose::Pose;
use crate::shape::Shape;
use nalgebra::{Isometry3, Point3, Translation3, Unit, UnitQuaternion, Vector3};

/// Chart residual (≈ normal change) below which the polish has converged. The final normal
/// is taken from the witness pair, so this only has to bring the witnesses onto the optimum.
const NORMAL_TOLERANCE: f64 = 1e-10;
/// Polish iterations before settling for the best point found (polytopes converge in one;
/// cylinder rims can stall, see `with_normal_from_witnesses`).
const MAX_POLISH_ITERATIONS: usize = 12;

/// Whether the shape is a polytope core (box, hull, capsule segment), for which the
/// separating-axis candidates are complete: the smallest clearance over them is the exact
/// penetration depth, and a negative one proves separation.
pub(super) fn is_polytope_core(shape: &Shape) -> bool {
    matches!(
        shape,
        Shape::Capsule { .. } | Shape::Cuboid { .. } | Shape::ConvexPolyhedron(_)
    )
}

/// The separating-axis test on two polytope cores: `Some(n)` with the minimum-translation
/// direction if they overlap, `None` if some axis separates them.
pub(super) fn sat_overlap(
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
) -> Option<Vector3<f64>> {
    let guess = (pose_b.translation.vector - pose_a.translation.vector)
        .try_normalize(1e-12)
        .unwrap_or_else(Vector3::z);
    let (n, clearance) = best_candidate(a, pose_a, b, pose_b, &guess);
    (clearance > 0.0).then_some(n)
}

/// Whether the general path should hand this pair to [`exact_penetration`] when it overlaps.
pub(super) fn applies_to(shape: &Shape) -> bool {
    matches!(
        shape,
        Shape::Capsule { .. }
            | Shape::Cuboid { .. }
            | Shape::Cylinder { .. }
            | Shape::ConvexPolyhedron(_)
    )
}

/// World support point of a shape's **core** (a capsule's segment, every other shape itself).
fn core_support(shape: &Shape, pose: &Pose, world_dir: &Vector3<f64>) -> Point3<f64> {
    let local_dir = pose.rotation.inverse_transform_vector(world_dir);
    let local = match shape {
        Shape::Capsule { length, .. } => {
            let z = if local_dir.z.abs() <= 1e-14 {
                0.0
            } else {
                0.5 * length * local_dir.z.signum()
            };
            Point3::new(0.0, 0.0, z)
        }
        _ => shape.local_support_point(&local_dir),
    };
    pose * local
}

/// `g(n)`: how far B (core) must move along unit `n` to clear A (core).
fn clearance(a: &Shape, pose_a: &Pose, b: &Shape, pose_b: &Pose, n: &Vector3<f64>) -> f64 {
    let on_a = core_support(a, pose_a, n);
    let on_b = core_support(b, pose_b, &-n);
    n.dot(&(on_a - on_b))
}

/// Calls `f` with each world-frame face normal (facet candidates) of a core.
fn for_each_face_normal(shape: &Shape, pose: &Pose, mut f: impl FnMut(Vector3<f64>)) {
    match shape {
        Shape::Cuboid { .. } => (0..3).for_each(|i| f(pose.rotation * Vector3::ith(i, 1.0))),
        Shape::Cylinder { .. } => f(pose.rotation * Vector3::z()),
        Shape::ConvexPolyhedron(hull) => hull
            .face_normals()
            .iter()
            .for_each(|n| f(pose.rotation * n)),
        _ => {}
    }
}

/// Calls `f` with each world-frame edge direction of a core.
fn for_each_edge(shape: &Shape, pose: &Pose, mut f: impl FnMut(Vector3<f64>)) {
    match shape {
        Shape::Cuboid { .. } => (0..3).for_each(|i| f(pose.rotation * Vector3::ith(i, 1.0))),
        Shape::Capsule { .. } | Shape::Cylinder { .. } => f(pose.rotation * Vector3::z()),
        Shape::ConvexPolyhedron(hull) => hull
            .edge_directions()
            .iter()
            .for_each(|e| f(pose.rotation * e)),
        _ => {}
    }
}

/// The candidate direction of smallest clearance, starting from `initial` (EPA's normal).
fn best_candidate(
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
    initial: &Vector3<f64>,
) -> (Vector3<f64>, f64) {
    let mut best = (*initial, clearance(a, pose_a, b, pose_b, initial));
    let mut consider = |n: Vector3<f64>| {
        for candidate in [n, -n] {
            let g = clearance(a, pose_a, b, pose_b, &candidate);
            if g < best.1 {
                best = (candidate, g);
            }
        }
    };
    for_each_face_normal(a, pose_a, &mut consider);
    for_each_face_normal(b, pose_b, &mut consider);
    for_each_edge(a, pose_a, |edge_a| {
        for_each_edge(b, pose_b, |edge_b| {
            let cross = edge_a.cross(&edge_b);
            let norm = cross.norm();
            if norm > 1e-9 {
                consider(cross / norm);
            }
        })
    });
    best
}

/// The exact signed distance of two overlapping cores, starting from direction `initial`
/// (EPA's normal, or any guess). `separated_contact` computes the core-level distance of A and
/// B moved to a given pose (used only on separated configurations, where GJK is accurate).
/// Returns `None` if GJK fails on a separated configuration.
///
/// The polish solves the fixed point `n = m(n)` (m: GJK normal after clearing along n) by
/// Broyden's method in a gnomonic chart `n ∝ n₀ + U x` around the best candidate n₀. Its first
/// step is the plain fixed-point step; the secant updates remove the slow contraction of deep
/// penetrations into curved surfaces.
pub(super) fn exact_penetration(
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
    initial: &Vector3<f64>,
    separated_contact: impl Fn(&Pose) -> Option<SignedDistance>,
) -> Option<SignedDistance> {
    let (n0, _) = best_candidate(a, pose_a, b, pose_b, initial);
    let u = super::closest_points::any_perpendicular(&n0);
    let v = n0.cross(&u);
    // The clearing gap: large enough for GJK to see clearly separated shapes, small against
    // the shapes so that GJK's relative tolerance stays tiny in absolute terms.
    let gap = 1e-2 * a.bounding_radius().min(b.bounding_radius()).min(1.0);

    // Evaluates the chart point x: the witnesses found along n(x) and the residual G(x) − x.
    let evaluate =
        |x: &nalgebra::Vector2<f64>| -> Option<(SignedDistance, nalgebra::Vector2<f64>)> {
            let n = (n0 + u * x.x + v * x.y).normalize();
            let travel = clearance(a, pose_a, b, pose_b, &n) + gap;
            let shift =
                Isometry3::from_parts(Translation3::from(n * travel), UnitQuaternion::identity());
            let separated = separated_contact(&(shift * pose_b))?;
            let m = separated.normal.into_inner();
            let witness_b = separated.witness_b - n * travel;
            let found = SignedDistance {
                distance: m.dot(&(witness_b - separated.witness_a)),
                normal: Unit::new_unchecked(m),
                witness_a: separated.witness_a,
                witness_b,
            };
            let along = n0.dot(&m);
            if along <= 0.1 {
                return None; // left the chart: m is nearly perpendicular to n0
            }
            let image = nalgebra::Vector2::new(u.dot(&m), v.dot(&m)) / along;
            Some((found, image - x))
        };

    let mut x = nalgebra::Vector2::zeros();
    let (mut best, mut residual) = evaluate(&x)?;
    let mut best_residual = residual.norm();
    // Inverse-Jacobian estimate of the residual; −I makes the first step the fixed-point step.
    let mut inverse_jacobian = -nalgebra::Matrix2::identity();
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
            inverse_jacobian = -nalgebra::Matrix2::identity();
        }
        x = x_next;
        residual = residual_next;
        if residual.norm() < best_residual {
            best_residual = residual.norm();
            best = found;
        }
    }
    Some(with_normal_from_witnesses(best))
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
