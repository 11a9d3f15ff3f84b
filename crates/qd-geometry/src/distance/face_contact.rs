//! The penetration along a face normal when one core's deepest point lies inside a face of
//! the other: closed form, no GJK.
//!
//! For overlapping cores the depth along a unit n is `g(n) = h_A(n) + h_B(−n)`. Let n be the
//! outward normal of a flat face F of A, p a point of B where B reaches deepest along −n, and
//! q = p + g(n) n its projection onto F's plane. If q lies inside F with a clearance c > 0 from
//! F's rim, then for a direction n' at angle θ from n
//! `g(n') ≥ max_{q' ∈ F} n'·(q' − p) ≥ g(n) cos θ + c sin θ > g(n)` while θ < 2c / g(n):
//! n is a strict local minimum of g, with witnesses q on A and p on B. This is the fixed point
//! the polish of [`super::penetration`] would reach from n after one GJK query (the separated
//! pair's closest points are p and q), found here from one support point and an inside test.
//! It covers the common vertex–face and face–face contacts (a box resting on another, a
//! cylinder's rim sunk into a face, a cap on a hull's face). The same holds with the roles
//! of A and B exchanged (a face of B with outward normal −n).

use super::SignedDistance;
use super::core_shape::PosedCore;
use crate::shape::Shape;
use nalgebra::{Unit, Vector3};

/// `|n · face normal|` at least this: n is that face's normal (candidates are built from the
/// same rotation columns and hull normals, so they match to round-off).
const SAME_DIRECTION: f64 = 1.0 - 1e-12;

/// Required clearance of the projected point from the face's rim, relative to the core's
/// bounding radius: the certificate needs c > 0, and a point on the rim is an edge contact,
/// which the polish handles.
const RIM_CLEARANCE: f64 = 1e-9;

/// The exact penetration along `n` (unit, from A towards B) if it is certified by a face of
/// either core; `None` otherwise (the caller polishes n instead).
pub(super) fn face_contact(
    a: &PosedCore<'_>,
    b: &PosedCore<'_>,
    n: &Vector3<f64>,
) -> Option<SignedDistance> {
    if let Some((q, p, depth)) = point_in_face(a, b, n) {
        // A's face holds q, B's deepest point is p.
        return Some(SignedDistance {
            distance: -depth,
            normal: Unit::new_unchecked(*n),
            witness_a: q.into(),
            witness_b: p.into(),
        });
    }
    let (q, p, depth) = point_in_face(b, a, &-n)?;
    Some(SignedDistance {
        distance: -depth,
        normal: Unit::new_unchecked(*n),
        witness_a: p.into(),
        witness_b: q.into(),
    })
}

/// With `n` the outward normal of a flat face of `face`: the deepest point p of `other` along
/// −n, its projection q onto the face, and the depth g(n), if q is inside the face.
fn point_in_face(
    face: &PosedCore<'_>,
    other: &PosedCore<'_>,
    n: &Vector3<f64>,
) -> Option<(Vector3<f64>, Vector3<f64>, f64)> {
    let local_n = face.to_local(n);
    let offset = face_offset(face.shape, &local_n)?;
    let p = support_point(other, &-n)?;
    let depth = n.dot(&face.pose.translation.vector) + offset - n.dot(&p);
    // Overlapping cores have a positive depth along every direction (NaN fails too).
    if depth.is_nan() || depth <= 0.0 {
        return None;
    }
    let q = p + n * depth;
    let local_q = face.to_local(&(q - face.pose.translation.vector));
    let clearance = RIM_CLEARANCE * face.shape.bounding_radius();
    inside_face(face.shape, &local_n, &local_q, clearance).then_some((q, p, depth))
}

/// If the local direction `n` is the outward normal of a flat face of `shape`, the offset of
/// that face's plane from the local origin along n (m). Taken from the shape's dimensions
/// rather than from its support function, whose cylinder term `r √(1 − (n·axis)²)` carries
/// ~r · 1e-8 of round-off along the axis.
fn face_offset(shape: &Shape, n: &Vector3<f64>) -> Option<f64> {
    match shape {
        Shape::Cuboid { half_extents } => {
            let axis = n.iamax();
            (n[axis].abs() >= SAME_DIRECTION).then(|| half_extents[axis])
        }
        Shape::Cylinder { length, .. } => (n.z.abs() >= SAME_DIRECTION).then(|| 0.5 * length),
        Shape::ConvexPolyhedron(hull) => hull
            .face_normals()
            .iter()
            .zip(hull.face_offsets())
            .find(|(f, _)| f.dot(n) >= SAME_DIRECTION)
            .map(|(_, offset)| *offset),
        _ => None,
    }
}

/// Whether the local point `q`, on the plane of the face with local outward normal `n`, lies
/// inside that face at least `clearance` from its rim.
fn inside_face(shape: &Shape, n: &Vector3<f64>, q: &Vector3<f64>, clearance: f64) -> bool {
    match shape {
        Shape::Cuboid { half_extents } => (0..3)
            .filter(|&j| n[j].abs() < 0.5)
            .all(|j| q[j].abs() < half_extents[j] - clearance),
        Shape::Cylinder { radius, .. } => q.x.hypot(q.y) < radius - clearance,
        Shape::ConvexPolyhedron(hull) => hull
            .face_normals()
            .iter()
            .zip(hull.face_offsets())
            .filter(|(f, _)| f.dot(n) < SAME_DIRECTION)
            .all(|(f, offset)| f.dot(q) < offset - clearance),
        _ => false,
    }
}

/// A point of the core where it reaches furthest along `dir` (world, m); `None` for a
/// half-space. Where the support set is a face or an edge, any of its points will do (the
/// certificate above holds for every one of them).
fn support_point(core: &PosedCore<'_>, dir: &Vector3<f64>) -> Option<Vector3<f64>> {
    let centre = core.pose.translation.vector;
    let local = core.to_local(dir);
    let sign = |x: f64| if x >= 0.0 { 1.0 } else { -1.0 };
    let offset = match core.shape {
        Shape::Sphere { radius } => {
            let norm = local.norm();
            if norm == 0.0 {
                return None;
            }
            local * (radius / norm)
        }
        Shape::Capsule { length, .. } => Vector3::new(0.0, 0.0, 0.5 * length * sign(local.z)),
        Shape::Cuboid { half_extents } => Vector3::new(
            half_extents.x * sign(local.x),
            half_extents.y * sign(local.y),
            half_extents.z * sign(local.z),
        ),
        Shape::Cylinder { radius, length } => {
            let radial = local.x.hypot(local.y);
            let rim = if radial > 0.0 {
                Vector3::new(local.x, local.y, 0.0) * (radius / radial)
            } else {
                Vector3::zeros()
            };
            rim + Vector3::new(0.0, 0.0, 0.5 * length * sign(local.z))
        }
        Shape::ConvexPolyhedron(hull) => hull
            .vertices()
            .iter()
            .map(|v| v.coords)
            .max_by(|x, y| x.dot(&local).total_cmp(&y.dot(&local)))?,
        Shape::HalfSpace => return None,
    };
    Some(centre + core.pose.rotation * offset)
}
