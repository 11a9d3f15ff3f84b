//! Iterative MPC with smoothed linearisations and a trust region (docs/trajopt.md).

use crate::cost::{CostParts, ObjectError};
use crate::error::TrajoptError;
use crate::model::{ForwardPass, LinearModel};
use crate::schedule::{SmoothingLevel, SmoothingSchedule};
use crate::task::{ScheduleKind, TrajoptTask};
use serde::{Deserialize, Serialize};

/// Settings of the optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrajoptSettings {
    /// How the linearisations are smoothed, iteration by iteration.
    pub smoothing: SmoothingSchedule,
    /// Iterations (each: one linearisation, one QP, one rollout).
    pub iterations: usize,
    /// Initial trust-region radius on each input entry, |u_t,i − ū_t,i| (rad or m).
    pub input_radius: f64,
    /// The radius never grows past this.
    pub max_input_radius: f64,
    /// The optimiser stops when the radius shrinks below this.
    pub min_input_radius: f64,
    /// Trust region on each state entry, |x_t ⊖ x̄_t| (tangent coordinates), if any. Off by
    /// default: the smoothed prediction c may already lie outside a tight box around the
    /// exact rollout, which would make the QP infeasible.
    pub state_radius: Option<f64>,
    /// Whether the linear model carries the smoothed prediction's offset,
    /// `x_{t+1} ≈ c_t ⊕ (A δx_t + B δu_t)`, instead of passing through the exact rollout,
    /// `x_{t+1} ≈ x̄_{t+1} ⊕ (A δx_t + B δu_t)`. Off by default: the gap c_t ⊖ x̄_{t+1} is the
    /// smoothing's bias, which no input can buy (on the Allegro task, h = 0.01, κ = 200, the
    /// barrier step lifts the resting sphere 1.5 cm and turns it 0.16 rad per step where the
    /// exact step leaves it still), and with it the model's cost at δu = 0 is not the
    /// rollout's, so the trust-region ratio means little.
    pub smoothed_offset: bool,
    /// A hard limit on the change of each command between steps, |u_t,i − u_{t−1},i| (rad or
    /// m), if any: a constraint of every iteration's QP (where the first guess changes faster,
    /// the QP keeps its change rather than make it larger). For commands a robot can follow
    /// step by step; off by default.
    #[serde(default)]
    pub max_input_change: Option<f64>,
    /// The QP's linear model of the step. Whatever it is, an iteration whose full model
    /// predicts an absurd decrease (not finite, negative, or more than the cost) is re-solved
    /// with [`LinearModel::InputOnly`] and says so in its report.
    #[serde(default)]
    pub model: LinearModel,
    /// How the candidate is made from the QP's answer (closed loop by default).
    #[serde(default)]
    pub forward_pass: ForwardPass,
}

impl Default for TrajoptSettings {
    /// Analytic smoothing κ 10 → 10³, 20 iterations, Δu from 0.1 (between 10⁻⁴ and 0.5).
    fn default() -> Self {
        let [kappa_start, kappa_end] = crate::task::DEFAULT_KAPPA_RANGE;
        TrajoptSettings {
            smoothing: SmoothingSchedule::Analytic {
                kappa_start,
                kappa_end,
            },
            iterations: 20,
            input_radius: 0.1,
            max_input_radius: 0.5,
            min_input_radius: 1e-4,
            state_radius: None,
            smoothed_offset: false,
            max_input_change: None,
            model: LinearModel::Full,
            forward_pass: ForwardPass::ClosedLoop,
        }
    }
}

impl TrajoptSettings {
    /// Checks the settings.
    ///
    /// # Errors
    /// Bad schedule, no iterations, radii not positive and ordered.
    pub fn check(&self) -> Result<(), TrajoptError> {
        self.smoothing.check()?;
        if self.iterations == 0 {
            return Err(TrajoptError::InvalidParameter(
                "at least one iteration is needed".to_string(),
            ));
        }
        let radii = [
            self.min_input_radius,
            self.input_radius,
            self.max_input_radius,
        ];
        if radii.iter().any(|r| !(r.is_finite() && *r > 0.0))
            || self.min_input_radius > self.input_radius
            || self.input_radius > self.max_input_radius
        {
            return Err(TrajoptError::InvalidParameter(format!(
                "trust-region radii must be finite, > 0 and min ≤ initial ≤ max, got {radii:?}"
            )));
        }
        if let Some(r) = self.max_input_change
            && !(r.is_finite() && r > 0.0)
        {
            return Err(TrajoptError::InvalidParameter(format!(
                "max input change must be finite and > 0, got {r}"
            )));
        }
        if let Some(r) = self.state_radius
            && !(r.is_finite() && r > 0.0)
        {
            return Err(TrajoptError::InvalidParameter(format!(
                "state radius must be finite and > 0, got {r}"
            )));
        }
        Ok(())
    }
}

