//! Signed distance between two posed convex shapes (docs/architecture.md, "Conventions").
//!
//! [`signed_distance`] dispatches each pair to a hand-written closed form where one exists
//! (spheres, capsules, sphere–box, sphere–cylinder, anything against a half-space) and to
//! parry's GJK/EPA ([`signed_distance_general`]) for the remaining convex pairs; separated
//! cylinder–capsule and cylinder–box answers are then refined to round-off (`curved_refine`).

mod closest_points;
pub(crate) use closest_points::{any_perpendicular, perpendicular_axis};
mod core_shape;
mod curved_refine;
mod cylinder_pair;
mod face_contact;
mod general;
mod gjk;
mod halfspace;
mod inflated_core;
mod penetration;
mod point_to_solid;
mod rate;
mod separated_refine;

pub use general::signed_distance_general;
pub use rate::{DistanceRates, PairRate, RATE_DIFFERENCE_STEP, Twist};

use crate::error::GeometryError;
use crate::pose::{Pose, check_pose_finite};
use crate::shape::Shape;
use nalgebra::{Point3, Unit, Vector3};

/// The answer to "how far apart are A and B, in which direction, and where".
///
/// Sign convention (docs/architecture.md, "Conventions"): `distance` φ is positive when the shapes are apart and negative
/// when they penetrate (its magnitude is then the penetration depth, the shortest translation
/// of B that separates them). `normal` is a world-frame unit vector pointing **from A toward
/// B**; `witness_a` and `witness_b` lie on the surfaces of A and B, and in every case
/// `witness_b − witness_a = distance · normal`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignedDistance {
    /// Signed distance φ (m).
    pub distance: f64,
    /// Unit contact normal from A toward B, world frame.
    pub normal: Unit<Vector3<f64>>,
    /// Witness point on A's surface, world frame (m).
    pub witness_a: Point3<f64>,
    /// Witness point on B's surface, world frame (m).
    pub witness_b: Point3<f64>,
}

impl SignedDistance {
    /// The same answer with the roles of A and B exchanged: normal negated, witnesses swapped.
    pub fn swapped(&self) -> Self {
        SignedDistance {
            distance: self.distance,
            normal: -self.normal,
            witness_a: self.witness_b,
            witness_b: self.witness_a,
        }
    }

    pub(crate) fn is_finite(&self) -> bool {
        self.distance.is_finite()
            && self.normal.iter().all(|v| v.is_finite())
            && self.witness_a.iter().all(|v| v.is_finite())
            && self.witness_b.iter().all(|v| v.is_finite())
    }
}

/// Which routine answered a query: a closed form of ours or parry's GJK/EPA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistanceMethod {
    /// One of the hand-written closed forms.
    Analytic,
    /// parry's general convex path (GJK for separated shapes, EPA or SAT for penetrating ones).
    General,
}

/// The routine [`signed_distance`] uses for a pair of shape kinds.
pub fn distance_method(a: &Shape, b: &Shape) -> DistanceMethod {
    use Shape::*;
    match (a, b) {
        (HalfSpace, _) | (_, HalfSpace) => DistanceMethod::Analytic,
        (Sphere { .. } | Capsule { .. }, Sphere { .. } | Capsule { .. }) => {
            DistanceMethod::Analytic
        }
        (Sphere { .. }, Cuboid { .. } | Cylinder { .. })
        | (Cuboid { .. } | Cylinder { .. }, Sphere { .. }) => DistanceMethod::Analytic,
        _ => DistanceMethod::General,
    }
}

/// Signed distance φ, normal (A → B) and witness points of shape `a` at `pose_a` and shape `b`
/// at `pose_b` (poses are `world_from_shape`). See [`SignedDistance`] for the conventions.
///
/// # Errors
/// [`GeometryError::HalfSpacePair`] for two half-spaces, [`GeometryError::InvalidPose`] for a
/// non-finite pose, [`GeometryError::SolverFailed`] if the general solver returns nothing finite.
///
/// # Example
/// ```
/// use qd_geometry::{Shape, signed_distance};
/// use nalgebra::Isometry3;
///
/// let ball = Shape::sphere(0.1)?;
/// let ground = Shape::half_space();
/// let above = Isometry3::translation(0.0, 0.0, 0.25);
/// let d = signed_distance(&ground, &Isometry3::identity(), &ball, &above)?;
/// assert!((d.distance - 0.15).abs() < 1e-12);
/// assert!((d.normal.z - 1.0).abs() < 1e-12); // from the ground up toward the ball
/// # Ok::<(), qd_geometry::GeometryError>(())
/// ```
pub fn signed_distance(
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
) -> Result<SignedDistance, GeometryError> {
    use Shape::*;
    check_pose_finite(pose_a)?;
    check_pose_finite(pose_b)?;
    let result = match (a, b) {
        (HalfSpace, HalfSpace) => return Err(GeometryError::HalfSpacePair),
        (HalfSpace, other) => halfspace::halfspace_to_shape(pose_a, other, pose_b),
        (other, HalfSpace) => halfspace::halfspace_to_shape(pose_b, other, pose_a).swapped(),
        (Sphere { radius: ra }, Sphere { radius: rb }) => inflated_core::point_point(
            &pose_a.translation.vector.into(),
            *ra,
            &pose_b.translation.vector.into(),
            *rb,
        ),
        (Sphere { radius }, Capsule { radius: rc, length }) => inflated_core::point_segment(
            &pose_a.translation.vector.into(),
            *radius,
            pose_b,
            *rc,
            *length,
        ),
        (Capsule { radius: rc, length }, Sphere { radius }) => inflated_core::point_segment(
            &pose_b.translation.vector.into(),
            *radius,
            pose_a,
            *rc,
            *length,
        )
        .swapped(),
        (
            Capsule {
                radius: ra,
                length: la,
            },
            Capsule {
                radius: rb,
                length: lb,
            },
        ) => inflated_core::segment_segment(pose_a, *ra, *la, pose_b, *rb, *lb),
        (Sphere { radius }, Cuboid { half_extents }) => point_to_solid::sphere_box(
            &pose_a.translation.vector.into(),
            *radius,
            pose_b,
            half_extents,
        )
        .swapped(),
        (Cuboid { half_extents }, Sphere { radius }) => point_to_solid::sphere_box(
            &pose_b.translation.vector.into(),
            *radius,
            pose_a,
            half_extents,
        ),
        (Sphere { radius }, Cylinder { radius: rc, length }) => point_to_solid::sphere_cylinder(
            &pose_a.translation.vector.into(),
            *radius,
            pose_b,
            *rc,
            *length,
        )
        .swapped(),
        (Cylinder { radius: rc, length }, Sphere { radius }) => point_to_solid::sphere_cylinder(
            &pose_b.translation.vector.into(),
            *radius,
            pose_a,
            *rc,
            *length,
        ),
        _ => return signed_distance_general(a, pose_a, b, pose_b),
    };
    if result.is_finite() {
        Ok(result)
    } else {
        Err(GeometryError::SolverFailed(
            a.kind(),
            b.kind(),
            "non-finite result",
        ))
    }
}
