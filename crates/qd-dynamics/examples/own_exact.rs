//! Compares the own exact solver (barrier continuation + certified refinement) with Clarabel
//! on each built-in scene's benchmark point and random commands around it: how often it
//! certifies, how far its δv is from Clarabel's, and the time of each (a development aid).
//! The perturbed commands are also solved from the benchmark point's interior point (as the
//! samples of randomized smoothing are): "warm" is their mean time and Newton iterations.
//!
//! `cargo run --release -p qd-dynamics --example own_exact -- [SCENE ...]`

use qd_dynamics::cone::ConeKind;
use qd_dynamics::problem::{StepProblem, assemble};
use qd_dynamics::solver::{conic, continuation};
use qd_geometry::ContactQuery;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut names: Vec<String> = std::env::args().skip(1).collect();
    if names.is_empty() {
        names = qd_scenes::names().map(str::to_string).collect();
    }
    // A fixed pseudo-random sequence in [-1, 1) (no rand dependency for an example).
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    };
    for name in &names {
        let scene = qd_scenes::load(name)?;
        let settings = qd_dynamics::StepSettings::from_scene(&scene)?;
        let q = scene.default_q().to_vec();
        let base = qd_scenes::fixtures::pressing_command(&scene, &q, 0.1);
        for (label, kind) in [
            ("socp", ConeKind::Lorentz),
            ("qp", ConeKind::Pyramid { nd: settings.nd }),
        ] {
            let (mut certified, mut total, mut worst) = (0, 0, 0.0f64);
            let (mut own_time, mut clarabel_time) = (0.0, 0.0);
            let (mut interior, mut warm_time, mut warm_iterations, mut warm_count) =
                (None, 0.0, 0, 0);
            let mut query = ContactQuery::new();
            let mut problem = StepProblem::default();
            for k in 0..50 {
                let u: Vec<f64> = base
                    .iter()
                    .map(|v| if k == 0 { *v } else { v + 0.05 * next() })
                    .collect();
                assemble(&scene, &settings, &mut query, &q, &u, &mut problem)?;
                let start = Instant::now();
                let reference = conic::solve(&problem, kind, settings.h, false)?;
                clarabel_time += start.elapsed().as_secs_f64();
                let start = Instant::now();
                let own = continuation::solve(&problem, kind, settings.h, false, None)?;
                own_time += start.elapsed().as_secs_f64();
                total += 1;
                if k > 0 {
                    let start = Instant::now();
                    let warm =
                        continuation::solve(&problem, kind, settings.h, false, interior.as_ref())?;
                    warm_time += start.elapsed().as_secs_f64();
                    if let Some(warm) = warm {
                        warm_iterations += warm.iterations;
                        warm_count += 1;
                        worst = worst.max((&warm.x - &reference.x).amax());
                    }
                }
                if let Some(own) = own {
                    if k == 0 {
                        print!("[{} Newton iterations] ", own.iterations);
                        interior = own.interior.clone();
                    }
                    certified += 1;
                    worst = worst.max((&own.x - &reference.x).amax());
                }
            }
            println!(
                "{name:<16} {label:<4} certified {certified}/{total}  max |Δx| {worst:.1e}  own {:.1} µs  clarabel {:.1} µs  warm {:.1} µs ({:.1} iterations, {warm_count} certified)",
                own_time / total as f64 * 1e6,
                clarabel_time / total as f64 * 1e6,
                warm_time / (total - 1) as f64 * 1e6,
                f64::from(warm_iterations) / f64::from(warm_count.max(1)),
            );
        }
    }
    Ok(())
}
