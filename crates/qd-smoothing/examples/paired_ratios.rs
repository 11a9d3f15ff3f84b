//! Ratios of timings measured in interleaved pairs, for `cargo xtask bench`.
//!
//! On a shared machine the speed drifts by tens of percent between criterion benchmarks run
//! minutes apart, so the quotient of two separately measured medians is unreliable. Here each
//! ratio is measured in rounds: X and Y are timed back to back (in alternating order, X Y then
//! Y X, so a steady drift cancels), the per-round ratio Y/X recorded, and the median over the
//! rounds reported with its quartiles. Prints one line per ratio:
//! `RATIO<TAB>name<TAB>median<TAB>first quartile<TAB>third quartile<TAB>rounds`.
//!
//! Ratios: each scene's barrier step with B and with A and B over the plain step (issue 5);
//! each scene's exact step through Clarabel over the same step through the own exact solver,
//! the speed-up of issue 21; and the planar hand's bundled B (100 samples) on one thread over
//! all threads (issue 6).

use qd_dynamics::{ExactSolver, ForwardMode, GradientMode};
use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use qd_smoothing::{Derivatives, Smoother, Smoothing};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Rounds and window per side for the step ratios: short windows in many rounds, so that the
/// machine's drift (tens of percent over seconds here) hardly changes within a round.
const STEP_ROUNDS: usize = 48;
const STEP_WINDOW: Duration = Duration::from_millis(10);
/// Rounds and window per side for the thread scaling (a bundled B takes about a millisecond).
const SCALING_ROUNDS: usize = 12;
const SCALING_WINDOW: Duration = Duration::from_millis(150);

/// Mean time of one call (ns), over as many calls as fit in `window`.
fn time_per_call(f: &mut dyn FnMut(), window: Duration) -> f64 {
    f();
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < window {
        f();
        calls += 1;
    }
    start.elapsed().as_secs_f64() * 1e9 / calls as f64
}

/// Median and quartiles of Y/X over interleaved rounds.
fn paired(x: &mut dyn FnMut(), y: &mut dyn FnMut(), rounds: usize, window: Duration) -> Ratio {
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|round| {
            if round % 2 == 0 {
                let tx = time_per_call(x, window);
                time_per_call(y, window) / tx
            } else {
                let ty = time_per_call(y, window);
                ty / time_per_call(x, window)
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let at = |p: f64| ratios[((ratios.len() - 1) as f64 * p).round() as usize];
    Ratio {
        median: at(0.5),
        low: at(0.25),
        high: at(0.75),
        rounds,
    }
}

/// Median and quartiles of a paired ratio over its rounds.
struct Ratio {
    median: f64,
    low: f64,
    high: f64,
    rounds: usize,
}

fn report(name: &str, ratio: Ratio) {
    let Ratio {
        median,
        low,
        high,
        rounds,
    } = ratio;
    println!("RATIO\t{name}\t{median:.4}\t{low:.4}\t{high:.4}\t{rounds}");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for name in qd_scenes::names() {
        let base = QuasiDynamicSystem::new(qd_scenes::load(name)?).expect("step settings");
        let q = base.scene().default_q().to_vec();
        let u = qd_scenes::fixtures::pressing_command(base.scene(), &q, 0.1);
        for (label, mode) in [
            ("log_barrier_cone", ForwardMode::LogBarrierCone),
            ("log_barrier_pyramid", ForwardMode::LogBarrierPyramid),
        ] {
            let configured = |gradient: GradientMode| {
                let mut system = base.clone();
                system.settings_mut().forward_mode = mode;
                system.settings_mut().gradient_mode = gradient;
                system
            };
            let plain = configured(GradientMode::None);
            let mut ws_plain = StepWorkspace::default();
            let mut step_plain = || {
                black_box(plain.step(&mut ws_plain, &q, &u).expect("step"));
            };
            for (gradient_label, gradient) in [("B", GradientMode::B), ("AB", GradientMode::Ab)] {
                let with = configured(gradient);
                let mut ws_with = StepWorkspace::default();
                let mut step_with = || {
                    black_box(with.step(&mut ws_with, &q, &u).expect("step"));
                };
                report(
                    &format!("{name}.{label}: with {gradient_label} / without derivatives"),
                    paired(&mut step_plain, &mut step_with, STEP_ROUNDS, STEP_WINDOW),
                );
            }
        }
    }
    // The own exact solver against Clarabel, per scene and exact form: Y/X = Clarabel / own.
    for name in qd_scenes::names() {
        let base = QuasiDynamicSystem::new(qd_scenes::load(name)?).expect("step settings");
        let q = base.scene().default_q().to_vec();
        let u = qd_scenes::fixtures::pressing_command(base.scene(), &q, 0.1);
        for (label, mode) in [("socp", ForwardMode::Socp), ("qp", ForwardMode::Qp)] {
            let configured = |solver: ExactSolver| {
                let mut system = base.clone();
                system.settings_mut().forward_mode = mode;
                system.settings_mut().exact_solver = solver;
                system
            };
            let (own, clarabel) = (
                configured(ExactSolver::Own),
                configured(ExactSolver::Clarabel),
            );
            let (mut ws_own, mut ws_clarabel) =
                (StepWorkspace::default(), StepWorkspace::default());
            report(
                &format!("{name}.{label}: Clarabel / own exact step (speed-up)"),
                paired(
                    &mut || {
                        black_box(own.step(&mut ws_own, &q, &u).expect("step"));
                    },
                    &mut || {
                        black_box(clarabel.step(&mut ws_clarabel, &q, &u).expect("step"));
                    },
                    STEP_ROUNDS,
                    STEP_WINDOW,
                ),
            );
        }
    }
    // Thread scaling of the planar hand's bundled B.
    let mut system =
        QuasiDynamicSystem::new(qd_scenes::load("planar-hand")?).expect("step settings");
    let q = system.scene().default_q().to_vec();
    let u = qd_scenes::fixtures::pressing_command(system.scene(), &q, 0.1);
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let all = rayon::ThreadPoolBuilder::new().build()?;
    for (label, mode) in [
        ("log_barrier_cone", ForwardMode::LogBarrierCone),
        ("socp", ForwardMode::Socp),
    ] {
        system.settings_mut().forward_mode = mode;
        let method = Smoothing::RandomizedFirstOrder {
            sigma_u: 0.05,
            sigma_q: 0.0,
            samples: 100,
            seed: 1,
        };
        let smoother =
            Smoother::new(&system, method, Derivatives::B)?.with_min_valid_fraction(0.05)?;
        let on = |pool: &rayon::ThreadPool| {
            pool.install(|| black_box(smoother.linearize(&q, &u).expect("estimate")));
        };
        // Y/X = one thread / all threads: the speed-up.
        let ratio = paired(
            &mut || on(&all),
            &mut || on(&single),
            SCALING_ROUNDS,
            SCALING_WINDOW,
        );
        report(
            &format!("planar-hand.{label}.first_order: 1 thread / all threads (scaling)"),
            ratio,
        );
    }
    Ok(())
}
