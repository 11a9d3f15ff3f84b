//! Where a plan's scene came from, carried in the plan so that a replay on another machine
//! (or by a later build whose built-in scenes changed) rebuilds exactly the same model.

use crate::error::PlanError;
use qd_geometry::scene::Scene;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

/// A scene's text and every model file it read, as a plan stores them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneSource {
    /// The scene's name.
    pub name: String,
    /// `builtin:NAME` or `file:PATH` (as given when the plan was made; informative only).
    pub origin: String,
    /// The scene file's TOML text.
    pub text: String,
    /// Model files the scene read (URDFs), by the relative path the scene names them with.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
}

impl SceneSource {
    /// A scene from its TOML text alone (no model files), such as a built-in scene's;
    /// `origin` says where it came from (`builtin:NAME`).
    ///
    /// # Errors
    /// Every error of [`Scene::from_toml_str`].
    pub fn text(origin: &str, text: &str) -> Result<(SceneSource, Scene), PlanError> {
        let scene = Scene::from_toml_str(text, &|path: &str| {
            Err(format!("a scene given as text reads no file ('{path}')"))
        })?;
        let source = SceneSource {
            name: scene.name().to_string(),
            origin: origin.to_string(),
            text: text.to_string(),
            files: BTreeMap::new(),
        };
        Ok((source, scene))
    }

    /// A scene file; the model files it reads (relative to its folder) are recorded.
    ///
    /// # Errors
    /// An unreadable file, and every error of [`Scene::from_toml_str`].
    pub fn file(path: &Path) -> Result<(SceneSource, Scene), PlanError> {
        let text = std::fs::read_to_string(path).map_err(|e| PlanError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let read = RefCell::new(BTreeMap::new());
        let files = |relative: &str| -> Result<Vec<u8>, String> {
            let bytes = std::fs::read(folder.join(relative)).map_err(|e| e.to_string())?;
            let text =
                String::from_utf8(bytes.clone()).map_err(|_| format!("{relative} is not UTF-8"))?;
            read.borrow_mut().insert(relative.to_string(), text);
            Ok(bytes)
        };
        let scene = Scene::from_toml_str(&text, &files).map_err(|e| PlanError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let source = SceneSource {
            name: scene.name().to_string(),
            origin: format!("file:{}", path.display()),
            text,
            files: read.into_inner(),
        };
        Ok((source, scene))
    }

    /// Rebuilds the scene from the stored text and files.
    ///
    /// # Errors
    /// Every error of [`Scene::from_toml_str`] (a corrupted text), a missing model file.
    pub fn load(&self) -> Result<Scene, PlanError> {
        let files = |relative: &str| {
            self.files
                .get(relative)
                .map(|text| text.as_bytes().to_vec())
                .ok_or_else(|| format!("the plan does not carry the file '{relative}'"))
        };
        Scene::from_toml_str(&self.text, &files).map_err(|e| PlanError::Malformed {
            what: "scene".to_string(),
            reason: e.to_string(),
        })
    }
}

/// The planners' tables a scene's `[task]` may have (each parsed by its planner's crate).
const PLANNER_SECTIONS: [&str; 3] = [
    qd_trajopt::TASK_SECTION,
    qd_rrt::TASK_SECTION,
    qd_rrt::SAMPLING_SECTION,
];

/// Checks the sections of `scene` that the layers above the model own — step settings, task
/// and its planners' tables, grasp data — each parsed by the layer that owns it, so that a
/// misspelt key is reported when the scene is loaded, whatever is done with it next.
///
/// # Errors
/// [`PlanError::Scene`] with the owning layer's message.
pub fn check_scene_sections(scene: &Scene) -> Result<(), PlanError> {
    let refused = |e: &dyn std::fmt::Display| PlanError::Scene(e.to_string());
    qd_dynamics::StepSettings::from_scene(scene).map_err(|e| refused(&e))?;
    if let Some(task) = qd_task::Task::from_scene(scene).map_err(|e| refused(&e))? {
        task.check_planner_sections(&PLANNER_SECTIONS)
            .map_err(|e| refused(&e))?;
    }
    qd_task::Grasp::from_scene(scene).map_err(|e| refused(&e))?;
    Ok(())
}
