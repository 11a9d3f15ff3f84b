//! An object's coordinates: where they sit in q and v, their tangent differences, and how far
//! two poses are apart (the planners measure progress toward a goal with it).

use nalgebra::{UnitQuaternion, Vector3};
use qd_geometry::kinematics::JointKind;
use qd_geometry::scene::Scene;
use serde::{Deserialize, Serialize};

/// The largest tangent dimension of an object's coordinates (a free body's 6).
pub const MAX_OBJECT_NV: usize = 6;

/// The block of q and v that belongs to one object.
#[derive(Debug, Clone)]
pub struct ObjectCoordinates {
    /// Index into `Scene::objects`.
    pub index: usize,
    /// Its joint's kind.
    pub kind: JointKind,
    /// First index in q.
    pub q_start: usize,
    /// Number of q entries.
    pub nq: usize,
    /// First index in v.
    pub v_start: usize,
    /// Number of v entries (tangent coordinates: rotation vectors for free bodies).
    pub nv: usize,
    /// Translational entries at the start of the v block (free 3, planar 2, prismatic 1).
    pub translations: usize,
}

/// How far an object pose is from another: translation (m) and rotation angle (rad).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PoseError {
    /// Euclidean norm of the translation difference (m).
    pub position: f64,
    /// Rotation angle between the two (rad): |Δθ| for planar and revolute objects, the angle
    /// of the relative rotation for free ones.
    pub angle: f64,
}

impl ObjectCoordinates {
    /// The object `index` of `scene`.
    pub fn new(scene: &Scene, index: usize) -> Self {
        let joint = &scene.tree().joints()[scene.objects()[index].joint];
        let translations = match joint.kind {
            JointKind::Free => 3,
            JointKind::Planar { .. } => 2,
            JointKind::Prismatic { .. } => 1,
            JointKind::Revolute { .. } | JointKind::Fixed => 0,
        };
        ObjectCoordinates {
            index,
            kind: joint.kind.clone(),
            q_start: joint.q_start,
            nq: joint.kind.nq(),
            v_start: joint.v_start,
            nv: joint.kind.nv(),
            translations,
        }
    }

    /// The object's block of a full configuration.
    pub fn block<'a>(&self, q: &'a [f64]) -> &'a [f64] {
        &q[self.q_start..self.q_start + self.nq]
    }

    /// `to ⊖ from` for two object blocks (nv): world-frame rotation vector for free bodies.
    pub fn difference(&self, from: &[f64], to: &[f64]) -> Vec<f64> {
        let mut dv = vec![0.0; self.nv];
        self.kind.difference(from, to, &mut dv);
        dv
    }

    /// [`ObjectCoordinates::difference`] into the first `nv` entries of `out` (at most
    /// [`MAX_OBJECT_NV`]): for loops that must not allocate.
    pub fn difference_into(&self, from: &[f64], to: &[f64], out: &mut [f64; MAX_OBJECT_NV]) {
        self.kind.difference(from, to, &mut out[..self.nv]);
    }

    /// How far the object block `to` is from `from`.
    pub fn error(&self, from: &[f64], to: &[f64]) -> PoseError {
        let d = self.difference(from, to);
        let norm = |values: &[f64]| values.iter().map(|v| v * v).sum::<f64>().sqrt();
        PoseError {
            position: norm(&d[..self.translations]),
            angle: norm(&d[self.translations..]),
        }
    }

    /// An object block at the given translation and rotation angle: planar (s₁, s₂, θ);
    /// free: the position, and the rotation `R_z(angle) · R_reference` (yaw about world z,
    /// roll and pitch kept from `reference`, a free block); prismatic: the translation.
    pub fn compose(&self, translation: &[f64], angle: f64, reference: &[f64]) -> Vec<f64> {
        match self.kind {
            JointKind::Free => {
                let start = UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(
                    reference[3],
                    reference[4],
                    reference[5],
                    reference[6],
                ));
                let rotation = UnitQuaternion::from_axis_angle(&Vector3::z_axis(), angle) * start;
                vec![
                    translation[0],
                    translation[1],
                    translation[2],
                    rotation.w,
                    rotation.i,
                    rotation.j,
                    rotation.k,
                ]
            }
            JointKind::Planar { .. } => vec![translation[0], translation[1], angle],
            JointKind::Revolute { .. } => vec![angle],
            JointKind::Prismatic { .. } => vec![translation[0]],
            JointKind::Fixed => Vec::new(),
        }
    }
}
