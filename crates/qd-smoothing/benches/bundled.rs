//! Bundled B (randomized first-order smoothing, 100 samples) of every built-in scene, on one
//! thread and on all of them; for the planar hand also the zero-order fit. Samples step the
//! exact SOCP (the classic bundled gradient) and the cone barrier (the fast path).
//! `cargo xtask bench` reports the thread scaling and the cost relative to analytic smoothing
//! (one barrier step with B) from these figures.

use criterion::{Criterion, criterion_group, criterion_main};
use qd_dynamics::ForwardMode;
use qd_dynamics::QuasiDynamicSystem;
use qd_smoothing::{Derivatives, Smoother, Smoothing};
use std::hint::black_box;
use std::time::Duration;

const SAMPLES: usize = 100;
const SIGMA_U: f64 = 0.05;

fn bench_bundled(c: &mut Criterion) {
    let mut group = c.benchmark_group("bundled_b");
    // Each iteration is 100 steps: fewer, longer samples keep the run short.
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    let all = rayon::ThreadPoolBuilder::new()
        .build()
        .expect("thread pool");
    for name in qd_scenes::names() {
        let mut system = QuasiDynamicSystem::new(qd_scenes::load(name).expect("built-in scene"))
            .expect("step settings");
        let q = system.scene().default_q().to_vec();
        let u = qd_scenes::fixtures::pressing_command(system.scene(), &q, 0.1);
        for (label, mode) in [
            ("socp", ForwardMode::Socp),
            ("log_barrier_cone", ForwardMode::LogBarrierCone),
        ] {
            system.settings_mut().forward_mode = mode;
            let mut orders = vec![("first_order", first_order())];
            if name == "planar-hand" {
                orders.push(("zero_order", zero_order()));
            }
            for (order, method) in orders {
                let smoother = Smoother::new(&system, method, Derivatives::B)
                    .expect("valid smoother")
                    .with_min_valid_fraction(0.05)
                    .expect("valid fraction");
                smoother
                    .linearize(&q, &u)
                    .expect("the benchmarked estimate works");
                for (threads, pool) in [("threads_1", &single), ("threads_all", &all)] {
                    group.bench_function(format!("{name}.{label}.{order}.{threads}"), |b| {
                        b.iter(|| {
                            pool.install(|| {
                                smoother
                                    .linearize(black_box(&q), black_box(&u))
                                    .expect("estimate")
                            })
                        })
                    });
                }
            }
        }
    }
    group.finish();
}

fn first_order() -> Smoothing {
    Smoothing::RandomizedFirstOrder {
        sigma_u: SIGMA_U,
        sigma_q: 0.0,
        samples: SAMPLES,
        seed: 1,
    }
}

fn zero_order() -> Smoothing {
    Smoothing::RandomizedZeroOrder {
        sigma_u: SIGMA_U,
        sigma_q: 0.0,
        samples: SAMPLES,
        seed: 1,
    }
}

criterion_group!(benches, bench_bundled);
criterion_main!(benches);
