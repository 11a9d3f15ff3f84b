//! Iterative MPC with smoothed linearisations and a trust region (docs/trajopt.md).

use crate::cost::{CostParts, ObjectError, object_error, trajectory_cost};
use crate::error::TrajoptError;
use crate::problem::TrajoptProblem;
use crate::qp::{LinearizedProblem, StepModel};
use crate::schedule::{SmoothingLevel, SmoothingSchedule};
use crate::task::{ScheduleKind, TrajoptTask};
use qd_dynamics::StepWorkspace;
use qd_smoothing::{Derivatives, Smoother};
use serde::{Deserialize, Serialize};
use std::time::Instant;

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
}

impl Default for TrajoptSettings {
    /// Analytic smoothing κ 100 → 10⁴, 20 iterations, Δu from 0.1 (between 10⁻⁴ and 0.5).
    fn default() -> Self {
        TrajoptSettings {
            smoothing: SmoothingSchedule::Analytic {
                kappa_start: 100.0,
                kappa_end: 1e4,
            },
            iterations: 20,
            input_radius: 0.1,
            max_input_radius: 0.5,
            min_input_radius: 1e-4,
            state_radius: None,
            smoothed_offset: false,
            max_input_change: None,
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
}

/// Why the optimiser stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// It ran all its iterations.
    Iterations,
    /// The trust region shrank below its minimum: no nearby inputs do better.
    TrustRegionCollapsed,
    /// The smoothed linearisation along the nominal trajectory failed (e.g. a barrier step
    /// found no strictly feasible start); the last report says why. The result is the best
    /// trajectory found before.
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

/// Exact rollout of `inputs` from the problem's start.
fn rollout(
    problem: &TrajoptProblem,
    workspace: &mut StepWorkspace,
    inputs: &[Vec<f64>],
) -> Result<Vec<Vec<f64>>, qd_dynamics::RolloutError> {
    Ok(problem
        .system()
        .rollout(workspace, problem.x0(), inputs)?
        .states)
}

/// Optimises the problem's inputs from `initial_inputs` (T entries of n_a; the inputs that
/// hold the start when None).
///
/// Each iteration linearises the step along the nominal trajectory with the schedule's
/// smoothing, solves the trust-region QP, and rolls the candidate out with the exact step.
/// A candidate with a lower exact cost is accepted (the nominal trajectory is always the
/// best so far). The radius halves when the candidate is refused or the model predicted its
/// decrease poorly (ratio < 0.25), and doubles (up to the maximum) when the ratio exceeds
/// 0.75.
///
/// # Errors
/// Bad settings or inputs; an initial rollout that fails; a smoothing or QP failure.
pub fn optimize(
    problem: &TrajoptProblem,
    settings: &TrajoptSettings,
    initial_inputs: Option<&[Vec<f64>]>,
) -> Result<TrajoptResult, TrajoptError> {
    optimize_observed(problem, settings, initial_inputs, |_| {})
}

/// [`optimize`], calling `observe` with each iteration's report as soon as it is done (the
/// initial rollout's first) — for progress displays and logs.
///
/// # Errors
/// As [`optimize`].
pub fn optimize_observed(
    problem: &TrajoptProblem,
    settings: &TrajoptSettings,
    initial_inputs: Option<&[Vec<f64>]>,
    mut observe: impl FnMut(&IterationReport),
) -> Result<TrajoptResult, TrajoptError> {
    let _span = tracing::info_span!("trajopt", scene = %problem.system().scene().name).entered();
    let start = Instant::now();
    settings.check()?;
    let mut inputs = match initial_inputs {
        Some(given) => given.to_vec(),
        None => problem.hold_inputs(),
    };
    problem.check_inputs(&inputs, "initial inputs")?;
    let horizon = problem.horizon();
    let tree = &problem.system().scene().tree;
    let mut workspace = StepWorkspace::default();
    let mut states =
        rollout(problem, &mut workspace, &inputs).map_err(TrajoptError::InitialRollout)?;
    let mut cost = trajectory_cost(problem, &states, &inputs)?;
    let initial_error = object_error(problem, &states[horizon])?;
    let mut radius = settings.input_radius;
    let mut dynamics_evaluations = horizon;
    let mut best_iteration = 0;
    let mut reports = vec![IterationReport {
        iteration: 0,
        smoothing: SmoothingLevel::Exact,
        input_radius: radius,
        candidate_cost: Some(cost),
        accepted: true,
        cost,
        final_error: initial_error,
        predicted_decrease: 0.0,
        actual_decrease: 0.0,
        dropped_samples: 0,
        dynamics_evaluations: horizon,
        seconds: PhaseTimes::default(),
        failure: None,
    }];
    observe(&reports[0]);
    let mut stop = StopReason::Iterations;

    for iteration in 1..=settings.iterations {
        let _iteration_span = tracing::debug_span!("iteration", iteration).entered();
        let smoothing = settings.smoothing.at(iteration, settings.iterations);
        let mut seconds = PhaseTimes::default();

        let clock = Instant::now();
        let smoother = Smoother::new(problem.system(), smoothing, Derivatives::AB)
            .map_err(|error| TrajoptError::Smoothing { iteration, error })?;
        // A failure here or in the QP ends the run with the best trajectory so far: the
        // nominal would not change, so later iterations would meet it again.
        let failed = |failure: String, seconds: PhaseTimes| IterationReport {
            iteration,
            smoothing: smoothing.into(),
            input_radius: radius,
            candidate_cost: None,
            accepted: false,
            cost,
            final_error: reports[reports.len() - 1].final_error,
            predicted_decrease: 0.0,
            actual_decrease: 0.0,
            dropped_samples: 0,
            dynamics_evaluations: 0,
            seconds,
            failure: Some(failure),
        };
        let outcome = {
            let _phase = tracing::debug_span!("linearize").entered();
            smoother.linearize_trajectory(&states, &inputs)
        };
        let linearizations = match outcome {
            Ok(linearizations) => linearizations,
            Err(error) => {
                seconds.linearize = clock.elapsed().as_secs_f64();
                let report = failed(format!("smoothing: {error}"), seconds);
                observe(&report);
                reports.push(report);
                stop = StopReason::SmoothingFailed;
                break;
            }
        };
        let mut evaluations = 0;
        let mut dropped = 0;
        let mut models = Vec::with_capacity(horizon);
        for (t, linearization) in linearizations.into_iter().enumerate() {
            evaluations += linearization.report.samples.max(1);
            dropped +=
                linearization.report.dropped_failed_step + linearization.report.dropped_unreliable;
            // The smoothed prediction's gap to the exact rollout, or none (see
            // `TrajoptSettings::smoothed_offset`).
            let d = if settings.smoothed_offset {
                tree.difference(&states[t + 1], &linearization.c)?
            } else {
                vec![0.0; tree.nv()]
            };
            let a = linearization.a.ok_or_else(|| TrajoptError::Qp {
                iteration,
                status: "the linearisation has no A".to_string(),
            })?;
            models.push(StepModel {
                a,
                b: linearization.b,
                d,
            });
        }
        let state_errors = states[1..]
            .iter()
            .map(|x| tree.difference(problem.x_goal(), x))
            .collect::<Result<Vec<_>, _>>()?;
        seconds.linearize = clock.elapsed().as_secs_f64();

        let clock = Instant::now();
        let qp = LinearizedProblem {
            models: &models,
            state_errors: &state_errors,
            nominal_inputs: &inputs,
            u_before: problem.u_before(),
            state_weights: problem.state_weights(),
            terminal_scale: problem.weights().terminal_scale,
            input_rate: problem.weights().input_rate,
            input_radius: radius,
            input_limits: problem.input_limits(),
            state_radius: settings.state_radius,
            max_input_change: settings.max_input_change,
        };
        let outcome = {
            let _phase = tracing::debug_span!("qp").entered();
            qp.solve()
        };
        let solution = match outcome {
            Ok(solution) => solution,
            Err(error) => {
                seconds.qp = clock.elapsed().as_secs_f64();
                let status = match error {
                    TrajoptError::Qp { status, .. } => status,
                    other => other.to_string(),
                };
                let report = failed(format!("the trust-region QP failed ({status})"), seconds);
                observe(&report);
                reports.push(report);
                stop = StopReason::QpFailed;
                break;
            }
        };
        let zero = vec![vec![0.0; problem.u_before().len()]; horizon];
        let predicted_decrease = qp.model_cost(&zero) - solution.model_cost;
        seconds.qp = clock.elapsed().as_secs_f64();

        let clock = Instant::now();
        let candidate: Vec<Vec<f64>> = inputs
            .iter()
            .zip(&solution.du)
            .map(|(u, du)| u.iter().zip(du).map(|(a, b)| a + b).collect())
            .collect();
        let outcome = {
            let _phase = tracing::debug_span!("rollout").entered();
            rollout(problem, &mut workspace, &candidate)
        };
        evaluations += horizon;
        seconds.rollout = clock.elapsed().as_secs_f64();

        let (candidate_cost, failure, accepted, actual_decrease) = match outcome {
            Ok(candidate_states) => {
                let candidate_cost = trajectory_cost(problem, &candidate_states, &candidate)?;
                let decrease = cost.total - candidate_cost.total;
                let accepted = decrease > 0.0;
                if accepted {
                    inputs = candidate;
                    states = candidate_states;
                    cost = candidate_cost;
                    best_iteration = iteration;
                }
                (Some(candidate_cost), None, accepted, decrease)
            }
            Err(error) => (None, Some(error.to_string()), false, f64::NEG_INFINITY),
        };
        let ratio = if predicted_decrease > 0.0 {
            actual_decrease / predicted_decrease
        } else {
            0.0
        };
        let used_radius = radius;
        if !accepted || ratio < 0.25 {
            radius *= 0.5;
        } else if ratio > 0.75 {
            radius = (2.0 * radius).min(settings.max_input_radius);
        }
        dynamics_evaluations += evaluations;
        let final_error = object_error(problem, &states[horizon])?;
        tracing::debug!(
            iteration,
            cost = cost.total,
            accepted,
            ratio,
            radius,
            "trajopt iteration"
        );
        reports.push(IterationReport {
            iteration,
            smoothing: smoothing.into(),
            input_radius: used_radius,
            candidate_cost,
            accepted,
            cost,
            final_error,
            predicted_decrease,
            actual_decrease: if actual_decrease.is_finite() {
                actual_decrease
            } else {
                0.0
            },
            dropped_samples: dropped,
            dynamics_evaluations: evaluations,
            seconds,
            failure,
        });
        observe(&reports[iteration]);
        if radius < settings.min_input_radius {
            stop = StopReason::TrustRegionCollapsed;
            break;
        }
    }
    let final_error = object_error(problem, &states[horizon])?;
    Ok(TrajoptResult {
        inputs,
        states,
        cost,
        final_error,
        initial_error,
        best_iteration,
        iterations: reports,
        dynamics_evaluations,
        seconds: start.elapsed().as_secs_f64(),
        stop,
    })
}

impl TrajoptSettings {
    /// The default settings with the task's schedule of `kind` ([`TrajoptTask::schedule`]).
    pub fn from_task(task: &TrajoptTask, kind: ScheduleKind, seed: u64) -> Self {
        TrajoptSettings {
            smoothing: task.schedule(kind, seed),
            ..TrajoptSettings::default()
        }
    }
}
