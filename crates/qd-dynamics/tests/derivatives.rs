//! A and B against central finite differences of the whole step (issue 5 acceptance), over
//! random (q, u) with and without active contacts, on the built-in planar scenes and on a 3-D
//! free body (which exercises the quaternion chain rule in both coordinate systems).
//!
//! - Barrier forms: relative error (Frobenius) ≤ 1e-5 everywhere.
//! - Exact forms: ≤ 1e-4 away from contact-mode switches. A case whose central difference
//!   straddles a switch (a contact starting or stopping to touch, to stick, to slide within
//!   the difference step) has no derivative there; the analytic result must then equal one of
//!   the one-sided limits (forward or backward difference), and such cases must stay rare.

mod common;

use common::*;
use proptest::prelude::*;
use qd_dynamics::QuasiDynamicSystem;
use qd_dynamics::{ForwardMode, GradientMode};
use std::cell::Cell;

const BARRIER_TOLERANCE: f64 = 1e-5;
const EXACT_TOLERANCE: f64 = 1e-4;

/// Counts over one scene's cases.
#[derive(Default)]
struct Tally {
    cases: Cell<usize>,
    with_contact: Cell<usize>,
    without_contact: Cell<usize>,
    one_sided: Cell<usize>,
    unreliable: Cell<usize>,
    refused: Cell<usize>,
}

fn bump(cell: &Cell<usize>) {
    cell.set(cell.get() + 1);
}

/// (q, u) near the scene's default: actuated coordinates moved by up to `robot_spread`,
/// objects by up to `object_spread`, commands up to `reach` past the robot's position.
fn sample(
    system: &QuasiDynamicSystem,
    shifts: &[f64],
    robot_spread: f64,
    object_spread: f64,
    reach: f64,
) -> (Vec<f64>, Vec<f64>) {
    let scene = system.scene();
    let tree = scene.tree();
    let mut q = scene.default_q().to_vec();
    let mut dv = vec![0.0; tree.nv()];
    for (i, &v) in scene.split().unactuated_v.iter().enumerate() {
        dv[v] = object_spread * shifts[i];
    }
    for joint in tree.joints() {
        if scene.split().actuated.contains(&joint.q_start) {
            dv[joint.v_start] = robot_spread * shifts[10 + joint.v_start % 20];
        }
    }
    tree.integrate(&mut q, &dv).expect("lengths");
    let u = scene
        .split()
        .actuated
        .iter()
        .enumerate()
        .map(|(j, &i)| q[i] + reach * shifts[30 + j % 20])
        .collect();
    (q, u)
}

