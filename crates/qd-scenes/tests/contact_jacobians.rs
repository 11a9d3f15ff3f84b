//! Contact Jacobians of the built-in scenes (and a 3-D scene with a free body) against central
//! finite differences through `q ⊕ δv` (issue 3 acceptance): J_n · δv against the change of φ,
//! J_t · δv against the change of the material witness points along the tangents.

use nalgebra::DVector;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use qd_geometry::ContactQuery;
use qd_geometry::scene::Scene;
use std::cell::Cell;

/// A free box resting near the ground and a sphere pusher on three prismatic joints.
fn free_box() -> String {
    let header = r#"
name = "free-box"
[parameters]
gravity = [0.0, 0.0, -9.81]
d_detect = 0.3
[[environment]]
name = "ground"
shape = { halfspace = {} }
"#;
    let objects = r#"[[objects]]
name = "box"
joint = { type = "free" }
mass = 0.5
inertia = [0.001, 0.001, 0.001]
default_q = [0.0, 0.0, 0.06, 0.99, 0.05, 0.1, 0.02]
[[objects.collisions]]
shape = { box = { size = [0.2, 0.15, 0.1] } }
"#;
    format!(
        "{header}{}{objects}",
        qd_scenes::fixtures::point_pusher_3d([-0.2, 0.0, 0.1], 0.04)
    )
}

fn scene(name: &str) -> Scene {
    if name == "free-box" {
        Scene::from_toml_str(&free_box(), &|p: &str| Err(format!("no file {p}")))
            .expect("test scene loads")
    } else {
        qd_scenes::load(name).expect("built-in scene loads")
    }
}

thread_local! {
    static SEEN_SEPARATED: Cell<usize> = const { Cell::new(0) };
    static SEEN_PENETRATING: Cell<usize> = const { Cell::new(0) };
}

fn check_scene(name: &str, perturbation: &[f64], direction: &[f64]) -> Result<(), TestCaseError> {
    let scene = scene(name);
    let nv = scene.tree().nv();
    let mut q = scene.default_q().to_vec();
    let dq: Vec<f64> = perturbation.iter().take(nv).copied().collect();
    scene.tree().integrate(&mut q, &dq).expect("lengths match");
    let dv = DVector::from_iterator(nv, direction.iter().take(nv).copied());

    let mut query = ContactQuery::new();
    let contacts: Vec<_> = query
        .contacts(&scene, &q, Some(10.0))
        .expect("query")
        .to_vec();
    let world_from_link = query.kinematics.world_from_link.clone();
    let eps = 1e-6;
    let mut displaced = |sign: f64| {
        let mut qd = q.clone();
        let step: Vec<f64> = dv.iter().map(|d| sign * eps * d).collect();
        scene
            .tree()
            .integrate(&mut qd, &step)
            .expect("lengths match");
        let contacts = query
            .contacts(&scene, &qd, Some(10.0))
            .expect("query")
            .to_vec();
        (contacts, query.kinematics.world_from_link.clone())
    };
    let (plus, plus_links) = displaced(1.0);
    let (minus, minus_links) = displaced(-1.0);

    for c in &contacts {
        let same = |set: &[qd_geometry::Contact]| {
            set.iter()
                .find(|d| {
                    d.geometry_a == c.geometry_a
                        && d.geometry_b == c.geometry_b
                        && d.feature == c.feature
                })
                .map(|d| d.distance.distance)
        };
        let (Some(phi_plus), Some(phi_minus)) = (same(&plus), same(&minus)) else {
            continue;
        };
        // Skip the rare contacts whose witness feature switches inside the step.
        let fd = (phi_plus - phi_minus) / (2.0 * eps);
        let analytic = c.jac_normal.dot(&dv);
        prop_assert!(
            (analytic - fd).abs() <= 1e-6 * fd.abs().max(1.0),
            "{name}: J_n·δv = {analytic}, fd = {fd}"
        );

        // Material points: the witnesses carried by their links.
        let (ga, gb) = (
            &scene.geometries()[c.geometry_a],
            &scene.geometries()[c.geometry_b],
        );
        let local_a = world_from_link[ga.link].inverse_transform_point(&c.distance.witness_a);
        let local_b = world_from_link[gb.link].inverse_transform_point(&c.distance.witness_b);
        let gap = |links: &[nalgebra::Isometry3<f64>]| {
            (links[gb.link] * local_b) - (links[ga.link] * local_a)
        };
        let fd_gap = (gap(&plus_links) - gap(&minus_links)) / (2.0 * eps);
        let fd_tangent = c.tangents.transpose() * fd_gap;
        let analytic_tangent = &c.jac_tangent * &dv;
        prop_assert!(
            (analytic_tangent - fd_tangent).norm() <= 1e-6 * fd_gap.norm().max(1.0),
            "{name}: J_t mismatch"
        );
        let counter = if c.distance.distance < 0.0 {
            &SEEN_PENETRATING
        } else {
            &SEEN_SEPARATED
        };
        counter.with(|n| n.set(n.get() + 1));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn contact_jacobians_match_finite_differences(
        scene_pick in 0..4usize,
        perturbation in prop::collection::vec(-0.15..0.15f64, 13),
        direction in prop::collection::vec(-1.0..1.0f64, 13),
    ) {
        let name = ["pusher-box-1d", "planar-pushing", "planar-hand", "free-box"][scene_pick];
        check_scene(name, &perturbation, &direction)?;
    }
}

#[test]
fn the_jacobian_test_covers_separated_and_penetrating_contacts() {
    // Same cases as the property test's scenes, with perturbations large enough to push
    // fingers into the ball and the box into the ground.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (
        prop::collection::vec(-0.15..0.15f64, 13),
        prop::collection::vec(-1.0..1.0f64, 13),
    );
    for _ in 0..50 {
        let (perturbation, direction) = strategy.new_tree(&mut runner).expect("values").current();
        for name in ["planar-hand", "free-box"] {
            check_scene(name, &perturbation, &direction).expect("jacobians agree");
        }
    }
    assert!(
        SEEN_SEPARATED.with(Cell::get) > 10,
        "too few separated contacts checked"
    );
    assert!(
        SEEN_PENETRATING.with(Cell::get) > 10,
        "too few penetrating contacts checked"
    );
}
