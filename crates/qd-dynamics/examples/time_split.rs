//! Splits one barrier step (planar-hand, or the scene named by `QD_TIME_SPLIT_SCENE`) into
//! assembly and solve time, then times the step with A and B (a profiling aid; set
//! `QD_TIME_SPLIT_SOLVE_ONLY` to stop after the solve, for profiles of the solver alone).

use qd_dynamics::cone::ConeKind;
use qd_dynamics::problem::{StepProblem, assemble};
use qd_dynamics::solver::barrier::solve;
use qd_geometry::ContactQuery;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::var("QD_TIME_SPLIT_SCENE").unwrap_or_else(|_| "planar-hand".into());
    let scene = qd_scenes::load(&name)?;
    let settings = qd_dynamics::StepSettings::from_scene(&scene)?;
    let q = scene.default_q().to_vec();
    let u: Vec<f64> = scene
        .split()
        .actuated
        .iter()
        .map(|&i| q[i] + if q[i] < 0.0 { -0.1 } else { 0.1 })
        .collect();
    let mut query = ContactQuery::new();
    let mut problem = StepProblem::default();
    let n: usize = std::env::var("QD_TIME_SPLIT_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let start = Instant::now();
    for _ in 0..n {
        assemble(&scene, &settings, &mut query, &q, &u, &mut problem)?;
    }
    let assembly = start.elapsed().as_secs_f64() / n as f64;
    let start = Instant::now();
    let mut iterations = 0;
    for _ in 0..n {
        iterations = solve(
            &problem,
            ConeKind::Lorentz,
            settings.kappa / settings.h,
            false,
            None,
        )?
        .iterations;
    }
    let solving = start.elapsed().as_secs_f64() / n as f64;
    if std::env::var("QD_TIME_SPLIT_SHAPE").is_ok() {
        // How many variables each contact moves, and how far each is (the Hessian's work).
        for rows in &problem.contacts {
            let moved = (0..problem.var_to_v.len())
                .filter(|&r| rows.jn[r] != 0.0 || rows.jt.column(r).iter().any(|v| *v != 0.0))
                .count();
            println!("contact φ {:+.4} m, {moved} variables", rows.phi);
        }
    }
    println!(
        "assembly {:.2} µs, solve {:.2} µs ({iterations} Newton iterations)",
        assembly * 1e6,
        solving * 1e6
    );
    if std::env::var("QD_TIME_SPLIT_SOLVE_ONLY").is_ok() {
        return Ok(());
    }
    // The whole step with A and B (gradient mode AB), for profiles of the derivatives.
    let settings = settings
        .with_gradient_mode(qd_dynamics::GradientMode::Ab)
        .with_forward_mode(qd_dynamics::ForwardMode::LogBarrierCone);
    let system = qd_dynamics::QuasiDynamicSystem::with_settings(scene, settings)?;
    let mut workspace = qd_dynamics::StepWorkspace::default();
    let start = Instant::now();
    for _ in 0..n {
        system.step(&mut workspace, &q, &u)?;
    }
    println!(
        "step with A and B {:.2} µs",
        start.elapsed().as_secs_f64() / n as f64 * 1e6
    );
    Ok(())
}
