//! Runs a built-in scene's trajectory-optimisation task and prints each iteration, then the
//! result as one JSON line (the macro-benchmarks of `cargo xtask bench` read it).
//!
//! `cargo run --release -p qd-trajopt --example trajopt_task -- SCENE [analytic|randomized|zero-order|exact] [ITERATIONS]`

use qd_trajopt::{
    CostWeights, ScheduleKind, TrajoptProblem, TrajoptSettings, TrajoptTask, optimize,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scene_name = args.first().map_or("planar-hand", String::as_str);
    let method = args.get(1).map_or("analytic", String::as_str);
    let scene = qd_scenes::load(scene_name)?;
    let problem = TrajoptProblem::from_task(&scene, CostWeights::default())?;
    let task = qd_task::Task::from_scene(&scene)?.ok_or("the scene has no task")?;
    let kind = match method {
        "analytic" => ScheduleKind::Analytic,
        "randomized" => ScheduleKind::Randomized,
        "zero-order" => ScheduleKind::ZeroOrder,
        "exact" => ScheduleKind::Exact,
        other => return Err(format!("unknown method '{other}'").into()),
    };
    let mut settings =
        TrajoptSettings::from_task(&TrajoptTask::from_task(&task, scene.name())?, kind, 1);
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
