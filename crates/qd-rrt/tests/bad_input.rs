//! Bad settings and scenes without an RRT task give typed errors naming the problem.

use qd_rrt::{RrtError, RrtProblem, RrtSettings, plan};

#[test]
fn scenes_without_an_rrt_task_are_refused() {
    let scene = qd_scenes::load("pusher-box-1d").expect("built-in");
    let error = RrtProblem::from_task(&scene).expect_err("no task");
    assert!(matches!(error, RrtError::Task { .. }) && error.to_string().contains("no [task]"));
    let scene = qd_scenes::load("planar-pushing").expect("built-in");
    let error = RrtSettings::from_task(&scene, 0).expect_err("no [task.rrt]");
    assert!(error.to_string().contains("[task.rrt]"), "{error}");
}

#[test]
fn bad_settings_are_refused() {
    let scene = qd_scenes::load("planar-hand").expect("built-in");
    let problem = RrtProblem::from_task(&scene).expect("task");
    let base = RrtSettings::from_task(&scene, 0).expect("settings");
    let cases = [
        (RrtSettings { step: 0.0, ..base }, "step"),
        (
            RrtSettings {
                gamma: f64::NAN,
                ..base
            },
            "γ",
        ),
        (
            RrtSettings {
                p_goal: 1.5,
                ..base
            },
            "p_goal",
        ),
        (
            RrtSettings {
                p_grasp: -0.1,
                ..base
            },
            "p_grasp",
        ),
        (
            RrtSettings {
                max_nodes: 1,
                ..base
            },
            "max_nodes",
        ),
        (
            RrtSettings {
                regrasp_noise: f64::INFINITY,
                ..base
            },
            "noise",
        ),
        (
            RrtSettings {
                smoothing: qd_smoothing::Smoothing::Analytic { kappa: -1.0 },
                ..base
            },
            "κ",
        ),
    ];
    for (settings, expected) in cases {
        let message = plan(&problem, &settings).expect_err("refused").to_string();
        assert!(message.contains(expected), "{expected}: {message}");
    }
}
