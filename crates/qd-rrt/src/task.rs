//! A scene's RRT tables: `[task.rrt]` (how the tree grows) and `[task.sampling]` (where it
//! samples the object).

use crate::error::RrtError;
use qd_geometry::kinematics::JointKind;
use qd_task::{ObjectCoordinates, Task};
use serde::{Deserialize, Serialize};

/// The name of this planner's table in a scene's `[task]` (`[task.rrt]`).
pub const TASK_SECTION: &str = "rrt";
/// The name of the sampling region's table in a scene's `[task]` (`[task.sampling]`).
pub const SAMPLING_SECTION: &str = "sampling";

/// RRT parameters (docs/rrt.md) as `[task.rrt]` writes them; see
/// [`RrtSettings::from_task`](crate::RrtSettings::from_task) for their use and defaults.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RrtTask {
    /// Extension step in object coordinates (> 0).
    pub step: f64,
    /// Regularisation γ of the smoothed-linearisation distance metric (≥ 0).
    pub gamma: f64,
    /// Probability of sampling the goal.
    #[serde(default)]
    pub p_goal: Option<f64>,
    /// Probability of a regrasp (contact sampling) extension.
    #[serde(default)]
    pub p_grasp: Option<f64>,
    /// Standard deviation of the input noise of randomized smoothing (rad or m).
    #[serde(default)]
    pub sigma_u: Option<f64>,
    /// κ of analytic (barrier) smoothing of each node's linearisation, when σ_u is absent.
    #[serde(default)]
    pub kappa: Option<f64>,
    /// Regularisation of the metric's rotation block (γ applies to the translations); γ when
    /// absent.
    #[serde(default)]
    pub gamma_rotation: Option<f64>,
    /// Extensions without progress toward their subgoal after which a node is no longer
    /// extended (0: never retire).
    #[serde(default)]
    pub retire_after: Option<usize>,
    /// Fine steps per tree step when the path is made executable (`qd-plan`): the plan's
    /// time step is h / `refine_factor`. Default ⌈step / 0.1⌉ (the plan's command-rate limit).
    #[serde(default)]
    pub refine_factor: Option<usize>,
    /// Node budget (> 0).
    pub max_nodes: usize,
}

/// Where the RRT samples the object (`[task.sampling]`), in world coordinates.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SamplingRegion {
    /// Lower bounds on the object's translational coordinates (m), one per coordinate.
    pub position_lower: Vec<f64>,
    /// Upper bounds, as `position_lower`.
    pub position_upper: Vec<f64>,
    /// Range of the rotation angle (rad): θ for planar objects, yaw about world z for free
    /// ones (their roll and pitch are kept as at the start).
    pub angle_range: [f64; 2],
}

fn task_error(scene: &str, reason: String) -> RrtError {
    RrtError::Task {
        scene: scene.to_string(),
        reason,
    }
}

impl RrtTask {
    /// The task's `[task.rrt]` table, checked.
    ///
    /// # Errors
    /// No such table, unknown keys, values out of range.
    pub fn from_task(task: &Task, scene: &str) -> Result<Self, RrtError> {
        let spec: RrtTask = task
            .parse_planner_section(TASK_SECTION)
            .map_err(|e| task_error(scene, e.reason))?
            .ok_or_else(|| task_error(scene, "it has no [task.rrt] table".to_string()))?;
        let valid = spec.step > 0.0
            && spec.gamma >= 0.0
            && spec.gamma_rotation.is_none_or(|g| g >= 0.0)
            && spec.kappa.is_none_or(|k| k > 0.0 && k.is_finite())
            && spec.max_nodes > 0;
        if !valid {
            return Err(task_error(
                scene,
                "task.rrt: step > 0, gamma ≥ 0, gamma_rotation ≥ 0, kappa > 0 and max_nodes > 0 \
                 are required"
                    .to_string(),
            ));
        }
        Ok(spec)
    }
}

impl SamplingRegion {
    /// The task's `[task.sampling]` table, checked against the goal object's coordinates.
    ///
    /// # Errors
    /// No such table, unknown keys, bounds of the wrong length, lower above upper.
    pub fn from_task(
        task: &Task,
        object: &ObjectCoordinates,
        scene: &str,
    ) -> Result<Self, RrtError> {
        let error = |reason: String| task_error(scene, reason);
        let region: SamplingRegion = task
            .parse_planner_section(SAMPLING_SECTION)
            .map_err(|e| error(e.reason))?
            .ok_or_else(|| error("its task has no [task.sampling] region".to_string()))?;
        let translations = match object.kind {
            JointKind::Free => 3,
            JointKind::Planar { .. } => 2,
            _ => 1,
        };
        for (values, name) in [
            (&region.position_lower, "task.sampling.position_lower"),
            (&region.position_upper, "task.sampling.position_upper"),
        ] {
            if values.len() != translations {
                return Err(error(format!(
                    "{name} has {} values, expected {translations}",
                    values.len()
                )));
            }
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(error(format!("{name}[{i}] is not finite")));
            }
        }
        let ordered = region
            .position_lower
            .iter()
            .zip(&region.position_upper)
            .all(|(l, u)| l <= u)
            && region.angle_range[0] <= region.angle_range[1];
        if !ordered {
            return Err(error(
                "task.sampling: every lower bound must be ≤ its upper bound".to_string(),
            ));
        }
        Ok(region)
    }
}
