//! The log-barrier forms (analytic smoothing, docs/dynamics.md), solved by our damped Newton method.
//!
//! Minimises `F(x) = ½ xᵀQx + bᵀx − (1/κ) Σᵢ Bᵢ(Cᵢ x + eᵢ)` with `Cᵢ = [J_n; J_t]`,
//! `eᵢ = (φ, 0)` and, writing `y = Cᵢ x + eᵢ`,
//! - cone: `B(y) = log(y₀²/μ² − ‖y_t‖²)` (`2 log y₀` when μ = 0), domain y₀ > μ‖y_t‖;
//! - pyramid: `B(y) = Σⱼ log(y₀ + μ d_jᵀ y_t)`, domain every term positive.
//!
//! F is strictly convex on its domain. Newton steps use a Cholesky factor of the Hessian;
//! the step length backtracks first into the domain, then to the Armijo condition; the stop is
//! on the Newton decrement. Large κ is reached by continuation (κ = 100, 1000, … warm-started),
//! because the barrier is too sharp for Newton to start at large κ. A start that is strictly
//! inside the domain is x = 0 when every φ > 0; otherwise a least-norm step lifts the violated
//! contacts to a small positive gap (phase 1). At the solution, stationarity reads
//! `Qx + b = Σ Cᵢᵀ (∇Bᵢ / κ)`, so `∇Bᵢ / κ = (λ_n, λ_t)` are the contact impulses.

use super::dense::DenseCholesky;
use super::{BarrierAtSolution, Solution, SolvePath, SolveStatus};
use crate::cone::{Cone, ConeKind};
use crate::error::DynamicsError;
use crate::problem::{ContactRows, StepProblem};
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};

/// First κ of the continuation; targets at or below it are solved directly.
const KAPPA_START: f64 = 100.0;
/// Growth of κ between continuation stages.
const KAPPA_GROWTH: f64 = 10.0;
/// Newton iterations per stage before giving up on the stage.
const MAX_NEWTON_PER_STAGE: u32 = 80;

/// The barrier of one contact (its cone's, [`Cone::barrier_value`]), its gradient and
/// Hessian in y. y has `dim = 1 + n_t ≤ 3` entries, kept in fixed-size vectors (unused
/// entries zero) so that evaluations allocate nothing.
struct ContactBarrier<'a> {
    rows: &'a ContactRows,
    cone: &'a Cone,
    /// The non-zero columns of C, padded to 3 entries, with their variable index: the
    /// y-direction of each variable that moves the contact. A contact involves only the
    /// joints above its two bodies (a finger and the object, say), so skipping the zero
    /// columns makes the Hessian's assembly scale with those, not with all of n².
    columns: &'a [(usize, Vector3<f64>)],
    dim: usize,
}

impl ContactBarrier<'_> {
    #[inline]
    fn y(&self, x: &DVector<f64>) -> Vector3<f64> {
        self.along(x) + Vector3::new(self.rows.phi, 0.0, 0.0)
    }

    /// `C v` for any vector v on the variables.
    #[inline]
    fn along(&self, v: &DVector<f64>) -> Vector3<f64> {
        columns_times(self.columns, v)
    }

    fn tangential_norm_squared(&self, y: &Vector3<f64>) -> f64 {
        (1..self.dim).map(|a| y[a] * y[a]).sum()
    }

    /// `B(y)`, or `None` outside the domain.
    #[inline]
    fn value(&self, y: &Vector3<f64>) -> Option<f64> {
        self.cone.barrier_value(y, self.rows.mu)
    }

    /// `(∇B, ∇²B)` at a point of the domain (entries beyond `dim` are zero).
    #[inline]
    fn derivatives(&self, y: &Vector3<f64>) -> (Vector3<f64>, Matrix3<f64>) {
        self.cone.barrier_derivatives(y, self.rows.mu)
    }
}

/// The objective with all contacts at one κ.
struct Objective<'a> {
    problem: &'a StepProblem,
    barriers: Vec<ContactBarrier<'a>>,
    kappa: f64,
    /// A stage ends once κ times the Newton decrement (the squared Newton decrement of the
    /// self-concordant κ F) is at or below this, after that step; 0 asks for round-off.
    centring: f64,
}

