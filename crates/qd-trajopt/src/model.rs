//! The choices of how an iteration models the step and makes its candidate
//! (docs/trajopt.md, "The linear model" and "Forward pass").

use serde::{Deserialize, Serialize};

/// Which linear model of the step each iteration's QP uses (docs/trajopt.md, "The linear
/// model").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinearModel {
    /// `δx_{t+1} = A δx_t + B δu_t` with A and B from the smoothed linearisation.
    #[default]
    Full,
    /// The reference implementation's default (`use_A = False`): the objects stay where they
    /// are unless an input moves them, the robots go where they are commanded —
    /// `δx_{t+1} = Ā δx_t + B̄ δu_t` with Ā = I on the objects' coordinates and 0 on the
    /// robots', and B̄ = the smoothed B with the robots' rows replaced by the identity. It
    /// needs no A (cheaper), and it cannot blow up where A is huge: at a step that is nearly
    /// discontinuous in q (a box balanced on one point contact tips one way or the other,
    /// A ~ 10⁶) the full model's products A_{T−1}⋯A₁ overflow the QP.
    InputOnly,
}

/// How an iteration builds its candidate from the QP's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardPass {
    /// Roll the QP's inputs ū + δu out with the exact step: one QP per iteration. Where the
    /// rollout drifts from the model's prediction, the later inputs do not react.
    OpenLoop,
    /// At each step t, re-solve the QP over steps t..T−1 from the rollout's actual state
    /// (δx_t = x_t ⊖ x̄_t) and apply its first input — a time-varying feedback on the
    /// iteration's linear models, as the reference implementation's iterative MPC does. About
    /// T/2 full-horizon QPs per iteration; the rollout follows the plan where the model is
    /// only roughly right.
    #[default]
    ClosedLoop,
}
