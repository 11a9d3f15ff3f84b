//! `step_from`: a guess of δv changes where the barrier's Newton iterations start (the
//! barrier forms, and the own exact solver's first barrier answer), never the step's result.

use proptest::prelude::*;
use qd_dynamics::{DynamicsError, QuasiDynamicSystem, StepWorkspace};
use qd_dynamics::{ForwardMode, GradientMode, SolvePath};

fn planar_hand(mode: ForwardMode) -> QuasiDynamicSystem {
    let mut system =
        QuasiDynamicSystem::new(qd_scenes::load("planar-hand").unwrap()).expect("step settings");
    system.settings_mut().forward_mode = mode;
    system.settings_mut().gradient_mode = GradientMode::B;
    system
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Starting from the step of a nearby command gives the same q⁺ and B, in fewer
    /// iterations (both barrier forms, κ with and without continuation stages).
    #[test]
    fn a_nearby_guess_gives_the_same_step(
        offsets in prop::collection::vec(-0.1..0.1f64, 4),
        pyramid in any::<bool>(),
        kappa in prop_oneof![Just(10.0), Just(1e3)],
    ) {
        let mode = if pyramid { ForwardMode::LogBarrierPyramid } else { ForwardMode::LogBarrierCone };
        let mut system = planar_hand(mode);
        system.settings_mut().kappa = kappa;
        let q = system.scene().default_q().to_vec();
        let hold = system.scene().actuated_positions(&q);
        let u: Vec<f64> = hold.iter().zip(&offsets).map(|(h, o)| h + o).collect();
        let mut workspace = StepWorkspace::default();
        let nominal = system.step(&mut workspace, &q, &hold).unwrap();
        let cold = system.step(&mut workspace, &q, &u).unwrap();
        let warm = system.step_from(&mut workspace, &q, &u, Some(&nominal.dv)).unwrap();
        for (a, b) in cold.q_next.iter().zip(&warm.q_next) {
            prop_assert!((a - b).abs() < 1e-9, "q⁺ {a} vs {b}");
        }
        let (bc, bw) = (cold.gradients.unwrap().b_v, warm.gradients.unwrap().b_v);
        prop_assert!((&bc - &bw).norm() < 1e-7 * bc.norm().max(1.0));
        prop_assert!(warm.report.iterations <= cold.report.iterations);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The own exact solver certifies the same q⁺ and B whatever guess it is handed: a
    /// strictly feasible one (the barrier form's step, which starts its barrier continuation)
    /// or the nominal's exact δv (on the constraints' boundary where a contact is active, so
    /// mostly refused). Without a guess its primal–dual iterations answer, and they keep no
    /// interior point.
    #[test]
    fn the_exact_forms_give_the_same_step_from_any_guess(
        offsets in prop::collection::vec(-0.1..0.1f64, 4),
        pyramid in any::<bool>(),
    ) {
        let mut system = planar_hand(if pyramid { ForwardMode::Qp } else { ForwardMode::Socp });
        let q = system.scene().default_q().to_vec();
        let hold = system.scene().actuated_positions(&q);
        let u: Vec<f64> = hold.iter().zip(&offsets).map(|(h, o)| h + o).collect();
        let mut workspace = StepWorkspace::default();
        let nominal = system.step(&mut workspace, &q, &hold).unwrap();
        prop_assert_eq!(nominal.report.path, SolvePath::OwnExact);
        prop_assert!(nominal.interior_dv.is_none());
        let cold = system.step(&mut workspace, &q, &u).unwrap();
        prop_assume!(cold.report.path == SolvePath::OwnExact);
        let exact_mode = system.settings().forward_mode;
        system.settings_mut().forward_mode = if pyramid {
            ForwardMode::LogBarrierPyramid
        } else {
            ForwardMode::LogBarrierCone
        };
        let interior = system.step(&mut workspace, &q, &hold).unwrap().dv;
        system.settings_mut().forward_mode = exact_mode;
        let warm = system.step_from(&mut workspace, &q, &u, Some(&interior)).unwrap();
        prop_assert_eq!(warm.report.path, SolvePath::OwnExact);
        for (a, b) in cold.q_next.iter().zip(&warm.q_next) {
            prop_assert!((a - b).abs() < 1e-12, "q⁺ {} vs {}", a, b);
        }
        let (bc, bw) = (cold.gradients.unwrap().b_v, warm.gradients.unwrap().b_v);
        prop_assert!((&bc - &bw).norm() < 1e-9 * bc.norm().max(1.0));
        let boundary = system.step_from(&mut workspace, &q, &u, Some(&nominal.dv)).unwrap();
        for (a, b) in cold.q_next.iter().zip(&boundary.q_next) {
            prop_assert!((a - b).abs() < 1e-12, "q⁺ {} vs {}", a, b);
        }
    }
}

#[test]
fn an_infeasible_guess_is_ignored_and_a_bad_one_refused() {
    let system = planar_hand(ForwardMode::LogBarrierCone);
    let q = system.scene().default_q().to_vec();
    let u = system.scene().actuated_positions(&q);
    let mut workspace = StepWorkspace::default();
    let cold = system.step(&mut workspace, &q, &u).unwrap();
    // The ball thrown 5 m sideways, into one finger or the other: outside the barrier's
    // domain, so the usual start is used and the result is bit for bit the cold one.
    let nv = system.scene().tree().nv();
    let ball_y = system.scene().split().unactuated_v[0];
    let mut guess = vec![0.0; nv];
    for shift in [5.0, -5.0] {
        guess[ball_y] = shift;
        let warm = system
            .step_from(&mut workspace, &q, &u, Some(&guess))
            .unwrap();
        assert_eq!(cold.q_next, warm.q_next, "guess {guess:?}");
        assert_eq!(cold.report.iterations, warm.report.iterations);
    }
    assert!(matches!(
        system.step_from(&mut workspace, &q, &u, Some(&guess[..2])),
        Err(DynamicsError::InputLength { .. })
    ));
    let mut nan = guess.clone();
    nan[3] = f64::NAN;
    assert!(matches!(
        system.step_from(&mut workspace, &q, &u, Some(&nan)),
        Err(DynamicsError::NonFinite {
            what: "guess",
            index: 3
        })
    ));
}

/// A workspace that reuses the assembled problem for a new u at the same q, system and parameters:
/// the results are bit for bit those of a fresh workspace, also when steps of other systems,
/// other parameters, other configurations and A's rates come in between.
#[test]
fn reusing_the_assembly_changes_nothing() {
    let mut hand = planar_hand(ForwardMode::LogBarrierCone);
    let q = hand.scene().default_q().to_vec();
    let hold = hand.scene().actuated_positions(&q);
    let mut moved = q.clone();
    moved[4] += 0.01;
    let mut stiffer = hand.clone();
    stiffer.settings_mut().kappa = 1e2;
    let mut with_a = hand.clone();
    with_a.settings_mut().gradient_mode = GradientMode::Ab;
    let socp = planar_hand(ForwardMode::Socp);
    let mut shared = StepWorkspace::reusing_assembly();
    let fresh = |system: &QuasiDynamicSystem, q: &[f64], u: &[f64]| {
        system.step(&mut StepWorkspace::default(), q, u).unwrap()
    };
    let mut check = |system: &QuasiDynamicSystem, q: &[f64], offset: f64| {
        let u: Vec<f64> = hold.iter().map(|h| h + offset).collect();
        let reused = system.step(&mut shared, q, &u).unwrap();
        let reference = fresh(system, q, &u);
        assert_eq!(reused.q_next, reference.q_next, "offset {offset}");
        assert_eq!(
            reused.gradients.map(|g| g.b_v),
            reference.gradients.map(|g| g.b_v)
        );
    };
    for offset in [0.0, 0.02, -0.03] {
        check(&hand, &q, offset);
    }
    check(&stiffer, &q, 0.01);
    check(&hand, &q, 0.01);
    check(&with_a, &q, 0.01);
    check(&with_a, &q, 0.02);
    check(&hand, &moved, 0.01);
    check(&socp, &moved, 0.02);
    check(&hand, &moved, 0.03);
    // Parameters changed in place on the same system.
    hand.settings_mut().h = 0.05;
    check(&hand, &moved, 0.03);
}
