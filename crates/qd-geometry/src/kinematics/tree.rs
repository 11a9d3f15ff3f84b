//! The kinematic tree: links connected by joints, rooted at the world (link 0).

use super::joint::JointKind;
use crate::error::GeometryError;
use nalgebra::{Isometry3, Matrix3, Point3};

/// A link of a [`MultibodyTree`]: a handle, not an arbitrary number (link 0 is the world).
/// `index()` gives its position in `MultibodyTree::links`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LinkId(pub(crate) usize);

impl LinkId {
    /// Its position in `MultibodyTree::links` (and in per-link arrays such as
    /// `KinematicsCache::world_from_link`).
    #[inline]
    pub fn index(self) -> usize {
        self.0
    }
}

/// A joint of a [`MultibodyTree`]: a handle; `index()` gives its position in
/// `MultibodyTree::joints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct JointId(pub(crate) usize);

impl JointId {
    /// Its position in `MultibodyTree::joints`.
    #[inline]
    pub fn index(self) -> usize {
        self.0
    }
}

/// Per-link and per-joint arrays (the tree's own, the kinematics cache's) are indexed by the
/// handles directly.
macro_rules! index_by_handle {
    ($handle:ty) => {
        impl<T> std::ops::Index<$handle> for [T] {
            type Output = T;
            #[inline]
            fn index(&self, handle: $handle) -> &T {
                &self[handle.0]
            }
        }
        impl<T> std::ops::IndexMut<$handle> for [T] {
            #[inline]
            fn index_mut(&mut self, handle: $handle) -> &mut T {
                &mut self[handle.0]
            }
        }
        impl<T> std::ops::Index<$handle> for Vec<T> {
            type Output = T;
            #[inline]
            fn index(&self, handle: $handle) -> &T {
                &self[handle.0]
            }
        }
        impl<T> std::ops::IndexMut<$handle> for Vec<T> {
            #[inline]
            fn index_mut(&mut self, handle: $handle) -> &mut T {
                &mut self[handle.0]
            }
        }
    };
}
index_by_handle!(LinkId);
index_by_handle!(JointId);

/// Mass properties of a link, in the link frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Inertia {
    /// Mass (kg).
    pub mass: f64,
    /// Centre of mass in the link frame (m).
    pub com: Point3<f64>,
    /// Rotational inertia about the centre of mass, link-frame axes (kg m²).
    pub rotational: Matrix3<f64>,
}

impl Inertia {
    /// No mass (the world, massless frames).
    pub fn zero() -> Self {
        Inertia {
            mass: 0.0,
            com: Point3::origin(),
            rotational: Matrix3::zeros(),
        }
    }
}

/// A rigid link.
#[derive(Debug, Clone)]
pub struct Link {
    /// Unique name (robots' links are qualified `robot/link`).
    pub name: String,
    /// The joint connecting it to its parent (`None` only for the world).
    pub parent_joint: Option<JointId>,
    /// Mass properties.
    pub inertia: Inertia,
}

/// A joint between a parent and a child link.
#[derive(Debug, Clone)]
pub struct Joint {
    /// Unique name (robots' joints are qualified `robot/joint`).
    pub name: String,
    /// The motion it allows.
    pub kind: JointKind,
    /// Parent link.
    pub parent: LinkId,
    /// Child link.
    pub child: LinkId,
    /// Fixed transform `parent_from_joint` (the joint frame in the parent link's frame).
    pub parent_from_joint: Isometry3<f64>,
    /// First index of its coordinates in q.
    pub q_start: usize,
    /// First index of its coordinates in v.
    pub v_start: usize,
    /// Position limits `(lower, upper)` for scalar joints (rad or m), if any.
    pub limits: Option<(f64, f64)>,
}

/// Links and joints in topological order (every joint's parent comes before its child).
#[derive(Debug, Clone)]
pub struct MultibodyTree {
    links: Vec<Link>,
    joints: Vec<Joint>,
    /// The joint owning each velocity coordinate.
    coordinate_joint: Vec<JointId>,
    /// `field_dependence[k · n_v + j]`: see [`MultibodyTree::field_depends`]; a table because
    /// derivatives look it up for every (contact, coordinate, variable) of every step.
    field_dependence: Vec<bool>,
    nq: usize,
    nv: usize,
}

impl Default for MultibodyTree {
    fn default() -> Self {
        Self::new()
    }
}

impl MultibodyTree {
    /// A tree holding only the world link.
    pub fn new() -> Self {
        MultibodyTree {
            links: vec![Link {
                name: "world".into(),
                parent_joint: None,
                inertia: Inertia::zero(),
            }],
            joints: Vec::new(),
            coordinate_joint: Vec::new(),
            field_dependence: Vec::new(),
            nq: 0,
            nv: 0,
        }
    }

    /// The world link.
    pub const WORLD: LinkId = LinkId(0);

