//! Building a [`Scene`] from its [`SceneSpec`].

use super::model::{CollisionGeometry, CoordinateSplit, Object, Robot, Scene};
use super::spec::{
    GeometrySpec, InertiaSpec, MODEL_PARAMETER_KEYS, ModelParametersSpec, ObjectJointSpec,
    RobotSpec, SceneSpec, StiffnessSpec,
};
use crate::error::GeometryError;
use crate::kinematics::{Inertia, JointId, JointKind, LinkId, MultibodyTree};
use crate::proximity::CollisionFilter;
use crate::urdf::{LinkGeometry, UrdfJoint, UrdfLink, UrdfModel};
use nalgebra::{Isometry3, Matrix3, Point3, Unit, Vector3};
use std::collections::HashMap;

/// Reads a file named in a scene (a URDF, or a mesh it names) by its path relative to the
/// scene file.
pub type FileSource<'a> = &'a dyn Fn(&str) -> Result<Vec<u8>, String>;

/// `x > 0`, false for NaN.
fn is_positive(x: f64) -> bool {
    x > 0.0
}

/// `x ≥ 0`, false for NaN.
fn is_non_negative(x: f64) -> bool {
    x >= 0.0
}

fn model_error(msg: impl Into<String>) -> GeometryError {
    GeometryError::Model(msg.into())
}

/// Mass properties of a link or object named `what`: mass, centre of mass and principal
/// moments finite, mass and moments ≥ 0.
fn inertia(spec: &InertiaSpec, what: &str) -> Result<Inertia, GeometryError> {
    let [ixx, iyy, izz] = spec.inertia;
    if !(is_non_negative(spec.mass) && spec.mass.is_finite()) {
        return Err(model_error(format!(
            "{what}: mass must be finite and ≥ 0, got {}",
            spec.mass
        )));
    }
    if let Some(i) = spec
        .inertia
        .iter()
        .position(|i| !(is_non_negative(*i) && i.is_finite()))
    {
        return Err(model_error(format!(
            "{what}: inertia [{ixx}, {iyy}, {izz}]: entry {i} must be finite and ≥ 0"
        )));
    }
    if let Some(c) = spec.com.iter().find(|c| !c.is_finite()) {
        return Err(model_error(format!(
            "{what}: centre of mass {:?} has a non-finite entry {c}",
            spec.com
        )));
    }
    Ok(Inertia {
        mass: spec.mass,
        com: Point3::from(spec.com),
        rotational: Matrix3::from_diagonal(&Vector3::from(spec.inertia)),
    })
}

/// An object's mass properties: a positive mass and, when it can turn, principal moments that
/// a rigid body can have (each > 0 and at most the sum of the other two), since its
/// quasi-dynamic step divides by them.
fn object_inertia(spec: &InertiaSpec, turns: bool, what: &str) -> Result<Inertia, GeometryError> {
    let inertia = inertia(spec, what)?;
    let [ixx, iyy, izz] = spec.inertia;
    if !is_positive(spec.mass) {
        return Err(model_error(format!(
            "{what}: mass must be > 0, got {}",
            spec.mass
        )));
    }
    if !turns {
        return Ok(inertia);
    }
    // A hair of slack: thin rods and plates sit on the triangle inequality's boundary.
    let slack = 1e-9 * (ixx + iyy + izz);
    if !(is_positive(ixx) && is_positive(iyy) && is_positive(izz))
        || ixx > iyy + izz + slack
        || iyy > ixx + izz + slack
        || izz > ixx + iyy + slack
    {
        return Err(model_error(format!(
            "{what}: inertia [{ixx}, {iyy}, {izz}] is not a rigid body's (each moment > 0 and \
             at most the sum of the other two)"
        )));
    }
    Ok(inertia)
}

fn unit(v: [f64; 3], what: &str) -> Result<Unit<Vector3<f64>>, GeometryError> {
    Unit::try_new(Vector3::from(v), 1e-9)
        .ok_or_else(|| model_error(format!("{what}: axis {v:?} has no direction")))
}

