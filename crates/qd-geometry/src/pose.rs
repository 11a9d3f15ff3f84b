//! Rigid poses and their plain-data form used in files and on the command line.

use crate::error::GeometryError;
use nalgebra::{Isometry3, Quaternion, Translation3, UnitQuaternion};
use serde::{Deserialize, Serialize};

/// A rigid transform `world_from_local`: maps points of a shape's local frame into the world.
pub type Pose = Isometry3<f64>;

/// How far from unit norm a quaternion read from a file may be before it is rejected rather
/// than normalised. Hand-typed values such as `0.7071` are off by about 1e-5; anything beyond
/// this tolerance is more likely a mistake than rounding.
pub const QUATERNION_NORM_TOLERANCE: f64 = 1e-3;

/// A pose as written in JSON/TOML: position (m) and orientation as a quaternion stored
/// **w, x, y, z** (docs/architecture.md, "Conventions").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoseSpec {
    /// Position of the local origin in the world (m).
    pub position: [f64; 3],
    /// Orientation quaternion `[w, x, y, z]`; normalised on conversion if its norm is within
    /// [`QUATERNION_NORM_TOLERANCE`] of 1, rejected otherwise. Defaults to the identity.
    #[serde(default = "identity_wxyz")]
    pub quaternion_wxyz: [f64; 4],
}

fn identity_wxyz() -> [f64; 4] {
    [1.0, 0.0, 0.0, 0.0]
}

impl PoseSpec {
    /// At `position` (m) with the identity orientation.
    pub fn at(position: [f64; 3]) -> Self {
        PoseSpec {
            position,
            quaternion_wxyz: [1.0, 0.0, 0.0, 0.0],
        }
    }

    /// At `position` (m), turned by `angle` (rad) about the unit `axis`.
    pub fn turned(position: [f64; 3], axis: [f64; 3], angle: f64) -> Self {
        let (s, c) = (0.5 * angle).sin_cos();
        PoseSpec {
            position,
            quaternion_wxyz: [c, s * axis[0], s * axis[1], s * axis[2]],
        }
    }

    /// Converts to a [`Pose`], checking finiteness and the quaternion norm.
    pub fn to_pose(&self) -> Result<Pose, GeometryError> {
        if !self
            .position
            .iter()
            .chain(self.quaternion_wxyz.iter())
            .all(|v| v.is_finite())
        {
            return Err(GeometryError::InvalidPose(format!(
                "non-finite entry in position {:?} or quaternion {:?}",
                self.position, self.quaternion_wxyz
            )));
        }
        if let Some(v) = self.position.iter().find(|v| v.abs() > crate::WORLD_EXTENT) {
            return Err(GeometryError::InvalidPose(format!(
                "position coordinate {v:?} lies beyond the world's extent (±{:e} m)",
                crate::WORLD_EXTENT
            )));
        }
        let [w, x, y, z] = self.quaternion_wxyz;
        let quaternion = Quaternion::new(w, x, y, z);
        let norm = quaternion.norm();
        if (norm - 1.0).abs() > QUATERNION_NORM_TOLERANCE {
            return Err(GeometryError::InvalidPose(format!(
                "quaternion [w, x, y, z] = {:?} has norm {norm}, expected 1",
                self.quaternion_wxyz
            )));
        }
        Ok(Isometry3::from_parts(
            Translation3::from(self.position),
            UnitQuaternion::new_normalize(quaternion),
        ))
    }

    /// The plain-data form of a pose.
    pub fn from_pose(pose: &Pose) -> Self {
        let q = pose.rotation.quaternion();
        PoseSpec {
            position: pose.translation.vector.into(),
            quaternion_wxyz: [q.w, q.i, q.j, q.k],
        }
    }
}

/// The pose's local z axis in the world, `R e_z`, straight from the unit quaternion's
/// components (the third column of R): a quarter of the work of a general rotation, for the
/// closed forms that only need an axis (capsule cores, half-space normals).
pub fn local_z_axis(pose: &Pose) -> nalgebra::Vector3<f64> {
    let q = pose.rotation.quaternion();
    let (w, x, y, z) = (q.w, q.i, q.j, q.k);
    nalgebra::Vector3::new(
        2.0 * (x * z + w * y),
        2.0 * (y * z - w * x),
        1.0 - 2.0 * (x * x + y * y),
    )
}

/// Returns an error if any entry of the pose is NaN or infinite, or its position lies farther
/// than [`crate::WORLD_EXTENT`] from the origin (where distances lose their precision).
pub fn check_pose_finite(pose: &Pose) -> Result<(), GeometryError> {
    let finite = pose.translation.vector.iter().all(|v| v.is_finite())
        && pose.rotation.coords.iter().all(|v| v.is_finite());
    if !finite {
        return Err(GeometryError::InvalidPose(format!(
            "non-finite pose {pose}"
        )));
    }
    if let Some(v) = pose
        .translation
        .vector
        .iter()
        .find(|v| v.abs() > crate::WORLD_EXTENT)
    {
        return Err(GeometryError::InvalidPose(format!(
            "position coordinate {v:?} lies beyond the world's extent (±{:e} m)",
            crate::WORLD_EXTENT
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Pose, local_z_axis};
    use nalgebra::{Translation3, UnitQuaternion, Vector3};

    #[test]
    fn local_z_axis_is_the_rotated_z_axis() {
        for (roll, pitch, yaw) in [(0.0, 0.0, 0.0), (0.3, -1.2, 2.5), (3.0, 0.1, -0.7)] {
            let pose = Pose::from_parts(
                Translation3::new(1.0, 2.0, 3.0),
                UnitQuaternion::from_euler_angles(roll, pitch, yaw),
            );
            let expected = pose.rotation * Vector3::z();
            assert!((local_z_axis(&pose) - expected).norm() < 1e-15);
        }
    }
}
