//! Bad problems, settings and inputs give typed errors that say what was wrong.

use qd_dynamics::QuasiDynamicSystem;
use qd_trajopt::{
    CostWeights, SmoothingSchedule, TrajoptError, TrajoptProblem, TrajoptSettings, optimize,
};

fn planar_hand() -> (QuasiDynamicSystem, Vec<f64>) {
    let scene = qd_scenes::load("planar-hand").expect("built-in scene");
    let q = scene.default_q().to_vec();
    (QuasiDynamicSystem::new(scene).expect("step settings"), q)
}

#[test]
fn bad_problems_are_refused() {
    let (system, q) = planar_hand();
    let weights = CostWeights::default();
    let message = |result: Result<TrajoptProblem, TrajoptError>| {
        result.expect_err("should be refused").to_string()
    };
    assert!(message(TrajoptProblem::new(&system, &q[..3], &q, 5, weights)).contains("x0"));
    let mut nan = q.clone();
    nan[6] = f64::NAN;
    assert!(message(TrajoptProblem::new(&system, &q, &nan, 5, weights)).contains("not finite"));
    assert!(message(TrajoptProblem::new(&system, &q, &q, 0, weights)).contains("horizon"));
    let negative = CostWeights {
        input_rate: -1.0,
        ..weights
    };
    assert!(message(TrajoptProblem::new(&system, &q, &q, 5, negative)).contains("input_rate"));
    let nothing = CostWeights {
        object: 0.0,
        robot: 0.0,
        ..weights
    };
    assert!(message(TrajoptProblem::new(&system, &q, &q, 5, nothing)).contains("nothing"));
}

#[test]
fn scenes_without_a_trajopt_task_are_refused() {
    // planar-pushing with its [task.trajopt] table cut off (every built-in task has one).
    let text = qd_scenes::source("planar-pushing").expect("built-in scene");
    let cut = text.find("[task.trajopt]").expect("a trajopt table");
    let rrt_only = qd_geometry::scene::Scene::from_toml_str(&text[..cut], &|p: &str| {
        Err(format!("no file {p}"))
    })
    .expect("scene loads");
    for (scene, expected) in [
        (
            qd_scenes::load("pusher-box-1d").expect("built-in"),
            "no [task]",
        ),
        (rrt_only, "no [task.trajopt]"),
    ] {
        let error =
            TrajoptProblem::from_task(&scene, CostWeights::default()).expect_err("no trajopt task");
        assert!(matches!(error, TrajoptError::Task { .. }));
        assert!(error.to_string().contains(expected), "{error}");
    }
}

#[test]
fn bad_settings_and_inputs_are_refused() {
    let (system, q) = planar_hand();
    let problem = TrajoptProblem::new(&system, &q, &q, 3, CostWeights::default()).expect("ok");
    let run = |settings: TrajoptSettings, inputs: Option<&[Vec<f64>]>| {
        optimize(&problem, &settings, inputs)
            .expect_err("should be refused")
            .to_string()
    };
    let base = TrajoptSettings::default();
    let bad_schedules = [
        SmoothingSchedule::Analytic {
            kappa_start: 100.0,
            kappa_end: 10.0,
        },
        SmoothingSchedule::Analytic {
            kappa_start: f64::NAN,
            kappa_end: 10.0,
        },
        SmoothingSchedule::RandomizedFirstOrder {
            sigma0: 0.0,
            samples: 10,
            seed: 1,
        },
        SmoothingSchedule::RandomizedZeroOrder {
            sigma0: 0.1,
            samples: 0,
            seed: 1,
        },
    ];
    for smoothing in bad_schedules {
        let message = run(TrajoptSettings { smoothing, ..base }, None);
        assert!(message.contains("invalid"), "{message}");
    }
    let message = run(
        TrajoptSettings {
            input_radius: 1.0,
            max_input_radius: 0.5,
            ..base
        },
        None,
    );
    assert!(message.contains("radii"), "{message}");
    let message = run(
        TrajoptSettings {
            iterations: 0,
            ..base
        },
        None,
    );
    assert!(message.contains("iteration"), "{message}");

    let hold = problem.hold_inputs();
    let message = run(base, Some(&hold[..2]));
    assert!(message.contains("number of steps"), "{message}");
    let mut short = hold.clone();
    short[1].pop();
    assert!(run(base, Some(&short)).contains("step 1"));
    let mut nan = hold.clone();
    nan[2][0] = f64::INFINITY;
    assert!(run(base, Some(&nan)).contains("not finite"));
    // Joint 1 of the left finger is limited to [−π/2, 0].
    let mut outside = hold;
    outside[0][0] = 0.5;
    let message = run(base, Some(&outside));
    assert!(message.contains("outside the joint limits"), "{message}");
}