fn check_friction(mu: Option<f64>, what: &str) -> Result<Option<f64>, GeometryError> {
    match mu {
        Some(m) if !(m >= 0.0 && m.is_finite()) => {
            Err(model_error(format!("{what}: friction {m} must be ≥ 0")))
        }
        other => Ok(other),
    }
}

struct Builder {
    tree: MultibodyTree,
    geometries: Vec<CollisionGeometry>,
    default_friction: f64,
}

impl Builder {
    fn add_geometry(
        &mut self,
        spec: &GeometrySpec,
        link: LinkId,
        body: &str,
        k: usize,
        body_friction: Option<f64>,
    ) -> Result<(), GeometryError> {
        let name = spec.name.clone().unwrap_or_else(|| format!("{body}/{k}"));
        let shape = spec
            .shape
            .to_shape()
            .map_err(|e| model_error(format!("geometry '{name}': {e}")))?;
        let pose = spec
            .pose
            .to_pose()
            .map_err(|e| model_error(format!("geometry '{name}': {e}")))?;
        let friction = check_friction(spec.friction, &name)?
            .or(body_friction)
            .unwrap_or(self.default_friction);
        self.push_geometry(name, link, pose, shape, friction)
    }

    fn push_geometry(
        &mut self,
        name: String,
        link: LinkId,
        pose: Isometry3<f64>,
        shape: crate::Shape,
        friction: f64,
    ) -> Result<(), GeometryError> {
        if self.geometries.iter().any(|g| g.name == name) {
            return Err(model_error(format!("duplicate geometry name '{name}'")));
        }
        self.geometries.push(CollisionGeometry {
            name,
            link,
            link_from_geometry: pose,
            shape,
            friction,
        });
        Ok(())
    }
}

/// Builds a scene from its spec; URDF paths are read through `files`.
pub fn build_scene(spec: &SceneSpec, files: FileSource<'_>) -> Result<Scene, GeometryError> {
    let (p, step_parameters) = model_parameters(&spec.parameters)?;
    let mut builder = Builder {
        tree: MultibodyTree::new(),
        geometries: Vec::new(),
        default_friction: p.default_friction,
    };
    let mut warnings = Vec::new();

    for (k, geometry) in spec.environment.iter().enumerate() {
        builder.add_geometry(geometry, MultibodyTree::WORLD, "world", k, None)?;
    }

    let mut robots = Vec::new();
    let mut default_q = Vec::new(); // (q index, value) pairs applied at the end
    let mut split = CoordinateSplit::default();
    for robot_spec in &spec.robots {
        let (robot, robot_defaults) = add_robot(&mut builder, robot_spec, files, &mut warnings)?;
        for (joint, k) in robot.actuated.iter().zip(&robot.stiffness) {
            split.actuated.push(builder.tree.joints()[*joint].q_start);
            split.stiffness.push(*k);
        }
        default_q.extend(robot_defaults);
        robots.push(robot);
    }

    let mut objects = Vec::new();
    for object_spec in &spec.objects {
        let object = add_object(&mut builder, object_spec)?;
        let joint = &builder.tree.joints()[object.joint];
        let (nq, nv) = (joint.kind.nq(), joint.kind.nv());
        split.unactuated_q.extend(joint.q_start..joint.q_start + nq);
        split.unactuated_v.extend(joint.v_start..joint.v_start + nv);
        if let Some(values) = &object_spec.default_q {
            if values.len() != nq {
                return Err(model_error(format!(
                    "object '{}': default_q has {} values, its joint has {nq}",
                    object.name,
                    values.len()
                )));
            }
            default_q.extend(
                values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (joint.q_start + i, *v)),
            );
        }
        objects.push(object);
    }

    let mut q = builder.tree.neutral_configuration();
    for (i, v) in default_q {
        q[i] = v;
    }
    if let Some(i) = q.iter().position(|v| !v.is_finite()) {
        return Err(model_error(format!(
            "default configuration entry {i} is not finite"
        )));
    }

    let names = NameIndex::new(&builder.tree, &robots);
    let (filter, friction_pairs) = collision_rules(spec, &robots, &names)?;
    let plane_normal = p
        .plane_normal
        .map(|n| unit(n, "parameters.plane_normal"))
        .transpose()?;

    let scene = Scene {
        name: spec.name.clone(),
        description: spec.description.clone(),
        tree: builder.tree,
        geometries: builder.geometries,
        robots,
        objects,
        filter,
        friction_pairs,
        split,
        default_q: q,
        d_detect: p.d_detect,
        contact_manifold: p.contact_manifold,
        plane_normal,
        warnings,
        sections: other_sections(spec, step_parameters),
    };
    Ok(scene)
}

