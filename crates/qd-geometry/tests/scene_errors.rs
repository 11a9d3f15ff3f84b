//! Bad scene files get clear errors naming what is wrong, never a panic.

use qd_geometry::scene::Scene;

fn load(text: &str) -> Result<Scene, String> {
    Scene::from_toml_str(text, &|p: &str| Err(format!("no file '{p}' in this test")))
        .map_err(|e| e.to_string())
}

const PUSHER: &str = r#"
name = "t"
[[robots]]
name = "pusher"
stiffness = 100.0
[[robots.links]]
name = "base"
[[robots.links]]
name = "tip"
[[robots.links.collisions]]
shape = { sphere = { radius = 0.05 } }
[[robots.joints]]
name = "x"
type = "prismatic"
parent = "base"
child = "tip"
axis = [1.0, 0.0, 0.0]
"#;

#[test]
fn a_minimal_inline_robot_loads() {
    let scene = load(PUSHER).expect("valid scene");
    assert_eq!(scene.na(), 1);
    assert_eq!(scene.split().stiffness, vec![100.0]);
    assert_eq!(
        scene.tree().link_id("pusher/tip").map(|l| l.index()),
        Some(2)
    );
}

#[test]
fn geometry_names_are_qualified_once() {
    let names = |text: &str| -> Vec<String> {
        let scene = load(text).expect("valid scene");
        scene.geometries().iter().map(|g| g.name.clone()).collect()
    };
    assert_eq!(names(PUSHER), ["pusher/tip/0"], "the default name");
    let named = PUSHER.replace(
        "[[robots.links.collisions]]\n",
        "[[robots.links.collisions]]\nname = \"ball\"\n",
    );
    assert_eq!(names(&named), ["pusher/ball"]);
    let qualified = named.replace("name = \"ball\"", "name = \"pusher/ball\"");
    assert_eq!(
        names(&qualified),
        ["pusher/ball"],
        "as written, not pusher/pusher/ball"
    );
}

#[test]
fn unknown_keys_are_reported_with_their_name() {
    let err =
        load(&PUSHER.replace("stiffness = 100.0", "stiffness = 100.0\nstifness = 3")).unwrap_err();
    assert!(err.contains("stifness"), "{err}");
    assert!(!err.contains('\n'), "one line: {err}");
}

#[test]
fn malformed_toml_is_an_error() {
    assert!(load("name = ").is_err());
}

#[test]
fn missing_urdf_names_the_file() {
    let err =
        load("name = \"t\"\n[[robots]]\nname = \"r\"\nurdf = \"missing.urdf\"\nstiffness = 1.0\n")
            .unwrap_err();
    assert!(err.contains("missing.urdf"), "{err}");
}

#[test]
fn wrong_stiffness_count_is_an_error() {
    let err = load(&PUSHER.replace("stiffness = 100.0", "stiffness = [1.0, 2.0]")).unwrap_err();
    assert!(err.contains("stiffness"), "{err}");
}

#[test]
fn unknown_body_in_filter_is_an_error() {
    let text = format!("{PUSHER}\n[collision_filter]\nignore_pairs = [[\"pusher\", \"nobody\"]]\n");
    let err = load(&text).unwrap_err();
    assert!(err.contains("nobody"), "{err}");
}

#[test]
fn unactuated_robot_joint_is_an_error() {
    let err =
        load(&PUSHER.replace("stiffness = 100.0", "stiffness = 100.0\nactuated = []")).unwrap_err();
    assert!(err.contains("not actuated"), "{err}");
}

#[test]
fn object_default_q_of_wrong_length_is_an_error() {
    let text = format!(
        "{PUSHER}\n[[objects]]\nname = \"ball\"\njoint = {{ type = \"free\" }}\nmass = 1.0\ninertia = [0.004, 0.004, 0.004]\ndefault_q = [0.0, 0.0]\n"
    );
    let err = load(&text).unwrap_err();
    assert!(err.contains("default_q"), "{err}");
}

#[test]
fn bad_model_parameters_are_errors() {
    // Each named with its value, on one line. (The step's parameters — h, κ, gravity, nd,
    // mass_scale — are checked by the dynamics layer that owns them.)
    for (line, name) in [
        ("d_detect = -0.1", "d_detect"),
        ("d_detect = inf", "d_detect"),
        ("default_friction = -0.5", "default_friction"),
        ("plane_normal = [0.0, 0.0, 0.0]", "plane_normal"),
        ("d_detect = \"far\"", "d_detect"),
    ] {
        let err = load(&format!("{PUSHER}\n[parameters]\n{line}\n")).unwrap_err();
        assert!(err.contains(name), "{line}: {err}");
        assert!(!err.contains('\n'), "{line}: {err}");
    }
}

