//! The 1-D problem `min_y ½(y − x)² s.t. y ≥ 0` (docs/smoothing.md).
//!
//! Its barrier relaxation has the solution y_κ(x) = (x + √(x² + 4/κ))/2, which equals
//! E[max(x + w, 0)] for w ~ ρ_κ, and dy_κ/dx = F_κ(x) = P(x + w > 0). The checks:
//!
//! 1. y_κ solves the barrier problem: the stationarity residual y − x − 1/(κ y) vanishes.
//! 2. E[max(x + w, 0)] under ρ_κ equals y_κ(x), by quadrature (ρ_κ has infinite variance, so
//!    a plain Monte-Carlo mean of the value has no standard error to test against).
//! 3. P(x + w > 0) by Monte Carlo equals dy_κ/dx within 3 standard errors, for each N; the
//!    bounded indicator has variance F(1 − F), so the standard error is checked against
//!    √(F(1 − F)/N) (the 1/√N law) as well.

use super::{Check, STANDARD_ERROR_MULTIPLE, SuiteOptions, mean_and_standard_error};
use crate::closed_form::{
    barrier_equivalent_cdf, relu_barrier_derivative, relu_barrier_expectation_by_quadrature,
    relu_barrier_solution,
};
use crate::noise::{BarrierEquivalent, sample_stream};
use rayon::prelude::*;

const GROUP: &str = "1-D ReLU, barrier noise ρ_κ";

/// The points (x, κ) the identities are checked at: below, at and above the kink.
pub const POINTS: [(f64, f64); 4] = [(-0.1, 100.0), (0.0, 100.0), (0.05, 100.0), (0.02, 1e4)];

/// P(x + w > 0) for w ~ ρ_κ by Monte Carlo: the mean indicator and its standard error.
pub fn indicator_mean(x: f64, kappa: f64, samples: usize, seed: u64, stream: u64) -> (f64, f64) {
    let noise = BarrierEquivalent { kappa };
    let indicators: Vec<f64> = (0..samples)
        .into_par_iter()
        .map(|k| {
            let mut rng = sample_stream(seed, stream, k as u64);
            if x + noise.draw_one(&mut rng) > 0.0 {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    mean_and_standard_error(&indicators)
}

/// All checks of this module.
pub fn checks(options: &SuiteOptions) -> Vec<Check> {
    let mut checks = Vec::new();
    for (index, &(x, kappa)) in POINTS.iter().enumerate() {
        let y = relu_barrier_solution(x, kappa);
        let residual = y - x - 1.0 / (kappa * y);
        checks.push(Check::deterministic(
            GROUP,
            format!("x = {x}, κ = {kappa:e}: y_κ solves y − x − 1/(κy) = 0"),
            residual,
            0.0,
            1e-12,
        ));
        checks.push(Check::deterministic(
            GROUP,
            format!("x = {x}, κ = {kappa:e}: E[max(x + w, 0)] (quadrature) = y_κ(x)"),
            relu_barrier_expectation_by_quadrature(x, kappa),
            y,
            1e-10,
        ));
        let expected = relu_barrier_derivative(x, kappa);
        for &n in &options.sample_sizes {
            let (mean, se) = indicator_mean(x, kappa, n, options.seed, index as u64);
            checks.push(Check::statistical(
                GROUP,
                format!("x = {x}, κ = {kappa:e}: P(x + w > 0) = dy_κ/dx"),
                n,
                mean,
                expected,
                se,
                STANDARD_ERROR_MULTIPLE,
            ));
            let f = barrier_equivalent_cdf(x, kappa);
            let theory = (f * (1.0 - f) / n as f64).sqrt();
            checks.push(
                Check::deterministic(
                    GROUP,
                    format!("x = {x}, κ = {kappa:e}: SE = √(F(1 − F)/N) (1/√N law, ±5%)"),
                    se,
                    theory,
                    0.05 * theory,
                )
                .with_samples(n),
            );
        }
    }
    checks
}
