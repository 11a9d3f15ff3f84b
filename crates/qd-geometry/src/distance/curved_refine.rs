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
use crate::shape::{ConvexHull, Shape};
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
    let found = closest_on_segment(cylinder_pose, (radius, length), (p0, p1), &gjk.witness_b)?;
    (found.distance > 0.0 && found.is_finite() && found.distance <= gjk.distance + 1e-12)
        .then_some(found)
}

/// The point of the segment [p₀, p₁] closest to the cylinder (radius, full length, at
/// `cylinder_pose`), as the cylinder-to-point distance (normal from the cylinder to the
/// point); the search starts from the projection of `hint` onto the segment. `None` for a
/// degenerate segment.
pub(super) fn closest_on_segment(
    cylinder_pose: &Pose,
    (radius, length): (f64, f64),
    (p0, p1): (&Point3<f64>, &Point3<f64>),
    hint: &Point3<f64>,
) -> Option<SignedDistance> {
    let direction = p1 - p0;
    let length_squared = direction.norm_squared();
    if length_squared == 0.0 {
        return None;
    }
    let at = |t: f64| {
        let found = sphere_cylinder(&(p0 + direction * t), 0.0, cylinder_pose, radius, length);
        (found.normal.dot(&direction), found)
    };
    let ((slope_start, start), (slope_end, end)) = (at(0.0), at(1.0));
    Some(if slope_start >= 0.0 {
        start
    } else if slope_end <= 0.0 {
        end
    } else {
        let t = ((hint - p0).dot(&direction) / length_squared).clamp(0.0, 1.0);
        minimise_on_bracket((0.0, slope_start), (1.0, slope_end), t, at)
    })
}

/// The minimiser of a function on [a, b] from its derivative `at(t) = (F'(t), answer)`, given
/// F'(a) < 0 < F'(b) and a unimodal F: a safeguarded secant iteration on F' (regula falsi
/// with the Illinois correction) from `t`, inside a bracket that shrinks every step, stopped
/// when F' vanishes or the bracket is round-off wide. Returns the answer at the last point.
pub(super) fn minimise_on_bracket(
    (mut a, mut slope_a): (f64, f64),
    (mut b, mut slope_b): (f64, f64),
    mut t: f64,
    mut at: impl FnMut(f64) -> (f64, SignedDistance),
) -> SignedDistance {
    let mut kept_side = 0i8;
    let (_, mut best) = at(t.clamp(a, b));
    for _ in 0..MAX_ITERATIONS {
        if !(t > a && t < b) {
            t = 0.5 * (a + b);
        }
        let (s, found) = at(t);
        best = found;
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
        if b - a <= 4.0 * f64::EPSILON * (1.0 + a.abs().max(b.abs())) {
            break;
        }
        // The secant's root of F' inside the bracket.
        t = (a * slope_b - b * slope_a) / (slope_b - slope_a);
    }
    best
}

/// A posed cylinder: pose, radius and full length.
pub(super) struct Cylinder<'a> {
    pub pose: &'a Pose,
    pub radius: f64,
    pub length: f64,
}

impl Cylinder<'_> {
    /// The closed-form distance from the cylinder (A) to `point` (B).
    pub(super) fn to_point(&self, point: &Point3<f64>) -> SignedDistance {
        sphere_cylinder(point, 0.0, self.pose, self.radius, self.length)
    }
}

/// Distance of GJK's witness from a feature (a box or hull face, edge or vertex, a cylinder's
/// rim or cap) within which the feature is tried, relative to the shape's size: GJK stops
/// ~1e-5 of the size short, and every candidate is certified, so this only bounds the work.
pub(super) const FEATURE_REACH: f64 = 1e-3;

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
        consider(Some(cylinder.to_point(&vertex)));
    }
    best.filter(|b| b.distance <= gjk.distance + 1e-12)
}

/// The candidate of a box face (axis `axis`, outward world normal `outward`), by
/// [`plane_candidate`] with the face's rectangle as its inside.
fn face_candidate(
    cylinder: &Cylinder<'_>,
    (box_pose, half): (&Pose, &Vector3<f64>),
    axis: usize,
    outward: &Vector3<f64>,
) -> Option<SignedDistance> {
    let plane = outward.dot(&box_pose.translation.vector) + half[axis];
    plane_candidate(cylinder, outward, plane, |on_box| {
        let local = box_pose.inverse_transform_point(on_box);
        (0..3)
            .filter(|&k| k != axis)
            .all(|k| local[k].abs() <= half[k])
    })
}

