//! Typed errors of the RRT layer.

use qd_dynamics::DynamicsError;
use qd_geometry::GeometryError;
use qd_smoothing::SmoothingError;
use thiserror::Error;

/// Everything that can go wrong while setting up or growing the tree. Each message names what
/// was wrong. Failures of single extensions or regrasps are not errors: they are counted in
/// the result and the tree grows on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RrtError {
    /// A setting is out of range (step ≤ 0, probability outside [0, 1], no nodes, ...).
    #[error("invalid RRT parameter: {0}")]
    InvalidParameter(String),
    /// The scene has no task, or its task lacks what the RRT needs.
    #[error("scene '{scene}': {reason}")]
    Task {
        /// Scene name.
        scene: String,
        /// What is missing or wrong.
        reason: String,
    },
    /// A vector has the wrong length or a non-finite entry.
    #[error("{what}: {reason}")]
    BadVector {
        /// Which vector.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A geometry query failed (contact sampling, configuration differences).
    #[error(transparent)]
    Geometry(#[from] GeometryError),
    /// The scene's step settings (`[parameters]`) are refused by the dynamics layer.
    #[error("step settings: {0}")]
    StepSettings(DynamicsError),
    /// The root's step or check failed: the tree cannot start.
    #[error("the start configuration: {0}")]
    Start(DynamicsError),
    /// The root's smoothed linearisation failed.
    #[error("linearising the start: {0}")]
    StartSmoothing(SmoothingError),
}
