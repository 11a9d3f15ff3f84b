//! The Monte-Carlo estimators against maps whose answer is known.

use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use qd_smoothing::monte_carlo::{first_order, zero_order};
use qd_smoothing::noise::sample_stream;
use rand_distr::{Distribution, StandardNormal};

/// `n` Gaussian perturbations of dimension `m` with standard deviation `sigma`.
fn perturbations(n: usize, m: usize, sigma: f64, seed: u64) -> Vec<DVector<f64>> {
    (0..n)
        .map(|k| {
            let mut rng = sample_stream(seed, 0, k as u64);
            DVector::from_fn(m, |_, _| {
                let z: f64 = StandardNormal.sample(&mut rng);
                sigma * z
            })
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// On an affine map f(w) = A w + c both estimators return A and c: first order exactly
    /// (every sample's Jacobian is A), zero order up to rounding (the fit has no residual).
    #[test]
    fn affine_maps_are_recovered(
        entries in prop::collection::vec(-2.0..2.0f64, 12),
        offset in prop::collection::vec(-1.0..1.0f64, 3),
        seed in 0..1000u64,
    ) {
        let a = DMatrix::from_row_slice(3, 4, &entries);
        let c = DVector::from_column_slice(&offset);
        let w = perturbations(30, 4, 0.1, seed);
        let values: Vec<DVector<f64>> = w.iter().map(|w| &a * w + &c).collect();
        let jacobians = vec![a.clone(); w.len()];
        let first = first_order(&values, &jacobians).unwrap();
        prop_assert!((&first.jacobian - &a).norm() < 1e-12);
        prop_assert!(first.jacobian_standard_error.norm() < 1e-12);
        let zero = zero_order(&w, &values).unwrap();
        prop_assert!((&zero.jacobian - &a).norm() < 1e-9, "{} vs {}", zero.jacobian, a);
        prop_assert!(zero.jacobian_standard_error.norm() < 1e-8);
        // c is the mean of the values: A w̄ + c.
        let w_mean = w.iter().fold(DVector::zeros(4), |s, w| s + w) / w.len() as f64;
        prop_assert!((&first.value - (&a * &w_mean + &c)).norm() < 1e-12);
        prop_assert!((&zero.value - &first.value).norm() < 1e-12);
    }
}

/// On a quadratic f(w) = ½ wᵀ H w (gradient H w), both slopes estimate 0 and their standard
/// errors match the theory: first order SE² = σ² ‖H_i‖² / N per row entry.
#[test]
fn standard_errors_follow_the_theory_on_a_quadratic() {
    let h = DMatrix::from_row_slice(2, 2, &[2.0, 0.5, 0.5, 1.0]);
    let sigma = 0.1;
    let n = 20_000;
    let w = perturbations(n, 2, sigma, 5);
    let values: Vec<DVector<f64>> = w
        .iter()
        .map(|w| DVector::from_element(1, 0.5 * (w.transpose() * &h * w)[0]))
        .collect();
    let jacobians: Vec<DMatrix<f64>> = w
        .iter()
        .map(|w| DMatrix::from_row_slice(1, 2, (&h * w).as_slice()))
        .collect();
    let first = first_order(&values, &jacobians).unwrap();
    for j in 0..2 {
        let theory = sigma * h.row(j).norm() / (n as f64).sqrt();
        let se = first.jacobian_standard_error[(0, j)];
        assert!(
            (se - theory).abs() < 0.03 * theory,
            "entry {j}: SE {se} vs {theory}"
        );
        assert!(first.jacobian[(0, j)].abs() < 4.0 * se, "entry {j} biased");
    }
    let zero = zero_order(&w, &values).unwrap();
    for j in 0..2 {
        let se = zero.jacobian_standard_error[(0, j)];
        assert!(
            zero.jacobian[(0, j)].abs() < 4.0 * se,
            "zero order entry {j} biased"
        );
    }
}

#[test]
fn bad_sample_sets_are_errors() {
    let w = perturbations(3, 4, 0.1, 1);
    let values: Vec<DVector<f64>> = w.iter().map(|w| w.rows(0, 2).into_owned()).collect();
    // Too few samples for a 4-dimensional fit.
    assert!(zero_order(&w, &values).is_err());
    // No samples.
    let none: [Vec<f64>; 0] = [];
    let no_jacobians: [DMatrix<f64>; 0] = [];
    assert!(first_order(&none, &no_jacobians).is_err());
    assert!(zero_order(&none, &none).is_err());
    // Mismatched sizes.
    let jacobians = vec![
        DMatrix::zeros(2, 4),
        DMatrix::zeros(3, 4),
        DMatrix::zeros(2, 4),
    ];
    assert!(first_order(&values, &jacobians).is_err());
    // A perturbation coordinate that never varies: the fit is undetermined.
    let flat: Vec<DVector<f64>> = perturbations(20, 2, 0.1, 2)
        .into_iter()
        .map(|w| DVector::from_vec(vec![w[0], 0.0]))
        .collect();
    let values: Vec<DVector<f64>> = flat.iter().map(|w| w.rows(0, 1).into_owned()).collect();
    assert!(zero_order(&flat, &values).is_err());
}
