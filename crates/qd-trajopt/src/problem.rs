//! What to optimise: a system, a start, a goal, a horizon and the cost weights (docs/trajopt.md).

use crate::error::{TrajoptError, check_finite, check_length};
use crate::task::TrajoptTask;
use crate::weights::{CostWeights, check_weights};
use qd_dynamics::QuasiDynamicSystem;
use qd_geometry::scene::Scene;
use qd_task::{ObjectCoordinates, Task};

/// The longest horizon a problem may have (steps): 1000 s of plan at h = 0.1 s. Each step
/// adds n_a + n_v variables to every iteration's QP and a linearisation; a horizon far beyond
/// this is a typo that would exhaust memory before saying anything.
pub const MAX_HORIZON: usize = 10_000;

/// A horizon within 1..=[`MAX_HORIZON`].
fn check_horizon(horizon: usize) -> Result<(), TrajoptError> {
    if (1..=MAX_HORIZON).contains(&horizon) {
        Ok(())
    } else {
        Err(TrajoptError::InvalidParameter(format!(
            "the horizon T must be between 1 and {MAX_HORIZON} steps, got {horizon}"
        )))
    }
}

/// A trajectory-optimisation problem: start x₀, goal x_goal, horizon T and weights, on a
/// system whose rollouts use its exact step (SOCP, or QP when the scene is configured with
/// pyramids).
#[derive(Debug, Clone)]
pub struct TrajoptProblem {
    system: QuasiDynamicSystem,
    x0: Vec<f64>,
    x_goal: Vec<f64>,
    u_before: Vec<f64>,
    horizon: usize,
    weights: CostWeights,
    state_weights: Vec<f64>,
    input_limits: Vec<(f64, f64)>,
    objects: Vec<ObjectCoordinates>,
}

impl TrajoptProblem {
    /// A problem on `system` from `x0` (n_q) toward `x_goal` (n_q) over `horizon` steps.
    /// Rollouts use the exact form matching the system's forward mode (SOCP for cones, QP
    /// for pyramids); the scene's time step h is the planning step.
    ///
    /// # Errors
    /// Wrong lengths, non-finite entries, unnormalised quaternions, horizon 0, negative or
    /// non-finite weights, or all weights zero.
    pub fn new(
        system: &QuasiDynamicSystem,
        x0: &[f64],
        x_goal: &[f64],
        horizon: usize,
        weights: CostWeights,
    ) -> Result<Self, TrajoptError> {
        let scene = system.scene();
        let tree = scene.tree();
        check_length(x0, tree.nq(), "x0")?;
        check_length(x_goal, tree.nq(), "x_goal")?;
        // Unit quaternions and lengths, through the step's own check.
        system.check_inputs(x0, &scene.actuated_positions(x0))?;
        system.check_inputs(x_goal, &scene.actuated_positions(x_goal))?;
        check_horizon(horizon)?;
        check_weights(&weights)?;
        let exact = system.with_step_settings(system.settings().clone().exact_rollout())?;

        let mut state_weights = vec![weights.robot; tree.nv()];
        for &v in &scene.split().unactuated_v {
            state_weights[v] = weights.object;
        }
        let objects = (0..scene.objects().len())
            .map(|index| ObjectCoordinates::new(scene, index))
            .collect();
        let input_limits = scene.actuated_limits();
        Ok(TrajoptProblem {
            x0: x0.to_vec(),
            x_goal: x_goal.to_vec(),
            u_before: scene.actuated_positions(x0),
            horizon,
            weights,
            state_weights,
            input_limits,
            objects,
            system: exact,
        })
    }

