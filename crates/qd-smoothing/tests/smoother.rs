//! The smoother's contract: what each method computes, how samples are dropped and counted,
//! and bad input.

use qd_dynamics::{DynamicsError, QuasiDynamicSystem, StepWorkspace};
use qd_dynamics::{ForwardMode, GradientMode};
use qd_smoothing::equivalence::matched::squeezed_point;
use qd_smoothing::noise::NoiseModel;
use qd_smoothing::{Derivatives, Linearization, Order, Smoother, Smoothing, SmoothingError};
use rand::distr::{Distribution, Open01};
use rand::rngs::ChaCha8Rng;

fn system(scene: &str, mode: ForwardMode) -> QuasiDynamicSystem {
    let mut system = QuasiDynamicSystem::new(qd_scenes::load(scene).expect("built-in scene"))
        .expect("step settings");
    system.settings_mut().forward_mode = mode;
    system
}

/// The linearisation of `system` at (q, u) by `method`, which must work.
fn linearize(
    system: &QuasiDynamicSystem,
    method: Smoothing,
    derivatives: Derivatives,
    q: &[f64],
    u: &[f64],
) -> Linearization {
    Smoother::new(system, method, derivatives)
        .expect("valid smoother")
        .linearize(q, u)
        .expect("linearisation")
}

/// A scene stepped by the cone barrier, its squeezed point (q, u) and the analytic
/// linearisation there at κ = 100.
fn barrier_point(
    scene: &str,
    derivatives: Derivatives,
) -> (QuasiDynamicSystem, Vec<f64>, Vec<f64>, Linearization) {
    let barrier = system(scene, ForwardMode::LogBarrierCone);
    let (q, u) = squeezed_point(&barrier, 0.05).expect("grasp");
    let nominal = linearize(
        &barrier,
        Smoothing::Analytic { kappa: 10.0 },
        derivatives,
        &q,
        &u,
    );
    (barrier, q, u, nominal)
}

