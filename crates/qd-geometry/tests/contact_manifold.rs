//! Contact manifolds (issue 19): which contacts a pair with flat faces gets, that each is the
//! exact signed distance of its feature, and that contacts join the manifold continuously.

use nalgebra::{Isometry3, Point3, Translation3, UnitQuaternion, Vector3};
use qd_geometry::manifold::{
    ContactFeature, PairSide, RIM_POINTS, feature_distance, feature_point, pair_manifold,
};
use qd_geometry::scene::Scene;
use qd_geometry::{ContactQuery, Pose, Shape, SignedDistance, signed_distance};

const D_DETECT: f64 = 0.05;

fn manifold(a: &Shape, pa: &Pose, b: &Shape, pb: &Pose) -> Vec<(ContactFeature, SignedDistance)> {
    let closest = signed_distance(a, pa, b, pb).expect("pair distance");
    let mut out = Vec::new();
    pair_manifold((a, pa), (b, pb), &closest, D_DETECT, None, &mut out).expect("manifold");
    out
}

fn posed(x: f64, y: f64, z: f64, roll: f64, pitch: f64, yaw: f64) -> Pose {
    Isometry3::from_parts(
        Translation3::new(x, y, z),
        UnitQuaternion::from_euler_angles(roll, pitch, yaw),
    )
}

/// The lowest point of a shape above the ground along world z, from its definition: the
/// lowest of the given local points at `pose`.
fn lowest(points: &[Point3<f64>], pose: &Pose) -> f64 {
    points
        .iter()
        .map(|p| (pose * p).z)
        .fold(f64::INFINITY, f64::min)
}

fn box_corners(half: [f64; 3]) -> Vec<Point3<f64>> {
    let mut corners = Vec::new();
    for sx in [-1.0, 1.0] {
        for sy in [-1.0, 1.0] {
            for sz in [-1.0, 1.0] {
                corners.push(Point3::new(sx * half[0], sy * half[1], sz * half[2]));
            }
        }
    }
    corners
}

#[test]
fn a_flat_box_on_the_ground_stands_on_its_four_bottom_corners() {
    let ground = Shape::half_space();
    let cube = Shape::cuboid([0.2, 0.3, 0.1]).expect("valid");
    let pose = posed(0.1, -0.2, 0.05, 0.0, 0.0, 0.7);
    let contacts = manifold(&ground, &Pose::identity(), &cube, &pose);
    assert_eq!(contacts.len(), 4, "{contacts:?}");
    let corners = box_corners([0.1, 0.15, 0.05]);
    for (feature, d) in &contacts {
        // Each is a corner point of B (the box), at its own place, on the ground.
        let ContactFeature::Point { side, index } = feature else {
            panic!("closest-point contact kept beside the corners: {feature:?}");
        };
        assert_eq!(*side, PairSide::B);
        let corner = feature_point(&cube, usize::from(*index))
            .expect("in range")
            .0;
        assert!(corners.iter().any(|c| (c - corner).norm() < 1e-15));
        assert!(d.distance.abs() < 1e-12);
        assert!((d.witness_b - pose * corner).norm() < 1e-12);
        assert!((d.normal.into_inner() - Vector3::z()).norm() < 1e-12);
    }
    // The four distinct bottom corners.
    let mut xy: Vec<(i64, i64)> = contacts
        .iter()
        .map(|(_, d)| {
            (
                (d.witness_b.x * 1e6).round() as i64,
                (d.witness_b.y * 1e6).round() as i64,
            )
        })
        .collect();
    xy.sort_unstable();
    xy.dedup();
    assert_eq!(xy.len(), 4);
}

#[test]
fn each_manifold_contact_is_the_distance_of_its_feature_point() {
    // Independent of the code under test: a vertex's distance to the ground is its height, a
    // capsule end's its height minus the radius, a rim point's its height.
    let ground = Shape::half_space();
    let cube = Shape::cuboid([0.2, 0.3, 0.1]).expect("valid");
    let capsule = Shape::capsule(0.03, 0.4).expect("valid");
    let cylinder = Shape::cylinder(0.1, 0.2).expect("valid");
    let tilt = posed(0.0, 0.0, 0.07, 0.15, -0.1, 0.3);
    for shape in [&cube, &capsule, &cylinder] {
        for (feature, d) in manifold(&ground, &Pose::identity(), shape, &tilt) {
            let ContactFeature::Point { index, .. } = feature else {
                // A tilted shape's lowest point is a feature point only for the box.
                assert!(!matches!(shape, Shape::Cuboid { .. }));
                continue;
            };
            let (point, radius) = feature_point(shape, usize::from(index)).expect("in range");
            let expected = (tilt * point).z - radius;
            assert!(
                (d.distance - expected).abs() < 1e-12,
                "{}: {} vs {expected}",
                shape.kind(),
                d.distance
            );
            let again =
                feature_distance(feature, &ground, &Pose::identity(), shape, &tilt).expect("ok");
            assert_eq!(again.distance, d.distance);
        }
    }
}

