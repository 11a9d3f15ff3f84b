//! A user's own scene that once broke the optimiser (issue 18): a point finger and a free box
//! resting flat on a table under gravity, where one signed-distance query per pair puts the
//! box's support at a single point. Tilted by any amount the box's closest point jumps to a
//! corner, and differences of the geometry across that jump made A ~10⁶, whose products over
//! the horizon overflowed the QP (predicted decreases of −10²¹⁶ were recorded). The geometry
//! rates now keep the contact point across such a switch; the run must end normally, with
//! finite, consistent reports and a diagnosis a user can act on. The scene keeps that
//! one-point model (`contact_manifold = false`): with the contact manifold the box stands on
//! its corners and the run succeeds (the built-in `box-on-table`).

use qd_geometry::scene::Scene;
use qd_trajopt::{
    CostWeights, ForwardPass, LinearModel, SmoothingSchedule, TrajoptProblem, TrajoptSettings,
    optimize,
};

fn finger_and_box() -> Scene {
    finger_and_box_within(0.1)
}

/// The scene with contact detection distance `d_detect` (m); the finger starts 7 cm from the
/// box.
fn finger_and_box_within(d_detect: f64) -> Scene {
    let header = r#"name = "finger-and-box"
[parameters]
h = 0.1
gravity = [0.0, 0.0, -9.81]
d_detect = D_DETECT
contact_manifold = false
default_friction = 0.5
[[environment]]
name = "table"
shape = { halfspace = {} }
"#;
    let objects = r#"
[[objects]]
name = "box"
joint = { type = "free" }
mass = 0.5
inertia = [0.002, 0.002, 0.002]
default_q = [0.0, 0.0, 0.05, 1.0, 0.0, 0.0, 0.0]
[[objects.collisions]]
shape = { box = { size = [0.2, 0.15, 0.1] } }
[task]
description = "push the box 0.2 m along x"
[task.goal]
object = "box"
q = [0.2, 0.0, 0.05, 1.0, 0.0, 0.0, 0.0]
position_tolerance = 0.01
angle_tolerance = 0.1
[task.trajopt]
horizon = 10
"#;
    let header = header.replace("D_DETECT", &format!("{d_detect:?}"));
    let text = format!(
        "{header}{}{objects}",
        qd_scenes::fixtures::point_pusher_3d([-0.2, 0.0, 0.05], 0.03)
    );
    Scene::from_toml_str(&text, &|p: &str| Err(format!("no file {p}"))).expect("scene loads")
}

fn settings(smoothing: SmoothingSchedule, forward_pass: ForwardPass) -> TrajoptSettings {
    TrajoptSettings {
        smoothing,
        iterations: 16,
        forward_pass,
        ..TrajoptSettings::default()
    }
}

#[test]
fn a_box_on_one_point_ends_with_finite_reports_and_a_diagnosis() {
    let problem =
        TrajoptProblem::from_task(&finger_and_box(), CostWeights::default()).expect("task problem");
    let schedules = [
        SmoothingSchedule::Analytic {
            kappa_start: 10.0,
            kappa_end: 1e3,
        },
        SmoothingSchedule::Exact,
    ];
    for smoothing in schedules {
        for pass in [ForwardPass::OpenLoop, ForwardPass::ClosedLoop] {
            let result = optimize(&problem, &settings(smoothing, pass), None)
                .unwrap_or_else(|e| panic!("{smoothing:?} {pass:?}: the run failed: {e}"));
            let label = format!("{smoothing:?} {pass:?}");
            assert!(result.cost.total.is_finite(), "{label}");
            assert!(
                result.cost.total <= result.iterations[0].cost.total,
                "{label}"
            );
            for report in &result.iterations[1..] {
                let before = result.iterations[report.iteration - 1].cost.total;
                let predicted = report.predicted_decrease;
                // A correct QP's decrease lies between 0 and the model cost at δu = 0, which
                // is the nominal's cost (no smoothed offset).
                assert!(
                    predicted.is_finite() && predicted >= 0.0 && predicted <= before * (1.0 + 1e-6),
                    "{label}, iteration {}: predicted {predicted} from {before}",
                    report.iteration
                );
                assert!(report.actual_decrease.is_finite(), "{label}");
            }
            let diagnoses: Vec<&String> = result
                .iterations
                .iter()
                .filter_map(|r| r.diagnosis.as_ref())
                .collect();
            assert!(!diagnoses.is_empty(), "{label}: no diagnosis");
            if let SmoothingSchedule::Analytic { .. } = smoothing {
                // The barrier pushes the box from 7 cm away; the exact rollout of steps the
                // trust region allows never reaches it, so the region collapses, and says so.
                assert!(
                    diagnoses.iter().any(|d| d.contains("min_input_radius")),
                    "{label}: {diagnoses:?}"
                );
            }
            if smoothing == SmoothingSchedule::Exact {
                // The exact gradient sees no contact: the run says to smooth.
                assert!(
                    diagnoses
                        .iter()
                        .any(|d| d.contains("analytic or randomized")),
                    "{label}: {diagnoses:?}"
                );
            }
        }
    }
}

#[test]
fn the_input_only_model_needs_no_a_and_stays_finite() {
    let problem =
        TrajoptProblem::from_task(&finger_and_box(), CostWeights::default()).expect("task problem");
    let settings = TrajoptSettings {
        model: LinearModel::InputOnly,
        ..settings(
            SmoothingSchedule::Analytic {
                kappa_start: 10.0,
                kappa_end: 1e3,
            },
            ForwardPass::ClosedLoop,
        )
    };
    let result = optimize(&problem, &settings, None).expect("run");
    assert!(
        result
            .iterations
            .iter()
            .all(|r| r.model == LinearModel::InputOnly)
    );
    assert!(result.cost.total <= result.iterations[0].cost.total);
}

#[test]
fn objects_out_of_reach_of_the_smoothing_are_named_with_the_parameter_to_change() {
    // d_detect 1 cm: the finger, 7 cm away, is in no contact pair, so analytic smoothing sees
    // nothing; at σ = 1 mm no randomized sample reaches the box either.
    let far = TrajoptProblem::from_task(&finger_and_box_within(0.01), CostWeights::default())
        .expect("task problem");
    let near =
        TrajoptProblem::from_task(&finger_and_box(), CostWeights::default()).expect("task problem");
    let cases = [
        (
            &far,
            SmoothingSchedule::Analytic {
                kappa_start: 10.0,
                kappa_end: 1e3,
            },
            "raise parameters.d_detect",
        ),
        (
            &near,
            SmoothingSchedule::RandomizedFirstOrder {
                sigma0: 1e-3,
                samples: 20,
                seed: 3,
            },
            "raise sigma0",
        ),
    ];
    for (problem, smoothing, expected) in cases {
        let settings = TrajoptSettings {
            iterations: 2,
            ..settings(smoothing, ForwardPass::ClosedLoop)
        };
        let result = optimize(problem, &settings, None).expect("run");
        let first = result.iterations[1].diagnosis.as_deref().unwrap_or("");
        assert!(first.contains(expected), "{smoothing:?}: {first}");
    }
}
