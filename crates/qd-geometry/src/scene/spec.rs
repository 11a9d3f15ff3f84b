//! The TOML scene format as plain data (see `docs/scene-format.md`). Unknown keys are errors,
//! so a typo is reported instead of silently ignored.

use crate::pose::PoseSpec;
use crate::shape_spec::ShapeSpec;
use serde::{Deserialize, Serialize};

impl Default for PoseSpec {
    fn default() -> Self {
        PoseSpec {
            position: [0.0; 3],
            quaternion_wxyz: [1.0, 0.0, 0.0, 0.0],
        }
    }
}

/// A whole scene file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SceneSpec {
    /// Scene name.
    pub name: String,
    /// One-line description.
    #[serde(default)]
    pub description: String,
    /// Parameters: the model's ([`MODEL_PARAMETER_KEYS`]) and the step's, which the dynamics
    /// layer reads.
    #[serde(default)]
    pub parameters: toml::Table,
    /// Actuated robots.
    #[serde(default)]
    pub robots: Vec<RobotSpec>,
    /// Unactuated objects.
    #[serde(default)]
    pub objects: Vec<ObjectSpec>,
    /// Fixed environment geometry (ground, walls), attached to the world.
    #[serde(default)]
    pub environment: Vec<GeometrySpec>,
    /// Which pairs never collide.
    #[serde(default)]
    pub collision_filter: FilterSpec,
    /// Friction coefficients for specific body pairs, overriding the combination rule.
    #[serde(default)]
    pub friction_pairs: Vec<FrictionPairSpec>,
    /// The planning task (optional), read by the planning layers.
    #[serde(default)]
    pub task: Option<toml::Table>,
    /// Grasp data for contact sampling (optional), read by the planning layers.
    #[serde(default)]
    pub grasp: Option<toml::Table>,
}

/// The keys of `[parameters]` this layer reads. The section's other keys (time step, κ, forward
/// mode, ...) belong to the step and are kept in [`Scene::section`](super::Scene::section)
/// for the dynamics layer to read.
pub const MODEL_PARAMETER_KEYS: [&str; 4] = [
    "d_detect",
    "default_friction",
    "plane_normal",
    "contact_manifold",
];

/// The model's entries of `[parameters]`, each with a documented default.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelParametersSpec {
    /// Contact detection distance d_detect (m): pairs with φ ≤ d_detect are contacts.
    /// Default 0.05.
    pub d_detect: f64,
    /// Friction of a body without its own value. Default 1.0.
    pub default_friction: f64,
    /// For systems that move in a plane: the plane's normal (world). Contacts then get the
    /// single in-plane tangent. Absent = 3D (two tangents).
    pub plane_normal: Option<[f64; 3]>,
    /// Whether pairs with flat faces get a contact manifold (a box on a table stands on its
    /// corners; `qd_geometry::manifold`). Default true; false gives every pair one contact
    /// at its closest points, as the reference implementation has.
    pub contact_manifold: bool,
}

impl Default for ModelParametersSpec {
    fn default() -> Self {
        ModelParametersSpec {
            d_detect: 0.05,
            default_friction: 1.0,
            plane_normal: None,
            contact_manifold: true,
        }
    }
}

/// A collision geometry: shape, pose in its link (or the world), optional friction.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GeometrySpec {
    /// Name; defaults to `body/k`.
    #[serde(default)]
    pub name: Option<String>,
    /// The shape.
    pub shape: ShapeSpec,
    /// `link_from_geometry` (or `world_from_geometry` for environment geometry).
    #[serde(default)]
    pub pose: PoseSpec,
    /// Friction coefficient of this geometry (else its body's, else the default).
    #[serde(default)]
    pub friction: Option<f64>,
}

/// Mass properties written in a file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InertiaSpec {
    /// Mass (kg).
    #[serde(default)]
    pub mass: f64,
    /// Centre of mass in the link frame (m).
    #[serde(default)]
    pub com: [f64; 3],
    /// Principal moments about the centre of mass, link axes: `[ixx, iyy, izz]` (kg m²).
    #[serde(default)]
    pub inertia: [f64; 3],
}

