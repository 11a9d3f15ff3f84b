//! Typed errors of the task layer.

use thiserror::Error;

/// A task or grasp section that does not fit its scene. Each message names the section and
/// the field.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("scene '{scene}': {reason}")]
pub struct TaskError {
    /// The scene's name.
    pub scene: String,
    /// What is wrong, naming the field (e.g. `task.goal.q has 2 values, expected 3`).
    pub reason: String,
}
