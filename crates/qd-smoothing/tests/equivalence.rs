//! The fast subset of the equivalence suite (`cargo xtask equivalence` runs it in full):
//! every identity must hold.

use qd_dynamics::QuasiDynamicSystem;
use qd_smoothing::equivalence::{
    Check, SuiteOptions, format_checks, gaussian, matched, pusher_box, relu,
};

fn assert_all_pass(checks: &[Check]) {
    assert!(!checks.is_empty());
    let failed: Vec<&Check> = checks.iter().filter(|c| !c.passed).collect();
    assert!(
        failed.is_empty(),
        "failed identities:\n{}",
        format_checks(checks)
    );
}

#[test]
fn relu_identities_hold() {
    assert_all_pass(&relu::checks(&SuiteOptions::quick()));
}

#[test]
fn gaussian_smoothing_matches_its_closed_form() {
    assert_all_pass(&gaussian::checks(&SuiteOptions::quick()));
}

#[test]
fn pusher_box_barrier_matches_kappa_eff_and_randomized_smoothing() {
    let system =
        QuasiDynamicSystem::new(qd_scenes::load("pusher-box-1d").unwrap()).expect("step settings");
    let mut options = SuiteOptions::quick();
    options.sample_sizes = vec![4000];
    assert_all_pass(&pusher_box::checks(&system, &options).unwrap());
}

#[test]
fn planar_hand_smoothing_converges_and_orders_agree() {
    let system =
        QuasiDynamicSystem::new(qd_scenes::load("planar-hand").unwrap()).expect("step settings");
    let (q, u) = matched::squeezed_point(&system, 0.05).expect("grasp");
    let report = matched::matched_strength(
        &system,
        &q,
        &u,
        &[1e1, 1e2, 1e3, 1e4],
        &[1e-3, 1e-2, 5e-2, 0.2],
        100,
        3,
    )
    .unwrap();
    let mut checks = matched::convergence_checks(&report);
    checks.extend(matched::first_vs_zero_order(&system, &q, &u, 0.05, 1000, 5).unwrap());
    assert_all_pass(&checks);
}
