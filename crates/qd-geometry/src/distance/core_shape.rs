//! A shape's **core** placed in the world, prepared for repeated support queries.
//!
//! The general path works on cores: a capsule is its segment (inflated by the radius at the
//! end), every other shape is itself. Support values are what the separating-axis scoring
//! needs thousands of times per query, so the rotation is kept as a matrix.

use crate::parry_bridge::{ParryShapeRef, to_parry};
use crate::pose::Pose;
use crate::shape::Shape;
use nalgebra::{Matrix3, Vector3};
use parry3d_f64::math::Pose as GlamPose;

/// A shape's core at a pose.
pub(super) struct PosedCore<'a> {
    pub shape: &'a Shape,
    pub pose: Pose,
    rotation: Matrix3<f64>,
    /// parry's view of the core and the pose parry uses for it.
    pub parry_shape: ParryShapeRef<'a>,
    pub parry_pose: GlamPose,
}

impl<'a> PosedCore<'a> {
    pub fn new(shape: &'a Shape, pose: &Pose) -> Self {
        let (parry_shape, parry_pose, _) = to_parry(shape, pose);
        PosedCore {
            shape,
            pose: *pose,
            rotation: pose.rotation.to_rotation_matrix().into_inner(),
            parry_shape,
            parry_pose,
        }
    }

    /// The same core translated by `offset` (world, m).
    pub fn translated(&self, offset: &Vector3<f64>) -> Self {
        let mut pose = self.pose;
        pose.translation.vector += offset;
        PosedCore::new(self.shape, &pose)
    }

    /// Support value `max over the core of dir · x` for a world direction `dir` (m when dir is
    /// unit).
    pub fn support_value(&self, dir: &Vector3<f64>) -> f64 {
        let d = self.rotation.tr_mul(dir);
        let local = match self.shape {
            Shape::Capsule { length, .. } => 0.5 * length * d.z.abs(),
            Shape::Cuboid { half_extents } => half_extents.dot(&d.abs()),
            Shape::Cylinder { radius, length } => {
                radius * (d.x * d.x + d.y * d.y).sqrt() + 0.5 * length * d.z.abs()
            }
            Shape::ConvexPolyhedron(hull) => hull
                .vertices()
                .iter()
                .map(|v| v.coords.dot(&d))
                .fold(f64::NEG_INFINITY, f64::max),
            Shape::Sphere { radius } => radius * d.norm(),
            Shape::HalfSpace => f64::INFINITY,
        };
        local + dir.dot(&self.pose.translation.vector)
    }

    /// The interval `[min, max]` of `dir · x` over the core: both support values of a
    /// separating-axis candidate in one pass.
    pub fn projection_interval(&self, dir: &Vector3<f64>) -> (f64, f64) {
        let d = self.rotation.tr_mul(dir);
        let centre = dir.dot(&self.pose.translation.vector);
        match self.shape {
            Shape::ConvexPolyhedron(hull) => {
                let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
                for v in hull.vertices() {
                    let p = v.coords.dot(&d);
                    lo = lo.min(p);
                    hi = hi.max(p);
                }
                (lo + centre, hi + centre)
            }
            _ => {
                // Every other core is symmetric about its origin.
                let half = self.support_value(dir) - centre;
                (centre - half, centre + half)
            }
        }
    }

    /// Calls `f` with each world-frame face normal of the core (flat faces only).
    pub fn for_each_face_normal(&self, mut f: impl FnMut(Vector3<f64>)) {
        match self.shape {
            Shape::Cuboid { .. } => (0..3).for_each(|i| f(self.rotation.column(i).into_owned())),
            Shape::Cylinder { .. } => f(self.rotation.column(2).into_owned()),
            Shape::ConvexPolyhedron(hull) => hull
                .face_normals()
                .iter()
                .for_each(|n| f(self.rotation * n)),
            _ => {}
        }
    }

    /// Calls `f` with each world-frame edge direction of the core (straight edges only, the
    /// side lines of a cylinder included).
    pub fn for_each_edge(&self, mut f: impl FnMut(Vector3<f64>)) {
        match self.shape {
            Shape::Cuboid { .. } => (0..3).for_each(|i| f(self.rotation.column(i).into_owned())),
            Shape::Capsule { .. } | Shape::Cylinder { .. } => {
                f(self.rotation.column(2).into_owned())
            }
            Shape::ConvexPolyhedron(hull) => hull
                .edge_directions()
                .iter()
                .for_each(|e| f(self.rotation * e)),
            _ => {}
        }
    }

    /// Whether the separating-axis candidates of this core are complete (a polytope: box,
    /// hull, capsule segment).
    pub fn is_polytope(&self) -> bool {
        matches!(
            self.shape,
            Shape::Capsule { .. } | Shape::Cuboid { .. } | Shape::ConvexPolyhedron(_)
        )
    }
}
