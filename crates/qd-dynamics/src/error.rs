//! Typed errors of the dynamics layer.

use thiserror::Error;

/// Everything that can go wrong in a step. Each message names what was wrong.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DynamicsError {
    /// A geometry-layer failure (bad q length, non-finite q, distance query).
    #[error(transparent)]
    Geometry(#[from] qd_geometry::GeometryError),
    /// The input u has the wrong length.
    #[error("u has length {got}, expected n_a = {expected}")]
    InputLength {
        /// n_a.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// A NaN or infinite entry in an input vector.
    #[error("{what}[{index}] is not finite")]
    NonFinite {
        /// Which vector.
        what: &'static str,
        /// First bad index.
        index: usize,
    },
    /// A free body's quaternion in q is not of unit norm.
    #[error(
        "quaternion of '{joint}' has norm {norm}; q must hold unit quaternions (normalise it first)"
    )]
    UnnormalisedQuaternion {
        /// The free joint.
        joint: String,
        /// Its norm.
        norm: f64,
    },
    /// The conic solver did not solve the step.
    #[error("{mode} step not solved: {status}")]
    SolverFailed {
        /// Forward mode.
        mode: &'static str,
        /// What the solver reported.
        status: String,
    },
    /// The barrier forms need a strictly feasible start and none was found.
    #[error(
        "no strictly feasible start for the barrier step (contacts too deep to resolve in one step)"
    )]
    NoStrictlyFeasibleStart,
    /// A parameter the barrier forms need is invalid.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
}