/// Friction coefficients per link pair, `(min, max)` ordered.
type FrictionPairs = HashMap<(LinkId, LinkId), f64>;

/// The collision filter (each robot's own links when `ignore_robot_self_contact`, then the
/// ignored pairs) and the friction overrides per link pair, names resolved to links.
fn collision_rules(
    spec: &SceneSpec,
    robots: &[Robot],
    names: &NameIndex<'_>,
) -> Result<(CollisionFilter, FrictionPairs), GeometryError> {
    let mut filter = CollisionFilter::new();
    if spec.collision_filter.ignore_robot_self_contact {
        for robot in robots {
            for (i, a) in robot.links.iter().enumerate() {
                for b in &robot.links[i + 1..] {
                    filter.ignore_bodies(a.index(), b.index());
                }
            }
        }
    }
    for [a, b] in &spec.collision_filter.ignore_pairs {
        for la in names.resolve(a)? {
            for lb in names.resolve(b)? {
                filter.ignore_bodies(la.index(), lb.index());
            }
        }
    }
    let mut friction_pairs = HashMap::new();
    for pair in &spec.friction_pairs {
        check_friction(Some(pair.mu), &format!("friction pair {:?}", pair.bodies))?;
        for la in names.resolve(&pair.bodies[0])? {
            for lb in names.resolve(&pair.bodies[1])? {
                friction_pairs.insert(if la <= lb { (la, lb) } else { (lb, la) }, pair.mu);
            }
        }
    }
    Ok((filter, friction_pairs))
}

/// Splits `[parameters]` into the model's entries ([`MODEL_PARAMETER_KEYS`], parsed and
/// checked here) and the rest (the step's, kept for the dynamics layer).
fn model_parameters(
    table: &toml::Table,
) -> Result<(ModelParametersSpec, toml::Table), GeometryError> {
    let (model, rest): (toml::Table, toml::Table) = table
        .clone()
        .into_iter()
        .partition(|(key, _)| MODEL_PARAMETER_KEYS.contains(&key.as_str()));
    let p: ModelParametersSpec = parse_table(&model, "parameters").map_err(model_error)?;
    let checks = [
        (
            "d_detect",
            p.d_detect,
            is_non_negative(p.d_detect) && p.d_detect.is_finite(),
            "finite and ≥ 0 (m)",
        ),
        (
            "default_friction",
            p.default_friction,
            is_non_negative(p.default_friction) && p.default_friction.is_finite(),
            "finite and ≥ 0",
        ),
    ];
    for (name, value, ok, rule) in checks {
        if !ok {
            return Err(model_error(format!(
                "parameters.{name} must be {rule}, got {value}"
            )));
        }
    }
    Ok((p, rest))
}

/// The sections of a scene file that belong to the layers above, by name.
fn other_sections(spec: &SceneSpec, step_parameters: toml::Table) -> toml::Table {
    let mut sections = toml::Table::new();
    sections.insert("parameters".into(), toml::Value::Table(step_parameters));
    for (name, section) in [("task", &spec.task), ("grasp", &spec.grasp)] {
        if let Some(table) = section {
            sections.insert(name.into(), toml::Value::Table(table.clone()));
        }
    }
    sections
}

