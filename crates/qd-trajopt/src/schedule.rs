//! How much to smooth at each iteration (docs/trajopt.md, step 3): smoothing is strong at first, so
//! that contacts not yet made still pull, and fades so that the last iterations see
//! (nearly) the true dynamics.

use crate::error::TrajoptError;
use qd_smoothing::Smoothing;
use serde::{Deserialize, Serialize};

/// Exponent of the randomized schedule σ_i = σ₀ / i^0.8 (docs/trajopt.md).
pub const SIGMA_DECAY_EXPONENT: f64 = 0.8;

/// The smoothing of the linearisations, iteration by iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SmoothingSchedule {
    /// No smoothing: exact derivatives of the SOCP/QP step (contacts not made give no
    /// gradient — the baseline that stalls).
    Exact,
    /// Analytic smoothing: the log-barrier step, κ growing geometrically from `kappa_start`
    /// at the first iteration to `kappa_end` at the last.
    Analytic {
        /// κ at iteration 1 (> 0).
        kappa_start: f64,
        /// κ at the last iteration (≥ kappa_start).
        kappa_end: f64,
    },
    /// Randomized first-order smoothing (bundled gradient) with input noise
    /// σ_i = σ₀ / i^0.8 (rad or m) and `samples` samples per time step.
    RandomizedFirstOrder {
        /// σ₀ (> 0).
        sigma0: f64,
        /// Samples per time step.
        samples: usize,
        /// Seed; iteration i uses seed + i, so each iteration draws fresh noise.
        seed: u64,
    },
    /// Randomized zero-order smoothing (least-squares fit of sampled steps), noise σ_i on
    /// both u and q (A needs perturbed q).
    RandomizedZeroOrder {
        /// σ₀ (> 0).
        sigma0: f64,
        /// Samples per time step (at least n_v + n_a + 2).
        samples: usize,
        /// Seed, as for first order.
        seed: u64,
    },
}

impl SmoothingSchedule {
    /// Checks the schedule's parameters.
    ///
    /// # Errors
    /// κ or σ₀ not finite and positive, κ_end < κ_start, no samples.
    pub fn check(&self) -> Result<(), TrajoptError> {
        let bad = |message: String| Err(TrajoptError::InvalidParameter(message));
        match *self {
            SmoothingSchedule::Exact => Ok(()),
            SmoothingSchedule::Analytic {
                kappa_start,
                kappa_end,
            } => {
                if !(kappa_start.is_finite() && kappa_start > 0.0 && kappa_end.is_finite()) {
                    return bad(format!(
                        "κ range [{kappa_start}, {kappa_end}] must be finite and positive"
                    ));
                }
                if kappa_end < kappa_start {
                    return bad(format!(
                        "κ must not decrease: κ_end = {kappa_end} < κ_start = {kappa_start}"
                    ));
                }
                Ok(())
            }
            SmoothingSchedule::RandomizedFirstOrder {
                sigma0, samples, ..
            }
            | SmoothingSchedule::RandomizedZeroOrder {
                sigma0, samples, ..
            } => {
                if !(sigma0.is_finite() && sigma0 > 0.0) {
                    return bad(format!("σ₀ must be finite and > 0, got {sigma0}"));
                }
                if samples == 0 {
                    return bad("randomized smoothing needs at least one sample".to_string());
                }
                Ok(())
            }
        }
    }

    /// The smoothing of iteration `iteration` (1-based) of `iterations`.
    pub fn at(&self, iteration: usize, iterations: usize) -> Smoothing {
        let i = iteration.max(1);
        match *self {
            SmoothingSchedule::Exact => Smoothing::Exact,
            SmoothingSchedule::Analytic {
                kappa_start,
                kappa_end,
            } => {
                let fraction = if iterations > 1 {
                    (i - 1).min(iterations - 1) as f64 / (iterations - 1) as f64
                } else {
                    0.0
                };
                Smoothing::Analytic {
                    kappa: kappa_start * (kappa_end / kappa_start).powf(fraction),
                }
            }
            SmoothingSchedule::RandomizedFirstOrder {
                sigma0,
                samples,
                seed,
            } => Smoothing::RandomizedFirstOrder {
                sigma_u: sigma(sigma0, i),
                sigma_q: 0.0,
                samples,
                seed: seed.wrapping_add(i as u64),
            },
            SmoothingSchedule::RandomizedZeroOrder {
                sigma0,
                samples,
                seed,
            } => Smoothing::RandomizedZeroOrder {
                sigma_u: sigma(sigma0, i),
                sigma_q: sigma(sigma0, i),
                samples,
                seed: seed.wrapping_add(i as u64),
            },
        }
    }
}

/// σ_i = σ₀ / i^0.8.
pub fn sigma(sigma0: f64, iteration: usize) -> f64 {
    sigma0 / (iteration.max(1) as f64).powf(SIGMA_DECAY_EXPONENT)
}

/// A smoothing level as reported per iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SmoothingLevel {
    /// Exact derivatives.
    Exact,
    /// Log-barrier weight κ.
    Analytic {
        /// κ.
        kappa: f64,
    },
    /// Randomized smoothing with input noise σ (rad or m).
    Randomized {
        /// σ_u.
        sigma: f64,
        /// Samples per time step.
        samples: usize,
    },
}

impl From<Smoothing> for SmoothingLevel {
    fn from(smoothing: Smoothing) -> Self {
        match smoothing {
            Smoothing::Exact => SmoothingLevel::Exact,
            Smoothing::Analytic { kappa } => SmoothingLevel::Analytic { kappa },
            Smoothing::RandomizedFirstOrder {
                sigma_u, samples, ..
            }
            | Smoothing::RandomizedZeroOrder {
                sigma_u, samples, ..
            } => SmoothingLevel::Randomized {
                sigma: sigma_u,
                samples,
            },
        }
    }
}
