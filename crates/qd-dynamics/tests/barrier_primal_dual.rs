//! The barrier solver's primal–dual iterations (`Schedule::primal_dual`) change the way
//! Newton's method goes, never where it ends: on every built-in scene, at commands that press
//! its robots into the objects and configurations off the default one, the barrier step with
//! them and without them returns the same minimiser and the same impulses, both converged.

use nalgebra::DVector;
use proptest::prelude::*;
use qd_dynamics::StepSettings;
use qd_dynamics::cone::ConeKind;
use qd_dynamics::problem::{StepProblem, assemble};
use qd_dynamics::solver::SolveStatus;
use qd_dynamics::solver::barrier::{Schedule, solve_scheduled};
use qd_geometry::ContactQuery;

mod common;

/// A barrier solve's minimiser and contact impulses (normal, tangential).
type Answer = (DVector<f64>, Vec<(f64, Vec<f64>)>);

/// The barrier solve of a scene's step at its default configuration with the actuated joints
/// moved by `shift` (rad or m) and commanded `press` further; with and without the
/// primal–dual iterations.
fn both_ways(name: &str, (shift, press): (f64, f64), kappa: f64) -> Option<[Answer; 2]> {
    let scene = qd_scenes::load(name).expect("built-in scene");
    let settings = StepSettings::from_scene(&scene).expect("settings");
    let mut q = scene.default_q().to_vec();
    for &i in &scene.split().actuated {
        q[i] += shift;
    }
    let u = qd_scenes::fixtures::pressing_command(&scene, &q, press);
    let mut query = ContactQuery::new();
    let mut problem = StepProblem::default();
    assemble(&scene, &settings, &mut query, &q, &u, &mut problem).expect("assembly");
    let solve = |primal_dual: bool| {
        let schedule = Schedule {
            primal_dual,
            ..Schedule::default()
        };
        let solution = solve_scheduled(
            &problem,
            ConeKind::Lorentz,
            kappa / settings.h,
            false,
            None,
            schedule,
        )
        .ok()?;
        assert_eq!(
            solution.status,
            SolveStatus::Solved,
            "{name}: not converged"
        );
        Some((solution.x, solution.impulses))
    };
    Some([solve(true)?, solve(false)?])
}

#[test]
fn primal_dual_iterations_end_at_newtons_minimiser() {
    let mut runner = common::seeded_runner(24, 21);
    let compared = std::sync::atomic::AtomicUsize::new(0);
    let names: Vec<&str> = qd_scenes::names().collect();
    let strategy = (
        prop::sample::select(names),
        -0.05..0.05f64,
        0.0..0.2f64,
        prop_oneof![Just(10.0), Just(1e3)],
    );
    runner
        .run(&strategy, |(name, shift, press, kappa)| {
            let Some([(x_pd, impulses_pd), (x, impulses)]) = both_ways(name, (shift, press), kappa)
            else {
                // No strictly feasible start at this configuration: nothing to compare.
                return Ok(());
            };
            compared.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let scale = 1.0 + x.amax();
            prop_assert!(
                (&x_pd - &x).amax() <= 1e-9 * scale,
                "{name}: x {x_pd} vs {x}"
            );
            for ((n_pd, t_pd), (n, t)) in impulses_pd.iter().zip(&impulses) {
                let size = 1e-9 * (1.0 + n.abs());
                prop_assert!((n_pd - n).abs() <= size, "{name}: λ_n {n_pd} vs {n}");
                for (a, b) in t_pd.iter().zip(t) {
                    prop_assert!((a - b).abs() <= size, "{name}: λ_t {a} vs {b}");
                }
            }
            Ok(())
        })
        .unwrap();
    // Most configurations have a start: the comparison is not empty.
    let compared = compared.into_inner();
    assert!(compared >= 18, "only {compared} of 24 cases compared");
}
