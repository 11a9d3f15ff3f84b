//! Forward kinematics and point Jacobians, evaluated into a reusable cache.

use super::joint::JointKind;
use super::tree::{LinkId, MultibodyTree};
use crate::error::GeometryError;
use nalgebra::{DMatrix, Isometry3, Point3, Unit, Vector3};

/// Poses of every link and joint frame for one configuration. Reuse one cache across calls:
/// [`KinematicsCache::update`] does not allocate once the cache has been sized for a tree.
#[derive(Debug, Clone, Default)]
pub struct KinematicsCache {
    /// `world_from_link` for every link (index = [`LinkId`]).
    pub world_from_link: Vec<Isometry3<f64>>,
    /// `world_from_joint` (the joint frame, before the joint's motion) for every joint.
    pub world_from_joint: Vec<Isometry3<f64>>,
}

impl KinematicsCache {
    /// Recomputes every pose for configuration `q`.
    ///
    /// # Errors
    /// Wrong length or non-finite q; a free joint's quaternion that is zero.
    pub fn update(&mut self, tree: &MultibodyTree, q: &[f64]) -> Result<(), GeometryError> {
        tree.check_lengths(q, None)?;
        self.world_from_link
            .resize(tree.links().len(), Isometry3::identity());
        self.world_from_joint
            .resize(tree.joints().len(), Isometry3::identity());
        self.world_from_link[MultibodyTree::WORLD] = Isometry3::identity();
        // Joints are stored in topological order, so parents are ready before children.
        for (j, joint) in tree.joints().iter().enumerate() {
            let q_joint = &q[joint.q_start..joint.q_start + joint.kind.nq()];
            if matches!(joint.kind, JointKind::Free) {
                let norm = q_joint[3..7].iter().map(|c| c * c).sum::<f64>().sqrt();
                if norm < 1e-9 {
                    return Err(GeometryError::InvalidPose(format!(
                        "joint '{}': zero quaternion",
                        joint.name
                    )));
                }
            }
            let world_from_joint = self.world_from_link[joint.parent] * joint.parent_from_joint;
            self.world_from_joint[j] = world_from_joint;
            self.world_from_link[joint.child] = world_from_joint * joint.kind.motion(q_joint);
        }
        Ok(())
    }

    /// Writes into `out` the kinematics at `q ⊕ s e_k` (velocity coordinate `k` displaced by
    /// `s`, m or rad) computed from these poses without re-running the chain: such a
    /// displacement moves the subtree below coordinate k's joint by one rigid motion (a
    /// rotation about the joint's world axis, or about the child origin for the rotation of a
    /// planar or free joint; a translation for the others), so the links and joint frames
    /// below it are premultiplied by that motion and the rest copied. Exact, and cheaper than
    /// [`KinematicsCache::update`] for the finite differences of the geometry layer.
    pub fn displaced(&self, tree: &MultibodyTree, k: usize, s: f64, out: &mut KinematicsCache) {
        out.world_from_link.clone_from(&self.world_from_link);
        out.world_from_joint.clone_from(&self.world_from_joint);
        let Some((j, motion)) = self.coordinate_motion(tree, k, s) else {
            return;
        };
        let joint = &tree.joints()[j];
        out.world_from_link[joint.child] = motion * self.world_from_link[joint.child];
        // Joints are in topological order: everything below `joint` comes after it.
        for (i, other) in tree.joints().iter().enumerate().skip(j.index() + 1) {
            if tree.coordinate_moves_link(k, other.parent) {
                out.world_from_joint[i] = motion * self.world_from_joint[i];
                out.world_from_link[other.child] = motion * self.world_from_link[other.child];
            }
        }
    }

