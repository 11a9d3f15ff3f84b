//! The dense Cholesky factor of the Newton methods' Hessians (n ≲ 50 variables).
//!
//! Written here rather than taken from nalgebra because these Hessians have a structure a
//! general routine does not use: robot joints come first and objects last, and joints of
//! different fingers (or arms) do not couple, so H is block-diagonal with an object border
//! (an arrowhead). A left-looking column factor that skips the zero entries of the factor does
//! only the arrowhead's work, and every update is an axpy over one contiguous column
//! segment; the factor's storage is kept between Newton iterations. Measured on the Allegro
//! hand (23 variables, perf over the barrier solve): ~0.55 µs per factor against ~0.8 µs for
//! nalgebra's `Cholesky::new`; the triangular solves cost about the same as nalgebra's.

use nalgebra::{DMatrix, DVector};

/// The Cholesky factor L (H = L Lᵀ, lower triangular, column-major n × n storage) of a
/// symmetric positive definite matrix. The storage is reused by every [`Self::factor`] of the
/// same size, so a Newton loop allocates it once.
#[derive(Debug, Clone, Default)]
pub struct DenseCholesky {
    n: usize,
    /// Column-major; entries above the diagonal are stale and never read.
    l: Vec<f64>,
}

/// Shifts tried, relative to the largest diagonal entry, when H is not numerically positive
/// definite: 1e-12, 1e-11, … (12 decades).
const SHIFT_START: f64 = 1e-12;
const SHIFT_TRIES: usize = 12;

impl DenseCholesky {
    /// The number of variables.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// Factors the lower triangle of the square matrix `a` (the strict upper triangle is not
    /// read). False, with the factor unusable, if a pivot is not positive and finite (not
    /// numerically positive definite).
    pub fn factor(&mut self, a: &DMatrix<f64>) -> bool {
        self.factor_shifted(a, 0.0)
    }

    /// Factors `a`, or, if it is not numerically positive definite, `a + σ I` with the
    /// smallest σ of 1e-12, 1e-11, … 1e-1 times its largest diagonal entry that works (a
    /// quasi-static Q has a null space off the contacts). `Some(shifted)` tells whether a
    /// shift was needed (singular to working precision); `None` if none worked.
    pub fn factor_or_shift(&mut self, a: &DMatrix<f64>) -> Option<bool> {
        if self.factor(a) {
            return Some(false);
        }
        let scale = a.diagonal().amax().max(1e-12);
        let mut shift = SHIFT_START * scale;
        for _ in 0..SHIFT_TRIES {
            if self.factor_shifted(a, shift) {
                return Some(true);
            }
            shift *= 10.0;
        }
        None
    }

    /// Factors the leading `n × n` block of `a` (its lower triangle), as [`Self::factor`].
    pub fn factor_leading(&mut self, a: &DMatrix<f64>, n: usize) -> bool {
        debug_assert!(a.nrows() >= n && a.ncols() >= n);
        self.n = n;
        self.l.clear();
        for column in a.as_slice().chunks_exact(a.nrows()).take(n) {
            self.l.extend_from_slice(&column[..n]);
        }
        self.factor_in_place(0.0)
    }

    /// The smallest diagonal entry of L (the square root of the smallest pivot); +∞ for an
    /// empty factor.
    pub fn smallest_pivot(&self) -> f64 {
        (0..self.n)
            .map(|j| self.l[j * self.n + j])
            .fold(f64::INFINITY, f64::min)
    }

    /// Makes this a copy of `other`, reusing this one's storage.
    pub fn copy_from(&mut self, other: &DenseCholesky) {
        self.n = other.n;
        self.l.clear();
        self.l.extend_from_slice(&other.l);
    }

    /// Factors `a + shift I`, with the `n × n` matrix a stored column-major in `a` (its lower
    /// triangle read), as [`Self::factor`].
    pub fn factor_slice(&mut self, a: &[f64], n: usize, shift: f64) -> bool {
        debug_assert_eq!(a.len(), n * n);
        self.n = n;
        self.l.clear();
        self.l.extend_from_slice(a);
        self.factor_in_place(shift)
    }

    /// Factors `a + shift I`.
    fn factor_shifted(&mut self, a: &DMatrix<f64>, shift: f64) -> bool {
        let n = a.nrows();
        debug_assert_eq!(a.ncols(), n, "a square matrix");
        self.n = n;
        self.l.clear();
        self.l.extend_from_slice(a.as_slice());
        self.factor_in_place(shift)
    }

    /// Factors the matrix already copied into the storage, plus `shift I`.
    fn factor_in_place(&mut self, shift: f64) -> bool {
        let n = self.n;
        let l = &mut self.l;
        for j in 0..n {
            // Left-looking: column j of L gathers the updates of the columns k < j whose
            // row j is non-zero (an arrowhead's fingers skip each other).
            let (done, rest) = l.split_at_mut(j * n);
            let target = &mut rest[j..n];
            target[0] += shift;
            for k in 0..j {
                let ljk = done[k * n + j];
                if ljk != 0.0 {
                    let source = &done[k * n + j..k * n + n];
                    for (t, s) in target.iter_mut().zip(source) {
                        *t -= ljk * s;
                    }
                }
            }
            let pivot = target[0];
            if !(pivot > 0.0 && pivot.is_finite()) {
                return false;
            }
            let diagonal = pivot.sqrt();
            target[0] = diagonal;
            let inverse = 1.0 / diagonal;
            for t in &mut target[1..] {
                *t *= inverse;
            }
        }
        true
    }

