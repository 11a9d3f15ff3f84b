//! The cost of a trajectory and the objects' distance from the goal.

use crate::error::TrajoptError;
use crate::problem::TrajoptProblem;
use qd_task::PoseError;
use serde::{Deserialize, Serialize};

/// The cost of a trajectory, by part (see [`crate::CostWeights`] for the formula).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct CostParts {
    /// `Σ_{t=1}^{T−1} ‖x_t ⊖ x_goal‖²_Q`.
    pub running: f64,
    /// `‖x_T ⊖ x_goal‖²_{Q_T}`.
    pub terminal: f64,
    /// `Σ_{t=0}^{T−1} ‖u_t − u_{t−1}‖²_R`.
    pub input: f64,
    /// The sum of the three.
    pub total: f64,
}

/// How far the objects are from their goal at one configuration: the largest translation
/// error (m) and the largest rotation error (rad) over the scene's objects (see
/// [`qd_task::PoseError`]).
pub type ObjectError = PoseError;

/// `Σ w_i d_i²`.
fn weighted_square(weights: &[f64], d: &[f64], scale: f64) -> f64 {
    scale * weights.iter().zip(d).map(|(w, d)| w * d * d).sum::<f64>()
}

/// The cost of `states` (x₀..x_T, T + 1 of them) under `inputs` (T of them).
///
/// # Errors
/// Mismatched lengths or non-finite configurations.
pub fn trajectory_cost(
    problem: &TrajoptProblem,
    states: &[Vec<f64>],
    inputs: &[Vec<f64>],
) -> Result<CostParts, TrajoptError> {
    let horizon = inputs.len();
    if states.len() != horizon + 1 {
        return Err(TrajoptError::Dimension {
            what: "states (one more than inputs)".to_string(),
            expected: horizon + 1,
            got: states.len(),
        });
    }
    let tree = problem.system().scene().tree();
    let weights = problem.weights();
    let q = problem.state_weights();
    let mut parts = CostParts::default();
    for (t, x) in states.iter().enumerate().skip(1) {
        let error = tree.difference(problem.x_goal(), x)?;
        if t == horizon {
            parts.terminal = weighted_square(q, &error, weights.terminal_scale);
        } else {
            parts.running += weighted_square(q, &error, 1.0);
        }
    }
    let mut previous = problem.u_before();
    for u in inputs {
        parts.input += weights.input_rate
            * u.iter()
                .zip(previous)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>();
        previous = u;
    }
    parts.total = parts.running + parts.terminal + parts.input;
    Ok(parts)
}

/// The objects' error at configuration `x` (n_q) relative to the problem's goal.
///
/// # Errors
/// Wrong length or non-finite entries.
pub fn object_error(problem: &TrajoptProblem, x: &[f64]) -> Result<ObjectError, TrajoptError> {
    problem.system().scene().tree().check_lengths(x, None)?;
    let mut error = ObjectError::default();
    for object in problem.objects() {
        let this = object.error(object.block(problem.x_goal()), object.block(x));
        error.position = error.position.max(this.position);
        error.angle = error.angle.max(this.angle);
    }
    Ok(error)
}
