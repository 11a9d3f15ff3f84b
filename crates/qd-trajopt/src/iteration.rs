//! The optimiser's run (docs/trajopt.md, "One iteration"): from the initial rollout, each
//! iteration linearises along the nominal trajectory, solves the trust-region QP, rolls the
//! candidate out exactly, accepts it if its exact cost is lower, and adapts the radius.

use crate::cost::{CostParts, ObjectError, object_error, trajectory_cost};
use crate::error::TrajoptError;
use crate::optimizer::{IterationReport, PhaseTimes, StopReason, TrajoptResult, TrajoptSettings};
use crate::problem::TrajoptProblem;
use crate::qp::{LinearizedProblem, StepModel};
use crate::schedule::SmoothingLevel;
use qd_dynamics::StepWorkspace;
use qd_smoothing::{Derivatives, Linearization, Smoother};
use std::time::Instant;

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
    let _span = tracing::info_span!("trajopt", scene = %problem.system().scene().name()).entered();
    let start = Instant::now();
    settings.check()?;
    let inputs = match initial_inputs {
        Some(given) => given.to_vec(),
        None => problem.hold_inputs(),
    };
    problem.check_inputs(&inputs, "initial inputs")?;
    let horizon = problem.horizon();
    let mut workspace = StepWorkspace::default();
    let states = rollout(problem, &mut workspace, &inputs).map_err(TrajoptError::InitialRollout)?;
    let initial_error = object_error(problem, &states[horizon])?;
    let mut run = Run::new(
        problem,
        settings,
        (inputs, states),
        workspace,
        initial_error,
    )?;
    observe(&run.reports[0]);
    let mut stop = StopReason::Iterations;
    for iteration in 1..=settings.iterations {
        if let Some(reason) = run.iterate(problem, settings, iteration, &mut observe)? {
            stop = reason;
            break;
        }
    }
    let final_error = object_error(problem, &run.states[horizon])?;
    Ok(TrajoptResult {
        inputs: run.inputs,
        states: run.states,
        cost: run.cost,
        final_error,
        initial_error,
        best_iteration: run.best_iteration,
        iterations: run.reports,
        dynamics_evaluations: run.dynamics_evaluations,
        seconds: start.elapsed().as_secs_f64(),
        stop,
    })
}

/// The state of a run between iterations: the nominal (best so far) trajectory and its cost,
/// the trust region, and every report.
pub(crate) struct Run {
    pub(crate) inputs: Vec<Vec<f64>>,
    pub(crate) states: Vec<Vec<f64>>,
    pub(crate) cost: CostParts,
    pub(crate) radius: f64,
    pub(crate) dynamics_evaluations: usize,
    pub(crate) best_iteration: usize,
    pub(crate) reports: Vec<IterationReport>,
    pub(crate) workspace: StepWorkspace,
}

impl Run {
    /// A run from the rollout `states` of `inputs`, with the report of iteration 0.
    pub(crate) fn new(
        problem: &TrajoptProblem,
        settings: &TrajoptSettings,
        (inputs, states): (Vec<Vec<f64>>, Vec<Vec<f64>>),
        workspace: StepWorkspace,
        initial_error: ObjectError,
    ) -> Result<Self, TrajoptError> {
        let horizon = problem.horizon();
        let cost = trajectory_cost(problem, &states, &inputs)?;
        let radius = settings.input_radius;
        let initial = IterationReport {
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
        };
        Ok(Run {
            inputs,
            states,
            cost,
            radius,
            dynamics_evaluations: horizon,
            best_iteration: 0,
            reports: vec![initial],
            workspace,
        })
    }

