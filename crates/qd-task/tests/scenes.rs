//! The built-in scenes' tasks and grasp data: every grasp synergy closes the robots on the
//! object from the open pose, and tasks that do not fit their scene are refused, naming the
//! field.

use qd_geometry::ContactQuery;
use qd_geometry::grasp::{close_until_contact, robot_object_gap};
use qd_geometry::scene::Scene;
use qd_task::{Grasp, Task};

#[test]
fn every_grasp_synergy_reaches_the_object_from_the_open_pose() {
    for name in [
        "planar-hand",
        "allegro-sphere",
        "bimanual-planar",
        "bimanual-iiwa",
    ] {
        let scene = qd_scenes::load(name).expect("scene");
        let grasp = Grasp::from_scene(&scene)
            .expect("valid grasp data")
            .expect("grasp data");
        let q = grasp.opened(&scene, scene.default_q());
        for synergy in &grasp.synergies {
            let closed = close_until_contact(&scene, &q, &synergy.direction, 0, 1e-4, 3.0)
                .expect("query")
                .unwrap_or_else(|| panic!("{name}: synergy {} does not reach", synergy.name));
            let gap = robot_object_gap(&scene, &mut ContactQuery::new(), &closed, 0, 1.0)
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
        // The model loads; the task layer refuses what does not fit it.
        let scene = Scene::from_toml_str(&modified, &files).expect("the model is unchanged");
        let error = Task::from_scene(&scene)
            .map(|_| ())
            .and_then(|()| Grasp::from_scene(&scene).map(|_| ()))
            .expect_err("must be rejected");
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
            let task = Task::from_scene(&scene).expect("a valid task");
            assert!(task.is_some(), "{name} carries its task");
        }
    }
}

#[test]
fn unknown_keys_are_refused_by_the_section_that_owns_them() {
    let text = qd_scenes::source("planar-hand").expect("scene");
    let files = |p: &str| Err(format!("no file {p}"));
    // A misspelt shared key of [task] and a stray value are errors naming the key.
    for (from, to, named) in [
        (
            "[task]\ndescription = ",
            "[task]\ndescripton = ",
            "descripton",
        ),
        ("[task.goal]", "[task.gaol]", "goal"),
    ] {
        let modified = text.replacen(from, to, 1);
        assert_ne!(modified, text, "the edit must apply ({from})");
        let scene = Scene::from_toml_str(&modified, &files).expect("the model loads");
        let outcome = Task::from_scene(&scene).and_then(|task| {
            task.expect("a task")
                .check_planner_sections(&["trajopt", "rrt", "sampling"])
        });
        let error = outcome.expect_err("must be refused");
        assert!(error.to_string().contains(named), "{named}: {error}");
    }
    // Planner tables the task layer does not know are kept for their planners.
    let scene = qd_scenes::load("planar-hand").expect("scene");
    let task = Task::from_scene(&scene).expect("task").expect("a task");
    let mut sections: Vec<&str> = task.planner_sections().collect();
    sections.sort_unstable();
    assert_eq!(sections, ["rrt", "sampling", "trajopt"]);
    assert!(task.check_planner_sections(&["rrt", "sampling"]).is_err());
}