impl Objective<'_> {
    /// Writes the gradient and the Hessian's lower triangle at x into `g` and `h` (the
    /// Cholesky factorisation reads only that triangle; the strict upper one keeps Q's
    /// entries). `qx_plus_b` is `Qx + b` and `ys` the contacts' y at x, both already computed.
    fn gradient_and_hessian(
        &self,
        qx_plus_b: &DVector<f64>,
        ys: &[Vector3<f64>],
        g: &mut DVector<f64>,
        h: &mut DMatrix<f64>,
    ) {
        g.copy_from(qx_plus_b);
        h.copy_from(&self.problem.q_matrix);
        let n = h.nrows();
        // Column-major storage: entry (row s, column r) at r n + s. Writing through the
        // slice keeps the innermost loop to one contiguous column per C column.
        let entries = h.as_mut_slice();
        let scale = -1.0 / self.kappa;
        for (barrier, y) in self.barriers.iter().zip(ys) {
            let (gy, hy) = barrier.derivatives(y);
            let (gy, hy) = (gy * scale, hy * scale);
            // g −= Cᵀ ∇B / κ;  H −= Cᵀ ∇²B C / κ, over the pairs of C's non-zero columns
            // (ascending variable index, so s ≥ r lands in the lower triangle).
            for (r, column_r) in barrier.columns {
                g[*r] += column_r.dot(&gy);
            }
            add_congruence(barrier.columns, &hy, entries, n);
        }
    }
}

/// `C v` for a contact's non-zero columns of C (with their variable index) and any vector v
/// on the variables.
#[inline]
pub(super) fn columns_times(columns: &[(usize, Vector3<f64>)], v: &DVector<f64>) -> Vector3<f64> {
    columns
        .iter()
        .fold(Vector3::zeros(), |acc, (i, column)| acc + column * v[*i])
}

/// Adds `Cᵀ M C` (M a 3 × 3 matrix in a contact's y-space) to the lower triangle of the
/// column-major n × n `entries`, over the pairs of the contact's non-zero columns of C
/// (ascending variable index, so s ≥ r lands in the lower triangle). The barrier Hessian's
/// and the primal–dual system's contact terms.
#[inline]
pub(super) fn add_congruence(
    columns: &[(usize, Vector3<f64>)],
    m: &Matrix3<f64>,
    entries: &mut [f64],
    n: usize,
) {
    for (k, (r, column_r)) in columns.iter().enumerate() {
        let weighted = m * column_r;
        let column = &mut entries[r * n..(r + 1) * n];
        for (s, column_s) in &columns[k..] {
            column[*s] += column_s.dot(&weighted);
        }
    }
}

/// The minimum-‖x‖_Q displacement with C x = r, `x = Q⁻¹Cᵀ (C Q⁻¹ Cᵀ)⁺ r`, given Q's
/// Cholesky factor L. With W = L⁻¹ Cᵀ: C Q⁻¹ Cᵀ = Wᵀ W and x = L⁻ᵀ W (Wᵀ W)⁺ r, one
/// triangular solve per row. The Gram matrix Wᵀ W is positive definite unless rows are
/// dependent (two contacts of one pair, say): its Cholesky factor answers in a fraction of an
/// SVD's time, and the SVD's pseudo-inverse is the fallback (the factor fails, or its answer
/// misses C x = r by more than `tolerance`).
fn least_norm_lift(
    l: &DenseCholesky,
    c: &DMatrix<f64>,
    r: &DVector<f64>,
    tolerance: f64,
) -> Option<DVector<f64>> {
    let mut w = c.transpose();
    let n = l.dim();
    if n > 0 {
        for column in w.as_mut_slice().chunks_exact_mut(n) {
            l.solve_lower_mut(column);
        }
    }
    let gram = w.tr_mul(&w);
    let back = |weights: DVector<f64>| {
        let mut x = &w * weights;
        l.solve_upper_mut(x.as_mut_slice());
        x
    };
    let mut factor = DenseCholesky::default();
    if factor.factor(&gram) {
        let mut weights = r.clone();
        factor.solve_mut(&mut weights);
        let x = back(weights);
        if (c * &x - r).amax() <= tolerance {
            return Some(x);
        }
    }
    let weights = super::bounded_svd(gram)?.solve(r, 1e-12).ok()?;
    Some(back(weights))
}