#[test]
fn the_step_parameters_and_the_task_are_kept_for_the_layers_above() {
    let text = format!(
        "{PUSHER}\n[parameters]\nd_detect = 0.02\nkappa = 5.0\nh = -1.0\n[task]\nfoo = 1\n[grasp]\nbar = 2\n"
    );
    // The model reads its own keys and does not judge the others.
    let scene = load(&text).expect("the model is valid");
    assert_eq!(scene.d_detect(), 0.02);
    let parameters = scene.section("parameters").expect("kept");
    assert!(parameters.contains_key("kappa") && parameters.contains_key("h"));
    assert!(!parameters.contains_key("d_detect"));
    assert!(scene.section("task").is_some_and(|t| t.contains_key("foo")));
    assert!(
        scene
            .section("grasp")
            .is_some_and(|g| g.contains_key("bar"))
    );
    // Top-level sections nobody owns are still errors.
    let err = load(&format!("{PUSHER}\n[taks]\nfoo = 1\n")).unwrap_err();
    assert!(err.contains("taks"), "{err}");
}

/// A free ball with the given mass-property lines.
fn ball(mass_lines: &str) -> String {
    format!(
        "{PUSHER}\n[[objects]]\nname = \"ball\"\njoint = {{ type = \"free\" }}\n{mass_lines}\n\
         default_q = [0.5, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]\n[[objects.collisions]]\n\
         shape = {{ sphere = {{ radius = 0.1 }} }}\n"
    )
}

#[test]
fn objects_need_mass_properties_a_rigid_body_can_have() {
    assert!(load(&ball("mass = 1.0\ninertia = [0.004, 0.004, 0.004]")).is_ok());
    for (lines, expected) in [
        (
            "mass = inf\ninertia = [0.004, 0.004, 0.004]",
            "mass must be finite",
        ),
        (
            "mass = 0.0\ninertia = [0.004, 0.004, 0.004]",
            "mass must be > 0",
        ),
        ("mass = 1.0\ninertia = [inf, 0.004, 0.004]", "entry 0"),
        ("mass = 1.0", "not a rigid body"),
        (
            "mass = 1.0\ninertia = [0.004, 0.004, 0.1]",
            "not a rigid body",
        ),
        (
            "mass = 1.0\ninertia = [0.004, 0.004, 0.004]\ncom = [0.0, nan, 0.0]",
            "centre of mass",
        ),
    ] {
        let err = load(&ball(lines)).unwrap_err();
        assert!(
            err.contains("object 'ball'") && err.contains(expected),
            "{lines}: {err}"
        );
    }
    // A prismatic object cannot turn: its moments are not needed.
    let slider = format!(
        "{PUSHER}\n[[objects]]\nname = \"box\"\njoint = {{ type = \"prismatic\", axis = [1.0, 0.0, 0.0] }}\n\
         mass = 1.0\ndefault_q = [0.5]\n[[objects.collisions]]\nshape = {{ box = {{ size = [0.1, 0.1, 0.1] }} }}\n"
    );
    assert!(load(&slider).is_ok());
}

#[test]
fn robot_links_with_non_finite_mass_are_errors() {
    let err =
        load(&PUSHER.replace("name = \"tip\"\n", "name = \"tip\"\nmass = inf\n")).unwrap_err();
    assert!(err.contains("link 'tip'") && err.contains("mass"), "{err}");
}

#[test]
fn urdf_values_that_are_not_finite_name_their_joint_or_link() {
    let urdf = |origin: &str, mass: &str| {
        format!(
            r#"<robot name="r"><link name="base"/>
<link name="l1"><inertial><mass value="{mass}"/><inertia ixx="1" iyy="1" izz="1" ixy="0" ixz="0" iyz="0"/></inertial>
<collision><geometry><sphere radius="0.05"/></geometry></collision></link>
<joint name="j1" type="revolute"><parent link="base"/><child link="l1"/><origin xyz="{origin}"/>
<axis xyz="0 0 1"/><limit lower="-1" upper="1" effort="1" velocity="1"/></joint></robot>"#
        )
    };
    let scene = "name = \"u\"\n[[robots]]\nname = \"arm\"\nurdf = \"r.urdf\"\nstiffness = [10.0]\n";
    let load_with = |text: String| {
        Scene::from_toml_str(scene, &move |_: &str| Ok(text.clone().into_bytes()))
            .map_err(|e| e.to_string())
    };
    assert!(load_with(urdf("0 0 0", "0.1")).is_ok());
    let err = load_with(urdf("0 nan 0", "0.1")).unwrap_err();
    assert!(err.contains("j1") && err.contains("non-finite"), "{err}");
    let err = load_with(urdf("0 0 0", "nan")).unwrap_err();
    assert!(err.contains("l1") && err.contains("mass"), "{err}");
    assert!(!err.contains('\n'), "one line: {err}");
}
