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
    /// Physical and solver parameters (SPEC §2).
    #[serde(default)]
    pub parameters: ParametersSpec,
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
    /// The planning task (optional).
    #[serde(default)]
    pub task: Option<super::task::TaskSpec>,
    /// Grasp data for contact sampling (optional).
    #[serde(default)]
    pub grasp: Option<super::task::GraspSpec>,
}

/// Forward mode of the step (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardMode {
    /// Second-order cone program (Lorentz friction cones), Clarabel.
    #[default]
    Socp,
    /// Quadratic program (pyramidal cones with `nd` rays), Clarabel.
    Qp,
    /// Log-barrier relaxation of the cone constraints, damped Newton.
    LogBarrierCone,
    /// Log-barrier relaxation of the pyramid constraints, damped Newton.
    LogBarrierPyramid,
}

impl ForwardMode {
    /// The exact form with the same friction cones: `Socp` for the cone forms, `Qp` for the
    /// pyramid forms (what planners roll out with, whatever the scene smooths with).
    pub fn exact(self) -> ForwardMode {
        match self {
            ForwardMode::Qp | ForwardMode::LogBarrierPyramid => ForwardMode::Qp,
            ForwardMode::Socp | ForwardMode::LogBarrierCone => ForwardMode::Socp,
        }
    }
}

/// Which derivatives the step computes (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GradientMode {
    /// No derivatives.
    #[default]
    None,
    /// B = ∂q⁺/∂u.
    B,
    /// A = ∂q⁺/∂q and B.
    Ab,
}

/// Parameters of SPEC §2, each with a documented default.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParametersSpec {
    /// Time step h (s). Default 0.1.
    pub h: f64,
    /// Gravity (m/s²). Default (0, 0, −9.81).
    pub gravity: [f64; 3],
    /// Contact detection distance d_detect (m): pairs with φ ≤ d_detect enter the step.
    /// Default 0.05.
    pub d_detect: f64,
    /// Object mass scale s: absent = ε = 1; positive = lighter objects as s grows; 0 = frozen.
    pub mass_scale: Option<f64>,
    /// Quasi-dynamic (object mass term) if true, quasi-static if false. Default true.
    pub quasi_dynamic: bool,
    /// Barrier weight κ (larger = less smoothing). Default 100.
    pub kappa: f64,
    /// Rays of the pyramidal friction cone. Default 4.
    pub nd: usize,
    /// Friction of a body without its own value. Default 1.0.
    pub default_friction: f64,
    /// Forward mode. Default `socp`.
    pub forward_mode: ForwardMode,
    /// Gradient mode. Default `none`.
    pub gradient_mode: GradientMode,
    /// For systems that move in a plane: the plane's normal (world). Contacts then get the
    /// single in-plane tangent. Absent = 3D (two tangents).
    pub plane_normal: Option<[f64; 3]>,
}

impl Default for ParametersSpec {
    fn default() -> Self {
        ParametersSpec {
            h: 0.1,
            gravity: [0.0, 0.0, -9.81],
            d_detect: 0.05,
            mass_scale: None,
            quasi_dynamic: true,
            kappa: 100.0,
            nd: 4,
            default_friction: 1.0,
            forward_mode: ForwardMode::Socp,
            gradient_mode: GradientMode::None,
            plane_normal: None,
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