#[test]
fn capsules_and_cylinders_lying_on_the_ground_touch_at_both_ends_or_around_the_rim() {
    let ground = Shape::half_space();
    let capsule = Shape::capsule(0.03, 0.4).expect("valid");
    // Lying along x, resting on the ground.
    let lying = posed(0.0, 0.0, 0.03, 0.0, std::f64::consts::FRAC_PI_2, 0.0);
    let contacts = manifold(&ground, &Pose::identity(), &capsule, &lying);
    assert_eq!(contacts.len(), 2, "{contacts:?}");
    for (_, d) in &contacts {
        assert!(d.distance.abs() < 1e-12);
    }
    let xs: Vec<f64> = contacts.iter().map(|(_, d)| d.witness_b.x).collect();
    assert!((xs[0] + xs[1]).abs() < 1e-12 && (xs[0] - xs[1]).abs() > 0.39);

    let cylinder = Shape::cylinder(0.1, 0.2).expect("valid");
    let standing = posed(0.0, 0.0, 0.1, 0.0, 0.0, 0.4);
    let contacts = manifold(&ground, &Pose::identity(), &cylinder, &standing);
    assert_eq!(contacts.len(), RIM_POINTS, "{contacts:?}");
    for (_, d) in &contacts {
        assert!(d.distance.abs() < 1e-12);
        assert!(((d.witness_b.x).hypot(d.witness_b.y) - 0.1).abs() < 1e-12);
    }
}

#[test]
fn pairs_without_flat_faces_keep_one_contact() {
    let ball = Shape::sphere(0.1).expect("valid");
    let capsule = Shape::capsule(0.03, 0.4).expect("valid");
    let cube = Shape::cuboid([0.2, 0.3, 0.1]).expect("valid");
    let near = posed(0.0, 0.0, 0.2, 0.0, 0.0, 0.0);
    for (a, b) in [
        (&ball, &cube),
        (&cube, &ball),
        (&capsule, &ball),
        (&capsule, &capsule),
    ] {
        let contacts = manifold(a, &Pose::identity(), b, &near);
        assert_eq!(contacts.len(), 1, "{} – {}", a.kind(), b.kind());
        assert_eq!(contacts[0].0, ContactFeature::Closest);
    }
}

#[test]
fn crossed_edges_keep_the_closest_point_beside_the_corners() {
    // Two long bars crossed at right angles, one resting on the other along an edge: the
    // closest points are on the edges' crossing, which no corner carries.
    let bar = Shape::cuboid([1.0, 0.1, 0.1]).expect("valid");
    let lower = posed(0.0, 0.0, 0.0, std::f64::consts::FRAC_PI_4, 0.0, 0.0);
    let edge_height = 0.05 * 2f64.sqrt();
    let upper = posed(
        0.0,
        0.0,
        2.0 * edge_height + 0.01,
        std::f64::consts::FRAC_PI_4,
        0.0,
        std::f64::consts::FRAC_PI_2,
    );
    let contacts = manifold(&bar, &lower, &bar, &upper);
    let closest = contacts
        .iter()
        .find(|(f, _)| *f == ContactFeature::Closest)
        .expect("the edge–edge contact is kept");
    assert!((closest.1.distance - 0.01).abs() < 1e-9);
    assert!(
        contacts
            .iter()
            .all(|(_, d)| d.distance >= closest.1.distance - 1e-12)
    );
}

