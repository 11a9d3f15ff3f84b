//! Scenes: robots, objects, environment and their contact parameters, read from a TOML file
//! (`docs/scene-format.md`). A scene is the model only; the sections of the file that belong
//! to the layers above (the step's `[parameters]`, `[task]`, `[grasp]`) are kept as TOML
//! tables ([`Scene::section`]) for those layers to parse into their own settings.

mod build;
mod builder;
mod model;
mod spec;

pub use build::{FileSource, build_scene, parse_table};
pub use builder::{ObjectBuilder, RobotBuilder, SceneBuilder};
pub use model::{CollisionGeometry, CoordinateSplit, Object, Robot, Scene};
pub use spec::{
    FilterSpec, FrictionPairSpec, GeometrySpec, InertiaSpec, JointSpec, LinkSpec,
    MODEL_PARAMETER_KEYS, ModelParametersSpec, ObjectJointSpec, ObjectSpec, RobotSpec, SceneSpec,
    StiffnessSpec,
};

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
pub(crate) fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
