//! Repeats one signed-distance query of the benchmark set N times (a profiling aid): under
//! `valgrind --tool=callgrind` the instruction count per query does not drift with the
//! machine's load the way timings do.
//!
//! `cargo run --release -p qd-geometry --example distance_loop -- KIND_A KIND_B OFFSET [N]`
//! with kinds sphere, capsule, box, cylinder, convex and OFFSET the signed gap in metres
//! (the benchmarks use 0.05 and −0.02). The shapes and poses are the benchmark's.

use nalgebra::{Isometry3, Point3, Translation3, UnitQuaternion, Vector3};
use qd_geometry::{Shape, signed_distance};
use std::hint::black_box;

fn shape(kind: &str) -> Result<Shape, Box<dyn std::error::Error>> {
    let tetra = [
        Point3::new(0.1, 0.0, -0.05),
        Point3::new(-0.05, 0.09, -0.05),
        Point3::new(-0.05, -0.09, -0.05),
        Point3::new(0.0, 0.0, 0.1),
    ];
    Ok(match kind {
        "sphere" => Shape::sphere(0.1)?,
        "capsule" => Shape::capsule(0.05, 0.2)?,
        "box" => Shape::cuboid([0.2, 0.15, 0.1])?,
        "cylinder" => Shape::cylinder(0.08, 0.2)?,
        "convex" => Shape::convex_hull(&tetra)?,
        other => return Err(format!("unknown kind '{other}'").into()),
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: distance_loop KIND_A KIND_B OFFSET [N]";
    let (Some(kind_a), Some(kind_b), Some(offset)) = (args.first(), args.get(1), args.get(2))
    else {
        return Err(usage.into());
    };
    let (a, b) = (shape(kind_a)?, shape(kind_b)?);
    let offset: f64 = offset.parse()?;
    let count: usize = args.get(3).map_or(Ok(1000), |s| s.parse())?;
    // B along a fixed tilted direction from A, at the centre distance where φ = offset.
    let dir = Vector3::new(0.3, -0.2, 1.0).normalize();
    let rot_b = UnitQuaternion::from_euler_angles(0.4, -0.3, 0.7);
    let pose_b = |t: f64| Isometry3::from_parts(Translation3::from(dir * t), rot_b);
    let pose_a = Isometry3::from_parts(
        Translation3::identity(),
        UnitQuaternion::from_euler_angles(-0.2, 0.5, 0.1),
    );
    let (mut lo, mut hi) = (-2.0, 2.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        let phi = signed_distance(&a, &pose_a, &b, &pose_b(mid))?.distance - offset;
        if phi > 0.0 { hi = mid } else { lo = mid }
    }
    let pose_b = pose_b(hi);
    for _ in 0..count {
        black_box(signed_distance(
            black_box(&a),
            &pose_a,
            black_box(&b),
            &pose_b,
        )?);
    }
    Ok(())
}
