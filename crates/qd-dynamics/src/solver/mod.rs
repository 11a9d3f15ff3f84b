//! Back-ends that solve a [`StepProblem`](crate::problem::StepProblem): Clarabel for the exact
//! cone and pyramid forms, our damped Newton method for the log-barrier forms.

pub mod barrier;
pub mod conic;
pub(crate) mod polish;

pub use crate::cone::pyramid_directions;

use crate::cone::ModeReading;
use nalgebra::{Cholesky, DVector, Dyn, Matrix3, Vector3};

/// How a solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolveStatus {
    /// Converged to the solver's tolerance.
    Solved,
    /// Clarabel's reduced-accuracy success: the result is returned but flagged.
    AlmostSolved,
    /// The Newton method hit its iteration limit before its decrement tolerance; the best
    /// iterate is returned but flagged.
    MaxIterations,
}

/// The solution of one step's program.
#[derive(Debug, Clone)]
pub struct Solution {
    /// Minimiser on the free variables.
    pub x: DVector<f64>,
    /// Per contact: normal impulse λ_n and tangential impulse λ_t (n_t entries), N s.
    pub impulses: Vec<(f64, Vec<f64>)>,
    /// How it ended.
    pub status: SolveStatus,
    /// Iterations (Clarabel's, or Newton's summed over κ stages).
    pub iterations: u32,
    /// Clarabel's dual vector z, row by row of its cone rows (exact forms; empty otherwise).
    pub duals: Vec<f64>,
    /// Exact forms: whether the solver's answer was refined on its active set to round-off
    /// (false when the refinement was rejected, and for the barrier forms).
    pub polished: bool,
    /// What the barrier derivatives reuse (barrier forms, when asked for).
    pub barrier: Option<BarrierAtSolution>,
    /// The exact forms' active set at the returned point (every contact's mode), read once
    /// when asked for and kept for the derivatives.
    pub modes: Option<ModeReading>,
}

/// The barrier objective's second-order data at the returned point, kept for the implicit
/// function theorem.
#[derive(Debug, Clone)]
pub struct BarrierAtSolution {
    /// Cholesky factor of the Hessian of the barrier objective at x.
    pub hessian: Cholesky<f64, Dyn>,
    /// Per contact, in y = (J_n x + φ, J_t x) coordinates: the impulse ∇B/κ (entries beyond
    /// 1 + n_t are zero) and the Hessian ∇²B/κ.
    pub contact_terms: Vec<(Vector3<f64>, Matrix3<f64>)>,
    /// The Hessian was singular to working precision and was factored with a shift: some
    /// direction of δv is not determined (a quasi-static object free to move, say), and the
    /// derivatives along it are not meaningful.
    pub singular: bool,
}