/// Parses one section of a scene file into the typed settings of the layer that owns it
/// (`T` with `#[serde(deny_unknown_fields)]` reports misspelt keys). The message names the
/// section, e.g. `[task.rrt]: unknown field `stpe``.
///
/// # Errors
/// A message naming the section and the first problem.
pub fn parse_table<T: serde::de::DeserializeOwned>(
    table: &toml::Table,
    section: &str,
) -> Result<T, String> {
    toml::Value::Table(table.clone())
        .try_into()
        .map_err(|e: toml::de::Error| format!("[{section}]: {}", super::one_line(&e.to_string())))
}

/// A robot's actuated joints (listed, or every movable joint in tree order; every movable
/// joint must be actuated, and each is revolute or prismatic) and their stiffness K (> 0).
fn actuated_joints(
    builder: &Builder,
    spec: &RobotSpec,
    model: &UrdfModel,
) -> Result<(Vec<JointId>, Vec<f64>), GeometryError> {
    let qualified = |n: &str| format!("{}/{n}", spec.name);
    let movable: Vec<String> = model
        .joints
        .iter()
        .filter(|j| j.kind.nv() > 0)
        .map(|j| j.name.clone())
        .collect();
    let actuated_names = spec.actuated.clone().unwrap_or_else(|| movable.clone());
    for name in &movable {
        if !actuated_names.contains(name) {
            return Err(model_error(format!(
                "robot '{}': movable joint '{name}' is not actuated (make it fixed or list it)",
                spec.name
            )));
        }
    }
    let mut actuated = Vec::new();
    for name in &actuated_names {
        let id = builder.tree.joint_id(&qualified(name)).ok_or_else(|| {
            model_error(format!(
                "robot '{}': unknown joint '{name}' in actuated",
                spec.name
            ))
        })?;
        if builder.tree.joints()[id].kind.nv() != 1 {
            return Err(model_error(format!(
                "robot '{}': actuated joint '{name}' must be revolute or prismatic",
                spec.name
            )));
        }
        actuated.push(id);
    }
    let stiffness = match &spec.stiffness {
        StiffnessSpec::Uniform(k) => vec![*k; actuated.len()],
        StiffnessSpec::PerJoint(ks) if ks.len() == actuated.len() => ks.clone(),
        StiffnessSpec::PerJoint(ks) => {
            return Err(model_error(format!(
                "robot '{}': {} stiffness values for {} actuated joints",
                spec.name,
                ks.len(),
                actuated.len()
            )));
        }
    };
    if let Some(k) = stiffness.iter().find(|k| !(**k > 0.0 && k.is_finite())) {
        return Err(model_error(format!(
            "robot '{}': stiffness {k} must be positive",
            spec.name
        )));
    }
    Ok((actuated, stiffness))
}

/// Resolves names in filter and friction rules to links.
struct NameIndex<'a> {
    tree: &'a MultibodyTree,
    robots: &'a [Robot],
}

impl<'a> NameIndex<'a> {
    fn new(tree: &'a MultibodyTree, robots: &'a [Robot]) -> Self {
        NameIndex { tree, robots }
    }

    fn resolve(&self, name: &str) -> Result<Vec<LinkId>, GeometryError> {
        if let Some(robot) = self.robots.iter().find(|r| r.name == name) {
            return Ok(robot.links.clone());
        }
        self.tree.link_id(name).map(|l| vec![l]).ok_or_else(|| {
            model_error(format!(
                "unknown body or robot '{name}' (robot links are named 'robot/link')"
            ))
        })
    }
}

