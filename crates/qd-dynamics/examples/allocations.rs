//! Counts the heap allocations of one step, per scene, forward mode and gradient mode, with
//! dhat's counting global allocator (a measuring aid for issue 21's "no allocation per step";
//! `tests/allocations.rs` asserts it). Each step runs `step_into` with a warm workspace and
//! result at the scene's benchmark point; the count is the mean over 100 steps, with the path
//! that solved the step.
//!
//! `cargo run --release -p qd-dynamics --example allocations -- [SCENE ...]`

use qd_dynamics::{ForwardMode, GradientMode};
use qd_dynamics::{QuasiDynamicSystem, StepResult, StepWorkspace};
use std::hint::black_box;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

const STEPS: u64 = 100;

/// Allocations (blocks) served since the profiler started.
fn allocations() -> u64 {
    dhat::HeapStats::get().total_blocks
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Counting only: no profile file is written.
    let _profiler = dhat::Profiler::builder().testing().build();
    let mut names: Vec<String> = std::env::args().skip(1).collect();
    if names.is_empty() {
        names = vec!["planar-hand".into(), "allegro-sphere".into()];
    }
    for name in &names {
        let scene = qd_scenes::load(name)?;
        let mut system = QuasiDynamicSystem::new(scene)?;
        let q = system.scene().default_q().to_vec();
        let u = qd_scenes::fixtures::pressing_command(system.scene(), &q, 0.1);
        for mode in [
            ForwardMode::LogBarrierCone,
            ForwardMode::LogBarrierPyramid,
            ForwardMode::Socp,
            ForwardMode::Qp,
        ] {
            for (gradient, label) in [
                (GradientMode::None, "none"),
                (GradientMode::B, "b"),
                (GradientMode::Ab, "ab"),
            ] {
                system.settings_mut().forward_mode = mode;
                system.settings_mut().gradient_mode = gradient;
                let mut workspace = StepWorkspace::default();
                let mut out = StepResult::default();
                let settings = system.settings().clone();
                // Warm the workspace and the result: their buffers are sized by the first step.
                system.step_into(&settings, &mut workspace, &q, &u, None, &mut out)?;
                let before = allocations();
                for _ in 0..STEPS {
                    system.step_into(&settings, &mut workspace, &q, &u, None, &mut out)?;
                    black_box(&out);
                }
                let per_step = (allocations() - before) as f64 / STEPS as f64;
                println!(
                    "{name:<16} {:<20} {:<4} {per_step:>7.1} allocations per step ({})",
                    mode.name(),
                    label,
                    out.report.path.name()
                );
            }
        }
    }
    Ok(())
}
