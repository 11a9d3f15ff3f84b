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
//!
//! With the Lorentz cone, each stage opens with primal–dual iterations (`PrimalDual`): the
//! same gradient, but each contact weighed in the Hessian by its own impulse estimate as well
//! as its gap, which takes fewer iterations from a phase-1 start (Allegro hand 11 → 9); Newton's
//! own iterations end the stage, so the answer is unchanged.

mod start;

use super::dense::{ColumnBands, DenseCholesky};
use super::{BarrierAtSolution, Solution, SolvePath, SolveStatus};
use crate::cone::second_order::{jordan_det, soc_step_limit};
use crate::cone::{Cone, ConeKind, KeptCone};
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
    cone: &'a Cone,
    kappa: f64,
    /// A stage ends once κ times the Newton decrement (the squared Newton decrement of the
    /// self-concordant κ F) is at or below this, after that step; 0 asks for round-off.
    centring: f64,
}

impl<'a> Objective<'a> {
    /// Each contact's barrier, in the order of the problem's contacts (views over the
    /// problem's rows and columns: building them allocates nothing).
    fn barriers(&self) -> impl Iterator<Item = ContactBarrier<'a>> + Clone + 'a {
        let (problem, cone) = (self.problem, self.cone);
        problem
            .contacts
            .iter()
            .zip(problem.contact_columns().runs())
            .map(move |(rows, columns)| ContactBarrier {
                rows,
                cone,
                columns,
                dim: 1 + rows.jt.nrows(),
            })
    }

