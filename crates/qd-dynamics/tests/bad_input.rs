//! Bad input gets a typed error, never a panic or a NaN state (issue 4 acceptance).

use qd_dynamics::ForwardMode;
use qd_dynamics::{DynamicsError, QuasiDynamicSystem, StepSettings, StepWorkspace};
use qd_geometry::PoseSpec;
use qd_geometry::scene::{RobotBuilder, Scene, SceneBuilder};

fn planar_hand() -> QuasiDynamicSystem {
    QuasiDynamicSystem::new(qd_scenes::load("planar-hand").expect("scene")).expect("step settings")
}

#[test]
fn wrong_lengths_are_errors() {
    let system = planar_hand();
    let q = system.scene().default_q().to_vec();
    let mut ws = StepWorkspace::default();
    assert!(matches!(
        system.step(&mut ws, &q, &[0.0; 3]),
        Err(DynamicsError::InputLength {
            expected: 4,
            got: 3
        })
    ));
    assert!(matches!(
        system.step(&mut ws, &q[..6], &[0.0; 4]),
        Err(DynamicsError::Geometry(_))
    ));
}

#[test]
fn nan_and_infinity_are_errors() {
    let system = planar_hand();
    let mut ws = StepWorkspace::default();
    let mut q = system.scene().default_q().to_vec();
    let u = [0.0, 0.0, 0.0, f64::INFINITY];
    assert!(matches!(
        system.step(&mut ws, &q, &u),
        Err(DynamicsError::NonFinite {
            what: "u",
            index: 3
        })
    ));
    q[5] = f64::NAN;
    assert!(system.step(&mut ws, &q, &[0.0; 4]).is_err());
}

