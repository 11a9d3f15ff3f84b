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

/// Distinct side directions of the prism that stands in for a cylinder among the
/// separating-axis candidates. The candidates only choose where the exact polish starts: with
/// a prism of 16 sides some candidate's clearance is within r (1 − cos(π/16)) ≈ 0.02 r of the
/// optimum's ([`PosedCore::prism_margin`]), the margin within which `exact_penetration` also
/// polishes the other candidates (checked against a search of the sphere of directions in
/// `tests/penetration_depth.rs`; an 8-sided prism gave wrong minima there).
pub(super) const CYLINDER_FACETS: usize = 8;

/// `(cos, sin)` of `π j / CYLINDER_FACETS` for j = 0 … 7, written out because these run in
/// the inner loop of the candidate search (`prism_angles_are_the_multiples_of_pi_over_8`
/// checks them).
const PRISM_ANGLES: [(f64, f64); CYLINDER_FACETS] = [
    (1.0, 0.0),
    (0.923_879_532_511_286_7, 0.382_683_432_365_089_8),
    (
        std::f64::consts::FRAC_1_SQRT_2,
        std::f64::consts::FRAC_1_SQRT_2,
    ),
    (0.382_683_432_365_089_8, 0.923_879_532_511_286_7),
    (0.0, 1.0),
    (-0.382_683_432_365_089_8, 0.923_879_532_511_286_7),
    (
        -std::f64::consts::FRAC_1_SQRT_2,
        std::f64::consts::FRAC_1_SQRT_2,
    ),
    (-0.923_879_532_511_286_7, 0.382_683_432_365_089_8),
];

