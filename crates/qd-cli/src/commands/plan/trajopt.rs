//! `qd plan --planner trajopt` (the default): trajectory optimisation of a scene's
//! `[task.trajopt]` (docs/trajopt.md).
//!
//! Each iteration is reported on standard error as it finishes (`--quiet` silences it); the
//! summary goes to standard output. `--output FILE.json` writes the whole run (settings,
//! states, inputs, every iteration's report) and, under `plan`, the plan `qd replay` reads; `--output FILE.npz` writes arrays for NumPy
//! (`q` (T+1) × n_q, `u` T × n_a, `x_goal`, `cost` per iteration, `final_error` =
//! [position m, angle rad], `h`).

use super::PlanArgs;
use super::output::{NpzArrays, save};
use crate::commands::progress::Progress;
use qd_dynamics::StepWorkspace;
use qd_geometry::scene::Scene;
use qd_task::Task;
use qd_trajopt::{
    CostWeights, IterationReport, SmoothingLevel, SmoothingSchedule, TrajoptProblem,
    TrajoptSettings, TrajoptTask, optimize_observed, receding_horizon, trajectory_cost,
};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Serialize)]
struct PlanOut<'a> {
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
    cost: qd_trajopt::CostParts,
    final_error: qd_trajopt::ObjectError,
    dynamics_evaluations: usize,
    seconds: f64,
    /// Open loop: every iteration's report.
    #[serde(skip_serializing_if = "Option::is_none")]
    iterations: Option<&'a [IterationReport]>,
    /// Closed loop: iterations of each replanning.
    #[serde(skip_serializing_if = "Option::is_none")]
    iterations_per_step: Option<&'a [usize]>,
    /// The executable plan (`qd replay` reads it).
    plan: &'a qd_plan::Plan,
}

fn schedule(args: &PlanArgs, scene: &Scene) -> anyhow::Result<SmoothingSchedule> {
    let task = Task::from_scene(scene)?
        .ok_or_else(|| anyhow::anyhow!("scene '{}' has no [task]", scene.name()))?;
    let spec = TrajoptTask::from_task(&task, scene.name())?;
    let mut schedule = spec.schedule(args.method.kind(), args.seed);
    match &mut schedule {
        SmoothingSchedule::Analytic {
            kappa_start,
            kappa_end,
        } => {
            *kappa_start = args.kappa_start.unwrap_or(*kappa_start);
            *kappa_end = args.kappa_end.unwrap_or(*kappa_end);
        }
        SmoothingSchedule::RandomizedFirstOrder {
            sigma0, samples, ..
        }
        | SmoothingSchedule::RandomizedZeroOrder {
            sigma0, samples, ..
        } => {
            *sigma0 = args.sigma0.unwrap_or(*sigma0);
            *samples = args.samples.unwrap_or(*samples);
        }
        SmoothingSchedule::Exact => {}
    }
    Ok(schedule)
}

fn describe(level: &SmoothingLevel) -> String {
    match level {
        SmoothingLevel::Exact => "exact".to_string(),
        SmoothingLevel::Analytic { kappa } => format!("κ = {kappa:.4}"),
        SmoothingLevel::Randomized { sigma, samples } => format!("σ = {sigma:.4}, N = {samples}"),
    }
}

fn report_line(report: &IterationReport) -> String {
    let verdict = match (report.iteration, report.accepted, &report.failure) {
        (0, _, _) => "initial guess".to_string(),
        (_, _, Some(failure)) => format!("failed: {failure}"),
        (_, true, _) => "accepted".to_string(),
        (_, false, _) => "refused".to_string(),
    };
    format!(
        "iteration {:3}  {:<22} Δu ≤ {:.4}  cost {:10.5}  error {:.4} m {:.4} rad  {verdict}",
        report.iteration,
        describe(&report.smoothing),
        report.input_radius,
        report.cost.total,
        report.final_error.position,
        report.final_error.angle,
    )
}

/// What either mode of the optimiser returns; they differ in what they say of their
/// iterations.
struct Outcome {
    planner: &'static str,
    states: Vec<Vec<f64>>,
    inputs: Vec<Vec<f64>>,
    cost: qd_trajopt::CostParts,
    final_error: qd_trajopt::ObjectError,
    evaluations: usize,
    seconds: f64,
    /// Open loop: every iteration's report.
    iterations: Option<Vec<IterationReport>>,
    /// Closed loop: iterations of each replanning.
    per_step: Option<Vec<usize>>,
}

