//! Grasp data (`[grasp]`): an open pose of the robots and the directions that close them on the
//! object, from which contact sampling builds regrasps.

use crate::error::TaskError;
use crate::task::check_length;
use qd_geometry::scene::{Scene, parse_table};
use serde::{Deserialize, Serialize};

/// Grasp data for contact sampling: an open pose of the robots and joint-space directions
/// along which a sampler closes them until they touch the object.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grasp {
    /// An open pose of the actuated joints (n_a, rad or m), from which closing starts.
    pub open: Vec<f64>,
    /// Closing directions, each over all actuated joints (n_a).
    pub synergies: Vec<Synergy>,
}

/// One closing direction.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Synergy {
    /// Name (e.g. "index").
    pub name: String,
    /// Direction over the actuated joints (n_a entries, rad or m per unit of closing).
    pub direction: Vec<f64>,
}

impl Grasp {
    /// The scene's `[grasp]` section, checked against its sizes; `None` without one.
    ///
    /// # Errors
    /// Unknown keys, missing fields, vectors of the wrong length or not finite.
    pub fn from_scene(scene: &Scene) -> Result<Option<Grasp>, TaskError> {
        let error = |reason: String| TaskError {
            scene: scene.name().to_string(),
            reason,
        };
        let Some(table) = scene.section("grasp") else {
            return Ok(None);
        };
        let grasp: Grasp = parse_table(table, "grasp").map_err(error)?;
        let na = scene.na();
        check_length(&grasp.open, na, "grasp.open").map_err(error)?;
        for synergy in &grasp.synergies {
            check_length(
                &synergy.direction,
                na,
                &format!("grasp synergy '{}'", synergy.name),
            )
            .map_err(error)?;
        }
        Ok(Some(grasp))
    }

    /// `q` with the actuated joints at the open pose.
    pub fn opened(&self, scene: &Scene, q: &[f64]) -> Vec<f64> {
        let mut q = q.to_vec();
        for (&index, value) in scene.split().actuated.iter().zip(&self.open) {
            q[index] = *value;
        }
        q
    }
}
