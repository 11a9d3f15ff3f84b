//! Scenes built in code: the same model a scene file describes, checked by the same loader,
//! without writing TOML (`docs/scene-format.md` gives every field's meaning).

use super::model::Scene;
use super::spec::{
    FilterSpec, GeometrySpec, InertiaSpec, JointSpec, LinkSpec, ObjectJointSpec, ObjectSpec,
    RobotSpec, SceneSpec, StiffnessSpec,
};
use crate::error::GeometryError;
use crate::pose::PoseSpec;
use crate::shape_spec::ShapeSpec;

/// A scene under construction. [`SceneBuilder::build`] checks it as a scene file is checked.
///
/// ```
/// use qd_geometry::scene::{ObjectBuilder, RobotBuilder, SceneBuilder};
/// use qd_geometry::{PoseSpec, ShapeSpec};
///
/// // A point finger on a rail along x pushes a ball resting on the ground.
/// let finger = RobotBuilder::new("finger", 100.0)
///     .link("base", &[])
///     .link("tip", &[(ShapeSpec::Sphere { radius: 0.02 }, PoseSpec::at([0.0; 3]))])
///     .prismatic("slide", ["base", "tip"], PoseSpec::at([-0.2, 0.0, 0.1]), [1.0, 0.0, 0.0]);
/// let ball = ObjectBuilder::free("ball")
///     .mass(0.5, [2e-4; 3])
///     .collision(ShapeSpec::Sphere { radius: 0.1 }, PoseSpec::at([0.0; 3]))
///     .default_q(&[0.0, 0.0, 0.1, 1.0, 0.0, 0.0, 0.0]);
/// let scene = SceneBuilder::new("finger-ball")
///     .d_detect(0.1)
///     .environment(ShapeSpec::Halfspace {}, PoseSpec::at([0.0; 3]))
///     .robot(finger)
///     .object(ball)
///     .build()?;
/// assert_eq!((scene.tree().nq(), scene.na()), (8, 1));
/// # Ok::<(), qd_geometry::GeometryError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SceneBuilder {
    spec: SceneSpec,
}

impl SceneBuilder {
    /// An empty scene named `name`, with every parameter at its default.
    pub fn new(name: &str) -> Self {
        SceneBuilder {
            spec: SceneSpec {
                name: name.to_string(),
                description: String::new(),
                parameters: toml::Table::new(),
                robots: Vec::new(),
                objects: Vec::new(),
                environment: Vec::new(),
                collision_filter: FilterSpec::default(),
                friction_pairs: Vec::new(),
                task: None,
                grasp: None,
            },
        }
    }

    /// One-line description.
    pub fn description(mut self, text: &str) -> Self {
        self.spec.description = text.to_string();
        self
    }

    /// Contact detection distance d_detect (m).
    pub fn d_detect(self, metres: f64) -> Self {
        self.parameter("d_detect", metres)
    }

    /// Friction of geometry without its own value.
    pub fn default_friction(self, mu: f64) -> Self {
        self.parameter("default_friction", mu)
    }

    /// Whether pairs with flat faces get a contact manifold (default true; see
    /// [`crate::manifold`]).
    pub fn contact_manifold(self, on: bool) -> Self {
        self.parameter("contact_manifold", on)
    }

    /// For systems that move in a plane: the plane's normal (world).
    pub fn plane_normal(self, normal: [f64; 3]) -> Self {
        let value = toml::Value::Array(normal.iter().map(|v| toml::Value::Float(*v)).collect());
        self.parameter("plane_normal", value)
    }

    /// Any `[parameters]` entry, for the layers above to read as from a file (e.g.
    /// `("h", 0.05)` or `("forward_mode", "qp")` for the step's settings).
    pub fn parameter(mut self, key: &str, value: impl Into<toml::Value>) -> Self {
        self.spec.parameters.insert(key.to_string(), value.into());
        self
    }

    /// Fixed environment geometry at `pose` in the world.
    pub fn environment(mut self, shape: ShapeSpec, pose: PoseSpec) -> Self {
        self.spec.environment.push(geometry(shape, pose));
        self
    }

    /// A robot.
    pub fn robot(mut self, robot: RobotBuilder) -> Self {
        self.spec.robots.push(robot.spec);
        self
    }

    /// An object.
    pub fn object(mut self, object: ObjectBuilder) -> Self {
        self.spec.objects.push(object.spec);
        self
    }

    /// Two bodies (or robots: all their links) that never collide.
    pub fn ignore_pair(mut self, a: &str, b: &str) -> Self {
        self.spec
            .collision_filter
            .ignore_pairs
            .push([a.to_string(), b.to_string()]);
        self
    }

    /// The scene.
    ///
    /// # Errors
    /// Every check of a scene file: names, kinematics, masses, shapes, parameters.
    pub fn build(self) -> Result<Scene, GeometryError> {
        super::build_scene(&self.spec, &|path: &str| {
            Err(format!("{path}: scenes built in code read no files"))
        })
    }
}

fn geometry(shape: ShapeSpec, pose: PoseSpec) -> GeometrySpec {
    GeometrySpec {
        name: None,
        shape,
        pose,
        friction: None,
    }
}

/// A robot written link by link; its root is the first link, fixed at `base` in the world.
#[derive(Debug, Clone)]
pub struct RobotBuilder {
    spec: RobotSpec,
}

impl RobotBuilder {
    /// A robot named `name` whose actuated joints all have stiffness `stiffness` (N m/rad or
    /// N/m).
    pub fn new(name: &str, stiffness: f64) -> Self {
        RobotBuilder {
            spec: RobotSpec {
                name: name.to_string(),
                urdf: None,
                links: Vec::new(),
                joints: Vec::new(),
                base: PoseSpec::default(),
                actuated: None,
                stiffness: StiffnessSpec::Uniform(stiffness),
                default_q: None,
                friction: None,
            },
        }
    }

