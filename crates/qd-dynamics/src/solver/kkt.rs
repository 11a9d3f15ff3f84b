//! Solves the equality-constrained KKT systems `[Q −Gᵀ; G 0] [dx; dm] = [t; c]` that the
//! active-set refinement and the exact forms' derivatives share.
//!
//! Active rows can be redundant or nearly so: a sticking pyramid has more active rays than
//! tangent dimensions, and a box standing on four manifold corners has four normal rows for
//! three motions (plus tangential rows that a slight tilt makes dependent only to ~1e-7). The
//! system is then singular (or nearly), and what is wanted is the solution whose multiplier
//! part dm has least norm: every solution shares dx when Q is positive definite.
//!
//! With Q positive definite (the objects' mass block is in Q) the Schur complement gives it:
//! `dx = Q⁻¹ (t + Gᵀ dm)` with `G Q⁻¹ Gᵀ dm = c − G Q⁻¹ t`, the small m × m system solved by
//! its Cholesky factor when the rows are independent by a wide margin, else by a
//! pseudo-inverse from its eigendecomposition. dx is then always determined, and nearly
//! dependent rows only shape dm. It costs about a tenth of an SVD of the whole system, which
//! callers keep as the fallback (quasi-static scenes, where Q is singular).

use super::dense::DenseCholesky;
use nalgebra::{DMatrix, SymmetricEigen};

/// Eigenvalues of the Schur complement below this fraction of its largest are treated as zero
/// (directions of dm that redundant rows leave free).
const SCHUR_CUTOFF: f64 = 1e-12;

/// The solution of `kkt · X = rhs` (any number of right-hand sides) through the Schur
/// complement of the leading `n × n` block Q, least-norm in the multipliers. `None` when Q is
/// not positive definite or the eigendecomposition fails; the caller then falls back to an
/// SVD of the whole system. Consistency is the caller's to check.
pub(crate) fn schur_solve(
    kkt: &DMatrix<f64>,
    rhs: &DMatrix<f64>,
    n: usize,
) -> Option<DMatrix<f64>> {
    let size = kkt.nrows();
    let m = size - n;
    let mut l = DenseCholesky::default();
    if !l.factor_leading(kkt, n) {
        return None;
    }
    let lower = |columns: &mut DMatrix<f64>| {
        for column in columns.as_mut_slice().chunks_exact_mut(n.max(1)) {
            l.solve_lower_mut(column);
        }
    };
    let upper = |columns: &mut DMatrix<f64>| {
        for column in columns.as_mut_slice().chunks_exact_mut(n.max(1)) {
            l.solve_upper_mut(column);
        }
    };
    let g = kkt.view((n, 0), (m, n));
    // With Q = L Lᵀ, u = L⁻¹ t and W = L⁻¹ Gᵀ: G Q⁻¹ Gᵀ = Wᵀ W, G Q⁻¹ t = Wᵀ u and
    // dx = L⁻ᵀ (u + W dm) — one triangular solve per column of Gᵀ instead of two.
    let mut u = rhs.rows(0, n).clone_owned();
    lower(&mut u);
    let mut solution = DMatrix::zeros(size, rhs.ncols());
    if m == 0 {
        upper(&mut u);
        solution.rows_mut(0, n).copy_from(&u);
        return Some(solution);
    }
    let mut w = g.transpose();
    lower(&mut w);
    let schur = w.tr_mul(&w);
    let reduced = rhs.rows(n, m) - w.tr_mul(&u);
    let dm = match well_conditioned_factor(&schur) {
        Some(factor) => factor.solve(&reduced),
        None => least_norm(schur, &reduced)?,
    };
    let mut dx = u + w * &dm;
    upper(&mut dx);
    solution.rows_mut(0, n).copy_from(&dx);
    solution.rows_mut(n, m).copy_from(&dm);
    solution.iter().all(|v| v.is_finite()).then_some(solution)
}

/// Pivots of the Schur complement's Cholesky factor (squared) at or above this fraction of
/// its largest diagonal entry count as independent rows, whose factor's answer is the
/// least-norm one. Pivots bound the eigenvalues only loosely, hence four decades of margin
/// above [`SCHUR_CUTOFF`], where the eigendecomposition starts dropping directions.
const WELL_CONDITIONED: f64 = 1e-8;

/// The Cholesky factor of the Schur complement when its rows are independent by a wide margin
/// (the usual case: ~a tenth of the eigendecomposition's cost); None for redundant or nearly
/// redundant rows.
fn well_conditioned_factor(schur: &DMatrix<f64>) -> Option<nalgebra::Cholesky<f64, nalgebra::Dyn>> {
    let scale = schur.diagonal().amax();
    let factor = schur.clone().cholesky()?;
    let smallest_pivot = factor.l_dirty().diagonal().amin();
    (smallest_pivot * smallest_pivot >= WELL_CONDITIONED * scale).then_some(factor)
}

/// The least-norm solution of `schur · dm = reduced` from the eigendecomposition, dropping
/// directions with eigenvalues below [`SCHUR_CUTOFF`] of the largest.
fn least_norm(schur: DMatrix<f64>, reduced: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let m = schur.nrows();
    let eigen = SymmetricEigen::try_new(schur, f64::EPSILON, 1000)?;
    let cutoff = SCHUR_CUTOFF * eigen.eigenvalues.amax();
    let mut dm = DMatrix::zeros(m, reduced.ncols());
    for (k, &value) in eigen.eigenvalues.iter().enumerate() {
        if value > cutoff {
            let direction = eigen.eigenvectors.column(k);
            // dm += v (vᵀ reduced) / λ, for every right-hand side at once.
            let weights = direction.transpose() * reduced / value;
            dm += direction * weights;
        }
    }
    Some(dm)
}