/// The candidate of a face with outward world normal `outward` on the plane
/// `outward · x = plane`: the cylinder's support point toward the face and its projection
/// onto the plane, if the cylinder is on the outer side and `inside` accepts the projection.
fn plane_candidate(
    cylinder: &Cylinder<'_>,
    outward: &Vector3<f64>,
    plane: f64,
    inside: impl FnOnce(&Point3<f64>) -> bool,
) -> Option<SignedDistance> {
    let on_cylinder = cylinder_support(cylinder, &-outward);
    let gap = outward.dot(&on_cylinder.coords) - plane;
    if gap <= 0.0 {
        return None;
    }
    let on_face = on_cylinder - outward * gap;
    inside(&on_face).then(|| SignedDistance {
        distance: gap,
        normal: Unit::new_unchecked(-outward),
        witness_a: on_cylinder,
        witness_b: on_face,
    })
}

/// Whether `candidate` (cylinder A, box B, normal from A to B) is optimal: its witness on A
/// maximises n · x over the cylinder and its witness on B minimises it over the box, to 1e-12
/// of the pair's scale (a witness beyond its shape's support fails too: it is not a point of
/// the shape).
fn certified(
    cylinder: &Cylinder<'_>,
    (box_pose, half): (&Pose, &Vector3<f64>),
    candidate: &SignedDistance,
) -> bool {
    let n = candidate.normal.into_inner();
    let local_n = box_pose.rotation.inverse() * n;
    let support_b = -n.dot(&box_pose.translation.vector) + half.dot(&local_n.abs());
    let size_b = box_pose.translation.vector.norm() + half.norm();
    certified_against(cylinder, candidate, support_b, size_b)
}

/// [`certified`] given B's support value against the candidate's normal,
/// `max over B of −n · x`, and B's size (its distance from the origin plus its extent, m).
pub(super) fn certified_against(
    cylinder: &Cylinder<'_>,
    candidate: &SignedDistance,
    support_b: f64,
    size_b: f64,
) -> bool {
    let n = candidate.normal.into_inner();
    let support_a = cylinder_support_value(cylinder, &n);
    let scale =
        1.0 + cylinder.pose.translation.vector.norm() + cylinder.radius + cylinder.length + size_b;
    // The normal is the direction of the witness difference, so round-off in the witnesses
    // (~ε of the scale each) turns it by ~2ε·scale/φ; across a flat support set (the
    // cylinder's side line, a face of B) that shows as slack up to that angle times the
    // shapes' extent. Near-touching candidates would otherwise fail on round-off alone.
    let extent = cylinder.radius + cylinder.length + size_b;
    let tolerance = 1e-12 * scale + 4.0 * f64::EPSILON * scale * extent / candidate.distance;
    candidate.is_finite()
        && candidate.distance > 0.0
        && (n.dot(&candidate.witness_a.coords) - support_a).abs() <= tolerance
        && (-n.dot(&candidate.witness_b.coords) - support_b).abs() <= tolerance
}

