//! The grasp sampler's distance-only gap query against the full contact query (broad phase,
//! filter and all pairs), on built-in scenes at configurations around their defaults.

use qd_geometry::ContactQuery;
use qd_geometry::grasp::robot_object_gap;

#[test]
fn the_gap_query_agrees_with_the_full_contact_query() {
    for name in [
        "planar-hand",
        "allegro-sphere",
        "bimanual-planar",
        "bimanual-iiwa",
    ] {
        let scene = qd_scenes::load(name).expect("built-in scene");
        let robot_links: Vec<qd_geometry::kinematics::LinkId> = scene
            .robots()
            .iter()
            .flat_map(|r| r.links.iter().copied())
            .collect();
        let mut gap_query = ContactQuery::new();
        let mut full_query = ContactQuery::new();
        let base = scene.default_q().to_vec();
        let reach = 0.05;
        let mut compared = 0;
        for k in 0..20 {
            // Actuated joints moved by a deterministic spread of ±0.3 rad (or m).
            let mut q = base.clone();
            for (j, &index) in scene.split().actuated.iter().enumerate() {
                q[index] += 0.3 * ((k * 7 + j * 3) as f64).sin();
            }
            for object in 0..scene.objects().len() {
                let gap =
                    robot_object_gap(&scene, &mut gap_query, &q, object, reach).expect("gap query");
                let link = scene.objects()[object].link;
                let expected = full_query
                    .contacts(&scene, &q, Some(reach))
                    .expect("contact query")
                    .iter()
                    .filter(|c| {
                        let (la, lb) = (
                            scene.geometries()[c.geometry_a].link,
                            scene.geometries()[c.geometry_b].link,
                        );
                        (la == link && robot_links.contains(&lb))
                            || (lb == link && robot_links.contains(&la))
                    })
                    .map(|c| c.distance.distance)
                    .reduce(f64::min);
                match (gap, expected) {
                    (Some(g), Some(e)) => {
                        assert!((g - e).abs() < 1e-12, "{name} {k}: {g} vs {e}");
                        compared += 1;
                    }
                    (None, None) => {}
                    other => panic!("{name} {k}: {other:?}"),
                }
            }
        }
        assert!(compared > 0, "{name}: no configuration came within reach");
    }
}
