//! The reference URDFs of `shared/models/reference/` load, with the right structure, limits and
//! kinematics (issue 3 acceptance). The expected fingertip positions are chained by hand here
//! from the numbers in the URDF, with explicit rotation matrices.

use nalgebra::{Matrix3, Vector3};
use qd_geometry::kinematics::KinematicsCache;
use qd_geometry::scene::Scene;
use std::path::PathBuf;

/// `shared/models/reference`, beside the repository (as in CI and the development checkout).
fn reference_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models/reference");
    assert!(
        dir.is_dir(),
        "the reference models are expected at {} (shared/ beside the repository)",
        dir.display()
    );
    dir
}

fn load(robot_toml: &str) -> Scene {
    let dir = reference_dir();
    let files = move |p: &str| std::fs::read(dir.join(p)).map_err(|e| e.to_string());
    Scene::from_toml_str(robot_toml, &files).expect("scene loads")
}

fn rot_x(a: f64) -> Matrix3<f64> {
    let (s, c) = a.sin_cos();
    Matrix3::new(1.0, 0.0, 0.0, 0.0, c, -s, 0.0, s, c)
}
fn rot_y(a: f64) -> Matrix3<f64> {
    let (s, c) = a.sin_cos();
    Matrix3::new(c, 0.0, s, 0.0, 1.0, 0.0, -s, 0.0, c)
}
fn rot_z(a: f64) -> Matrix3<f64> {
    let (s, c) = a.sin_cos();
    Matrix3::new(c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0)
}

/// Index fingertip (origin of `link_3_tip`) of the Allegro hand for joints 0–3, chained from
/// the URDF: palm at z = 0.095 under the root; joint_0 at (0, 0.0435, −0.001542) with roll
/// −0.08726646255, axis z; joint_1 at z = 0.0164, axis y; joint_2 at z = 0.054, axis y;
/// joint_3 at z = 0.0384, axis y; tip at z = 0.0267.
fn index_tip_by_hand(q: [f64; 4]) -> Vector3<f64> {
    let mut rotation = Matrix3::identity();
    let mut position = Vector3::new(0.0, 0.0, 0.095);
    position += rotation * Vector3::new(0.0, 0.0435, -0.001542);
    rotation = rotation * rot_x(-0.08726646255) * rot_z(q[0]);
    position += rotation * Vector3::new(0.0, 0.0, 0.0164);
    rotation *= rot_y(q[1]);
    position += rotation * Vector3::new(0.0, 0.0, 0.054);
    rotation *= rot_y(q[2]);
    position += rotation * Vector3::new(0.0, 0.0, 0.0384);
    rotation *= rot_y(q[3]);
    position + rotation * Vector3::new(0.0, 0.0, 0.0267)
}

const ALLEGRO: &str = r#"
name = "allegro-only"
[[robots]]
name = "allegro"
urdf = "allegro_hand_right.urdf"
stiffness = 100.0
"#;

#[test]
fn allegro_has_sixteen_actuated_joints_with_the_files_limits() {
    let scene = load(ALLEGRO);
    assert_eq!(scene.na(), 16);
    assert_eq!(scene.tree().nq(), 16);
    assert_eq!(scene.tree().nv(), 16);
    // (joint, lower, upper) as written in allegro_hand_right.urdf.
    for (name, lower, upper) in [
        ("joint_0", -0.47, 0.47),
        ("joint_1", -0.196, 1.61),
        ("joint_2", -0.174, 1.709),
        ("joint_3", -0.227, 1.618),
        ("joint_12", 0.263, 1.396),
        ("joint_13", -0.105, 1.163),
        ("joint_15", -0.162, 1.719),
    ] {
        let id = scene
            .tree()
            .joint_id(&format!("allegro/{name}"))
            .expect("joint exists");
        assert_eq!(
            scene.tree().joints()[id].limits,
            Some((lower, upper)),
            "{name}"
        );
    }
    // Visual meshes are ignored; only collision primitives become geometry (21 in the file).
    assert_eq!(scene.geometries().len(), 21);
}

#[test]
fn allegro_index_fingertip_matches_transforms_chained_by_hand() {
    let scene = load(ALLEGRO);
    let tip = scene
        .tree()
        .link_id("allegro/link_3_tip")
        .expect("tip link");
    let mut cache = KinematicsCache::default();
    for finger_q in [[0.0; 4], [0.3, 0.5, 0.4, -0.2]] {
        let mut q = vec![0.0; 16];
        for (k, value) in finger_q.iter().enumerate() {
            let joint = scene
                .tree()
                .joint_id(&format!("allegro/joint_{k}"))
                .expect("joint");
            q[scene.tree().joints()[joint].q_start] = *value;
        }
        cache.update(scene.tree(), &q).expect("valid q");
        let computed = cache.world_from_link[tip].translation.vector;
        let expected = index_tip_by_hand(finger_q);
        assert!(
            (computed - expected).norm() < 1e-12,
            "q = {finger_q:?}: {computed:?} vs {expected:?}"
        );
    }
}

#[test]
fn iiwa_has_seven_revolute_joints() {
    let scene = load(
        r#"
name = "iiwa-only"
[[robots]]
name = "iiwa"
urdf = "iiwa14_primitive_collision.urdf"
stiffness = [800.0, 600.0, 600.0, 600.0, 400.0, 200.0, 200.0]
"#,
    );
    assert_eq!(scene.na(), 7);
    assert_eq!((scene.tree().nq(), scene.tree().nv()), (7, 7));
    let joint_1 = scene.tree().joint_id("iiwa/iiwa_joint_1").expect("joint");
    assert_eq!(
        scene.tree().joints()[joint_1].limits,
        Some((-2.96705972839, 2.96705972839))
    );
}

/// A two-link URDF with one revolute joint; `{origin}` and `{mass}` are filled in.
const TWO_LINKS: &str = r#"<robot name="arm">
  <link name="base"/>
  <link name="upper">
    <inertial><mass value="{mass}"/><inertia ixx="0.01" ixy="0" ixz="0" iyy="0.01" iyz="0" izz="0.01"/></inertial>
  </link>
  <joint name="shoulder" type="revolute">
    <parent link="base"/><child link="upper"/>
    <origin xyz="{origin}" rpy="0 0 0"/>
    <axis xyz="0 0 1"/>
    <limit lower="-1" upper="1" effort="1" velocity="1"/>
  </joint>
</robot>"#;

#[test]
fn non_finite_urdf_values_are_errors_naming_the_joint_or_link() {
    let urdf = |origin: &str, mass: &str| {
        TWO_LINKS
            .replace("{origin}", origin)
            .replace("{mass}", mass)
    };
    assert!(qd_geometry::urdf::UrdfModel::from_urdf_str(&urdf("0 0 0.1", "1.0")).is_ok());
    for (origin, mass, expected) in [
        ("0 NaN 0.1", "1.0", "joint 'shoulder'"),
        ("0 0 inf", "1.0", "joint 'shoulder'"),
        ("0 0 0.1", "NaN", "link 'upper'"),
        ("0 0 0.1", "-1.0", "link 'upper'"),
    ] {
        let error = qd_geometry::urdf::UrdfModel::from_urdf_str(&urdf(origin, mass))
            .expect_err("refused")
            .to_string();
        assert!(error.contains(expected), "{origin} / {mass}: {error}");
        assert!(!error.contains('\n'), "one line: {error}");
    }
}
