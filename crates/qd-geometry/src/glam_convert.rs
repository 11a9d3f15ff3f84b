//! Conversions between our nalgebra types and parry 0.31's glam types, kept in one place so
//! the rest of the crate never sees glam.

use crate::pose::Pose;
use nalgebra::{Point3, Vector3};
use parry3d_f64::math::{Pose as GlamPose, Rotation as GlamRotation, Vector as GlamVector};

pub(crate) fn to_glam_point(p: &Point3<f64>) -> GlamVector {
    GlamVector::new(p.x, p.y, p.z)
}

pub(crate) fn from_glam_point(p: &GlamVector) -> Point3<f64> {
    Point3::new(p.x, p.y, p.z)
}

pub(crate) fn from_glam_vector(v: &GlamVector) -> Vector3<f64> {
    Vector3::new(v.x, v.y, v.z)
}

pub(crate) fn to_glam_pose(pose: &Pose) -> GlamPose {
    let q = pose.rotation.quaternion();
    let t = &pose.translation.vector;
    GlamPose::from_parts(
        GlamVector::new(t.x, t.y, t.z),
        GlamRotation::from_xyzw(q.i, q.j, q.k, q.w),
    )
}
