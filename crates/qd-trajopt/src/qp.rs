//! The convex QP of one iteration (docs/trajopt.md, step 2): the cost of the linearised trajectory,
//! subject to the linearised dynamics and the trust region, solved with Clarabel.
//!
//! Variables are deviations from the nominal trajectory (x̄, ū) in tangent coordinates:
//! δu_t = u_t − ū_t (t = 0..T−1) and δx_t = x_t ⊖ x̄_t (t = 1..T; δx₀ = 0, the start is
//! fixed). They are interleaved in time, `[δu₀, δx₁, δu₁, δx₂, …, δu_{T−1}, δx_T]`, which keeps
//! the KKT matrix banded.

use crate::error::TrajoptError;
use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};
use nalgebra::DMatrix;

/// The linearised step t: `δx_{t+1} = A δx_t + B δu_t + d`, with d = c ⊖ x̄_{t+1} the gap
/// between the smoothed prediction c and the nominal rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct StepModel {
    /// A (n_v × n_v).
    pub a: DMatrix<f64>,
    /// B (n_v × n_a).
    pub b: DMatrix<f64>,
    /// d (n_v).
    pub d: Vec<f64>,
}

/// One iteration's QP data.
#[derive(Debug, Clone)]
pub struct LinearizedProblem<'a> {
    /// The T linearised steps.
    pub models: &'a [StepModel],
    /// ē_t = x̄_t ⊖ x_goal for t = 1..T (T entries, entry t − 1 for time t).
    pub state_errors: &'a [Vec<f64>],
    /// The nominal inputs ū_t (T entries of n_a).
    pub nominal_inputs: &'a [Vec<f64>],
    /// `u_{−1}` (n_a).
    pub u_before: &'a [f64],
    /// Diagonal of Q (n_v).
    pub state_weights: &'a [f64],
    /// Q_T = terminal_scale · Q.
    pub terminal_scale: f64,
    /// R = input_rate · I.
    pub input_rate: f64,
    /// Trust region on inputs: |δu_t,i| ≤ input_radius.
    pub input_radius: f64,
    /// Joint limits per input (lower, upper); ±∞ where none.
    pub input_limits: &'a [(f64, f64)],
    /// Trust region on states: |δx_t,i| ≤ radius, if any.
    pub state_radius: Option<f64>,
    /// Rate limit on inputs: |u_t,i − u_{t−1},i| ≤ limit (rad or m), if any. Where the
    /// nominal inputs already change by more, the bound is their change (δu = 0 stays
    /// feasible; the QP never makes a step larger).
    pub max_input_change: Option<f64>,
    /// δx₀, the start's deviation from the nominal start (n_v, tangent coordinates), if any:
    /// a closed-loop forward pass re-plans the rest of the horizon from where the exact
    /// rollout is (docs/trajopt.md). None: δx₀ = 0.
    pub start_deviation: Option<&'a [f64]>,
}

/// The QP's minimiser.
#[derive(Debug, Clone, PartialEq)]
pub struct QpSolution {
    /// δu_t, t = 0..T−1.
    pub du: Vec<Vec<f64>>,
    /// δx_t, t = 1..T (entry t − 1).
    pub dx: Vec<Vec<f64>>,
    /// The model's cost at the minimiser ([`LinearizedProblem::model_cost`]).
    pub model_cost: f64,
    /// Interior-point iterations.
    pub iterations: u32,
}

