//! Joint types: how a child link moves relative to its parent, and how its coordinates
//! (q, size n_q) and velocities/displacements (v, size n_v) are laid out.

use nalgebra::{Isometry3, Translation3, Unit, UnitQuaternion, Vector3};

/// The motion a joint allows. Axes are unit vectors in the **joint frame** (the parent link's
/// frame composed with the joint's fixed origin).
#[derive(Debug, Clone, PartialEq)]
pub enum JointKind {
    /// No motion; n_q = n_v = 0.
    Fixed,
    /// Rotation about `axis` by q (rad); n_q = n_v = 1.
    Revolute {
        /// Rotation axis (unit, joint frame).
        axis: Unit<Vector3<f64>>,
    },
    /// Translation along `axis` by q (m); n_q = n_v = 1.
    Prismatic {
        /// Translation axis (unit, joint frame).
        axis: Unit<Vector3<f64>>,
    },
    /// Motion in a plane: q = (s₁, s₂, θ): translation `s₁ a₁ + s₂ a₂` (m), then rotation by θ
    /// (rad) about `a₁ × a₂`; n_q = n_v = 3 and δv adds to q.
    Planar {
        /// First in-plane axis (unit, joint frame).
        axis_1: Unit<Vector3<f64>>,
        /// Second in-plane axis (unit, orthogonal to `axis_1`, joint frame).
        axis_2: Unit<Vector3<f64>>,
    },
    /// Free rigid motion, only directly under the world: q = (x, y, z, w, qx, qy, qz), the
    /// body's world position (m) and unit quaternion; n_q = 7, n_v = 6 with
    /// v = (δp, δω) both in the world frame (docs/architecture.md, "Conventions").
    Free,
}

impl JointKind {
    /// Number of configuration coordinates.
    pub fn nq(&self) -> usize {
        match self {
            JointKind::Fixed => 0,
            JointKind::Revolute { .. } | JointKind::Prismatic { .. } => 1,
            JointKind::Planar { .. } => 3,
            JointKind::Free => 7,
        }
    }

    /// Number of velocity (displacement) coordinates.
    pub fn nv(&self) -> usize {
        match self {
            JointKind::Free => 6,
            other => other.nq(),
        }
    }

    /// Lower-case name as used in files.
    pub fn name(&self) -> &'static str {
        match self {
            JointKind::Fixed => "fixed",
            JointKind::Revolute { .. } => "revolute",
            JointKind::Prismatic { .. } => "prismatic",
            JointKind::Planar { .. } => "planar",
            JointKind::Free => "free",
        }
    }

    /// Names of the coordinates, for summaries (e.g. `["y", "z", "θ"]` for a planar joint
    /// whose axes are world y and z).
    pub fn coordinate_names(&self) -> Vec<String> {
        let axis_name = |a: &Vector3<f64>| {
            for (i, name) in ["x", "y", "z"].iter().enumerate() {
                if (a[i].abs() - 1.0).abs() < 1e-12 {
                    return name.to_string();
                }
            }
            format!("[{:.3}, {:.3}, {:.3}]", a.x, a.y, a.z)
        };
        match self {
            JointKind::Fixed => vec![],
            JointKind::Revolute { axis } => vec![format!("θ about {}", axis_name(axis))],
            JointKind::Prismatic { axis } => vec![axis_name(axis)],
            JointKind::Planar { axis_1, axis_2 } => {
                vec![
                    axis_name(axis_1),
                    axis_name(axis_2),
                    format!("θ about {}", axis_name(&axis_1.cross(axis_2))),
                ]
            }
            JointKind::Free => ["x", "y", "z", "qw", "qx", "qy", "qz"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// The joint's motion `joint_from_child` for coordinates `q` (length [`Self::nq`]).
    pub fn motion(&self, q: &[f64]) -> Isometry3<f64> {
        match self {
            JointKind::Fixed => Isometry3::identity(),
            JointKind::Revolute { axis } => Isometry3::from_parts(
                Translation3::identity(),
                UnitQuaternion::from_axis_angle(axis, q[0]),
            ),
            JointKind::Prismatic { axis } => {
                Isometry3::translation(axis.x * q[0], axis.y * q[0], axis.z * q[0])
            }
            JointKind::Planar { axis_1, axis_2 } => {
                let normal = Unit::new_normalize(axis_1.cross(axis_2));
                let t = axis_1.into_inner() * q[0] + axis_2.into_inner() * q[1];
                Isometry3::from_parts(
                    Translation3::from(t),
                    UnitQuaternion::from_axis_angle(&normal, q[2]),
                )
            }
            JointKind::Free => {
                let rotation = UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(
                    q[3], q[4], q[5], q[6],
                ));
                Isometry3::from_parts(Translation3::new(q[0], q[1], q[2]), rotation)
            }
        }
    }

    /// Neutral coordinates (zeros; identity quaternion for a free joint).
    pub fn neutral(&self) -> Vec<f64> {
        match self {
            JointKind::Free => vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
            other => vec![0.0; other.nq()],
        }
    }

    /// The displacement taking `q_from` to `q_to` (the inverse of [`JointKind::integrate`]):
    /// `q_to = q_from ⊕ dv`. For a free joint the rotation part is the world-frame rotation
    /// vector `log(R_to R_fromᵀ)` (angle in [0, π]); scalar coordinates subtract.
    pub fn difference(&self, q_from: &[f64], q_to: &[f64], dv: &mut [f64]) {
        match self {
            JointKind::Free => {
                for i in 0..3 {
                    dv[i] = q_to[i] - q_from[i];
                }
                let quaternion = |q: &[f64]| {
                    UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(
                        q[3], q[4], q[5], q[6],
                    ))
                };
                let relative = quaternion(q_to) * quaternion(q_from).inverse();
                let omega = relative.scaled_axis();
                dv[3] = omega.x;
                dv[4] = omega.y;
                dv[5] = omega.z;
            }
            _ => {
                for ((d, to), from) in dv.iter_mut().zip(q_to).zip(q_from) {
                    *d = to - from;
                }
            }
        }
    }

    /// Applies the displacement `dv` (length nv) to `q` in place: addition for scalar and planar
    /// coordinates; for a free joint `p ← p + δp`, `R ← exp([δω]) R` (world-frame increment),
    /// then the quaternion is renormalised (docs/architecture.md, "Conventions").
    pub fn integrate(&self, q: &mut [f64], dv: &[f64]) {
        match self {
            JointKind::Free => {
                for i in 0..3 {
                    q[i] += dv[i];
                }
                let rotation = UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(
                    q[3], q[4], q[5], q[6],
                ));
                let increment = UnitQuaternion::from_scaled_axis(Vector3::new(dv[3], dv[4], dv[5]));
                let updated = (increment * rotation).into_inner().normalize();
                q[3] = updated.w;
                q[4] = updated.i;
                q[5] = updated.j;
                q[6] = updated.k;
            }
            _ => {
                for (qi, di) in q.iter_mut().zip(dv) {
                    *qi += di;
                }
            }
        }
    }
}
