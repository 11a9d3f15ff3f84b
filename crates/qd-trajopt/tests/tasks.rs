//! Every built-in task's trajectory optimisation, as `qd plan SCENE` runs it (analytic
//! smoothing over the task's κ range, 20 iterations, closed-loop forward pass), ends within
//! the task's goal tolerance or below 10 % of the initial error (issue 18's acceptance).

use qd_task::Task;
use qd_trajopt::{ScheduleKind, TrajoptProblem, TrajoptSettings, TrajoptTask, optimize};

/// Whether `result` ends within the task's tolerance or below a tenth of its start error.
fn met(task: &Task, result: &qd_trajopt::TrajoptResult) -> bool {
    let (start, end) = (result.initial_error, result.final_error);
    let goal = task.goal();
    (end.position <= goal.position_tolerance || end.position <= 0.1 * start.position)
        && (end.angle <= goal.angle_tolerance || end.angle <= 0.1 * start.angle)
}

#[test]
fn randomized_smoothing_converges_on_the_planar_tasks() {
    // The 3-D tasks take 20–25 s each with 100 samples per step; `cargo xtask bench` runs
    // them (docs/benchmarks.md).
    for name in ["planar-pushing", "planar-hand", "bimanual-planar"] {
        let scene = qd_scenes::load(name).expect("built-in scene");
        let task = Task::from_scene(&scene).expect("task").expect("a task");
        let spec = TrajoptTask::from_task(&task, name).expect("[task.trajopt]");
        let problem = TrajoptProblem::from_task(&scene, spec.weights()).expect("problem");
        let settings = TrajoptSettings::from_task(&spec, ScheduleKind::Randomized, 1);
        let result = optimize(&problem, &settings, None).expect("run");
        assert!(met(&task, &result), "{name}: {:?}", result.final_error);
    }
}

#[test]
fn every_task_converges_with_analytic_smoothing() {
    let mut tasks = 0;
    for name in qd_scenes::names() {
        let scene = qd_scenes::load(name).expect("built-in scene");
        let Some(task) = Task::from_scene(&scene).expect("task parses") else {
            continue;
        };
        tasks += 1;
        let spec = TrajoptTask::from_task(&task, name).expect("every task has [task.trajopt]");
        let problem = TrajoptProblem::from_task(&scene, spec.weights()).expect("problem");
        let settings = TrajoptSettings::from_task(&spec, ScheduleKind::Analytic, 1);
        let result = optimize(&problem, &settings, None).expect("run");
        assert!(
            met(&task, &result),
            "{name}: from {:?} to {:?}",
            result.initial_error,
            result.final_error
        );
        // No report carries an absurd prediction.
        for report in &result.iterations {
            assert!(
                report.predicted_decrease.is_finite() && report.predicted_decrease >= 0.0,
                "{name}: {report:?}"
            );
        }
    }
    assert_eq!(tasks, 6, "the six built-in tasks");
}

#[test]
fn the_box_is_pushed_across_the_table_within_a_centimetre() {
    // Issue 19: `qd plan box-on-table` moves the box 0.3 m on its four corner contacts; the
    // randomized run (4 s) too.
    let scene = qd_scenes::load("box-on-table").expect("built-in scene");
    let task = Task::from_scene(&scene).expect("task").expect("a task");
    let spec = TrajoptTask::from_task(&task, "box-on-table").expect("[task.trajopt]");
    let problem = TrajoptProblem::from_task(&scene, spec.weights()).expect("problem");
    for kind in [ScheduleKind::Analytic, ScheduleKind::Randomized] {
        let result =
            optimize(&problem, &TrajoptSettings::from_task(&spec, kind, 1), None).expect("run");
        assert!((result.initial_error.position - 0.3).abs() < 1e-9);
        assert!(
            result.final_error.position <= 0.01 && result.final_error.angle <= 0.1,
            "{kind:?}: {:?}",
            result.final_error
        );
    }
}

#[test]
fn the_planar_pushing_turn_converges_with_analytic_smoothing() {
    // benches/scenes/planar-pushing-turn.toml: Δ(0.5, 0.5, −π/4) of the box.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../benches/scenes/planar-pushing-turn.toml");
    let scene = qd_geometry::scene::Scene::from_file(&path).expect("scene file");
    let task = Task::from_scene(&scene).expect("task").expect("a task");
    let spec = TrajoptTask::from_task(&task, scene.name()).expect("[task.trajopt]");
    let problem = TrajoptProblem::from_task(&scene, spec.weights()).expect("problem");
    let result = optimize(
        &problem,
        &TrajoptSettings::from_task(&spec, ScheduleKind::Analytic, 1),
        None,
    )
    .expect("run");
    let goal = task.goal();
    assert!(
        result.final_error.position <= goal.position_tolerance
            && result.final_error.angle <= goal.angle_tolerance,
        "{:?}",
        result.final_error
    );
}
