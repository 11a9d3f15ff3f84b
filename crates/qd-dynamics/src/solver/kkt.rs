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

use super::dense::{DenseCholesky, dot};
use crate::reuse::shaped;
use nalgebra::{DMatrix, SymmetricEigen};

/// Eigenvalues of the Schur complement below this fraction of its largest are treated as zero
/// (directions of dm that redundant rows leave free).
const SCHUR_CUTOFF: f64 = 1e-12;

/// The Schur solve's storage, kept by callers that solve many systems of one size.
#[derive(Debug, Clone, Default)]
pub(crate) struct SchurScratch {
    l: DenseCholesky,
    u: DMatrix<f64>,
    w: DMatrix<f64>,
    schur: DMatrix<f64>,
    schur_factor: DenseCholesky,
    reduced: DMatrix<f64>,
}

/// The solution of `kkt · X = rhs` (any number of right-hand sides) through the Schur
/// complement of the leading `n × n` block Q, least-norm in the multipliers, into `solution`
/// with kept storage: no allocation when the rows are independent by a wide margin (the
/// eigendecomposition of redundant rows allocates). False when Q is not positive definite or
/// the eigendecomposition fails; the caller then falls back to an SVD of the whole system.
/// Consistency is the caller's to check.
pub(crate) fn schur_solve_into(
    kkt: &DMatrix<f64>,
    rhs: &DMatrix<f64>,
    n: usize,
    scratch: &mut SchurScratch,
    solution: &mut DMatrix<f64>,
) -> bool {
    let size = kkt.nrows();
    let (m, k) = (size - n, rhs.ncols());
    let SchurScratch {
        l,
        u,
        w,
        schur,
        schur_factor,
        reduced,
    } = scratch;
    if !l.factor_leading(kkt, n) {
        return false;
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
    // With Q = L Lᵀ, u = L⁻¹ t and W = L⁻¹ Gᵀ: G Q⁻¹ Gᵀ = Wᵀ W, G Q⁻¹ t = Wᵀ u and
    // dx = L⁻ᵀ (u + W dm) — one triangular solve per column of Gᵀ instead of two.
    shaped(u, n, k);
    u.copy_from(&rhs.rows(0, n));
    lower(u);
    shaped(solution, size, k);
    if m == 0 {
        upper(u);
        solution.copy_from(u);
        return solution.iter().all(|v| v.is_finite());
    }
    shaped(w, n, m);
    w.copy_from(&kkt.view((n, 0), (m, n)).transpose());
    lower(w);
    shaped(schur, m, m);
    shaped(reduced, m, k);
    reduced.copy_from(&rhs.rows(n, m));
    // Wᵀ W and the reduced right-hand side c − Wᵀ u by column dot products (nalgebra's
    // general products allocate packing buffers at these sizes).
    for (i, wi) in w.as_slice().chunks_exact(n.max(1)).enumerate() {
        for (j, wj) in w.as_slice().chunks_exact(n.max(1)).enumerate() {
            schur[(i, j)] = dot(wi, wj);
        }
        for (j, uj) in u.as_slice().chunks_exact(n.max(1)).enumerate() {
            reduced[(i, j)] -= dot(wi, uj);
        }
    }
    if well_conditioned_factor(schur, schur_factor) {
        for column in reduced.as_mut_slice().chunks_exact_mut(m) {
            schur_factor.solve_lower_mut(column);
            schur_factor.solve_upper_mut(column);
        }
    } else {
        match least_norm(schur.clone(), reduced) {
            Some(dm) => reduced.copy_from(&dm),
            None => return false,
        }
    }
    // dx = L⁻ᵀ (u + W dm), with dm in `reduced`.
    for (uj, dmj) in u
        .as_mut_slice()
        .chunks_exact_mut(n.max(1))
        .zip(reduced.as_slice().chunks_exact(m))
    {
        for (wi, &weight) in w.as_slice().chunks_exact(n.max(1)).zip(dmj) {
            for (entry, wi_entry) in uj.iter_mut().zip(wi) {
                *entry += weight * wi_entry;
            }
        }
    }
    upper(u);
    solution.rows_mut(0, n).copy_from(u);
    solution.rows_mut(n, m).copy_from(reduced);
    solution.iter().all(|v| v.is_finite())
}

/// Pivots of the Schur complement's Cholesky factor (squared) at or above this fraction of
/// its largest diagonal entry count as independent rows, whose factor's answer is the
/// least-norm one. Pivots bound the eigenvalues only loosely, hence four decades of margin
/// above [`SCHUR_CUTOFF`], where the eigendecomposition starts dropping directions.
const WELL_CONDITIONED: f64 = 1e-8;

/// Factors the Schur complement into `factor` when its rows are independent by a wide margin
/// (the usual case: ~a tenth of the eigendecomposition's cost); false for redundant or nearly
/// redundant rows.
fn well_conditioned_factor(schur: &DMatrix<f64>, factor: &mut DenseCholesky) -> bool {
    let scale = (0..schur.nrows())
        .map(|i| schur[(i, i)])
        .fold(0.0, f64::max);
    if !factor.factor(schur) {
        return false;
    }
    let smallest_pivot = factor.smallest_pivot();
    smallest_pivot * smallest_pivot >= WELL_CONDITIONED * scale
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
