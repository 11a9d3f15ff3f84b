//! The weights of the trajectory cost.

use crate::error::TrajoptError;
use serde::{Deserialize, Serialize};

/// Weights of the cost
/// `Σ_{t=1}^{T−1} ‖x_t ⊖ x_goal‖²_Q + ‖x_T ⊖ x_goal‖²_{Q_T} + Σ_{t=0}^{T−1} ‖u_t − u_{t−1}‖²_R`,
/// with Q diagonal (in tangent coordinates: m⁻² on translations, rad⁻² on angles),
/// `Q_T = terminal_scale · Q` and `R = input_rate · I` (rad⁻² or m⁻²). `u_{−1}` is the
/// command that holds the robots at the start.
///
/// The defaults are ours: the objects' coordinates dominate; the robots are only asked,
/// weakly, to stay near their start so that the fingers do not wander where the object
/// does not need them; a small input-rate weight keeps commands smooth without fighting the
/// task (a command step of 0.1 rad costs 0.01 · 0.1, a 0.1 m error 10 · 0.01).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CostWeights {
    /// Weight on each object coordinate (the goal's).
    pub object: f64,
    /// Weight on each robot coordinate (toward the start configuration).
    pub robot: f64,
    /// Q_T / Q at the last state.
    pub terminal_scale: f64,
    /// R: weight on each entry of `u_t − u_{t−1}`.
    pub input_rate: f64,
}

impl Default for CostWeights {
    fn default() -> Self {
        CostWeights {
            object: 10.0,
            robot: 1e-3,
            terminal_scale: 10.0,
            input_rate: 0.1,
        }
    }
}

pub(crate) fn check_weights(weights: &CostWeights) -> Result<(), TrajoptError> {
    let all = [
        ("object", weights.object),
        ("robot", weights.robot),
        ("terminal_scale", weights.terminal_scale),
        ("input_rate", weights.input_rate),
    ];
    for (name, value) in all {
        if !(value.is_finite() && value >= 0.0) {
            return Err(TrajoptError::InvalidParameter(format!(
                "cost weight {name} must be finite and ≥ 0, got {value}"
            )));
        }
    }
    if weights.object == 0.0 && weights.robot == 0.0 {
        return Err(TrajoptError::InvalidParameter(
            "the object and robot weights are both 0: nothing to optimise".to_string(),
        ));
    }
    Ok(())
}
