//! The general convex path: parry's `contact()` (GJK when apart, EPA or SAT when penetrating).

use super::{SignedDistance, penetration};
use crate::error::GeometryError;
use crate::parry_bridge::{from_glam_point, from_glam_vector, to_parry};
use crate::pose::{Pose, check_pose_finite};
use crate::shape::Shape;
use nalgebra::Unit;

/// Signed distance through parry's general convex-pair solver, for any pair but two
/// half-spaces. [`super::signed_distance`] uses it for the pairs without a closed form; it is
/// public so the closed forms can be checked against it.
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
    match parry_contact(a, pose_a, b, pose_b)? {
        Some(result) => Ok(result),
        // EPA occasionally fails on degenerate simplices; the other argument order builds a
        // different simplex and usually succeeds.
        None => match parry_contact(b, pose_b, a, pose_a)? {
            Some(result) => Ok(result.swapped()),
            None => Err(GeometryError::SolverFailed(
                a.kind(),
                b.kind(),
                "GJK/EPA found no contact",
            )),
        },
    }
}

/// One call of parry's `contact()` on the cores (capsules as segments), made exact when the
/// cores overlap, then inflated back to the shapes; `None` when parry reports nothing.
fn parry_contact(
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
) -> Result<Option<SignedDistance>, GeometryError> {
    let exact_path = penetration::applies_to(a) && penetration::applies_to(b);
    let separated = |moved_b: &Pose| parry_core_contact(a, pose_a, b, moved_b).ok().flatten();
    // Polytope pairs: the separating-axis test decides overlap exactly and gives the start
    // direction, so parry's EPA is never needed for them.
    if penetration::is_polytope_core(a) && penetration::is_polytope_core(b) {
        if let Some(n) = penetration::sat_overlap(a, pose_a, b, pose_b) {
            let core = penetration::exact_penetration(a, pose_a, b, pose_b, &n, separated);
            return Ok(core
                .map(|core| inflate(a, b, core))
                .filter(SignedDistance::is_finite));
        }
    }
    let core = match parry_core_contact(a, pose_a, b, pose_b)? {
        Some(core) if core.distance < 0.0 && exact_path => {
            penetration::exact_penetration(a, pose_a, b, pose_b, &core.normal, separated)
        }
        Some(core) => Some(core),
        // parry reports nothing for overlapping shapes when EPA fails; the exact path only
        // needs a starting direction.
        None if exact_path => {
            let guess = pose_b.translation.vector - pose_a.translation.vector;
            let guess = guess
                .try_normalize(1e-12)
                .unwrap_or_else(nalgebra::Vector3::z);
            penetration::exact_penetration(a, pose_a, b, pose_b, &guess, separated)
        }
        None => None,
    };
    Ok(core
        .map(|core| inflate(a, b, core))
        .filter(SignedDistance::is_finite))
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
    let normal = from_glam_vector(&contact.normal1);
    if !(normal.norm() > 0.5) {
        return Ok(None);
    }
    let result = SignedDistance {
        distance: contact.dist,
        normal: Unit::new_normalize(normal),
        witness_a: from_glam_point(&contact.point1),
        witness_b: from_glam_point(&contact.point2),
    };
    Ok(result.is_finite().then_some(result))
}
