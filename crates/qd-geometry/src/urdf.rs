//! URDF loading: links, joints (origins, axes, limits), inertials and collision primitives.
//!
//! `urdf-rs` parses the XML; everything after parsing is ours. Visual geometry is ignored.
//! Collision meshes (`.obj` read by `tobj`, `.stl` by `stl_io`) become the convex hull of their
//! vertices (scaled as the URDF says) when the file resolves through the caller's file source
//! (relative to the URDF's folder; `file://` URIs too); a mesh that does not resolve
//! (`package://` URIs, other formats, degenerate hulls) is skipped with a warning in
//! [`UrdfModel::warnings`]. Joint types: fixed, revolute, continuous (revolute
//! without limits), prismatic, planar (the URDF axis is the plane normal); floating and
//! spherical joints inside a robot are rejected.

use crate::error::GeometryError;
use crate::kinematics::{Inertia, JointKind};
use crate::shape::Shape;
use nalgebra::{Isometry3, Matrix3, Point3, Translation3, Unit, UnitQuaternion, Vector3};
use std::path::Path;

/// A collision geometry attached to a link.
#[derive(Debug, Clone)]
pub struct LinkGeometry {
    /// Name (the URDF's, or `link/collision_k`).
    pub name: String,
    /// The shape.
    pub shape: Shape,
    /// `link_from_geometry`.
    pub link_from_geometry: Isometry3<f64>,
}

/// A link of a URDF robot.
#[derive(Debug, Clone)]
pub struct UrdfLink {
    /// Link name as in the file.
    pub name: String,
    /// Mass properties in the link frame.
    pub inertia: Inertia,
    /// Collision primitives.
    pub geometries: Vec<LinkGeometry>,
}

/// A joint of a URDF robot.
#[derive(Debug, Clone)]
pub struct UrdfJoint {
    /// Joint name as in the file.
    pub name: String,
    /// Motion type with axes in the joint frame.
    pub kind: JointKind,
    /// Parent link name.
    pub parent: String,
    /// Child link name.
    pub child: String,
    /// `parent_from_joint`.
    pub origin: Isometry3<f64>,
    /// Position limits for revolute and prismatic joints.
    pub limits: Option<(f64, f64)>,
}

/// A robot read from URDF, before it is placed in a scene.
#[derive(Debug, Clone)]
pub struct UrdfModel {
    /// Robot name.
    pub name: String,
    /// The root link (the only link that is no joint's child).
    pub root: String,
    /// Links in file order.
    pub links: Vec<UrdfLink>,
    /// Joints ordered parent-before-child (breadth first from the root).
    pub joints: Vec<UrdfJoint>,
    /// What was skipped and why (unresolvable meshes).
    pub warnings: Vec<String>,
}

fn isometry(pose: &urdf_rs::Pose) -> Isometry3<f64> {
    let [x, y, z] = pose.xyz.0;
    let [roll, pitch, yaw] = pose.rpy.0;
    // URDF rpy: fixed-axis roll about x, then pitch about y, then yaw about z.
    Isometry3::from_parts(
        Translation3::new(x, y, z),
        UnitQuaternion::from_euler_angles(roll, pitch, yaw),
    )
}

/// `pose` as an isometry, refusing non-finite values (naming `what`).
fn finite_isometry(pose: &urdf_rs::Pose, what: &str) -> Result<Isometry3<f64>, GeometryError> {
    if pose.xyz.0.iter().chain(&pose.rpy.0).any(|v| !v.is_finite()) {
        return Err(GeometryError::Model(format!(
            "{what}: origin xyz {:?} rpy {:?} has a non-finite value",
            pose.xyz.0, pose.rpy.0
        )));
    }
    Ok(isometry(pose))
}

