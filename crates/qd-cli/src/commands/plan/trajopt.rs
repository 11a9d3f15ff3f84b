//! `qd plan --planner trajopt` (the default): trajectory optimisation of a scene's
//! `[task.trajopt]` (docs/trajopt.md), run as [`qd_plan::TrajoptQuery`].
//!
//! Each iteration is reported on standard error as it finishes (`--quiet` silences it); the
//! summary goes to standard output. `--output FILE.json` writes the whole run (settings,
//! states, inputs, every iteration's report) and, under `plan`, the plan `qd replay` reads;
//! `--output FILE.npz` writes arrays for NumPy (`q` (T+1) × n_q, `u` T × n_a, `x_goal`, `cost`
//! per iteration, `final_error` = [position m, angle rad], `h`).

use super::PlanArgs;
use crate::commands::progress::Progress;
use qd_geometry::scene::Scene;
use qd_plan::{SceneSource, TrajoptQuery};
use qd_trajopt::{IterationReport, SmoothingLevel};
use std::io::Write as _;
use std::process::ExitCode;

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
    let line = format!(
        "iteration {:3}  {:<22} Δu ≤ {:.4}  cost {:10.5}  error {:.4} m {:.4} rad  {verdict}",
        report.iteration,
        describe(&report.smoothing),
        report.input_radius,
        report.cost.total,
        report.final_error.position,
        report.final_error.angle,
    );
    match &report.diagnosis {
        Some(diagnosis) => format!("{line}\n               note: {diagnosis}"),
        None => line,
    }
}

/// A diagnosis without its numbers: two iterations saying the same thing about different
/// values are one note after the summary.
fn kind_of(diagnosis: &str) -> String {
    diagnosis
        .chars()
        .filter(|c| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | '[' | ']' | ',')))
        .collect()
}

/// The query the command line asks for.
fn query(args: &PlanArgs) -> TrajoptQuery {
    TrajoptQuery {
        method: args.method.kind(),
        iterations: args.iterations,
        horizon: args.horizon,
        samples: args.samples,
        sigma0: args.sigma0,
        kappa_start: args.kappa_start,
        kappa_end: args.kappa_end,
        seed: args.seed,
        receding: args.receding,
        model: args.model.map(super::Model::linear_model),
        forward_pass: args.forward_pass.map(super::Pass::forward_pass),
    }
}

/// Runs trajectory optimisation on `scene`'s task and reports or saves the plan.
pub fn run(args: &PlanArgs, source: &SceneSource, scene: &Scene) -> anyhow::Result<ExitCode> {
    // Closed loop reports no iterations as it goes.
    let progress = Progress::new(
        args.quiet || args.receding,
        args.iterations as u64,
        "iterations",
    );
    // What the run noticed, each kind of diagnosis once (its first wording), shown after the
    // summary: a progress bar on a terminal does not show the per-iteration lines.
    let mut diagnoses: Vec<(String, String)> = Vec::new();
    let outcome = query(args).run(source, scene, |report| {
        if let Some(diagnosis) = &report.diagnosis {
            let kind = kind_of(diagnosis);
            if !diagnoses.iter().any(|(seen, _)| *seen == kind) {
                diagnoses.push((kind, diagnosis.clone()));
            }
        }
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
    let outcome = outcome?;
    crate::commands::stdout::line(format_args!(
        "{}: {} ({}), T = {}, {:.2} s: object error {:.4} m / {:.4} rad → {:.4} m / {:.4} rad, cost {:.4} → {:.4}",
        scene.name(),
        outcome.planner,
        args.method,
        outcome.horizon,
        outcome.seconds,
        outcome.initial_error.position,
        outcome.initial_error.angle,
        outcome.final_error.position,
        outcome.final_error.angle,
        outcome.initial_cost,
        outcome.cost.total,
    ))?;
    if !args.quiet {
        // Standard error may be closed; the plan still counts.
        let mut stderr = std::io::stderr();
        for (_, diagnosis) in &diagnoses {
            let _ = writeln!(stderr, "note: {diagnosis}");
        }
    }
    if let Some(rate) = outcome.control_rate {
        let real_time = 1.0 / outcome.plan.h;
        crate::commands::stdout::line(format_args!(
            "control rate {rate:.0} Hz of controller time per step ({} real time, {real_time:.0} Hz at h = {} s)",
            if rate >= real_time {
                "faster than"
            } else {
                "slower than"
            },
            outcome.plan.h,
        ))?;
    }
    if let Some(path) = &args.output {
        outcome.record.save(path, args.force)?;
        crate::commands::stdout::line(format_args!("saved {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
