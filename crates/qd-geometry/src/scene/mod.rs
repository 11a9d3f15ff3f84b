//! Scenes: robots, objects, environment and parameters, read from a TOML file
//! (`docs/scene-format.md`).

mod build;
mod model;
mod object_pose;
mod spec;
mod task;

pub use build::{FileSource, KAPPA_RANGE, build_scene};
pub use model::{CollisionGeometry, CoordinateSplit, Object, Robot, Scene, TaskView};
pub use object_pose::{MAX_OBJECT_NV, ObjectCoordinates, PoseError};
pub use spec::{
    FilterSpec, ForwardMode, FrictionPairSpec, GeometrySpec, GradientMode, InertiaSpec, JointSpec,
    LinkSpec, ObjectJointSpec, ObjectSpec, ParametersSpec, RobotSpec, SceneSpec, StiffnessSpec,
};
pub use task::{GoalSpec, GraspSpec, RrtSpec, SamplingSpec, SynergySpec, TaskSpec, TrajoptSpec};

use crate::error::GeometryError;
use std::path::Path;

impl Scene {
    /// Reads a scene from TOML text; relative URDF paths are read through `files`.
    ///
    /// # Errors
    /// Malformed TOML (with line and column), unknown keys, and every model error.
    pub fn from_toml_str(text: &str, files: FileSource<'_>) -> Result<Scene, GeometryError> {
        let spec: SceneSpec = toml::from_str(text).map_err(|e| {
            GeometryError::Model(format!("scene file: {}", one_line(&e.to_string())))
        })?;
        build_scene(&spec, files)
    }

    /// Reads a scene file; relative URDF paths resolve against the file's folder.
    ///
    /// # Errors
    /// As [`Scene::from_toml_str`], plus an unreadable file.
    pub fn from_file(path: &Path) -> Result<Scene, GeometryError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            GeometryError::Model(format!("cannot read scene {}: {e}", path.display()))
        })?;
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let files =
            move |relative: &str| std::fs::read(folder.join(relative)).map_err(|e| e.to_string());
        Scene::from_toml_str(&text, &files).map_err(|e| match e {
            GeometryError::Model(m) => GeometryError::Model(format!("{}: {m}", path.display())),
            other => other,
        })
    }
}

/// toml's messages span several lines (a source excerpt); keep them to one.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