    /// Solves L y = v in place.
    pub fn solve_lower_mut(&self, v: &mut [f64]) {
        let n = self.n;
        for j in 0..n {
            let column = &self.l[j * n + j..j * n + n];
            let yj = v[j] / column[0];
            v[j] = yj;
            if yj != 0.0 {
                for (vi, lij) in v[j + 1..n].iter_mut().zip(&column[1..]) {
                    *vi -= yj * lij;
                }
            }
        }
    }

    /// Solves Lᵀ x = v in place.
    pub fn solve_upper_mut(&self, v: &mut [f64]) {
        let n = self.n;
        for j in (0..n).rev() {
            let column = &self.l[j * n + j..j * n + n];
            let dot = dot(&column[1..], &v[j + 1..n]);
            v[j] = (v[j] - dot) / column[0];
        }
    }

    /// Solves H x = v in place (v has n entries).
    pub fn solve_mut(&self, v: &mut DVector<f64>) {
        debug_assert_eq!(v.len(), self.n);
        self.solve_lower_mut(v.as_mut_slice());
        self.solve_upper_mut(v.as_mut_slice());
    }

    /// Solves H X = B in place, column by column (B has n rows).
    pub fn solve_columns_mut(&self, b: &mut DMatrix<f64>) {
        self.solve_columns_with(b, &mut Vec::new());
    }

    /// [`Self::solve_columns_mut`] with `scratch` as the storage of Lᵀ's copy (kept by the
    /// caller, so repeated solves allocate nothing).
    pub fn solve_columns_with(&self, b: &mut DMatrix<f64>, scratch: &mut Vec<f64>) {
        debug_assert_eq!(b.nrows(), self.n);
        let n = self.n;
        if n == 0 {
            return;
        }
        if b.ncols() < 4 {
            for column in b.as_mut_slice().chunks_exact_mut(n) {
                self.solve_lower_mut(column);
                self.solve_upper_mut(column);
            }
            return;
        }
        // Many right-hand sides (the derivatives' n_v + n_a columns): Lᵀ copied once so that
        // the backward substitution, like the forward one, subtracts contiguous columns
        // instead of forming a dot product per entry (a chain of dependent additions).
        let upper = scratch;
        upper.clear();
        upper.resize(n * n, 0.0);
        for j in 0..n {
            for i in j..n {
                upper[i * n + j] = self.l[j * n + i];
            }
        }
        for column in b.as_mut_slice().chunks_exact_mut(n) {
            self.solve_lower_mut(column);
            for j in (0..n).rev() {
                let u = &upper[j * n..j * n + j + 1];
                let xj = column[j] / u[j];
                column[j] = xj;
                if xj != 0.0 {
                    for (v, uij) in column[..j].iter_mut().zip(&u[..j]) {
                        *v -= xj * uij;
                    }
                }
            }
        }
    }
}

/// The rows where each column of a square matrix has its non-zero entries (`first..end`,
/// empty for a zero column), for products that skip a sparse matrix's zeros. The step's Q is
/// diagonal on the robots' joints with one small block per object: on the Allegro hand its
/// product with a vector is ~60 multiply-adds where a dense product does 529.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnBands {
    bands: Vec<(usize, usize)>,
}

impl ColumnBands {
    /// The bands of `a` (allocates only when its size grew).
    pub(crate) fn update(&mut self, a: &DMatrix<f64>) {
        let n = a.nrows();
        self.bands.clear();
        self.bands.extend(
            a.as_slice()
                .chunks_exact(n.max(1))
                .take(a.ncols())
                .map(|column| match column.iter().position(|v| *v != 0.0) {
                    Some(first) => {
                        let last = column.iter().rposition(|v| *v != 0.0).unwrap_or(first);
                        (first, last + 1)
                    }
                    None => (0, 0),
                }),
        );
    }

    /// `out = a x` for the matrix whose bands these are: column after column, as a dense
    /// product sums them, so the result is the dense product's (skipped terms are exact
    /// zeros).
    pub(crate) fn mul_into(&self, a: &DMatrix<f64>, x: &[f64], out: &mut [f64]) {
        let n = a.nrows();
        debug_assert_eq!(self.bands.len(), a.ncols());
        out.fill(0.0);
        for ((column, &(first, end)), xj) in
            a.as_slice().chunks_exact(n.max(1)).zip(&self.bands).zip(x)
        {
            if *xj != 0.0 {
                for (o, v) in out[first..end].iter_mut().zip(&column[first..end]) {
                    *o += v * xj;
                }
            }
        }
    }
}

