//! The benchmark systems under the dynamics (issue 8 acceptance): allegro-sphere holds its
//! sphere under gravity, bimanual-planar holds its cylinder, and moving one finger joint
//! against the sphere moves it the way the finger pushes.

use qd_dynamics::ForwardMode;
use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use qd_geometry::ContactQuery;

/// Position drift (m) of the first object over `steps` steps of holding u = q_a.
fn drift_while_holding(name: &str, mode: ForwardMode, steps: usize) -> f64 {
    let mut system =
        QuasiDynamicSystem::new(qd_scenes::load(name).expect("scene")).expect("step settings");
    system.settings_mut().forward_mode = mode;
    let q0 = system.scene().default_q().to_vec();
    let u = system.scene().actuated_positions(&q0);
    let rollout = system
        .rollout(&mut StepWorkspace::default(), &q0, &vec![u; steps])
        .expect("rollout");
    let object = &system.scene().split().unactuated_q;
    let last = rollout.states.last().expect("states");
    let translations = if system.scene().plane_normal().is_some() {
        2
    } else {
        3
    };
    object[..translations]
        .iter()
        .map(|&i| (last[i] - q0[i]).powi(2))
        .sum::<f64>()
        .sqrt()
}

#[test]
fn allegro_holds_the_sphere_under_gravity_for_50_steps() {
    // The exact forms: the barrier at the default κ = 100 pushes at a distance (analytic
    // smoothing) and is not meant to hold objects still.
    for mode in [ForwardMode::Socp, ForwardMode::Qp] {
        let drift = drift_while_holding("allegro-sphere", mode, 50);
        println!("allegro-sphere, {mode:?}: drift {drift:.2e} m over 50 steps");
        assert!(drift <= 5e-3, "{mode:?}: the sphere drifted {drift} m");
    }
}

#[test]
fn bimanual_planar_holds_the_cylinder() {
    for mode in [ForwardMode::Socp, ForwardMode::Qp] {
        let drift = drift_while_holding("bimanual-planar", mode, 50);
        println!("bimanual-planar, {mode:?}: drift {drift:.2e} m over 50 steps");
        assert!(drift <= 5e-3, "{mode:?}: the cylinder drifted {drift} m");
    }
}

#[test]
fn swinging_one_allegro_finger_against_the_sphere_moves_it_the_way_the_finger_moves() {
    // Each of the side fingers alone on the sphere (the others opened) swings its knuckle
    // (joints 0 and 8, about the finger's own axis) 0.2 rad toward the sphere. The finger
    // pushes the sphere sideways over the palm, so the sphere must move with the fingertip:
    // the horizontal parts of the sphere's displacement and of the contact point's velocity
    // (from the contact Jacobian) must point the same way. (Flexing instead presses the
    // sphere into the palm, whose friction, μ = 1, jams it.)
    let system = QuasiDynamicSystem::new(qd_scenes::load("allegro-sphere").expect("scene"))
        .expect("step settings");
    let scene = system.scene();
    // The open pose of the scene's grasp data (a section the task layer owns; read raw here).
    let open: Vec<f64> = scene
        .section("grasp")
        .and_then(|grasp| grasp.get("open"))
        .and_then(|open| open.as_array())
        .expect("grasp data")
        .iter()
        .map(|v| v.as_float().expect("a number"))
        .collect();
    let mut workspace = StepWorkspace::default();
    for (finger, joints) in [("index", 0..4), ("ring", 8..12)] {
        let mut q = scene.default_q().to_vec();
        for (k, &i) in scene.split().actuated.iter().enumerate() {
            if !joints.contains(&k) {
                q[i] = open[k];
            }
        }
        let hold = system.scene().actuated_positions(&q);
        let mut query = ContactQuery::new();
        let contacts = query.contacts(scene, &q, None).expect("contacts").to_vec();
        let contact = contacts
            .iter()
            .filter(|c| {
                scene.geometries()[c.geometry_a].name.contains(finger)
                    && scene.geometries()[c.geometry_b].name.contains("sphere")
            })
            .min_by(|a, b| a.distance.distance.total_cmp(&b.distance.distance))
            .expect("the finger touches the sphere");
        assert!(contact.distance.distance <= 1e-3);
        let knuckle = joints.start;
        // Toward the sphere: the direction that closes the gap (J_n < 0 per unit).
        let sign = -contact.jac_normal[knuckle].signum();
        // The finger's contact point velocity per unit of the knuckle: J_c = ∂(p_B − p_A)/∂v
        // and the sphere (B) does not move with the finger, so v_finger = −J_c[:, knuckle].
        let n = contact.distance.normal.into_inner();
        let mut finger_velocity = -n * contact.jac_normal[knuckle];
        for t in 0..2 {
            finger_velocity -= contact.tangents.column(t) * contact.jac_tangent[(t, knuckle)];
        }
        finger_velocity *= sign;
        let sphere = &scene.split().unactuated_q[..3];
        let resting = system.step(&mut workspace, &q, &hold).expect("step").q_next;
        let mut u = hold.clone();
        u[knuckle] += sign * 0.2;
        let pushed = system.step(&mut workspace, &q, &u).expect("step").q_next;
        let motion: Vec<f64> = sphere.iter().map(|&i| pushed[i] - resting[i]).collect();
        let along = motion[0] * finger_velocity.x + motion[1] * finger_velocity.y;
        let size = motion[0].hypot(motion[1]);
        let velocity_size = finger_velocity.x.hypot(finger_velocity.y);
        println!(
            "{finger}: knuckle {:+.1} rad → sphere moves {motion:.4?} m; fingertip moves along [{:.3}, {:.3}]",
            sign * 0.2,
            finger_velocity.x / velocity_size,
            finger_velocity.y / velocity_size
        );
        assert!(
            size > 1e-3,
            "{finger}: the push must move the sphere ({size} m)"
        );
        assert!(
            along > 0.7 * size * velocity_size,
            "{finger}: the sphere must move with the fingertip"
        );
    }
}
