//! A trajectory-optimisation query on a scene's `[task.trajopt]`, run the same way by the CLI's
//! `qd plan` and the Python package's `qd.plan_trajopt`.

use super::record::PlanRecord;
use crate::error::PlanError;
use crate::{Plan, SceneSource};
use qd_dynamics::StepWorkspace;
use qd_geometry::scene::Scene;
use qd_task::Task;
use qd_trajopt::{
    CostParts, CostWeights, ForwardPass, IterationReport, LinearModel, MpcSettings, ObjectError,
    ScheduleKind, SmoothingSchedule, TrajoptProblem, TrajoptSettings, TrajoptTask,
    optimize_observed, receding_horizon, trajectory_cost,
};
use serde::Serialize;

/// What to run; `None` fields take the task's value (docs/trajopt.md).
#[derive(Debug, Clone, PartialEq)]
pub struct TrajoptQuery {
    /// The smoothing schedule family.
    pub method: ScheduleKind,
    /// Iterations of the optimiser (of each replanning in closed loop).
    pub iterations: usize,
    /// Horizon T.
    pub horizon: Option<usize>,
    /// Samples per time step (randomized methods).
    pub samples: Option<usize>,
    /// Initial input noise σ₀ (randomized methods; rad or m).
    pub sigma0: Option<f64>,
    /// κ at the first iteration (analytic).
    pub kappa_start: Option<f64>,
    /// κ at the last iteration (analytic).
    pub kappa_end: Option<f64>,
    /// Seed of randomized smoothing.
    pub seed: u64,
    /// Closed loop: replan from each reached state and apply the first input.
    pub receding: bool,
    /// The QP's linear model, overriding the task's.
    pub model: Option<LinearModel>,
    /// The forward pass, overriding the default (closed loop).
    pub forward_pass: Option<ForwardPass>,
}

impl Default for TrajoptQuery {
    /// Analytic smoothing, 20 iterations, seed 1, open loop, the task's values otherwise.
    fn default() -> Self {
        TrajoptQuery {
            method: ScheduleKind::Analytic,
            iterations: 20,
            horizon: None,
            samples: None,
            sigma0: None,
            kappa_start: None,
            kappa_end: None,
            seed: 1,
            receding: false,
            model: None,
            forward_pass: None,
        }
    }
}

/// A finished query.
#[derive(Debug, Clone)]
pub struct TrajoptOutcome {
    /// `trajopt` or `trajopt (receding horizon)`.
    pub planner: &'static str,
    /// Horizon T.
    pub horizon: usize,
    /// States x₀..x_T of the result (exact rollout).
    pub states: Vec<Vec<f64>>,
    /// Inputs u₀..u_{T−1}.
    pub inputs: Vec<Vec<f64>>,
    /// The object error at the start (holding the start inputs).
    pub initial_error: ObjectError,
    /// The cost of holding the start inputs.
    pub initial_cost: f64,
    /// The result's cost.
    pub cost: CostParts,
    /// The object error at x_T.
    pub final_error: ObjectError,
    /// Step solves of the run.
    pub dynamics_evaluations: usize,
    /// Wall-clock time of the optimisation (s).
    pub seconds: f64,
    /// The executable plan (`qd replay` reads it).
    pub plan: Plan,
    /// Receding horizon: control steps per second of controller time (Hz).
    pub control_rate: Option<f64>,
    /// The whole run as the CLI saves it.
    pub record: PlanRecord,
}

#[derive(Serialize)]
struct TrajoptRecordOut<'a> {
    scene: &'a str,
    planner: &'static str,
    settings: &'a TrajoptSettings,
    weights: &'a CostWeights,
    h: f64,
    x_goal: &'a [f64],
    /// Configurations x₀..x_T.
    q: &'a [Vec<f64>],
    /// Inputs u₀..u_{T−1}.
    u: &'a [Vec<f64>],
    cost: CostParts,
    final_error: ObjectError,
    dynamics_evaluations: usize,
    seconds: f64,
    /// Open loop: every iteration's report.
    #[serde(skip_serializing_if = "Option::is_none")]
    iterations: Option<&'a [IterationReport]>,
    /// Closed loop: the MPC's settings and timing.
    #[serde(skip_serializing_if = "Option::is_none")]
    receding: Option<&'a MpcRecord>,
    /// The executable plan.
    plan: &'a Plan,
}