/// Checks one forward mode on one (q, u); returns false to skip a case whose step fails.
fn check_case(
    system: &mut QuasiDynamicSystem,
    mode: ForwardMode,
    q: &[f64],
    u: &[f64],
    tally: &Tally,
) -> Result<(), TestCaseError> {
    system.settings_mut().forward_mode = mode;
    system.settings_mut().gradient_mode = GradientMode::Ab;
    let result = match system.step(&mut qd_dynamics::StepWorkspace::default(), q, u) {
        Ok(result) => result,
        Err(error) => {
            eprintln!("{mode:?}: step refused ({error}); case skipped");
            bump(&tally.refused);
            return Ok(());
        }
    };
    let gradients = result.gradients.expect("gradient mode AB");
    let a_v = gradients.a_v.clone().expect("A in AB mode");
    let loaded = result.contacts.iter().any(|c| c.normal_impulse > 1e-6);
    let exact = matches!(mode, ForwardMode::Socp | ForwardMode::Qp);
    let exact_tolerance = EXACT_TOLERANCE;
    if gradients.report.unreliable.is_some() {
        bump(&tally.unreliable);
        return Ok(());
    }
    bump(&tally.cases);
    if loaded {
        bump(&tally.with_contact);
    } else {
        bump(&tally.without_contact);
    }
    let free = system
        .scene()
        .tree()
        .joints()
        .iter()
        .any(|j| matches!(j.kind, qd_geometry::kinematics::JointKind::Free));
    if !exact {
        let step_size = 1e-6;
        let b_err = relative_error(
            &gradients.b_v,
            &fd_b_v(system, q, u, step_size, Side::Central),
            1e-3,
        );
        let a_err = relative_error(&a_v, &fd_a_v(system, q, u, step_size, Side::Central), 1e-3);
        prop_assert!(b_err <= BARRIER_TOLERANCE, "{mode:?}: B_v error {b_err:e}");
        prop_assert!(a_err <= BARRIER_TOLERANCE, "{mode:?}: A_v error {a_err:e}");
        if free {
            let a_q = gradients.a_q.expect("A_q");
            let bq_err = relative_error(&gradients.b_q, &fd_b_q(system, q, u, step_size), 1e-3);
            let aq_err = relative_error(&a_q, &fd_a_q(system, q, u, step_size), 1e-3);
            prop_assert!(
                bq_err <= BARRIER_TOLERANCE,
                "{mode:?}: B_q error {bq_err:e}"
            );
            prop_assert!(
                aq_err <= BARRIER_TOLERANCE,
                "{mode:?}: A_q error {aq_err:e}"
            );
        }
        return Ok(());
    }
    // Exact forms: the step is refined to round-off on its active set (`solver::polish`), but
    // sliding contacts with little slip curve it strongly (forward and backward differences
    // at 1e-3 can differ in sign), and a step the refinement rejected keeps Clarabel's ~1e-8
    // of noise, so no single difference step is right everywhere: central differences are
    // taken at a ladder of steps and the two neighbours that agree best are kept (their
    // mean), the usual way to balance truncation against noise.
    let central_b = best_difference(&|s| fd_b_v(system, q, u, s, Side::Central));
    let central_a = best_difference(&|s| fd_a_v(system, q, u, s, Side::Central));
    let b_err = relative_error(&gradients.b_v, &central_b, 1e-3);
    let a_err = relative_error(&a_v, &central_a, 1e-3);
    if b_err <= exact_tolerance && a_err <= exact_tolerance {
        if free {
            let bq_fd = best_difference(&|s| fd_b_q(system, q, u, s));
            let bq_err = relative_error(&gradients.b_q, &bq_fd, 1e-3);
            let a_q = gradients.a_q.expect("A_q");
            let aq_fd = best_difference(&|s| fd_a_q(system, q, u, s));
            let aq_err = relative_error(&a_q, &aq_fd, 1e-3);
            prop_assert!(bq_err <= exact_tolerance, "{mode:?}: B_q error {bq_err:e}");
            prop_assert!(aq_err <= exact_tolerance, "{mode:?}: A_q error {aq_err:e}");
        }
        return Ok(());
    }
    // A switch inside the difference step: each column must match a one-sided limit.
    bump(&tally.one_sided);
    // One-sided differences, extrapolated to cancel their O(s) error: 2 D(s/2) − D(s).
    let small = 2e-4;
    let sides = [Side::Forward, Side::Backward];
    let b_sides: Vec<_> = sides
        .iter()
        .map(|&side| {
            fd_b_v(system, q, u, small / 2.0, side) * 2.0 - fd_b_v(system, q, u, small, side)
        })
        .collect();
    let a_sides: Vec<_> = sides
        .iter()
        .map(|&side| {
            fd_a_v(system, q, u, small / 2.0, side) * 2.0 - fd_a_v(system, q, u, small, side)
        })
        .collect();
    let column_matches =
        |analytic: &nalgebra::DMatrix<f64>, sided: &[nalgebra::DMatrix<f64>], j: usize| {
            sided.iter().any(|fd| {
                let error = (analytic.column(j) - fd.column(j)).norm();
                error <= exact_tolerance * 10.0 * fd.column(j).norm().max(1.0)
            })
        };
    for j in 0..u.len() {
        prop_assert!(
            column_matches(&gradients.b_v, &b_sides, j),
            "{mode:?}: B column {j} matches neither one-sided limit (central error {b_err:e})"
        );
    }
    for k in 0..a_v.ncols() {
        prop_assert!(
            column_matches(&a_v, &a_sides, k),
            "{mode:?}: A column {k} matches neither one-sided limit (central error {a_err:e})"
        );
    }
    Ok(())
}

/// Central differences at steps 1e-3 … 1e-8 (decades): the mean of the neighbouring pair that
/// agrees best.
fn best_difference(f: &dyn Fn(f64) -> nalgebra::DMatrix<f64>) -> nalgebra::DMatrix<f64> {
    let estimates: Vec<_> = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]
        .iter()
        .map(|&s| f(s))
        .collect();
    let best = estimates
        .windows(2)
        .min_by(|x, y| (&x[0] - &x[1]).norm().total_cmp(&(&y[0] - &y[1]).norm()))
        .expect("six estimates");
    (&best[0] + &best[1]) / 2.0
}

const ALL_MODES: [ForwardMode; 4] = [
    ForwardMode::LogBarrierCone,
    ForwardMode::LogBarrierPyramid,
    ForwardMode::Socp,
    ForwardMode::Qp,
];

fn run_scene(system: QuasiDynamicSystem, cases: u32, spreads: (f64, f64, f64), seed: u8) -> Tally {
    run_scene_in(system, cases, spreads, seed, &ALL_MODES)
}