/// A link written inline in a scene.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// Link name (unique within the robot).
    pub name: String,
    /// Mass properties.
    #[serde(default, flatten)]
    pub inertia: InertiaSpec,
    /// Collision geometry.
    #[serde(default)]
    pub collisions: Vec<GeometrySpec>,
}

/// A joint written inline in a scene (robots: fixed, revolute, prismatic).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JointSpec {
    /// Joint name (unique within the robot).
    pub name: String,
    /// `fixed`, `revolute` or `prismatic`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Parent link name (within the robot).
    pub parent: String,
    /// Child link name.
    pub child: String,
    /// `parent_from_joint`.
    #[serde(default)]
    pub origin: PoseSpec,
    /// Axis in the joint frame.
    #[serde(default = "default_axis")]
    pub axis: [f64; 3],
    /// Position limits `[lower, upper]` (rad or m).
    #[serde(default)]
    pub limits: Option<[f64; 2]>,
}

fn default_axis() -> [f64; 3] {
    [0.0, 0.0, 1.0]
}

/// Joint stiffness: one value for every actuated joint, or one per joint.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum StiffnessSpec {
    /// The same K for every actuated joint (N m/rad or N/m).
    Uniform(f64),
    /// K per actuated joint, in the order of `actuated`.
    PerJoint(Vec<f64>),
}

/// A robot: from a URDF file or inline links and joints.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RobotSpec {
    /// Robot name; its links and joints are named `robot/link`, `robot/joint`.
    pub name: String,
    /// URDF path, relative to the scene file.
    #[serde(default)]
    pub urdf: Option<String>,
    /// Inline links (when there is no URDF); the first is the root.
    #[serde(default)]
    pub links: Vec<LinkSpec>,
    /// Inline joints.
    #[serde(default)]
    pub joints: Vec<JointSpec>,
    /// `world_from_root`: where the robot's root link is fixed.
    #[serde(default)]
    pub base: PoseSpec,
    /// Actuated joints in input order (default: every movable joint, in tree order). Every
    /// movable joint must be actuated.
    #[serde(default)]
    pub actuated: Option<Vec<String>>,
    /// Joint stiffness K.
    pub stiffness: StiffnessSpec,
    /// Default configuration of the actuated joints (default: zeros).
    #[serde(default)]
    pub default_q: Option<Vec<f64>>,
    /// Friction of the robot's geometry.
    #[serde(default)]
    pub friction: Option<f64>,
}

/// How an object moves.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ObjectJointSpec {
    /// Free rigid body: q = (x, y, z, qw, qx, qy, qz).
    Free,
    /// Motion in a plane spanned by two orthogonal world axes: q = (s₁, s₂, θ).
    Planar {
        /// The two in-plane axes (world frame).
        axes: [[f64; 3]; 2],
    },
    /// Translation along one world axis: q = (s).
    Prismatic {
        /// The axis (world frame).
        axis: [f64; 3],
    },
}

/// An unactuated object.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectSpec {
    /// Object name (also its body name).
    pub name: String,
    /// How it moves.
    pub joint: ObjectJointSpec,
    /// Mass properties.
    #[serde(flatten)]
    pub inertia: InertiaSpec,
    /// Collision geometry.
    #[serde(default)]
    pub collisions: Vec<GeometrySpec>,
    /// Default configuration (default: neutral).
    #[serde(default)]
    pub default_q: Option<Vec<f64>>,
    /// Friction of the object's geometry.
    #[serde(default)]
    pub friction: Option<f64>,
}

/// Collision filter rules.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilterSpec {
    /// Skip contacts between links of the same robot. Default true.
    pub ignore_robot_self_contact: bool,
    /// Body pairs never checked; a name is a body (`robot/link`, an object, `world`) or a
    /// robot (all its links).
    pub ignore_pairs: Vec<[String; 2]>,
}

impl Default for FilterSpec {
    fn default() -> Self {
        FilterSpec {
            ignore_robot_self_contact: true,
            ignore_pairs: Vec::new(),
        }
    }
}

/// A friction coefficient for a pair of bodies (names as in [`FilterSpec::ignore_pairs`]).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrictionPairSpec {
    /// The two bodies or robots.
    pub bodies: [String; 2],
    /// Coefficient of friction μ.
    pub mu: f64,
}
