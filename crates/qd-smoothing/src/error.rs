//! Typed errors of the smoothing layer.

use qd_dynamics::DynamicsError;
use thiserror::Error;

/// Everything that can go wrong while smoothing. Each message names what was wrong.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SmoothingError {
    /// A step that the estimate cannot do without failed: the nominal step of exact or
    /// analytic smoothing, or the check of q and u.
    #[error("time step {t}: {error}")]
    Dynamics {
        /// Time step of the trajectory (0 for a single linearisation).
        t: usize,
        /// The dynamics layer's error.
        error: DynamicsError,
    },
    /// A parameter of the smoothing method is invalid (σ ≤ 0, κ ≤ 0, no samples, ...).
    #[error("invalid smoothing parameter: {0}")]
    InvalidParameter(String),
    /// Too few samples gave a valid step for the estimate to be trusted.
    #[error(
        "only {valid} of {samples} samples gave a valid step at time step {t} \
         (at least {required} needed); first failure: {first_failure}"
    )]
    TooFewValidSamples {
        /// Time step of the trajectory (0 for a single linearisation).
        t: usize,
        /// Samples drawn.
        samples: usize,
        /// Samples whose step (and derivatives, for first order) succeeded.
        valid: usize,
        /// The minimum: `ceil(min_valid_fraction · samples)`, and enough for the fit.
        required: usize,
        /// What the first dropped sample reported.
        first_failure: String,
    },
    /// States and inputs of a trajectory do not line up.
    #[error(
        "trajectory has {states} states and {inputs} inputs (need T or T + 1 states for T inputs)"
    )]
    TrajectoryLength {
        /// Number of states given.
        states: usize,
        /// Number of inputs given.
        inputs: usize,
    },
}
