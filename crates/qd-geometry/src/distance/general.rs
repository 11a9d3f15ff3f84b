//! The general convex path, for pairs without a closed form.
//!
//! - Pairs of support-mapped cores (capsule segments, boxes, cylinders, hulls): pure GJK gives
//!   the exact distance when apart; when they overlap, [`super::penetration`] finds the exact
//!   minimum translation (separating-axis candidates, polished with GJK).
//! - Pairs with a ball or a half-space: parry's `contact()`, whose routines for those are exact
//!   (point projection, deepest point).

use super::SignedDistance;
use super::core_shape::PosedCore;
use super::gjk::{GjkOutcome, gjk_cores_warm};
use super::penetration::exact_penetration;
use super::separated_refine::refine_separated;
use crate::error::GeometryError;
use crate::glam_convert::{from_glam_point, from_glam_vector};
use crate::parry_bridge::to_parry;
use crate::pose::{Pose, check_pose_finite};
use crate::shape::Shape;
use nalgebra::{Unit, Vector3};

/// Signed distance through the general convex path, for any pair but two half-spaces.
/// [`super::signed_distance`] uses it for the pairs without a closed form; it is public so the
/// closed forms can be checked against it.
pub fn signed_distance_general(
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
) -> Result<SignedDistance, GeometryError> {
    if matches!((a, b), (Shape::HalfSpace, Shape::HalfSpace)) {
        return Err(GeometryError::HalfSpacePair);
    }
    check_pose_finite(pose_a)?;
    check_pose_finite(pose_b)?;
    // parry 0.31's `contact(shape, halfspace)` passes the unchanged relative pose to its
    // halfspace-first routine (which needs the inverse) and so answers wrongly whenever the
    // poses differ: always call it with the half-space first.
    if matches!(b, Shape::HalfSpace) {
        return signed_distance_general(b, pose_b, a, pose_a).map(|d| d.swapped());
    }
    let has_dedicated_routine = |s: &Shape| matches!(s, Shape::Sphere { .. } | Shape::HalfSpace);
    let result = if has_dedicated_routine(a) || has_dedicated_routine(b) {
        parry_contact(a, pose_a, b, pose_b)?
    } else {
        support_map_distance(a, pose_a, b, pose_b)?
    };
    match result {
        Some(found) if found.is_finite() => Ok(found),
        _ => Err(GeometryError::SolverFailed(
            a.kind(),
            b.kind(),
            "no finite answer",
        )),
    }
}

/// GJK when apart, exact penetration when overlapping, on the cores; inflated back.
fn support_map_distance(
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
) -> Result<Option<SignedDistance>, GeometryError> {
    let core_a = PosedCore::new(a, pose_a);
    let core_b = PosedCore::new(b, pose_b);
    // The overlap test's simplex starts the penetration polish's first GJK query.
    let mut warm = None;
    let core = match gjk_cores_warm(&core_a, &core_b, &mut warm) {
        GjkOutcome::Separated(found) => Some(refine_separated(a, pose_a, b, pose_b, found)),
        GjkOutcome::Overlapping => {
            // The separating-axis candidates choose the start (for cylinders through an
            // inscribed prism); the centres' direction is one more candidate, and EPA's normal
            // the start of last resort.
            let start = (pose_b.translation.vector - pose_a.translation.vector)
                .try_normalize(1e-12)
                .unwrap_or_else(Vector3::z);
            let rough_start = || {
                parry_core_contact(a, pose_a, b, pose_b)
                    .ok()
                    .flatten()
                    .map(|d| d.normal.into_inner())
            };
            exact_penetration(&core_a, &core_b, &start, rough_start, &mut warm)
        }
        GjkOutcome::Failed => {
            return Err(GeometryError::SolverFailed(
                a.kind(),
                b.kind(),
                "GJK failed",
            ));
        }
    };
    Ok(core.map(|core| inflate(a, b, core)))
}

/// parry's `contact()` on the cores, inflated back; `None` when parry reports nothing.
fn parry_contact(
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
) -> Result<Option<SignedDistance>, GeometryError> {
    Ok(parry_core_contact(a, pose_a, b, pose_b)?.map(|core| inflate(a, b, core)))
}

/// The shapes' signed distance from their cores' (capsules are segments inflated by radius).
fn inflate(a: &Shape, b: &Shape, core: SignedDistance) -> SignedDistance {
    let inflate_a = core_inflation(a);
    let inflate_b = core_inflation(b);
    let unit = core.normal.into_inner();
    SignedDistance {
        distance: core.distance - inflate_a - inflate_b,
        normal: core.normal,
        witness_a: core.witness_a + unit * inflate_a,
        witness_b: core.witness_b - unit * inflate_b,
    }
}

/// How much the shape is inflated around the core parry sees.
fn core_inflation(shape: &Shape) -> f64 {
    match shape {
        Shape::Capsule { radius, .. } => *radius,
        _ => 0.0,
    }
}

/// parry's `contact()` on the cores, in our types; `None` when parry reports nothing finite.
fn parry_core_contact(
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
) -> Result<Option<SignedDistance>, GeometryError> {
    let (shape_a, parry_pose_a, _) = to_parry(a, pose_a);
    let (shape_b, parry_pose_b, _) = to_parry(b, pose_b);
    // `contact()` only reports pairs closer than `prediction`; an upper bound on the distance
    // makes it report every pair. Half-spaces have no finite bound but their routine ignores
    // the value except for the cut-off.
    let prediction = (pose_a.translation.vector - pose_b.translation.vector).norm()
        + a.bounding_radius().min(1e12)
        + b.bounding_radius().min(1e12)
        + 1.0;
    let contact = parry3d_f64::query::contact(
        &parry_pose_a,
        shape_a.as_dyn(),
        &parry_pose_b,
        shape_b.as_dyn(),
        prediction,
    )
    .map_err(|_| GeometryError::UnsupportedPair(a.kind(), b.kind()))?;
    let Some(contact) = contact else {
        return Ok(None);
    };
    let Some(normal) = Unit::try_new(from_glam_vector(&contact.normal1), 0.5) else {
        return Ok(None);
    };
    let result = SignedDistance {
        distance: contact.dist,
        normal,
        witness_a: from_glam_point(&contact.point1),
        witness_b: from_glam_point(&contact.point2),
    };
    Ok(result.is_finite().then_some(result))
}