/// The robot's links and joints, from its URDF or inline.
fn robot_model(spec: &RobotSpec, files: FileSource<'_>) -> Result<UrdfModel, GeometryError> {
    match (&spec.urdf, spec.links.is_empty()) {
        (Some(path), true) => {
            let bytes = files(path).map_err(|e| {
                model_error(format!(
                    "robot '{}': cannot read URDF '{path}': {e}",
                    spec.name
                ))
            })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                model_error(format!("robot '{}': URDF '{path}' is not UTF-8", spec.name))
            })?;
            // Meshes resolve against the URDF's own folder.
            let folder = std::path::Path::new(path)
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default();
            let meshes = |mesh: &str| files(&folder.join(mesh).to_string_lossy());
            UrdfModel::from_urdf_str_with_meshes(&text, &meshes)
                .map_err(|e| model_error(format!("robot '{}' ({path}): {e}", spec.name)))
        }
        (None, false) => inline_model(spec),
        (Some(_), false) => Err(model_error(format!(
            "robot '{}': give either a URDF or inline links, not both",
            spec.name
        ))),
        (None, true) => Err(model_error(format!(
            "robot '{}': no URDF and no links",
            spec.name
        ))),
    }
}

fn inline_model(spec: &RobotSpec) -> Result<UrdfModel, GeometryError> {
    let mut links = Vec::new();
    for link in &spec.links {
        let mut geometries = Vec::new();
        for (k, g) in link.collisions.iter().enumerate() {
            let name = g
                .name
                .clone()
                .unwrap_or_else(|| format!("{}/{k}", link.name));
            let shape = g
                .shape
                .to_shape()
                .map_err(|e| model_error(format!("geometry '{name}': {e}")))?;
            let link_from_geometry = g
                .pose
                .to_pose()
                .map_err(|e| model_error(format!("geometry '{name}': {e}")))?;
            if g.friction.is_some() {
                return Err(model_error(format!(
                    "geometry '{name}': set friction on the robot, not on its geometry"
                )));
            }
            geometries.push(LinkGeometry {
                name,
                shape,
                link_from_geometry,
            });
        }
        links.push(UrdfLink {
            name: link.name.clone(),
            inertia: inertia(&link.inertia, &format!("link '{}'", link.name))?,
            geometries,
        });
    }
    let mut joints = Vec::new();
    for joint in &spec.joints {
        let what = format!("robot '{}' joint '{}'", spec.name, joint.name);
        let kind = match joint.kind.as_str() {
            "fixed" => JointKind::Fixed,
            "revolute" => JointKind::Revolute {
                axis: unit(joint.axis, &what)?,
            },
            "prismatic" => JointKind::Prismatic {
                axis: unit(joint.axis, &what)?,
            },
            other => {
                return Err(model_error(format!(
                    "{what}: type '{other}' (robots use fixed, revolute, prismatic)"
                )));
            }
        };
        joints.push(UrdfJoint {
            name: joint.name.clone(),
            kind,
            parent: joint.parent.clone(),
            child: joint.child.clone(),
            origin: joint
                .origin
                .to_pose()
                .map_err(|e| model_error(format!("{what}: {e}")))?,
            limits: joint.limits.map(|[lo, hi]| (lo, hi)),
        });
    }
    let root = spec.links[0].name.clone();
    // Reuse the URDF path's checks (one root, connected, parent-before-child order).
    let text_free = UrdfModel {
        name: spec.name.clone(),
        root,
        links,
        joints,
        warnings: Vec::new(),
    };
    text_free.validated()
}