/// A strictly feasible start: 0 when every contact is strictly feasible there; otherwise the
/// minimum-Q-norm x that lifts the violated contacts to a small positive gap with zero
/// tangential motion, growing the set of lifted contacts while others become violated; and if
/// that fails, lifts along the normals only with targets raised past the friction cones.
fn feasible_start(objective: &Objective<'_>) -> Option<DVector<f64>> {
    let problem = objective.problem;
    let n = problem.var_to_v.len();
    let mut x = DVector::zeros(n);
    let feasible = |x: &DVector<f64>| {
        objective
            .barriers
            .iter()
            .all(|b| b.value(&b.y(x)).is_some())
    };
    if feasible(&x) {
        return Some(x);
    }
    let margin = problem
        .contacts
        .iter()
        .map(|c| c.phi.abs())
        .fold(1e-6, f64::max)
        * 1e-2;
    let mut regularised_q = problem.q_matrix.clone();
    let regularisation = 1e-9 * problem.q_matrix.diagonal().amax().max(1e-9);
    for i in 0..n {
        regularised_q[(i, i)] += regularisation;
    }
    // Q is symmetric positive definite: its Cholesky factor serves the few lifted rows at
    // O(n² rows), where an explicit inverse (LU) cost O(n³) on every phase-1 call.
    let mut l = DenseCholesky::default();
    if !l.factor(&regularised_q) {
        return None;
    }
    let lift = |c: &DMatrix<f64>, r: &DVector<f64>| least_norm_lift(&l, c, r, 1e-3 * margin);
    // First: lift the violated contacts to a small gap with zero tangential motion.
    let nt = problem.n_tangent;
    let mut lifted: Vec<usize> = Vec::new();
    for _ in 0..=problem.contacts.len() {
        let before = lifted.len();
        for (i, barrier) in objective.barriers.iter().enumerate() {
            if barrier.value(&barrier.y(&x)).is_none() && !lifted.contains(&i) {
                lifted.push(i);
            }
        }
        if lifted.len() == before {
            // The same set again would give the same x: this way has failed.
            break;
        }
        let rows = lifted.len() * (1 + nt);
        let mut c = DMatrix::zeros(rows, n);
        let mut r = DVector::zeros(rows);
        for (k, &i) in lifted.iter().enumerate() {
            let rows = &problem.contacts[i];
            c.row_mut(k * (1 + nt)).tr_copy_from(&rows.jn);
            c.rows_mut(k * (1 + nt) + 1, nt).copy_from(&rows.jt);
            r[k * (1 + nt)] = margin - problem.contacts[i].phi;
        }
        x = lift(&c, &r)?;
        if feasible(&x) {
            return Some(x);
        }
    }
    // That can be impossible (a body pinched between contacts that forbid each other's
    // sideways motion). Then: lift the violated contacts along their normals only, to a
    // target gap. Lifting moves contact points sideways, which can leave a touching contact
    // outside its friction cone (gap below μ‖y_t‖), so a contact's target grows past μ‖y_t‖
    // until every contact is strictly inside; the lifted set grows as others are violated.
    x.fill(0.0);
    let mut targets: Vec<f64> = vec![margin; problem.contacts.len()];
    lifted.clear();
    for _ in 0..4 * problem.contacts.len() + 10 {
        let mut changed = false;
        for (i, barrier) in objective.barriers.iter().enumerate() {
            let y = barrier.y(&x);
            if barrier.value(&y).is_none() {
                if !lifted.contains(&i) {
                    lifted.push(i);
                    changed = true;
                }
                let slip = barrier.tangential_norm_squared(&y).sqrt() * barrier.rows.mu;
                let needed = 2.0 * slip + margin;
                if y[0] < needed && needed > targets[i] {
                    targets[i] = needed;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
        let rows = lifted.len();
        let mut c = DMatrix::zeros(rows, n);
        let mut r = DVector::zeros(rows);
        for (k, &i) in lifted.iter().enumerate() {
            c.row_mut(k).tr_copy_from(&problem.contacts[i].jn);
            r[k] = targets[i] - problem.contacts[i].phi;
        }
        x = lift(&c, &r)?;
        if feasible(&x) {
            return Some(x);
        }
    }
    None
}

/// Every contact's non-zero columns of `C = [J_n; J_t]` with their variable index, contact
/// after contact (one allocation per solve), and where each contact's run ends.
pub(super) fn contact_columns(problem: &StepProblem) -> (Vec<(usize, Vector3<f64>)>, Vec<usize>) {
    let n = problem.var_to_v.len();
    let mut columns = Vec::with_capacity(problem.contacts.len() * n);
    let mut ends = Vec::with_capacity(problem.contacts.len());
    for rows in &problem.contacts {
        let nt = rows.jt.nrows();
        for r in 0..n {
            let mut column = Vector3::zeros();
            column[0] = rows.jn[r];
            for a in 0..nt {
                column[1 + a] = rows.jt[(a, r)];
            }
            if column != Vector3::zeros() {
                columns.push((r, column));
            }
        }
        ends.push(columns.len());
    }
    (columns, ends)
}

/// Each contact's barrier: its rows and its run of [`contact_columns`].
fn contact_barriers<'a>(
    problem: &'a StepProblem,
    cone: &'a Cone,
    (columns, ends): &'a (Vec<(usize, Vector3<f64>)>, Vec<usize>),
) -> Vec<ContactBarrier<'a>> {
    let starts = std::iter::once(0).chain(ends.iter().copied());
    problem
        .contacts
        .iter()
        .zip(starts.zip(ends))
        .map(|(rows, (start, &end))| ContactBarrier {
            rows,
            cone,
            columns: &columns[start..end],
            dim: 1 + rows.jt.nrows(),
        })
        .collect()
}

/// How one Newton iteration ended.
enum NewtonStep {
    /// A step was taken; iterate again.
    Taken,
    /// The step was at round-off: x is the minimiser at this κ.
    Converged,
    /// No step length gave a decrease inside the domain: this κ's stage ends.
    NoDecrease,
}

/// The Newton method's storage, sized once per solve and reused by every iteration.
struct Newton {
    g: DVector<f64>,
    h: DMatrix<f64>,
    dx: DVector<f64>,
    /// The Hessian's factor; its storage is reused by every iteration.
    factor: DenseCholesky,
    qx_plus_b: DVector<f64>,
    q_dx: DVector<f64>,
    ys: Vec<Vector3<f64>>,
    c_dx: Vec<Vector3<f64>>,
    /// `Σ Bᵢ(yᵢ)` at the current x, as the line search computed it at the accepted step: the
    /// next iteration takes it instead of re-evaluating every contact's logarithms.
    /// Independent of κ, so it carries across stages. (The y themselves are recomputed
    /// from x: updated in place along the steps they drift by round-off, enough to move the
    /// minimiser off its round-off-consistent value — finite-difference checks saw it.)
    carried_barrier_sum: Option<f64>,
}

impl Newton {
    fn new(n: usize, contacts: usize) -> Self {
        Newton {
            g: DVector::zeros(n),
            h: DMatrix::zeros(n, n),
            dx: DVector::zeros(n),
            factor: DenseCholesky::default(),
            qx_plus_b: DVector::zeros(n),
            q_dx: DVector::zeros(n),
            ys: Vec::with_capacity(contacts),
            c_dx: Vec::with_capacity(contacts),
            carried_barrier_sum: None,
        }
    }

    /// One damped Newton iteration on `objective` from x (updated in place): direction from
    /// the Cholesky factor of the Hessian, step length backtracked into the domain and to the
    /// Armijo condition (pure Newton near the minimiser).
    ///
    /// # Errors
    /// x outside the domain; a Hessian that cannot be factored.
    #[inline]
    fn step(
        &mut self,
        objective: &Objective<'_>,
        x: &mut DVector<f64>,
    ) -> Result<NewtonStep, DynamicsError> {
        let problem = objective.problem;
        let Newton {
            g,
            h,
            dx,
            factor,
            qx_plus_b,
            q_dx,
            ys,
            c_dx,
            carried_barrier_sum,
        } = self;
        // F(x) and the pieces the gradient and the line search reuse.
        qx_plus_b.gemv(1.0, &problem.q_matrix, x, 0.0);
        let quadratic = 0.5 * x.dot(qx_plus_b) + problem.b.dot(x);
        *qx_plus_b += &problem.b;
        ys.clear();
        ys.extend(objective.barriers.iter().map(|b| b.y(x)));
        let barrier_sum = match carried_barrier_sum.take() {
            Some(sum) => sum,
            None => {
                let mut sum = 0.0;
                for (barrier, y) in objective.barriers.iter().zip(ys.iter()) {
                    sum += barrier
                        .value(y)
                        .ok_or(DynamicsError::NoStrictlyFeasibleStart)?;
                }
                sum
            }
        };
        let f0 = quadratic - barrier_sum / objective.kappa;
        objective.gradient_and_hessian(qx_plus_b, ys, g, h);
        // A shift when H is not numerically positive definite: possible in quasi-static
        // mode, where Q has a null space off the contacts.
        let Some(shifted) = factor.factor_or_shift(h) else {
            return Err(DynamicsError::SolverFailed {
                mode: "barrier",
                status: "Hessian not factorable".into(),
            });
        };
        dx.copy_from(g);
        factor.solve_mut(dx);
        dx.neg_mut();
        let decrement = -g.dot(dx);
        // Along the direction: F(x + t dx) = quadratic + t slope + ½ t² curvature − Σ B(y + t C dx)/κ.
        let slope = qx_plus_b.dot(dx);
        q_dx.gemv(1.0, &problem.q_matrix, dx, 0.0);
        let curvature = dx.dot(q_dx);
        c_dx.clear();
        c_dx.extend(objective.barriers.iter().map(|b| b.along(dx)));
        // F at x + t dx, with the barrier sum there.
        let value_at = |t: f64| -> Option<(f64, f64)> {
            let mut sum = 0.0;
            for ((barrier, y), cd) in objective.barriers.iter().zip(ys.iter()).zip(c_dx.iter()) {
                sum += barrier.value(&(y + cd * t))?;
            }
            let total = quadratic + t * slope + 0.5 * t * t * curvature - sum / objective.kappa;
            Some((total, sum))
        };
        // Far from the minimiser: damped steps with sufficient decrease. Close to it the
        // objective's round-off (~1e-16 |F|) swamps the Armijo test, and the quadratically
        // convergent pure Newton step is taken (kept inside the domain).
        let damped = decrement * 0.5 > 1e-10 * (1.0 + f0.abs());
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..80 {
            if let Some((f, sum)) = value_at(t)
                && (!damped || f <= f0 - 0.01 * t * decrement)
            {
                accepted = Some(sum);
                break;
            }
            t *= 0.5;
        }
        let Some(sum) = accepted else {
            return Ok(NewtonStep::NoDecrease);
        };
        x.axpy(t, dx, 1.0);
        *carried_barrier_sum = Some(sum);
        if decrement * objective.kappa <= objective.centring {
            return Ok(NewtonStep::Converged);
        }
        // In the quadratic region the error after a full step is of the order of the
        // decrement squared: once the decrement is at round-off, that step is the last.
        // Sooner still: for the self-concordant κF a full step leaves λ⁺ ≤ (λ / (1 − λ))²
        // (λ² = κ × decrement), so the next step would be about λ / (1 − λ)² times this one;
        // once that (with a factor 10 of margin for its direction) is below round-off in x,
        // this step is the last. Not after a shifted factor, whose step is not Newton's.
        let step = t * dx.amax();
        let lambda = (decrement * objective.kappa).max(0.0).sqrt();
        let next_step = if t == 1.0 && !shifted && lambda < 0.5 {
            10.0 * step * lambda / ((1.0 - lambda) * (1.0 - lambda))
        } else {
            f64::INFINITY
        };
        let x_round_off = 1e-13 * (1.0 + x.amax());
        if !damped
            && (decrement * 0.5 <= 1e-16 * (1.0 + f0.abs())
                || step <= x_round_off
                || next_step <= x_round_off)
        {
            return Ok(NewtonStep::Converged);
        }
        Ok(NewtonStep::Taken)
    }

    /// `Qx + b`, the contacts' y, the gradient and the Hessian (lower triangle) at x, into
    /// this storage.
    fn evaluate_at(&mut self, objective: &Objective<'_>, x: &DVector<f64>) {
        let problem = objective.problem;
        self.qx_plus_b.gemv(1.0, &problem.q_matrix, x, 0.0);
        self.qx_plus_b += &problem.b;
        self.ys.clear();
        self.ys.extend(objective.barriers.iter().map(|b| b.y(x)));
        objective.gradient_and_hessian(&self.qx_plus_b, &self.ys, &mut self.g, &mut self.h);
    }

    /// The Hessian at the solution, factored, with each contact's barrier derivatives, for the
    /// implicit-function-theorem derivatives.
    ///
    /// # Errors
    /// A Hessian that cannot be factored even with a shift.
    fn second_order(
        &mut self,
        objective: &Objective<'_>,
        x: &DVector<f64>,
    ) -> Result<BarrierAtSolution, DynamicsError> {
        // The last Newton factor belongs to the point before the last step; near the
        // barrier's edge the Hessian changes fast, so it is refactored at x itself (the cost
        // of one more Newton iteration).
        self.evaluate_at(objective, x);
        // Singular to working precision if it only factors with a shift.
        let singular = self
            .factor
            .factor_or_shift(&self.h)
            .ok_or(DynamicsError::SolverFailed {
                mode: "barrier",
                status: "Hessian at the solution not factorable".into(),
            })?;
        let hessian = std::mem::take(&mut self.factor);
        let contact_terms = objective
            .barriers
            .iter()
            .zip(&self.ys)
            .map(|(barrier, y)| {
                let (gy, hy) = barrier.derivatives(y);
                (gy / objective.kappa, hy / objective.kappa)
            })
            .collect();
        Ok(BarrierAtSolution {
            hessian,
            contact_terms,
            singular,
        })
    }
}

/// The central path's direction at x, a point near its centre at program weight `kappa`:
/// `dx / d(log κ) = −H⁻¹ Σ Cᵢᵀ ∇Bᵢ / κ` (differentiating the stationarity
/// `Qx + b = Σ Cᵢᵀ ∇Bᵢ / κ` in log κ). It tells, from one answer, which way each gap and
/// impulse moves as κ grows (the own exact solver reads the contacts' modes from it). `None`
/// when x is outside the domain or the Hessian cannot be factored.
pub fn central_path_tangent(
    problem: &StepProblem,
    kind: ConeKind,
    kappa: f64,
    x: &DVector<f64>,
) -> Option<DVector<f64>> {
    let cone = kind.on(problem.n_tangent);
    let columns = contact_columns(problem);
    let objective = Objective {
        problem,
        barriers: contact_barriers(problem, &cone, &columns),
        kappa,
        centring: 0.0,
    };
    if !objective
        .barriers
        .iter()
        .all(|b| b.value(&b.y(x)).is_some())
    {
        return None;
    }
    let mut newton = Newton::new(problem.var_to_v.len(), problem.contacts.len());
    newton.evaluate_at(&objective, x);
    newton.factor.factor_or_shift(&newton.h)?;
    // Σ Cᵀ ∇B / κ = (Qx + b) − g; the tangent solves H t = −(that).
    let mut tangent = &newton.g - &newton.qx_plus_b;
    newton.factor.solve_mut(&mut tangent);
    tangent.iter().all(|v| v.is_finite()).then_some(tangent)
}

/// Solves the step's program in a barrier form, `½xᵀQx + bᵀx − (1/kappa) Σ Bᵢ`: `kappa` is the
/// program's own weight, which the step sets to the settings' κ / h (docs/dynamics.md). With
/// `keep_second_order`, the Hessian at the returned point is factored once more and kept with
/// the contacts' barrier derivatives, for the implicit-function-theorem derivatives.
///
/// `start`, when given and strictly feasible, is where Newton's method starts, directly at the
/// final κ (no continuation): a nearby solution — the nominal step of a batch of randomized
/// samples — saves most iterations. Otherwise the usual feasible start and κ continuation run.
pub fn solve(
    problem: &StepProblem,
    kind: ConeKind,
    kappa: f64,
    keep_second_order: bool,
    start: Option<&DVector<f64>>,
) -> Result<Solution, DynamicsError> {
    solve_scheduled(
        problem,
        kind,
        kappa,
        keep_second_order,
        start,
        Schedule::default(),
    )
}

/// The κ continuation of a cold start: the first stage's κ and the growth between stages.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// First κ of the continuation; targets at or below it are solved directly.
    pub start: f64,
    /// Growth of κ between stages (> 1).
    pub growth: f64,
    /// Newton iterations allowed from a strictly feasible `start` (at the final κ) before
    /// the solve ends unconverged; the stages of a cold start allow 80 each.
    pub warm_iterations: u32,
    /// How well the stages before the last are centred: each ends once κ times its Newton
    /// decrement (the squared decrement of the self-concordant κ F, dimensionless) is at or
    /// below this after a step; 0 centres to round-off. The next stage only needs a start
    /// near the central path, and the last 3–4 iterations of a round-off stage buy nothing.
    pub intermediate_centring: f64,
    /// The same for the last stage (the returned point); 0 for round-off.
    pub final_centring: f64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            start: KAPPA_START,
            growth: KAPPA_GROWTH,
            warm_iterations: MAX_NEWTON_PER_STAGE,
            intermediate_centring: 0.0,
            final_centring: 0.0,
        }
    }
}