/// What either mode of the optimiser returns; they differ in what they say of their
/// iterations.
struct Run {
    planner: &'static str,
    states: Vec<Vec<f64>>,
    inputs: Vec<Vec<f64>>,
    cost: CostParts,
    final_error: ObjectError,
    evaluations: usize,
    seconds: f64,
    iterations: Option<Vec<IterationReport>>,
    mpc: Option<MpcRecord>,
}

/// What a receding-horizon run records besides its trajectory.
#[derive(Debug, Clone, Serialize)]
struct MpcRecord {
    /// The MPC's settings.
    settings: MpcSettings,
    /// Controller time per control step (s).
    controller_seconds: Vec<f64>,
    /// Control steps per second of controller time (Hz).
    control_rate: f64,
    /// The rate real time asks for, 1/h (Hz).
    real_time_rate: f64,
    /// QP answers refused as absurd.
    refused_steps: usize,
}

impl TrajoptQuery {
    /// The task's schedule of [`TrajoptQuery::method`] with this query's overrides.
    ///
    /// # Errors
    /// A scene without a task or with a malformed `[task.trajopt]`.
    pub fn schedule(&self, scene: &Scene) -> Result<SmoothingSchedule, PlanError> {
        Ok(self.settings(scene)?.smoothing)
    }

    /// The optimiser's settings: the task's schedule of [`TrajoptQuery::method`] and linear
    /// model, with this query's overrides and iterations.
    ///
    /// # Errors
    /// A scene without a task or with a malformed `[task.trajopt]`.
    pub fn settings(&self, scene: &Scene) -> Result<TrajoptSettings, PlanError> {
        let spec = task_spec(scene)?;
        // The task's settings (schedule and model), then this query's overrides.
        let mut settings = TrajoptSettings::from_task(&spec, self.method, self.seed);
        match &mut settings.smoothing {
            SmoothingSchedule::Analytic {
                kappa_start,
                kappa_end,
            } => {
                *kappa_start = self.kappa_start.unwrap_or(*kappa_start);
                *kappa_end = self.kappa_end.unwrap_or(*kappa_end);
            }
            SmoothingSchedule::RandomizedFirstOrder {
                sigma0, samples, ..
            }
            | SmoothingSchedule::RandomizedZeroOrder {
                sigma0, samples, ..
            } => {
                *sigma0 = self.sigma0.unwrap_or(*sigma0);
                *samples = self.samples.unwrap_or(*samples);
            }
            SmoothingSchedule::Exact => {}
        }
        settings.iterations = self.iterations;
        settings.model = self.model.unwrap_or(settings.model);
        settings.forward_pass = self.forward_pass.unwrap_or(settings.forward_pass);
        Ok(settings)
    }