    /// The joint owning velocity coordinate `k`, with the rigid motion (in the world) that
    /// displacing `k` by `s` applies to everything below that joint; `None` past the end of v.
    pub fn coordinate_motion(
        &self,
        tree: &MultibodyTree,
        k: usize,
        s: f64,
    ) -> Option<(super::tree::JointId, Isometry3<f64>)> {
        let (j, joint) = owner(tree, k)?;
        let frame = &self.world_from_joint[j];
        let child_origin = Point3::from(self.world_from_link[joint.child].translation.vector);
        let local = k - joint.v_start;
        let rotation_about = |axis: Vector3<f64>, point: Point3<f64>| {
            let rotation = nalgebra::UnitQuaternion::from_scaled_axis(axis * s);
            let shift = point.coords - rotation * point.coords;
            Isometry3::from_parts(nalgebra::Translation3::from(shift), rotation)
        };
        let translation =
            |t: Vector3<f64>| Isometry3::from_parts((t * s).into(), Default::default());
        let motion = match &joint.kind {
            JointKind::Fixed => Isometry3::identity(),
            JointKind::Revolute { axis } => rotation_about(
                frame.rotation * axis.into_inner(),
                Point3::from(frame.translation.vector),
            ),
            JointKind::Prismatic { axis } => translation(frame.rotation * axis.into_inner()),
            JointKind::Planar { axis_1, axis_2 } => match local {
                0 => translation(frame.rotation * axis_1.into_inner()),
                1 => translation(frame.rotation * axis_2.into_inner()),
                _ => rotation_about(frame.rotation * axis_1.cross(axis_2), child_origin),
            },
            JointKind::Free => {
                let mut e = Vector3::zeros();
                e[local % 3] = 1.0;
                if local < 3 {
                    translation(e)
                } else {
                    rotation_about(e, child_origin)
                }
            }
        };
        Some((j, motion))
    }

    /// The rigid velocity field of velocity coordinate `k` (one column of the Jacobians):
    /// its angular velocity ω (rad per unit) and the velocity of the world point `p` (m)
    /// carried by it, for a link that `k` moves.
    pub fn coordinate_field(
        &self,
        tree: &MultibodyTree,
        k: usize,
        p: &Point3<f64>,
    ) -> (Vector3<f64>, Vector3<f64>) {
        let Some((j, joint)) = owner(tree, k) else {
            return (Vector3::zeros(), Vector3::zeros());
        };
        let frame = &self.world_from_joint[j];
        let child_origin = Point3::from(self.world_from_link[joint.child].translation.vector);
        let local = k - joint.v_start;
        let turning =
            |omega: Vector3<f64>, centre: Point3<f64>| (omega, omega.cross(&(p - centre)));
        match &joint.kind {
            JointKind::Fixed => (Vector3::zeros(), Vector3::zeros()),
            JointKind::Revolute { axis } => turning(
                frame.rotation * axis.into_inner(),
                Point3::from(frame.translation.vector),
            ),
            JointKind::Prismatic { axis } => (Vector3::zeros(), frame.rotation * axis.into_inner()),
            JointKind::Planar { axis_1, axis_2 } => match local {
                0 => (Vector3::zeros(), frame.rotation * axis_1.into_inner()),
                1 => (Vector3::zeros(), frame.rotation * axis_2.into_inner()),
                _ => turning(frame.rotation * axis_1.cross(axis_2), child_origin),
            },
            JointKind::Free => {
                let mut e = Vector3::zeros();
                e[local % 3] = 1.0;
                if local < 3 {
                    (Vector3::zeros(), e)
                } else {
                    turning(e, child_origin)
                }
            }
        }
    }

    /// How coordinate `j`'s field at the fixed world point `p` changes with coordinate `k`
    /// (per unit of `k`, linear part). When `k` moves joint `j`'s frame (k above j), the field
    /// is carried rigidly by `k`'s motion and changes by the bracket
    /// `ω_k × S_j(p) − ω_j × S_k(p)`; within one free or planar joint, the rotation's centre
    /// (the child origin) moves with the joint's own translations, giving `−ω_j × S_k`.
    /// Otherwise it does not change.
    pub fn field_rate(
        &self,
        tree: &MultibodyTree,
        k: usize,
        j: usize,
        p: &Point3<f64>,
    ) -> Vector3<f64> {
        if !tree.field_depends(k, j) {
            return Vector3::zeros();
        }
        let (omega_k, field_k) = self.coordinate_field(tree, k, p);
        let (omega_j, field_j) = self.coordinate_field(tree, j, p);
        omega_k.cross(&field_j) - omega_j.cross(&field_k)
    }

