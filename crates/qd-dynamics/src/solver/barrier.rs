//! The log-barrier forms (analytic smoothing, SPEC §2), solved by our damped Newton method.
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

use super::{Solution, SolveStatus, pyramid_directions};
use crate::error::DynamicsError;
use crate::problem::{ContactRows, StepProblem};
use nalgebra::{Cholesky, DMatrix, DVector, Dyn};

/// Which barrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarrierForm {
    /// Barrier of the Lorentz cone.
    Cone,
    /// Barrier of the pyramid with `nd` rays.
    Pyramid {
        /// Rays per pyramid (3-D scenes).
        nd: usize,
    },
}

/// First κ of the continuation; targets at or below it are solved directly.
const KAPPA_START: f64 = 100.0;
/// Growth of κ between continuation stages.
const KAPPA_GROWTH: f64 = 10.0;
/// Newton iterations per stage before giving up on the stage.
const MAX_NEWTON_PER_STAGE: u32 = 80;

/// The barrier of one contact, its gradient and Hessian in y.
struct ContactBarrier<'a> {
    rows: &'a ContactRows,
    form: BarrierForm,
    directions: &'a [Vec<f64>],
}

impl ContactBarrier<'_> {
    fn y(&self, x: &DVector<f64>) -> DVector<f64> {
        let nt = self.rows.jt.nrows();
        let mut y = DVector::zeros(1 + nt);
        y[0] = self.rows.jn.dot(x) + self.rows.phi;
        for t in 0..nt {
            y[1 + t] = self.rows.jt.row(t).transpose().dot(x);
        }
        y
    }

    /// `B(y)`, or `None` outside the domain.
    fn value(&self, y: &DVector<f64>) -> Option<f64> {
        let mu = self.rows.mu;
        match self.form {
            BarrierForm::Cone if mu == 0.0 => (y[0] > 0.0).then(|| 2.0 * y[0].ln()),
            BarrierForm::Cone => {
                let f = y[0] * y[0] / (mu * mu) - y.rows(1, y.len() - 1).norm_squared();
                (y[0] > 0.0 && f > 0.0).then(|| f.ln())
            }
            BarrierForm::Pyramid { .. } => {
                let mut total = 0.0;
                for d in self.directions {
                    let s = y[0]
                        + mu * d
                            .iter()
                            .enumerate()
                            .map(|(t, dt)| dt * y[1 + t])
                            .sum::<f64>();
                    if s <= 0.0 {
                        return None;
                    }
                    total += s.ln();
                }
                Some(total)
            }
        }
    }

    /// `(∇B, ∇²B)` at a point of the domain.
    fn derivatives(&self, y: &DVector<f64>) -> (DVector<f64>, DMatrix<f64>) {
        let mu = self.rows.mu;
        let dim = y.len();
        match self.form {
            BarrierForm::Cone if mu == 0.0 => {
                let mut g = DVector::zeros(dim);
                let mut h = DMatrix::zeros(dim, dim);
                g[0] = 2.0 / y[0];
                h[(0, 0)] = -2.0 / (y[0] * y[0]);
                (g, h)
            }
            BarrierForm::Cone => {
                let f = y[0] * y[0] / (mu * mu) - y.rows(1, dim - 1).norm_squared();
                let mut grad_f = -2.0 * y;
                grad_f[0] = 2.0 * y[0] / (mu * mu);
                let mut hess_f = DMatrix::from_diagonal_element(dim, dim, -2.0);
                hess_f[(0, 0)] = 2.0 / (mu * mu);
                let g = &grad_f / f;
                let h = hess_f / f - &grad_f * grad_f.transpose() / (f * f);
                (g, h)
            }
            BarrierForm::Pyramid { .. } => {
                let mut g = DVector::zeros(dim);
                let mut h = DMatrix::zeros(dim, dim);
                for d in self.directions {
                    let mut a = DVector::zeros(dim);
                    a[0] = 1.0;
                    for (t, dt) in d.iter().enumerate() {
                        a[1 + t] = mu * dt;
                    }
                    let s = a.dot(y);
                    g += &a / s;
                    h -= &a * a.transpose() / (s * s);
                }
                (g, h)
            }
        }
    }

    fn rows_matrix(&self) -> DMatrix<f64> {
        let nt = self.rows.jt.nrows();
        let n = self.rows.jn.len();
        let mut c = DMatrix::zeros(1 + nt, n);
        c.row_mut(0).copy_from(&self.rows.jn.transpose());
        c.rows_mut(1, nt).copy_from(&self.rows.jt);
        c
    }
}

/// The objective with all contacts at one κ.
struct Objective<'a> {
    problem: &'a StepProblem,
    barriers: Vec<ContactBarrier<'a>>,
    kappa: f64,
}

impl Objective<'_> {
    fn value(&self, x: &DVector<f64>) -> Option<f64> {
        let mut total = 0.5 * x.dot(&(&self.problem.q_matrix * x)) + self.problem.b.dot(x);
        for barrier in &self.barriers {
            total -= barrier.value(&barrier.y(x))? / self.kappa;
        }
        Some(total)
    }

    fn gradient_and_hessian(&self, x: &DVector<f64>) -> (DVector<f64>, DMatrix<f64>) {
        let mut g = &self.problem.q_matrix * x + &self.problem.b;
        let mut h = self.problem.q_matrix.clone();
        for barrier in &self.barriers {
            let (gy, hy) = barrier.derivatives(&barrier.y(x));
            let c = barrier.rows_matrix();
            g -= c.transpose() * gy / self.kappa;
            h -= c.transpose() * hy * &c / self.kappa;
        }
        (g, h)
    }
}

