//! The optimiser's run (docs/trajopt.md, "One iteration"): from the initial rollout, each
//! iteration linearises along the nominal trajectory, solves the trust-region QP, rolls the
//! candidate out exactly, accepts it if its exact cost is lower, and adapts the radius.

use crate::cost::{CostParts, ObjectError, object_error, trajectory_cost};
use crate::diagnosis;
use crate::error::TrajoptError;
use crate::model::{ForwardPass, LinearModel};
use crate::optimizer::{IterationReport, PhaseTimes, StopReason, TrajoptResult, TrajoptSettings};
use crate::problem::TrajoptProblem;
use crate::qp::{LinearizedProblem, StepModel, absurd_decrease};
use crate::schedule::SmoothingLevel;
use nalgebra::DMatrix;
use qd_dynamics::StepWorkspace;
use qd_smoothing::{Derivatives, Linearization, Smoother, Smoothing};
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
/// smoothing, solves the trust-region QP (checked: an absurd predicted decrease is refused
/// and re-solved on the input-only model), and makes its candidate by the settings' forward
/// pass (closed loop: re-planned from the exact rollout's state at every step) with the
/// exact step. A candidate with a lower exact cost is accepted (the nominal trajectory is
/// always the best so far). The radius halves when the candidate is refused and doubles (up
/// to the maximum) when the actual decrease exceeds 0.75 of the predicted one.
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
            model: settings.model,
            diagnosis: None,
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
        let radius = self.radius;
        let (linearizations, mut diagnosis) = {
            let _phase = tracing::debug_span!("linearize").entered();
            match self.linearize(problem, settings, smoothing, iteration)? {
                Ok(found) => found,
                Err(error) => {
                    seconds.linearize = clock.elapsed().as_secs_f64();
                    let failure = format!("smoothing: {error}");
                    self.record_failure(iteration, smoothing.into(), failure, seconds, observe);
                    return Ok(Some(StopReason::SmoothingFailed));
                }
            }
        };
        let (models, mut evaluations, dropped) =
            step_models(problem, settings, &self.states, linearizations, iteration)?;
        diagnosis =
            diagnosis.or_else(|| diagnosis::objects_unreachable(problem, smoothing, &models));
        let tree = problem.system().scene().tree();
        let state_errors = self.states[1..]
            .iter()
            .map(|x| tree.difference(problem.x_goal(), x))
            .collect::<Result<Vec<_>, _>>()?;
        seconds.linearize = clock.elapsed().as_secs_f64();

        let clock = Instant::now();
        let outcome = {
            let _phase = tracing::debug_span!("qp").entered();
            self.checked_step(problem, settings, models, &state_errors)
        };
        seconds.qp = clock.elapsed().as_secs_f64();
        let QpStep {
            du,
            predicted_decrease,
            model,
            note,
            models,
        } = match outcome {
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

        diagnosis = diagnosis.or(note);
        let clock = Instant::now();
        let (candidate_cost, failure, accepted, actual_decrease) = match du {
            Some(du) => {
                let (candidate, outcome) =
                    self.candidate(problem, settings, (&models, &state_errors), &du)?;
                evaluations += candidate.len();
                self.judge_candidate(problem, candidate, outcome, iteration)?
            }
            // No usable step from either model: no rollout, the radius shrinks.
            None => (None, None, false, 0.0),
        };
        seconds.rollout = clock.elapsed().as_secs_f64();

        let ratio = decrease_ratio(actual_decrease, predicted_decrease);
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
            model,
            diagnosis,
        });
        let collapsed = self.radius < settings.min_input_radius;
        if collapsed {
            diagnosis::add(
                &mut self.reports[iteration].diagnosis,
                diagnosis::trust_region_collapsed(settings.min_input_radius),
            );
        }
        observe(&self.reports[iteration]);
        Ok(collapsed.then_some(StopReason::TrustRegionCollapsed))
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
            model: LinearModel::Full,
            diagnosis: None,
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
    ) -> Result<(Vec<Vec<f64>>, f64, f64), TrajoptError> {
        let qp = self.tail_qp(problem, settings, (models, state_errors), 0, None);
        let solution = qp.solve()?;
        let zero = vec![vec![0.0; problem.u_before().len()]; problem.horizon()];
        let cost_at_zero = qp.model_cost(&zero);
        Ok((
            solution.du,
            cost_at_zero - solution.model_cost,
            cost_at_zero,
        ))
    }

    /// The trust-region QP over steps t..T of the nominal trajectory on the iteration's
    /// `models` and `state_errors` (all T of them; their tail is used), after the command
    /// applied at step t − 1 (the problem's `u_before` at t = 0), from the deviation δx_t.
    pub(crate) fn tail_qp<'a>(
        &'a self,
        problem: &'a TrajoptProblem,
        settings: &TrajoptSettings,
        (models, state_errors): (&'a [StepModel], &'a [Vec<f64>]),
        t: usize,
        start: Option<(&'a [f64], &'a [f64])>,
    ) -> LinearizedProblem<'a> {
        let (u_before, start_deviation) = match start {
            Some((u_before, deviation)) => (u_before, Some(deviation)),
            None => (problem.u_before(), None),
        };
        LinearizedProblem {
            models: &models[t..],
            state_errors: &state_errors[t..],
            nominal_inputs: &self.inputs[t..],
            u_before,
            state_weights: problem.state_weights(),
            terminal_scale: problem.weights().terminal_scale,
            input_rate: problem.weights().input_rate,
            input_radius: self.radius,
            input_limits: problem.input_limits(),
            state_radius: settings.state_radius,
            max_input_change: settings.max_input_change,
            start_deviation,
        }
    }

    /// The trust-region step on `models`, checked: a predicted decrease that no correct QP
    /// gives ([`absurd_decrease`]) is refused, and the step is re-solved on the input-only
    /// model (when the models were full ones). `du` is None when neither gave a usable step.
    ///
    /// # Errors
    /// The QP failed.
    fn checked_step(
        &self,
        problem: &TrajoptProblem,
        settings: &TrajoptSettings,
        mut models: Vec<StepModel>,
        state_errors: &[Vec<f64>],
    ) -> Result<QpStep, TrajoptError> {
        let (du, predicted, cost_at_zero) =
            self.trust_region_step(problem, settings, &models, state_errors)?;
        if !absurd_decrease(predicted, cost_at_zero) {
            return Ok(QpStep {
                du: Some(du),
                predicted_decrease: predicted.max(0.0),
                model: settings.model,
                note: None,
                models,
            });
        }
        let largest_a = models
            .iter()
            .flat_map(|model| model.a.iter())
            .fold(0.0_f64, |m, v| m.max(v.abs()));
        let refused = format!(
            "the linear model predicted a decrease of {predicted:.3e} from a model cost of \
             {cost_at_zero:.3e}, which no correct QP gives (largest |A| entry {largest_a:.1e}: \
             a step nearly discontinuous in q, such as a flat box on one contact point, makes \
             A's products over the horizon overflow)"
        );
        if settings.model == LinearModel::InputOnly {
            return Ok(QpStep {
                du: None,
                predicted_decrease: 0.0,
                model: LinearModel::InputOnly,
                note: Some(format!("{refused}; step refused, trust region shrunk")),
                models,
            });
        }
        for model in &mut models {
            make_input_only(problem, model);
        }
        let (du, predicted, cost_at_zero) =
            self.trust_region_step(problem, settings, &models, state_errors)?;
        let usable = !absurd_decrease(predicted, cost_at_zero);
        Ok(QpStep {
            du: usable.then_some(du),
            predicted_decrease: if usable { predicted.max(0.0) } else { 0.0 },
            model: LinearModel::InputOnly,
            note: Some(if usable {
                format!(
                    "{refused}; re-solved with the input-only model (set `model = \"input_only\"` \
                     to use it from the start)"
                )
            } else {
                format!("{refused}, and so did the input-only model; step refused")
            }),
            models,
        })
    }

    /// The smoothed linearisations along the nominal trajectory (with A only for the full
    /// model). Where the smoothing fails at a step (a barrier step without a strictly feasible
    /// start, all randomized samples failing), that step takes the exact step's derivatives
    /// instead, and the diagnosis names the step and the cause; `Err` inside only when even
    /// the exact linearisation fails.
    ///
    /// # Errors
    /// A smoother that cannot be built.
    fn linearize(
        &self,
        problem: &TrajoptProblem,
        settings: &TrajoptSettings,
        smoothing: Smoothing,
        iteration: usize,
    ) -> Result<Linearized, TrajoptError> {
        let derivatives = match settings.model {
            LinearModel::Full => Derivatives::AB,
            LinearModel::InputOnly => Derivatives::B,
        };
        let smoother = Smoother::new(problem.system(), smoothing, derivatives)
            .map_err(|error| TrajoptError::Smoothing { iteration, error })?;
        let whole = smoother.linearize_trajectory(&self.states, &self.inputs);
        let Err(first_error) = whole else {
            return Ok(whole.map(|found| (found, None)));
        };
        let exact = Smoother::new(problem.system(), Smoothing::Exact, derivatives)
            .map_err(|error| TrajoptError::Smoothing { iteration, error })?;
        let mut found = Vec::with_capacity(self.inputs.len());
        let mut fell_back = Vec::new();
        for (t, (q, u)) in self.states.iter().zip(&self.inputs).enumerate() {
            match smoother.linearize(q, u) {
                Ok(linearization) => found.push(linearization),
                Err(_) => match exact.linearize(q, u) {
                    Ok(linearization) => {
                        fell_back.push(t);
                        found.push(linearization);
                    }
                    Err(error) => return Ok(Err(error)),
                },
            }
        }
        let note = format!(
            "smoothing failed at step(s) {fell_back:?} ({first_error}); those steps used the \
             exact step's derivatives (analytic: raise kappa_range's start; randomized: lower \
             sigma0)"
        );
        Ok(Ok((found, Some(note))))
    }

    /// The candidate of the QP's answer `du` by the settings' forward pass, and its exact
    /// rollout (Err: the step that failed).
    ///
    /// # Errors
    /// Non-finite states in the closed-loop pass.
    #[allow(clippy::type_complexity)]
    fn candidate(
        &mut self,
        problem: &TrajoptProblem,
        settings: &TrajoptSettings,
        (models, state_errors): (&[StepModel], &[Vec<f64>]),
        du: &[Vec<f64>],
    ) -> Result<
        (
            Vec<Vec<f64>>,
            Result<Vec<Vec<f64>>, qd_dynamics::RolloutError>,
        ),
        TrajoptError,
    > {
        if settings.forward_pass == ForwardPass::ClosedLoop {
            let candidate =
                self.closed_loop_candidate(problem, settings, models, state_errors, du)?;
            if candidate.kept_open_loop > 0 {
                tracing::debug!(
                    steps = candidate.kept_open_loop,
                    "closed-loop re-planning failed; the first QP's inputs kept"
                );
            }
            return Ok((candidate.inputs, candidate.states));
        }
        let candidate: Vec<Vec<f64>> = self
            .inputs
            .iter()
            .zip(du)
            .map(|(u, du)| u.iter().zip(du).map(|(a, b)| a + b).collect())
            .collect();
        let outcome = {
            let _phase = tracing::debug_span!("rollout").entered();
            rollout(problem, &mut self.workspace, &candidate)
        };
        Ok((candidate, outcome))
    }

    /// Makes `candidate` (with its exact rollout `outcome`) the nominal when its exact cost
    /// is lower. Returns its cost (None when the rollout failed), the failure, whether
    /// it was accepted, and the actual decrease (−∞ for a failed rollout).
    fn judge_candidate(
        &mut self,
        problem: &TrajoptProblem,
        candidate: Vec<Vec<f64>>,
        outcome: Result<Vec<Vec<f64>>, qd_dynamics::RolloutError>,
        iteration: usize,
    ) -> Result<(Option<CostParts>, Option<String>, bool, f64), TrajoptError> {
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
        let mut model = match (settings.model, linearization.a) {
            (LinearModel::Full, Some(a)) => StepModel {
                a,
                b: linearization.b,
                d,
            },
            (LinearModel::InputOnly, _) => StepModel {
                a: DMatrix::zeros(0, 0),
                b: linearization.b,
                d,
            },
            (LinearModel::Full, None) => {
                return Err(TrajoptError::Qp {
                    iteration,
                    status: "the linearisation has no A".to_string(),
                });
            }
        };
        if settings.model == LinearModel::InputOnly {
            make_input_only(problem, &mut model);
        }
        models.push(model);
    }
    Ok((models, evaluations, dropped))
}

