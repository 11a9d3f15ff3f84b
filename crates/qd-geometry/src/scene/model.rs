//! A loaded scene: the kinematic tree, collision geometry, friction, filter, the actuated /
//! unactuated split and the parameters.

use crate::kinematics::{JointId, LinkId, MultibodyTree};
use crate::proximity::CollisionFilter;
use crate::shape::Shape;
use nalgebra::{Isometry3, Unit, Vector3};
use std::collections::HashMap;

/// A collision geometry attached to a link (the world for environment geometry).
#[derive(Debug, Clone)]
pub struct CollisionGeometry {
    /// Unique name.
    pub name: String,
    /// The link it moves with.
    pub link: LinkId,
    /// `link_from_geometry`.
    pub link_from_geometry: Isometry3<f64>,
    /// The shape.
    pub shape: Shape,
    /// Its coefficient of friction.
    pub friction: f64,
}

/// An actuated robot.
#[derive(Debug, Clone)]
pub struct Robot {
    /// Name.
    pub name: String,
    /// Its links (root first).
    pub links: Vec<LinkId>,
    /// Actuated joints, in input order.
    pub actuated: Vec<JointId>,
    /// Stiffness K per actuated joint (N m/rad or N/m).
    pub stiffness: Vec<f64>,
}

/// An unactuated object.
#[derive(Debug, Clone)]
pub struct Object {
    /// Name.
    pub name: String,
    /// Its link.
    pub link: LinkId,
    /// Its joint (free, planar or prismatic).
    pub joint: JointId,
}

/// Index sets of docs/architecture.md, "Conventions": which entries of q and v are actuated (robot joints, in input
/// order) and unactuated (objects).
#[derive(Debug, Clone, Default)]
pub struct CoordinateSplit {
    /// Indices into q (and equally into v: actuated joints are scalar) of the actuated
    /// coordinates, in input order; `u` has this length.
    pub actuated: Vec<usize>,
    /// Indices into q of the objects' coordinates.
    pub unactuated_q: Vec<usize>,
    /// Indices into v of the objects' coordinates.
    pub unactuated_v: Vec<usize>,
    /// Stiffness per actuated coordinate.
    pub stiffness: Vec<f64>,
}

/// A scene ready for simulation.
#[derive(Debug, Clone)]
pub struct Scene {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The kinematic tree (robots and objects under the world).
    pub tree: MultibodyTree,
    /// Every collision geometry.
    pub geometries: Vec<CollisionGeometry>,
    /// Robots.
    pub robots: Vec<Robot>,
    /// Objects.
    pub objects: Vec<Object>,
    /// Link pairs that never collide (links are the filter's bodies).
    pub filter: CollisionFilter,
    /// Friction overrides per link pair (ordered `(min, max)`).
    pub friction_pairs: HashMap<(LinkId, LinkId), f64>,
    /// Actuated / unactuated split.
    pub split: CoordinateSplit,
    /// Default configuration (n_q).
    pub default_q: Vec<f64>,
    /// Contact detection distance d_detect (m): pairs with φ ≤ d_detect are contacts
    /// (`[parameters] d_detect`).
    pub d_detect: f64,
    /// Plane normal for planar systems.
    pub plane_normal: Option<Unit<Vector3<f64>>>,
    /// What the loader skipped, with reasons (e.g. unreadable meshes).
    pub warnings: Vec<String>,
    /// The file's sections that belong to the layers above, by name: `parameters` (the
    /// step's entries: every key except [`MODEL_PARAMETER_KEYS`](super::MODEL_PARAMETER_KEYS),
    /// always present), `task` and `grasp` (when the file has them).
    pub sections: toml::Table,
}

impl Scene {
    /// Coefficient of friction between two geometries: a pair override for their links if one
    /// is set, otherwise the combination `2 μ_a μ_b / (μ_a + μ_b)` (the rule Drake uses; it
    /// equals μ when both are μ and is dominated by the more slippery surface).
    pub fn friction_between(&self, a: usize, b: usize) -> f64 {
        let (ga, gb) = (&self.geometries[a], &self.geometries[b]);
        let key = if ga.link <= gb.link {
            (ga.link, gb.link)
        } else {
            (gb.link, ga.link)
        };
        if let Some(mu) = self.friction_pairs.get(&key) {
            return *mu;
        }
        let (ma, mb) = (ga.friction, gb.friction);
        if ma + mb <= 0.0 {
            0.0
        } else {
            2.0 * ma * mb / (ma + mb)
        }
    }

    /// Number of actuated coordinates n_a.
    pub fn na(&self) -> usize {
        self.split.actuated.len()
    }

    /// The actuated coordinates of `q`, in input order: the command u that holds the robots
    /// where they are.
    pub fn actuated_positions(&self, q: &[f64]) -> Vec<f64> {
        self.split.actuated.iter().map(|&i| q[i]).collect()
    }

    /// A section of the scene file that belongs to a layer above (`parameters`, `task`,
    /// `grasp`), as parsed TOML; `None` when the file has no such section.
    pub fn section(&self, name: &str) -> Option<&toml::Table> {
        self.sections.get(name).and_then(toml::Value::as_table)
    }

    /// Position limits `(lower, upper)` of each actuated coordinate, in input order (rad or
    /// m); ±∞ where a joint has none.
    pub fn actuated_limits(&self) -> Vec<(f64, f64)> {
        self.split
            .actuated
            .iter()
            .map(|&v| {
                self.tree
                    .joint_of_coordinate(v)
                    .and_then(|joint| self.tree.joints()[joint].limits)
                    .unwrap_or((f64::NEG_INFINITY, f64::INFINITY))
            })
            .collect()
    }
}
