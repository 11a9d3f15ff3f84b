//! Back-ends that solve a [`StepProblem`](crate::problem::StepProblem): Clarabel for the exact
//! cone and pyramid forms, our damped Newton method for the log-barrier forms.

pub mod barrier;
pub mod conic;
pub mod polish;

use nalgebra::{Cholesky, DMatrix, DVector, Dyn, Matrix3, Vector3};

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

/// The unit tangent directions d_j of the pyramid on an n_t-dimensional tangent space: nd
/// directions evenly around the circle in 3-D; ±1 in planar scenes (n_t = 1), whatever nd.
pub fn pyramid_directions(n_tangent: usize, nd: usize) -> Vec<Vec<f64>> {
    if n_tangent == 1 {
        return vec![vec![1.0], vec![-1.0]];
    }
    (0..nd)
        .map(|j| {
            let angle = 2.0 * std::f64::consts::PI * j as f64 / nd as f64;
            vec![angle.cos(), angle.sin()]
        })
        .collect()
}

/// The ray directions of `form` (empty for the Lorentz cone) and the number of conic rows per
/// contact (1 + n_t for the cone, one per ray for the pyramid).
pub fn conic_layout(form: conic::ConicForm, n_tangent: usize) -> (Vec<Vec<f64>>, usize) {
    match form {
        conic::ConicForm::Socp => (Vec::new(), 1 + n_tangent),
        conic::ConicForm::Qp { nd } => {
            let directions = pyramid_directions(n_tangent, nd);
            let rows = directions.len();
            (directions, rows)
        }
    }
}

/// The exact forms' conic rows of one contact as a map of `y = (J_n x + φ, J_t x)`: `s = P y`.
/// Lorentz cone (`directions` empty): `P = diag(1, μ, …)`, 1 + n_t rows. Pyramid: one row
/// `(1, μ d_jᵀ)` per ray direction d_j (see [`pyramid_directions`]).
pub fn conic_row_map(directions: &[Vec<f64>], n_tangent: usize, mu: f64) -> DMatrix<f64> {
    if directions.is_empty() {
        let mut p = DMatrix::zeros(1 + n_tangent, 1 + n_tangent);
        p[(0, 0)] = 1.0;
        for t in 0..n_tangent {
            p[(1 + t, 1 + t)] = mu;
        }
        return p;
    }
    let mut p = DMatrix::zeros(directions.len(), 1 + n_tangent);
    for (j, d) in directions.iter().enumerate() {
        p[(j, 0)] = 1.0;
        for t in 0..n_tangent {
            p[(j, 1 + t)] = mu * d[t];
        }
    }
    p
}