/// Wall-clock time of an iteration's phases (s).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PhaseTimes {
    /// Smoothed linearisation along the nominal trajectory.
    pub linearize: f64,
    /// The trust-region QP.
    pub qp: f64,
    /// The exact rollout of the candidate inputs.
    pub rollout: f64,
}

/// What one iteration did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationReport {
    /// Iteration (0: the initial rollout).
    pub iteration: usize,
    /// The smoothing of this iteration's linearisation.
    pub smoothing: SmoothingLevel,
    /// Trust-region radius the QP used.
    pub input_radius: f64,
    /// Cost of the candidate's exact rollout (None when it failed).
    pub candidate_cost: Option<CostParts>,
    /// Whether the candidate replaced the nominal trajectory (its cost was lower).
    pub accepted: bool,
    /// Cost after the iteration (the nominal trajectory's, the best so far).
    pub cost: CostParts,
    /// The objects' error at the end of the nominal trajectory after the iteration.
    pub final_error: ObjectError,
    /// Decrease the linearised model predicted.
    pub predicted_decrease: f64,
    /// Decrease the exact rollout showed (negative: worse).
    pub actual_decrease: f64,
    /// Randomized samples dropped because their step failed or was unreliable.
    pub dropped_samples: usize,
    /// Step solves of the iteration (linearisation samples and rollout).
    pub dynamics_evaluations: usize,
    /// Time per phase.
    pub seconds: PhaseTimes,
    /// What failed, if anything: the candidate's rollout (the candidate is refused), or the
    /// linearisation or the QP (the run stops there).
    pub failure: Option<String>,
    /// The linear model the QP used (the settings', or the input-only fallback).
    #[serde(default)]
    pub model: LinearModel,
    /// What the iteration noticed that a user can act on (one line, with the parameter to
    /// change), if anything.
    #[serde(default)]
    pub diagnosis: Option<String>,
}

/// Why the optimiser stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// It ran all its iterations.
    Iterations,
    /// The trust region shrank below its minimum: no nearby inputs do better.
    TrustRegionCollapsed,
    /// The linearisation along the nominal trajectory failed even with the exact step's
    /// derivatives standing in where the smoothing failed (a step where a smoothed one fails
    /// — a barrier step without a strictly feasible start — falls back to them); the last
    /// report says why. The result is the best trajectory found before.
    SmoothingFailed,
    /// The trust-region QP could not be solved; the last report says why.
    QpFailed,
}

/// The optimised trajectory and the history of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajoptResult {
    /// The best inputs found, u₀..u_{T−1} (T entries of n_a).
    pub inputs: Vec<Vec<f64>>,
    /// Their exact rollout x₀..x_T (T + 1 entries of n_q).
    pub states: Vec<Vec<f64>>,
    /// Their cost.
    pub cost: CostParts,
    /// The objects' error at x_T.
    pub final_error: ObjectError,
    /// The objects' error at x_T of the initial guess.
    pub initial_error: ObjectError,
    /// The iteration that found the best inputs (0: the initial guess).
    pub best_iteration: usize,
    /// One report per iteration, the initial rollout first.
    pub iterations: Vec<IterationReport>,
    /// All step solves of the run.
    pub dynamics_evaluations: usize,
    /// Wall-clock time of the run (s).
    pub seconds: f64,
    /// Why it stopped.
    pub stop: StopReason,
}

impl TrajoptSettings {
    /// The default settings with the task's schedule of `kind` ([`TrajoptTask::schedule`]).
    pub fn from_task(task: &TrajoptTask, kind: ScheduleKind, seed: u64) -> Self {
        TrajoptSettings {
            smoothing: task.schedule(kind, seed),
            model: task.model.unwrap_or_default(),
            ..TrajoptSettings::default()
        }
    }
}
