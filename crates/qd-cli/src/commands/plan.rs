//! `qd plan [SCENE]`: trajectory optimisation of a scene's task (SPEC §5), printed as a
//! summary and saved as JSON or NumPy `.npz`.
//!
//! Each iteration is reported on standard error as it finishes (`--quiet` silences it); the
//! summary goes to standard output. `--output FILE.json` writes the whole run (settings,
//! states, inputs, every iteration's report); `--output FILE.npz` writes arrays for NumPy
//! (`q` (T+1) × n_q, `u` T × n_a, `x_goal`, `cost` per iteration, `final_error` =
//! [position m, angle rad], `h`). An existing file is never overwritten without `--force`.

use super::scene::load_scene;
use anyhow::{Context, bail};
use qd_dynamics::StepWorkspace;
use qd_trajopt::{
    CostWeights, IterationReport, SmoothingLevel, SmoothingSchedule, TrajoptProblem,
    TrajoptSettings, optimize_observed, receding_horizon, trajectory_cost,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// A built-in scene name or a scene file with a `[task.trajopt]` table.
    #[arg(default_value = "planar-hand")]
    scene: String,
    /// Smoothing of the linearisations: analytic, randomized, zero-order or exact.
    #[arg(long, default_value = "analytic")]
    method: String,
    /// Iterations of the optimiser.
    #[arg(long, default_value_t = 20)]
    iterations: usize,
    /// Horizon T, overriding the task's.
    #[arg(long)]
    horizon: Option<usize>,
    /// Samples per time step (randomized; default: the task's, else 100).
    #[arg(long)]
    samples: Option<usize>,
    /// Initial input noise σ₀ (randomized; rad or m; default: the task's, else 0.1).
    #[arg(long)]
    sigma0: Option<f64>,
    /// κ at the first iteration (analytic; default: the task's, else 100).
    #[arg(long)]
    kappa_start: Option<f64>,
    /// κ at the last iteration (analytic; default: the task's, else 10⁴).
    #[arg(long)]
    kappa_end: Option<f64>,
    /// Seed of randomized smoothing.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run in closed loop: replan from each reached state, apply the first input.
    #[arg(long)]
    receding: bool,
    /// Save the plan: `.json` or `.npz`.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite `--output` if it exists.
    #[arg(long)]
    force: bool,
    /// Do not report iterations on standard error.
    #[arg(long)]
    quiet: bool,
}

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
}

fn schedule(
    args: &PlanArgs,
    problem_scene: &qd_geometry::scene::Scene,
) -> anyhow::Result<SmoothingSchedule> {
    let spec = problem_scene.task.as_ref().and_then(|t| t.trajopt.as_ref());
    let samples = args.samples.or(spec.and_then(|s| s.samples)).unwrap_or(100);
    let sigma0 = args.sigma0.or(spec.and_then(|s| s.sigma0)).unwrap_or(0.1);
    let range = spec.and_then(|s| s.kappa_range).unwrap_or([100.0, 1e4]);
    Ok(match args.method.as_str() {
        "analytic" => SmoothingSchedule::Analytic {
            kappa_start: args.kappa_start.unwrap_or(range[0]),
            kappa_end: args.kappa_end.unwrap_or(range[1]),
        },
        "randomized" => SmoothingSchedule::RandomizedFirstOrder {
            sigma0,
            samples,
            seed: args.seed,
        },
        "zero-order" => SmoothingSchedule::RandomizedZeroOrder {
            sigma0,
            samples,
            seed: args.seed,
        },
        "exact" => SmoothingSchedule::Exact,
        other => bail!("unknown method '{other}' (analytic, randomized, zero-order, exact)"),
    })
}

fn describe(level: &SmoothingLevel) -> String {
    match level {
        SmoothingLevel::Exact => "exact".to_string(),
        SmoothingLevel::Analytic { kappa } => format!("κ = {kappa:.4}"),
        SmoothingLevel::Randomized { sigma, samples } => format!("σ = {sigma:.4}, N = {samples}"),
    }
}

fn report_line(report: &IterationReport) {
    let verdict = match (report.iteration, report.accepted, &report.failure) {
        (0, _, _) => "initial guess",
        (_, _, Some(_)) => "rollout failed",
        (_, true, _) => "accepted",
        (_, false, _) => "refused",
    };
    eprintln!(
        "iteration {:3}  {:<22} Δu ≤ {:.4}  cost {:10.5}  error {:.4} m {:.4} rad  {verdict}",
        report.iteration,
        describe(&report.smoothing),
        report.input_radius,
        report.cost.total,
        report.final_error.position,
        report.final_error.angle,
    );
}

