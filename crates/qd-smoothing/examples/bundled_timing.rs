//! Times the planar hand's bundled B (100 samples, cone barrier) on a pool of `T` threads
//! (environment variable, default 1); `ZO=1` times the zero-order fit instead, `EXACT=1` the
//! exact (SOCP) form, `CLARABEL=1` with it the exact form solved by Clarabel. A quick way to
//! see thread scaling outside criterion, e.g. under `perf stat`:
//!
//! ```text
//! cargo build --release -p qd-smoothing --example bundled_timing
//! T=1 target/release/examples/bundled_timing; T=2 target/release/examples/bundled_timing
//! ```

use qd_dynamics::QuasiDynamicSystem;
use qd_dynamics::{ExactSolver, ForwardMode};
use qd_smoothing::{Derivatives, Smoother, Smoothing};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut system =
        QuasiDynamicSystem::new(qd_scenes::load("planar-hand")?).expect("step settings");
    system.settings_mut().forward_mode = if std::env::var("EXACT").is_ok() {
        ForwardMode::Socp
    } else {
        ForwardMode::LogBarrierCone
    };
    if std::env::var("CLARABEL").is_ok() {
        system.settings_mut().exact_solver = ExactSolver::Clarabel;
    }
    let q = system.scene().default_q().to_vec();
    let u = qd_scenes::fixtures::pressing_command(system.scene(), &q, 0.1);
    let (sigma_u, sigma_q, samples, seed) = (0.05, 0.0, 100, 1);
    let method = if std::env::var("ZO").is_ok() {
        Smoothing::RandomizedZeroOrder {
            sigma_u,
            sigma_q,
            samples,
            seed,
        }
    } else {
        Smoothing::RandomizedFirstOrder {
            sigma_u,
            sigma_q,
            samples,
            seed,
        }
    };
    let smoother = Smoother::new(&system, method, Derivatives::B)?;
    let threads: usize = std::env::var("T")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let repeats = 500;
    let started = std::time::Instant::now();
    for _ in 0..repeats {
        pool.install(|| smoother.linearize(&q, &u))?;
    }
    let per_call = started.elapsed().as_secs_f64() / f64::from(repeats) * 1e6;
    println!("{per_call:.1} µs per bundled B ({threads} threads)");
    Ok(())
}
