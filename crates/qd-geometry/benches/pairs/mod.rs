//! The fixed shape pairs of the signed-distance benchmark, shared with
//! `examples/distance_loop.rs` (which counts their instructions): every shape kind at one
//! size, A at a fixed pose, B along a tilted direction at a chosen signed gap.

use nalgebra::{Isometry3, Point3, Translation3, UnitQuaternion, Vector3};
use qd_geometry::{Shape, signed_distance};

/// One shape of each kind, with its name.
pub fn shapes() -> Vec<(&'static str, Shape)> {
    let tetra = [
        Point3::new(0.1, 0.0, -0.05),
        Point3::new(-0.05, 0.09, -0.05),
        Point3::new(-0.05, -0.09, -0.05),
        Point3::new(0.0, 0.0, 0.1),
    ];
    vec![
        ("sphere", Shape::sphere(0.1).expect("valid")),
        ("capsule", Shape::capsule(0.05, 0.2).expect("valid")),
        ("box", Shape::cuboid([0.2, 0.15, 0.1]).expect("valid")),
        ("cylinder", Shape::cylinder(0.08, 0.2).expect("valid")),
        ("halfspace", Shape::half_space()),
        ("convex", Shape::convex_hull(&tetra).expect("valid")),
    ]
}

/// The pose of A in every pair.
pub fn pose_a() -> Isometry3<f64> {
    Isometry3::from_parts(
        Translation3::identity(),
        UnitQuaternion::from_euler_angles(-0.2, 0.5, 0.1),
    )
}

/// Pose of B at `offset` metres (signed) beyond touching A, found by bisection on the centre
/// distance along a fixed tilted direction.
pub fn pose_at_offset(a: &Shape, b: &Shape, offset: f64) -> Isometry3<f64> {
    let dir = Vector3::new(0.3, -0.2, 1.0).normalize();
    let rot_b = UnitQuaternion::from_euler_angles(0.4, -0.3, 0.7);
    let pose = |t: f64| Isometry3::from_parts(Translation3::from(dir * t), rot_b);
    let a_pose = pose_a();
    let phi = |t: f64| {
        signed_distance(a, &a_pose, b, &pose(t))
            .expect("valid pair")
            .distance
            - offset
    };
    let (mut lo, mut hi) = (-2.0, 2.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if phi(mid) > 0.0 { hi = mid } else { lo = mid }
    }
    pose(hi)
}
