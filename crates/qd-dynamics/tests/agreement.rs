//! The forms agree where the mathematics says they must (issue 4 acceptance): the pyramid QP
//! approaches the SOCP as nd grows, the barrier step approaches the SOCP as κ grows with a gap
//! O(1/κ), and our Newton method at κ = 10⁷ (h = 0.1) matches Clarabel's SOCP.

use qd_dynamics::ForwardMode;
use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use qd_geometry::scene::Scene;

fn norm_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

fn planar_hand_squeeze() -> (QuasiDynamicSystem, Vec<f64>, Vec<f64>) {
    let system = QuasiDynamicSystem::new(qd_scenes::load("planar-hand").expect("scene"))
        .expect("step settings");
    let q = system.scene().default_q().to_vec();
    // Close the left finger and lift the right one: the ball is pushed and rolled.
    let u = vec![q[0] - 0.2, q[1] - 0.1, q[2] + 0.15, q[3] + 0.2];
    (system, q, u)
}

fn step_with(
    system: &mut QuasiDynamicSystem,
    mode: ForwardMode,
    kappa: f64,
    q: &[f64],
    u: &[f64],
) -> Vec<f64> {
    system.settings_mut().forward_mode = mode;
    system.settings_mut().kappa = kappa;
    system
        .step(&mut StepWorkspace::default(), q, u)
        .expect("step")
        .dv
}

#[test]
fn barrier_step_approaches_socp_with_gap_of_order_one_over_kappa() {
    let (mut system, q, u) = planar_hand_squeeze();
    let exact = step_with(&mut system, ForwardMode::Socp, 1.0, &q, &u);
    let mut gaps = Vec::new();
    for exponent in 1..=5 {
        let kappa = 10f64.powi(exponent);
        let smoothed = step_with(&mut system, ForwardMode::LogBarrierCone, kappa, &q, &u);
        gaps.push((kappa, norm_diff(&smoothed, &exact)));
    }
    for pair in gaps.windows(2) {
        let ((k0, g0), (k1, g1)) = (pair[0], pair[1]);
        // A tenfold κ cuts the gap about tenfold (between 5× and 20×) while it stays above the
        // solvers' tolerance.
        if g1 > 1e-7 {
            let ratio = g0 / g1;
            assert!(
                (5.0..20.0).contains(&ratio),
                "κ {k0:e} → {k1:e}: gap {g0:e} → {g1:e} (ratio {ratio})"
            );
        }
    }
    assert!(gaps.last().expect("gaps").1 < 1e-4, "{gaps:?}");
}

#[test]
fn newton_at_kappa_1e7_matches_clarabel_socp() {
    let (mut system, q, u) = planar_hand_squeeze();
    let exact = step_with(&mut system, ForwardMode::Socp, 1.0, &q, &u);
    let smoothed = step_with(&mut system, ForwardMode::LogBarrierCone, 1e7, &q, &u);
    let gap = norm_diff(&smoothed, &exact);
    assert!(gap <= 1e-6, "gap {gap:e}");
}

/// A free box on the ground pushed sideways: friction is 3-D here, so pyramids matter.
fn pushed_box() -> String {
    let pusher = qd_scenes::fixtures::point_pusher_3d([-0.145, 0.02, 0.05], 0.04);
    format!(
        r#"
name = "pushed-box"
[parameters]
gravity = [0.0, 0.0, -9.81]
d_detect = 0.05
default_friction = 0.5
[[environment]]
shape = {{ halfspace = {{}} }}
{pusher}
[[objects]]
name = "box"
joint = {{ type = "free" }}
mass = 1.0
inertia = [0.004, 0.004, 0.004]
default_q = [0.0, 0.0, 0.05, 1.0, 0.0, 0.0, 0.0]
[[objects.collisions]]
shape = {{ box = {{ size = [0.2, 0.2, 0.1] }} }}
"#
    )
}

#[test]
fn pyramid_qp_approaches_socp_as_nd_grows() {
    let scene =
        Scene::from_toml_str(&pushed_box(), &|p: &str| Err(format!("no file {p}"))).expect("scene");
    let mut system = QuasiDynamicSystem::new(scene).expect("step settings");
    let q = system.scene().default_q().to_vec();
    // Push diagonally (x and y) into the box's −x face.
    let u = vec![-0.02, 0.12, 0.05];
    let exact = step_with(&mut system, ForwardMode::Socp, 1.0, &q, &u);
    assert!(
        exact.iter().skip(3).any(|d| d.abs() > 1e-3),
        "the box must move: {exact:?}"
    );
    let mut previous = f64::INFINITY;
    let mut first = None;
    for nd in [4, 8, 16, 32, 64] {
        system.settings_mut().nd = nd;
        let pyramid = step_with(&mut system, ForwardMode::Qp, 1.0, &q, &u);
        let gap = norm_diff(&pyramid, &exact);
        assert!(
            gap < previous,
            "nd = {nd}: gap {gap:e} did not shrink (previous {previous:e})"
        );
        first.get_or_insert(gap);
        previous = gap;
    }
    let size = exact.iter().map(|d| d * d).sum::<f64>().sqrt();
    assert!(
        first.expect("gaps") / previous >= 10.0,
        "nd 4 → 64 must cut the gap tenfold"
    );
    assert!(
        previous < 0.01 * size,
        "nd = 64 gap {previous:e} vs step size {size:e}"
    );
}
