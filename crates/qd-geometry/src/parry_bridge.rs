//! Our shapes as parry's (with the conversions of `glam_convert`). Kept in one place so the
//! rest of the crate never sees parry's shape types.

use crate::glam_convert::to_glam_pose;
use crate::pose::Pose;
use crate::shape::Shape;
use nalgebra::{UnitQuaternion, Vector3};
use parry3d_f64::math::{Pose as GlamPose, Vector as GlamVector};
use parry3d_f64::shape::{Ball, Cuboid, Cylinder, HalfSpace, Segment, Shape as ParryShape};

/// A parry shape built on the stack from one of ours (polyhedra are borrowed).
pub(crate) enum ParryShapeRef<'a> {
    Ball(Ball),
    Segment(Segment),
    Cuboid(Cuboid),
    Cylinder(Cylinder),
    HalfSpace(HalfSpace),
    Polyhedron(&'a parry3d_f64::shape::ConvexPolyhedron),
}

impl ParryShapeRef<'_> {
    pub(crate) fn as_dyn(&self) -> &dyn ParryShape {
        match self {
            ParryShapeRef::Ball(s) => s,
            ParryShapeRef::Segment(s) => s,
            ParryShapeRef::Cuboid(s) => s,
            ParryShapeRef::Cylinder(s) => s,
            ParryShapeRef::HalfSpace(s) => s,
            ParryShapeRef::Polyhedron(s) => *s,
        }
    }
}

/// Our shape as a parry shape plus the pose parry should use, and the radius by which parry's
/// shape must be inflated to give ours.
///
/// - A capsule is handed over as its **core segment** (inflation = its radius): EPA on a
///   swept, curved support map is only accurate to about 1e-5 m, while on the segment it is
///   exact, and inflating a convex core shifts φ by exactly the radius.
/// - Parry's cylinder lies along its local y axis, ours along z, so the cylinder's pose is
///   composed with a rotation taking y to z.
pub(crate) fn to_parry<'a>(shape: &'a Shape, pose: &Pose) -> (ParryShapeRef<'a>, GlamPose, f64) {
    match shape {
        Shape::Sphere { radius } => (
            ParryShapeRef::Ball(Ball::new(*radius)),
            to_glam_pose(pose),
            0.0,
        ),
        Shape::Capsule { radius, length } => (
            ParryShapeRef::Segment(Segment::new(
                GlamVector::new(0.0, 0.0, -0.5 * length),
                GlamVector::new(0.0, 0.0, 0.5 * length),
            )),
            to_glam_pose(pose),
            *radius,
        ),
        Shape::Cuboid { half_extents } => (
            ParryShapeRef::Cuboid(Cuboid::new(GlamVector::new(
                half_extents.x,
                half_extents.y,
                half_extents.z,
            ))),
            to_glam_pose(pose),
            0.0,
        ),
        Shape::Cylinder { radius, length } => {
            let y_to_z =
                UnitQuaternion::from_axis_angle(&Vector3::x_axis(), std::f64::consts::FRAC_PI_2);
            let parry_pose =
                pose * nalgebra::Isometry3::from_parts(nalgebra::Translation3::identity(), y_to_z);
            (
                ParryShapeRef::Cylinder(Cylinder::new(0.5 * length, *radius)),
                to_glam_pose(&parry_pose),
                0.0,
            )
        }
        Shape::HalfSpace => (
            ParryShapeRef::HalfSpace(HalfSpace::new(GlamVector::Z)),
            to_glam_pose(pose),
            0.0,
        ),
        Shape::ConvexPolyhedron(hull) => (
            ParryShapeRef::Polyhedron(hull.polyhedron()),
            to_glam_pose(pose),
            0.0,
        ),
    }
}