    /// Adds `child` under `parent` through a joint; returns the new link's id. Coordinates are
    /// appended to q and v in the order joints are added.
    ///
    /// # Errors
    /// Duplicate link or joint names, an unknown parent, a free joint not directly under the
    /// world, planar axes that are not orthonormal, or limits with `lower > upper`.
    pub fn add_link(
        &mut self,
        child: Link,
        joint_name: &str,
        kind: JointKind,
        parent: LinkId,
        parent_from_joint: Isometry3<f64>,
        limits: Option<(f64, f64)>,
    ) -> Result<LinkId, GeometryError> {
        if self.link_id(&child.name).is_some() {
            return Err(GeometryError::Model(format!(
                "duplicate link name '{}'",
                child.name
            )));
        }
        if self.joint_id(joint_name).is_some() {
            return Err(GeometryError::Model(format!(
                "duplicate joint name '{joint_name}'"
            )));
        }
        if parent.0 >= self.links.len() {
            return Err(GeometryError::Model(format!(
                "joint '{joint_name}': unknown parent link {}",
                parent.0
            )));
        }
        if matches!(kind, JointKind::Free) && parent != Self::WORLD {
            return Err(GeometryError::Model(format!(
                "joint '{joint_name}': a free joint must connect a body directly to the world"
            )));
        }
        if let JointKind::Planar { axis_1, axis_2 } = &kind
            && axis_1.dot(axis_2).abs() > 1e-9
        {
            return Err(GeometryError::Model(format!(
                "joint '{joint_name}': planar axes must be orthogonal"
            )));
        }
        // `partial_cmp` is `None` for NaN limits, which are rejected with empty ones.
        if let Some((lower, upper)) = limits
            && !matches!(
                lower.partial_cmp(&upper),
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
            )
        {
            return Err(GeometryError::Model(format!(
                "joint '{joint_name}': limits [{lower}, {upper}] are empty or not numbers"
            )));
        }
        let child_id = LinkId(self.links.len());
        let joint_id = JointId(self.joints.len());
        self.joints.push(Joint {
            name: joint_name.to_string(),
            q_start: self.nq,
            v_start: self.nv,
            parent,
            child: child_id,
            parent_from_joint,
            limits,
            kind,
        });
        self.nq += self.joints[joint_id].kind.nq();
        self.nv += self.joints[joint_id].kind.nv();
        self.coordinate_joint.resize(self.nv, joint_id);
        self.links.push(Link {
            parent_joint: Some(joint_id),
            ..child
        });
        let nv = self.nv;
        self.field_dependence = (0..nv * nv)
            .map(|index| self.compute_field_depends(index / nv, index % nv))
            .collect();
        Ok(child_id)
    }

    /// Every link's handle, the world first.
    pub fn link_ids(&self) -> impl Iterator<Item = LinkId> + use<> {
        (0..self.links.len()).map(LinkId)
    }

    /// Every joint's handle, in topological order.
    pub fn joint_ids(&self) -> impl Iterator<Item = JointId> + use<> {
        (0..self.joints.len()).map(JointId)
    }

    /// All links; index = [`LinkId`].
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// All joints; index = [`JointId`].
    pub fn joints(&self) -> &[Joint] {
        &self.joints
    }

    /// Size of q.
    pub fn nq(&self) -> usize {
        self.nq
    }

    /// Size of v.
    pub fn nv(&self) -> usize {
        self.nv
    }

    /// The link with this name.
    pub fn link_id(&self, name: &str) -> Option<LinkId> {
        self.links.iter().position(|l| l.name == name).map(LinkId)
    }

    /// The joint with this name.
    pub fn joint_id(&self, name: &str) -> Option<JointId> {
        self.joints.iter().position(|j| j.name == name).map(JointId)
    }

    /// Names of q's entries (n_q of them): a scalar joint's name, or `joint:coordinate` for
    /// planar and free joints (`ball/joint:y`, `ball/joint:θ about x`, `box/joint:qw`).
    pub fn coordinate_names(&self) -> Vec<String> {
        let mut names = vec![String::new(); self.nq];
        for joint in &self.joints {
            let coordinates = joint.kind.coordinate_names();
            let single = coordinates.len() == 1;
            for (k, coordinate) in coordinates.into_iter().enumerate() {
                names[joint.q_start + k] = if single {
                    joint.name.clone()
                } else {
                    format!("{}:{coordinate}", joint.name)
                };
            }
        }
        names
    }

    /// The neutral configuration: zeros, identity quaternions.
    pub fn neutral_configuration(&self) -> Vec<f64> {
        let mut q = vec![0.0; self.nq];
        for joint in &self.joints {
            let neutral = joint.kind.neutral();
            q[joint.q_start..joint.q_start + neutral.len()].copy_from_slice(&neutral);
        }
        q
    }

    /// `q ⊕ dv` in place (docs/architecture.md, "Conventions").
    ///
    /// # Errors
    /// Wrong lengths.
    pub fn integrate(&self, q: &mut [f64], dv: &[f64]) -> Result<(), GeometryError> {
        self.check_lengths(q, Some(dv))?;
        for joint in &self.joints {
            let (nq, nv) = (joint.kind.nq(), joint.kind.nv());
            joint.kind.integrate(
                &mut q[joint.q_start..joint.q_start + nq],
                &dv[joint.v_start..joint.v_start + nv],
            );
        }
        Ok(())
    }

