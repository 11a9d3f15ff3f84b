//! Receding-horizon MPC (docs/trajopt.md, "Receding horizon"): at every control step, plan a
//! window of steps ahead from the state the plant is in, apply the plan's first input with
//! the exact step, shift the plan, repeat.
//!
//! One control step costs a smoothed rollout of the window (its linearisations come with it)
//! and one QP per iteration, and nothing else: the nominal trajectory of the window is the
//! *smoothed* rollout of the warm-started inputs (each linearisation's prediction c is the
//! next nominal state), so no exact rollout is needed to plan, and there is no acceptance
//! test — the plant's exact step is the only judge, as in any MPC.

use crate::cost::{CostParts, ObjectError, object_error, trajectory_cost};
use crate::error::TrajoptError;
use crate::model::LinearModel;
use crate::problem::TrajoptProblem;
use crate::qp::{LinearizedProblem, StepModel, absurd_decrease};
use crate::schedule::SmoothingSchedule;
use crate::task::{DEFAULT_MPC_ITERATIONS, DEFAULT_MPC_WINDOW, TrajoptTask};
use nalgebra::DMatrix;
use qd_dynamics::StepWorkspace;
use qd_smoothing::{Derivatives, Smoother, Smoothing};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The MPC's trust region on each input entry around its warm-started plan (rad or m) when
/// none is given: the optimiser's initial radius.
pub const DEFAULT_MPC_INPUT_RADIUS: f64 = 0.1;

/// Settings of receding-horizon MPC.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MpcSettings {
    /// Steps each plan looks ahead, ≥ 1 (the last plans look past the problem's horizon,
    /// toward the same goal).
    pub window: usize,
    /// Optimiser iterations per control step, ≥ 1 (each: a smoothed rollout of the window
    /// and one QP).
    pub iterations: usize,
    /// The smoothing of the linearisations, fixed over the run.
    pub smoothing: Smoothing,
    /// Trust region on each input entry around the warm-started plan (rad or m), > 0.
    pub input_radius: f64,
    /// The QP's linear model.
    pub model: LinearModel,
}

impl MpcSettings {
    /// The settings of a task: its window and iterations per step (`mpc_window`,
    /// `mpc_iterations`, else the defaults), the smoothing of `schedule`'s last iteration of
    /// `iterations` held fixed, `model`, and the optimiser's default trust radius.
    pub fn from_task(
        task: &TrajoptTask,
        schedule: &SmoothingSchedule,
        iterations: usize,
        model: LinearModel,
    ) -> Self {
        MpcSettings {
            window: task.mpc_window.unwrap_or(DEFAULT_MPC_WINDOW),
            iterations: task.mpc_iterations.unwrap_or(DEFAULT_MPC_ITERATIONS),
            smoothing: schedule.at(iterations, iterations),
            input_radius: DEFAULT_MPC_INPUT_RADIUS,
            model,
        }
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// A window or iteration count of 0, a radius that is not finite and > 0.
    pub fn check(&self) -> Result<(), TrajoptError> {
        if self.window == 0 || self.window > crate::MAX_HORIZON || self.iterations == 0 {
            return Err(TrajoptError::InvalidParameter(format!(
                "MPC needs a window within 1..={} and at least one iteration per step, got \
                 window {} and {} iterations",
                crate::MAX_HORIZON,
                self.window,
                self.iterations
            )));
        }
        if !(self.input_radius.is_finite() && self.input_radius > 0.0) {
            return Err(TrajoptError::InvalidParameter(format!(
                "the MPC input radius must be finite and > 0, got {}",
                self.input_radius
            )));
        }
        Ok(())
    }
}

/// The closed-loop trajectory of a receding-horizon run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecedingHorizonResult {
    /// The inputs applied, u₀..u_{T−1}.
    pub inputs: Vec<Vec<f64>>,
    /// The states they led to, x₀..x_T (exact steps).
    pub states: Vec<Vec<f64>>,
    /// The cost of the closed-loop trajectory (same cost as the open-loop problem).
    pub cost: CostParts,
    /// The objects' error at x_T.
    pub final_error: ObjectError,
    /// Iterations each control step ran (T entries).
    pub iterations_per_step: Vec<usize>,
    /// The controller's wall-clock time per control step (s; T entries): planning only,
    /// without the plant's exact step.
    pub controller_seconds: Vec<f64>,
    /// Control steps per second of controller time (1 / the mean of `controller_seconds`),
    /// to compare with the rate 1/h a real-time controller must keep (Hz).
    pub control_rate: f64,
    /// QP answers refused as absurd (the plan kept its warm start there).
    pub refused_steps: usize,
    /// Window steps whose smoothed linearisation failed and took the exact step's.
    pub exact_fallbacks: usize,
    /// All step solves, planning included.
    pub dynamics_evaluations: usize,
    /// Wall-clock time of the whole run, plant steps included (s).
    pub seconds: f64,
}