    /// Writes into `out` (3 × n_v, resized if needed) the Jacobian `∂p/∂v` of the world point
    /// `point` (m) rigidly attached to `link`: the velocity of that material point per unit
    /// of each velocity coordinate. Free joints: v = (δp, δω) in the world frame.
    pub fn point_jacobian(
        &self,
        tree: &MultibodyTree,
        link: LinkId,
        point: &Point3<f64>,
        out: &mut DMatrix<f64>,
    ) {
        if out.nrows() != 3 || out.ncols() != tree.nv() {
            *out = DMatrix::zeros(3, tree.nv());
        } else {
            out.as_mut_slice().fill(0.0);
        }
        self.accumulate_point_jacobian(tree, link, point, 1.0, out);
    }

    /// Writes into `out` (3 × n_v, resized if needed) the angular Jacobian of `link`: its
    /// world-frame rotation increment per unit of each velocity coordinate.
    pub fn angular_jacobian(&self, tree: &MultibodyTree, mut link: LinkId, out: &mut DMatrix<f64>) {
        if out.nrows() != 3 || out.ncols() != tree.nv() {
            *out = DMatrix::zeros(3, tree.nv());
        } else {
            out.as_mut_slice().fill(0.0);
        }
        while let Some(j) = tree.links()[link].parent_joint {
            let joint = &tree.joints()[j];
            let rotation = &self.world_from_joint[j].rotation;
            let mut set = |col: usize, value: Vector3<f64>| {
                for r in 0..3 {
                    out[(r, joint.v_start + col)] = value[r];
                }
            };
            match &joint.kind {
                JointKind::Fixed | JointKind::Prismatic { .. } => {}
                JointKind::Revolute { axis } => set(0, rotation * axis.into_inner()),
                JointKind::Planar { axis_1, axis_2 } => set(2, rotation * axis_1.cross(axis_2)),
                JointKind::Free => {
                    for (k, e) in [Vector3::x(), Vector3::y(), Vector3::z()]
                        .iter()
                        .enumerate()
                    {
                        set(3 + k, *e);
                    }
                }
            }
            link = joint.parent;
        }
    }

    /// Adds `sign · ∂p/∂v` of the material point `point` of `link` into `out` (3 × n_v).
    pub fn accumulate_point_jacobian(
        &self,
        tree: &MultibodyTree,
        mut link: LinkId,
        point: &Point3<f64>,
        sign: f64,
        out: &mut DMatrix<f64>,
    ) {
        while let Some(j) = tree.links()[link].parent_joint {
            let joint = &tree.joints()[j];
            let frame = &self.world_from_joint[j];
            let mut set = |col: usize, value: Vector3<f64>| {
                for r in 0..3 {
                    out[(r, joint.v_start + col)] += sign * value[r];
                }
            };
            let world_axis = |a: &Unit<Vector3<f64>>| frame.rotation * a.into_inner();
            match &joint.kind {
                JointKind::Fixed => {}
                JointKind::Revolute { axis } => {
                    set(
                        0,
                        world_axis(axis).cross(&(point - Point3::from(frame.translation.vector))),
                    );
                }
                JointKind::Prismatic { axis } => set(0, world_axis(axis)),
                JointKind::Planar { axis_1, axis_2 } => {
                    let child_origin =
                        Point3::from(self.world_from_link[joint.child].translation.vector);
                    let normal = world_axis(axis_1).cross(&world_axis(axis_2));
                    set(0, world_axis(axis_1));
                    set(1, world_axis(axis_2));
                    set(2, normal.cross(&(point - child_origin)));
                }
                JointKind::Free => {
                    let r =
                        point - Point3::from(self.world_from_link[joint.child].translation.vector);
                    for (k, e) in [Vector3::x(), Vector3::y(), Vector3::z()]
                        .iter()
                        .enumerate()
                    {
                        set(k, *e);
                        set(3 + k, e.cross(&r));
                    }
                }
            }
            link = joint.parent;
        }
    }
}

/// The joint owning velocity coordinate `k`.
fn owner(tree: &MultibodyTree, k: usize) -> Option<(super::tree::JointId, &super::tree::Joint)> {
    let j = tree.joint_of_coordinate(k)?;
    Some((j, &tree.joints()[j]))
}
