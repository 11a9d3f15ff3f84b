//! Gaussian smoothing of max(x, 0) against its closed form (docs/smoothing.md):
//! E[max(x + σz, 0)] = xΦ(x/σ) + σϕ(x/σ), with derivative Φ(x/σ).
//!
//! First order averages the value and the derivative (the indicator of x + σz > 0); zero order
//! fits the sampled values on the perturbations (by Stein's lemma its slope also estimates
//! Φ(x/σ)). Both go through the crate's own estimators ([`crate::monte_carlo`]).
//!
//! Which estimate has the smaller standard error is *not* asserted here: max(x, 0) is piecewise
//! linear, so the zero-order fit's residual is small while the first-order samples are
//! indicators (variance Φ(1 − Φ)); at x = 0 the zero-order slope is the less noisy one. The
//! variance comparison belongs to smooth maps ([`super::matched::first_vs_zero_order`]).

use super::{Check, STANDARD_ERROR_MULTIPLE, SuiteOptions};
use crate::closed_form::{gaussian_smoothed_relu, gaussian_smoothed_relu_derivative};
use crate::monte_carlo;
use crate::noise::sample_stream;
use nalgebra::{DMatrix, DVector};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

const GROUP: &str = "1-D ReLU, Gaussian";

/// The points (x, σ) checked.
pub const POINTS: [(f64, f64); 3] = [(-0.1, 0.1), (0.0, 0.1), (0.2, 0.1)];

/// All checks of this module.
pub fn checks(options: &SuiteOptions) -> Vec<Check> {
    let mut checks = Vec::new();
    for (index, &(x, sigma)) in POINTS.iter().enumerate() {
        for &n in &options.sample_sizes {
            // Stream index 100 + point: apart from the ρ_κ streams of the ReLU checks.
            let w: Vec<f64> = (0..n)
                .into_par_iter()
                .map(|k| {
                    let mut rng = sample_stream(options.seed, 100 + index as u64, k as u64);
                    let z: f64 = StandardNormal.sample(&mut rng);
                    sigma * z
                })
                .collect();
            let values: Vec<DVector<f64>> = w
                .iter()
                .map(|w| DVector::from_element(1, (x + w).max(0.0)))
                .collect();
            let gradients: Vec<DMatrix<f64>> = w
                .iter()
                .map(|w| DMatrix::from_element(1, 1, if x + w > 0.0 { 1.0 } else { 0.0 }))
                .collect();
            let perturbations: Vec<DVector<f64>> =
                w.iter().map(|w| DVector::from_element(1, *w)).collect();
            let label = format!("x = {x}, σ = {sigma}");
            let (Ok(first), Ok(zero)) = (
                monte_carlo::first_order(&values, &gradients),
                monte_carlo::zero_order(&perturbations, &values),
            ) else {
                checks.push(Check::at_most(
                    GROUP,
                    format!("{label}: estimators ran"),
                    1.0,
                    0.0,
                ));
                continue;
            };
            let value = gaussian_smoothed_relu(x, sigma);
            let slope = gaussian_smoothed_relu_derivative(x, sigma);
            checks.push(Check::statistical(
                GROUP,
                format!("{label}: first-order value = xΦ + σϕ"),
                n,
                first.value[0],
                value,
                first.value_standard_error[0],
                STANDARD_ERROR_MULTIPLE,
            ));
            checks.push(Check::statistical(
                GROUP,
                format!("{label}: first-order slope = Φ(x/σ)"),
                n,
                first.jacobian[(0, 0)],
                slope,
                first.jacobian_standard_error[(0, 0)],
                STANDARD_ERROR_MULTIPLE,
            ));
            checks.push(Check::statistical(
                GROUP,
                format!("{label}: zero-order slope = Φ(x/σ)"),
                n,
                zero.jacobian[(0, 0)],
                slope,
                zero.jacobian_standard_error[(0, 0)],
                STANDARD_ERROR_MULTIPLE,
            ));
        }
    }
    checks
}
