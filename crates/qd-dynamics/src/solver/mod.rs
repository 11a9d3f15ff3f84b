//! Back-ends that solve a [`StepProblem`](crate::problem::StepProblem): the own exact solver
//! ([`continuation`]: barrier continuation and the certified refinement) for the exact cone
//! and pyramid forms, with Clarabel ([`conic`]) as its fallback and oracle; our damped Newton
//! method ([`barrier`]) for the log-barrier forms.

pub mod barrier;
pub mod conic;
pub mod continuation;
pub mod dense;
pub(crate) mod kkt;
pub(crate) mod polish;
pub mod primal_dual;

pub use crate::cone::pyramid_directions;

use crate::cone::ModeReading;
pub use dense::DenseCholesky;
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};

/// Iterations allowed to nalgebra's SVD before it gives up: its `svd` loops until
/// convergence, which some extreme matrices never reach (found by fuzzing scene files).
pub(crate) const SVD_MAX_ITERATIONS: usize = 10_000;

/// The SVD of `matrix`, or None when an entry is not finite or it does not converge within
/// [`SVD_MAX_ITERATIONS`].
pub(crate) fn bounded_svd(
    matrix: DMatrix<f64>,
) -> Option<nalgebra::SVD<f64, nalgebra::Dyn, nalgebra::Dyn>> {
    if matrix.iter().any(|v| !v.is_finite()) {
        return None;
    }
    matrix.try_svd(true, true, f64::EPSILON, SVD_MAX_ITERATIONS)
}

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

impl SolveStatus {
    /// The status as files and the command line spell it: `solved`, `almost_solved`,
    /// `max_iterations`.
    pub fn name(self) -> &'static str {
        match self {
            SolveStatus::Solved => "solved",
            SolveStatus::AlmostSolved => "almost_solved",
            SolveStatus::MaxIterations => "max_iterations",
        }
    }
}

/// Which way a step's program was solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolvePath {
    /// The barrier forms' damped Newton method.
    Barrier,
    /// The exact forms by barrier continuation and the certified refinement
    /// ([`continuation`]).
    OwnExact,
    /// The exact forms by Clarabel (asked for, or the own solver's certificate failed).
    Clarabel,
    /// Nothing to solve: the step has no free variables.
    Trivial,
}

impl SolvePath {
    /// The path as files and the command line spell it: `barrier`, `own_exact`, `clarabel`,
    /// `trivial`.
    pub fn name(self) -> &'static str {
        match self {
            SolvePath::Barrier => "barrier",
            SolvePath::OwnExact => "own_exact",
            SolvePath::Clarabel => "clarabel",
            SolvePath::Trivial => "trivial",
        }
    }
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
    /// Which solver produced it.
    pub path: SolvePath,
    /// The own exact solver's first barrier answer (strictly feasible, on the barrier's
    /// central path at the continuation's first κ): where the continuation of a nearby step
    /// can start ([`continuation::solve`]). None for the other paths.
    pub interior: Option<DVector<f64>>,
}

impl Solution {
    /// A solution with nothing in it yet (no variables, no contacts): storage for the
    /// `solve_into` functions to overwrite.
    pub fn empty() -> Self {
        Solution {
            x: DVector::zeros(0),
            impulses: Vec::new(),
            status: SolveStatus::Solved,
            iterations: 0,
            duals: Vec::new(),
            polished: false,
            barrier: None,
            modes: None,
            path: SolvePath::Trivial,
            interior: None,
        }
    }
}

impl Default for Solution {
    fn default() -> Self {
        Solution::empty()
    }
}

/// The barrier objective's second-order data at the returned point, kept for the implicit
/// function theorem.
#[derive(Debug, Clone)]
pub struct BarrierAtSolution {
    /// Cholesky factor of the Hessian of the barrier objective at x.
    pub hessian: DenseCholesky,
    /// Per contact, in y = (J_n x + φ, J_t x) coordinates: the impulse ∇B/κ (entries beyond
    /// 1 + n_t are zero) and the Hessian ∇²B/κ.
    pub contact_terms: Vec<(Vector3<f64>, Matrix3<f64>)>,
    /// The Hessian was singular to working precision and was factored with a shift: some
    /// direction of δv is not determined (a quasi-static object free to move, say), and the
    /// derivatives along it are not meaningful.
    pub singular: bool,
}

#[cfg(test)]
mod tests {
    use super::bounded_svd;
    use nalgebra::DMatrix;

    #[test]
    fn svds_of_extreme_matrices_end() {
        let nan = DMatrix::from_row_slice(2, 2, &[1.0, f64::NAN, 0.0, 1.0]);
        assert!(bounded_svd(nan).is_none(), "a NaN entry is refused");
        let huge = DMatrix::from_row_slice(2, 2, &[1e308, 1e308, -1e308, 1e-308]);
        // Finite but extreme: an answer or None, and either way it returns.
        let _ = bounded_svd(huge);
        let fine = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 0.0, 3.0]);
        let svd = bounded_svd(fine).expect("converges");
        assert!((svd.singular_values.max() - 3.0).abs() < 1e-12);
    }
}