    /// Where the root link is fixed (`world_from_root`).
    pub fn base(mut self, pose: PoseSpec) -> Self {
        self.spec.base = pose;
        self
    }

    /// A massless link with collision shapes at poses in the link's frame.
    pub fn link(mut self, name: &str, collisions: &[(ShapeSpec, PoseSpec)]) -> Self {
        self.spec.links.push(LinkSpec {
            name: name.to_string(),
            inertia: InertiaSpec::default(),
            collisions: collisions
                .iter()
                .map(|(shape, pose)| geometry(shape.clone(), *pose))
                .collect(),
        });
        self
    }

    /// Mass (kg) and principal moments about the centre of mass (kg m²) of the link added
    /// last.
    pub fn link_mass(mut self, mass: f64, inertia: [f64; 3]) -> Self {
        if let Some(link) = self.spec.links.last_mut() {
            link.inertia.mass = mass;
            link.inertia.inertia = inertia;
        }
        self
    }

    /// A revolute joint `[parent, child]` at `origin` in the parent, about `axis`.
    pub fn revolute(
        self,
        name: &str,
        [parent, child]: [&str; 2],
        origin: PoseSpec,
        axis: [f64; 3],
    ) -> Self {
        self.joint(name, "revolute", [parent, child], origin, axis)
    }

    /// A prismatic joint `[parent, child]` at `origin` in the parent, along `axis`.
    pub fn prismatic(
        self,
        name: &str,
        [parent, child]: [&str; 2],
        origin: PoseSpec,
        axis: [f64; 3],
    ) -> Self {
        self.joint(name, "prismatic", [parent, child], origin, axis)
    }

    /// A fixed joint `[parent, child]` at `origin` in the parent.
    pub fn fixed(self, name: &str, [parent, child]: [&str; 2], origin: PoseSpec) -> Self {
        self.joint(name, "fixed", [parent, child], origin, [0.0, 0.0, 1.0])
    }

    fn joint(
        mut self,
        name: &str,
        kind: &str,
        [parent, child]: [&str; 2],
        origin: PoseSpec,
        axis: [f64; 3],
    ) -> Self {
        self.spec.joints.push(JointSpec {
            name: name.to_string(),
            kind: kind.to_string(),
            parent: parent.to_string(),
            child: child.to_string(),
            origin,
            axis,
            limits: None,
        });
        self
    }

    /// Position limits `[lower, upper]` (rad or m) of the joint added last.
    pub fn limits(mut self, lower: f64, upper: f64) -> Self {
        if let Some(joint) = self.spec.joints.last_mut() {
            joint.limits = Some([lower, upper]);
        }
        self
    }

    /// Stiffness per actuated joint, in joint order (instead of one for all).
    pub fn stiffness_per_joint(mut self, stiffness: &[f64]) -> Self {
        self.spec.stiffness = StiffnessSpec::PerJoint(stiffness.to_vec());
        self
    }

    /// Default configuration of the actuated joints.
    pub fn default_q(mut self, q: &[f64]) -> Self {
        self.spec.default_q = Some(q.to_vec());
        self
    }

    /// Friction of the robot's geometry.
    pub fn friction(mut self, mu: f64) -> Self {
        self.spec.friction = Some(mu);
        self
    }
}

/// An unactuated object.
#[derive(Debug, Clone)]
pub struct ObjectBuilder {
    spec: ObjectSpec,
}

impl ObjectBuilder {
    fn new(name: &str, joint: ObjectJointSpec) -> Self {
        ObjectBuilder {
            spec: ObjectSpec {
                name: name.to_string(),
                joint,
                inertia: InertiaSpec::default(),
                collisions: Vec::new(),
                default_q: None,
                friction: None,
            },
        }
    }

    /// A free rigid body: q = (x, y, z, qw, qx, qy, qz).
    pub fn free(name: &str) -> Self {
        ObjectBuilder::new(name, ObjectJointSpec::Free)
    }

    /// A body moving in the plane of two orthogonal world axes: q = (s₁, s₂, θ).
    pub fn planar(name: &str, axes: [[f64; 3]; 2]) -> Self {
        ObjectBuilder::new(name, ObjectJointSpec::Planar { axes })
    }

    /// A body sliding along a world axis: q = (s).
    pub fn prismatic(name: &str, axis: [f64; 3]) -> Self {
        ObjectBuilder::new(name, ObjectJointSpec::Prismatic { axis })
    }

    /// Mass (kg) and principal moments about the centre of mass, link axes (kg m²).
    pub fn mass(mut self, mass: f64, inertia: [f64; 3]) -> Self {
        self.spec.inertia.mass = mass;
        self.spec.inertia.inertia = inertia;
        self
    }

    /// Centre of mass in the body's frame (m).
    pub fn com(mut self, com: [f64; 3]) -> Self {
        self.spec.inertia.com = com;
        self
    }

    /// A collision shape at `pose` in the body's frame.
    pub fn collision(mut self, shape: ShapeSpec, pose: PoseSpec) -> Self {
        self.spec.collisions.push(geometry(shape, pose));
        self
    }

    /// Default configuration (its joint's q block).
    pub fn default_q(mut self, q: &[f64]) -> Self {
        self.spec.default_q = Some(q.to_vec());
        self
    }

    /// Friction of the object's geometry.
    pub fn friction(mut self, mu: f64) -> Self {
        self.spec.friction = Some(mu);
        self
    }
}
