//! A box on a table through its contact manifold (issue 19 acceptance): it rests without
//! drifting in every forward mode, a tilted box settles flat, a box pushed at mid-height
//! slides without turning, and pushed high enough it tips at the quasi-static threshold.

use nalgebra::{UnitQuaternion, Vector3};
use qd_dynamics::{ForwardMode, QuasiDynamicSystem, StepWorkspace};
use qd_geometry::scene::Scene;

/// Table friction μ, box half-width a and height H (m): the box tips when pushed above a/μ.
const MU_TABLE: f64 = 0.8;
const HALF_WIDTH: f64 = 0.1;
const HEIGHT: f64 = 0.2;

/// A 0.2 m cube of 1 kg on a table (a half-space, μ 0.8), a frictionless point finger at
/// `finger` (m) behind it along −x. κ = 10⁴ so the barrier forms carry the box within
/// 0.1 mm of the table.
fn box_on_table(finger: [f64; 3], box_q: [f64; 7]) -> Scene {
    let pusher = qd_scenes::fixtures::point_pusher_3d(finger, 0.01);
    let inertia = 1.0 * (2.0 * HALF_WIDTH).powi(2) * 2.0 / 12.0;
    let text = format!(
        r#"
name = "box-on-table-test"
[parameters]
h = 0.1
kappa = 10000.0
d_detect = 0.02
gravity = [0.0, 0.0, -9.81]
[[environment]]
name = "table"
shape = {{ halfspace = {{}} }}
friction = {MU_TABLE}
{pusher}
[[objects]]
name = "box"
joint = {{ type = "free" }}
mass = 1.0
inertia = [{inertia}, {inertia}, {inertia}]
friction = {MU_TABLE}
default_q = {box_q:?}
[[objects.collisions]]
shape = {{ box = {{ size = [{w}, {w}, {HEIGHT}] }} }}
[[friction_pairs]]
bodies = ["pusher", "box"]
mu = 0.0
"#,
        w = 2.0 * HALF_WIDTH
    );
    Scene::from_toml_str(&text, &|p: &str| Err(format!("no file {p}"))).expect("test scene loads")
}

/// The box's configuration resting at height `z` of its centre, turned by `pitch` about y.
fn box_q(x: f64, z: f64, pitch: f64) -> [f64; 7] {
    let r = UnitQuaternion::from_axis_angle(&Vector3::y_axis(), pitch);
    [x, 0.0, z, r.w, r.i, r.j, r.k]
}

/// The box's turn away from upright (rad): the angle of its local z from world z.
fn tilt(q: &[f64]) -> f64 {
    let r = UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(q[6], q[7], q[8], q[9]));
    (r * Vector3::z()).angle(&Vector3::z())
}

/// Steps with the finger held at `command` from `q`, `steps` times; the configurations.
fn hold(system: &QuasiDynamicSystem, q: &[f64], command: &[f64], steps: usize) -> Vec<Vec<f64>> {
    let mut workspace = StepWorkspace::default();
    let mut states = vec![q.to_vec()];
    for _ in 0..steps {
        let last = states.last().expect("non-empty");
        let next = system
            .step(&mut workspace, last, command)
            .expect("step")
            .q_next;
        states.push(next);
    }
    states
}

fn system_in(mode: ForwardMode, scene: Scene) -> QuasiDynamicSystem {
    let mut system = QuasiDynamicSystem::new(scene).expect("settings");
    system.settings_mut().forward_mode = mode;
    system
}

fn is_barrier(mode: ForwardMode) -> bool {
    matches!(
        mode,
        ForwardMode::LogBarrierCone | ForwardMode::LogBarrierPyramid
    )
}

