//! The built-in systems (issue 8 acceptance): every scene loads, its default configuration has
//! no deep penetration and, for the hands and arms, the contacts its task starts from. (That
//! their grasp synergies reach the object and their tasks fit them is checked in qd-task.)

use qd_geometry::ContactQuery;
use qd_geometry::scene::Scene;

/// Robot–object contacts at the default configuration with φ ≤ `within`, by robot name.
fn touching_robots(scene: &Scene, within: f64) -> Vec<String> {
    let mut query = ContactQuery::new();
    let contacts = query
        .contacts(scene, scene.default_q(), None)
        .expect("contacts");
    let object_links: Vec<qd_geometry::kinematics::LinkId> =
        scene.objects().iter().map(|o| o.link).collect();
    let mut robots = Vec::new();
    for c in contacts.iter().filter(|c| c.distance.distance <= within) {
        let links = [
            scene.geometries()[c.geometry_a].link,
            scene.geometries()[c.geometry_b].link,
        ];
        if !links.iter().any(|l| object_links.contains(l)) {
            continue;
        }
        for robot in scene.robots() {
            if links.iter().any(|l| robot.links.contains(l)) && !robots.contains(&robot.name) {
                robots.push(robot.name.clone());
            }
        }
    }
    robots
}

#[test]
fn every_scene_loads_without_deep_penetration() {
    for name in qd_scenes::names() {
        let scene = qd_scenes::load(name).expect("built-in scene loads");
        let mut query = ContactQuery::new();
        let contacts = query
            .contacts(&scene, scene.default_q(), None)
            .expect("contacts");
        for c in contacts {
            assert!(
                c.distance.distance >= -1e-3,
                "{name}: {} – {} penetrates by {:.4} m",
                scene.geometries()[c.geometry_a].name,
                scene.geometries()[c.geometry_b].name,
                -c.distance.distance
            );
        }
    }
    assert_eq!(qd_scenes::names().count(), 7);
}

#[test]
fn hands_and_arms_start_in_contact_with_their_object() {
    for (name, robots) in [
        ("planar-hand", vec!["left_finger", "right_finger"]),
        ("bimanual-planar", vec!["left_arm", "right_arm"]),
        ("bimanual-iiwa", vec!["left_arm", "right_arm"]),
    ] {
        let scene = qd_scenes::load(name).expect("scene");
        let touching = touching_robots(&scene, 1e-3);
        for robot in robots {
            assert!(
                touching.iter().any(|r| r == robot),
                "{name}: {robot} does not touch the object (touching: {touching:?})"
            );
        }
    }
}

#[test]
fn allegro_fingers_touch_the_sphere_and_the_sphere_rests_on_the_palm() {
    let scene = qd_scenes::load("allegro-sphere").expect("scene");
    assert_eq!(scene.na(), 16);
    assert_eq!(scene.tree().nq(), 23);
    let mut query = ContactQuery::new();
    let contacts = query
        .contacts(&scene, scene.default_q(), None)
        .expect("contacts");
    let name = |g: usize| scene.geometries()[g].name.clone();
    let touching: Vec<(String, String, f64)> = contacts
        .iter()
        .filter(|c| c.distance.distance <= 1e-3)
        .map(|c| (name(c.geometry_a), name(c.geometry_b), c.distance.distance))
        .collect();
    let touches = |part: &str| {
        touching.iter().any(|(a, b, _)| {
            (a.contains(part) || b.contains(part)) && (a.contains("sphere") || b.contains("sphere"))
        })
    };
    assert!(
        touches("palm"),
        "the sphere must rest on the palm: {touching:?}"
    );
    let fingers = ["index", "middle", "ring", "thumb"]
        .iter()
        .filter(|f| touches(f))
        .count();
    assert!(
        fingers >= 3,
        "at least three fingers touch the sphere: {touching:?}"
    );
}
