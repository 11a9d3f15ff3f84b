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
    pub(crate) name: String,
    /// Description.
    pub(crate) description: String,
    /// The kinematic tree (robots and objects under the world).
    pub(crate) tree: MultibodyTree,
    /// Every collision geometry.
    pub(crate) geometries: Vec<CollisionGeometry>,
    /// Robots.
    pub(crate) robots: Vec<Robot>,
    /// Objects.
    pub(crate) objects: Vec<Object>,
    /// Link pairs that never collide (links are the filter's bodies).
    pub(crate) filter: CollisionFilter,
    /// Friction overrides per link pair (ordered `(min, max)`).
    pub(crate) friction_pairs: HashMap<(LinkId, LinkId), f64>,
    /// Actuated / unactuated split.
    pub(crate) split: CoordinateSplit,
    /// Default configuration (n_q).
    pub(crate) default_q: Vec<f64>,
    /// Contact detection distance d_detect (m): pairs with φ ≤ d_detect are contacts
    /// (`[parameters] d_detect`).
    pub(crate) d_detect: f64,
    /// Whether pairs with flat faces get a contact manifold (`[parameters] contact_manifold`,
    /// see [`crate::manifold`]).
    pub(crate) contact_manifold: bool,
    /// Plane normal for planar systems.
    pub(crate) plane_normal: Option<Unit<Vector3<f64>>>,
    /// What the loader skipped, with reasons (e.g. unreadable meshes).
    pub(crate) warnings: Vec<String>,
    /// The file's sections that belong to the layers above, by name: `parameters` (the
    /// step's entries: every key except [`MODEL_PARAMETER_KEYS`](super::MODEL_PARAMETER_KEYS),
    /// always present), `task` and `grasp` (when the file has them).
    pub(crate) sections: toml::Table,
}

impl Scene {
    /// The scene's name.
    #[inline]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// One-line description.
    #[inline]
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The kinematic tree (robots and objects under the world).
    #[inline]
    pub fn tree(&self) -> &MultibodyTree {
        &self.tree
    }

    /// Every collision geometry.
    #[inline]
    pub fn geometries(&self) -> &[CollisionGeometry] {
        &self.geometries
    }

    /// The robots.
    #[inline]
    pub fn robots(&self) -> &[Robot] {
        &self.robots
    }

    /// The objects.
    #[inline]
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// Link pairs that never collide.
    #[inline]
    pub fn filter(&self) -> &CollisionFilter {
        &self.filter
    }

    /// Friction overrides per link pair (ordered `(min, max)`).
    #[inline]
    pub fn friction_pairs(&self) -> &HashMap<(LinkId, LinkId), f64> {
        &self.friction_pairs
    }

    /// The actuated / unactuated split of q and v.
    #[inline]
    pub fn split(&self) -> &CoordinateSplit {
        &self.split
    }

    /// The default configuration (n_q).
    #[inline]
    pub fn default_q(&self) -> &[f64] {
        &self.default_q
    }

    /// Whether pairs with flat faces get a contact manifold ([`crate::manifold`]); else every
    /// pair is one contact at its closest points.
    #[inline]
    pub fn contact_manifold(&self) -> bool {
        self.contact_manifold
    }

    /// Contact detection distance d_detect (m): pairs with φ ≤ d_detect are contacts.
    #[inline]
    pub fn d_detect(&self) -> f64 {
        self.d_detect
    }

    /// The plane's normal for planar systems (contacts then have one tangent).
    #[inline]
    pub fn plane_normal(&self) -> Option<Unit<Vector3<f64>>> {
        self.plane_normal
    }

    /// The same model seen in 3-D or in another plane: contacts get two tangents without a
    /// plane normal, one with.
    pub fn with_plane_normal(mut self, normal: Option<Unit<Vector3<f64>>>) -> Self {
        self.plane_normal = normal;
        self
    }

    /// What the loader skipped, with reasons (e.g. unreadable meshes).
    #[inline]
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

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
    #[inline]
    pub fn na(&self) -> usize {
        self.split.actuated.len()
    }

    /// The actuated coordinates of `q`, in input order: the command u that holds the robots
    /// where they are.
    #[inline]
    pub fn actuated_positions(&self, q: &[f64]) -> Vec<f64> {
        self.split.actuated.iter().map(|&i| q[i]).collect()
    }

    /// A section of the scene file that belongs to a layer above (`parameters`, `task`,
    /// `grasp`), as parsed TOML; `None` when the file has no such section.
    #[inline]
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
