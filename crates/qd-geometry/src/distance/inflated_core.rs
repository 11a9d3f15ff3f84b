//! Spheres and capsules as a core (a point or a segment) inflated by a radius.
//!
//! For two inflated convex cores at core distance `d` the signed distance is exactly
//! `d − r_a − r_b`, also when the cores touch or cross (the Minkowski difference is the core
//! difference inflated by `r_a + r_b`, and leaving it takes `r_a + r_b` when starting on a
//! flat core difference). The normal then is only defined up to the core geometry, and a
//! deterministic fallback direction is used.

use super::SignedDistance;
use super::closest_points::{any_perpendicular, between_segments, on_segment};
use crate::pose::{Pose, local_z_axis};
use nalgebra::{Point3, Unit, Vector3};

/// Below this core distance (m) the direction between the cores is numerically meaningless
/// and the fallback normal is used.
const CORE_CONTACT_EPS: f64 = 1e-12;

/// End points of a capsule's core segment in the world.
#[inline]
pub(super) fn capsule_segment(pose: &Pose, length: f64) -> (Point3<f64>, Point3<f64>) {
    let half = local_z_axis(pose) * (0.5 * length);
    let centre = Point3::from(pose.translation.vector);
    (centre - half, centre + half)
}

/// Result for closest core points `core_a`, `core_b` of shapes inflated by `ra`, `rb`.
#[inline]
fn from_cores(
    core_a: Point3<f64>,
    ra: f64,
    core_b: Point3<f64>,
    rb: f64,
    fallback_normal: impl FnOnce() -> Vector3<f64>,
) -> SignedDistance {
    let delta = core_b - core_a;
    let d = delta.norm();
    let normal = if d > CORE_CONTACT_EPS {
        delta * d.recip()
    } else {
        fallback_normal()
    };
    SignedDistance {
        distance: d - ra - rb,
        normal: Unit::new_unchecked(normal),
        witness_a: core_a + normal * ra,
        witness_b: core_b - normal * rb,
    }
}

/// Sphere (centre `ca`, radius `ra`) to sphere (centre `cb`, radius `rb`).
#[inline]
pub(super) fn point_point(ca: &Point3<f64>, ra: f64, cb: &Point3<f64>, rb: f64) -> SignedDistance {
    from_cores(*ca, ra, *cb, rb, Vector3::z)
}

/// Sphere (A: centre, radius) to capsule (B: pose, radius, core length).
#[inline]
pub(super) fn point_segment(
    centre: &Point3<f64>,
    radius: f64,
    capsule_pose: &Pose,
    capsule_radius: f64,
    length: f64,
) -> SignedDistance {
    let (p, q) = capsule_segment(capsule_pose, length);
    let on_core = on_segment(&p, &q, centre);
    from_cores(*centre, radius, on_core, capsule_radius, || {
        any_perpendicular(&(q - p))
    })
}

/// Capsule to capsule.
#[inline]
pub(super) fn segment_segment(
    pose_a: &Pose,
    ra: f64,
    la: f64,
    pose_b: &Pose,
    rb: f64,
    lb: f64,
) -> SignedDistance {
    let (pa, qa) = capsule_segment(pose_a, la);
    let (pb, qb) = capsule_segment(pose_b, lb);
    let (ca, cb) = between_segments(&pa, &qa, &pb, &qb);
    from_cores(ca, ra, cb, rb, || {
        // Crossing cores: leave along the normal of the plane both segments span.
        let (da, db) = (qa - pa, qb - pb);
        let cross = da.cross(&db);
        if cross.norm() > 1e-9 * da.norm() * db.norm() {
            cross.normalize()
        } else {
            any_perpendicular(&da)
        }
    })
}
