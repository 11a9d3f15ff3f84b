//! The smoothing-equivalence suite (docs/smoothing.md), run in full by `cargo xtask equivalence` and in
//! part by the crate's tests.
//!
//! Every identity is a [`Check`]: an estimate, the value it should equal, and a tolerance.
//! Monte-Carlo checks pass when the estimate is within [`STANDARD_ERROR_MULTIPLE`] standard
//! errors of the expected value (for a family of m entries checked together, the multiple is
//! raised by Bonferroni's rule so that the family fails by chance with probability ≤ 1%);
//! deterministic checks have an absolute tolerance. Seeds are pinned, so a run is repeatable.
//!
//! - [`relu`]: the 1-D problem min ½(y − x)² s.t. y ≥ 0, its barrier solution, and the
//!   barrier-equivalent noise ρ_κ.
//! - [`gaussian`]: Gaussian smoothing of max(x, 0) against its closed form, first and zero
//!   order.
//! - [`pusher_box`]: the 1-D pusher–box step, barrier vs the closed form with κ_eff, and
//!   randomized smoothing of the exact step with ρ_κeff noise vs the barrier's B.
//! - [`matched`]: on a full system (planar hand, Allegro hand), analytic vs randomized B at
//!   matched strength and the approach of both to the exact B.

pub mod gaussian;
pub mod matched;
pub mod pusher_box;
pub mod relu;
mod table;

pub use table::format_checks;

use crate::closed_form::normal_cdf;

/// Monte-Carlo checks pass within this many standard errors.
pub const STANDARD_ERROR_MULTIPLE: f64 = 3.0;

/// One identity checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The group (system or closed form) it belongs to.
    pub group: String,
    /// What is checked.
    pub name: String,
    /// Monte-Carlo samples (None for deterministic checks).
    pub samples: Option<usize>,
    /// The estimate.
    pub estimate: f64,
    /// What it should be (for bounds: the bound).
    pub expected: f64,
    /// Monte-Carlo standard error of the estimate.
    pub standard_error: Option<f64>,
    /// The tolerance on |estimate − expected| (for bounds: unused, 0).
    pub tolerance: f64,
    /// How the check compares.
    pub kind: CheckKind,
    /// Whether it holds.
    pub passed: bool,
}

/// How a check compares its estimate with the expected value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// |estimate − expected| ≤ multiple · standard error.
    Statistical,
    /// |estimate − expected| ≤ tolerance.
    Deterministic,
    /// estimate ≤ expected.
    AtMost,
}

impl Check {
    /// A Monte-Carlo check within `multiple` standard errors.
    pub fn statistical(
        group: &str,
        name: impl Into<String>,
        samples: usize,
        estimate: f64,
        expected: f64,
        standard_error: f64,
        multiple: f64,
    ) -> Check {
        let tolerance = multiple * standard_error;
        Check {
            group: group.into(),
            name: name.into(),
            samples: Some(samples),
            estimate,
            expected,
            standard_error: Some(standard_error),
            tolerance,
            kind: CheckKind::Statistical,
            passed: (estimate - expected).abs() <= tolerance,
        }
    }

    /// A deterministic check with an absolute tolerance.
    pub fn deterministic(
        group: &str,
        name: impl Into<String>,
        estimate: f64,
        expected: f64,
        tolerance: f64,
    ) -> Check {
        Check {
            group: group.into(),
            name: name.into(),
            samples: None,
            estimate,
            expected,
            standard_error: None,
            tolerance,
            kind: CheckKind::Deterministic,
            passed: (estimate - expected).abs() <= tolerance,
        }
    }

    /// A bound: `estimate ≤ bound`.
    pub fn at_most(group: &str, name: impl Into<String>, estimate: f64, bound: f64) -> Check {
        Check {
            group: group.into(),
            name: name.into(),
            samples: None,
            estimate,
            expected: bound,
            standard_error: None,
            tolerance: 0.0,
            kind: CheckKind::AtMost,
            passed: estimate <= bound,
        }
    }

    /// Records the sample count of a bound computed from Monte-Carlo estimates.
    pub fn with_samples(mut self, samples: usize) -> Check {
        self.samples = Some(samples);
        self
    }

    /// |estimate − expected|.
    pub fn error(&self) -> f64 {
        (self.estimate - self.expected).abs()
    }
}

/// The multiple of the standard error at which m two-sided checks fail together by chance
/// with probability at most `family_level` (Bonferroni): z with 2(1 − Φ(z)) = level / m, never
/// below [`STANDARD_ERROR_MULTIPLE`].
pub fn bonferroni_multiple(m: usize, family_level: f64) -> f64 {
    let target = family_level / m.max(1) as f64;
    // Bisection on the monotone tail probability.
    let (mut lo, mut hi) = (0.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if 2.0 * (1.0 - normal_cdf(mid)) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi.max(STANDARD_ERROR_MULTIPLE)
}

/// How large the suite's Monte-Carlo runs are.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteOptions {
    /// Sample counts N of the 1-D identities (the table shows the error shrinking like 1/√N).
    pub sample_sizes: Vec<usize>,
    /// Samples of each randomized B on full systems.
    pub system_samples: usize,
    /// The seed of every Monte-Carlo estimate (pinned so the suite is repeatable).
    pub seed: u64,
}

impl SuiteOptions {
    /// The full suite: N = 10⁴, 10⁵, 10⁶.
    pub fn full() -> Self {
        SuiteOptions {
            sample_sizes: vec![10_000, 100_000, 1_000_000],
            system_samples: 2000,
            seed: 20_261_125,
        }
    }

    /// A fast subset for ordinary tests.
    pub fn quick() -> Self {
        SuiteOptions {
            sample_sizes: vec![10_000],
            system_samples: 1000,
            seed: 20_261_125,
        }
    }
}

/// Mean and standard error (sample standard deviation / √N) of scalar samples, reduced in
/// order.
pub fn mean_and_standard_error(samples: &[f64]) -> (f64, f64) {
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let variance = samples.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / (n - 1.0);
    (mean, (variance / n).sqrt())
}
