//! Typed errors of the trajectory-optimisation layer.

use qd_dynamics::{DynamicsError, RolloutError};
use qd_geometry::GeometryError;
use qd_smoothing::SmoothingError;
use thiserror::Error;

/// Everything that can go wrong while setting up or running trajectory optimisation. Each
/// message names what was wrong.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TrajoptError {
    /// A setting or weight is out of range (horizon 0, negative weight, σ ≤ 0, ...).
    #[error("invalid trajectory-optimisation parameter: {0}")]
    InvalidParameter(String),
    /// A vector has the wrong length.
    #[error("{what} has length {got}, expected {expected}")]
    Dimension {
        /// Which vector.
        what: String,
        /// The length the problem needs.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A NaN or infinite entry in a vector given by the user.
    #[error("{what}[{index}] is not finite")]
    NonFinite {
        /// Which vector.
        what: String,
        /// First bad index.
        index: usize,
    },
    /// An input lies outside its joint's limits.
    #[error("{what}: u[{index}] = {value} is outside the joint limits [{lower}, {upper}]")]
    OutsideLimits {
        /// Which input trajectory (e.g. "initial inputs, step 3").
        what: String,
        /// Index into u.
        index: usize,
        /// The value.
        value: f64,
        /// Lower limit.
        lower: f64,
        /// Upper limit.
        upper: f64,
    },
    /// The scene has no task, or its task lacks what trajectory optimisation needs.
    #[error("scene '{scene}': {reason}")]
    Task {
        /// Scene name.
        scene: String,
        /// What is missing or wrong.
        reason: String,
    },
    /// A configuration could not be compared with the goal (wrong length, non-finite).
    #[error(transparent)]
    Geometry(#[from] GeometryError),
    /// A step of the initial rollout failed: the nominal trajectory does not exist.
    #[error("initial rollout failed at {0}")]
    InitialRollout(RolloutError),
    /// A dynamics check failed (e.g. the start configuration).
    #[error(transparent)]
    Dynamics(#[from] DynamicsError),
    /// The smoothed linearisation along the nominal trajectory failed.
    #[error("smoothing at iteration {iteration}: {error}")]
    Smoothing {
        /// Iteration (1-based).
        iteration: usize,
        /// The smoothing layer's error.
        error: SmoothingError,
    },
    /// The trust-region QP could not be solved.
    #[error("iteration {iteration}: the trust-region QP failed ({status})")]
    Qp {
        /// Iteration (1-based; 0 for a QP solved outside the optimiser).
        iteration: usize,
        /// Clarabel's status, or why the data were refused.
        status: String,
    },
}

pub(crate) fn check_finite(values: &[f64], what: &str) -> Result<(), TrajoptError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(TrajoptError::NonFinite {
            what: what.to_string(),
            index,
        }),
        None => Ok(()),
    }
}

pub(crate) fn check_length(
    values: &[f64],
    expected: usize,
    what: &str,
) -> Result<(), TrajoptError> {
    if values.len() != expected {
        return Err(TrajoptError::Dimension {
            what: what.to_string(),
            expected,
            got: values.len(),
        });
    }
    check_finite(values, what)
}