/// The linearisations along the nominal trajectory with the diagnosis of any step that fell
/// back to exact derivatives, or the error of a step where even those failed.
type Linearized = Result<(Vec<Linearization>, Option<String>), qd_smoothing::SmoothingError>;

/// One checked trust-region step ([`Run::checked_step`]).
struct QpStep {
    /// δu (T × n_a), or None when no model gave a usable step.
    du: Option<Vec<Vec<f64>>>,
    /// The model's predicted decrease (≥ 0, finite).
    predicted_decrease: f64,
    /// The model the step came from.
    model: LinearModel,
    /// Why the settings' model was not used, if it was not.
    note: Option<String>,
    /// The step models the answer came from.
    models: Vec<StepModel>,
}

/// Turns a step model into the input-only one ([`LinearModel::InputOnly`]): A = I on the
/// objects' coordinates and 0 on the robots', B's robot rows the identity (robot coordinate
/// `actuated[i]` follows input i).
pub(crate) fn make_input_only(problem: &TrajoptProblem, model: &mut StepModel) {
    let split = problem.system().scene().split();
    let nv = model.b.nrows();
    let mut a = DMatrix::zeros(nv, nv);
    for &v in &split.unactuated_v {
        a[(v, v)] = 1.0;
    }
    for (input, &v) in split.actuated.iter().enumerate() {
        model.b.row_mut(v).fill(0.0);
        model.b[(v, input)] = 1.0;
    }
    model.a = a;
}

/// ρ = actual / predicted decrease (0 when nothing was predicted).
fn decrease_ratio(actual: f64, predicted: f64) -> f64 {
    if predicted > 0.0 {
        actual / predicted
    } else {
        0.0
    }
}

/// The trust region after an iteration: halved when the candidate was refused, doubled up to
/// `max_radius` when the ratio exceeds 0.75, kept otherwise. An accepted candidate does not
/// shrink it however poorly its decrease was predicted: a smoothed model's prediction is
/// biased by design (it sees contacts the exact step does not), and shrinking on a low ratio
/// starved the later, less smoothed iterations of room (planar-hand: 0.0029 vs 0.0001 rad).
fn next_radius(radius: f64, accepted: bool, ratio: f64, max_radius: f64) -> f64 {
    if !accepted {
        radius * 0.5
    } else if ratio > 0.75 {
        (2.0 * radius).min(max_radius)
    } else {
        radius
    }
}
