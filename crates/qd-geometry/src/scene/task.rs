//! The planning task and the grasp data a scene may carry (SPEC §7): what the planners of the
//! layers above read. This layer only parses and checks them against the scene's sizes.

use super::model::Scene;
use crate::error::GeometryError;
use crate::kinematics::JointKind;
use serde::{Deserialize, Serialize};

/// A manipulation task: move one object from the start configuration to a goal.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// What the task is, in words.
    #[serde(default)]
    pub description: String,
    /// Start configuration (n_q); the scene's default configuration when absent.
    #[serde(default)]
    pub start_q: Option<Vec<f64>>,
    /// Where the object must go.
    pub goal: GoalSpec,
    /// Where a planner may sample the object (RRT).
    #[serde(default)]
    pub sampling: Option<SamplingSpec>,
    /// Parameters of the RRT of SPEC §6, from the reference runs.
    #[serde(default)]
    pub rrt: Option<RrtSpec>,
    /// Parameters of the trajectory optimisation of SPEC §5, from the reference runs.
    #[serde(default)]
    pub trajopt: Option<TrajoptSpec>,
}

/// The goal of a task.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GoalSpec {
    /// The object to move (an `[[objects]]` name).
    pub object: String,
    /// The object's goal coordinates: its joint's q block (planar: (s₁, s₂, θ); free:
    /// (x, y, z, qw, qx, qy, qz); prismatic: one value).
    pub q: Vec<f64>,
    /// Accepted position error (m).
    pub position_tolerance: f64,
    /// Accepted rotation error (rad).
    pub angle_tolerance: f64,
}

/// Sampling bounds for the object, in world coordinates.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SamplingSpec {
    /// Lower bounds on the object's translational coordinates (m), one per coordinate.
    pub position_lower: Vec<f64>,
    /// Upper bounds, as `position_lower`.
    pub position_upper: Vec<f64>,
    /// Range of the rotation angle (rad): θ for planar objects, yaw about world z for free
    /// ones (their roll and pitch are kept as at the start).
    pub angle_range: [f64; 2],
}

/// RRT parameters (SPEC §6); see the planner's documentation for their use.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RrtSpec {
    /// Extension step in object coordinates.
    pub step: f64,
    /// Regularisation γ of the smoothed-linearisation distance metric.
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
    /// Node budget.
    pub max_nodes: usize,
}

/// Trajectory-optimisation parameters (SPEC §5).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrajoptSpec {
    /// Horizon T (steps).
    pub horizon: usize,
    /// Time step for planning (s), when it differs from the scene's h.
    #[serde(default)]
    pub h: Option<f64>,
    /// The object's goal for trajectory optimisation (its joint's q block, as
    /// [`GoalSpec::q`]); the task's goal when absent.
    #[serde(default)]
    pub goal_q: Option<Vec<f64>>,
    /// Monte-Carlo samples for randomized smoothing.
    #[serde(default)]
    pub samples: Option<usize>,
    /// Initial input noise σ₀ of randomized smoothing.
    #[serde(default)]
    pub sigma0: Option<f64>,
    /// κ of analytic smoothing at the first and the last iteration.
    #[serde(default)]
    pub kappa_range: Option<[f64; 2]>,
}

/// Grasp data for contact sampling: an open pose of the robots and joint-space directions
/// along which a sampler closes them until they touch the object.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GraspSpec {
    /// An open pose of the actuated joints (n_a), from which closing starts.
    pub open: Vec<f64>,
    /// Closing directions, each over all actuated joints (n_a).
    pub synergies: Vec<SynergySpec>,
}

/// One closing direction.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SynergySpec {
    /// Name (e.g. "index").
    pub name: String,
    /// Direction over the actuated joints (n_a entries, rad or m per unit of closing).
    pub direction: Vec<f64>,
}

fn task_error(message: String) -> GeometryError {
    GeometryError::Model(message)
}

fn check_finite(values: &[f64], what: &str) -> Result<(), GeometryError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(task_error(format!("{what}[{i}] is not finite"))),
        None => Ok(()),
    }
}

fn check_length(values: &[f64], expected: usize, what: &str) -> Result<(), GeometryError> {
    if values.len() != expected {
        return Err(task_error(format!(
            "{what} has {} values, expected {expected}",
            values.len()
        )));
    }
    check_finite(values, what)
}

/// Checks a task against the scene it belongs to.
pub(crate) fn check_task(task: &TaskSpec, scene: &Scene) -> Result<(), GeometryError> {
    if let Some(q) = &task.start_q {
        check_length(q, scene.tree.nq(), "task.start_q")?;
    }
    let goal = &task.goal;
    let object = scene
        .objects
        .iter()
        .find(|o| o.name == goal.object)
        .ok_or_else(|| {
            task_error(format!(
                "task.goal.object '{}' is not an object of the scene",
                goal.object
            ))
        })?;
    let joint = &scene.tree.joints()[object.joint];
    check_length(&goal.q, joint.kind.nq(), "task.goal.q")?;
    if !(goal.position_tolerance > 0.0 && goal.angle_tolerance > 0.0) {
        return Err(task_error(
            "task.goal tolerances must be positive".to_string(),
        ));
    }
    if let Some(sampling) = &task.sampling {
        let translations = match joint.kind {
            JointKind::Free => 3,
            JointKind::Planar { .. } => 2,
            _ => 1,
        };
        check_length(
            &sampling.position_lower,
            translations,
            "task.sampling.position_lower",
        )?;
        check_length(
            &sampling.position_upper,
            translations,
            "task.sampling.position_upper",
        )?;
        let ordered = sampling
            .position_lower
            .iter()
            .zip(&sampling.position_upper)
            .all(|(l, u)| l <= u)
            && sampling.angle_range[0] <= sampling.angle_range[1];
        if !ordered {
            return Err(task_error(
                "task.sampling: every lower bound must be ≤ its upper bound".to_string(),
            ));
        }
    }
    if let Some(rrt) = &task.rrt
        && !(rrt.step > 0.0
            && rrt.gamma >= 0.0
            && rrt.gamma_rotation.is_none_or(|g| g >= 0.0)
            && rrt.kappa.is_none_or(|k| k > 0.0 && k.is_finite())
            && rrt.max_nodes > 0)
    {
        return Err(task_error(
            "task.rrt: step > 0, gamma ≥ 0, gamma_rotation ≥ 0, kappa > 0 and max_nodes > 0 \
             are required"
                .to_string(),
        ));
    }
    if let Some(trajopt) = &task.trajopt {
        if trajopt.horizon == 0 {
            return Err(task_error("task.trajopt.horizon must be > 0".to_string()));
        }
        if let Some(q) = &trajopt.goal_q {
            check_length(q, joint.kind.nq(), "task.trajopt.goal_q")?;
        }
    }
    Ok(())
}

/// Checks grasp data against the scene it belongs to.
pub(crate) fn check_grasp(grasp: &GraspSpec, scene: &Scene) -> Result<(), GeometryError> {
    let na = scene.split.actuated.len();
    check_length(&grasp.open, na, "grasp.open")?;
    for synergy in &grasp.synergies {
        check_length(
            &synergy.direction,
            na,
            &format!("grasp synergy '{}'", synergy.name),
        )?;
    }
    Ok(())
}
