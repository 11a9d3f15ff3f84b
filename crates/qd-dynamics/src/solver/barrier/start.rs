//! The strictly feasible start of the barrier's Newton method (phase 1): x = 0 when every
//! contact is strictly feasible there; otherwise the minimum-Q-norm displacement that lifts
//! the violated contacts to a small positive gap. Its storage ([`StartWork`]) is kept between
//! solves, so a start allocates nothing once sized (the SVD fallback for dependent rows
//! aside).

use super::Objective;
use crate::solver::dense::{DenseCholesky, dot};
use nalgebra::{DMatrix, DVector};

/// Phase 1's storage, kept between solves.
#[derive(Debug, Clone, Default)]
pub(super) struct StartWork {
    /// The Q whose regularised factor `q_factor` holds, when `q_factored`: reused while Q is
    /// unchanged — a robot's stiffness and an object's mass matrix are constant in most
    /// scenes, and a batch of samples at one q always shares Q.
    factored_q: DMatrix<f64>,
    q_factored: bool,
    q_factor: DenseCholesky,
    /// The lifted rows of C, row after row (rows × n), and their targets.
    c: Vec<f64>,
    r: Vec<f64>,
    /// W = L⁻¹ Cᵀ, one column per lifted row (n entries each).
    w: Vec<f64>,
    /// Wᵀ W (rows × rows, column-major), its factor, and the weights it solves for.
    gram: Vec<f64>,
    gram_factor: DenseCholesky,
    weights: Vec<f64>,
    lifted: Vec<usize>,
    targets: Vec<f64>,
}

impl StartWork {
    /// The Cholesky factor of Q + δI (δ = 1e-9 of Q's largest diagonal entry), refactored
    /// only when Q changed. False when it cannot be factored.
    fn factor_q(&mut self, q: &DMatrix<f64>) -> bool {
        // Compared as slices: nalgebra's matrix equality walks the entries through strided
        // iterators, several times slower at these sizes.
        if self.q_factored
            && self.factored_q.shape() == q.shape()
            && self.factored_q.as_slice() == q.as_slice()
        {
            return true;
        }
        self.q_factored = false;
        let n = q.nrows();
        let largest_diagonal = (0..n).map(|i| q[(i, i)].abs()).fold(0.0, f64::max);
        let regularisation = 1e-9 * largest_diagonal.max(1e-9);
        self.w.clear();
        self.w.extend_from_slice(q.as_slice());
        for i in 0..n {
            self.w[i * n + i] += regularisation;
        }
        if !self.q_factor.factor_slice(&self.w, n, 0.0) {
            return false;
        }
        if self.factored_q.shape() == q.shape() {
            self.factored_q.copy_from(q);
        } else {
            self.factored_q = q.clone();
        }
        self.q_factored = true;
        true
    }

    /// The minimum-‖x‖_Q displacement with C x = r (C and r as stored), into x:
    /// `x = Q⁻¹Cᵀ (C Q⁻¹ Cᵀ)⁺ r`, given Q's Cholesky factor L. With W = L⁻¹ Cᵀ:
    /// C Q⁻¹ Cᵀ = Wᵀ W and x = L⁻ᵀ W (Wᵀ W)⁺ r, one triangular solve per row. The Gram matrix
    /// Wᵀ W is positive definite unless rows are dependent (two contacts of one pair, say):
    /// its Cholesky factor answers in a fraction of an SVD's time, and the SVD's
    /// pseudo-inverse is the fallback (the factor fails, or its answer misses C x = r by more
    /// than `tolerance`). False when even that fails.
    fn least_norm_lift(&mut self, tolerance: f64, x: &mut DVector<f64>) -> bool {
        let StartWork {
            q_factor: l,
            c,
            r,
            w,
            gram,
            gram_factor,
            weights,
            ..
        } = self;
        let n = l.dim();
        let rows = r.len();
        if n == 0 {
            return false;
        }
        // Each row of C is a column of Cᵀ.
        w.clear();
        w.extend_from_slice(c);
        for column in w.chunks_exact_mut(n) {
            l.solve_lower_mut(column);
        }
        gram.clear();
        gram.resize(rows * rows, 0.0);
        for (i, wi) in w.chunks_exact(n).enumerate() {
            for (j, wj) in w.chunks_exact(n).enumerate().skip(i) {
                let value = dot(wi, wj);
                gram[i * rows + j] = value;
                gram[j * rows + i] = value;
            }
        }
        let back = |weights: &[f64], x: &mut DVector<f64>| {
            x.as_mut_slice().fill(0.0);
            for (wi, &weight) in w.chunks_exact(n).zip(weights) {
                for (xj, wij) in x.iter_mut().zip(wi) {
                    *xj += weight * wij;
                }
            }
            l.solve_upper_mut(x.as_mut_slice());
        };
        // Independent rows: Wᵀ W factors as it is. Dependent ones (two contacts of one pair,
        // a face's corners) make it singular; with a consistent r, a shift of round-off size
        // still gives x with C x = r (checked) — without the SVD's allocations. (Taking the
        // shifted answer unchecked for an inconsistent r was tried: it is not the
        // pseudo-inverse's to working precision, and a finite-difference test's step then
        // found no feasible start.)
        let scale = (0..rows).map(|i| gram[i * rows + i]).fold(0.0, f64::max);
        for shift in [0.0, 1e-12 * scale, 1e-9 * scale] {
            if !gram_factor.factor_slice(gram, rows, shift) {
                continue;
            }
            weights.clear();
            weights.extend_from_slice(r);
            gram_factor.solve_lower_mut(weights);
            gram_factor.solve_upper_mut(weights);
            back(weights, x);
            let miss = c
                .chunks_exact(n)
                .zip(r.iter())
                .map(|(row, target)| (dot(row, x.as_slice()) - target).abs())
                .fold(0.0, f64::max);
            if miss <= tolerance {
                return true;
            }
        }
        // Inconsistent or badly conditioned rows: the pseudo-inverse (allocates; rare).
        let gram_matrix = DMatrix::from_column_slice(rows, rows, gram);
        let Some(svd) = crate::solver::bounded_svd(gram_matrix) else {
            return false;
        };
        let Ok(solved) = svd.solve(&DVector::from_column_slice(r), 1e-12) else {
            return false;
        };
        back(solved.as_slice(), x);
        true
    }
}

