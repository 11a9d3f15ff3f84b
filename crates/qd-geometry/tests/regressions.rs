//! Named regression and error-path tests of the geometry layer.

use nalgebra::{Isometry3, Point3, UnitQuaternion, Vector3};
use qd_geometry::{GeometryError, PoseSpec, Shape, signed_distance, signed_distance_general};

#[test]
fn capsule_touching_halfspace_has_zero_distance() {
    let capsule = Shape::capsule(0.05, 0.3).unwrap();
    // Lying flat (axis along x) with its surface on the ground.
    let lying = Isometry3::from_parts(
        Vector3::new(0.2, -0.1, 0.05).into(),
        UnitQuaternion::from_axis_angle(&Vector3::y_axis(), std::f64::consts::FRAC_PI_2),
    );
    let d = signed_distance(
        &Shape::half_space(),
        &Isometry3::identity(),
        &capsule,
        &lying,
    )
    .unwrap();
    assert!(d.distance.abs() < 1e-15);
    assert!((d.normal.into_inner() - Vector3::z()).norm() < 1e-15);
    // A tie between both ends: the witness is the middle of the touching line.
    assert!((d.witness_b - Point3::new(0.2, -0.1, 0.0)).norm() < 1e-12);
}

#[test]
fn box_resting_on_ground_reports_its_bottom_face_centre() {
    let cuboid = Shape::cuboid([0.2, 0.4, 0.1]).unwrap();
    let resting = Isometry3::translation(1.0, 2.0, 0.05);
    let d = signed_distance(
        &Shape::half_space(),
        &Isometry3::identity(),
        &cuboid,
        &resting,
    )
    .unwrap();
    assert!(d.distance.abs() < 1e-15);
    assert!((d.witness_b - Point3::new(1.0, 2.0, 0.0)).norm() < 1e-15);
}

/// parry 0.31's `contact(shape, halfspace)` uses the wrong relative pose; the general path
/// must still give the right answer with the half-space second.
#[test]
fn general_path_with_halfspace_second_is_correct() {
    let ball = Shape::sphere(0.05).unwrap();
    let plane_above = Isometry3::translation(0.0, 0.0, 0.2617);
    let d = signed_distance_general(
        &ball,
        &Isometry3::identity(),
        &Shape::half_space(),
        &plane_above,
    )
    .unwrap();
    assert!((d.distance + 0.3117).abs() < 1e-12, "φ = {}", d.distance);
    assert!((d.normal.into_inner() + Vector3::z()).norm() < 1e-12);
}

/// Near a configuration where parry's EPA stopped on a wrong face, 2.2 cm short of the true
/// depth (found by the continuity property test).
#[test]
fn deep_box_box_penetration_is_the_minimum_translation() {
    let a = Shape::cuboid([0.85, 0.40, 0.65]).unwrap();
    let b = Shape::cuboid([0.32, 0.29, 0.94]).unwrap();
    let pose_a = Isometry3::from_parts(
        Vector3::new(-0.18, 0.365, -0.271).into(),
        UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(0.0, 0.66, 0.0, 0.751)),
    );
    let pose_b = Isometry3::from_parts(
        Vector3::new(-0.46, -0.272, -0.324).into(),
        UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(0.1935, 0.583, 0.650, -0.447)),
    );
    let d = signed_distance(&a, &pose_a, &b, &pose_b).unwrap();
    assert!(d.distance < 0.0);
    // Moving B by the reported depth along the normal must make the boxes touch, no more.
    let shift = d.normal.into_inner() * -d.distance;
    let moved = Isometry3::translation(shift.x, shift.y, shift.z) * pose_b;
    let after = signed_distance(&a, &pose_a, &b, &moved).unwrap();
    assert!(
        after.distance.abs() < 1e-9,
        "after moving by the depth: φ = {}",
        after.distance
    );
}

#[test]
fn two_halfspaces_are_an_error_not_a_panic() {
    let h = Shape::half_space();
    let err = signed_distance(&h, &Isometry3::identity(), &h, &Isometry3::identity()).unwrap_err();
    assert_eq!(err, GeometryError::HalfSpacePair);
}