/// Receding-horizon MPC over the problem's horizon T: at step t a plan of `settings.window`
/// inputs (warm-started with the previous plan shifted by one, its last input repeated; the
/// inputs holding the start at first, or `initial_inputs`) is improved by
/// `settings.iterations` iterations, and its first input is applied to the plant with the
/// exact step.
///
/// # Errors
/// Bad settings or initial inputs; a smoothed step that fails; a failing exact step of the
/// applied input.
pub fn receding_horizon(
    problem: &TrajoptProblem,
    settings: &MpcSettings,
    initial_inputs: Option<&[Vec<f64>]>,
) -> Result<RecedingHorizonResult, TrajoptError> {
    let _span =
        tracing::info_span!("receding_horizon", scene = %problem.system().scene().name()).entered();
    let start = Instant::now();
    settings.check()?;
    let horizon = problem.horizon();
    let first = match initial_inputs {
        Some(given) => given.to_vec(),
        None => problem.hold_inputs(),
    };
    problem.check_inputs(&first, "initial inputs")?;
    let derivatives = match settings.model {
        LinearModel::Full => Derivatives::AB,
        LinearModel::InputOnly => Derivatives::B,
    };
    let smoother =
        Smoother::new(problem.system(), settings.smoothing, derivatives).map_err(|error| {
            TrajoptError::Smoothing {
                iteration: 0,
                error,
            }
        })?;
    let mut plan: Vec<Vec<f64>> = (0..settings.window)
        .map(|k| first[k.min(horizon - 1)].clone())
        .collect();
    let exact =
        Smoother::new(problem.system(), Smoothing::Exact, derivatives).map_err(|error| {
            TrajoptError::Smoothing {
                iteration: 0,
                error,
            }
        })?;
    let mut controller = Controller {
        problem,
        settings,
        smoother,
        exact,
        evaluations: 0,
        refused: 0,
        exact_fallbacks: 0,
    };
    let mut workspace = StepWorkspace::default();
    let mut states = vec![problem.x0().to_vec()];
    let mut inputs: Vec<Vec<f64>> = Vec::with_capacity(horizon);
    let mut controller_seconds = Vec::with_capacity(horizon);
    for t in 0..horizon {
        let clock = Instant::now();
        let u_before = inputs.last().map_or(problem.u_before(), Vec::as_slice);
        for _ in 0..settings.iterations {
            controller.improve(&states[t], u_before, &mut plan, t)?;
        }
        controller_seconds.push(clock.elapsed().as_secs_f64());
        let u = plan[0].clone();
        let step = problem
            .system()
            .step(&mut workspace, &states[t], &u)
            .map_err(|error| {
                TrajoptError::InitialRollout(qd_dynamics::RolloutError { step: t, error })
            })?;
        states.push(step.q_next);
        inputs.push(u);
        plan.rotate_left(1);
        let last = plan.len() - 1;
        if last > 0 {
            plan[last] = plan[last - 1].clone();
        }
    }
    let cost = trajectory_cost(problem, &states, &inputs)?;
    let final_error = object_error(problem, &states[horizon])?;
    let mean = controller_seconds.iter().sum::<f64>() / horizon as f64;
    Ok(RecedingHorizonResult {
        inputs,
        states,
        cost,
        final_error,
        iterations_per_step: vec![settings.iterations; horizon],
        controller_seconds,
        control_rate: if mean > 0.0 {
            1.0 / mean
        } else {
            f64::INFINITY
        },
        refused_steps: controller.refused,
        exact_fallbacks: controller.exact_fallbacks,
        dynamics_evaluations: controller.evaluations + horizon,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// What one control step's planning needs.
struct Controller<'a> {
    problem: &'a TrajoptProblem,
    settings: &'a MpcSettings,
    smoother: Smoother,
    /// The exact step's linearisation, where the smoothed one fails.
    exact: Smoother,
    evaluations: usize,
    refused: usize,
    exact_fallbacks: usize,
}

impl Controller<'_> {
    /// One iteration on `plan` (window entries) from the plant's state `x` after the command
    /// `u_before`: the smoothed rollout of the plan with its linearisations, then the QP; the
    /// plan moves to the QP's answer unless it is absurd.
    fn improve(
        &mut self,
        x: &[f64],
        u_before: &[f64],
        plan: &mut [Vec<f64>],
        t: usize,
    ) -> Result<(), TrajoptError> {
        let problem = self.problem;
        let tree = problem.system().scene().tree();
        let nv = tree.nv();
        let mut nominal = x.to_vec();
        let mut models = Vec::with_capacity(plan.len());
        let mut state_errors = Vec::with_capacity(plan.len());
        for u in plan.iter() {
            // Where the smoothed step fails (a barrier step with no strictly feasible start
            // from a plant state the exact step left pinched), the exact one stands in.
            let linearization = match self.smoother.linearize(&nominal, u) {
                Ok(found) => found,
                Err(_) => {
                    self.exact_fallbacks += 1;
                    self.exact
                        .linearize(&nominal, u)
                        .map_err(|error| TrajoptError::Smoothing {
                            iteration: t,
                            error,
                        })?
                }
            };
            self.evaluations += linearization.report.samples.max(1);
            let mut model = StepModel {
                a: linearization.a.unwrap_or_else(|| DMatrix::zeros(0, 0)),
                b: linearization.b,
                d: vec![0.0; nv],
            };
            if self.settings.model == LinearModel::InputOnly {
                crate::iteration::make_input_only(problem, &mut model);
            }
            models.push(model);
            nominal = linearization.c;
            state_errors.push(tree.difference(problem.x_goal(), &nominal)?);
        }
        let qp = LinearizedProblem {
            models: &models,
            state_errors: &state_errors,
            nominal_inputs: plan,
            u_before,
            state_weights: problem.state_weights(),
            terminal_scale: problem.weights().terminal_scale,
            input_rate: problem.weights().input_rate,
            input_radius: self.settings.input_radius,
            input_limits: problem.input_limits(),
            state_radius: None,
            max_input_change: None,
            start_deviation: None,
        };
        let solution = qp.solve().map_err(|error| TrajoptError::Qp {
            iteration: t,
            status: error.to_string(),
        })?;
        let zero = vec![vec![0.0; u_before.len()]; plan.len()];
        let cost_at_zero = qp.model_cost(&zero);
        if absurd_decrease(cost_at_zero - solution.model_cost, cost_at_zero) {
            self.refused += 1;
            return Ok(());
        }
        for (u, du) in plan.iter_mut().zip(&solution.du) {
            for ((value, d), &(lower, upper)) in u.iter_mut().zip(du).zip(problem.input_limits()) {
                *value = (*value + d).clamp(lower, upper);
            }
        }
        Ok(())
    }
}
