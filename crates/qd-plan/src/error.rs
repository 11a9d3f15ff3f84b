//! Typed errors of the plan layer.

use qd_dynamics::DynamicsError;
use qd_geometry::GeometryError;
use qd_rrt::RrtError;
use qd_trajopt::TrajoptError;
use thiserror::Error;

/// Everything that can go wrong while making a plan executable, saving, loading or replaying
/// it. Each message names what was wrong.
#[derive(Debug, Error)]
pub enum PlanError {
    /// A setting is out of range.
    #[error("invalid plan parameter: {0}")]
    InvalidParameter(String),
    /// The planner's result has no path to execute.
    #[error("there is no path to execute: {0}")]
    NoPath(String),
    /// A regrasp transition could not be planned.
    #[error("regrasp transition: {0}")]
    Transition(String),
    /// A plan file or value is malformed or inconsistent.
    #[error("plan {what}: {reason}")]
    Malformed {
        /// Which part.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A plan does not belong to the scene it is replayed on.
    #[error("the plan is for {plan}, not for {scene}")]
    SceneMismatch {
        /// What the plan was made for.
        plan: String,
        /// The scene given.
        scene: String,
    },
    /// Reading or writing a plan file.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A geometry query failed.
    #[error(transparent)]
    Geometry(#[from] GeometryError),
    /// A step of the exact dynamics failed.
    #[error("step {step}: {source}")]
    Step {
        /// Index of the failed step in the plan.
        step: usize,
        /// The step's error.
        source: DynamicsError,
    },
    /// Refining a segment failed.
    #[error("refining segment {segment}: {source}")]
    Refine {
        /// Index of the segment.
        segment: usize,
        /// The optimiser's error.
        source: TrajoptError,
    },
    /// The scene's step settings or task were refused by the layer that owns them.
    #[error("scene: {0}")]
    Scene(String),
    /// The planner's problem was refused.
    #[error(transparent)]
    Rrt(#[from] RrtError),
    /// Trajectory optimisation refused its problem or settings, or failed.
    #[error(transparent)]
    Trajopt(#[from] TrajoptError),
}
