//! Physical invariants of the step (issue 4 acceptance).

use qd_dynamics::{ExactSolver, ForwardMode};
use qd_dynamics::{QuasiDynamicSystem, SolveStatus, StepWorkspace};
use qd_geometry::scene::Scene;

fn scene(text: &str) -> Scene {
    Scene::from_toml_str(text, &|p: &str| Err(format!("no file {p}"))).expect("test scene loads")
}

/// A pusher on three prismatic joints, an object with the given shape resting on the ground.
fn resting(shape: &str, height: f64) -> String {
    let pusher = qd_scenes::fixtures::point_pusher_3d([-0.5, 0.0, 0.3], 0.04);
    format!(
        r#"
name = "resting"
[parameters]
h = 0.1
gravity = [0.0, 0.0, -9.81]
d_detect = 0.05
[[environment]]
shape = {{ halfspace = {{}} }}
{pusher}
[[objects]]
name = "object"
joint = {{ type = "free" }}
mass = 2.0
inertia = [0.01, 0.01, 0.01]
default_q = [0.0, 0.0, {height}, 1.0, 0.0, 0.0, 0.0]
[[objects.collisions]]
shape = {shape}
"#
    )
}

#[test]
fn objects_resting_on_the_ground_stay_at_rest() {
    let cases = [
        ("{ sphere = { radius = 0.1 } }", 0.1),
        ("{ box = { size = [0.2, 0.3, 0.1] } }", 0.05),
    ];
    for ((shape, height), solver) in cases
        .into_iter()
        .flat_map(|case| [(case, ExactSolver::Own), (case, ExactSolver::Clarabel)])
    {
        let mut system =
            QuasiDynamicSystem::new(scene(&resting(shape, height))).expect("step settings");
        system.settings_mut().exact_solver = solver;
        let q = system.scene().default_q().to_vec();
        let result = system
            .step(
                &mut StepWorkspace::default(),
                &q,
                &system.scene().actuated_positions(&q),
            )
            .expect("step");
        assert_eq!(result.report.status, SolveStatus::Solved);
        let moved = result.dv.iter().map(|d| d.abs()).fold(0.0, f64::max);
        assert!(moved <= 1e-8, "{shape}: |δq| = {moved}");
        // The ground's impulse balances gravity over the step: λ_n = m g h.
        let total: f64 = result.contacts.iter().map(|c| c.normal_impulse).sum();
        assert!(
            (total - 2.0 * 9.81 * 0.1).abs() <= 1e-6,
            "{shape}: λ_n = {total}"
        );
        for c in &result.contacts {
            assert!(
                (c.force[0] - c.normal_impulse / 0.1).abs() < 1e-12,
                "force = λ / h"
            );
        }
    }
}

#[test]
fn without_contacts_the_robot_reaches_u_and_objects_fall_as_q_prescribes() {
    // The object hangs 1 m above the ground: no contact within d_detect.
    let system = QuasiDynamicSystem::new(scene(&resting("{ sphere = { radius = 0.1 } }", 1.0)))
        .expect("step settings");
    let q = system.scene().default_q().to_vec();
    let u = vec![0.3, -0.2, 0.5];
    let result = system
        .step(&mut StepWorkspace::default(), &q, &u)
        .expect("step");
    assert_eq!(result.report.n_contacts, 0);
    for (k, &i) in system.scene().split().actuated.iter().enumerate() {
        assert!(
            (result.q_next[i] - u[k]).abs() <= 1e-9,
            "robot coordinate {i}: {} vs {}",
            result.q_next[i],
            u[k]
        );
    }
    // Q_uu = M/h, b_u = −h m g: δz = g h² (quasi-dynamic: the velocity restarts every step).
    let object_z = system.scene().split().unactuated_q[2];
    assert!((result.q_next[object_z] - (1.0 - 9.81 * 0.01)).abs() <= 1e-9);
}

