//! Bad settings and scenes without an RRT task give typed errors naming the problem.

use qd_rrt::{RrtError, RrtProblem, RrtSettings, plan};

#[test]
fn scenes_without_an_rrt_task_are_refused() {
    let scene = qd_scenes::load("pusher-box-1d").expect("built-in");
    let error = RrtProblem::from_task(&scene).expect_err("no task");
    assert!(matches!(error, RrtError::Task { .. }) && error.to_string().contains("no [task]"));
    // planar-pushing without its [task.rrt] table (the file's last).
    let text = qd_scenes::source("planar-pushing").expect("built-in");
    let cut = text.find("[task.rrt]").expect("an rrt table");
    let scene = qd_geometry::scene::Scene::from_toml_str(&text[..cut], &|p: &str| {
        Err(format!("no file {p}"))
    })
    .expect("valid scene");
    let error = RrtSettings::from_task(&scene, 0).expect_err("no [task.rrt]");
    assert!(error.to_string().contains("[task.rrt]"), "{error}");
}

#[test]
fn misspelt_keys_of_the_rrt_tables_are_named() {
    let text = qd_scenes::source("planar-hand").expect("built-in");
    let files = |p: &str| Err(format!("no file {p}"));
    for (from, to, section) in [
        ("max_nodes", "max_node", "[task.rrt]"),
        ("angle_range", "angle_rang", "[task.sampling]"),
    ] {
        let modified = text.replacen(from, to, 1);
        assert_ne!(modified, text, "the edit must apply ({from})");
        let scene = qd_geometry::scene::Scene::from_toml_str(&modified, &files)
            .expect("the model does not read the task");
        let error = RrtProblem::from_task(&scene)
            .map(|_| ())
            .and_then(|()| RrtSettings::from_task(&scene, 0).map(|_| ()))
            .expect_err("misspelt key");
        let message = error.to_string();
        assert!(
            message.contains(section) && message.contains(to),
            "{section}: {message}"
        );
    }
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
                gamma_rotation: -1.0,
                ..base
            },
            "γ_rotation",
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

#[test]
fn queries_outside_the_sampling_region_are_refused() {
    let scene = qd_scenes::load("planar-hand").expect("built-in");
    let problem = || RrtProblem::from_task(&scene).expect("task");
    // θ sampled in [−0.01, π + 0.01]: −1 rad (and −1 + 2π) lie outside.
    let error = problem()
        .with_query(None, Some(&[0.0, 0.35, -1.0]))
        .expect_err("outside the angle range");
    assert!(matches!(error, RrtError::BadVector { .. }));
    assert!(
        error.to_string().contains("outside the sampling region"),
        "{error}"
    );
    let error = problem()
        .with_query(None, Some(&[0.5, 0.35, 1.0]))
        .expect_err("y outside the box");
    assert!(error.to_string().contains("coordinate 0 = 0.5"), "{error}");
    let error = problem()
        .with_query(None, Some(&[0.0, 0.35]))
        .expect_err("wrong length");
    assert!(error.to_string().contains("2 values"), "{error}");
    let error = problem()
        .with_query(None, Some(&[0.0, f64::NAN, 1.0]))
        .expect_err("NaN");
    assert!(error.to_string().contains("not finite"), "{error}");
    // A start that puts the ball into a finger.
    let error = problem()
        .with_query(Some(&[-0.15, 0.25, 0.0]), None)
        .expect_err("the ball inside a finger");
    assert!(error.to_string().contains("deep in a robot"), "{error}");
    // Inside the region: accepted, and the goal is what was asked.
    let inside = problem()
        .with_query(None, Some(&[0.05, 0.35, 2.0]))
        .expect("inside");
    assert_eq!(inside.goal(), &[0.05, 0.35, 2.0]);
}

#[test]
fn free_object_queries_are_checked_as_yaws_of_the_start_orientation() {
    let scene = qd_scenes::load("allegro-sphere").expect("built-in");
    let problem = || RrtProblem::from_task(&scene).expect("task");
    let yaw = |angle: f64| {
        let half = angle / 2.0;
        [-0.081, 0.001, 0.071, half.cos(), 0.0, 0.0, half.sin()]
    };
    // Yaw range [−0.1, π + 0.1]: π/2 inside, −π/2 outside.
    assert!(problem().with_query(None, Some(&yaw(1.5))).is_ok());
    let error = problem()
        .with_query(None, Some(&yaw(-1.5)))
        .expect_err("outside the yaw range");
    assert!(error.to_string().contains("angle"), "{error}");
    // A tilt the region never samples.
    let tilt = [-0.081, 0.001, 0.071, 0.9, 0.43588989435406733, 0.0, 0.0];
    let error = problem().with_query(None, Some(&tilt)).expect_err("tilted");
    assert!(error.to_string().contains("tilted"), "{error}");
    // Quaternions are normalised.
    let scaled = [-0.081, 0.001, 0.071, 2.0, 0.0, 0.0, 0.0];
    let accepted = problem().with_query(None, Some(&scaled)).expect("inside");
    assert_eq!(&accepted.goal()[3..], &[1.0, 0.0, 0.0, 0.0]);
    let zero = [-0.081, 0.001, 0.071, 0.0, 0.0, 0.0, 0.0];
    assert!(problem().with_query(None, Some(&zero)).is_err());
}
