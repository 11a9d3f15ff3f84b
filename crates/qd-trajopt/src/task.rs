//! A scene's `[task.trajopt]` table: the horizon, time step and goal of trajectory
//! optimisation on the scene's task, and the defaults of its smoothing schedules.

use crate::error::TrajoptError;
use crate::model::LinearModel;
use crate::schedule::SmoothingSchedule;
use crate::weights::CostWeights;
use qd_task::Task;
use serde::{Deserialize, Serialize};

/// The name of this planner's table in a scene's `[task]` (`[task.trajopt]`).
pub const TASK_SECTION: &str = "trajopt";

/// Monte-Carlo samples per time step when `[task.trajopt]` gives none (our choice).
pub const DEFAULT_SAMPLES: usize = 100;
/// Initial input noise σ₀ (rad or m) when `[task.trajopt]` gives none (our choice).
pub const DEFAULT_SIGMA0: f64 = 0.1;
/// κ at the first and last iteration of analytic smoothing when `[task.trajopt]` gives none
/// (our choice).
pub const DEFAULT_KAPPA_RANGE: [f64; 2] = [10.0, 1e3];

/// Steps an MPC plan looks ahead when `[task.trajopt]` gives no `mpc_window` (our choice).
pub const DEFAULT_MPC_WINDOW: usize = 10;
/// MPC iterations per control step when `[task.trajopt]` gives no `mpc_iterations` (our
/// choice: one, warm-started from the previous plan, is what a real-time loop affords).
pub const DEFAULT_MPC_ITERATIONS: usize = 1;

/// Trajectory-optimisation parameters of a task (docs/trajopt.md), as `[task.trajopt]` writes them.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrajoptTask {
    /// Horizon T (steps), > 0.
    pub horizon: usize,
    /// Time step for planning (s), when it differs from the scene's h.
    #[serde(default)]
    pub h: Option<f64>,
    /// The object's goal for trajectory optimisation (its joint's q block, as the task's
    /// goal); the task's goal when absent.
    #[serde(default)]
    pub goal_q: Option<Vec<f64>>,
    /// Monte-Carlo samples for randomized smoothing ([`DEFAULT_SAMPLES`] when absent).
    #[serde(default)]
    pub samples: Option<usize>,
    /// Initial input noise σ₀ of randomized smoothing ([`DEFAULT_SIGMA0`] when absent).
    #[serde(default)]
    pub sigma0: Option<f64>,
    /// κ of analytic smoothing at the first and the last iteration
    /// ([`DEFAULT_KAPPA_RANGE`] when absent).
    #[serde(default)]
    pub kappa_range: Option<[f64; 2]>,
    /// The QP's linear model ([`LinearModel::Full`] when absent).
    #[serde(default)]
    pub model: Option<LinearModel>,
    /// Receding-horizon MPC: steps each plan looks ahead ([`DEFAULT_MPC_WINDOW`] when absent).
    #[serde(default)]
    pub mpc_window: Option<usize>,
    /// Receding-horizon MPC: iterations per control step ([`DEFAULT_MPC_ITERATIONS`] when
    /// absent).
    #[serde(default)]
    pub mpc_iterations: Option<usize>,
    /// Receding-horizon MPC: the QP's linear model (`model`, else full, when absent).
    #[serde(default)]
    pub mpc_model: Option<LinearModel>,
    /// The task's cost weights (`[task.trajopt.weights]`), each defaulting to
    /// [`CostWeights::default`]'s.
    #[serde(default)]
    pub weights: Option<TaskWeights>,
}

/// `[task.trajopt.weights]`: any of the cost weights of [`CostWeights`], the others default.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaskWeights {
    /// Weight on each object coordinate.
    #[serde(default)]
    pub object: Option<f64>,
    /// Weight on each robot coordinate.
    #[serde(default)]
    pub robot: Option<f64>,
    /// Q_T / Q at the last state.
    #[serde(default)]
    pub terminal_scale: Option<f64>,
    /// R, on each entry of u_t − u_{t−1}.
    #[serde(default)]
    pub input_rate: Option<f64>,
}

/// Which family of smoothing schedule to run; [`TrajoptTask::schedule`] fills in its
/// parameters from the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScheduleKind {
    /// [`SmoothingSchedule::Analytic`] over the task's κ range.
    Analytic,
    /// [`SmoothingSchedule::RandomizedFirstOrder`] from the task's σ₀ and samples.
    Randomized,
    /// [`SmoothingSchedule::RandomizedZeroOrder`] from the task's σ₀ and samples.
    ZeroOrder,
    /// [`SmoothingSchedule::Exact`].
    Exact,
}

impl TrajoptTask {
    /// The task's `[task.trajopt]` table.
    ///
    /// # Errors
    /// No such table, unknown keys, horizon 0, a time step that is not finite and positive.
    pub fn from_task(task: &Task, scene: &str) -> Result<Self, TrajoptError> {
        let error = |reason: String| TrajoptError::Task {
            scene: scene.to_string(),
            reason,
        };
        let spec: TrajoptTask = task
            .parse_planner_section(TASK_SECTION)
            .map_err(|e| error(e.reason))?
            .ok_or_else(|| error("its task has no [task.trajopt] table".to_string()))?;
        if !(1..=crate::MAX_HORIZON).contains(&spec.horizon) {
            return Err(error(format!(
                "task.trajopt.horizon must be between 1 and {}, got {}",
                crate::MAX_HORIZON,
                spec.horizon
            )));
        }
        if let Some(h) = spec.h
            && !(h.is_finite() && h > 0.0)
        {
            return Err(error("task.trajopt.h must be finite and > 0".to_string()));
        }
        Ok(spec)
    }

    /// The task's cost weights: `[task.trajopt.weights]` over [`CostWeights::default`].
    pub fn weights(&self) -> CostWeights {
        let defaults = CostWeights::default();
        let given = self.weights.unwrap_or_default();
        CostWeights {
            object: given.object.unwrap_or(defaults.object),
            robot: given.robot.unwrap_or(defaults.robot),
            terminal_scale: given.terminal_scale.unwrap_or(defaults.terminal_scale),
            input_rate: given.input_rate.unwrap_or(defaults.input_rate),
        }
    }

    /// The schedule of `kind` with this task's parameters (or the defaults) and `seed` for
    /// the randomized ones.
    pub fn schedule(&self, kind: ScheduleKind, seed: u64) -> SmoothingSchedule {
        let samples = self.samples.unwrap_or(DEFAULT_SAMPLES);
        let sigma0 = self.sigma0.unwrap_or(DEFAULT_SIGMA0);
        let [kappa_start, kappa_end] = self.kappa_range.unwrap_or(DEFAULT_KAPPA_RANGE);
        match kind {
            ScheduleKind::Analytic => SmoothingSchedule::Analytic {
                kappa_start,
                kappa_end,
            },
            ScheduleKind::Randomized => SmoothingSchedule::RandomizedFirstOrder {
                sigma0,
                samples,
                seed,
            },
            ScheduleKind::ZeroOrder => SmoothingSchedule::RandomizedZeroOrder {
                sigma0,
                samples,
                seed,
            },
            ScheduleKind::Exact => SmoothingSchedule::Exact,
        }
    }
}