#[test]
fn invalid_dimensions_are_rejected() {
    assert!(Shape::sphere(0.0).is_err());
    assert!(Shape::sphere(f64::NAN).is_err());
    assert!(Shape::capsule(0.1, -1.0).is_err());
    assert!(Shape::cuboid([1.0, f64::INFINITY, 1.0]).is_err());
    assert!(Shape::cylinder(-0.1, 1.0).is_err());
}

#[test]
fn degenerate_hulls_are_rejected() {
    let flat = [
        Point3::new(0.0, 0.0, 0.0),
        Point3::new(1.0, 0.0, 0.0),
        Point3::new(0.0, 1.0, 0.0),
        Point3::new(1.0, 1.0, 0.0),
    ];
    assert!(matches!(
        Shape::convex_hull(&flat),
        Err(GeometryError::InvalidHull(_))
    ));
    assert!(Shape::convex_hull(&flat[..3]).is_err());
    let with_nan = [flat[0], flat[1], flat[2], Point3::new(0.0, 0.0, f64::NAN)];
    assert!(Shape::convex_hull(&with_nan).is_err());
}

#[test]
fn non_finite_pose_is_an_error() {
    let ball = Shape::sphere(0.1).unwrap();
    let bad = Isometry3::translation(f64::NAN, 0.0, 0.0);
    assert!(matches!(
        signed_distance(&ball, &bad, &ball, &Isometry3::identity()),
        Err(GeometryError::InvalidPose(_))
    ));
}

#[test]
// The rounded 0.7071 is the point: it is what people type for cos(45°).
#[allow(clippy::approx_constant)]
fn pose_spec_normalises_small_errors_and_rejects_large_ones() {
    let almost = PoseSpec {
        position: [0.0; 3],
        quaternion_wxyz: [0.7071, 0.7071, 0.0, 0.0],
    };
    let pose = almost.to_pose().unwrap();
    assert!((pose.rotation.quaternion().norm() - 1.0).abs() < 1e-15);
    let wrong = PoseSpec {
        position: [0.0; 3],
        quaternion_wxyz: [1.0, 1.0, 0.0, 0.0],
    };
    assert!(wrong.to_pose().is_err());
    let zero = PoseSpec {
        position: [0.0; 3],
        quaternion_wxyz: [0.0; 4],
    };
    assert!(zero.to_pose().is_err());
}

/// Shapes and positions far outside any robot's world were handed to parry, which panicked
/// (index out of bounds at ≥ 1e200) or answered with witness points that break
/// p_B − p_A = φ n (sizes ≥ 1e9). They are refused with the documented range instead.
#[test]
fn sizes_and_positions_beyond_the_documented_range_are_refused() {
    use qd_geometry::{LENGTH_RANGE, WORLD_EXTENT};
    for size in [
        1e200,
        1e9,
        2.0 * LENGTH_RANGE.1,
        0.5 * LENGTH_RANGE.0,
        -1.0,
        f64::NAN,
    ] {
        let error = Shape::sphere(size).expect_err("refused").to_string();
        assert!(error.contains("1e-6 to 1e6 m"), "{size}: {error}");
        assert!(Shape::cuboid([0.1, size, 0.1]).is_err(), "{size}");
        assert!(Shape::capsule(0.1, size).is_err(), "{size}");
        assert!(Shape::cylinder(size, 0.1).is_err(), "{size}");
    }
    assert!(Shape::sphere(LENGTH_RANGE.1).is_ok() && Shape::sphere(LENGTH_RANGE.0).is_ok());
    let ball = Shape::sphere(0.1).expect("sphere");
    let here = Isometry3::identity();
    for far in [1e200, 2.0 * WORLD_EXTENT] {
        let there = Isometry3::translation(far, 0.0, 0.0);
        let error = signed_distance(&ball, &here, &ball, &there)
            .expect_err("refused")
            .to_string();
        assert!(error.contains("extent"), "{far}: {error}");
    }
    let edge = Isometry3::translation(WORLD_EXTENT, 0.0, 0.0);
    assert!(signed_distance(&ball, &here, &ball, &edge).is_ok());
}