/// Factors H, adding a growing multiple of the identity if it is not numerically positive
/// definite (possible in quasi-static mode, where Q has a null space off the contacts).
fn factor(h: &DMatrix<f64>) -> Option<Cholesky<f64, Dyn>> {
    if let Some(factor) = Cholesky::new(h.clone()) {
        return Some(factor);
    }
    let scale = h.diagonal().amax().max(1e-12);
    let mut shift = 1e-12 * scale;
    for _ in 0..12 {
        let shifted = h + DMatrix::identity(h.nrows(), h.ncols()) * shift;
        if let Some(factor) = Cholesky::new(shifted) {
            return Some(factor);
        }
        shift *= 10.0;
    }
    None
}

/// A strictly feasible start: 0 when every contact is strictly feasible there; otherwise the
/// minimum-Q-norm x that lifts the violated contacts to a small positive gap with zero
/// tangential motion, growing the set of lifted contacts while others become violated.
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
    let mut lifted: Vec<usize> = Vec::new();
    let regularised_q = &problem.q_matrix
        + DMatrix::identity(n, n) * (1e-9 * problem.q_matrix.diagonal().amax().max(1e-9));
    let q_inverse = regularised_q.try_inverse()?;
    for _ in 0..=problem.contacts.len() {
        for (i, barrier) in objective.barriers.iter().enumerate() {
            if barrier.value(&barrier.y(&x)).is_none() && !lifted.contains(&i) {
                lifted.push(i);
            }
        }
        let nt = problem.n_tangent;
        let rows = lifted.len() * (1 + nt);
        let mut c = DMatrix::zeros(rows, n);
        let mut r = DVector::zeros(rows);
        for (k, &i) in lifted.iter().enumerate() {
            let contact = &problem.contacts[i];
            c.rows_mut(k * (1 + nt), 1 + nt)
                .copy_from(&objective.barriers[i].rows_matrix());
            r[k * (1 + nt)] = margin - contact.phi;
        }
        let gram = &c * &q_inverse * c.transpose();
        let weights = gram.svd(true, true).solve(&r, 1e-12).ok()?;
        x = &q_inverse * c.transpose() * weights;
        if feasible(&x) {
            return Some(x);
        }
    }
    None
}

/// Solves the step's program in a barrier form at weight `kappa`.
pub fn solve(
    problem: &StepProblem,
    form: BarrierForm,
    kappa: f64,
) -> Result<Solution, DynamicsError> {
    if !(kappa.is_finite() && kappa > 0.0) {
        return Err(DynamicsError::InvalidParameter(format!(
            "kappa must be positive and finite, got {kappa}"
        )));
    }
    let directions = match form {
        BarrierForm::Pyramid { nd } => pyramid_directions(problem.n_tangent, nd),
        BarrierForm::Cone => Vec::new(),
    };
    let barriers: Vec<ContactBarrier<'_>> = problem
        .contacts
        .iter()
        .map(|rows| ContactBarrier {
            rows,
            form,
            directions: &directions,
        })
        .collect();
    let mut objective = Objective {
        problem,
        barriers,
        kappa: kappa.min(KAPPA_START),
    };
    let mut x = feasible_start(&objective).ok_or(DynamicsError::NoStrictlyFeasibleStart)?;

    let mut stages = vec![kappa];
    while stages[0] / KAPPA_GROWTH >= KAPPA_START {
        stages.insert(0, stages[0] / KAPPA_GROWTH);
    }
    let mut iterations = 0;
    let mut converged = false;
    for stage_kappa in stages {
        objective.kappa = stage_kappa;
        converged = false;
        for _ in 0..MAX_NEWTON_PER_STAGE {
            iterations += 1;
            let f0 = objective
                .value(&x)
                .ok_or(DynamicsError::NoStrictlyFeasibleStart)?;
            let (g, h) = objective.gradient_and_hessian(&x);
            let Some(chol) = factor(&h) else {
                return Err(DynamicsError::SolverFailed {
                    mode: "barrier",
                    status: "Hessian not factorable".into(),
                });
            };
            let dx = -chol.solve(&g);
            let decrement = -g.dot(&dx);
            // Far from the minimiser: damped steps with sufficient decrease. Close to it the
            // objective's round-off (~1e-16 |F|) swamps the Armijo test, and the quadratically
            // convergent pure Newton step is taken (kept inside the domain).
            let damped = decrement * 0.5 > 1e-10 * (1.0 + f0.abs());
            let mut t = 1.0;
            let mut accepted = None;
            for _ in 0..80 {
                let candidate = &x + &dx * t;
                if let Some(f) = objective.value(&candidate)
                    && (!damped || f <= f0 - 0.01 * t * decrement)
                {
                    accepted = Some(candidate);
                    break;
                }
                t *= 0.5;
            }
            let Some(next) = accepted else { break };
            let step = (&next - &x).amax();
            x = next;
            if !damped && step <= 1e-13 * (1.0 + x.amax()) {
                converged = true;
                break;
            }
        }
    }
    let impulses = objective
        .barriers
        .iter()
        .map(|barrier| {
            let (gy, _) = barrier.derivatives(&barrier.y(&x));
            let w = gy / objective.kappa;
            (w[0], w.iter().skip(1).copied().collect())
        })
        .collect();
    Ok(Solution {
        x,
        impulses,
        status: if converged {
            SolveStatus::Solved
        } else {
            SolveStatus::MaxIterations
        },
        iterations,
    })
}
