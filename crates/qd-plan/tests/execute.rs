//! An RRT path made executable: the plan starts at the start, its states are the exact
//! rollout of its commands (re-stepped here one by one), no command jumps by more than the
//! limit, transitions keep the robots out of the object, and the saved form replays and reads
//! back unchanged.

use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use qd_plan::{
    ExecutionSettings, IntervalKind, Plan, ReplayOptions, SceneSource, execute_path, replay,
};
use qd_rrt::{RrtProblem, RrtSettings, plan};

#[test]
fn an_executed_planar_hand_path_is_the_exact_rollout_of_its_commands() {
    let text = qd_scenes::source("planar-hand").expect("built-in");
    let (source, scene) = SceneSource::text("builtin:planar-hand", text).expect("scene");
    let problem = RrtProblem::from_task(&scene).expect("task");
    let rrt = RrtSettings::from_task(&scene, 2).expect("settings");
    let result = plan(&problem, &rrt).expect("tree");
    assert!(result.success);
    let settings = ExecutionSettings::from_task(&scene).expect("task");
    assert_eq!(settings.factor, 5, "planar-hand's refine_factor");
    let motion = execute_path(&problem, &result, &rrt, &settings).expect("executable");
    assert_eq!(motion.states[0], problem.x0());
    assert_eq!(motion.h, problem.system().settings().h / 5.0);
    // Every state is the exact step of the one before under its command.
    let mut system = QuasiDynamicSystem::new(scene.clone()).expect("step settings");
    system.settings_mut().h = motion.h;
    system.settings_mut().forward_mode = motion.forward_mode;
    let mut workspace = StepWorkspace::default();
    for (t, u) in motion.inputs.iter().enumerate() {
        let next = system
            .step(&mut workspace, &motion.states[t], u)
            .expect("step")
            .q_next;
        assert_eq!(next, motion.states[t + 1], "step {t}");
    }
    // Commands change by at most the limit, from the robots' start positions on.
    let mut previous = motion.u_before.clone();
    for u in &motion.inputs {
        for (a, b) in u.iter().zip(&previous) {
            assert!((a - b).abs() <= settings.max_input_change + 1e-12);
        }
        previous.clone_from(u);
    }
    // Regrasps are motions: transitions exist and keep within the penetration bound.
    let transitions = motion
        .intervals
        .iter()
        .filter(|i| i.kind == IntervalKind::Transition)
        .count();
    assert!(transitions > 0);
    let clearance = motion.min_transition_clearance.expect("transitions");
    assert!(
        clearance >= -settings.transition.penetration_bound,
        "{clearance}"
    );
    // The saved form replays to the same states and reads back unchanged.
    let saved = Plan::from_rrt(source, &problem, &rrt, &settings, motion);
    assert!(saved.reached);
    let replayed = replay(
        &saved,
        &scene,
        ReplayOptions {
            forward_mode: None,
            substeps: 1,
        },
    )
    .expect("replay");
    assert_eq!(replayed.max_deviation, 0.0);
    assert_eq!(replayed.reached, Some(true));
    let dir = std::env::temp_dir().join(format!("qd-plan-execute-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("plan.json");
    saved.save_json(&path).expect("save");
    let (loaded, _) = Plan::load(&path).expect("load");
    assert_eq!(loaded, saved);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_default_factor_fits_the_tree_step_into_the_rate_limit() {
    // allegro-sphere has no refine_factor: ⌈0.2 / 0.1⌉ = 2, not 3 from rounding.
    let scene = qd_scenes::load("allegro-sphere").expect("scene");
    assert_eq!(
        ExecutionSettings::from_task(&scene).expect("task").factor,
        2
    );
    let scene = qd_scenes::load("bimanual-planar").expect("scene");
    assert_eq!(
        ExecutionSettings::from_task(&scene).expect("task").factor,
        3
    );
}

#[test]
fn bad_execution_settings_are_refused() {
    let scene = qd_scenes::load("planar-hand").expect("scene");
    let problem = RrtProblem::from_task(&scene).expect("task");
    let rrt = RrtSettings::from_task(&scene, 2).expect("settings");
    let result = plan(&problem, &rrt).expect("tree");
    let defaults = ExecutionSettings::default();
    let mut cases = Vec::new();
    cases.push(ExecutionSettings {
        factor: 0,
        ..defaults
    });
    cases.push(ExecutionSettings {
        max_input_change: f64::NAN,
        ..defaults
    });
    let mut bad_transition = defaults;
    bad_transition.transition.check_resolution = -1.0;
    cases.push(bad_transition);
    for settings in cases {
        let error = execute_path(&problem, &result, &rrt, &settings).expect_err("refused");
        assert!(
            error.to_string().starts_with("invalid plan parameter"),
            "{error}"
        );
    }
    // A tree that did not reach the goal has no path to execute.
    let mut failed = result.clone();
    failed.success = false;
    failed.path.clear();
    let error = execute_path(&problem, &failed, &rrt, &defaults).expect_err("no path");
    assert!(error.to_string().contains("no path"), "{error}");
}
