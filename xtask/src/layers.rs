//! The layer rule of the architecture: crates depend strictly downward.
//!
//! `qd-geometry` ← `qd-dynamics` ← `qd-smoothing` ← `qd-trajopt`, `qd-rrt` ← `qd-plan` ←
//! `qd-cli` and `qd-python`, with `qd-task` (the scene's task and grasp data, over `qd-geometry` only) beside
//! `qd-dynamics`;
//! `qd-scenes` stands beside them, depending only on `qd-geometry`, and the layers above use
//! it only as a dev-dependency (from integration tests). A workspace crate missing from the
//! table is an error, so adding a crate means deciding its layer here.

use anyhow::{Context, bail};
use std::process::Command;

/// `(crate, layer)`: a normal dependency must have a strictly lower layer.
const LAYERS: &[(&str, u32)] = &[
    ("qd-geometry", 0),
    ("qd-scenes", 1),
    ("qd-dynamics", 1),
    ("qd-task", 1),
    ("qd-smoothing", 2),
    ("qd-trajopt", 3),
    ("qd-rrt", 3),
    ("qd-plan", 4),
    ("qd-cli", 5),
    ("qd-python", 5),
];

/// The crates at the top, for users: the `qd` command and the Python package.
const TOP: &[&str] = &["qd-cli", "qd-python"];

/// Crates that only tests and tools may use (dev-dependencies), whatever their layer.
const DEV_ONLY: &[&str] = &["qd-scenes"];

fn layer(name: &str) -> Option<u32> {
    LAYERS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
}

/// Whether crate `own` may depend on workspace crate `dep` (both in the table).
fn dependency_allowed(own: &str, dep: &str, is_dev: bool) -> bool {
    let (Some(own_layer), Some(dep_layer)) = (layer(own), layer(dep)) else {
        return false;
    };
    if is_dev {
        dep_layer < own_layer || DEV_ONLY.contains(&dep)
    } else {
        // The CLI and the Python package, at the top, may embed the built-in scenes; nothing
        // else may.
        dep_layer < own_layer && (!DEV_ONLY.contains(&dep) || TOP.contains(&own))
    }
}

/// Checks every workspace crate's dependencies on other workspace crates.
pub fn check() -> anyhow::Result<()> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(crate::workspace_root())
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let packages = metadata["packages"]
        .as_array()
        .context("no packages in cargo metadata")?;
    let members: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut violations = Vec::new();
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        if name == "xtask" {
            continue;
        }
        let Some(own) = layer(name) else {
            violations.push(format!(
                "{name}: not in the layer table of xtask/src/layers.rs"
            ));
            continue;
        };
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or_default();
            if !members.contains(&dep_name) {
                continue;
            }
            let is_dev = dep["kind"].as_str() == Some("dev");
            let Some(dep_layer) = layer(dep_name) else {
                continue;
            };
            if !dependency_allowed(name, dep_name, is_dev) {
                let kind = if is_dev {
                    "dev-dependency"
                } else {
                    "dependency"
                };
                violations.push(format!(
                    "{name} (layer {own}) has a {kind} on {dep_name} (layer {dep_layer})"
                ));
            }
        }
    }
    if violations.is_empty() {
        println!(
            "layers ok: {} crates depend strictly downward",
            members.len()
        );
        Ok(())
    } else {
        bail!("layer violations:\n  {}", violations.join("\n  "))
    }
}

#[cfg(test)]
mod tests {
    use super::dependency_allowed;

    #[test]
    fn downward_dependencies_are_allowed() {
        assert!(dependency_allowed("qd-dynamics", "qd-geometry", false));
        assert!(dependency_allowed("qd-rrt", "qd-smoothing", false));
        assert!(dependency_allowed("qd-cli", "qd-scenes", false));
    }

    #[test]
    fn upward_sideways_and_scene_dependencies_are_rejected() {
        assert!(!dependency_allowed("qd-geometry", "qd-dynamics", false));
        assert!(!dependency_allowed("qd-rrt", "qd-trajopt", false));
        assert!(!dependency_allowed("qd-dynamics", "qd-scenes", false));
        assert!(!dependency_allowed("qd-scenes", "qd-dynamics", false));
    }

    #[test]
    fn scenes_are_allowed_as_dev_dependency_above_geometry() {
        assert!(dependency_allowed("qd-dynamics", "qd-scenes", true));
        assert!(!dependency_allowed("qd-geometry", "qd-dynamics", true));
    }
}