/// A link's inertial, checked: finite mass ≥ 0, finite inertia entries and origin.
fn checked_inertia(inertial: &urdf_rs::Inertial, link: &str) -> Result<Inertia, GeometryError> {
    let i = &inertial.inertia;
    let mass = inertial.mass.value;
    if !(mass.is_finite() && mass >= 0.0) {
        return Err(GeometryError::Model(format!(
            "link '{link}': mass must be finite and ≥ 0, got {mass}"
        )));
    }
    let entries = [i.ixx, i.ixy, i.ixz, i.iyy, i.iyz, i.izz];
    if entries.iter().any(|v| !v.is_finite()) {
        return Err(GeometryError::Model(format!(
            "link '{link}': inertia (ixx, ixy, ixz, iyy, iyz, izz) = {entries:?} has a non-finite entry"
        )));
    }
    finite_isometry(&inertial.origin, &format!("link '{link}' inertial"))?;
    Ok(inertia(inertial))
}

fn inertia(inertial: &urdf_rs::Inertial) -> Inertia {
    let i = &inertial.inertia;
    let in_frame = Matrix3::new(
        i.ixx, i.ixy, i.ixz, i.ixy, i.iyy, i.iyz, i.ixz, i.iyz, i.izz,
    );
    let frame = isometry(&inertial.origin);
    let r = frame.rotation.to_rotation_matrix().into_inner();
    Inertia {
        mass: inertial.mass.value,
        com: Point3::from(frame.translation.vector),
        rotational: r * in_frame * r.transpose(),
    }
}

fn unit_axis(joint: &urdf_rs::Joint) -> Result<Unit<Vector3<f64>>, GeometryError> {
    if joint.axis.xyz.0.iter().any(|v| !v.is_finite()) {
        return Err(GeometryError::Model(format!(
            "joint '{}': axis {:?} has a non-finite value",
            joint.name, joint.axis.xyz.0
        )));
    }
    Unit::try_new(Vector3::from(joint.axis.xyz.0), 1e-9)
        .ok_or_else(|| GeometryError::Model(format!("joint '{}': zero axis", joint.name)))
}