    /// Runs the query on `scene` (loaded from `source`), calling `observe` after each
    /// iteration of an open-loop run.
    ///
    /// # Errors
    /// A scene without a trajectory-optimisation task, settings the optimiser refuses, a
    /// failing rollout.
    pub fn run(
        &self,
        source: &SceneSource,
        scene: &Scene,
        observe: impl FnMut(&IterationReport),
    ) -> Result<TrajoptOutcome, PlanError> {
        let spec = task_spec(scene)?;
        let weights = spec.weights();
        let mut problem = TrajoptProblem::from_task(scene, weights)?;
        if let Some(horizon) = self.horizon {
            problem = problem.with_horizon(horizon)?;
        }
        let settings = self.settings(scene)?;
        let initial_error = qd_trajopt::object_error(&problem, problem.x0())?;
        let run = self.optimize((&problem, &spec), &settings, observe)?;
        // The cost of holding the start, the first guess of both modes.
        let hold = problem.hold_inputs();
        let held = problem
            .system()
            .rollout(&mut StepWorkspace::default(), problem.x0(), &hold)
            .map_err(|e| PlanError::Step {
                step: e.step,
                source: e.error,
            })?;
        let initial_cost = trajectory_cost(&problem, &held.states, &hold)?.total;
        let plan = Plan::from_trajopt(
            source.clone(),
            &problem,
            (
                run.planner,
                self.seed,
                serde_json::json!({ "trajopt": settings, "weights": weights }),
            ),
            run.states.clone(),
            run.inputs.clone(),
        )?;
        let record = TrajoptRecordOut {
            scene: scene.name(),
            planner: run.planner,
            settings: &settings,
            weights: &weights,
            h: problem.system().settings().h,
            x_goal: problem.x_goal(),
            q: &run.states,
            u: &run.inputs,
            cost: run.cost,
            final_error: run.final_error,
            dynamics_evaluations: run.evaluations,
            seconds: run.seconds,
            iterations: run.iterations.as_deref(),
            receding: run.mpc.as_ref(),
            plan: &plan,
        };
        let json = serde_json::to_value(&record).map_err(|e| PlanError::Malformed {
            what: "record".to_string(),
            reason: e.to_string(),
        })?;
        Ok(TrajoptOutcome {
            planner: run.planner,
            horizon: problem.horizon(),
            states: run.states,
            inputs: run.inputs,
            initial_error,
            initial_cost,
            cost: run.cost,
            final_error: run.final_error,
            dynamics_evaluations: run.evaluations,
            seconds: run.seconds,
            plan,
            control_rate: run.mpc.as_ref().map(|mpc| mpc.control_rate),
            record: PlanRecord::from_json(json)?,
        })
    }

    /// Runs the optimiser open loop, or in receding horizon.
    fn optimize(
        &self,
        (problem, spec): (&TrajoptProblem, &TrajoptTask),
        settings: &TrajoptSettings,
        observe: impl FnMut(&IterationReport),
    ) -> Result<Run, PlanError> {
        if self.receding {
            // The query's model overrides both of the task's.
            let model = self
                .model
                .or(spec.mpc_model)
                .or(spec.model)
                .unwrap_or_default();
            let mpc = MpcSettings::from_task(spec, &settings.smoothing, settings.iterations, model);
            let result = receding_horizon(problem, &mpc, None)?;
            let record = MpcRecord {
                settings: mpc,
                control_rate: result.control_rate,
                real_time_rate: 1.0 / problem.system().settings().h,
                refused_steps: result.refused_steps,
                controller_seconds: result.controller_seconds,
            };
            return Ok(Run {
                planner: "trajopt (receding horizon)",
                states: result.states,
                inputs: result.inputs,
                cost: result.cost,
                final_error: result.final_error,
                evaluations: result.dynamics_evaluations,
                seconds: result.seconds,
                iterations: None,
                mpc: Some(record),
            });
        }
        let result = optimize_observed(problem, settings, None, observe)?;
        Ok(Run {
            planner: "trajopt",
            states: result.states,
            inputs: result.inputs,
            cost: result.cost,
            final_error: result.final_error,
            evaluations: result.dynamics_evaluations,
            seconds: result.seconds,
            iterations: Some(result.iterations),
            mpc: None,
        })
    }
}

/// The scene's `[task.trajopt]`.
fn task_spec(scene: &Scene) -> Result<TrajoptTask, PlanError> {
    let task = Task::from_scene(scene)
        .map_err(|e| PlanError::Scene(e.to_string()))?
        .ok_or_else(|| PlanError::Scene(format!("scene '{}' has no [task]", scene.name())))?;
    Ok(TrajoptTask::from_task(&task, scene.name())?)
}
