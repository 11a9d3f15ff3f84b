//! What to smooth with, and what comes out.

use nalgebra::DMatrix;
use qd_dynamics::SensitivityReport;

/// How the linearisation of the step is smoothed (docs/smoothing.md).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Smoothing {
    /// No smoothing: the exact step (SOCP, or QP when the system is configured with pyramids)
    /// and its exact derivatives.
    Exact,
    /// Analytic smoothing: the log-barrier step at weight κ (cone barrier, or pyramid when the
    /// system is configured with pyramids) and its derivatives. Larger κ = less smoothing.
    Analytic {
        /// Barrier weight κ (> 0).
        kappa: f64,
    },
    /// Randomized first order ("bundled gradient"): the mean of the step's derivatives at
    /// `samples` perturbed points. Samples use the system's configured forward mode.
    RandomizedFirstOrder {
        /// Standard deviation of the noise on u (units of u: rad or m), > 0.
        sigma_u: f64,
        /// Standard deviation of the noise on q (tangent coordinates), ≥ 0; 0 keeps q fixed.
        sigma_q: f64,
        /// Number of samples N (≥ 1).
        samples: usize,
        /// Seed: sample k of time step t draws from the stream (seed, t, k).
        seed: u64,
    },
    /// Randomized zero order: the least-squares fit of the sampled steps on their
    /// perturbations; no derivatives. Needs N ≥ (perturbed coordinates) + 2 samples, and
    /// σ_q > 0 for A.
    RandomizedZeroOrder {
        /// Standard deviation of the noise on u, > 0.
        sigma_u: f64,
        /// Standard deviation of the noise on q (tangent coordinates), ≥ 0.
        sigma_q: f64,
        /// Number of samples N.
        samples: usize,
        /// Seed, as for first order.
        seed: u64,
    },
}

/// Which derivatives the linearisation holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derivatives {
    /// B only.
    B,
    /// A and B.
    AB,
}

/// The order of a randomized estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Mean of sampled derivatives.
    First,
    /// Least-squares fit of sampled values.
    Zero,
}

/// A smoothed linearisation of the step at (q, ū):
/// `step(q ⊕ δq, ū + δu) ≈ c ⊕ (A δq + B δu)`.
///
/// A and B are in tangent (velocity) coordinates: rows and the columns of A are n_v, with
/// world-frame translation and rotation vectors for free bodies, as planners use them. For
/// systems without free bodies these are plain configuration coordinates.
#[derive(Debug, Clone)]
pub struct Linearization {
    /// c: the (smoothed) next configuration, n_q.
    pub c: Vec<f64>,
    /// B: n_v × n_a.
    pub b: DMatrix<f64>,
    /// A: n_v × n_v, with [`Derivatives::AB`].
    pub a: Option<DMatrix<f64>>,
    /// How the estimate went.
    pub report: SmoothingReport,
}

/// How a linearisation was obtained and how much to trust it.
#[derive(Debug, Clone, Default)]
pub struct SmoothingReport {
    /// Samples drawn (1 for exact and analytic smoothing).
    pub samples: usize,
    /// Samples averaged in.
    pub valid: usize,
    /// Samples dropped because their step failed or did not converge.
    pub dropped_failed_step: usize,
    /// Samples dropped because their derivative was flagged unreliable (first order).
    pub dropped_unreliable: usize,
    /// What the first dropped sample reported.
    pub first_failure: Option<String>,
    /// Monte-Carlo standard error of each entry of B (randomized methods).
    pub b_standard_error: Option<DMatrix<f64>>,
    /// Monte-Carlo standard error of each entry of A (randomized methods, with A).
    pub a_standard_error: Option<DMatrix<f64>>,
    /// Standard error of c in tangent coordinates (randomized methods), n_v.
    pub c_standard_error: Option<Vec<f64>>,
    /// The dynamics layer's report on the derivative (exact and analytic smoothing).
    pub sensitivity: Option<SensitivityReport>,
}
