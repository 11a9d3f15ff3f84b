//! One step of each built-in scene in every forward mode, with the robots commanded a little
//! past their default configuration (so contacts are active); then the same steps with their
//! derivatives (gradient modes B and AB), whose cost `cargo xtask bench` reports relative to
//! the plain step. Each step is [`QuasiDynamicSystem::step_into`] a kept result — the
//! form loops use, which allocates nothing on the barrier forms; `step` adds the result's
//! allocation (measured separately by the `step_allocating` group on two scenes).

use criterion::{Criterion, criterion_group, criterion_main};
use qd_dynamics::{ForwardMode, GradientMode};
use qd_dynamics::{QuasiDynamicSystem, StepResult, StepSettings, StepWorkspace};
use std::hint::black_box;
use std::time::Duration;

/// Shorter than criterion's defaults (3 s + 5 s): 72 benchmarks, and the whole
/// `cargo xtask bench` must finish in under 30 minutes on 2 cores. A step takes at most a few
/// milliseconds, so 3 s still gives criterion its 100 samples.
fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
}

/// A built-in scene at its default configuration, with each actuated joint commanded 0.1
/// (rad or m) past where it is, toward the object (the scenes' defaults sit just off contact).
fn scene_pushing(name: &str) -> (QuasiDynamicSystem, Vec<f64>, Vec<f64>) {
    let system = QuasiDynamicSystem::new(qd_scenes::load(name).expect("built-in scene"))
        .expect("step settings");
    let q = system.scene().default_q().to_vec();
    let u = qd_scenes::fixtures::pressing_command(system.scene(), &q, 0.1);
    (system, q, u)
}

/// One benchmarked step: (q, u) into the kept result.
fn step_into(
    system: &QuasiDynamicSystem,
    settings: &StepSettings,
    workspace: &mut StepWorkspace,
    (q, u): (&[f64], &[f64]),
    out: &mut StepResult,
) {
    system
        .step_into(settings, workspace, black_box(q), black_box(u), None, out)
        .expect("step");
    black_box(out);
}

/// Every forward mode, with its label in the benchmark ids.
const FORWARD_MODES: [(&str, ForwardMode); 4] = [
    ("socp", ForwardMode::Socp),
    ("qp", ForwardMode::Qp),
    ("log_barrier_cone", ForwardMode::LogBarrierCone),
    ("log_barrier_pyramid", ForwardMode::LogBarrierPyramid),
];

fn bench_steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("step");
    configure(&mut group);
    for name in qd_scenes::names() {
        let (mut system, q, u) = scene_pushing(name);
        for (label, mode) in FORWARD_MODES {
            system.settings_mut().forward_mode = mode;
            let settings = system.settings().clone();
            let mut workspace = StepWorkspace::default();
            let mut out = StepResult::default();
            system
                .step_into(&settings, &mut workspace, &q, &u, None, &mut out)
                .expect("the benchmarked step solves");
            group.bench_function(format!("{name}.{label}"), |b| {
                b.iter(|| step_into(&system, &settings, &mut workspace, (&q, &u), &mut out))
            });
        }
    }
    group.finish();
}

fn bench_step_gradients(c: &mut Criterion) {
    let mut group = c.benchmark_group("step_gradients");
    configure(&mut group);
    for name in qd_scenes::names() {
        let (mut system, q, u) = scene_pushing(name);
        for (label, mode) in FORWARD_MODES {
            for (gradient_label, gradient) in [("b", GradientMode::B), ("ab", GradientMode::Ab)] {
                system.settings_mut().forward_mode = mode;
                system.settings_mut().gradient_mode = gradient;
                let settings = system.settings().clone();
                let mut workspace = StepWorkspace::default();
                let mut out = StepResult::default();
                system
                    .step_into(&settings, &mut workspace, &q, &u, None, &mut out)
                    .expect("the benchmarked step solves");
                group.bench_function(format!("{name}.{label}.{gradient_label}"), |b| {
                    b.iter(|| step_into(&system, &settings, &mut workspace, (&q, &u), &mut out))
                });
            }
        }
    }
    group.finish();
}

/// The barrier step through `step`, which returns a fresh result (its vectors allocated each
/// time), on a planar and a 3-D scene: what the allocation-free `step_into` saves.
fn bench_allocating_steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("step_allocating");
    configure(&mut group);
    for name in ["planar-hand", "allegro-sphere"] {
        let (mut system, q, u) = scene_pushing(name);
        system.settings_mut().forward_mode = ForwardMode::LogBarrierCone;
        let mut workspace = StepWorkspace::default();
        system
            .step(&mut workspace, &q, &u)
            .expect("the benchmarked step solves");
        group.bench_function(format!("{name}.log_barrier_cone"), |b| {
            b.iter(|| {
                system
                    .step(&mut workspace, black_box(&q), black_box(&u))
                    .expect("step")
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_steps,
    bench_step_gradients,
    bench_allocating_steps
);
criterion_main!(benches);
