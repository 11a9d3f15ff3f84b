//! Derivatives in the limits (issue 5 acceptance): the barrier B converges to the exact B as κ
//! grows; at a contact-mode switch the exact derivative is one of the one-sided limits and is
//! flagged; an undetermined sensitivity is flagged unreliable.

mod common;

use common::*;
use qd_dynamics::QuasiDynamicSystem;
use qd_dynamics::{ForwardMode, GradientMode};
use qd_geometry::scene::Scene;

#[test]
fn barrier_b_converges_to_the_exact_b_as_kappa_grows() {
    let exact_system = system_with("planar-hand", ForwardMode::Socp, GradientMode::B, 1.0);
    let q = exact_system.scene().default_q().to_vec();
    // A squeeze with both fingers loaded and no contact on a mode boundary.
    let u = vec![q[0] - 0.2, q[1] - 0.1, q[2] + 0.15, q[3] + 0.2];
    let exact = step(&exact_system, &q, &u).gradients.expect("B");
    assert!(!exact.report.near_mode_switch && exact.report.unreliable.is_none());
    let mut errors = Vec::new();
    for kappa in [1e1, 1e2, 1e3, 1e4, 1e5, 1e6] {
        let system = system_with(
            "planar-hand",
            ForwardMode::LogBarrierCone,
            GradientMode::B,
            kappa,
        );
        let smoothed = step(&system, &q, &u).gradients.expect("B");
        errors.push(relative_error(&smoothed.b_v, &exact.b_v, 1e-3));
    }
    println!("‖B_κ − B_exact‖ / ‖B_exact‖ for κ = 1e1 … 1e6: {errors:?}");
    for pair in errors.windows(2) {
        assert!(pair[1] < pair[0], "not decreasing: {errors:?}");
    }
    assert!(errors[0] > 1e-2, "κ = 10 should smooth visibly: {errors:?}");
    assert!(
        errors[5] < 1e-4,
        "κ = 1e6 should be close to exact: {errors:?}"
    );
}

#[test]
fn at_the_touching_switch_the_exact_derivative_is_a_one_sided_limit_and_flagged() {
    // pusher-box-1d: the box moves k'/(k' + m') · max(x, 0) with x = (u − q_a) − φ (see
    // pusher_box_closed_form.rs); at x = 0 the two one-sided slopes are 0 and k'/(k' + m').
    let system = system_with("pusher-box-1d", ForwardMode::Socp, GradientMode::B, 1.0);
    let q = system.scene().default_q().to_vec();
    let (h, k, m) = (0.1, 100.0, 1.0);
    let (k_prime, m_prime) = (h * k, m / h);
    let phi = q[1] - q[0] - 0.15;
    let u = [q[0] + phi];
    let result = step(&system, &q, &u);
    let gradients = result.gradients.expect("B");
    assert!(gradients.report.near_mode_switch, "{:?}", gradients.report);
    let slope = gradients.b_v[(1, 0)];
    let right = k_prime / (k_prime + m_prime);
    assert!(
        slope.abs() < 1e-6 || (slope - right).abs() < 1e-6,
        "box slope {slope} is neither one-sided limit (0 or {right})"
    );
    // And the one-sided differences of the step show the two limits.
    // Clarabel is ~1e-7 off at the touching point itself, hence the long step.
    let forward = fd_b_v(&system, &q, &u, 1e-3, Side::Forward)[(1, 0)];
    let backward = fd_b_v(&system, &q, &u, 1e-3, Side::Backward)[(1, 0)];
    assert!(
        (forward - right).abs() < 1e-3,
        "forward {forward} vs {right}"
    );
    assert!(backward.abs() < 1e-3, "backward {backward}");
}

#[test]
fn an_undetermined_sensitivity_is_flagged_unreliable() {
    // Quasi-static, frictionless: a ball resting on the ground may slide sideways at no cost,
    // so the step's minimiser, and its derivative, are not unique.
    let pusher = qd_scenes::fixtures::point_pusher_3d([-0.5, 0.0, 0.3], 0.04);
    let text = format!(
        r#"
name = "undetermined"
[parameters]
h = 0.1
gravity = [0.0, 0.0, -9.81]
d_detect = 0.05
quasi_dynamic = false
default_friction = 0.0
[[environment]]
shape = {{ halfspace = {{}} }}
{pusher}
[[objects]]
name = "ball"
joint = {{ type = "free" }}
mass = 1.0
inertia = [0.004, 0.004, 0.004]
default_q = [0.0, 0.0, 0.1, 1.0, 0.0, 0.0, 0.0]
[[objects.collisions]]
shape = {{ sphere = {{ radius = 0.1 }} }}
"#
    );
    let scene = Scene::from_toml_str(&text, &|p: &str| Err(format!("no file {p}"))).expect("scene");
    let mut system = QuasiDynamicSystem::new(scene).expect("step settings");
    let q = system.scene().default_q().to_vec();
    let u = vec![q[0], q[1], q[2]];
    for mode in [ForwardMode::Socp, ForwardMode::LogBarrierCone] {
        system.settings_mut().forward_mode = mode;
        system.settings_mut().gradient_mode = GradientMode::Ab;
        let Ok(result) = system.step(&mut qd_dynamics::StepWorkspace::default(), &q, &u) else {
            // Refusing the step outright is also an acceptable answer.
            continue;
        };
        let gradients = result.gradients.expect("AB");
        assert!(
            gradients.report.unreliable.is_some(),
            "{mode:?}: an undetermined derivative must be flagged: {:?}",
            gradients.report
        );
    }
}

#[test]
fn bad_input_is_an_error_with_derivatives_too() {
    let system = system_with(
        "planar-hand",
        ForwardMode::LogBarrierCone,
        GradientMode::Ab,
        1e3,
    );
    let q = system.scene().default_q().to_vec();
    let mut workspace = qd_dynamics::StepWorkspace::default();
    let u_nan = vec![f64::NAN, q[1], q[2], q[3]];
    assert!(system.step(&mut workspace, &q, &u_nan).is_err());
    assert!(system.step(&mut workspace, &q[..3], &[0.0; 4]).is_err());
    assert!(system.step(&mut workspace, &q, &[0.0; 3]).is_err());
}
