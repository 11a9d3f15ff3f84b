//! # qd-scenes
//!
//! The built-in systems of docs/systems.md as data: scene files (and, later, model files) embedded in
//! the binary so that `qd` runs anywhere. Each scene is an ordinary scene file
//! (`docs/scene-format.md`) under `crates/qd-scenes/scenes/`.
//!
//! ```
//! let scene = qd_scenes::load("planar-hand")?;
//! assert_eq!(scene.na(), 4);
//! # Ok::<(), qd_geometry::GeometryError>(())
//! ```

// Library code returns typed errors: nothing a user can influence may panic (docs/code-style.md).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]
pub mod fixtures;
/// The contact sampler over grasp data now lives in `qd_geometry::grasp` (the planners use it);
/// kept here under its old path.
pub use qd_geometry::grasp;

use qd_geometry::GeometryError;
use qd_geometry::scene::Scene;

/// `(name, scene file text)` of every built-in scene.
const SCENES: &[(&str, &str)] = &[
    (
        "pusher-box-1d",
        include_str!("../scenes/pusher-box-1d.toml"),
    ),
    (
        "planar-pushing",
        include_str!("../scenes/planar-pushing.toml"),
    ),
    ("planar-hand", include_str!("../scenes/planar-hand.toml")),
    (
        "allegro-sphere",
        include_str!("../scenes/allegro-sphere.toml"),
    ),
    (
        "bimanual-planar",
        include_str!("../scenes/bimanual-planar.toml"),
    ),
    (
        "bimanual-iiwa",
        include_str!("../scenes/bimanual-iiwa.toml"),
    ),
    ("box-on-table", include_str!("../scenes/box-on-table.toml")),
];

/// Model files the built-in scenes refer to, by the relative path used in the scene files.
const FILES: &[(&str, &str)] = &[];

/// Names of the built-in scenes.
pub fn names() -> impl Iterator<Item = &'static str> {
    SCENES.iter().map(|(name, _)| *name)
}

/// The scene file text of a built-in scene.
pub fn source(name: &str) -> Option<&'static str> {
    SCENES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// Loads a built-in scene by name.
///
/// # Errors
/// An unknown name (the message lists the known ones), or a model error.
pub fn load(name: &str) -> Result<Scene, GeometryError> {
    let text = source(name).ok_or_else(|| {
        GeometryError::Model(format!(
            "unknown scene '{name}'; built-in scenes: {}",
            names().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let files = |path: &str| {
        FILES
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| t.as_bytes().to_vec())
            .ok_or_else(|| format!("no built-in file '{path}'"))
    };
    Scene::from_toml_str(text, &files)
}