impl UrdfModel {
    /// Reads a URDF file.
    ///
    /// # Errors
    /// An unreadable or malformed file, an unsupported joint type, invalid geometry.
    pub fn from_file(path: &Path) -> Result<Self, GeometryError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            GeometryError::Model(format!("cannot read URDF {}: {e}", path.display()))
        })?;
        Self::from_urdf_str(&text).map_err(|e| match e {
            GeometryError::Model(m) => GeometryError::Model(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Reads URDF text whose meshes cannot be resolved (every mesh is skipped with a warning).
    ///
    /// # Errors
    /// As [`UrdfModel::from_file`].
    pub fn from_urdf_str(text: &str) -> Result<Self, GeometryError> {
        Self::from_urdf_str_with_meshes(text, &|path: &str| {
            Err(format!("no file source for '{path}'"))
        })
    }

    /// Reads URDF text; mesh file names are read through `meshes` (a path as written in the
    /// URDF, `file://` stripped).
    ///
    /// # Errors
    /// As [`UrdfModel::from_file`].
    pub fn from_urdf_str_with_meshes(
        text: &str,
        meshes: MeshSource<'_>,
    ) -> Result<Self, GeometryError> {
        let robot = urdf_rs::read_from_string(text)
            .map_err(|e| GeometryError::Model(format!("malformed URDF: {e}")))?;
        let mut warnings = Vec::new();
        let mut links = Vec::with_capacity(robot.links.len());
        for link in &robot.links {
            let mut geometries = Vec::new();
            for (k, collision) in link.collision.iter().enumerate() {
                let name = collision
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("{}/collision_{k}", link.name));
                let shape = match &collision.geometry {
                    urdf_rs::Geometry::Box { size } => Shape::cuboid(size.0),
                    urdf_rs::Geometry::Sphere { radius } => Shape::sphere(*radius),
                    urdf_rs::Geometry::Cylinder { radius, length } => {
                        Shape::cylinder(*radius, *length)
                    }
                    urdf_rs::Geometry::Capsule { radius, length } => {
                        Shape::capsule(*radius, *length)
                    }
                    urdf_rs::Geometry::Mesh { filename, scale } => {
                        let scale = scale.as_ref().map(|s| s.0).unwrap_or([1.0; 3]);
                        match mesh_hull(filename, scale, meshes) {
                            Ok(shape) => Ok(shape),
                            Err(reason) => {
                                warnings.push(format!(
                                    "link '{}': mesh '{filename}' skipped: {reason}",
                                    link.name
                                ));
                                continue;
                            }
                        }
                    }
                }
                .map_err(|e| GeometryError::Model(format!("link '{}': {e}", link.name)))?;
                geometries.push(LinkGeometry {
                    name,
                    shape,
                    link_from_geometry: finite_isometry(
                        &collision.origin,
                        &format!("link '{}' collision", link.name),
                    )?,
                });
            }
            links.push(UrdfLink {
                name: link.name.clone(),
                inertia: checked_inertia(&link.inertial, &link.name)?,
                geometries,
            });
        }

        let joints = robot
            .joints
            .iter()
            .map(urdf_joint)
            .collect::<Result<Vec<_>, _>>()?;

        UrdfModel {
            name: robot.name,
            root: String::new(),
            links,
            joints,
            warnings,
        }
        .validated()
    }

    /// Finds the root, checks every joint names known links, and orders the joints
    /// parent-before-child. Used for URDF and for robots written inline in scenes.
    ///
    /// # Errors
    /// Unknown links, several roots, cycles, disconnected joints.
    pub fn validated(mut self) -> Result<Self, GeometryError> {
        self.root = find_root(&self.links, &self.joints)?;
        self.joints = order_depth_first(&self.root, std::mem::take(&mut self.joints))?;
        Ok(self)
    }

    /// The link with this name.
    pub fn link(&self, name: &str) -> Option<&UrdfLink> {
        self.links.iter().find(|l| l.name == name)
    }
}

/// Reads a mesh file's bytes by the path written in the URDF.
pub type MeshSource<'a> = &'a dyn Fn(&str) -> Result<Vec<u8>, String>;

/// The convex hull of a mesh file's vertices, scaled per axis.
fn mesh_hull(filename: &str, scale: [f64; 3], meshes: MeshSource<'_>) -> Result<Shape, String> {
    if filename.starts_with("package://") {
        return Err("package:// URIs are not resolved".into());
    }
    let path = filename.strip_prefix("file://").unwrap_or(filename);
    let lower = path.to_ascii_lowercase();
    let bytes = meshes(path)?;
    let vertices: Vec<[f64; 3]> = if lower.ends_with(".obj") {
        let (models, _) = tobj::load_obj_buf(
            &mut std::io::Cursor::new(bytes),
            &tobj::LoadOptions::default(),
            |_| Err(tobj::LoadError::GenericFailure),
        )
        .map_err(|e| format!("OBJ: {e}"))?;
        models
            .iter()
            .flat_map(|m| {
                m.mesh
                    .positions
                    .chunks_exact(3)
                    .map(|p| [f64::from(p[0]), f64::from(p[1]), f64::from(p[2])])
            })
            .collect()
    } else if lower.ends_with(".stl") {
        let mesh =
            stl_io::read_stl(&mut std::io::Cursor::new(bytes)).map_err(|e| format!("STL: {e}"))?;
        mesh.vertices
            .iter()
            .map(|v| [f64::from(v[0]), f64::from(v[1]), f64::from(v[2])])
            .collect()
    } else {
        return Err("only .obj and .stl meshes are read".into());
    };
    let points: Vec<Point3<f64>> = vertices
        .iter()
        .map(|v| Point3::new(v[0] * scale[0], v[1] * scale[1], v[2] * scale[2]))
        .collect();
    Shape::convex_hull(&points).map_err(|e| e.to_string())
}

fn find_root(links: &[UrdfLink], joints: &[UrdfJoint]) -> Result<String, GeometryError> {
    for joint in joints {
        for end in [&joint.parent, &joint.child] {
            if !links.iter().any(|l| &l.name == end) {
                return Err(GeometryError::Model(format!(
                    "joint '{}' names unknown link '{end}'",
                    joint.name
                )));
            }
        }
    }
    let roots: Vec<&str> = links
        .iter()
        .map(|l| l.name.as_str())
        .filter(|n| !joints.iter().any(|j| j.child == *n))
        .collect();
    match roots.as_slice() {
        [root] => Ok(root.to_string()),
        [] => Err(GeometryError::Model(
            "URDF has no root link (a joint cycle)".into(),
        )),
        many => Err(GeometryError::Model(format!(
            "URDF has several root links: {}",
            many.join(", ")
        ))),
    }
}

/// Depth first, children in file order: a hand's joints come out finger by finger, as they
/// are declared (and as the Allegro's joint numbering runs).
fn order_depth_first(root: &str, joints: Vec<UrdfJoint>) -> Result<Vec<UrdfJoint>, GeometryError> {
    let mut remaining: Vec<Option<UrdfJoint>> = joints.into_iter().map(Some).collect();
    let mut ordered = Vec::with_capacity(remaining.len());
    // Children of `parent`, taken out of `remaining`, in declaration order.
    let mut take_children = |parent: &str| -> Vec<UrdfJoint> {
        remaining
            .iter_mut()
            .filter(|j| j.as_ref().is_some_and(|j| j.parent == parent))
            .filter_map(Option::take)
            .collect()
    };
    // A stack of joints to place; children are pushed in reverse so the first declared is
    // placed (and its subtree expanded) first.
    let mut stack: Vec<UrdfJoint> = take_children(root).into_iter().rev().collect();
    while let Some(joint) = stack.pop() {
        stack.extend(take_children(&joint.child).into_iter().rev());
        ordered.push(joint);
    }
    if let Some(orphan) = remaining.iter().flatten().next() {
        return Err(GeometryError::Model(format!(
            "joint '{}' is not connected to the root",
            orphan.name
        )));
    }
    Ok(ordered)
}

/// One URDF joint as ours: its kind (continuous joints are revolute without limits; a planar
/// joint's axis is the plane's normal), finite origin, limits that form an interval.
fn urdf_joint(joint: &urdf_rs::Joint) -> Result<UrdfJoint, GeometryError> {
    let (lower, upper) = (joint.limit.lower, joint.limit.upper);
    if lower.is_nan() || upper.is_nan() || lower > upper {
        return Err(GeometryError::Model(format!(
            "joint '{}': limits [{lower}, {upper}] are not an interval",
            joint.name
        )));
    }
    let limits = Some((lower, upper));
    let (kind, limits) = match joint.joint_type {
        urdf_rs::JointType::Fixed => (JointKind::Fixed, None),
        urdf_rs::JointType::Revolute => (
            JointKind::Revolute {
                axis: unit_axis(joint)?,
            },
            limits,
        ),
        urdf_rs::JointType::Continuous => (
            JointKind::Revolute {
                axis: unit_axis(joint)?,
            },
            None,
        ),
        urdf_rs::JointType::Prismatic => (
            JointKind::Prismatic {
                axis: unit_axis(joint)?,
            },
            limits,
        ),
        urdf_rs::JointType::Planar => {
            let normal = unit_axis(joint)?;
            let axis_1 = Unit::new_normalize(normal.cross(&if normal.x.abs() < 0.9 {
                Vector3::x()
            } else {
                Vector3::y()
            }));
            let axis_2 = Unit::new_normalize(normal.cross(&axis_1));
            (JointKind::Planar { axis_1, axis_2 }, None)
        }
        urdf_rs::JointType::Floating | urdf_rs::JointType::Spherical => {
            return Err(GeometryError::Model(format!(
                "joint '{}': {:?} joints are not supported inside a robot",
                joint.name, joint.joint_type
            )));
        }
    };
    Ok(UrdfJoint {
        name: joint.name.clone(),
        kind,
        parent: joint.parent.link.clone(),
        child: joint.child.link.clone(),
        origin: finite_isometry(&joint.origin, &format!("joint '{}'", joint.name))?,
        limits,
    })
}