fn max_abs_difference(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Exact and analytic smoothing are the dynamics layer's own step and derivatives, in the
/// documented forms (SOCP; cone barrier at the given κ).
#[test]
fn exact_and_analytic_use_the_documented_steps() {
    let base = system("planar-hand", ForwardMode::Socp);
    let (q, u) = squeezed_point(&base, 0.05).expect("grasp");
    for (method, mode, kappa) in [
        (Smoothing::Exact, ForwardMode::Socp, None),
        (
            Smoothing::Analytic { kappa: 3e2 },
            ForwardMode::LogBarrierCone,
            Some(3e2),
        ),
    ] {
        let lin = Smoother::new(&base, method, Derivatives::AB)
            .unwrap()
            .linearize(&q, &u)
            .unwrap();
        let mut reference = base.clone();
        reference.settings_mut().forward_mode = mode;
        reference.settings_mut().gradient_mode = GradientMode::Ab;
        if let Some(kappa) = kappa {
            reference.settings_mut().kappa = kappa;
        }
        let step = reference
            .step(&mut StepWorkspace::default(), &q, &u)
            .unwrap();
        let gradients = step.gradients.unwrap();
        assert_eq!(lin.c, step.q_next, "{method:?}");
        assert_eq!(lin.b, gradients.b_v, "{method:?}");
        assert_eq!(lin.a, gradients.a_v, "{method:?}");
        assert_eq!(lin.report.sensitivity, Some(gradients.report));
    }
}

/// With vanishing noise the randomized estimates return the nominal step's c, B and A — on a
/// planar system and on the Allegro hand's free sphere (tangent coordinates).
#[test]
fn randomized_estimates_tend_to_the_nominal_derivatives() {
    for scene in ["planar-hand", "allegro-sphere"] {
        let (barrier, q, u, nominal) = barrier_point(scene, Derivatives::AB);
        let first = Smoothing::RandomizedFirstOrder {
            sigma_u: 1e-7,
            sigma_q: 1e-7,
            samples: 8,
            seed: 1,
        };
        let lin = linearize(&barrier, first, Derivatives::AB, &q, &u);
        assert_eq!(
            lin.report.valid, 8,
            "{scene}: {:?}",
            lin.report.first_failure
        );
        assert!(max_abs_difference(&lin.c, &nominal.c) < 1e-6, "{scene}: c");
        let scale = nominal.b.norm().max(1.0);
        assert!((&lin.b - &nominal.b).norm() < 1e-5 * scale, "{scene}: B");
        let (a, a_nominal) = (lin.a.unwrap(), nominal.a.unwrap());
        assert!(
            (&a - &a_nominal).norm() < 1e-5 * a_nominal.norm().max(1.0),
            "{scene}: A"
        );
    }
}

/// Zero-order regression at small noise on a smooth (barrier) step gives the nominal B.
#[test]
fn zero_order_fit_recovers_the_derivative_of_a_smooth_step() {
    let (barrier, q, u, nominal) = barrier_point("planar-hand", Derivatives::B);
    let zero = Smoothing::RandomizedZeroOrder {
        sigma_u: 1e-4,
        sigma_q: 0.0,
        samples: 60,
        seed: 2,
    };
    let lin = linearize(&barrier, zero, Derivatives::B, &q, &u);
    let error = (&lin.b - &nominal.b).norm() / nominal.b.norm();
    assert!(error < 1e-3, "relative error {error}");
}

/// Noise that makes some samples' u NaN (their step is refused) and leaves the others at the
/// nominal point.
struct Poisoned {
    fraction: f64,
}

impl NoiseModel for Poisoned {
    fn perturbs_q(&self) -> bool {
        false
    }
    fn draw(&self, rng: &mut ChaCha8Rng, w_q: &mut [f64], w_u: &mut [f64]) {
        let pick: f64 = Open01.sample(rng);
        w_u.fill(if pick < self.fraction { f64::NAN } else { 0.0 });
        w_q.fill(0.0);
    }
}

#[test]
fn failed_samples_are_dropped_counted_and_never_averaged() {
    let (barrier, q, u, nominal) = barrier_point("planar-hand", Derivatives::B);
    let smoother = Smoother::new(&barrier, Smoothing::Exact, Derivatives::B).unwrap();
    let noise = Poisoned { fraction: 0.3 };
    let lin = smoother
        .linearize_with_noise(&noise, Order::First, 100, 4, &q, &u)
        .unwrap();
    let report = &lin.report;
    assert_eq!(report.samples, 100);
    assert!(
        report.dropped_failed_step > 15 && report.dropped_failed_step < 45,
        "{report:?}"
    );
    assert_eq!(
        report.valid + report.dropped_failed_step + report.dropped_unreliable,
        100
    );
    assert!(
        report
            .first_failure
            .as_deref()
            .is_some_and(|f| f.contains("not finite"))
    );
    // Every valid sample is the nominal step: a NaN averaged in would show.
    assert!((&lin.b - &nominal.b).norm() < 1e-12);
    assert!(lin.b.iter().all(|x| x.is_finite()));
    // Above the minimum valid fraction: a typed error naming the first failure.
    let strict = smoother.clone().with_min_valid_fraction(0.9).unwrap();
    match strict.linearize_with_noise(&noise, Order::First, 100, 4, &q, &u) {
        Err(SmoothingError::TooFewValidSamples {
            valid,
            required,
            first_failure,
            ..
        }) => {
            assert_eq!(required, 90);
            assert_eq!(valid, report.valid);
            assert!(first_failure.contains("not finite"));
        }
        other => panic!("expected TooFewValidSamples, got {other:?}"),
    }
}

#[test]
fn trajectories_batch_the_points_and_check_lengths() {
    let base = system("planar-hand", ForwardMode::LogBarrierCone);
    let (q, u) = squeezed_point(&base, 0.05).expect("grasp");
    let inputs = vec![u.clone(); 3];
    let rollout = base
        .rollout(&mut StepWorkspace::default(), &q, &inputs)
        .unwrap();
    let method = Smoothing::RandomizedFirstOrder {
        sigma_u: 0.05,
        sigma_q: 0.0,
        samples: 16,
        seed: 9,
    };
    let smoother = Smoother::new(&base, method, Derivatives::B).unwrap();
    // T + 1 states (a whole rollout) and T states are both accepted.
    let all = smoother
        .linearize_trajectory(&rollout.states, &inputs)
        .unwrap();
    let trimmed = smoother
        .linearize_trajectory(&rollout.states[..3], &inputs)
        .unwrap();
    assert_eq!(all.len(), 3);
    for (a, b) in all.iter().zip(&trimmed) {
        assert_eq!(a.b, b.b);
    }
    // Time step 0 of a trajectory draws the same streams as a single linearisation.
    let single = smoother.linearize(&rollout.states[0], &u).unwrap();
    assert_eq!(single.b, all[0].b);
    assert_eq!(single.c, all[0].c);
    // Mismatched lengths.
    assert!(matches!(
        smoother.linearize_trajectory(&rollout.states[..2], &inputs),
        Err(SmoothingError::TrajectoryLength {
            states: 2,
            inputs: 3
        })
    ));
    // A bad state is reported with its time step.
    let mut states = rollout.states.clone();
    states[2][0] = f64::NAN;
    match smoother.linearize_trajectory(&states, &inputs) {
        Err(SmoothingError::Dynamics { t: 2, .. }) => {}
        other => panic!("expected an error at t = 2, got {other:?}"),
    }
}

#[test]
fn bad_input_and_parameters_are_errors() {
    let base = system("planar-hand", ForwardMode::LogBarrierCone);
    let (q, u) = squeezed_point(&base, 0.05).expect("grasp");
    let first = |sigma_u: f64, sigma_q: f64, samples: usize| Smoothing::RandomizedFirstOrder {
        sigma_u,
        sigma_q,
        samples,
        seed: 0,
    };
    let zero = |sigma_q: f64, samples: usize| Smoothing::RandomizedZeroOrder {
        sigma_u: 0.1,
        sigma_q,
        samples,
        seed: 0,
    };
    let invalid = [
        (Smoothing::Analytic { kappa: 0.0 }, Derivatives::B),
        (Smoothing::Analytic { kappa: f64::NAN }, Derivatives::B),
        (first(0.0, 0.0, 10), Derivatives::B),
        (first(f64::INFINITY, 0.0, 10), Derivatives::B),
        (first(0.1, -1.0, 10), Derivatives::B),
        (first(0.1, 0.0, 0), Derivatives::B),
        // Zero-order A needs noise on q; a 4-input fit needs 6 samples.
        (zero(0.0, 100), Derivatives::AB),
        (zero(0.0, 5), Derivatives::B),
    ];
    for (method, derivatives) in invalid {
        assert!(
            matches!(
                Smoother::new(&base, method, derivatives),
                Err(SmoothingError::InvalidParameter(_))
            ),
            "{method:?} accepted"
        );
    }
    let smoother = Smoother::new(&base, first(0.1, 0.0, 10), Derivatives::B).unwrap();
    assert!(smoother.clone().with_min_valid_fraction(0.0).is_err());
    assert!(smoother.clone().with_min_valid_fraction(1.5).is_err());
    assert!(matches!(
        smoother.linearize(&q[..3], &u),
        Err(SmoothingError::Dynamics {
            t: 0,
            error: DynamicsError::Geometry(_)
        })
    ));
    assert!(matches!(
        smoother.linearize(&q, &u[..2]),
        Err(SmoothingError::Dynamics {
            t: 0,
            error: DynamicsError::InputLength { .. }
        })
    ));
    let mut bad_u = u.clone();
    bad_u[1] = f64::INFINITY;
    assert!(matches!(
        smoother.linearize(&q, &bad_u),
        Err(SmoothingError::Dynamics {
            t: 0,
            error: DynamicsError::NonFinite {
                what: "u",
                index: 1
            }
        })
    ));
}

#[test]
fn a_warm_started_linearisation_has_the_same_minimiser() {
    let (system, q, u, cold) = barrier_point("planar-hand", Derivatives::B);
    let smoother = Smoother::new(&system, Smoothing::Analytic { kappa: 10.0 }, Derivatives::B)
        .expect("valid smoother");
    // The step of a nearby input as the guess, and a poor one (zero motion).
    let nearby: Vec<f64> = u.iter().map(|v| v + 0.01).collect();
    let near = smoother.linearize(&q, &nearby).expect("nearby point");
    let guess = system
        .scene()
        .tree()
        .difference(&q, &near.c)
        .expect("same sizes");
    let zero = vec![0.0; guess.len()];
    for start in [&guess, &zero] {
        let warm = smoother
            .linearize_from(&q, &u, Some(start))
            .expect("warm-started linearisation");
        assert!(max_abs_difference(&warm.c, &cold.c) < 1e-7);
        assert!(max_abs_difference(warm.b.as_slice(), cold.b.as_slice()) < 1e-5);
    }
    let wrong = smoother.linearize_from(&q, &u, Some(&[0.0; 2]));
    assert!(wrong.is_err(), "a guess of the wrong length is refused");
}
