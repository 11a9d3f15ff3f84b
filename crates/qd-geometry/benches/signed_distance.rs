//! Median time of `signed_distance` for every pair class, separated and penetrating.
//!
//! Each configuration is fixed (no randomness): B sits along a tilted direction from A, at a
//! centre distance where the shapes are 5 cm apart or overlap. `cargo xtask bench` reads the
//! results and writes them to `docs/benchmarks.md` with their targets.

use criterion::{Criterion, criterion_group, criterion_main};
use nalgebra::{Isometry3, Point3, Translation3, UnitQuaternion, Vector3};
use qd_geometry::{DistanceMethod, Shape, distance_method, signed_distance};
use std::hint::black_box;
use std::time::Duration;

fn shapes() -> Vec<(&'static str, Shape)> {
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

/// Pose of B at `offset` metres (signed) beyond touching A, found by bisection on the centre
/// distance along a fixed tilted direction.
fn pose_at_offset(a: &Shape, b: &Shape, offset: f64) -> Isometry3<f64> {
    let dir = Vector3::new(0.3, -0.2, 1.0).normalize();
    let rot_b = UnitQuaternion::from_euler_angles(0.4, -0.3, 0.7);
    let pose = |t: f64| Isometry3::from_parts(Translation3::from(dir * t), rot_b);
    let a_pose = Isometry3::from_parts(
        Translation3::identity(),
        UnitQuaternion::from_euler_angles(-0.2, 0.5, 0.1),
    );
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

fn bench_pairs(c: &mut Criterion) {
    let shapes = shapes();
    let a_pose = Isometry3::from_parts(
        Translation3::identity(),
        UnitQuaternion::from_euler_angles(-0.2, 0.5, 0.1),
    );
    let mut group = c.benchmark_group("signed_distance");
    // Nanosecond-scale bodies: 1 s of warm-up and 2 s of samples give stable medians and keep
    // the full `cargo xtask bench` inside its 30-minute budget.
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(2));
    for (i, (name_a, a)) in shapes.iter().enumerate() {
        for (name_b, b) in shapes.iter().skip(i) {
            if matches!((a, b), (Shape::HalfSpace, Shape::HalfSpace)) {
                continue;
            }
            let method = match distance_method(a, b) {
                DistanceMethod::Analytic => "analytic",
                DistanceMethod::General => "general",
            };
            for (state, offset) in [("separated", 0.05), ("penetrating", -0.02)] {
                let b_pose = pose_at_offset(a, b, offset);
                group.bench_function(format!("{name_a}-{name_b}.{state}.{method}"), |bench| {
                    bench.iter(|| {
                        signed_distance(
                            black_box(a),
                            black_box(&a_pose),
                            black_box(b),
                            black_box(&b_pose),
                        )
                    })
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench_pairs);
criterion_main!(benches);