/// `aᵀ b` over the shorter of the two, summed in four interleaved partial sums: one chain of
/// dependent additions per entry was the backward substitution's bottleneck, and four chains
/// let the additions overlap (and vectorise). Deterministic: the order depends on the length
/// alone.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut partial = [0.0; 4];
    let (a_chunks, b_chunks) = (a.chunks_exact(4), b.chunks_exact(4));
    let (a_rest, b_rest) = (a_chunks.remainder(), b_chunks.remainder());
    for (x, y) in a_chunks.zip(b_chunks) {
        for k in 0..4 {
            partial[k] += x[k] * y[k];
        }
    }
    let mut sum = (partial[0] + partial[2]) + (partial[1] + partial[3]);
    for (x, y) in a_rest.iter().zip(b_rest) {
        sum += x * y;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::DenseCholesky;
    use nalgebra::{DMatrix, DVector};
    use proptest::prelude::*;

    /// A random symmetric positive definite matrix with some structural zeros (two blocks
    /// that do not couple, and a border), as the Newton Hessians have.
    fn arrowhead(n: usize, seed: &[f64]) -> DMatrix<f64> {
        let m = DMatrix::from_fn(n, n, |i, j| seed[(i * 7 + j * 3) % seed.len()]);
        let mut a = &m * m.transpose() + DMatrix::identity(n, n) * 0.1;
        let half = n / 3;
        for i in 0..half {
            for j in half..2 * half {
                a[(i, j)] = 0.0;
                a[(j, i)] = 0.0;
            }
        }
        // Keep it positive definite after the cut: dominant diagonal.
        let bound = a.abs().column_sum().amax();
        a + DMatrix::identity(n, n) * bound
    }

    proptest! {
        /// The factor reproduces H (L Lᵀ = H to round-off) and solves agree with an LU solve
        /// (an independent factorisation).
        #[test]
        fn factor_and_solves_match_lu(
            n in 1usize..30,
            seed in prop::collection::vec(-1.0f64..1.0, 11),
            rhs in prop::collection::vec(-10.0f64..10.0, 30),
        ) {
            let a = arrowhead(n, &seed);
            let mut factor = DenseCholesky::default();
            prop_assert!(factor.factor(&a));
            let l = DMatrix::from_fn(n, n, |i, j| if i >= j { factor.l[j * n + i] } else { 0.0 });
            let scale = a.amax();
            prop_assert!((&l * l.transpose() - &a).amax() <= 1e-13 * scale);
            let b = DVector::from_column_slice(&rhs[..n]);
            let mut x = b.clone();
            factor.solve_mut(&mut x);
            let reference = a.clone().lu().solve(&b).ok_or_else(|| TestCaseError::fail("LU"))?;
            prop_assert!((&x - &reference).amax() <= 1e-10 * (1.0 + reference.amax()));
            let mut columns = DMatrix::from_fn(n, 2 + n % 5, |i, j| rhs[(i + 5 * j) % rhs.len()]);
            let expected = a.clone().lu().solve(&columns).ok_or_else(|| TestCaseError::fail("LU"))?;
            factor.solve_columns_mut(&mut columns);
            prop_assert!((&columns - &expected).amax() <= 1e-10 * (1.0 + expected.amax()));
        }
    }

    proptest! {
        /// The banded product equals the dense one for a matrix with zero blocks, zero
        /// columns and zero entries inside a band.
        #[test]
        fn banded_product_matches_the_dense_one(
            n in 1usize..12,
            seed in prop::collection::vec(-1.0f64..1.0, 11),
            x in prop::collection::vec(-10.0f64..10.0, 12),
        ) {
            let mut a = arrowhead(n, &seed);
            for (i, j) in [(0, 0), (n / 2, n / 2), (n - 1, 0)] {
                a[(i, j)] = 0.0;
            }
            let zero_column = n / 3;
            a.column_mut(zero_column).fill(0.0);
            let mut bands = super::ColumnBands::default();
            bands.update(&a);
            let mut out = vec![1.0; n];
            bands.mul_into(&a, &x[..n], &mut out);
            let dense = &a * DVector::from_column_slice(&x[..n]);
            for (o, d) in out.iter().zip(dense.iter()) {
                prop_assert!((o - d).abs() <= 1e-12 * (1.0 + d.abs()));
            }
        }
    }

    #[test]
    fn indefinite_and_non_finite_matrices_are_refused() {
        let mut factor = DenseCholesky::default();
        let indefinite = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0]);
        assert!(!factor.factor(&indefinite));
        let nan = DMatrix::from_row_slice(2, 2, &[f64::NAN, 0.0, 0.0, 1.0]);
        assert!(!factor.factor(&nan));
        assert_eq!(factor.factor_or_shift(&nan), None);
    }

    #[test]
    fn a_singular_matrix_factors_with_a_small_shift() {
        // Rank one: the smallest shift that works is tiny next to the diagonal.
        let singular = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
        let mut factor = DenseCholesky::default();
        assert_eq!(factor.factor_or_shift(&singular), Some(true));
        let l = DMatrix::from_fn(2, 2, |i, j| if i >= j { factor.l[j * 2 + i] } else { 0.0 });
        assert!((&l * l.transpose() - &singular).amax() < 1e-6);
    }
}