/// Runs the optimiser open loop (with progress) or in receding horizon (`--receding`).
fn run_optimizer(
    args: &PlanArgs,
    problem: &TrajoptProblem,
    settings: &TrajoptSettings,
) -> anyhow::Result<Outcome> {
    if args.receding {
        let result = receding_horizon(problem, settings, None)?;
        return Ok(Outcome {
            planner: "trajopt (receding horizon)",
            states: result.states,
            inputs: result.inputs,
            cost: result.cost,
            final_error: result.final_error,
            evaluations: result.dynamics_evaluations,
            seconds: result.seconds,
            iterations: None,
            per_step: Some(result.iterations_per_step),
        });
    }
    let progress = Progress::new(args.quiet, args.iterations as u64, "iterations");
    let result = optimize_observed(problem, settings, None, |report| {
        let message = format!(
            "cost {:.4}, error {:.4} m {:.4} rad",
            report.cost.total, report.final_error.position, report.final_error.angle
        );
        progress.update(
            report.iteration as u64,
            &message,
            || report_line(report),
            true,
        );
    });
    progress.finish();
    let result = result?;
    Ok(Outcome {
        planner: "trajopt",
        states: result.states,
        inputs: result.inputs,
        cost: result.cost,
        final_error: result.final_error,
        evaluations: result.dynamics_evaluations,
        seconds: result.seconds,
        iterations: Some(result.iterations),
        per_step: None,
    })
}

/// Runs trajectory optimisation on `scene`'s task and reports or saves the plan.
pub fn run(
    args: &PlanArgs,
    source: &qd_plan::SceneSource,
    scene: &Scene,
) -> anyhow::Result<ExitCode> {
    let weights = CostWeights::default();
    let mut problem = TrajoptProblem::from_task(scene, weights)?;
    if let Some(horizon) = args.horizon {
        problem = problem.with_horizon(horizon)?;
    }
    let settings = TrajoptSettings {
        smoothing: schedule(args, scene)?,
        iterations: args.iterations,
        ..TrajoptSettings::default()
    };
    let h = problem.system().settings().h;
    let initial_error = qd_trajopt::object_error(&problem, problem.x0())?;
    let Outcome {
        planner,
        states,
        inputs,
        cost,
        final_error,
        evaluations,
        seconds,
        iterations,
        per_step,
    } = run_optimizer(args, &problem, &settings)?;
    // The cost of holding the start, the first guess of both modes.
    let hold = problem.hold_inputs();
    let held = problem
        .system()
        .rollout(&mut StepWorkspace::default(), problem.x0(), &hold)?;
    let initial_cost = trajectory_cost(&problem, &held.states, &hold)?.total;
    crate::commands::stdout::line(format_args!(
        "{}: {planner} ({}), T = {}, {:.2} s: object error {:.4} m / {:.4} rad → {:.4} m / {:.4} rad, cost {:.4} → {:.4}",
        scene.name(),
        args.method,
        problem.horizon(),
        seconds,
        initial_error.position,
        initial_error.angle,
        final_error.position,
        final_error.angle,
        initial_cost,
        cost.total,
    ))?;
    if let Some(path) = &args.output {
        let costs: Vec<f64> = match &iterations {
            Some(reports) => reports.iter().map(|r| r.cost.total).collect(),
            None => vec![cost.total],
        };
        let plan = qd_plan::Plan::from_trajopt(
            source.clone(),
            &problem,
            (
                planner,
                args.seed,
                serde_json::json!({ "trajopt": settings, "weights": weights }),
            ),
            states.clone(),
            inputs.clone(),
        )?;
        let out = PlanOut {
            scene: scene.name(),
            planner,
            settings: &settings,
            weights: &weights,
            h,
            x_goal: problem.x_goal(),
            q: &states,
            u: &inputs,
            cost,
            final_error,
            dynamics_evaluations: evaluations,
            seconds,
            iterations: iterations.as_deref(),
            iterations_per_step: per_step.as_deref(),
            plan: &plan,
        };
        let arrays = NpzArrays::new()
            .matrix("q", out.q)
            .matrix("u", out.u)
            .vector("x_goal", out.x_goal)
            .vector("cost", &costs)
            .vector(
                "final_error",
                &[out.final_error.position, out.final_error.angle],
            )
            .vector("h", &[out.h]);
        save(path, &out, arrays)?;
        crate::commands::stdout::line(format_args!("saved {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