/// A posed cylinder's data for the batched candidate search of two cylinders.
pub(super) struct CylinderEdges {
    /// World unit axis.
    pub axis: Vector3<f64>,
    /// Radius (m).
    pub radius: f64,
    /// Half the length (m).
    pub half_length: f64,
    /// Edge directions (world, unit): the axis, then the prism directions.
    pub directions: [Vector3<f64>; 1 + CYLINDER_FACETS],
}

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

    /// The world vector `v` in the core's local frame.
    pub fn to_local(&self, v: &Vector3<f64>) -> Vector3<f64> {
        self.rotation.transpose() * v
    }

    /// Support value `max over the core of dir · x` for a world direction `dir` (m when dir is
    /// unit).
    pub fn support_value(&self, dir: &Vector3<f64>) -> f64 {
        self.projection_interval(dir).1
    }

    /// The interval `[min, max]` of `dir · x` over the core: both support values of a
    /// separating-axis candidate in one pass.
    pub fn projection_interval(&self, dir: &Vector3<f64>) -> (f64, f64) {
        // This runs in the inner loop of the candidate search: the components of dir along
        // the core's axes are computed only where they are needed (a cylinder needs its axis
        // alone, not the full rotation into its frame).
        let dot = |x: &Vector3<f64>, y: &Vector3<f64>| x.x * y.x + x.y * y.y + x.z * y.z;
        let centre = dot(dir, &self.pose.translation.vector);
        let axis = |i: usize| {
            let c = self.rotation.column(i);
            Vector3::new(c[0], c[1], c[2])
        };
        let along = |i: usize| dot(&axis(i), dir);
        let half = match self.shape {
            Shape::ConvexPolyhedron(hull) => {
                let d = Vector3::new(along(0), along(1), along(2));
                let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
                for v in hull.vertices() {
                    let p = dot(&v.coords, &d);
                    lo = lo.min(p);
                    hi = hi.max(p);
                }
                return (lo + centre, hi + centre);
            }
            // Every other core is symmetric about its origin.
            Shape::Capsule { length, .. } => 0.5 * length * along(2).abs(),
            Shape::Cuboid { half_extents } => {
                half_extents.x * along(0).abs()
                    + half_extents.y * along(1).abs()
                    + half_extents.z * along(2).abs()
            }
            Shape::Cylinder { radius, length } => {
                // The radial part of dir has length √(|dir|² − (a·dir)²).
                let axial = along(2);
                let radial = (dot(dir, dir) - axial * axial).max(0.0).sqrt();
                radius * radial + 0.5 * length * axial.abs()
            }
            Shape::Sphere { radius } => radius * dir.norm(),
            Shape::HalfSpace => f64::INFINITY,
        };
        (centre - half, centre + half)
    }

    /// Calls `f` with each world-frame face normal of the core: the flat faces, and for a
    /// cylinder also the side facets of an inscribed prism (see [`CYLINDER_FACETS`]).
    pub fn for_each_face_normal(&self, mut f: impl FnMut(Vector3<f64>)) {
        match self.shape {
            Shape::Cuboid { .. } => (0..3).for_each(|i| f(self.rotation.column(i).into_owned())),
            Shape::Cylinder { .. } => {
                f(self.rotation.column(2).into_owned());
                self.for_each_prism_direction(f);
            }
            Shape::ConvexPolyhedron(hull) => hull
                .face_normals()
                .iter()
                .for_each(|n| f(self.rotation * n)),
            _ => {}
        }
    }

    /// Calls `f` with each world-frame edge direction of the core (straight edges; for a
    /// cylinder its side lines and the cap edges of an inscribed prism).
    pub fn for_each_edge(&self, mut f: impl FnMut(Vector3<f64>)) {
        match self.shape {
            Shape::Cuboid { .. } => (0..3).for_each(|i| f(self.rotation.column(i).into_owned())),
            Shape::Capsule { .. } => f(self.rotation.column(2).into_owned()),
            Shape::Cylinder { .. } => {
                f(self.rotation.column(2).into_owned());
                self.for_each_prism_direction(f);
            }
            Shape::ConvexPolyhedron(hull) => hull
                .edge_directions()
                .iter()
                .for_each(|e| f(self.rotation * e)),
            _ => {}
        }
    }

    /// How much a candidate's clearance can exceed its basin's optimum because this core
    /// stands in as a prism among the candidates: `r (1 − cos(π / (2 · CYLINDER_FACETS)))`, the
    /// gap between a cylinder and its inscribed prism (0 for every other core).
    pub fn prism_margin(&self) -> f64 {
        match self.shape {
            Shape::Cylinder { radius, .. } => {
                radius * (1.0 - (std::f64::consts::PI / (2 * CYLINDER_FACETS) as f64).cos())
            }
            _ => 0.0,
        }
    }

    /// For a cylinder: its world axis, radius, half length (m) and the edge directions that
    /// [`PosedCore::for_each_edge`] visits (the axis, then the prism directions).
    pub fn cylinder_edges(&self) -> Option<CylinderEdges> {
        let Shape::Cylinder { radius, length } = self.shape else {
            return None;
        };
        let axis = self.rotation.column(2).into_owned();
        let mut directions = [axis; 1 + CYLINDER_FACETS];
        let mut k = 1;
        self.for_each_prism_direction(|d| {
            directions[k] = d;
            k += 1;
        });
        Some(CylinderEdges {
            axis,
            radius: *radius,
            half_length: 0.5 * length,
            directions,
        })
    }

    /// The directions perpendicular to a cylinder's axis at multiples of π / `CYLINDER_FACETS`:
    /// the side normals, and (the same set, turned by a right angle) the cap edge directions,
    /// of a regular prism with 2 · `CYLINDER_FACETS` sides.
    fn for_each_prism_direction(&self, mut f: impl FnMut(Vector3<f64>)) {
        let (u, v) = (self.rotation.column(0), self.rotation.column(1));
        for (cos, sin) in PRISM_ANGLES {
            f(u * cos + v * sin);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{CYLINDER_FACETS, PRISM_ANGLES};

    #[test]
    fn prism_angles_are_the_multiples_of_pi_over_8() {
        for (j, (cos, sin)) in PRISM_ANGLES.iter().enumerate() {
            let angle = std::f64::consts::PI * j as f64 / CYLINDER_FACETS as f64;
            assert!((cos - angle.cos()).abs() < 1e-15 && (sin - angle.sin()).abs() < 1e-15);
        }
    }
}
