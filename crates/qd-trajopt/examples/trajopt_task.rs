//! Runs a built-in scene's trajectory-optimisation task and prints each iteration, then the
//! result as one JSON line (the macro-benchmarks of `cargo xtask bench` read it). `receding`
//! runs the task's receding-horizon MPC (analytic smoothing at the schedule's last κ) instead
//! and reports its control rate.
//!
//! `cargo run --release -p qd-trajopt --example trajopt_task -- SCENE|FILE.toml [analytic|randomized|zero-order|exact|receding] [ITERATIONS]`

use qd_trajopt::{
    MpcSettings, ObjectError, ScheduleKind, TrajoptProblem, TrajoptSettings, TrajoptTask, optimize,
    receding_horizon,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scene_name = args.first().map_or("planar-hand", String::as_str);
    let method = args.get(1).map_or("analytic", String::as_str);
    // A built-in scene's name, or a scene file (benches/scenes/*.toml).
    let scene = if scene_name.ends_with(".toml") {
        qd_geometry::scene::Scene::from_file(std::path::Path::new(scene_name))?
    } else {
        qd_scenes::load(scene_name)?
    };
    let task = qd_task::Task::from_scene(&scene)?.ok_or("the scene has no task")?;
    let problem = TrajoptProblem::from_task(
        &scene,
        TrajoptTask::from_task(&task, scene.name())?.weights(),
    )?;
    let kind = match method {
        "analytic" => ScheduleKind::Analytic,
        "randomized" => ScheduleKind::Randomized,
        "zero-order" => ScheduleKind::ZeroOrder,
        "exact" => ScheduleKind::Exact,
        "receding" => ScheduleKind::Analytic,
        other => return Err(format!("unknown method '{other}'").into()),
    };
    let spec = TrajoptTask::from_task(&task, scene.name())?;
    let mut settings = TrajoptSettings::from_task(&spec, kind, 1);
    if let Some(iterations) = args.get(2) {
        settings.iterations = iterations.parse()?;
    }
    let goal = task.goal();
    // The acceptance of issue 18: within the goal's tolerance, or below a tenth of the start.
    let met = |start: &ObjectError, end: &ObjectError| {
        (end.position <= goal.position_tolerance || end.position <= 0.1 * start.position)
            && (end.angle <= goal.angle_tolerance || end.angle <= 0.1 * start.angle)
    };
    let tolerance = [goal.position_tolerance, goal.angle_tolerance];
    if method == "receding" {
        let model = spec.mpc_model.or(spec.model).unwrap_or_default();
        let mpc = MpcSettings::from_task(&spec, &settings.smoothing, settings.iterations, model);
        let result = receding_horizon(&problem, &mpc, None)?;
        let initial_error = qd_trajopt::object_error(&problem, problem.x0())?;
        println!(
            "{}",
            serde_json::json!({
                "scene": scene_name,
                "method": method,
                "mpc": mpc,
                "steps": problem.horizon(),
                "cost": result.cost.total,
                "initial_error": initial_error,
                "final_error": result.final_error,
                "tolerance": tolerance,
                "met": met(&initial_error, &result.final_error),
                "control_rate": result.control_rate,
                "real_time_rate": 1.0 / problem.system().settings().h,
                "controller_seconds_max": result.controller_seconds.iter().cloned().fold(0.0, f64::max),
                "seconds": result.seconds,
                "dynamics_evaluations": result.dynamics_evaluations,
            })
        );
        return Ok(());
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
            "tolerance": tolerance,
            "met": met(&result.initial_error, &result.final_error),
            "seconds": result.seconds,
            "dynamics_evaluations": result.dynamics_evaluations,
            "stop": result.stop,
        })
    );
    Ok(())
}