/// The exact distance from a cylinder (A) to a convex hull (B at `hull_pose`) given GJK's
/// answer, by the same candidates and certificate as [`cylinder_box`]: the hull's faces whose
/// planes pass near GJK's witness (a face's candidate is inside it when it satisfies every
/// other face's inequality), the edges where two of them meet, and the nearest vertex.
pub(super) fn cylinder_hull(
    cylinder: &Cylinder<'_>,
    (hull_pose, hull): (&Pose, &ConvexHull),
    gjk: &SignedDistance,
) -> Option<SignedDistance> {
    let (normals, offsets, vertices) = (hull.face_normals(), hull.face_offsets(), hull.vertices());
    let extent = vertices.iter().map(|v| v.coords.norm()).fold(0.0, f64::max);
    let reach = FEATURE_REACH * extent;
    let on_plane = 1e-9 * extent;
    let local = hull_pose.inverse_transform_point(&gjk.witness_b);
    let near = |f: usize| (normals[f].dot(&local.coords) - offsets[f]).abs() <= reach;
    let size_b = hull_pose.translation.vector.norm() + extent;
    let certify = |candidate: Option<SignedDistance>| {
        candidate.filter(|c| {
            let local_n = hull_pose.rotation.inverse() * c.normal.into_inner();
            let support_b = vertices
                .iter()
                .map(|v| -local_n.dot(&v.coords))
                .fold(f64::NEG_INFINITY, f64::max)
                - c.normal.dot(&hull_pose.translation.vector);
            certified_against(cylinder, c, support_b, size_b)
        })
    };
    let mut best: Option<SignedDistance> = None;
    let mut keep = |found: Option<SignedDistance>| {
        if let Some(found) = found
            && best.is_none_or(|b| found.distance < b.distance)
        {
            best = Some(found);
        }
    };
    for f in (0..normals.len()).filter(|&f| near(f)) {
        keep(certify(hull_face_candidate(
            cylinder,
            (hull_pose, hull),
            f,
            on_plane,
        )));
        // Edges where this face meets a later near face: their two shared vertices.
        for g in (f + 1..normals.len()).filter(|&g| near(g)) {
            let mut shared = vertices.iter().filter(|v| {
                (normals[f].dot(&v.coords) - offsets[f]).abs() <= on_plane
                    && (normals[g].dot(&v.coords) - offsets[g]).abs() <= on_plane
            });
            if let (Some(p), Some(q)) = (shared.next(), shared.next()) {
                let (p0, p1) = (hull_pose * p, hull_pose * q);
                keep(certify(cylinder_segment(
                    cylinder.pose,
                    (cylinder.radius, cylinder.length),
                    (&p0, &p1),
                    gjk,
                )));
            }
        }
    }
    let nearest = vertices
        .iter()
        .min_by(|x, y| (*x - local).norm().total_cmp(&(*y - local).norm()));
    if let Some(vertex) = nearest.filter(|v| (*v - local).norm() <= reach) {
        let world = hull_pose * vertex;
        keep(certify(Some(cylinder.to_point(&world))));
    }
    best.filter(|b| b.distance <= gjk.distance + 1e-12)
}

/// The candidate of hull face `face`: the cylinder's support point toward it and its
/// projection onto the face's plane, if that lies inside the face (every other face's
/// inequality holds to `on_plane`) and the cylinder is on the outer side.
fn hull_face_candidate(
    cylinder: &Cylinder<'_>,
    (hull_pose, hull): (&Pose, &ConvexHull),
    face: usize,
    on_plane: f64,
) -> Option<SignedDistance> {
    let (normals, offsets) = (hull.face_normals(), hull.face_offsets());
    let outward = hull_pose.rotation * normals[face];
    let plane = outward.dot(&hull_pose.translation.vector) + offsets[face];
    plane_candidate(cylinder, &outward, plane, |on_hull| {
        let local = hull_pose.inverse_transform_point(on_hull);
        normals
            .iter()
            .zip(offsets)
            .enumerate()
            .all(|(g, (n, offset))| g == face || n.dot(&local.coords) <= offset + on_plane)
    })
}

/// The cylinder's support value along the world direction `n`, `max over the cylinder of
/// n · x` (m per unit of n).
pub(super) fn cylinder_support_value(cylinder: &Cylinder<'_>, n: &Vector3<f64>) -> f64 {
    let axis = cylinder.pose.rotation * Vector3::z();
    let along_axis = n.dot(&axis);
    // The radial part's length from the vector itself: √(1 − along²) loses everything to
    // cancellation when n is along the axis (a cap contact), where it is ~1e-8 instead of 0.
    let radial = (n - axis * along_axis).norm();
    n.dot(&cylinder.pose.translation.vector)
        + cylinder.radius * radial
        + 0.5 * cylinder.length * along_axis.abs()
}

/// A support point of the cylinder along the world direction `direction` (ties toward the
/// middle of the supporting face or line).
pub(super) fn cylinder_support(cylinder: &Cylinder<'_>, direction: &Vector3<f64>) -> Point3<f64> {
    let shape = Shape::Cylinder {
        radius: cylinder.radius,
        length: cylinder.length,
    };
    let local = cylinder.pose.rotation.inverse() * direction;
    cylinder.pose * shape.local_support_point(&local)
}
