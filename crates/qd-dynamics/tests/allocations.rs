//! No allocation per step (issue 21): once a [`StepWorkspace`] and a [`StepResult`] have held
//! a step of a scene, a barrier step into them — forward only, with B, with A and B —
//! allocates nothing, on every built-in scene. Counted by dhat's counting global allocator;
//! the count is process-wide, so this binary holds a single test (nothing else allocates
//! while it counts).
//!
//! Scope, as written in docs/dynamics.md: the barrier forms. The exact forms' own solver and
//! their active-set derivatives still allocate per step (`cargo run --release -p qd-dynamics
//! --example allocations` prints how much).

use qd_dynamics::{ForwardMode, GradientMode, QuasiDynamicSystem, StepResult, StepWorkspace};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// Allocations (blocks) made while `f` runs.
fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = dhat::HeapStats::get().total_blocks;
    f();
    dhat::HeapStats::get().total_blocks - before
}

#[test]
fn warm_barrier_steps_allocate_nothing() {
    // Counting only: no profile file is written.
    let _profiler = dhat::Profiler::builder().testing().build();
    repeated_barrier_steps_allocate_nothing();
    barrier_samples_at_one_configuration_allocate_nothing();
}

const SCENES: [&str; 7] = [
    "planar-hand",
    "allegro-sphere",
    "bimanual-planar",
    "bimanual-iiwa",
    "box-on-table",
    "planar-pushing",
    "pusher-box-1d",
];

const GRADIENTS: [GradientMode; 3] = [GradientMode::None, GradientMode::B, GradientMode::Ab];

/// Steps of one (q, u) after a warm-up step: the pattern of a benchmark and of a solver
/// called repeatedly at one point.
fn repeated_barrier_steps_allocate_nothing() {
    for name in SCENES {
        let scene = qd_scenes::load(name).expect("built-in scene");
        let mut system = QuasiDynamicSystem::new(scene).expect("scene settings");
        let q = system.scene().default_q().to_vec();
        let u = qd_scenes::fixtures::pressing_command(system.scene(), &q, 0.05);
        for mode in [ForwardMode::LogBarrierCone, ForwardMode::LogBarrierPyramid] {
            for gradient in GRADIENTS {
                system.settings_mut().forward_mode = mode;
                system.settings_mut().gradient_mode = gradient;
                let settings = system.settings().clone();
                let mut workspace = StepWorkspace::default();
                let mut out = StepResult::default();
                let mut step = |out: &mut StepResult| {
                    system
                        .step_into(&settings, &mut workspace, &q, &u, None, out)
                        .unwrap_or_else(|e| panic!("{name} {mode:?} {gradient:?}: {e}"));
                };
                step(&mut out);
                let first = out.q_next.clone();
                let counted = allocations_during(|| {
                    for _ in 0..3 {
                        step(&mut out);
                    }
                });
                assert_eq!(
                    counted, 0,
                    "{name} {mode:?} {gradient:?}: {counted} allocations in 3 warm steps"
                );
                // The reused storage does not leak one step into the next.
                assert_eq!(out.q_next, first, "{name} {mode:?} {gradient:?}");
            }
        }
    }
}

/// Steps at one q with different u, from a guess, in a workspace that reuses the assembly:
/// the pattern of randomized smoothing's samples.
fn barrier_samples_at_one_configuration_allocate_nothing() {
    for name in ["planar-hand", "allegro-sphere", "bimanual-iiwa"] {
        let scene = qd_scenes::load(name).expect("built-in scene");
        let mut system = QuasiDynamicSystem::new(scene).expect("scene settings");
        system.settings_mut().forward_mode = ForwardMode::LogBarrierCone;
        system.settings_mut().gradient_mode = GradientMode::B;
        let settings = system.settings().clone();
        let q = system.scene().default_q().to_vec();
        let u = qd_scenes::fixtures::pressing_command(system.scene(), &q, 0.05);
        let mut workspace = StepWorkspace::reusing_assembly();
        let mut out = StepResult::default();
        system
            .step_into(&settings, &mut workspace, &q, &u, None, &mut out)
            .expect("nominal step");
        let guess = out.dv.clone();
        let mut samples: Vec<Vec<f64>> = (1..=4)
            .map(|k| u.iter().map(|u| u + 1e-3 * k as f64).collect())
            .collect();
        samples.push(u.clone());
        // The first sample sizes the guess's storage.
        system
            .step_into(&settings, &mut workspace, &q, &u, Some(&guess), &mut out)
            .expect("first sample");
        let counted = allocations_during(|| {
            for u_k in &samples {
                system
                    .step_into(&settings, &mut workspace, &q, u_k, Some(&guess), &mut out)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        });
        assert_eq!(counted, 0, "{name}: {counted} allocations in 5 samples");
        assert!(out.gradients.is_some(), "{name}: B was asked for");
    }
}
