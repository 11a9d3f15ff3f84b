//! Regrasp transitions: a straight line when it is free, a detour when it is not, and no
//! configuration along the way deeper in the object than the bound. Distances here are
//! computed independently of the geometry layer (sphere centres).

use qd_geometry::scene::Scene;
use qd_plan::{TransitionSettings, plan_transition};

/// A sphere finger (r = 0.05) moving in y–z on two prismatic joints, and a ball (r = 0.1) at
/// the origin.
const FINGER_AND_BALL: &str = r#"
name = "finger-and-ball"
[parameters]
gravity = [0.0, 0.0, 0.0]
d_detect = 0.5
[[robots]]
name = "finger"
stiffness = 100.0
default_q = [-0.3, 0.0]
[[robots.links]]
name = "base"
[[robots.links]]
name = "carriage"
mass = 0.1
[[robots.links]]
name = "tip"
mass = 0.1
[[robots.links.collisions]]
shape = { sphere = { radius = 0.05 } }
[[robots.joints]]
name = "y"
type = "prismatic"
parent = "base"
child = "carriage"
axis = [0.0, 1.0, 0.0]
limits = [-0.5, 0.5]
[[robots.joints]]
name = "z"
type = "prismatic"
parent = "carriage"
child = "tip"
axis = [0.0, 0.0, 1.0]
limits = [-0.5, 0.5]
[[objects]]
name = "ball"
joint = { type = "planar", axes = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]] }
mass = 1.0
inertia = [0.004, 0.004, 0.004]
default_q = [0.0, 0.0, 0.0]
[[objects.collisions]]
shape = { sphere = { radius = 0.1 } }
"#;

fn scene() -> Scene {
    Scene::from_toml_str(FINGER_AND_BALL, &|path: &str| {
        Err(format!("no file {path}"))
    })
    .expect("scene")
}

/// Signed distance between the finger (at joint values `u`) and the ball at the origin.
fn gap(u: &[f64]) -> f64 {
    u[0].hypot(u[1]) - 0.05 - 0.1
}

/// The smallest gap along the waypoints' straight pieces, sampled 200 times per piece.
fn smallest_gap(waypoints: &[Vec<f64>]) -> f64 {
    let mut smallest = f64::INFINITY;
    for leg in waypoints.windows(2) {
        for k in 0..=200 {
            let s = k as f64 / 200.0;
            let u: Vec<f64> = leg[0]
                .iter()
                .zip(&leg[1])
                .map(|(a, b)| a + s * (b - a))
                .collect();
            smallest = smallest.min(gap(&u));
        }
    }
    smallest
}

#[test]
fn a_free_straight_line_is_taken_as_it_is() {
    let scene = scene();
    let q = [-0.3, 0.3, 0.0, 0.0, 0.0];
    let grasp = [0.3, 0.3];
    let path =
        plan_transition(&scene, &q, &grasp, TransitionSettings::default(), 1).expect("transition");
    assert!(!path.detour);
    assert_eq!(path.waypoints.first().map(Vec::as_slice), Some(&q[..2]));
    assert_eq!(path.waypoints.last().map(Vec::as_slice), Some(&grasp[..]));
    assert!(smallest_gap(&path.waypoints) > 0.1);
}

#[test]
fn a_transition_through_the_object_detours_around_it() {
    let scene = scene();
    let settings = TransitionSettings::default();
    // The straight line from one side of the ball to the other passes through its centre.
    let q = [-0.3, 0.0, 0.0, 0.0, 0.0];
    let grasp = [0.3, 0.0];
    assert!(gap(&[0.0, 0.0]) < 0.0);
    for seed in 0..5 {
        let path = plan_transition(&scene, &q, &grasp, settings, seed).expect("transition");
        assert!(path.detour, "seed {seed}: {:?}", path.waypoints);
        assert!(path.waypoints.len() > 2);
        assert_eq!(path.waypoints.last().map(Vec::as_slice), Some(&grasp[..]));
        let smallest = smallest_gap(&path.waypoints);
        // The checks run every `check_resolution` of joint motion; between two of them a
        // straight piece can dip by at most the curvature's sagitta, far below the bound here.
        assert!(
            smallest >= -settings.penetration_bound - 1e-4,
            "seed {seed}: the path reaches {smallest} m into the ball"
        );
        assert!(
            (path.min_clearance - smallest).abs() < 2e-3,
            "seed {seed}: reported clearance {} vs {smallest}",
            path.min_clearance
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// From anywhere on a circle around the ball to about the opposite side: the path ends at
    /// the grasp and never goes deeper into the ball than the bound.
    #[test]
    fn transitions_around_the_ball_stay_out_of_it(
        angle in 0.0f64..std::f64::consts::TAU,
        across in -0.5f64..0.5,
        seed in 0u64..1000,
    ) {
        let scene = scene();
        let settings = TransitionSettings::default();
        let at = |a: f64| [0.3 * a.cos(), 0.3 * a.sin()];
        let start = at(angle);
        let grasp = at(angle + std::f64::consts::PI + across);
        let q = [start[0], start[1], 0.0, 0.0, 0.0];
        let path = plan_transition(&scene, &q, &grasp, settings, seed).expect("transition");
        proptest::prop_assert_eq!(path.waypoints.last().map(Vec::as_slice), Some(&grasp[..]));
        let smallest = smallest_gap(&path.waypoints);
        proptest::prop_assert!(smallest >= -settings.penetration_bound - 1e-4, "{}", smallest);
    }
}

#[test]
fn a_grasp_of_the_wrong_length_is_refused() {
    let scene = scene();
    let q = [-0.3, 0.0, 0.0, 0.0, 0.0];
    let error = plan_transition(&scene, &q, &[0.3], TransitionSettings::default(), 0)
        .expect_err("one value for two joints");
    assert!(error.to_string().contains("grasp"), "{error}");
}