    /// `dv` with `q_to = q_from ⊕ dv` (n_v): the tangent-space difference of two
    /// configurations, world-frame rotation vectors for free bodies (docs/architecture.md, "Conventions"). Planners use it to
    /// compare configurations with rotations.
    ///
    /// # Errors
    /// Wrong lengths or non-finite entries.
    pub fn difference(&self, q_from: &[f64], q_to: &[f64]) -> Result<Vec<f64>, GeometryError> {
        let mut dv = vec![0.0; self.nv];
        self.difference_into(q_from, q_to, &mut dv)?;
        Ok(dv)
    }

    /// [`Self::difference`] into `dv` (n_v entries), allocating nothing.
    ///
    /// # Errors
    /// As [`Self::difference`]; `dv` of the wrong length.
    pub fn difference_into(
        &self,
        q_from: &[f64],
        q_to: &[f64],
        dv: &mut [f64],
    ) -> Result<(), GeometryError> {
        self.check_lengths(q_from, None)?;
        self.check_lengths(q_to, None)?;
        if dv.len() != self.nv {
            return Err(GeometryError::Dimension {
                what: "dv",
                expected: self.nv,
                got: dv.len(),
            });
        }
        for joint in &self.joints {
            let (nq, nv) = (joint.kind.nq(), joint.kind.nv());
            joint.kind.difference(
                &q_from[joint.q_start..joint.q_start + nq],
                &q_to[joint.q_start..joint.q_start + nq],
                &mut dv[joint.v_start..joint.v_start + nv],
            );
        }
        Ok(())
    }

    /// Checks lengths of q (and v) and that every entry of q is finite.
    pub fn check_lengths(&self, q: &[f64], v: Option<&[f64]>) -> Result<(), GeometryError> {
        if q.len() != self.nq {
            return Err(GeometryError::Dimension {
                what: "q",
                expected: self.nq,
                got: q.len(),
            });
        }
        if let Some(v) = v
            && v.len() != self.nv
        {
            return Err(GeometryError::Dimension {
                what: "v",
                expected: self.nv,
                got: v.len(),
            });
        }
        if let Some(i) = q.iter().position(|x| !x.is_finite()) {
            return Err(GeometryError::NonFinite {
                what: "q",
                index: i,
            });
        }
        Ok(())
    }

    /// Whether `link` is `ancestor` or lies below it.
    pub fn is_descendant(&self, mut link: LinkId, ancestor: LinkId) -> bool {
        loop {
            if link == ancestor {
                return true;
            }
            match self.links[link].parent_joint {
                Some(j) => link = self.joints[j].parent,
                None => return false,
            }
        }
    }

    /// Whether velocity coordinate `v` (an index into v) moves `link`: true when the joint
    /// owning `v` lies on the chain from the world to `link`.
    pub fn coordinate_moves_link(&self, v: usize, mut link: LinkId) -> bool {
        while let Some(j) = self.links[link].parent_joint {
            let joint = &self.joints[j];
            if (joint.v_start..joint.v_start + joint.kind.nv()).contains(&v) {
                return true;
            }
            link = joint.parent;
        }
        false
    }

    /// The joint owning velocity coordinate `v`, if `v < n_v`.
    pub fn joint_of_coordinate(&self, v: usize) -> Option<JointId> {
        self.coordinate_joint.get(v).copied()
    }

    /// Appends to `out` every velocity coordinate that moves `link` (those of the joints on
    /// its chain from the world).
    pub fn coordinates_moving_link(&self, mut link: LinkId, out: &mut Vec<usize>) {
        while let Some(j) = self.links[link].parent_joint {
            let joint = &self.joints[j];
            out.extend(joint.v_start..joint.v_start + joint.kind.nv());
            link = joint.parent;
        }
    }

    /// Whether coordinate `j`'s velocity field depends on coordinate `k` (see
    /// `KinematicsCache::field_rate`): `k` moves the frame of `j`'s joint, or both belong to
    /// one free or planar joint with `k` a translation and `j` the rotation.
    pub fn field_depends(&self, k: usize, j: usize) -> bool {
        k < self.nv && j < self.nv && self.field_dependence[k * self.nv + j]
    }

    /// [`MultibodyTree::field_depends`] from the joints, for the table.
    fn compute_field_depends(&self, k: usize, j: usize) -> bool {
        let (Some(joint_k), Some(joint_j)) =
            (self.joint_of_coordinate(k), self.joint_of_coordinate(j))
        else {
            return false;
        };
        if joint_k == joint_j {
            let joint = &self.joints[joint_k];
            let (local_k, local_j) = (k - joint.v_start, j - joint.v_start);
            return match joint.kind {
                super::JointKind::Free => local_k < 3 && local_j >= 3,
                super::JointKind::Planar { .. } => local_k < 2 && local_j == 2,
                _ => false,
            };
        }
        self.coordinate_moves_link(k, self.joints[joint_j].parent)
    }
}
