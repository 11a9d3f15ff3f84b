//! No allocation per step (issue 21): once a [`StepWorkspace`] and a [`StepResult`] have held
//! a step of a scene, a step into them — in all four forward modes, forward only, with B, with
//! A and B — allocates nothing, on every built-in scene. Counted by dhat's counting global
//! allocator; the count is process-wide, so this binary holds a single test (nothing else
//! allocates while it counts).
//!
//! Scope, as written in docs/dynamics.md: the exact forms' fallbacks (the barrier
//! continuation when the primal–dual answer is not certified, Clarabel after it) and the
//! failure paths allocate; the tested points take neither.

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
fn warm_steps_allocate_nothing() {
    // Counting only: no profile file is written.
    let _profiler = dhat::Profiler::builder().testing().build();
    repeated_steps_allocate_nothing();
    samples_at_one_configuration_allocate_nothing();
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
fn repeated_steps_allocate_nothing() {
    for name in SCENES {
        let scene = qd_scenes::load(name).expect("built-in scene");
        let mut system = QuasiDynamicSystem::new(scene).expect("scene settings");
        let q = system.scene().default_q().to_vec();
        let u = qd_scenes::fixtures::pressing_command(system.scene(), &q, 0.05);
        for mode in [
            ForwardMode::LogBarrierCone,
            ForwardMode::LogBarrierPyramid,
            ForwardMode::Socp,
            ForwardMode::Qp,
        ] {
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

/// Steps at one q with different u, in a workspace that reuses the assembly: the pattern of
/// randomized smoothing's samples — from the nominal step's δv on the barrier form, without a
/// guess on the exact one (whose primal–dual answer leaves no interior point to start from).
fn samples_at_one_configuration_allocate_nothing() {
    for name in ["planar-hand", "allegro-sphere", "bimanual-iiwa"] {
        for mode in [ForwardMode::LogBarrierCone, ForwardMode::Socp] {
            let scene = qd_scenes::load(name).expect("built-in scene");
            let mut system = QuasiDynamicSystem::new(scene).expect("scene settings");
            system.settings_mut().forward_mode = mode;
            system.settings_mut().gradient_mode = GradientMode::B;
            let settings = system.settings().clone();
            let q = system.scene().default_q().to_vec();
            let u = qd_scenes::fixtures::pressing_command(system.scene(), &q, 0.05);
            let mut workspace = StepWorkspace::reusing_assembly();
            let mut out = StepResult::default();
            system
                .step_into(&settings, &mut workspace, &q, &u, None, &mut out)
                .expect("nominal step");
            let nominal = out.dv.clone();
            let guess = mode.is_barrier().then_some(nominal.as_slice());
            let mut samples: Vec<Vec<f64>> = (1..=4)
                .map(|k| u.iter().map(|u| u + 1e-3 * k as f64).collect())
                .collect();
            samples.push(u.clone());
            // The first sample sizes the guess's storage.
            system
                .step_into(&settings, &mut workspace, &q, &u, guess, &mut out)
                .expect("first sample");
            let counted = allocations_during(|| {
                for u_k in &samples {
                    system
                        .step_into(&settings, &mut workspace, &q, u_k, guess, &mut out)
                        .unwrap_or_else(|e| panic!("{name} {mode:?}: {e}"));
                }
            });
            assert_eq!(
                counted, 0,
                "{name} {mode:?}: {counted} allocations in 5 samples"
            );
            assert!(out.gradients.is_some(), "{name} {mode:?}: B was asked for");
        }
    }
}
