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
    least_norm: PivotedLeastNorm,
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
        least_norm,
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
        // Redundant rows: the least-norm solution through a pivoted Cholesky factor, in kept
        // storage (an eigendecomposition allocates; a Jacobi one in kept storage cost 25–45 µs
        // on an Allegro QP step's 14 rows).
        if !least_norm.solve(schur, reduced) {
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

/// The least-norm solution of a consistent system `S dm = r` with S symmetric positive
/// semidefinite and rank-deficient (the Schur complement of redundant rows), in kept storage.
///
/// A Cholesky factor with diagonal pivoting, `P S Pᵀ = L Lᵀ` with L = [L₁₁; L₂₁] of the rank
/// r found (pivots below [`SCHUR_CUTOFF`] of the largest diagonal entry end it), gives a
/// basic solution y_b = (L₁₁⁻ᵀ L₁₁⁻¹ b₁, 0); S's null space is spanned by N = [−X; I] with
/// X = L₁₁⁻ᵀ L₂₁ᵀ, and the least-norm solution is y_b minus its projection on it:
/// `y = (y₁ + X v, −v)` with `(XᵀX + I) v = −Xᵀ y₁`.
#[derive(Debug, Clone, Default)]
pub(crate) struct PivotedLeastNorm {
    /// The pivoted matrix, factored in place (column-major m × m).
    a: Vec<f64>,
    permutation: Vec<usize>,
    /// X (r × (m − r), column-major) and XᵀX + I with its factor.
    x: Vec<f64>,
    gram: Vec<f64>,
    gram_factor: DenseCholesky,
    /// One right-hand side, permuted, and the null-space weights.
    y: Vec<f64>,
    v: Vec<f64>,
}

impl PivotedLeastNorm {
    /// Overwrites each column of `rhs` (m rows) with the least-norm solution of
    /// `s · dm = column`. False for non-finite entries.
    fn solve(&mut self, s: &DMatrix<f64>, rhs: &mut DMatrix<f64>) -> bool {
        let m = s.nrows();
        if m == 0 {
            return true;
        }
        let rank = self.factor(s);
        let Some(rank) = rank else {
            return false;
        };
        let free = m - rank;
        let PivotedLeastNorm {
            a,
            permutation,
            x,
            gram,
            gram_factor,
            y,
            v,
        } = self;
        let at = |a: &[f64], r: usize, c: usize| a[c * m + r];
        // X = L₁₁⁻ᵀ L₂₁ᵀ, column by column (column c is row c of L₂₁, solved backward).
        x.clear();
        x.resize(rank * free, 0.0);
        for c in 0..free {
            let column = &mut x[c * rank..(c + 1) * rank];
            for (k, entry) in column.iter_mut().enumerate() {
                *entry = at(a, rank + c, k);
            }
            leading_upper_solve(a, m, column);
        }
        // XᵀX + I, factored (positive definite by construction).
        gram.clear();
        gram.resize(free * free, 0.0);
        for i in 0..free {
            for j in 0..free {
                let value = dot(&x[i * rank..(i + 1) * rank], &x[j * rank..(j + 1) * rank]);
                gram[j * free + i] = value + if i == j { 1.0 } else { 0.0 };
            }
        }
        if free > 0 && !gram_factor.factor_slice(gram, free, 0.0) {
            return false;
        }
        for column in rhs.as_mut_slice().chunks_exact_mut(m) {
            // y₁ = L₁₁⁻ᵀ L₁₁⁻¹ b₁ with b = P r.
            y.clear();
            y.extend(permutation.iter().take(rank).map(|&i| column[i]));
            leading_lower_solve(a, m, y);
            leading_upper_solve(a, m, y);
            // v from (XᵀX + I) v = −Xᵀ y₁; y = (y₁ + X v, −v).
            v.clear();
            v.extend((0..free).map(|c| -dot(&x[c * rank..(c + 1) * rank], y)));
            if free > 0 {
                gram_factor.solve_lower_mut(v);
                gram_factor.solve_upper_mut(v);
            }
            for (c, &weight) in v.iter().enumerate() {
                for (entry, xc) in y.iter_mut().zip(&x[c * rank..(c + 1) * rank]) {
                    *entry += xc * weight;
                }
            }
            for (k, &i) in permutation.iter().enumerate() {
                column[i] = if k < rank { y[k] } else { -v[k - rank] };
            }
        }
        column_finite(rhs)
    }

    /// Factors `P s Pᵀ = L Lᵀ` in place with diagonal pivoting; returns the rank (pivots above
    /// [`SCHUR_CUTOFF`] times the largest diagonal entry), `None` for non-finite entries.
    fn factor(&mut self, s: &DMatrix<f64>) -> Option<usize> {
        let m = s.nrows();
        let a = &mut self.a;
        a.clear();
        a.extend_from_slice(s.as_slice());
        if a.iter().any(|v| !v.is_finite()) {
            return None;
        }
        self.permutation.clear();
        self.permutation.extend(0..m);
        let largest = (0..m).map(|i| a[i * m + i]).fold(0.0, f64::max);
        let tolerance = SCHUR_CUTOFF * largest;
        for j in 0..m {
            let pivot = (j..m)
                .max_by(|&p, &q| a[p * m + p].total_cmp(&a[q * m + q]))
                .unwrap_or(j);
            if a[pivot * m + pivot] <= tolerance {
                return Some(j);
            }
            if pivot != j {
                // Swap rows and columns j and pivot of the symmetric matrix.
                for k in 0..m {
                    a.swap(k * m + j, k * m + pivot);
                }
                for k in 0..m {
                    a.swap(j * m + k, pivot * m + k);
                }
                self.permutation.swap(j, pivot);
            }
            let diagonal = a[j * m + j].sqrt();
            a[j * m + j] = diagonal;
            for i in j + 1..m {
                a[j * m + i] /= diagonal;
            }
            // The trailing block, kept symmetric (both triangles: the swaps read rows).
            for k in j + 1..m {
                let lkj = a[j * m + k];
                for i in k..m {
                    let value = a[k * m + i] - a[j * m + i] * lkj;
                    a[k * m + i] = value;
                    a[i * m + k] = value;
                }
            }
        }
        Some(m)
    }
}

/// Solves `L₁₁ v' = v` in place, L₁₁ the leading `v.len()` square of the lower triangular
/// factor stored column-major (m rows) in `a`.
fn leading_lower_solve(a: &[f64], m: usize, v: &mut [f64]) {
    let rank = v.len();
    for j in 0..rank {
        let column = &a[j * m + j..j * m + rank];
        let value = v[j] / column[0];
        v[j] = value;
        for (entry, l) in v[j + 1..].iter_mut().zip(&column[1..]) {
            *entry -= l * value;
        }
    }
}

/// Solves `L₁₁ᵀ v' = v` in place (see [`leading_lower_solve`]).
fn leading_upper_solve(a: &[f64], m: usize, v: &mut [f64]) {
    let rank = v.len();
    for j in (0..rank).rev() {
        let column = &a[j * m + j..j * m + rank];
        let value = v[j] - dot(&column[1..], &v[j + 1..]);
        v[j] = value / column[0];
    }
}

/// Whether every entry of `m` is finite.
fn column_finite(m: &DMatrix<f64>) -> bool {
    m.iter().all(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::PivotedLeastNorm;
    use nalgebra::{DMatrix, SymmetricEigen};
    use proptest::prelude::*;

    proptest! {
        /// The least-norm solution of a consistent rank-deficient system: it solves it, and
        /// it has no part in S's null space (the eigenvectors of nalgebra's decomposition with
        /// eigenvalues at round-off), which is what least norm means.
        #[test]
        fn pivoted_least_norm_solves_with_no_null_space_part(
            entries in proptest::collection::vec(-1.0f64..1.0, 48),
            weights in proptest::collection::vec(-1.0f64..1.0, 6),
            rank in 1usize..=6,
        ) {
            // S = B Bᵀ of rank ≤ `rank` (6 × rank B), r = S w (consistent).
            let b = DMatrix::from_column_slice(6, 8, &entries).columns(0, rank).into_owned();
            let s = &b * b.transpose();
            let rhs = &s * DMatrix::from_column_slice(6, 1, &weights);
            // The rank must be clear-cut: an eigenvalue between the solver's cutoff (pivots
            // below 1e-12 of the largest count as zero) and this test's null space would make
            // either answer right. Degenerate draws (zero or dependent columns of B) can land
            // there; proptest's shrinking found one.
            let spectrum = SymmetricEigen::new(s.clone()).eigenvalues;
            let top = spectrum.amax();
            prop_assume!(spectrum.iter().all(|v| v.abs() <= 1e-14 * top || v.abs() >= 1e-8 * top));
            let mut ours = rhs.clone();
            prop_assert!(PivotedLeastNorm::default().solve(&s, &mut ours));
            let scale = 1.0 + rhs.amax() + ours.amax();
            prop_assert!((&s * &ours - &rhs).amax() <= 1e-9 * scale, "not a solution: {ours}");
            let eigen = SymmetricEigen::new(s.clone());
            let largest = eigen.eigenvalues.amax();
            for (k, value) in eigen.eigenvalues.iter().enumerate() {
                if value.abs() <= 1e-14 * largest {
                    let part = eigen.eigenvectors.column(k).dot(&ours.column(0));
                    prop_assert!(part.abs() <= 1e-7 * scale, "null-space part {part}");
                }
            }
        }
    }
}