fn write_npz(path: &Path, out: &PlanOut<'_>, costs: &[f64]) -> anyhow::Result<()> {
    use ndarray::{Array1, Array2};
    let matrix = |rows: &[Vec<f64>]| -> anyhow::Result<Array2<f64>> {
        let columns = rows.first().map_or(0, Vec::len);
        Ok(Array2::from_shape_vec(
            (rows.len(), columns),
            rows.concat(),
        )?)
    };
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut npz = ndarray_npy::NpzWriter::new(file);
    npz.add_array("q", &matrix(out.q)?)?;
    npz.add_array("u", &matrix(out.u)?)?;
    npz.add_array("x_goal", &Array1::from_vec(out.x_goal.to_vec()))?;
    npz.add_array("cost", &Array1::from_vec(costs.to_vec()))?;
    npz.add_array(
        "final_error",
        &Array1::from_vec(vec![out.final_error.position, out.final_error.angle]),
    )?;
    npz.add_array("h", &Array1::from_vec(vec![out.h]))?;
    npz.finish()?;
    Ok(())
}

fn save(path: &Path, out: &PlanOut<'_>, costs: &[f64]) -> anyhow::Result<()> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => {
            let text = serde_json::to_string_pretty(out)?;
            std::fs::write(path, text + "\n")
                .with_context(|| format!("cannot write {}", path.display()))
        }
        Some("npz") => write_npz(path, out, costs),
        _ => bail!("{}: the output must end in .json or .npz", path.display()),
    }
}

pub fn run(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    if let Some(output) = &args.output {
        if !matches!(
            output.extension().and_then(|e| e.to_str()),
            Some("json" | "npz")
        ) {
            bail!("{}: the output must end in .json or .npz", output.display());
        }
        if output.exists() && !args.force {
            bail!("{} exists; pass --force to overwrite it", output.display());
        }
    }
    let scene = load_scene(&args.scene)?;
    let weights = CostWeights::default();
    let mut problem = TrajoptProblem::from_task(&scene, weights)?;
    if let Some(horizon) = args.horizon {
        problem = problem.with_horizon(horizon)?;
    }
    let settings = TrajoptSettings {
        smoothing: schedule(args, &scene)?,
        iterations: args.iterations,
        ..TrajoptSettings::default()
    };
    let h = problem.system().scene().parameters.h;
    let initial_error = qd_trajopt::object_error(&problem, problem.x0())?;
    // Both modes end in the same record; they differ in what they say of their iterations.
    let (planner, states, inputs, cost, final_error, evaluations, seconds, iterations, per_step) =
        if args.receding {
            let result = receding_horizon(&problem, &settings, None)?;
            let per_step = result.iterations_per_step;
            (
                "trajopt (receding horizon)",
                result.states,
                result.inputs,
                result.cost,
                result.final_error,
                result.dynamics_evaluations,
                result.seconds,
                None,
                Some(per_step),
            )
        } else {
            let result = optimize_observed(&problem, &settings, None, |report| {
                if !args.quiet {
                    report_line(report);
                }
            })?;
            (
                "trajopt",
                result.states,
                result.inputs,
                result.cost,
                result.final_error,
                result.dynamics_evaluations,
                result.seconds,
                Some(result.iterations),
                None,
            )
        };
    // The cost of holding the start, the first guess of both modes.
    let hold = problem.hold_inputs();
    let held = problem
        .system()
        .rollout(&mut StepWorkspace::default(), problem.x0(), &hold)?;
    let initial_cost = trajectory_cost(&problem, &held.states, &hold)?.total;
    println!(
        "{}: {planner} ({}), T = {}, {:.2} s: object error {:.4} m / {:.4} rad → {:.4} m / {:.4} rad, cost {:.4} → {:.4}",
        scene.name,
        args.method,
        problem.horizon(),
        seconds,
        initial_error.position,
        initial_error.angle,
        final_error.position,
        final_error.angle,
        initial_cost,
        cost.total,
    );
    if let Some(path) = &args.output {
        let costs: Vec<f64> = match &iterations {
            Some(reports) => reports.iter().map(|r| r.cost.total).collect(),
            None => vec![cost.total],
        };
        let out = PlanOut {
            scene: &scene.name,
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
        };
        save(path, &out, &costs)?;
        println!("saved {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
