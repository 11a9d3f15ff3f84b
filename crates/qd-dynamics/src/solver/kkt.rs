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
use nalgebra::DMatrix;

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
    eigen: JacobiEigen,
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
        eigen,
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
    for i in 0..m {
        for j in 0..n {
            w[(j, i)] = kkt[(n + i, j)];
        }
    }
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
        if !least_norm(schur, reduced, eigen) {
            return false;
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

/// The least-norm solution of `schur · dm = reduced` (overwriting `reduced`) from the
/// eigendecomposition, dropping directions with eigenvalues below [`SCHUR_CUTOFF`] of the
/// largest. False when the decomposition does not converge.
fn least_norm(schur: &DMatrix<f64>, reduced: &mut DMatrix<f64>, eigen: &mut JacobiEigen) -> bool {
    let m = schur.nrows();
    if !eigen.decompose(schur) {
        return false;
    }
    let largest = (0..m).map(|k| eigen.value(k)).fold(0.0, f64::max);
    let cutoff = SCHUR_CUTOFF * largest;
    let JacobiEigen {
        matrix,
        vectors,
        weights,
    } = eigen;
    for column in reduced.as_mut_slice().chunks_exact_mut(m.max(1)) {
        // dm = Σ v (vᵀ r) / λ over the kept directions, for this right-hand side.
        weights.clear();
        weights.extend(
            vectors
                .as_slice()
                .chunks_exact(m.max(1))
                .map(|v| dot(v, column)),
        );
        column.fill(0.0);
        for (k, (v, weight)) in vectors
            .as_slice()
            .chunks_exact(m.max(1))
            .zip(weights.iter())
            .enumerate()
        {
            let value = matrix[(k, k)];
            if value > cutoff {
                for (entry, vk) in column.iter_mut().zip(v) {
                    *entry += vk * weight / value;
                }
            }
        }
    }
    true
}

/// The eigendecomposition of a small symmetric matrix by cyclic Jacobi rotations, in kept
/// storage: written here because nalgebra's allocates on every call, and these m × m Schur
/// complements (m the active rows, a few to a few dozen) are decomposed on many steps with
/// redundant contact rows. Jacobi's method is also the accurate one for small eigenvalues,
/// which decide the directions dropped.
#[derive(Debug, Clone, Default)]
pub(crate) struct JacobiEigen {
    /// Rotated to diagonal: the eigenvalues on its diagonal.
    matrix: DMatrix<f64>,
    /// The eigenvectors, column k for eigenvalue k.
    vectors: DMatrix<f64>,
    weights: Vec<f64>,
}

/// Sweeps allowed (each rotates every off-diagonal pair once); convergence is quadratic and
/// takes well under ten for these sizes.
const JACOBI_SWEEPS: usize = 60;

impl JacobiEigen {
    /// Decomposes the symmetric `a`. False when it does not converge (or meets non-finite
    /// entries).
    fn decompose(&mut self, a: &DMatrix<f64>) -> bool {
        let m = a.nrows();
        shaped(&mut self.matrix, m, m);
        self.matrix.copy_from(a);
        shaped(&mut self.vectors, m, m);
        self.vectors.fill_with_identity();
        let total: f64 = a.iter().map(|v| v * v).sum();
        if !total.is_finite() {
            return false;
        }
        let (matrix, vectors) = (&mut self.matrix, &mut self.vectors);
        for _ in 0..JACOBI_SWEEPS {
            let off: f64 = (0..m)
                .flat_map(|p| (0..m).filter(move |&q| q != p).map(move |q| (p, q)))
                .map(|(p, q)| matrix[(p, q)] * matrix[(p, q)])
                .sum();
            if off <= f64::EPSILON * f64::EPSILON * total {
                return true;
            }
            for p in 0..m {
                for q in p + 1..m {
                    let apq = matrix[(p, q)];
                    if apq == 0.0 {
                        continue;
                    }
                    // The rotation that zeroes (p, q): tan θ from the 2 × 2 block.
                    let theta = (matrix[(q, q)] - matrix[(p, p)]) / (2.0 * apq);
                    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                    let c = 1.0 / (t * t + 1.0).sqrt();
                    let s = t * c;
                    for k in 0..m {
                        let (akp, akq) = (matrix[(k, p)], matrix[(k, q)]);
                        matrix[(k, p)] = c * akp - s * akq;
                        matrix[(k, q)] = s * akp + c * akq;
                    }
                    for k in 0..m {
                        let (apk, aqk) = (matrix[(p, k)], matrix[(q, k)]);
                        matrix[(p, k)] = c * apk - s * aqk;
                        matrix[(q, k)] = s * apk + c * aqk;
                    }
                    for k in 0..m {
                        let (vkp, vkq) = (vectors[(k, p)], vectors[(k, q)]);
                        vectors[(k, p)] = c * vkp - s * vkq;
                        vectors[(k, q)] = s * vkp + c * vkq;
                    }
                }
            }
        }
        false
    }

    /// Eigenvalue k after [`Self::decompose`].
    fn value(&self, k: usize) -> f64 {
        self.matrix[(k, k)]
    }
}

#[cfg(test)]
mod tests {
    use super::JacobiEigen;
    use nalgebra::{DMatrix, SymmetricEigen};
    use proptest::prelude::*;

    proptest! {
        /// Against nalgebra's decomposition: the same eigenvalues, and A v = λ v.
        #[test]
        fn jacobi_agrees_with_nalgebra(entries in proptest::collection::vec(-1.0f64..1.0, 36), rank in 1usize..=6) {
            // A rank-deficient symmetric positive semidefinite matrix, as redundant rows give.
            let b = DMatrix::from_column_slice(6, 6, &entries).columns(0, rank).into_owned();
            let a = &b * b.transpose();
            let mut jacobi = JacobiEigen::default();
            prop_assert!(jacobi.decompose(&a));
            let mut ours: Vec<f64> = (0..6).map(|k| jacobi.value(k)).collect();
            ours.sort_by(f64::total_cmp);
            let mut reference: Vec<f64> = SymmetricEigen::new(a.clone()).eigenvalues.iter().copied().collect();
            reference.sort_by(f64::total_cmp);
            let scale = reference.iter().fold(1e-12f64, |m, v| m.max(v.abs()));
            for (x, y) in ours.iter().zip(&reference) {
                prop_assert!((x - y).abs() <= 1e-12 * scale, "{x} vs {y}");
            }
            for k in 0..6 {
                let v = jacobi.vectors.column(k);
                let residual = (&a * v - v * jacobi.value(k)).amax();
                prop_assert!(residual <= 1e-12 * scale, "residual {residual}");
            }
        }
    }
}
