//! The built-in systems (issue 8 acceptance): every scene loads, its default configuration has
//! no deep penetration and, for the hands and arms, the contacts its task starts from; the
//! grasp synergies reach the object; tasks are checked against their scene.

use qd_geometry::ContactQuery;
use qd_geometry::scene::Scene;
use qd_scenes::grasp::close_until_contact;

/// Robot–object contacts at the default configuration with φ ≤ `within`, by robot name.
fn touching_robots(scene: &Scene, within: f64) -> Vec<String> {
    let mut query = ContactQuery::new();
    let contacts = query
        .contacts(scene, &scene.default_q, None)
        .expect("contacts");
    let object_links: Vec<usize> = scene.objects.iter().map(|o| o.link).collect();
    let mut robots = Vec::new();
    for c in contacts.iter().filter(|c| c.distance.distance <= within) {
        let links = [
            scene.geometries[c.geometry_a].link,
            scene.geometries[c.geometry_b].link,
        ];
        if !links.iter().any(|l| object_links.contains(l)) {
            continue;
        }
        for robot in &scene.robots {
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
            .contacts(&scene, &scene.default_q, None)
            .expect("contacts");
        for c in contacts {
            assert!(
                c.distance.distance >= -1e-3,
                "{name}: {} – {} penetrates by {:.4} m",
                scene.geometries[c.geometry_a].name,
                scene.geometries[c.geometry_b].name,
                -c.distance.distance
            );
        }
    }
    assert_eq!(qd_scenes::names().count(), 6);
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
    assert_eq!(scene.tree.nq(), 23);
    let mut query = ContactQuery::new();
    let contacts = query
        .contacts(&scene, &scene.default_q, None)
        .expect("contacts");
    let name = |g: usize| scene.geometries[g].name.clone();
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

#[test]
fn every_grasp_synergy_reaches_the_object_from_the_open_pose() {
    for name in [
        "planar-hand",
        "allegro-sphere",
        "bimanual-planar",
        "bimanual-iiwa",
    ] {
        let scene = qd_scenes::load(name).expect("scene");
        let grasp = scene.grasp.clone().expect("grasp data");
        let mut q = scene.default_q.clone();
        for (&i, v) in scene.split.actuated.iter().zip(&grasp.open) {
            q[i] = *v;
        }
        for synergy in &grasp.synergies {
            let closed = close_until_contact(&scene, &q, &synergy.direction, 0, 1e-4, 3.0)
                .expect("query")
                .unwrap_or_else(|| panic!("{name}: synergy {} does not reach", synergy.name));
            let gap = qd_scenes::grasp::robot_object_gap(
                &scene,
                &mut ContactQuery::new(),
                &closed,
                0,
                1.0,
            )
            .expect("query")
            .expect("close pair");
            assert!(
                gap <= 1e-4 && gap > -1e-3,
                "{name}/{}: gap {gap}",
                synergy.name
            );
        }
    }
}

#[test]
fn tasks_are_checked_against_their_scene() {
    let text = qd_scenes::source("bimanual-planar").expect("scene");
    let files = |p: &str| Err(format!("no file {p}"));
    let broken = [
        (
            text.replace("object = \"cylinder\"", "object = \"ball\""),
            "task.goal.object",
        ),
        (
            text.replace("q = [0.5, 0.0, -3.141592653589793]", "q = [0.5, 0.0]"),
            "task.goal.q",
        ),
        (
            text.replace("open = [0.6, -0.4, -1.0, -0.6, 0.4, 1.0]", "open = [1.2]"),
            "grasp.open",
        ),
    ];
    for (modified, field) in broken {
        assert_ne!(modified, text, "the test's edit must apply ({field})");
        let error = Scene::from_toml_str(&modified, &files).expect_err("must be rejected");
        assert!(error.to_string().contains(field), "{field}: {error}");
    }
    for name in qd_scenes::names() {
        let scene = qd_scenes::load(name).expect("scene");
        if [
            "planar-pushing",
            "planar-hand",
            "allegro-sphere",
            "bimanual-planar",
            "bimanual-iiwa",
        ]
        .contains(&name)
        {
            assert!(scene.task.is_some(), "{name} carries its task");
        }
    }
}