    /// Iteration `iteration` (≥ 1), its report pushed and observed; `Some` when the run
    /// stops after it.
    ///
    /// # Errors
    /// A smoother that cannot be built, a linearisation without A, a failing cost.
    pub(crate) fn iterate(
        &mut self,
        problem: &TrajoptProblem,
        settings: &TrajoptSettings,
        iteration: usize,
        observe: &mut impl FnMut(&IterationReport),
    ) -> Result<Option<StopReason>, TrajoptError> {
        let _iteration_span = tracing::debug_span!("iteration", iteration).entered();
        let horizon = problem.horizon();
        let smoothing = settings.smoothing.at(iteration, settings.iterations);
        let mut seconds = PhaseTimes::default();

        let clock = Instant::now();
        let smoother = Smoother::new(problem.system(), smoothing, Derivatives::AB)
            .map_err(|error| TrajoptError::Smoothing { iteration, error })?;
        let radius = self.radius;
        let outcome = {
            let _phase = tracing::debug_span!("linearize").entered();
            smoother.linearize_trajectory(&self.states, &self.inputs)
        };
        let linearizations = match outcome {
            Ok(linearizations) => linearizations,
            Err(error) => {
                seconds.linearize = clock.elapsed().as_secs_f64();
                let failure = format!("smoothing: {error}");
                self.record_failure(iteration, smoothing.into(), failure, seconds, observe);
                return Ok(Some(StopReason::SmoothingFailed));
            }
        };
        let (models, mut evaluations, dropped) =
            step_models(problem, settings, &self.states, linearizations, iteration)?;
        let tree = problem.system().scene().tree();
        let state_errors = self.states[1..]
            .iter()
            .map(|x| tree.difference(problem.x_goal(), x))
            .collect::<Result<Vec<_>, _>>()?;
        seconds.linearize = clock.elapsed().as_secs_f64();

        let clock = Instant::now();
        let outcome = {
            let _phase = tracing::debug_span!("qp").entered();
            self.trust_region_step(problem, settings, &models, &state_errors)
        };
        seconds.qp = clock.elapsed().as_secs_f64();
        let (du, predicted_decrease) = match outcome {
            Ok(step) => step,
            Err(error) => {
                let status = match error {
                    TrajoptError::Qp { status, .. } => status,
                    other => other.to_string(),
                };
                let failure = format!("the trust-region QP failed ({status})");
                self.record_failure(iteration, smoothing.into(), failure, seconds, observe);
                return Ok(Some(StopReason::QpFailed));
            }
        };

        let clock = Instant::now();
        let candidate: Vec<Vec<f64>> = self
            .inputs
            .iter()
            .zip(&du)
            .map(|(u, du)| u.iter().zip(du).map(|(a, b)| a + b).collect())
            .collect();
        let (candidate_cost, failure, accepted, actual_decrease) =
            self.try_candidate(problem, candidate, iteration)?;
        evaluations += horizon;
        seconds.rollout = clock.elapsed().as_secs_f64();

        let ratio = if predicted_decrease > 0.0 {
            actual_decrease / predicted_decrease
        } else {
            0.0
        };
        self.radius = next_radius(radius, accepted, ratio, settings.max_input_radius);
        self.dynamics_evaluations += evaluations;
        let final_error = object_error(problem, &self.states[horizon])?;
        tracing::debug!(
            iteration,
            cost = self.cost.total,
            accepted,
            ratio,
            radius = self.radius,
            "trajopt iteration"
        );
        self.reports.push(IterationReport {
            iteration,
            smoothing: smoothing.into(),
            input_radius: radius,
            candidate_cost,
            accepted,
            cost: self.cost,
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
        observe(&self.reports[iteration]);
        Ok((self.radius < settings.min_input_radius).then_some(StopReason::TrustRegionCollapsed))
    }

    /// The report of an iteration that failed before its rollout. A failure in the smoothing
    /// or the QP ends the run with the best trajectory so far: the nominal would not change,
    /// so later iterations would meet it again.
    fn record_failure(
        &mut self,
        iteration: usize,
        smoothing: SmoothingLevel,
        failure: String,
        seconds: PhaseTimes,
        observe: &mut impl FnMut(&IterationReport),
    ) {
        let report = IterationReport {
            iteration,
            smoothing,
            input_radius: self.radius,
            candidate_cost: None,
            accepted: false,
            cost: self.cost,
            final_error: self.reports[self.reports.len() - 1].final_error,
            predicted_decrease: 0.0,
            actual_decrease: 0.0,
            dropped_samples: 0,
            dynamics_evaluations: 0,
            seconds,
            failure: Some(failure),
        };
        observe(&report);
        self.reports.push(report);
    }

    /// The trust-region QP on the step models around the nominal trajectory: its input
    /// changes δu (T × n_a) and the decrease of the model cost it predicts.
    ///
    /// # Errors
    /// The QP failed (its status in [`TrajoptError::Qp`]).
    fn trust_region_step(
        &self,
        problem: &TrajoptProblem,
        settings: &TrajoptSettings,
        models: &[StepModel],
        state_errors: &[Vec<f64>],
    ) -> Result<(Vec<Vec<f64>>, f64), TrajoptError> {
        let qp = LinearizedProblem {
            models,
            state_errors,
            nominal_inputs: &self.inputs,
            u_before: problem.u_before(),
            state_weights: problem.state_weights(),
            terminal_scale: problem.weights().terminal_scale,
            input_rate: problem.weights().input_rate,
            input_radius: self.radius,
            input_limits: problem.input_limits(),
            state_radius: settings.state_radius,
            max_input_change: settings.max_input_change,
        };
        let solution = qp.solve()?;
        let zero = vec![vec![0.0; problem.u_before().len()]; problem.horizon()];
        let predicted_decrease = qp.model_cost(&zero) - solution.model_cost;
        Ok((solution.du, predicted_decrease))
    }

    /// Rolls `candidate` out with the exact step and makes it the nominal when its exact
    /// cost is lower. Returns its cost (None when the rollout failed), the failure, whether
    /// it was accepted, and the actual decrease (−∞ for a failed rollout).
    fn try_candidate(
        &mut self,
        problem: &TrajoptProblem,
        candidate: Vec<Vec<f64>>,
        iteration: usize,
    ) -> Result<(Option<CostParts>, Option<String>, bool, f64), TrajoptError> {
        let outcome = {
            let _phase = tracing::debug_span!("rollout").entered();
            rollout(problem, &mut self.workspace, &candidate)
        };
        Ok(match outcome {
            Ok(candidate_states) => {
                let candidate_cost = trajectory_cost(problem, &candidate_states, &candidate)?;
                let decrease = self.cost.total - candidate_cost.total;
                let accepted = decrease > 0.0;
                if accepted {
                    self.inputs = candidate;
                    self.states = candidate_states;
                    self.cost = candidate_cost;
                    self.best_iteration = iteration;
                }
                (Some(candidate_cost), None, accepted, decrease)
            }
            Err(error) => (None, Some(error.to_string()), false, f64::NEG_INFINITY),
        })
    }
}

/// The QP's step models from the linearisations along the nominal trajectory, with the
/// dynamics evaluations they took and the samples they dropped.
fn step_models(
    problem: &TrajoptProblem,
    settings: &TrajoptSettings,
    states: &[Vec<f64>],
    linearizations: Vec<Linearization>,
    iteration: usize,
) -> Result<(Vec<StepModel>, usize, usize), TrajoptError> {
    let tree = problem.system().scene().tree();
    let mut evaluations = 0;
    let mut dropped = 0;
    let mut models = Vec::with_capacity(linearizations.len());
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
    Ok((models, evaluations, dropped))
}

/// The trust region after an iteration: halved when the candidate was refused or the model
/// predicted its decrease poorly (ratio < 0.25), doubled up to `max_radius` when the ratio
/// exceeds 0.75.
fn next_radius(radius: f64, accepted: bool, ratio: f64, max_radius: f64) -> f64 {
    if !accepted || ratio < 0.25 {
        radius * 0.5
    } else if ratio > 0.75 {
        (2.0 * radius).min(max_radius)
    } else {
        radius
    }
}
