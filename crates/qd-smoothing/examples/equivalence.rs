//! The smoothing-equivalence suite (docs/smoothing.md): prints its tables and exits non-zero when an
//! identity fails. Run through `cargo xtask equivalence [--quick]`, which builds this in
//! release mode and records the output in `docs/equivalence.md`.

use qd_dynamics::QuasiDynamicSystem;
use qd_smoothing::equivalence::{
    Check, SuiteOptions, format_checks, gaussian, matched, pusher_box, relu,
};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("equivalence suite: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "--quick");
    let options = if quick {
        SuiteOptions::quick()
    } else {
        SuiteOptions::full()
    };
    let started = std::time::Instant::now();
    let mut checks: Vec<Check> = Vec::new();
    checks.extend(relu::checks(&options));
    checks.extend(gaussian::checks(&options));
    let pusher = QuasiDynamicSystem::new(qd_scenes::load("pusher-box-1d")?).expect("step settings");
    checks.extend(pusher_box::checks(&pusher, &options)?);

    let mut reports = Vec::new();
    // σ grids: factors of √2 (planar hand) and 2 (Allegro, whose exact steps cost ~1 ms).
    let planar_sigmas: Vec<f64> = (0..=16).map(|k| 1e-3 * 2f64.powf(k as f64 / 2.0)).collect();
    let allegro_sigmas: Vec<f64> = (0..=7).map(|k| 1e-3 * 2f64.powi(k)).collect();
    for (name, kappas, sigmas, samples) in [
        (
            "planar-hand",
            vec![1e1, 1e2, 1e3, 1e4, 1e5],
            planar_sigmas,
            options.system_samples,
        ),
        (
            "allegro-sphere",
            vec![1e1, 1e2, 1e3, 1e4],
            allegro_sigmas,
            options.system_samples / 4,
        ),
    ] {
        let system = QuasiDynamicSystem::new(qd_scenes::load(name)?).expect("step settings");
        let (q, u) = matched::squeezed_point(&system, 0.05)?;
        let report =
            matched::matched_strength(&system, &q, &u, &kappas, &sigmas, samples, options.seed)?;
        checks.extend(matched::convergence_checks(&report));
        checks.extend(matched::first_vs_zero_order(
            &system,
            &q,
            &u,
            0.05,
            options.system_samples,
            options.seed,
        )?);
        reports.push(report);
    }

    println!(
        "# Smoothing-equivalence suite{}\n",
        if quick { " (quick)" } else { "" }
    );
    println!("{}", format_checks(&checks));
    for report in &reports {
        println!("{}", matched::format_matched(report));
    }
    let failed = checks.iter().filter(|c| !c.passed).count();
    println!(
        "{} checks, {} failed, {:.1} s",
        checks.len(),
        failed,
        started.elapsed().as_secs_f64()
    );
    Ok(failed == 0)
}
