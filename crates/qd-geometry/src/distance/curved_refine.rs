//! Separated pairs with a curved support map, refined past GJK to round-off.
//!
//! GJK converges only linearly on a curved support (a cylinder's rim or side): its separated
//! cylinder pairs stop ~1e-6 m and ~1e-3 rad from the answer (`tests/separated_accuracy.rs`).
//! Where the other core is a segment (a capsule), the exact answer is one-dimensional: the
//! distance from the cylinder to the segment `p(t) = p₀ + t (p₁ − p₀)` is
//! `F(t) = d(p(t))` minimised over t ∈ [0, 1], with d the closed-form distance from a point to
//! the solid cylinder. d is convex and differentiable outside the cylinder, so F is convex with
//! `F'(t) = n(t) · (p₁ − p₀)` (n the unit direction from the cylinder's closest point to p(t)):
//! its minimiser is where F' changes sign, found by a safeguarded secant iteration on F'
//! (regula falsi with the Illinois correction) inside a bracket that shrinks every step. The
//! answer is certified by construction — F' changes sign across a bracket of round-off width,
//! or the minimiser is an end with F' pointing outward — and kept only if it is at least as
//! close as GJK's.
//!
//! Against a box ([`cylinder_box`]) the closest features are a point of the cylinder and a
//! face, an edge or a vertex of the box: those near GJK's witness are each solved exactly (a
//! face by the cylinder's support point, an edge by the segment search above, a vertex in
//! closed form) and a candidate is kept only when its two points are support points of the
//! two shapes along its normal, which certifies it optimal.

use super::SignedDistance;
use super::point_to_solid::sphere_cylinder;
use crate::pose::Pose;
use crate::shape::Shape;
use nalgebra::{Point3, Unit, Vector3};

/// Iterations allowed to the secant search (it needs ~5–15; bisection alone would need ~55).
const MAX_ITERATIONS: usize = 100;

/// The exact distance from the cylinder (radius, full length, at `cylinder_pose`; A) to the
/// segment [p₀, p₁] (B), given GJK's answer `gjk` for the same pair (normal from the cylinder
/// to the segment). `None` when the segment touches or enters the cylinder, or the search does
/// not certify an answer at least as close as GJK's.
pub(super) fn cylinder_segment(
    cylinder_pose: &Pose,
    (radius, length): (f64, f64),
    (p0, p1): (&Point3<f64>, &Point3<f64>),
    gjk: &SignedDistance,
) -> Option<SignedDistance> {
    let direction = p1 - p0;
    let length_squared = direction.norm_squared();
    if length_squared == 0.0 {
        return None;
    }
    let at = |t: f64| sphere_cylinder(&(p0 + direction * t), 0.0, cylinder_pose, radius, length);
    let slope = |found: &SignedDistance| found.normal.dot(&direction);
    let (start, end) = (at(0.0), at(1.0));
    let found = if slope(&start) >= 0.0 {
        start
    } else if slope(&end) <= 0.0 {
        end
    } else {
        // F' < 0 at a, > 0 at b; start the secant from GJK's witness on the segment.
        let (mut a, mut b) = (0.0, 1.0);
        let (mut slope_a, mut slope_b) = (slope(&start), slope(&end));
        let mut t = ((gjk.witness_b - p0).dot(&direction) / length_squared).clamp(0.0, 1.0);
        let mut kept_side = 0i8;
        let mut best = at(t);
        for _ in 0..MAX_ITERATIONS {
            if !(t > a && t < b) {
                t = 0.5 * (a + b);
            }
            best = at(t);
            let s = slope(&best);
            if s == 0.0 {
                break;
            }
            if s < 0.0 {
                (a, slope_a) = (t, s);
                if kept_side == -1 {
                    slope_b *= 0.5;
                }
                kept_side = -1;
            } else {
                (b, slope_b) = (t, s);
                if kept_side == 1 {
                    slope_a *= 0.5;
                }
                kept_side = 1;
            }
            if b - a <= 4.0 * f64::EPSILON {
                break;
            }
            // The secant's root of F' inside the bracket.
            t = (a * slope_b - b * slope_a) / (slope_b - slope_a);
        }
        best
    };
    (found.distance > 0.0 && found.is_finite() && found.distance <= gjk.distance + 1e-12)
        .then_some(found)
}

/// A posed cylinder: pose, radius and full length.
pub(super) struct Cylinder<'a> {
    pub pose: &'a Pose,
    pub radius: f64,
    pub length: f64,
}

/// Distance of GJK's witness from a box feature within which the feature is tried (relative
/// to the box's size): GJK stops ~1e-5 of the size short, and every candidate is certified.
const FEATURE_REACH: f64 = 1e-3;

