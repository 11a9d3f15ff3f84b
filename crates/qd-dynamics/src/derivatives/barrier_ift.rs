//! Derivatives of the barrier forms by the implicit function theorem.
//!
//! At the minimiser, `G(x; q, u) = Qx + b − Σᵢ Cᵢᵀ wᵢ(Cᵢ x + eᵢ) = 0` with `wᵢ = ∇Bᵢ/κ`. Its
//! Jacobian in x is the Hessian H (already factored), so `dx/dθ = −H⁻¹ ∂G/∂θ`:
//! - θ = u: `∂G/∂u_j = ∂b/∂u_j = −h K_j e_j`;
//! - θ = q_k (tangent coordinate): `∂G/∂q_k = ∂(Qx + b)/∂q_k − Σᵢ [Dᵢₖᵀ wᵢ + Cᵢᵀ Wᵢ (Dᵢₖ x + ∂eᵢ/∂q_k)]`
//!   with `Dᵢₖ = ∂Cᵢ/∂q_k`, `Wᵢ = ∇²Bᵢ/κ` and `∂eᵢ/∂q_k = (J_n,i[k], 0, …)`.

use super::problem_rates::ProblemRates;
use crate::problem::StepProblem;
use crate::reuse::{shaped, zeroed};
use crate::solver::BarrierAtSolution;
use nalgebra::DMatrix;

/// `dx/du` (n × n_a) into `dx_du`; `scratch` is the triangular solves' storage.
pub fn input_sensitivity(
    problem: &StepProblem,
    stiffness: &[f64],
    h: f64,
    data: &BarrierAtSolution,
    dx_du: &mut DMatrix<f64>,
    scratch: &mut Vec<f64>,
) {
    zeroed(dx_du, problem.var_to_v.len(), stiffness.len());
    for (j, k) in stiffness.iter().enumerate() {
        dx_du[(j, j)] = h * k;
    }
    data.hessian.solve_columns_with(dx_du, scratch);
}

/// `dx/dq` (n × n_v, tangent coordinates) into `dx_dq`; `scratch` is the triangular solves'
/// storage.
pub fn configuration_sensitivity(
    problem: &StepProblem,
    rates: &ProblemRates,
    data: &BarrierAtSolution,
    dx_dq: &mut DMatrix<f64>,
    scratch: &mut Vec<f64>,
) {
    let (rows, columns) = rates.force.shape();
    shaped(dx_dq, rows, columns);
    dx_dq.as_mut_slice().copy_from_slice(rates.force.as_slice());
    let columns = problem.contact_columns();
    let n = problem.var_to_v.len();
    for (i, (rows, (w, big_w))) in problem.contacts.iter().zip(&data.contact_terms).enumerate() {
        let dim = 1 + rows.jt.nrows();
        for &k in &rates.moving[i] {
            let Some(d) = rates.contact_rate(i, k) else {
                continue;
            };
            // y's rate at fixed x: D x + ∂e/∂q_k.
            let mut y_rate = d.times_x();
            y_rate[0] += rows.jn_full[k];
            let weighted = big_w * y_rate;
            let column = &mut dx_dq.as_mut_slice()[k * n..(k + 1) * n];
            // Cᵀ W (D x + ∂e/∂q_k) over C's non-zero columns, then Dᵀ w over D's.
            for (c, c_column) in columns.of(i) {
                column[*c] -= c_column.dot(&weighted);
            }
            for (index, &c) in d.columns.iter().enumerate() {
                let entries = d.column(index);
                column[c] -= (0..dim).map(|a| entries[a] * w[a]).sum::<f64>();
            }
        }
    }
    data.hessian.solve_columns_with(dx_dq, scratch);
    dx_dq.as_mut_slice().iter_mut().for_each(|v| *v = -*v);
}