/// A strictly feasible start into x (resized to the problem's variables): 0 when every
/// contact is strictly feasible there; otherwise the minimum-Q-norm x that lifts the violated
/// contacts to a small positive gap with zero tangential motion, growing the set of lifted
/// contacts while others become violated; and if that fails, lifts along the normals only
/// with targets raised past the friction cones. False when none is found.
pub(super) fn feasible_start(
    objective: &Objective<'_>,
    work: &mut StartWork,
    x: &mut DVector<f64>,
) -> bool {
    let problem = objective.problem;
    let n = problem.var_to_v.len();
    if x.len() != n {
        *x = DVector::zeros(n);
    }
    x.as_mut_slice().fill(0.0);
    let feasible = |x: &DVector<f64>| objective.barriers().all(|b| b.value(&b.y(x)).is_some());
    if feasible(x) {
        return true;
    }
    let margin = problem
        .contacts
        .iter()
        .map(|c| c.phi.abs())
        .fold(1e-6, f64::max)
        * 1e-2;
    // Q is symmetric positive definite: its Cholesky factor serves the few lifted rows at
    // O(n² rows), where an explicit inverse (LU) cost O(n³) on every phase-1 call.
    if !work.factor_q(&problem.q_matrix) {
        return false;
    }
    let tolerance = 1e-3 * margin;
    // First: lift the violated contacts to a small gap with zero tangential motion.
    let nt = problem.n_tangent;
    work.lifted.clear();
    for _ in 0..=problem.contacts.len() {
        let before = work.lifted.len();
        for (i, barrier) in objective.barriers().enumerate() {
            if barrier.value(&barrier.y(x)).is_none() && !work.lifted.contains(&i) {
                work.lifted.push(i);
            }
        }
        if work.lifted.len() == before {
            // The same set again would give the same x: this way has failed.
            break;
        }
        work.c.clear();
        work.r.clear();
        for &i in &work.lifted {
            let rows = &problem.contacts[i];
            work.c.extend(rows.jn.iter());
            work.r.push(margin - rows.phi);
            for a in 0..nt {
                work.c.extend(rows.jt.row(a).iter());
                work.r.push(0.0);
            }
        }
        if !work.least_norm_lift(tolerance, x) {
            return false;
        }
        if feasible(x) {
            return true;
        }
    }
    // That can be impossible (a body pinched between contacts that forbid each other's
    // sideways motion). Then: lift the violated contacts along their normals only, to a
    // target gap. Lifting moves contact points sideways, which can leave a touching contact
    // outside its friction cone (gap below μ‖y_t‖), so a contact's target grows past μ‖y_t‖
    // until every contact is strictly inside; the lifted set grows as others are violated.
    x.as_mut_slice().fill(0.0);
    work.targets.clear();
    work.targets.resize(problem.contacts.len(), margin);
    work.lifted.clear();
    for _ in 0..4 * problem.contacts.len() + 10 {
        let mut changed = false;
        for (i, barrier) in objective.barriers().enumerate() {
            let y = barrier.y(x);
            if barrier.value(&y).is_none() {
                if !work.lifted.contains(&i) {
                    work.lifted.push(i);
                    changed = true;
                }
                let slip = barrier.tangential_norm_squared(&y).sqrt() * barrier.rows.mu;
                let needed = 2.0 * slip + margin;
                if y[0] < needed && needed > work.targets[i] {
                    work.targets[i] = needed;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
        work.c.clear();
        work.r.clear();
        for &i in &work.lifted {
            work.c.extend(problem.contacts[i].jn.iter());
            work.r.push(work.targets[i] - problem.contacts[i].phi);
        }
        if !work.least_norm_lift(tolerance, x) {
            return false;
        }
        if feasible(x) {
            return true;
        }
    }
    false
}
