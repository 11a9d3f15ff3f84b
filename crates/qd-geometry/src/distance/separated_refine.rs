//! Which separated pairs are refined past GJK, and by what.
//!
//! GJK is exact on polytope cores (it ends on a simplex of the true closest features) but
//! converges only linearly on a cylinder's curved support; the pairs with a cylinder are sent
//! to the certified closest-feature solves of [`super::curved_refine`] and
//! [`super::cylinder_pair`]. The penetration polish ([`super::penetration`]) uses the same
//! refinement for its separated queries, so its fixed point is exact too.

use super::SignedDistance;
use super::curved_refine::{Cylinder, cylinder_box, cylinder_hull, cylinder_segment};
use super::cylinder_pair::cylinder_cylinder;
use super::inflated_core::capsule_segment;
use crate::pose::Pose;
use crate::shape::Shape;

/// GJK's answer for separated cores (capsules as their segments), refined to round-off where
/// the pair has a curved support: a cylinder with a capsule, a box, a hull or a cylinder
/// ([`super::curved_refine`], [`super::cylinder_pair`]). Other pairs, and any pair whose
/// refinement does not certify, keep `found`.
pub(super) fn refine_separated(
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
    found: SignedDistance,
) -> SignedDistance {
    let refined = match (a, b) {
        (Shape::Cylinder { radius, length }, Shape::Capsule { length: core, .. }) => {
            let (p0, p1) = capsule_segment(pose_b, *core);
            cylinder_segment(pose_a, (*radius, *length), (&p0, &p1), &found)
        }
        (Shape::Capsule { length: core, .. }, Shape::Cylinder { radius, length }) => {
            let (p0, p1) = capsule_segment(pose_a, *core);
            cylinder_segment(pose_b, (*radius, *length), (&p0, &p1), &found.swapped())
                .map(|d| d.swapped())
        }
        (Shape::Cylinder { radius, length }, Shape::Cuboid { half_extents }) => {
            let cylinder = Cylinder {
                pose: pose_a,
                radius: *radius,
                length: *length,
            };
            cylinder_box(&cylinder, (pose_b, half_extents), &found)
        }
        (Shape::Cuboid { half_extents }, Shape::Cylinder { radius, length }) => {
            let cylinder = Cylinder {
                pose: pose_b,
                radius: *radius,
                length: *length,
            };
            cylinder_box(&cylinder, (pose_a, half_extents), &found.swapped()).map(|d| d.swapped())
        }
        (Shape::Cylinder { radius, length }, Shape::ConvexPolyhedron(hull)) => {
            let cylinder = Cylinder {
                pose: pose_a,
                radius: *radius,
                length: *length,
            };
            cylinder_hull(&cylinder, (pose_b, hull), &found)
        }
        (Shape::ConvexPolyhedron(hull), Shape::Cylinder { radius, length }) => {
            let cylinder = Cylinder {
                pose: pose_b,
                radius: *radius,
                length: *length,
            };
            cylinder_hull(&cylinder, (pose_a, hull), &found.swapped()).map(|d| d.swapped())
        }
        (
            Shape::Cylinder { radius, length },
            Shape::Cylinder {
                radius: radius_b,
                length: length_b,
            },
        ) => {
            let a = Cylinder {
                pose: pose_a,
                radius: *radius,
                length: *length,
            };
            let b = Cylinder {
                pose: pose_b,
                radius: *radius_b,
                length: *length_b,
            };
            cylinder_cylinder(&a, &b, &found)
        }
        _ => None,
    };
    refined.unwrap_or(found)
}
