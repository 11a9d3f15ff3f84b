//! A scene built in code is the scene its file describes: the planar-pushing system built
//! with `SceneBuilder` against the built-in scene file.

use qd_geometry::scene::{ObjectBuilder, RobotBuilder, Scene, SceneBuilder};
use qd_geometry::{PoseSpec, ShapeSpec};

const FILE: &str = include_str!("../../qd-scenes/scenes/planar-pushing.toml");

fn from_file() -> Scene {
    Scene::from_toml_str(FILE, &|p: &str| Err(format!("no file {p}"))).expect("built-in scene")
}

fn in_code() -> Scene {
    let origin = PoseSpec::at([0.0; 3]);
    let pusher = RobotBuilder::new("pusher", 100.0)
        .link("base", &[])
        .link("carriage", &[])
        .link_mass(0.1, [0.0; 3])
        .link("tip", &[(ShapeSpec::Sphere { radius: 0.05 }, origin)])
        .link_mass(0.1, [0.0; 3])
        .prismatic("x", ["base", "carriage"], origin, [1.0, 0.0, 0.0])
        .prismatic("y", ["carriage", "tip"], origin, [0.0, 1.0, 0.0])
        .default_q(&[0.0, 0.7]);
    let block = ObjectBuilder::planar("box", [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        .mass(1.0, [0.0042, 0.0042, 0.0067])
        .collision(
            ShapeSpec::Box {
                size: [0.2, 0.2, 0.1],
            },
            origin,
        )
        .default_q(&[0.0, 0.5, 0.0]);
    SceneBuilder::new("planar-pushing")
        .d_detect(0.5)
        .plane_normal([0.0, 0.0, 1.0])
        .default_friction(0.5)
        .parameter("h", 0.1)
        .robot(pusher)
        .object(block)
        .build()
        .expect("valid scene")
}

#[test]
fn a_scene_built_in_code_is_the_scene_of_its_file() {
    let (file, code) = (from_file(), in_code());
    assert_eq!(file.tree().nq(), code.tree().nq());
    assert_eq!(file.tree().nv(), code.tree().nv());
    assert_eq!(file.default_q(), code.default_q());
    assert_eq!(file.d_detect(), code.d_detect());
    assert_eq!(file.plane_normal(), code.plane_normal());
    assert_eq!(file.split().actuated, code.split().actuated);
    assert_eq!(file.split().unactuated_q, code.split().unactuated_q);
    assert_eq!(file.split().stiffness, code.split().stiffness);
    let names = |scene: &Scene| -> Vec<String> {
        scene
            .tree()
            .joints()
            .iter()
            .map(|j| j.name.clone())
            .collect()
    };
    assert_eq!(names(&file), names(&code));
    assert_eq!(file.geometries().len(), code.geometries().len());
    for (a, b) in file.geometries().iter().zip(code.geometries()) {
        assert_eq!(a.link, b.link);
        assert_eq!(format!("{:?}", a.shape), format!("{:?}", b.shape));
        assert_eq!(a.friction, b.friction);
        assert_eq!(a.link_from_geometry, b.link_from_geometry);
    }
    for (a, b) in file.tree().links().iter().zip(code.tree().links()) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.inertia.mass, b.inertia.mass);
    }
    // The step's entries reach the layers above as from the file.
    let h = |scene: &Scene| {
        scene
            .section("parameters")
            .and_then(|p| p.get("h"))
            .cloned()
    };
    assert_eq!(h(&file), h(&code));
}

#[test]
fn a_scene_built_in_code_is_checked_like_a_file() {
    let bad = SceneBuilder::new("bad")
        .object(
            ObjectBuilder::free("ball")
                .mass(-1.0, [1e-3; 3])
                .collision(ShapeSpec::Sphere { radius: 0.1 }, PoseSpec::at([0.0; 3])),
        )
        .build()
        .expect_err("negative mass");
    assert!(bad.to_string().contains("mass"), "{bad}");
    let unknown = SceneBuilder::new("bad")
        .robot(
            RobotBuilder::new("arm", 10.0)
                .link("base", &[])
                .link("tip", &[])
                .revolute(
                    "elbow",
                    ["base", "nowhere"],
                    PoseSpec::at([0.0; 3]),
                    [0.0, 0.0, 1.0],
                ),
        )
        .build()
        .expect_err("unknown link");
    assert!(unknown.to_string().contains("nowhere"), "{unknown}");
}