#[test]
fn frozen_objects_do_not_move() {
    let mut text = resting("{ sphere = { radius = 0.1 } }", 1.0);
    text = text.replace("d_detect = 0.05", "d_detect = 0.05\nmass_scale = 0.0");
    let system = QuasiDynamicSystem::new(scene(&text)).expect("step settings");
    let q = system.scene().default_q().to_vec();
    let result = system
        .step(
            &mut StepWorkspace::default(),
            &q,
            &system.scene().actuated_positions(&q),
        )
        .expect("step");
    for &i in &system.scene().split().unactuated_v {
        assert_eq!(result.dv[i], 0.0);
    }
}

#[test]
fn impulses_lie_in_their_friction_cones() {
    let mut system = QuasiDynamicSystem::new(qd_scenes::load("planar-hand").expect("scene"))
        .expect("step settings");
    let q = system.scene().default_q().to_vec();
    let mut workspace = StepWorkspace::default();
    let mut loaded_with_friction = 0;
    // The exact forms through both of their solvers (the own one and the Clarabel oracle).
    for (mode, solver) in [
        (ForwardMode::Socp, ExactSolver::Own),
        (ForwardMode::Socp, ExactSolver::Clarabel),
        (ForwardMode::Qp, ExactSolver::Own),
        (ForwardMode::Qp, ExactSolver::Clarabel),
        (ForwardMode::LogBarrierCone, ExactSolver::Own),
        (ForwardMode::LogBarrierPyramid, ExactSolver::Own),
    ] {
        system.settings_mut().forward_mode = mode;
        system.settings_mut().exact_solver = solver;
        for squeeze in [0.05, 0.2, 0.4] {
            // Close both fingers and lift them: contacts with normal and tangential load.
            let u = vec![
                q[0] - squeeze,
                q[1] - squeeze,
                q[2] + squeeze,
                q[3] + 0.5 * squeeze,
            ];
            let result = system.step(&mut workspace, &q, &u).expect("step");
            for c in &result.contacts {
                let mu = system
                    .scene()
                    .friction_between(c.geometries.0, c.geometries.1);
                let tangential: f64 = c.tangent_impulse.iter().map(|t| t * t).sum::<f64>().sqrt();
                assert!(
                    c.normal_impulse >= -1e-9,
                    "{mode:?}: λ_n = {}",
                    c.normal_impulse
                );
                assert!(
                    mu * c.normal_impulse >= tangential - 1e-8,
                    "{mode:?}: μλ_n = {} < ‖λ_t‖ = {tangential}",
                    mu * c.normal_impulse
                );
                if c.normal_impulse > 1e-3 && tangential > 1e-4 {
                    loaded_with_friction += 1;
                }
            }
        }
    }
    assert!(
        loaded_with_friction >= 8,
        "the squeezes must load contacts with friction: {loaded_with_friction}"
    );
}

#[test]
fn penetration_does_not_grow_when_fingers_push_into_the_ball() {
    let system = QuasiDynamicSystem::new(qd_scenes::load("planar-hand").expect("scene"))
        .expect("step settings");
    let mut workspace = StepWorkspace::default();
    let mut q = system.scene().default_q().to_vec();
    // Squeeze hard for several steps.
    let u = vec![q[0] - 0.6, q[1] - 0.6, q[2] + 0.6, q[3] + 0.6];
    let mut query = qd_geometry::ContactQuery::new();
    let min_phi = |q: &[f64], query: &mut qd_geometry::ContactQuery| {
        query
            .contacts(system.scene(), q, None)
            .expect("contacts")
            .iter()
            .map(|c| c.distance.distance)
            .fold(f64::INFINITY, f64::min)
    };
    let start = min_phi(&q, &mut query);
    for _ in 0..10 {
        q = system.step(&mut workspace, &q, &u).expect("step").q_next;
        let now = min_phi(&q, &mut query);
        // The constraint is the linearisation J_n δv + φ ≥ 0: what remains is second order
        // in the step, far below the millimetre.
        assert!(
            now >= start.min(0.0) - 1e-3,
            "φ fell to {now} (start {start})"
        );
    }
}