fn run_scene_in(
    mut system: QuasiDynamicSystem,
    cases: u32,
    spreads: (f64, f64, f64),
    seed: u8,
    modes: &[ForwardMode],
) -> Tally {
    let tally = Tally::default();
    let mut runner = seeded_runner(cases, seed);
    let system_cell = std::cell::RefCell::new(&mut system);
    runner
        .run(&prop::collection::vec(-1.0..1.0f64, 50), |shifts| {
            let mut system = system_cell.borrow_mut();
            let (q, u) = sample(&system, &shifts, spreads.0, spreads.1, spreads.2);
            for &mode in modes {
                check_case(&mut system, mode, &q, &u, &tally)?;
            }
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
    tally
}

/// `contact_free_cases`: whether the scene must also have been sampled without contact (the
/// free body always rests on the ground).
fn assert_coverage(name: &str, tally: &Tally, contact_free_cases: bool) {
    assert_coverage_with(name, tally, contact_free_cases, 10);
}

/// [`assert_coverage`] allowing `one_sided_percent` % of the cases to straddle a switch.
fn assert_coverage_with(
    name: &str,
    tally: &Tally,
    contact_free_cases: bool,
    one_sided_percent: usize,
) {
    let cases = tally.cases.get();
    assert!(
        cases >= 8 && tally.refused.get() * 10 <= cases,
        "{name}: {cases} cases checked, {} steps refused",
        tally.refused.get()
    );
    println!(
        "{name}: {cases} checked, {} loaded, {} free, {} one-sided, {} flagged unreliable",
        tally.with_contact.get(),
        tally.without_contact.get(),
        tally.one_sided.get(),
        tally.unreliable.get()
    );
    assert!(
        tally.with_contact.get() >= cases / 5,
        "{name}: too few cases with contact"
    );
    assert!(
        !contact_free_cases || tally.without_contact.get() >= 1,
        "{name}: no case without contact"
    );
    assert!(
        tally.one_sided.get() * 100 <= cases * one_sided_percent,
        "{name}: too many cases near a switch"
    );
    assert!(
        tally.unreliable.get() * 20 <= cases,
        "{name}: too many unreliable results"
    );
}

fn scene(name: &str) -> QuasiDynamicSystem {
    QuasiDynamicSystem::new(qd_scenes::load(name).expect("built-in scene")).expect("step settings")
}

#[test]
fn pusher_box_1d_derivatives_match_finite_differences() {
    let tally = run_scene(scene("pusher-box-1d"), 60, (0.02, 0.02, 0.25), 1);
    assert_coverage("pusher-box-1d", &tally, true);
}

#[test]
fn planar_pushing_derivatives_match_finite_differences() {
    let tally = run_scene(scene("planar-pushing"), 60, (0.04, 0.02, 0.25), 2);
    assert_coverage("planar-pushing", &tally, true);
}

#[test]
fn planar_hand_derivatives_match_finite_differences() {
    let tally = run_scene(scene("planar-hand"), 40, (0.05, 0.01, 0.3), 3);
    assert_coverage("planar-hand", &tally, true);
}

#[test]
fn free_body_derivatives_match_finite_differences_in_both_coordinates() {
    for (shape, height, tilt) in [
        ("{ sphere = { radius = 0.1 } }", 0.0999, [0.3, -0.2, 0.5]),
        (
            "{ box = { size = [0.2, 0.16, 0.12] } }",
            0.1,
            [0.3, 0.2, 0.1],
        ),
    ] {
        let system = free_body_scene(shape, height, tilt, [-0.135, 0.03, 0.12]);
        let tally = run_scene(system, 30, (0.01, 0.01, 0.06), 4);
        assert_coverage(shape, &tally, false);
    }
}

/// A box flat on the ground stands on four manifold contacts at its bottom corners (issue 19).
/// The barrier forms and the pyramidal QP are checked; the Lorentz-cone SOCP is not: with four
/// corners sticking on a slightly tilted box the exact step is degenerate (statically
/// indeterminate friction; the sticking equalities of all four corners cannot hold at once to
/// better than ~1e-7), the refinement declines, and the step's derivative is that of one of
/// several pieces meeting within any difference step. The tilted box above, resting on one
/// corner or edge through the same manifold, checks the SOCP.
#[test]
fn flat_box_manifold_derivatives_match_finite_differences() {
    let system = free_body_scene(
        "{ box = { size = [0.2, 0.16, 0.12] } }",
        0.06,
        [0.0, 0.0, 0.2],
        [-0.135, 0.03, 0.12],
    );
    let modes = [
        ForwardMode::LogBarrierCone,
        ForwardMode::LogBarrierPyramid,
        ForwardMode::Qp,
    ];
    let tally = run_scene_in(system, 30, (0.01, 0.01, 0.06), 6, &modes);
    assert_coverage("flat box", &tally, false);
}

#[test]
fn allegro_sphere_derivatives_match_finite_differences() {
    let modes = [ForwardMode::LogBarrierCone, ForwardMode::LogBarrierPyramid];
    let tally = run_scene_in(scene("allegro-sphere"), 8, (0.02, 0.002, 0.1), 5, &modes);
    assert_coverage("allegro-sphere", &tally, false);
}

/// The exact forms on the Allegro hand, at the same 1e-4 as the planar scenes. With 28
/// contacts, several of them touching with almost no force, a mode switch inside the
/// difference step happens (1 of 20 cases); the usual 10 % allowance applies.
#[test]
fn allegro_sphere_exact_derivatives_match_finite_differences() {
    let modes = [ForwardMode::Socp, ForwardMode::Qp];
    let tally = run_scene_in(scene("allegro-sphere"), 10, (0.02, 0.002, 0.1), 5, &modes);
    assert_coverage("allegro-sphere (exact)", &tally, false);
}