    /// Writes the gradient and the Hessian's lower triangle at x into `g` and `h` (the
    /// Cholesky factorisation reads only that triangle; the strict upper one keeps Q's
    /// entries). `qx_plus_b` is `Qx + b` and `ys` the contacts' y at x, both already computed.
    fn gradient_and_hessian(
        &self,
        qx_plus_b: &DVector<f64>,
        ys: &[Vector3<f64>],
        g: &mut DVector<f64>,
        h: &mut DMatrix<f64>,
        mut primal_dual: Option<&mut PrimalDual>,
    ) {
        g.copy_from(qx_plus_b);
        h.copy_from(&self.problem.q_matrix);
        let n = h.nrows();
        // Column-major storage: entry (row s, column r) at r n + s. Writing through the
        // slice keeps the innermost loop to one contiguous column per C column.
        let entries = h.as_mut_slice();
        let scale = -1.0 / self.kappa;
        for (i, (barrier, y)) in self.barriers().zip(ys).enumerate() {
            // With the primal–dual variant, the weight of the contact's impulse stands in
            // for the barrier's curvature (where the impulse is inside its cone).
            let weight = primal_dual.as_deref().and_then(|pd| {
                let lambda = pd.impulses.get(i)?;
                barrier.cone.primal_dual_weight(y, lambda, barrier.rows.mu)
            });
            let (gy, hy) = match weight {
                Some(weight) => (
                    barrier.cone.barrier_gradient(y, barrier.rows.mu) * scale,
                    weight,
                ),
                None => {
                    let (gy, hy) = barrier.derivatives(y);
                    (gy * scale, hy * scale)
                }
            };
            if let Some(pd) = primal_dual.as_deref_mut() {
                pd.forces[i] = -gy;
                pd.weights[i] = hy;
            }
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
pub(crate) fn columns_times(columns: &[(usize, Vector3<f64>)], v: &DVector<f64>) -> Vector3<f64> {
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
    // Two columns r₁ < r₂ at a time: each C column s is loaded once for both (the loop is
    // bound by its loads). Every entry still gets exactly one term per contact, so the sums
    // are those of one column at a time.
    let mut k = 0;
    while k + 1 < columns.len() {
        let ((r1, column_1), (r2, column_2)) = (&columns[k], &columns[k + 1]);
        let (weighted_1, weighted_2) = (m * column_1, m * column_2);
        let (before, from_r2) = entries.split_at_mut(r2 * n);
        let target_1 = &mut before[r1 * n..(r1 + 1) * n];
        let target_2 = &mut from_r2[..n];
        target_1[*r1] += column_1.dot(&weighted_1);
        for (s, column_s) in &columns[k + 1..] {
            target_1[*s] += column_s.dot(&weighted_1);
            target_2[*s] += column_s.dot(&weighted_2);
        }
        k += 2;
    }
    if let Some((r, column_r)) = columns.get(k) {
        let weighted = m * column_r;
        entries[r * n + r] += column_r.dot(&weighted);
    }
}

/// The primal–dual variant of the Newton iteration: each contact carries an impulse λ of its
/// own, and the Hessian weighs the contact by the Nesterov–Todd weight of (y, λ)
/// ([`Cone::primal_dual_weight`]) instead of the barrier's curvature at y. The gradient is
/// the barrier problem's, so each direction is still a descent direction of F and the line
/// search is unchanged; only the curvature differs. Away from the central path the barrier's
/// curvature at a contact near its edge (a phase-1 start lifts violated contacts to a tiny
/// gap) is ~1/gap², which freezes that contact for several iterations; the weight λ/gap of
/// an impulse that lags behind does not. At the solution λ = ∇B/κ and the weight is the
/// barrier's curvature, so the last iterations are Newton's own.
#[derive(Debug, Clone, Default)]
struct PrimalDual {
    /// Each contact's impulse (y-space), strictly inside its friction cone; empty until the
    /// first iteration sets it to the barrier's forces.
    impulses: Vec<Vector3<f64>>,
    /// This iteration's barrier forces ∇B/κ at x, and the weights the Hessian used.
    forces: Vec<Vector3<f64>>,
    weights: Vec<Matrix3<f64>>,
}

impl PrimalDual {
    /// Sizes the per-contact storage for `contacts` and forgets the impulses.
    fn reset(&mut self, contacts: usize) {
        self.impulses.clear();
        self.forces.clear();
        self.forces.resize(contacts, Vector3::zeros());
        self.weights.clear();
        self.weights.resize(contacts, Matrix3::zeros());
    }

    /// Starts the impulses at the barrier's forces ∇B/κ at x for the weight `kappa` (the
    /// previous stage's: its central point's impulses, which change little with κ).
    fn start_at_forces(&mut self, objective: &Objective<'_>, x: &DVector<f64>, kappa: f64) {
        self.impulses.clear();
        self.impulses.extend(objective.barriers().map(|barrier| {
            barrier
                .cone
                .barrier_gradient(&barrier.y(x), barrier.rows.mu)
                / kappa
        }));
    }

    /// Moves each impulse along its Newton direction `f − λ − M C dx` (the linearised
    /// stationarity of the barrier force at x + dx), as far as its friction cone allows (99 %
    /// of the way to the cone's boundary, at most the full step). The first call, with no
    /// impulses yet, starts them at the forces.
    fn update(&mut self, contacts: &[ContactRows], c_dx: &[Vector3<f64>]) {
        if self.impulses.is_empty() {
            self.impulses.extend_from_slice(&self.forces);
        }
        for (i, rows) in contacts.iter().enumerate() {
            let lambda = self.impulses[i];
            let direction = self.forces[i] - lambda - self.weights[i] * c_dx[i];
            // The full step when it stays well inside (most steps); else 99 % of the way.
            let step = if strictly_inside(&(lambda + direction * (1.0 / 0.99)), rows.mu) {
                1.0
            } else {
                (0.99 * max_step_in_cone(&lambda, &direction, rows.mu)).min(1.0)
            };
            self.impulses[i] = lambda + direction * step;
        }
    }
}

/// λ in the standard second-order cone's variables, `(μ λ₀, λ_t)` (just `λ₀` when μ = 0),
/// padded: the friction cone `μ λ₀ ≥ ‖λ_t‖` is that cone there.
#[inline]
fn scaled_impulse(lambda: &Vector3<f64>, mu: f64) -> ([f64; 3], usize) {
    if mu == 0.0 {
        ([lambda[0], 0.0, 0.0], 1)
    } else {
        ([mu * lambda[0], lambda[1], lambda[2]], 3)
    }
}

/// Whether λ is strictly inside the friction cone.
#[inline]
fn strictly_inside(lambda: &Vector3<f64>, mu: f64) -> bool {
    let (s, dim) = scaled_impulse(lambda, mu);
    s[0] > 0.0 && jordan_det(&s[..dim]) > 0.0
}

/// The largest α with `λ + α d` inside the friction cone (its boundary's first crossing; +∞
/// when the ray stays inside), for λ strictly inside. Entries beyond 1 + n_t are zero in both.
fn max_step_in_cone(lambda: &Vector3<f64>, d: &Vector3<f64>, mu: f64) -> f64 {
    if mu == 0.0 {
        // The half-line λ₀ ≥ 0: in closed form (as a one-dimensional cone its determinant
        // λ₀² has a double root, which the quadratic's discriminant finds only to ~1e-8).
        return if d[0] < 0.0 {
            -lambda[0] / d[0]
        } else {
            f64::INFINITY
        };
    }
    let (s, dim) = scaled_impulse(lambda, mu);
    let (ds, _) = scaled_impulse(d, mu);
    soc_step_limit(&s[..dim], &ds[..dim], f64::INFINITY)
}

/// What a Newton iteration's stopping rules read of the step it took.
struct TakenStep {
    /// `−gᵀdx`, the squared Newton decrement of F.
    decrement: f64,
    /// The step length t, and the step's largest entry `t ‖dx‖∞`.
    length: f64,
    size: f64,
    /// Whether the Hessian was factored with a shift (the step is then not Newton's).
    shifted: bool,
    /// Whether the line search asked for sufficient decrease (far from the minimiser).
    damped: bool,
    /// F before the step.
    value: f64,
}

impl TakenStep {
    /// Whether this step ends the stage (x being where it led, `x_size` its largest entry).
    fn verdict(&self, objective: &Objective<'_>, x_size: f64) -> NewtonStep {
        let decrement = self.decrement;
        if decrement * objective.kappa <= objective.centring {
            return NewtonStep::Converged;
        }
        // In the quadratic region the error after a full step is of the order of the
        // decrement squared: once the decrement is at round-off, that step is the last.
        // Sooner still: for the self-concordant κF a full step leaves λ⁺ ≤ (λ / (1 − λ))²
        // (λ² = κ × decrement), so the next step would be about λ / (1 − λ)² times this one;
        // once that (with a factor 10 of margin for its direction) is below round-off in x,
        // this step is the last. Not after a shifted factor, whose step is not Newton's.
        let lambda = (decrement * objective.kappa).max(0.0).sqrt();
        let next_step = if self.length == 1.0 && !self.shifted && lambda < 0.5 {
            10.0 * self.size * lambda / ((1.0 - lambda) * (1.0 - lambda))
        } else {
            f64::INFINITY
        };
        let x_round_off = 1e-13 * (1.0 + x_size);
        if !self.damped
            && (decrement * 0.5 <= 1e-16 * (1.0 + self.value.abs())
                || self.size <= x_round_off
                || next_step <= x_round_off)
        {
            return NewtonStep::Converged;
        }
        NewtonStep::Taken
    }
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

/// The Newton method's storage, reused by every iteration and kept between solves.
#[derive(Debug, Clone, Default)]
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
    /// The primal–dual variant's impulses and weights, and whether it is on: from a stage's
    /// start until the decrement reaches [`PRIMAL_DUAL_UNTIL`].
    primal_dual: PrimalDual,
    primal_dual_on: bool,
    /// Where Q's columns are non-zero, for its products with x and dx.
    q_bands: ColumnBands,
}

/// The primal–dual iterations of a stage end (and Newton's own take over) once κ times the
/// decrement is at or below this: in the quadratic region, where Newton's steps need no help.
const PRIMAL_DUAL_UNTIL: f64 = 0.1;

impl Newton {
    /// Sizes the storage for the problem's n variables (allocating only when n changed),
    /// reads Q's bands and forgets the previous solve's carried sum.
    fn prepare(&mut self, problem: &StepProblem) {
        let n = problem.var_to_v.len();
        self.q_bands.update(&problem.q_matrix);
        if self.g.len() != n {
            self.g = DVector::zeros(n);
            self.h = DMatrix::zeros(n, n);
            self.dx = DVector::zeros(n);
            self.qx_plus_b = DVector::zeros(n);
            self.q_dx = DVector::zeros(n);
        }
        self.carried_barrier_sum = None;
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
            primal_dual,
            primal_dual_on,
            q_bands,
        } = self;
        // F(x) and the pieces the gradient and the line search reuse.
        q_bands.mul_into(&problem.q_matrix, x.as_slice(), qx_plus_b.as_mut_slice());
        let quadratic = 0.5 * x.dot(qx_plus_b) + problem.b.dot(x);
        *qx_plus_b += &problem.b;
        ys.clear();
        ys.extend(objective.barriers().map(|b| b.y(x)));
        let barrier_sum = match carried_barrier_sum.take() {
            Some(sum) => sum,
            None => {
                let mut sum = 0.0;
                for (barrier, y) in objective.barriers().zip(ys.iter()) {
                    sum += barrier
                        .value(y)
                        .ok_or(DynamicsError::NoStrictlyFeasibleStart)?;
                }
                sum
            }
        };
        let f0 = quadratic - barrier_sum / objective.kappa;
        objective.gradient_and_hessian(
            qx_plus_b,
            ys,
            g,
            h,
            primal_dual_on.then_some(&mut *primal_dual),
        );
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
        dx.as_mut_slice().iter_mut().for_each(|v| *v = -*v);
        let decrement = -g.dot(dx);
        // Along the direction: F(x + t dx) = quadratic + t slope + ½ t² curvature − Σ B(y + t C dx)/κ.
        let slope = qx_plus_b.dot(dx);
        q_bands.mul_into(&problem.q_matrix, dx.as_slice(), q_dx.as_mut_slice());
        let curvature = dx.dot(q_dx);
        c_dx.clear();
        c_dx.extend(objective.barriers().map(|b| b.along(dx)));
        // F at x + t dx, with the barrier sum there.
        let value_at = |t: f64| -> Option<(f64, f64)> {
            let mut sum = 0.0;
            for ((barrier, y), cd) in objective.barriers().zip(ys.iter()).zip(c_dx.iter()) {
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
        if *primal_dual_on {
            primal_dual.update(&problem.contacts, c_dx);
            // The decrement here is measured in the primal–dual weights: the stopping
            // rules below belong to Newton's own iterations.
            if decrement * objective.kappa <= PRIMAL_DUAL_UNTIL {
                *primal_dual_on = false;
            }
            return Ok(NewtonStep::Taken);
        }
        let taken = TakenStep {
            decrement,
            length: t,
            size: t * dx.amax(),
            shifted,
            damped,
            value: f0,
        };
        Ok(taken.verdict(objective, x.amax()))
    }

    /// `Qx + b`, the contacts' y, the gradient and the Hessian (lower triangle) at x, into
    /// this storage.
    fn evaluate_at(&mut self, objective: &Objective<'_>, x: &DVector<f64>) {
        let problem = objective.problem;
        self.q_bands.mul_into(
            &problem.q_matrix,
            x.as_slice(),
            self.qx_plus_b.as_mut_slice(),
        );
        self.qx_plus_b += &problem.b;
        self.ys.clear();
        self.ys.extend(objective.barriers().map(|b| b.y(x)));
        objective.gradient_and_hessian(&self.qx_plus_b, &self.ys, &mut self.g, &mut self.h, None);
    }

    /// The Hessian at the solution, factored, with each contact's barrier derivatives, for the
    /// implicit-function-theorem derivatives, into `out` (its storage reused).
    ///
    /// # Errors
    /// A Hessian that cannot be factored even with a shift.
    fn second_order_into(
        &mut self,
        objective: &Objective<'_>,
        x: &DVector<f64>,
        out: &mut Option<BarrierAtSolution>,
    ) -> Result<(), DynamicsError> {
        // The last Newton factor belongs to the point before the last step; near the
        // barrier's edge the Hessian changes fast, so it is refactored at x itself (the cost
        // of one more Newton iteration).
        self.evaluate_at(objective, x);
        // Singular to working precision if it only factors with a shift.
        let singular =
            self.factor
                .factor_or_shift(&self.h)
                .ok_or_else(|| DynamicsError::SolverFailed {
                    mode: "barrier",
                    status: "Hessian at the solution not factorable".into(),
                })?;
        let kept = out.get_or_insert_with(|| BarrierAtSolution {
            hessian: DenseCholesky::default(),
            contact_terms: Vec::new(),
            singular: false,
        });
        kept.hessian.copy_from(&self.factor);
        kept.singular = singular;
        kept.contact_terms.clear();
        kept.contact_terms
            .extend(objective.barriers().zip(&self.ys).map(|(barrier, y)| {
                let (gy, hy) = barrier.derivatives(y);
                (gy / objective.kappa, hy / objective.kappa)
            }));
        Ok(())
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
    let objective = Objective {
        problem,
        cone: &cone,
        kappa,
        centring: 0.0,
    };
    if !objective.barriers().all(|b| b.value(&b.y(x)).is_some()) {
        return None;
    }
    let mut newton = Newton::default();
    newton.prepare(problem);
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
///
/// # Errors
/// A non-positive or non-finite κ; no strictly feasible start; a Hessian that cannot be
/// factored.
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

/// What one barrier solve is asked for: the cone, the program's weight κ, whether to keep the
/// second-order data for the derivatives, and the continuation's schedule.
#[derive(Debug, Clone, Copy)]
pub struct BarrierSolve {
    /// The friction cone's form.
    pub kind: ConeKind,
    /// The program's barrier weight (the settings' κ / h).
    pub kappa: f64,
    /// Keep the Hessian's factor and the contacts' barrier derivatives at the answer.
    pub keep_second_order: bool,
    /// The κ continuation of a cold start.
    pub schedule: Schedule,
}

/// The barrier solver's storage (Newton's vectors and Hessian, the phase-1 start's rows and
/// factors), kept between solves: a solve of the same size as the previous one allocates
/// nothing. A [`crate::StepWorkspace`] holds one.
#[derive(Debug, Clone, Default)]
pub struct BarrierWorkspace {
    newton: Newton,
    start: start::StartWork,
    /// The cone of the last solve, with what it was built for (a pyramid holds its rays).
    cone: KeptCone,
    /// Impulse entries a solution no longer needed, kept with their storage.
    spare_impulses: Vec<(f64, Vec<f64>)>,
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
    /// Open each stage with primal–dual iterations (Lorentz cones only; see the solver's
    /// module docs): fewer iterations from a phase-1 start, the same answer.
    pub primal_dual: bool,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            start: KAPPA_START,
            growth: KAPPA_GROWTH,
            warm_iterations: MAX_NEWTON_PER_STAGE,
            intermediate_centring: 0.0,
            final_centring: 0.0,
            primal_dual: true,
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
    let mut out = Solution::empty();
    let settings = BarrierSolve {
        kind,
        kappa,
        keep_second_order,
        schedule,
    };
    solve_into(
        problem,
        &settings,
        start,
        &mut BarrierWorkspace::default(),
        &mut out,
    )?;
    Ok(out)
}

/// [`solve`] into `out`, with the storage of `work`: once both are sized by a solve of this
/// problem's size, a solve allocates nothing (`out`'s vectors are overwritten in place).
///
/// # Errors
/// As [`solve`].
pub fn solve_into(
    problem: &StepProblem,
    settings: &BarrierSolve,
    start: Option<&DVector<f64>>,
    work: &mut BarrierWorkspace,
    out: &mut Solution,
) -> Result<(), DynamicsError> {
    let BarrierSolve {
        kind,
        kappa,
        keep_second_order,
        schedule,
    } = *settings;
    if !(kappa.is_finite() && kappa > 0.0) {
        return Err(DynamicsError::InvalidParameter(format!(
            "kappa must be positive and finite, got {kappa}"
        )));
    }
    let BarrierWorkspace {
        newton,
        start: start_work,
        cone,
        spare_impulses,
    } = work;
    let cone = cone.get(kind, problem.n_tangent);
    let mut objective = Objective {
        problem,
        cone,
        kappa: kappa.min(schedule.start),
        centring: 0.0,
    };
    let n = problem.var_to_v.len();
    let warm =
        start.filter(|x| x.len() == n && objective.barriers().all(|b| b.value(&b.y(x)).is_some()));
    // The stages' κ: the final one alone from a warm start; otherwise the final κ divided by
    // the growth factor while it stays at or above the schedule's start, each of those first.
    let mut earlier_stages = 0;
    let x = &mut out.x;
    match warm {
        Some(start) => {
            if x.len() != n {
                *x = DVector::zeros(n);
            }
            x.copy_from(start);
        }
        None => {
            let mut first = kappa;
            while first / schedule.growth >= schedule.start {
                first /= schedule.growth;
                earlier_stages += 1;
            }
            if !start::feasible_start(&objective, start_work, x) {
                return Err(DynamicsError::NoStrictlyFeasibleStart);
            }
        }
    }
    let mut iterations = 0;
    let mut converged = false;
    newton.prepare(problem);
    for stage in 0..=earlier_stages {
        objective.kappa = (stage..earlier_stages).fold(kappa, |k, _| k / schedule.growth);
        objective.centring = if stage == earlier_stages {
            schedule.final_centring
        } else {
            schedule.intermediate_centring
        };
        converged = false;
        // The primal–dual iterations open each stage. A later stage starts its impulses at
        // the previous stage's answer, ∇B/κ at the κ before (they change little with κ; the
        // forces at the new κ are a factor `growth` off).
        newton.primal_dual_on = schedule.primal_dual && matches!(objective.cone, Cone::Lorentz(_));
        if newton.primal_dual_on {
            newton.primal_dual.reset(problem.contacts.len());
            if stage > 0 {
                let previous = objective.kappa / schedule.growth;
                newton.primal_dual.start_at_forces(&objective, x, previous);
            }
        }
        let allowed = if warm.is_some() {
            schedule.warm_iterations
        } else {
            MAX_NEWTON_PER_STAGE
        };
        for _ in 0..allowed {
            iterations += 1;
            match newton.step(&objective, x)? {
                NewtonStep::Taken => {}
                NewtonStep::Converged => {
                    converged = true;
                    break;
                }
                NewtonStep::NoDecrease => break,
            }
        }
    }
    write_impulses(&objective, x, &mut out.impulses, spare_impulses);
    if keep_second_order {
        newton.second_order_into(&objective, x, &mut out.barrier)?;
    } else {
        out.barrier = None;
    }
    out.interior = None;
    out.polished = false;
    out.status = if converged {
        SolveStatus::Solved
    } else {
        SolveStatus::MaxIterations
    };
    out.iterations = iterations;
    out.duals.clear();
    out.modes = None;
    out.path = SolvePath::Barrier;
    Ok(())
}

/// Each contact's impulse ∇B/κ at x into `impulses` (entries overwritten in place; entries
/// beyond the contacts move to `spare`, and new ones come from it first).
fn write_impulses(
    objective: &Objective<'_>,
    x: &DVector<f64>,
    impulses: &mut Vec<(f64, Vec<f64>)>,
    spare: &mut Vec<(f64, Vec<f64>)>,
) {
    crate::reuse::resize_pooled(
        impulses,
        objective.problem.contacts.len(),
        spare,
        Default::default,
    );
    for (barrier, (normal, tangent)) in objective.barriers().zip(impulses.iter_mut()) {
        let (gy, _) = barrier.derivatives(&barrier.y(x));
        let w = gy / objective.kappa;
        *normal = w[0];
        tangent.clear();
        tangent.extend((1..barrier.dim).map(|a| w[a]));
    }
}

#[cfg(test)]
mod tests {
    use super::{max_step_in_cone, strictly_inside};
    use nalgebra::Vector3;
    use proptest::prelude::*;

    proptest! {
        /// The step to the friction cone's boundary: inside short of it, on the boundary at
        /// it (the cone's determinant vanishes), and a ray that never leaves gives +∞.
        #[test]
        fn the_step_to_the_cone_boundary_ends_on_it(
            mu in prop_oneof![Just(0.0), 0.1..1.5f64],
            tangent in prop::array::uniform2(-1.0..1.0f64),
            margin in 1e-3..1.0f64,
            direction in prop::array::uniform3(-2.0..2.0f64),
            planar in any::<bool>(),
        ) {
            let n_tangent = if planar { 1 } else { 2 };
            let mut lambda = Vector3::zeros();
            let mut d = Vector3::new(direction[0], 0.0, 0.0);
            if mu > 0.0 {
                for t in 0..n_tangent {
                    lambda[1 + t] = tangent[t];
                    d[1 + t] = direction[1 + t];
                }
            }
            lambda[0] = if mu == 0.0 { margin } else { lambda.norm() / mu + margin };
            prop_assert!(strictly_inside(&lambda, mu));
            let step = max_step_in_cone(&lambda, &d, mu);
            prop_assert!(step > 0.0);
            if step.is_finite() {
                prop_assert!(strictly_inside(&(lambda + d * (0.999 * step)), mu));
                let edge = lambda + d * step;
                let size = edge.amax().max(lambda.amax());
                let gap = if mu == 0.0 {
                    edge[0]
                } else {
                    mu * edge[0] - (edge[1] * edge[1] + edge[2] * edge[2]).sqrt()
                };
                prop_assert!(gap.abs() <= 1e-9 * size, "gap {gap} at the edge");
                prop_assert!(!strictly_inside(&(lambda + d * (1.001 * step)), mu));
            } else {
                prop_assert!(strictly_inside(&(lambda + d * 1e6), mu));
            }
        }
    }
}