/// Adds a robot; returns it and its default actuated coordinates as `(q index, value)`.
fn add_robot(
    builder: &mut Builder,
    spec: &RobotSpec,
    files: FileSource<'_>,
    warnings: &mut Vec<String>,
) -> Result<(Robot, Vec<(usize, f64)>), GeometryError> {
    let model = robot_model(spec, files)?;
    warnings.extend(
        model
            .warnings
            .iter()
            .map(|w| format!("robot '{}': {w}", spec.name)),
    );
    let friction = check_friction(spec.friction, &spec.name)?;
    let qualified = |n: &str| format!("{}/{n}", spec.name);
    let base = spec
        .base
        .to_pose()
        .map_err(|e| model_error(format!("robot '{}' base: {e}", spec.name)))?;

    let mut link_ids: HashMap<String, LinkId> = HashMap::new();
    let root = model
        .link(&model.root)
        .ok_or_else(|| model_error("root link missing"))?;
    let root_id = builder.tree.add_link(
        crate::kinematics::Link {
            name: qualified(&root.name),
            parent_joint: None,
            inertia: root.inertia.clone(),
        },
        &qualified("base"),
        JointKind::Fixed,
        MultibodyTree::WORLD,
        base,
        None,
    )?;
    link_ids.insert(root.name.clone(), root_id);
    for joint in &model.joints {
        let child = model
            .link(&joint.child)
            .ok_or_else(|| model_error(format!("link '{}' missing", joint.child)))?;
        let parent = link_ids[&joint.parent];
        let id = builder.tree.add_link(
            crate::kinematics::Link {
                name: qualified(&child.name),
                parent_joint: None,
                inertia: child.inertia.clone(),
            },
            &qualified(&joint.name),
            joint.kind.clone(),
            parent,
            joint.origin,
            joint.limits,
        )?;
        link_ids.insert(child.name.clone(), id);
    }
    let mut links: Vec<LinkId> = link_ids.values().copied().collect();
    links.sort_unstable();
    // A geometry name written already qualified (`pusher/tip`) is kept as written, not
    // qualified twice.
    let robot_prefix = format!("{}/", spec.name);
    for link in &model.links {
        for geometry in &link.geometries {
            let mu = friction.unwrap_or(builder.default_friction);
            let name = if geometry.name.starts_with(&robot_prefix) {
                geometry.name.clone()
            } else {
                qualified(&geometry.name)
            };
            builder.push_geometry(
                name,
                link_ids[&link.name],
                geometry.link_from_geometry,
                geometry.shape.clone(),
                mu,
            )?;
        }
    }

    let (actuated, stiffness) = actuated_joints(builder, spec, &model)?;
    let mut defaults = Vec::new();
    if let Some(values) = &spec.default_q {
        if values.len() != actuated.len() {
            return Err(model_error(format!(
                "robot '{}': default_q has {} values for {} actuated joints",
                spec.name,
                values.len(),
                actuated.len()
            )));
        }
        for (joint, value) in actuated.iter().zip(values) {
            defaults.push((builder.tree.joints()[*joint].q_start, *value));
        }
    }
    Ok((
        Robot {
            name: spec.name.clone(),
            links,
            actuated,
            stiffness,
        },
        defaults,
    ))
}

fn add_object(
    builder: &mut Builder,
    spec: &super::spec::ObjectSpec,
) -> Result<Object, GeometryError> {
    let what = format!("object '{}'", spec.name);
    let kind = match &spec.joint {
        ObjectJointSpec::Free => JointKind::Free,
        ObjectJointSpec::Planar { axes } => {
            let (a1, a2) = (unit(axes[0], &what)?, unit(axes[1], &what)?);
            JointKind::Planar {
                axis_1: a1,
                axis_2: a2,
            }
        }
        ObjectJointSpec::Prismatic { axis } => JointKind::Prismatic {
            axis: unit(*axis, &what)?,
        },
    };
    let link = builder.tree.add_link(
        crate::kinematics::Link {
            name: spec.name.clone(),
            parent_joint: None,
            inertia: object_inertia(
                &spec.inertia,
                !matches!(spec.joint, ObjectJointSpec::Prismatic { .. }),
                &what,
            )?,
        },
        &format!("{}/joint", spec.name),
        kind,
        MultibodyTree::WORLD,
        Isometry3::identity(),
        None,
    )?;
    let friction = check_friction(spec.friction, &what)?;
    for (k, geometry) in spec.collisions.iter().enumerate() {
        builder.add_geometry(geometry, link, &spec.name, k, friction)?;
    }
    let joint = builder.tree.links()[link]
        .parent_joint
        .ok_or_else(|| model_error("object without joint"))?;
    Ok(Object {
        name: spec.name.clone(),
        link,
        joint,
    })
}
