//! Runs a built-in scene's trajectory-optimisation task and prints each iteration, then the
//! result as one JSON line (the macro-benchmarks of `cargo xtask bench` read it).
//!
//! `cargo run --release -p qd-trajopt --example task -- SCENE [analytic|randomized|zero-order|exact] [ITERATIONS]`

use qd_trajopt::{CostWeights, SmoothingSchedule, TrajoptProblem, TrajoptSettings, optimize};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scene_name = args.first().map_or("planar-hand", String::as_str);
    let method = args.get(1).map_or("analytic", String::as_str);
    let scene = qd_scenes::load(scene_name)?;
    let problem = TrajoptProblem::from_task(&scene, CostWeights::default())?;
    let spec = scene.task.as_ref().and_then(|t| t.trajopt.clone());
    let samples = spec.as_ref().and_then(|s| s.samples).unwrap_or(100);
    let sigma0 = spec.as_ref().and_then(|s| s.sigma0).unwrap_or(0.1);
    let [kappa_start, kappa_end] = spec
        .as_ref()
        .and_then(|s| s.kappa_range)
        .unwrap_or([100.0, 1e4]);
    let smoothing = match method {
        "analytic" => SmoothingSchedule::Analytic {
            kappa_start,
            kappa_end,
        },
        "randomized" => SmoothingSchedule::RandomizedFirstOrder {
            sigma0,
            samples,
            seed: 1,
        },
        "zero-order" => SmoothingSchedule::RandomizedZeroOrder {
            sigma0,
            samples,
            seed: 1,
        },
        "exact" => SmoothingSchedule::Exact,
        other => return Err(format!("unknown method '{other}'").into()),
    };
    let mut settings = TrajoptSettings {
        smoothing,
        ..TrajoptSettings::default()
    };
    if let Some(iterations) = args.get(2) {
        settings.iterations = iterations.parse()?;
    }
    let result = optimize(&problem, &settings, None)?;
    for report in &result.iterations {
        eprintln!(
            "{:3} {:?} r={:.4} cost={:.5} cand={:?} acc={} pred={:.4} act={:.4} err=({:.4}, {:.4}) t=({:.3},{:.3},{:.3})",
            report.iteration,
            report.smoothing,
            report.input_radius,
            report.cost.total,
            report.candidate_cost.map(|c| c.total),
            report.accepted,
            report.predicted_decrease,
            report.actual_decrease,
            report.final_error.position,
            report.final_error.angle,
            report.seconds.linearize,
            report.seconds.qp,
            report.seconds.rollout,
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "scene": scene_name,
            "method": method,
            "iterations": result.iterations.len() - 1,
            "best_iteration": result.best_iteration,
            "cost": result.cost.total,
            "initial_cost": result.iterations[0].cost.total,
            "initial_error": result.initial_error,
            "final_error": result.final_error,
            "seconds": result.seconds,
            "dynamics_evaluations": result.dynamics_evaluations,
            "stop": result.stop,
        })
    );
    Ok(())
}