    /// The trajectory-optimisation task of a scene (its `[task]` with a `[task.trajopt]`
    /// table): the scene's step settings (`[parameters]`), start `task.start_q` (or the
    /// default configuration), goal = the start with the goal object's coordinates set to
    /// `task.trajopt.goal_q` (or `task.goal.q`), horizon and time step from `[task.trajopt]`.
    ///
    /// # Errors
    /// Step settings the dynamics layer refuses; no task or no `[task.trajopt]` table;
    /// anything [`TrajoptProblem::new`] refuses.
    pub fn from_task(scene: &Scene, weights: CostWeights) -> Result<Self, TrajoptError> {
        let task_error = |reason: String| TrajoptError::Task {
            scene: scene.name().to_string(),
            reason,
        };
        let task = Task::from_scene(scene)
            .map_err(|e| task_error(e.reason))?
            .ok_or_else(|| task_error("it has no [task]".to_string()))?;
        let trajopt = TrajoptTask::from_task(&task, scene.name())?;
        let mut system = QuasiDynamicSystem::new(scene.clone())?;
        if let Some(h) = trajopt.h {
            system.settings_mut().h = h;
        }
        let x0 = task.start_q().to_vec();
        let object = task.object_coordinates(scene);
        let goal_block = trajopt.goal_q.as_ref().unwrap_or(&task.goal().q);
        check_length(goal_block, object.nq, "task.trajopt.goal_q")?;
        let mut x_goal = x0.clone();
        x_goal[object.q_start..object.q_start + object.nq].copy_from_slice(goal_block);
        TrajoptProblem::new(&system, &x0, &x_goal, trajopt.horizon, weights)
    }

    /// The same problem over `horizon` steps.
    ///
    /// # Errors
    /// Horizon 0.
    pub fn with_horizon(mut self, horizon: usize) -> Result<Self, TrajoptError> {
        check_horizon(horizon)?;
        self.horizon = horizon;
        Ok(self)
    }

    /// The same problem started at `x0` (n_q) after the command `u_before` (n_a) — a later
    /// point of a trajectory, as receding-horizon control replans from.
    ///
    /// # Errors
    /// Wrong lengths, non-finite entries, unnormalised quaternions.
    pub fn with_start(mut self, x0: &[f64], u_before: &[f64]) -> Result<Self, TrajoptError> {
        check_length(x0, self.x0.len(), "x0")?;
        check_length(u_before, self.u_before.len(), "u_before")?;
        self.system.check_inputs(x0, u_before)?;
        self.x0 = x0.to_vec();
        self.u_before = u_before.to_vec();
        Ok(self)
    }

    /// The system rollouts use (exact forward mode, no derivatives).
    pub fn system(&self) -> &QuasiDynamicSystem {
        &self.system
    }

    /// Start configuration x₀ (n_q).
    pub fn x0(&self) -> &[f64] {
        &self.x0
    }

    /// Goal configuration (n_q).
    pub fn x_goal(&self) -> &[f64] {
        &self.x_goal
    }

    /// The command before the first step, `u_{−1}` (n_a): the robots' start positions.
    pub fn u_before(&self) -> &[f64] {
        &self.u_before
    }

    /// Horizon T (steps).
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// Cost weights.
    pub fn weights(&self) -> &CostWeights {
        &self.weights
    }

    /// Diagonal of Q (n_v, tangent coordinates).
    pub fn state_weights(&self) -> &[f64] {
        &self.state_weights
    }

    /// `(lower, upper)` per input (n_a): the actuated joints' limits, ±∞ where a joint has
    /// none.
    pub fn input_limits(&self) -> &[(f64, f64)] {
        &self.input_limits
    }

    pub(crate) fn objects(&self) -> &[ObjectCoordinates] {
        &self.objects
    }

    /// The inputs that hold the robots at the start for all T steps — the usual first guess.
    pub fn hold_inputs(&self) -> Vec<Vec<f64>> {
        vec![self.u_before.clone(); self.horizon]
    }

    /// Checks an input trajectory: T entries of n_a finite values within the joint limits.
    ///
    /// # Errors
    /// Wrong count or lengths, non-finite entries, values outside the limits.
    pub fn check_inputs(&self, inputs: &[Vec<f64>], what: &str) -> Result<(), TrajoptError> {
        if inputs.len() != self.horizon {
            return Err(TrajoptError::Dimension {
                what: format!("{what} (number of steps)"),
                expected: self.horizon,
                got: inputs.len(),
            });
        }
        for (t, u) in inputs.iter().enumerate() {
            let name = format!("{what}, step {t}");
            check_length(u, self.u_before.len(), &name)?;
            check_finite(u, &name)?;
            for (index, (&value, &(lower, upper))) in u.iter().zip(&self.input_limits).enumerate() {
                if value < lower || value > upper {
                    return Err(TrajoptError::OutsideLimits {
                        what: name,
                        index,
                        value,
                        lower,
                        upper,
                    });
                }
            }
        }
        Ok(())
    }
}
