//! Median time of `signed_distance` for every pair class, separated and penetrating.
//!
//! Each configuration is fixed (no randomness): B sits along a tilted direction from A, at a
//! centre distance where the shapes are 5 cm apart or overlap. `cargo xtask bench` reads the
//! results and writes them to `docs/benchmarks.md` with their targets.

mod pairs;

use criterion::{Criterion, criterion_group, criterion_main};
use pairs::{pose_a, pose_at_offset, shapes};
use qd_geometry::{DistanceMethod, Shape, distance_method, signed_distance};
use std::hint::black_box;
use std::time::Duration;

fn bench_pairs(c: &mut Criterion) {
    let shapes = shapes();
    let a_pose = pose_a();
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