/// The contacts of a box on the ground as it tilts: every contact that joins between two
/// poses either joins at d_detect or splits from a contact already there.
#[test]
fn contacts_join_the_manifold_continuously() {
    let ground = Shape::half_space();
    let cube = Shape::cuboid([0.2, 0.3, 0.1]).expect("valid");
    let bar = Shape::cuboid([0.4, 0.1, 0.1]).expect("valid");
    let half = [0.1, 0.15, 0.05];
    let steps = 4000;
    let pose_at = |s: f64| posed(0.02 * s, 0.0, 0.0, 0.6 * s, 0.45 * s, 0.3 * s);
    for (other, other_pose) in [
        (&ground, Pose::identity()),
        (&bar, posed(0.05, 0.02, -0.05, 0.0, 0.0, 0.3)),
    ] {
        let mut previous: Vec<(ContactFeature, SignedDistance)> = Vec::new();
        let mut joined = 0;
        for k in 0..=steps {
            let s = -1.0 + 2.0 * k as f64 / steps as f64;
            let mut pose = pose_at(s);
            // Resting on (or just above) the other shape: the lowest corner 1 mm above z = 0.
            pose.translation.vector.z += 0.001 - lowest(&box_corners(half), &pose);
            let contacts = manifold(other, &other_pose, &cube, &pose);
            for (feature, d) in &contacts {
                if previous.iter().any(|(f, _)| f == feature) || k == 0 {
                    continue;
                }
                joined += 1;
                let at_threshold = d.distance > D_DETECT - 2e-3;
                let split = previous.iter().any(|(_, e)| {
                    (e.distance - d.distance).abs() < 2e-3
                        && (e.witness_b - d.witness_b).norm() < 2e-3
                });
                assert!(
                    at_threshold || split,
                    "{feature:?} joined at φ = {} (s = {s})",
                    d.distance
                );
            }
            previous = contacts;
        }
        println!("{}: {joined} contacts joined", other.kind());
        assert!(joined >= 2, "the sweep saw contacts join ({joined})");
    }
}

#[test]
fn planar_scenes_see_each_corner_once_and_the_manifold_can_be_switched_off() {
    let text = |planar: &str, manifold: bool| {
        format!(
            r#"
name = "box-on-ground"
[parameters]
d_detect = 0.05
contact_manifold = {manifold}
{planar}
[[environment]]
shape = {{ halfspace = {{}} }}
pose = {{ position = [0.0, 0.0, 0.0], quaternion_wxyz = [0.7071067811865476, -0.7071067811865476, 0.0, 0.0] }}
[[objects]]
name = "box"
joint = {{ type = "planar", axes = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]] }}
mass = 1.0
inertia = [0.01, 0.01, 0.01]
default_q = [0.0, 0.1, 0.0]
[[objects.collisions]]
shape = {{ box = {{ size = [0.4, 0.2, 0.2] }} }}
"#
        )
    };
    let count = |planar: &str, manifold: bool| {
        let scene = Scene::from_toml_str(&text(planar, manifold), &|p: &str| {
            Err(format!("no file {p}"))
        })
        .expect("scene loads");
        let mut query = ContactQuery::new();
        query
            .contacts(&scene, scene.default_q(), None)
            .expect("query")
            .len()
    };
    assert_eq!(count("plane_normal = [0.0, 0.0, 1.0]", true), 2);
    assert_eq!(count("", true), 4);
    assert_eq!(count("plane_normal = [0.0, 0.0, 1.0]", false), 1);
}

#[test]
fn a_convex_hull_stands_on_its_vertices_and_a_box_on_its_face() {
    // A wedge (a triangular prism) lying on one rectangular face, and a box on its top edge.
    let wedge = Shape::convex_hull(&[
        Point3::new(-0.1, -0.1, 0.0),
        Point3::new(0.1, -0.1, 0.0),
        Point3::new(-0.1, 0.1, 0.0),
        Point3::new(0.1, 0.1, 0.0),
        Point3::new(-0.1, 0.0, 0.15),
        Point3::new(0.1, 0.0, 0.15),
    ])
    .expect("valid hull");
    let ground = Shape::half_space();
    let resting = posed(0.0, 0.0, 0.0, 0.0, 0.0, 0.3);
    let contacts = manifold(&ground, &Pose::identity(), &wedge, &resting);
    assert_eq!(contacts.len(), 4, "{contacts:?}");
    for (feature, d) in &contacts {
        assert!(matches!(
            feature,
            ContactFeature::Point {
                side: PairSide::B,
                ..
            }
        ));
        assert!(d.distance.abs() < 1e-12);
    }
    // A flat box resting on the wedge's top edge touches along it: the edge's two ends carry
    // it (wedge vertices against the box), the box's bottom corners hang beside.
    let plate = Shape::cuboid([0.4, 0.4, 0.02]).expect("valid");
    let on_edge = posed(0.0, 0.0, 0.16, 0.0, 0.0, 0.0);
    let contacts = manifold(&wedge, &resting, &plate, &on_edge);
    let touching: Vec<_> = contacts
        .iter()
        .filter(|(_, d)| d.distance.abs() < 1e-12)
        .collect();
    assert_eq!(touching.len(), 2, "{contacts:?}");
    for (feature, _) in touching {
        assert!(matches!(
            feature,
            ContactFeature::Point {
                side: PairSide::A,
                ..
            }
        ));
    }
}