#[test]
fn a_box_resting_flat_stays_at_rest_in_every_forward_mode() {
    let finger = [-0.5, 0.0, 0.1];
    for mode in ForwardMode::ALL {
        // The exact forms rest on the table; the barrier forms rest where the barrier carries
        // the weight (a gap of ~0.1 mm), reached from 1 mm up before the check starts.
        let start_gap = if is_barrier(mode) { 1e-3 } else { 0.0 };
        let system = system_in(
            mode,
            box_on_table(finger, box_q(0.0, 0.5 * HEIGHT + start_gap, 0.0)),
        );
        let q0 = system.scene().default_q().to_vec();
        let settled = if is_barrier(mode) {
            hold(&system, &q0, &finger, 300).pop().expect("states")
        } else {
            q0
        };
        let states = hold(&system, &settled, &finger, 1000);
        let drift = states
            .iter()
            .map(|q| {
                (0..3)
                    .map(|i| (q[3 + i] - settled[3 + i]).abs())
                    .fold(0.0, f64::max)
            })
            .fold(0.0, f64::max);
        let turn = states.iter().map(|q| tilt(q)).fold(0.0, f64::max);
        let spin = states
            .iter()
            .map(|q| (q[9] - settled[9]).abs() * 2.0)
            .fold(0.0, f64::max);
        println!("{mode:?}: drift {drift:.1e} m, tilt {turn:.1e} rad, yaw {spin:.1e} rad");
        assert!(drift < 1e-6, "{mode:?}: drift {drift} m");
        assert!(
            turn < 1e-6 && spin < 1e-6,
            "{mode:?}: tilt {turn}, yaw {spin} rad"
        );
    }
}

#[test]
fn a_tilted_box_settles_flat_in_every_forward_mode() {
    let finger = [-0.5, 0.0, 0.1];
    let pitch: f64 = 0.05;
    // On its edge: the lowest corners (x = +a after the turn) on the table.
    let z = HALF_WIDTH * pitch.sin().abs() + 0.5 * HEIGHT * pitch.cos();
    for mode in ForwardMode::ALL {
        let start_gap = if is_barrier(mode) { 1e-3 } else { 0.0 };
        let system = system_in(mode, box_on_table(finger, box_q(0.0, z + start_gap, pitch)));
        let q0 = system.scene().default_q().to_vec();
        let states = hold(&system, &q0, &finger, 300);
        let last = states.last().expect("states");
        println!("{mode:?}: tilt {:.1e} rad after 300 steps", tilt(last));
        assert!(
            tilt(last) < 1e-6,
            "{mode:?}: still tilted by {} rad",
            tilt(last)
        );
        assert!(
            (last[5] - 0.5 * HEIGHT).abs() < 1e-3,
            "{mode:?}: centre at z = {}",
            last[5]
        );
    }
}

/// Pushes the box with the finger at height `z` (m) until the command has moved `distance`
/// (m) in steps of 3 mm; the largest tilt on the way (rad) and the box's travel (m).
fn push(z: f64, distance: f64) -> (f64, f64) {
    let finger = [-HALF_WIDTH - 0.01, 0.0, z];
    let system = system_in(
        ForwardMode::Socp,
        box_on_table(finger, box_q(0.0, 0.5 * HEIGHT, 0.0)),
    );
    let mut q = system.scene().default_q().to_vec();
    let mut workspace = StepWorkspace::default();
    let mut worst: f64 = 0.0;
    let steps = (distance / 0.003).ceil() as usize;
    for k in 1..=steps {
        let command = [finger[0] + 0.003 * k as f64, 0.0, z];
        q = system
            .step(&mut workspace, &q, &command)
            .expect("step")
            .q_next;
        worst = worst.max(tilt(&q));
        if worst > 0.3 {
            break;
        }
    }
    (worst, q[3])
}

#[test]
fn a_box_pushed_at_mid_height_slides_without_turning() {
    let (worst, travel) = push(0.5 * HEIGHT, 1.1);
    println!("pushed at mid-height: travel {travel:.3} m, largest tilt {worst:.1e} rad");
    assert!(travel > 1.0, "the box moved {travel} m");
    assert!(worst < 1e-3, "tilted by {worst} rad");
}

#[test]
fn pushed_high_enough_the_box_tips_at_the_quasi_static_threshold() {
    // Quasi-statically the sliding box carries μ m g of friction on its bottom face; a push
    // at height z tips it about its front edge once μ m g z > m g a: z* = a / μ.
    let analytic = HALF_WIDTH / MU_TABLE;
    let tips = |z: f64| push(z, 0.3).0 > 0.05;
    let (mut low, mut high) = (0.3 * HEIGHT, 0.95 * HEIGHT);
    assert!(!tips(low) && tips(high), "the bracket holds the threshold");
    for _ in 0..10 {
        let mid = 0.5 * (low + high);
        if tips(mid) {
            high = mid;
        } else {
            low = mid;
        }
    }
    let threshold = 0.5 * (low + high);
    println!("tips above z = {threshold:.4} m; analytic a/μ = {analytic:.4} m");
    assert!(
        (threshold - analytic).abs() <= 0.05 * analytic,
        "tips above z = {threshold} m, analytic {analytic} m"
    );
}
