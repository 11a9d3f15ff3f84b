//! Any bounded convex shape against a half-space.
//!
//! The penetration depth of a convex body in a half-space is the depth of its deepest point,
//! and its distance when apart is the height of its lowest point, so both are given by the
//! support point in the direction of the inward normal.

use super::SignedDistance;
use crate::pose::{Pose, local_z_axis};
use crate::shape::Shape;
use nalgebra::Unit;

/// Half-space (A, solid `z ≤ 0` of `halfspace_pose`) to a bounded shape (B).
pub(super) fn halfspace_to_shape(
    halfspace_pose: &Pose,
    shape: &Shape,
    shape_pose: &Pose,
) -> SignedDistance {
    let normal = Unit::new_unchecked(local_z_axis(halfspace_pose));
    let plane_origin = halfspace_pose.translation.vector;
    let local_dir = shape_pose
        .rotation
        .inverse_transform_vector(&(-normal.into_inner()));
    let lowest = shape_pose * shape.local_support_point(&local_dir);
    let height = normal.dot(&(lowest.coords - plane_origin));
    SignedDistance {
        distance: height,
        normal: Unit::new_unchecked(normal.into_inner()),
        witness_a: lowest - normal.into_inner() * height,
        witness_b: lowest,
    }
}
