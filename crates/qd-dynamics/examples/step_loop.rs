//! Steps one built-in scene N times at its benchmark point (a profiling aid): run it under
//! `valgrind --tool=callgrind --toggle-collect='*QuasiDynamicSystem::step*'` to count the
//! instructions of a step with and without derivatives, a measure that does not drift with
//! the machine's load the way timings do.
//!
//! `cargo run --release -p qd-dynamics --example step_loop -- SCENE MODE GRADIENT [N]` with
//! MODE one of socp, qp, log_barrier_cone, log_barrier_pyramid and GRADIENT none, b or ab.

use qd_dynamics::{ForwardMode, GradientMode};
use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use std::hint::black_box;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: step_loop SCENE MODE GRADIENT [N]";
    let [name, mode, gradient] = [0, 1, 2].map(|i| args.get(i).cloned());
    let (Some(name), Some(mode), Some(gradient)) = (name, mode, gradient) else {
        return Err(usage.into());
    };
    let steps: usize = args.get(3).map_or(Ok(100), |s| s.parse())?;
    let mut system = QuasiDynamicSystem::new(qd_scenes::load(&name)?).expect("step settings");
    system.settings_mut().forward_mode = match mode.as_str() {
        "socp" => ForwardMode::Socp,
        "qp" => ForwardMode::Qp,
        "log_barrier_cone" => ForwardMode::LogBarrierCone,
        "log_barrier_pyramid" => ForwardMode::LogBarrierPyramid,
        other => return Err(format!("unknown mode '{other}'; {usage}").into()),
    };
    system.settings_mut().gradient_mode = match gradient.as_str() {
        "none" => GradientMode::None,
        "b" => GradientMode::B,
        "ab" => GradientMode::Ab,
        other => return Err(format!("unknown gradient mode '{other}'; {usage}").into()),
    };
    let q = system.scene().default_q().to_vec();
    let u = qd_scenes::fixtures::pressing_command(system.scene(), &q, 0.1);
    let mut workspace = StepWorkspace::default();
    for _ in 0..steps {
        black_box(system.step(&mut workspace, &q, &u)?);
    }
    Ok(())
}
