//! The contact manifold in the built-in scenes (issue 19): scenes without flat-faced pairs get
//! exactly the contacts they had with one contact per pair (the reference implementation's
//! model, which their published data come from), and the box scenes stand on their corners.

use proptest::strategy::{Strategy, ValueTree};
use qd_geometry::ContactQuery;
use qd_geometry::manifold::{ContactFeature, has_manifold};
use qd_geometry::scene::Scene;

fn load(name: &str, manifold: bool) -> Scene {
    let text = qd_scenes::source(name).expect("built-in scene");
    let text = text.replacen(
        "[parameters]",
        &format!("[parameters]\ncontact_manifold = {manifold}"),
        1,
    );
    Scene::from_toml_str(&text, &|p: &str| Err(format!("no file {p}"))).expect("scene loads")
}

/// Whether some pair of the scene's geometries that may collide has manifold contacts.
fn has_face_pairs(scene: &Scene) -> bool {
    let geometries = scene.geometries();
    geometries.iter().enumerate().any(|(a, ga)| {
        geometries.iter().skip(a + 1).any(|gb| {
            ga.link != gb.link
                && scene.filter().allows(ga.link.index(), gb.link.index())
                && has_manifold(&ga.shape, &gb.shape)
        })
    })
}

#[test]
fn scenes_without_flat_faced_pairs_keep_their_single_point_contacts() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut unchanged = Vec::new();
    for name in qd_scenes::names() {
        let (with, without) = (load(name, true), load(name, false));
        if has_face_pairs(&with) {
            continue;
        }
        unchanged.push(name);
        let nv = with.tree().nv();
        let (mut query_with, mut query_without) = (ContactQuery::new(), ContactQuery::new());
        for _ in 0..50 {
            let shift = proptest::collection::vec(-0.1..0.1f64, nv)
                .new_tree(&mut runner)
                .expect("values")
                .current();
            let mut q = with.default_q().to_vec();
            with.tree()
                .integrate(&mut q, &shift)
                .expect("lengths match");
            let a = query_with
                .contacts(&with, &q, None)
                .expect("query")
                .to_vec();
            let b = query_without.contacts(&without, &q, None).expect("query");
            assert_eq!(a.len(), b.len(), "{name}: contact count changed");
            for (x, y) in a.iter().zip(b) {
                assert_eq!(x.feature, ContactFeature::Closest);
                assert_eq!((x.geometry_a, x.geometry_b), (y.geometry_a, y.geometry_b));
                assert_eq!(x.distance, y.distance, "{name}");
                assert_eq!(x.jac_normal, y.jac_normal, "{name}");
            }
        }
    }
    // Every scene whose published data we compare with is among them.
    for name in [
        "pusher-box-1d",
        "planar-pushing",
        "planar-hand",
        "allegro-sphere",
        "bimanual-planar",
    ] {
        assert!(unchanged.contains(&name), "{name} has flat-faced pairs");
    }
}

#[test]
fn the_box_scenes_stand_their_boxes_on_four_corners() {
    for name in ["box-on-table", "bimanual-iiwa"] {
        let scene = load(name, true);
        let mut query = ContactQuery::new();
        let contacts = query
            .contacts(&scene, scene.default_q(), None)
            .expect("query");
        let corners: Vec<_> = contacts
            .iter()
            .filter(|c| matches!(c.feature, ContactFeature::Point { .. }))
            .filter(|c| c.distance.distance.abs() < 1e-9)
            .collect();
        assert_eq!(corners.len(), 4, "{name}");
        let without = load(name, false);
        let single = ContactQuery::new()
            .contacts(&without, without.default_q(), None)
            .expect("query")
            .iter()
            .filter(|c| c.distance.distance.abs() < 1e-9)
            .count();
        assert_eq!(
            single, 1,
            "{name}: one contact per pair without the manifold"
        );
    }
}