/// [`solve`] with the continuation's schedule given.
///
/// # Errors
/// As [`solve`].
pub fn solve_scheduled(
    problem: &StepProblem,
    kind: ConeKind,
    kappa: f64,
    keep_second_order: bool,
    start: Option<&DVector<f64>>,
    schedule: Schedule,
) -> Result<Solution, DynamicsError> {
    if !(kappa.is_finite() && kappa > 0.0) {
        return Err(DynamicsError::InvalidParameter(format!(
            "kappa must be positive and finite, got {kappa}"
        )));
    }
    let cone = kind.on(problem.n_tangent);
    let columns = contact_columns(problem);
    let mut objective = Objective {
        problem,
        barriers: contact_barriers(problem, &cone, &columns),
        kappa: kappa.min(schedule.start),
        centring: 0.0,
    };
    let warm = start.filter(|x| {
        x.len() == problem.var_to_v.len()
            && objective
                .barriers
                .iter()
                .all(|b| b.value(&b.y(x)).is_some())
    });
    let mut stages = vec![kappa];
    let mut x = match warm {
        Some(x) => x.clone(),
        None => {
            while stages[0] / schedule.growth >= schedule.start {
                stages.insert(0, stages[0] / schedule.growth);
            }
            feasible_start(&objective).ok_or(DynamicsError::NoStrictlyFeasibleStart)?
        }
    };
    let mut iterations = 0;
    let mut converged = false;
    let mut newton = Newton::new(problem.var_to_v.len(), problem.contacts.len());
    let last = stages.len() - 1;
    for (stage, stage_kappa) in stages.into_iter().enumerate() {
        objective.kappa = stage_kappa;
        objective.centring = if stage == last {
            schedule.final_centring
        } else {
            schedule.intermediate_centring
        };
        converged = false;
        let allowed = if warm.is_some() {
            schedule.warm_iterations
        } else {
            MAX_NEWTON_PER_STAGE
        };
        for _ in 0..allowed {
            iterations += 1;
            match newton.step(&objective, &mut x)? {
                NewtonStep::Taken => {}
                NewtonStep::Converged => {
                    converged = true;
                    break;
                }
                NewtonStep::NoDecrease => break,
            }
        }
    }
    let impulses = objective
        .barriers
        .iter()
        .map(|barrier| {
            let (gy, _) = barrier.derivatives(&barrier.y(&x));
            let w = gy / objective.kappa;
            (w[0], (1..barrier.dim).map(|a| w[a]).collect())
        })
        .collect();
    let barrier = if keep_second_order {
        Some(newton.second_order(&objective, &x)?)
    } else {
        None
    };
    Ok(Solution {
        interior: None,
        polished: false,
        x,
        impulses,
        status: if converged {
            SolveStatus::Solved
        } else {
            SolveStatus::MaxIterations
        },
        iterations,
        duals: Vec::new(),
        barrier,
        modes: None,
        path: SolvePath::Barrier,
    })
}