/// The exact distance from a cylinder (A) to a box (B, half extents at `box_pose`) given GJK's
/// answer for the pair (normal from the cylinder to the box). The closest features are a
/// point of the cylinder against a face, an edge or a vertex of the box; the features of the
/// box near GJK's witness are tried — a face by the cylinder's support point along it (its
/// projection must fall inside the face), an edge by [`cylinder_segment`], a vertex by the
/// point's closed form — and a candidate is kept only if it is **certified**: its cylinder
/// point is a support point of the cylinder along its normal and its box point one of the box
/// against it (to 1e-12 of the scale), so the separation along the normal equals the
/// candidates' distance. `None` when no candidate certifies.
pub(super) fn cylinder_box(
    cylinder: &Cylinder<'_>,
    (box_pose, half): (&Pose, &Vector3<f64>),
    gjk: &SignedDistance,
) -> Option<SignedDistance> {
    let rotation = box_pose.rotation.to_rotation_matrix().into_inner();
    let centre = box_pose.translation.vector;
    let local = rotation.transpose() * (gjk.witness_b.coords - centre);
    let reach = FEATURE_REACH * half.norm();
    // Per axis: −1 / +1 when the witness is on that face pair's side, 0 when it is inside.
    let mut on_face = [0i8; 3];
    for axis in 0..3 {
        if (local[axis] - half[axis]).abs() <= reach {
            on_face[axis] = 1;
        } else if (local[axis] + half[axis]).abs() <= reach {
            on_face[axis] = -1;
        }
    }
    let corner = |signs: [f64; 3]| {
        Point3::from(
            centre
                + rotation * Vector3::new(signs[0] * half.x, signs[1] * half.y, signs[2] * half.z),
        )
    };
    let mut best: Option<SignedDistance> = None;
    let mut consider = |candidate: Option<SignedDistance>| {
        if let Some(found) = candidate.filter(|c| certified(cylinder, (box_pose, half), c))
            && best.is_none_or(|b| found.distance < b.distance)
        {
            best = Some(found);
        }
    };
    // Every face the witness is near, every edge where two of them meet, and the vertex
    // where three do.
    for axis in (0..3).filter(|&k| on_face[k] != 0) {
        let outward = rotation.column(axis) * f64::from(on_face[axis]);
        consider(face_candidate(
            cylinder,
            (box_pose, half),
            axis,
            &outward.into_owned(),
        ));
    }
    for free in 0..3 {
        let (i, j) = ((free + 1) % 3, (free + 2) % 3);
        if on_face[i] == 0 || on_face[j] == 0 {
            continue;
        }
        let mut signs = [0.0; 3];
        signs[i] = f64::from(on_face[i]);
        signs[j] = f64::from(on_face[j]);
        signs[free] = -1.0;
        let p0 = corner(signs);
        signs[free] = 1.0;
        let p1 = corner(signs);
        consider(cylinder_segment(
            cylinder.pose,
            (cylinder.radius, cylinder.length),
            (&p0, &p1),
            gjk,
        ));
    }
    if on_face.iter().all(|&side| side != 0) {
        let vertex = corner(on_face.map(f64::from));
        consider(Some(sphere_cylinder(
            &vertex,
            0.0,
            cylinder.pose,
            cylinder.radius,
            cylinder.length,
        )));
    }
    best.filter(|b| b.distance <= gjk.distance + 1e-12)
}

/// The candidate of a box face (axis `axis`, outward world normal `outward`): the cylinder's
/// support point toward the face and its projection onto the face's plane, if that projection
/// lies inside the face and the cylinder is on the outer side.
fn face_candidate(
    cylinder: &Cylinder<'_>,
    (box_pose, half): (&Pose, &Vector3<f64>),
    axis: usize,
    outward: &Vector3<f64>,
) -> Option<SignedDistance> {
    let shape = Shape::Cylinder {
        radius: cylinder.radius,
        length: cylinder.length,
    };
    let toward_face = cylinder.pose.rotation.inverse() * -outward;
    let on_cylinder = cylinder.pose * shape.local_support_point(&toward_face);
    let plane = outward.dot(&box_pose.translation.vector) + half[axis];
    let gap = outward.dot(&on_cylinder.coords) - plane;
    if gap <= 0.0 {
        return None;
    }
    let on_box = on_cylinder - outward * gap;
    let local = box_pose.inverse_transform_point(&on_box);
    let inside = (0..3)
        .filter(|&k| k != axis)
        .all(|k| local[k].abs() <= half[k]);
    inside.then(|| SignedDistance {
        distance: gap,
        normal: Unit::new_unchecked(-outward),
        witness_a: on_cylinder,
        witness_b: on_box,
    })
}

/// Whether `candidate` (cylinder A, box B, normal from A to B) is optimal: its witness on A
/// maximises n · x over the cylinder and its witness on B minimises it over the box, to 1e-12
/// of the pair's scale.
fn certified(
    cylinder: &Cylinder<'_>,
    (box_pose, half): (&Pose, &Vector3<f64>),
    candidate: &SignedDistance,
) -> bool {
    let n = candidate.normal.into_inner();
    let axis = cylinder.pose.rotation * Vector3::z();
    let along_axis = n.dot(&axis);
    // The radial part's length from the vector itself: √(1 − along²) loses everything to
    // cancellation when n is along the axis (a cap contact), where it is ~1e-8 instead of 0.
    let radial = (n - axis * along_axis).norm();
    let support_a = n.dot(&cylinder.pose.translation.vector)
        + cylinder.radius * radial
        + 0.5 * cylinder.length * along_axis.abs();
    let local_n = box_pose.rotation.inverse() * n;
    let support_b = -n.dot(&box_pose.translation.vector) + half.dot(&local_n.abs());
    let scale = 1.0
        + cylinder.pose.translation.vector.norm()
        + box_pose.translation.vector.norm()
        + cylinder.radius
        + cylinder.length
        + half.norm();
    let tolerance = 1e-12 * scale;
    candidate.is_finite()
        && candidate.distance > 0.0
        && n.dot(&candidate.witness_a.coords) >= support_a - tolerance
        && -n.dot(&candidate.witness_b.coords) >= support_b - tolerance
}