impl LinearizedProblem<'_> {
    fn sizes(&self) -> (usize, usize, usize) {
        let horizon = self.models.len();
        let nv = self.state_weights.len();
        let na = self.u_before.len();
        (horizon, nv, na)
    }

    fn check(&self) -> Result<(), String> {
        let (horizon, nv, na) = self.sizes();
        if horizon == 0 {
            return Err("no steps".to_string());
        }
        if self.state_errors.len() != horizon || self.nominal_inputs.len() != horizon {
            return Err("models, state errors and nominal inputs differ in length".to_string());
        }
        for model in self.models {
            if model.a.shape() != (nv, nv) || model.b.shape() != (nv, na) || model.d.len() != nv {
                return Err(format!(
                    "a step model has A {:?}, B {:?}, d {}; expected ({nv}, {nv}), ({nv}, {na}), {nv}",
                    model.a.shape(),
                    model.b.shape(),
                    model.d.len()
                ));
            }
            let finite = model.a.iter().chain(model.b.iter()).chain(&model.d);
            if finite.into_iter().any(|v| !v.is_finite()) {
                return Err("a step model has a NaN or infinite entry".to_string());
            }
        }
        if self.input_limits.len() != na {
            return Err("input limits do not match n_a".to_string());
        }
        if !(self.input_radius.is_finite() && self.input_radius > 0.0) {
            return Err(format!("input radius {} is not > 0", self.input_radius));
        }
        if let Some(dx) = self.start_deviation
            && (dx.len() != nv || dx.iter().any(|v| !v.is_finite()))
        {
            return Err(format!("the start deviation must be {nv} finite values"));
        }
        Ok(())
    }

    /// g_t,i = ū_t,i − ū_{t−1},i, the nominal inputs' change at step t (ū_{−1} = u_before).
    fn nominal_change(&self, t: usize, i: usize) -> f64 {
        let before = if t == 0 {
            self.u_before[i]
        } else {
            self.nominal_inputs[t - 1][i]
        };
        self.nominal_inputs[t][i] - before
    }

    /// Bounds on δu_t,i: the trust region intersected with the joint limits.
    fn input_bounds(&self, t: usize, i: usize) -> (f64, f64) {
        let (lower, upper) = self.input_limits[i];
        let u = self.nominal_inputs[t][i];
        (
            (-self.input_radius).max(lower - u).min(0.0),
            self.input_radius.min(upper - u).max(0.0),
        )
    }

    /// The states `δx_1..δx_T` the linearised dynamics give for inputs `du`.
    pub fn propagate(&self, du: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let (_, nv, _) = self.sizes();
        let mut dx = Vec::with_capacity(self.models.len());
        let mut previous = match self.start_deviation {
            Some(start) => nalgebra::DVector::from_column_slice(start),
            None => nalgebra::DVector::zeros(nv),
        };
        for (model, du_t) in self.models.iter().zip(du) {
            let next = &model.a * &previous
                + &model.b * nalgebra::DVector::from_column_slice(du_t)
                + nalgebra::DVector::from_column_slice(&model.d);
            dx.push(next.as_slice().to_vec());
            previous = next;
        }
        dx
    }

    /// The cost the linearised model predicts for input deviations `du` (T entries of n_a):
    /// the states follow from [`LinearizedProblem::propagate`], state errors are taken as
    /// ē_t + δx_t.
    pub fn model_cost(&self, du: &[Vec<f64>]) -> f64 {
        let (horizon, _, _) = self.sizes();
        let dx = self.propagate(du);
        let mut cost = 0.0;
        for (t, (e, d)) in self.state_errors.iter().zip(&dx).enumerate() {
            let scale = if t + 1 == horizon {
                self.terminal_scale
            } else {
                1.0
            };
            cost += scale
                * self
                    .state_weights
                    .iter()
                    .zip(e.iter().zip(d))
                    .map(|(w, (e, d))| w * (e + d) * (e + d))
                    .sum::<f64>();
        }
        let mut previous: Vec<f64> = self.u_before.to_vec();
        for (nominal, d) in self.nominal_inputs.iter().zip(du) {
            let u: Vec<f64> = nominal.iter().zip(d).map(|(a, b)| a + b).collect();
            cost += self.input_rate
                * u.iter()
                    .zip(&previous)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>();
            previous = u;
        }
        cost
    }

    /// The objective `½ zᵀPz + pᵀz` (P's upper triangle) over `z = [δu₀, δx₁, δu₁, …, δx_T]`.
    fn objective(&self) -> (CscMatrix<f64>, Vec<f64>) {
        let (horizon, nv, na) = self.sizes();
        let layout = Layout::new(nv, na);
        let n = horizon * layout.stride;
        let u_at = |t: usize| layout.u_at(t);
        let x_at = |t: usize| layout.x_at(t);

        // Objective ½ zᵀPz + pᵀz (upper triangle of P).
        let (mut pi, mut pj, mut pv) = (Vec::new(), Vec::new(), Vec::new());
        let mut p_linear = vec![0.0; n];
        for t in 1..=horizon {
            let scale = if t == horizon {
                self.terminal_scale
            } else {
                1.0
            };
            let e = &self.state_errors[t - 1];
            for i in 0..nv {
                let w = scale * self.state_weights[i];
                pi.push(x_at(t) + i);
                pj.push(x_at(t) + i);
                pv.push(2.0 * w);
                p_linear[x_at(t) + i] += 2.0 * w * e[i];
            }
        }
        // Input rates: Δ_t = g_t + δu_t − δu_{t−1}, g_t = ū_t − ū_{t−1} (ū_{−1} = u_before,
        // δu_{−1} = 0).
        let r = self.input_rate;
        for t in 0..horizon {
            for i in 0..na {
                let g = self.nominal_change(t, i);
                pi.push(u_at(t) + i);
                pj.push(u_at(t) + i);
                pv.push(2.0 * r);
                p_linear[u_at(t) + i] += 2.0 * r * g;
                if t > 0 {
                    pi.push(u_at(t - 1) + i);
                    pj.push(u_at(t - 1) + i);
                    pv.push(2.0 * r);
                    pi.push(u_at(t - 1) + i);
                    pj.push(u_at(t) + i);
                    pv.push(-2.0 * r);
                    p_linear[u_at(t - 1) + i] -= 2.0 * r * g;
                }
            }
        }
        (CscMatrix::new_from_triplets(n, n, pi, pj, pv), p_linear)
    }

    /// The constraints `A z + s = b`: the linearised dynamics (s = 0, the first `equalities`
    /// rows), then the bounds (s ≥ 0): joint limits and trust region on δu, the optional
    /// state trust region and command-rate limit. Returns `(A, b, equalities, rows)`.
    fn constraints(&self) -> (CscMatrix<f64>, Vec<f64>, usize, usize) {
        let (horizon, nv, na) = self.sizes();
        let layout = Layout::new(nv, na);
        let n = horizon * layout.stride;
        let u_at = |t: usize| layout.u_at(t);
        let x_at = |t: usize| layout.x_at(t);
        // Constraints A z + s = b: dynamics (s = 0), then bounds (s ≥ 0).
        let (mut ai, mut aj, mut av) = (Vec::new(), Vec::new(), Vec::new());
        let mut b = Vec::new();
        let mut row = 0;
        for (t, model) in self.models.iter().enumerate() {
            // δx_{t+1} − A δx_t − B δu_t = d.
            // The non-zero entries of −M at rows `row..`, columns `column..`.
            let mut push_negated = |m: &DMatrix<f64>, column: usize| {
                for c in 0..m.ncols() {
                    for r in 0..m.nrows() {
                        let value = m[(r, c)];
                        if value != 0.0 {
                            ai.push(row + r);
                            aj.push(column + c);
                            av.push(-value);
                        }
                    }
                }
            };
            push_negated(&model.b, u_at(t));
            if t > 0 {
                push_negated(&model.a, x_at(t));
            }
            // At t = 0, A δx₀ is data: it joins the right-hand side.
            let carried = match (t, self.start_deviation) {
                (0, Some(start)) => &model.a * nalgebra::DVector::from_column_slice(start),
                _ => nalgebra::DVector::zeros(nv),
            };
            for r in 0..nv {
                ai.push(row + r);
                aj.push(x_at(t + 1) + r);
                av.push(1.0);
                b.push(model.d[r] + carried[r]);
            }
            row += nv;
        }
        let equalities = row;
        let mut bound = |column: usize, lower: f64, upper: f64, row: &mut usize| {
            if upper.is_finite() {
                ai.push(*row);
                aj.push(column);
                av.push(1.0);
                b.push(upper);
                *row += 1;
            }
            if lower.is_finite() {
                ai.push(*row);
                aj.push(column);
                av.push(-1.0);
                b.push(-lower);
                *row += 1;
            }
        };
        for t in 0..horizon {
            for i in 0..na {
                let (lower, upper) = self.input_bounds(t, i);
                bound(u_at(t) + i, lower, upper, &mut row);
            }
        }
        if let Some(radius) = self.state_radius {
            for t in 1..=horizon {
                for i in 0..nv {
                    bound(x_at(t) + i, -radius, radius, &mut row);
                }
            }
        }
        if let Some(limit) = self.max_input_change {
            // ±(g_t + δu_t − δu_{t−1}) ≤ max(limit, |g_t|).
            for t in 0..horizon {
                for i in 0..na {
                    let g = self.nominal_change(t, i);
                    let bound = limit.max(g.abs());
                    for sign in [1.0, -1.0] {
                        ai.push(row);
                        aj.push(u_at(t) + i);
                        av.push(sign);
                        if t > 0 {
                            ai.push(row);
                            aj.push(u_at(t - 1) + i);
                            av.push(-sign);
                        }
                        b.push(bound - sign * g);
                        row += 1;
                    }
                }
            }
        }
        let a = CscMatrix::new_from_triplets(row, n, ai, aj, av);
        (a, b, equalities, row)
    }

    /// Solves the QP with Clarabel.
    ///
    /// # Errors
    /// Inconsistent data, or Clarabel did not reach (almost) optimality — e.g. a state trust
    /// region that the inputs cannot satisfy.
    pub fn solve(&self) -> Result<QpSolution, TrajoptError> {
        let fail = |status: String| TrajoptError::Qp {
            iteration: 0,
            status,
        };
        self.check().map_err(fail)?;
        let (horizon, nv, na) = self.sizes();
        let layout = Layout::new(nv, na);
        let u_at = |t: usize| layout.u_at(t);
        let (p, p_linear) = self.objective();
        let (a, b, equalities, row) = self.constraints();
        let cones = [
            SupportedConeT::ZeroConeT(equalities),
            SupportedConeT::NonnegativeConeT(row - equalities),
        ];
        let settings = DefaultSettingsBuilder::default()
            .verbose(false)
            .max_iter(200)
            .build()
            .map_err(|e| fail(format!("settings: {e:?}")))?;
        let mut solver = DefaultSolver::new(&p, &p_linear, &a, &b, &cones, settings)
            .map_err(|e| fail(format!("setup: {e:?}")))?;
        solver.solve();
        let solution = &solver.solution;
        match solution.status {
            SolverStatus::Solved | SolverStatus::AlmostSolved => {}
            other => return Err(fail(format!("{other:?}"))),
        }
        let z = &solution.x;
        let du: Vec<Vec<f64>> = (0..horizon)
            .map(|t| {
                (0..na)
                    .map(|i| {
                        // Clarabel meets bounds to its tolerance only: clip to them, so the
                        // inputs handed to the rollout respect the joint limits exactly.
                        let (lower, upper) = self.input_bounds(t, i);
                        z[u_at(t) + i].clamp(lower, upper)
                    })
                    .collect()
            })
            .collect();
        let dx = self.propagate(&du);
        let model_cost = self.model_cost(&du);
        Ok(QpSolution {
            du,
            dx,
            model_cost,
            iterations: solution.iterations,
        })
    }
}