#[test]
fn unnormalised_quaternion_is_an_error() {
    let text = r#"
name = "ball"
[[objects]]
name = "ball"
joint = { type = "free" }
mass = 1.0
inertia = [0.004, 0.004, 0.004]
[[objects.collisions]]
shape = { sphere = { radius = 0.1 } }
"#;
    let system = QuasiDynamicSystem::new(
        Scene::from_toml_str(text, &|p: &str| Err(p.to_string())).expect("scene"),
    )
    .expect("step settings");
    let q = [0.0, 0.0, 1.0, 0.9, 0.0, 0.0, 0.0];
    let err = system
        .step(&mut StepWorkspace::default(), &q, &[])
        .unwrap_err();
    assert!(
        matches!(err, DynamicsError::UnnormalisedQuaternion { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("ball/joint"));
}

#[test]
fn invalid_kappa_is_an_error_in_barrier_modes() {
    let mut system = planar_hand();
    system.settings_mut().forward_mode = ForwardMode::LogBarrierCone;
    system.settings_mut().kappa = -1.0;
    let q = system.scene().default_q().to_vec();
    let err = system
        .step(&mut StepWorkspace::default(), &q, &[q[0], q[1], q[2], q[3]])
        .unwrap_err();
    assert!(matches!(err, DynamicsError::InvalidParameter(_)), "{err}");
}

#[test]
fn deep_penetration_gets_a_feasible_barrier_start() {
    // Push the ball 5 cm into the left fingertip: the barrier needs a phase-1 start.
    let mut system = planar_hand();
    system.settings_mut().forward_mode = ForwardMode::LogBarrierCone;
    let mut q = system.scene().default_q().to_vec();
    q[4] -= 0.05;
    let u = [q[0], q[1], q[2], q[3]];
    let result = system
        .step(&mut StepWorkspace::default(), &q, &u)
        .expect("phase 1 lifts one penetrating contact");
    assert!(result.q_next.iter().all(|v| v.is_finite()));
    // The ball is pushed back out of the finger (toward +y).
    assert!(result.dv[4] > 0.0, "δy = {}", result.dv[4]);
}

/// A sphere on one prismatic joint pinched between two walls that overlap it from both sides:
/// no displacement satisfies both contacts, so every mode must fail with a typed error.
#[test]
fn an_infeasible_step_is_a_typed_error_in_every_mode() {
    let text = r#"
name = "pinched"
[parameters]
gravity = [0.0, 0.0, 0.0]
d_detect = 0.1
[[environment]]
name = "left_wall"
shape = { halfspace = {} }
pose = { position = [-0.05, 0.0, 0.0], quaternion_wxyz = [0.7071067811865476, 0.0, 0.7071067811865476, 0.0] }
[[environment]]
name = "right_wall"
shape = { halfspace = {} }
pose = { position = [0.05, 0.0, 0.0], quaternion_wxyz = [0.7071067811865476, 0.0, -0.7071067811865476, 0.0] }
[[robots]]
name = "slider"
stiffness = 100.0
[[robots.links]]
name = "base"
[[robots.links]]
name = "ball"
[[robots.links.collisions]]
shape = { sphere = { radius = 0.1 } }
[[robots.joints]]
name = "x"
type = "prismatic"
parent = "base"
child = "ball"
axis = [1.0, 0.0, 0.0]
"#;
    let mut system = QuasiDynamicSystem::new(
        Scene::from_toml_str(text, &|p: &str| Err(p.to_string())).expect("scene"),
    )
    .expect("step settings");
    let mut ws = StepWorkspace::default();
    for mode in [
        ForwardMode::Socp,
        ForwardMode::Qp,
        ForwardMode::LogBarrierCone,
        ForwardMode::LogBarrierPyramid,
    ] {
        system.settings_mut().forward_mode = mode;
        let err = system
            .step(&mut ws, &[0.0], &[0.0])
            .expect_err("no displacement satisfies both walls");
        assert!(
            matches!(
                err,
                DynamicsError::SolverFailed { .. } | DynamicsError::NoStrictlyFeasibleStart
            ),
            "{mode:?}: {err}"
        );
    }
}

/// A pusher on a rail and nothing else, with `parameters` as its `[parameters]` entries.
fn pusher_with(parameters: &[(&str, toml::Value)]) -> Scene {
    let origin = PoseSpec::at([0.0; 3]);
    let pusher = RobotBuilder::new("pusher", 100.0)
        .link("base", &[])
        .link("tip", &[])
        .prismatic("slide", ["base", "tip"], origin, [0.0, 0.0, 1.0]);
    parameters
        .iter()
        .fold(
            SceneBuilder::new("t").robot(pusher),
            |builder, (key, value)| builder.parameter(key, value.clone()),
        )
        .build()
        .expect("valid model")
}

/// One `[parameters]` line as (key, value).
fn entry(line: &str) -> (String, toml::Value) {
    let table: toml::Table = line.parse().expect("a TOML line");
    table.into_iter().next().expect("one entry")
}

#[test]
fn bad_step_parameters_are_errors_naming_the_key() {
    for (line, name) in [
        ("h = -0.1", "h"),
        ("h = inf", "h"),
        ("mass_scale = -1.0", "mass_scale"),
        ("kappa = 1e-300", "kappa"),
        ("kappa = 1e300", "kappa"),
        ("gravity = [0.0, 0.0, nan]", "gravity"),
        ("nd = 1", "nd"),
        ("kapa = 10.0", "kapa"),
        ("forward_mode = \"sopc\"", "sopc"),
    ] {
        let (key, value) = entry(line);
        let scene = pusher_with(&[(&key, value)]);
        let error = QuasiDynamicSystem::new(scene.clone()).expect_err(line);
        let message = error.to_string();
        assert!(message.contains(name), "{line}: {message}");
        assert!(!message.contains('\n'), "{line}: {message}");
    }
    // Settings given in code are checked at every step too.
    let system = QuasiDynamicSystem::with_settings(pusher_with(&[]), StepSettings::default())
        .expect("default settings");
    let q = system.scene().default_q().to_vec();
    let u = system.scene().actuated_positions(&q);
    let settings = StepSettings {
        kappa: 1e300,
        ..StepSettings::default()
    };
    let refused = system.step_with(&settings, &mut StepWorkspace::default(), &q, &u, None);
    assert!(
        refused.is_err_and(|e| e.to_string().contains("kappa")),
        "κ = 1e300 in code"
    );
    // The model's keys are read by the model, not refused by the step.
    let scene = pusher_with(&[
        ("d_detect", 0.01.into()),
        ("default_friction", 0.3.into()),
        ("h", 0.05.into()),
    ]);
    let system = QuasiDynamicSystem::new(scene).expect("valid");
    assert_eq!(system.settings().h, 0.05);
    assert_eq!(system.scene().d_detect(), 0.01);
}

/// A scene in which nothing can move (found by fuzzing: Clarabel panicked on a program with no
/// variables) steps to where it is, in every mode, with A the identity.
#[test]
fn scenes_where_nothing_moves_step_to_themselves() {
    let frozen_ball = r#"
name = "frozen"
[parameters]
mass_scale = 0.0
[[objects]]
name = "ball"
joint = { type = "planar", axes = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]] }
mass = 1.0
inertia = [0.004, 0.004, 0.004]
default_q = [0.0, 0.5, 0.2]
[[objects.collisions]]
shape = { sphere = { radius = 0.1 } }
"#;
    for text in [frozen_ball, "name = \"empty\"\n"] {
        let scene =
            qd_geometry::scene::Scene::from_toml_str(text, &|p: &str| Err(format!("no file {p}")))
                .expect("scene loads");
        let mut system = QuasiDynamicSystem::new(scene).expect("system");
        let q = system.scene().default_q().to_vec();
        for mode in qd_dynamics::ForwardMode::ALL {
            let settings = system.settings_mut();
            settings.forward_mode = mode;
            settings.gradient_mode = qd_dynamics::GradientMode::Ab;
            let result = system
                .step(&mut StepWorkspace::default(), &q, &[])
                .expect("a motionless step");
            assert_eq!(result.q_next, q, "{mode:?}");
            let gradients = result.gradients.expect("gradients");
            let a = gradients.a_q.expect("A");
            assert_eq!(a, nalgebra::DMatrix::identity(q.len(), q.len()));
            assert_eq!(gradients.b_q.ncols(), 0);
        }
    }
}
