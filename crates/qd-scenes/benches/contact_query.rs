//! Forward kinematics and the full contact query (φ, normals, tangents, J_n, J_t) at the
//! default configuration of each built-in scene.

use criterion::{Criterion, criterion_group, criterion_main};
use qd_geometry::ContactQuery;
use qd_geometry::kinematics::KinematicsCache;
use std::hint::black_box;
use std::time::Duration;

fn bench_scenes(c: &mut Criterion) {
    let mut group = c.benchmark_group("contact_query");
    // Nanosecond-scale bodies: 1 s of warm-up and 2 s of samples give stable medians and keep
    // the full `cargo xtask bench` inside its 30-minute budget.
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(2));
    for name in qd_scenes::names() {
        let scene = qd_scenes::load(name).expect("built-in scene loads");
        let q = scene.default_q().to_vec();
        let mut cache = KinematicsCache::default();
        group.bench_function(format!("{name}.kinematics"), |b| {
            b.iter(|| {
                cache
                    .update(black_box(scene.tree()), black_box(&q))
                    .expect("valid q")
            })
        });
        let mut query = ContactQuery::new();
        group.bench_function(format!("{name}.contacts"), |b| {
            b.iter(|| {
                query
                    .contacts(black_box(&scene), black_box(&q), None)
                    .expect("valid q")
                    .len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_scenes);
criterion_main!(benches);