/// Where each block sits in the QP's variables `z = [δu₀, δx₁, δu₁, …, δx_T]` (interleaved in
/// time, so the KKT matrix is banded).
#[derive(Debug, Clone, Copy)]
struct Layout {
    na: usize,
    stride: usize,
}

impl Layout {
    fn new(nv: usize, na: usize) -> Self {
        Layout {
            na,
            stride: na + nv,
        }
    }

    /// First index of δu_t.
    fn u_at(self, t: usize) -> usize {
        t * self.stride
    }

    /// First index of δx_t (t ≥ 1).
    fn x_at(self, t: usize) -> usize {
        (t - 1) * self.stride + self.na
    }
}

/// Whether a QP's predicted decrease is impossible for a correct answer: δu = 0 is feasible
/// and its model cost is `cost_at_zero`, and the model cost is a sum of squares, so the
/// optimum's decrease lies in [0, cost_at_zero] (up to the solver's tolerance).
pub(crate) fn absurd_decrease(predicted: f64, cost_at_zero: f64) -> bool {
    let slack = 1e-6 * cost_at_zero.abs() + 1e-9;
    !(predicted.is_finite() && cost_at_zero.is_finite())
        || predicted < -slack
        || predicted > cost_at_zero + slack
}

#[cfg(test)]
mod tests {
    use super::absurd_decrease;

    #[test]
    fn decreases_outside_zero_to_the_cost_are_absurd() {
        assert!(!absurd_decrease(0.0, 7.6));
        assert!(!absurd_decrease(7.6, 7.6));
        assert!(!absurd_decrease(3.9, 7.6));
        // The solver's tolerance: a hair below zero or above the cost is not absurd.
        assert!(!absurd_decrease(-1e-7, 7.6));
        assert!(!absurd_decrease(7.6 + 1e-7, 7.6));
        for absurd in [
            -1.356e167,
            -0.01,
            7.7,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert!(absurd_decrease(absurd, 7.6), "{absurd}");
        }
        assert!(absurd_decrease(1.0, f64::NAN));
    }
}
