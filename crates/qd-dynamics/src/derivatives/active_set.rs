//! Derivatives of the exact forms (SOCP, QP) by implicit differentiation of the KKT
//! conditions on the active set.
//!
//! Each contact's conic rows are `s = P (C x + e)` with `C = [J_n; J_t]`, `e = (φ, 0, …)` and a
//! constant P: `diag(1, μ, …)` for the Lorentz cone, rows `(1, μ d_jᵀ)` for the pyramid. With
//! the duals z, stationarity reads `Qx + b − Σ (P C)ᵀ z = 0` and `(P C)ᵀ z = Cᵀ λ` with λ the
//! impulse. The active set, read off the solution:
//! - **inactive**: normal impulse at or below the threshold → dropped;
//! - **pyramid row**: dual β_j above the threshold → the row holds with equality;
//! - **sticking** (cone, `‖s_t‖` at or below the slack tolerance): `s = 0`, all rows equalities;
//! - **sliding** (cone, `‖s_t‖` above it): the contact stays on the cone's surface,
//!   `g(s) = s₀ − ‖s_t‖ = 0`, with multiplier ν = z₀; the surface's curvature adds
//!   `ν/‖s_t‖ Ŝ_tᵀ (I − ŝŝᵀ) Ŝ_t` to Q (zero for planar contacts, whose tangent is 1-D).
//!
//! Differentiating gives the linear system `[Q_eff −Gᵀ; G 0] [dx; dm] = −[r_x; r_c]`, solved
//! by an SVD so that redundant active rows (a sticking pyramid has more rows than the tangent
//! space has dimensions) cost nothing: every solution shares dx when Q_eff is positive definite
//! on the null space of G. If that fails, or the system is inconsistent, the result is flagged
//! unreliable. A contact close to changing mode (weakly active, or on the edge between
//! sticking and sliding) is flagged as near a switch: there the derivative is one of the
//! one-sided limits.

use super::problem_rates::ProblemRates;
use crate::cone::{
    ConeKind, ContactMode, KeptCone, ModeReading, conic_row_maps_into, read_modes_into,
};
use crate::problem::StepProblem;
use crate::reuse::{resized, shaped, zeroed};
use crate::solver::barrier::columns_times;
use crate::solver::kkt::{SchurScratch, schur_solve_into};
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};

/// What the active-set solve found.
#[derive(Debug, Clone, Default)]
pub struct ActiveSetOutcome {
    /// Contacts with an active constraint.
    pub active_contacts: usize,
    /// Some contact is weakly active or on the sticking/sliding edge.
    pub near_mode_switch: bool,
    /// Why the result is unreliable, if it is.
    pub unreliable: Option<String>,
}

/// One equality row of the active set: the row `g` in s-space (dim entries) applied to `C`.
#[derive(Debug, Clone)]
struct ActiveRow {
    contact: usize,
    /// Row weights on C's rows (dim entries, padded to 3): the active row is `g C`.
    g: Vector3<f64>,
}

/// The derivatives' storage on the exact forms, kept between steps (no allocation per step
/// once sized, the fallbacks for degenerate systems aside).
#[derive(Debug, Clone, Default)]
pub(crate) struct ActiveSetWork {
    cone: KeptCone,
    projections: Vec<DMatrix<f64>>,
    spare: Vec<DMatrix<f64>>,
    reading: ModeReading,
    set: ActiveSet,
    kkt: DMatrix<f64>,
    rhs: DMatrix<f64>,
    solution: DMatrix<f64>,
    r_x: DVector<f64>,
    schur: SchurScratch,
}

/// `dx/du` (n × n_a) and, with `rates`, `dx/dq` (n × n_v), on the active set `modes` read at
/// (x, duals) when the solve kept it, else read here, with the storage of `work` (no
/// allocation per step once sized). `dx_du` and `dx_dq` come zeroed at those shapes.
pub(crate) fn sensitivities_in(
    problem: &StepProblem,
    (kind, stiffness, h): (ConeKind, &[f64], f64),
    (x, duals, modes): (&DVector<f64>, &[f64], Option<&ModeReading>),
    rates: Option<&ProblemRates>,
    work: &mut ActiveSetWork,
    (dx_du, dx_dq): (&mut DMatrix<f64>, &mut DMatrix<f64>),
) -> ActiveSetOutcome {
    let n = problem.var_to_v.len();
    let ActiveSetWork {
        cone,
        projections,
        spare,
        reading: read_here,
        set,
        kkt,
        rhs,
        solution,
        r_x,
        schur,
    } = work;
    let cone = cone.get(kind, problem.n_tangent);
    conic_row_maps_into(problem, cone, projections, spare);
    let reading = match modes {
        Some(reading) => reading,
        None => {
            read_modes_into(problem, cone, h, (x, duals), projections, read_here);
            &*read_here
        }
    };
    let mut outcome = ActiveSetOutcome {
        active_contacts: reading.active_contacts,
        near_mode_switch: reading.near_mode_switch,
        unreliable: None,
    };
    let rows_per_contact = cone.rows_per_contact();
    set.fill(
        problem,
        rows_per_contact,
        (x, duals),
        projections,
        &reading.modes,
    );
    let n_a = stiffness.len();
    let n_v = rates.map_or(0, |r| r.force.ncols());
    right_hand_sides(problem, set, (stiffness, h), rates, (rhs, r_x));
    let m = set.rows.len();
    zeroed(kkt, n + m, n + m);
    kkt.view_mut((0, 0), (n, n)).copy_from(&set.q_eff);
    for (row_index, row) in set.rows.iter().enumerate() {
        let rows = &problem.contacts[row.contact];
        for c in 0..n {
            let mut value = row.g[0] * rows.jn[c];
            for t in 0..problem.n_tangent {
                value += row.g[1 + t] * rows.jt[(t, c)];
            }
            kkt[(n + row_index, c)] = value;
            kkt[(c, n + row_index)] = -value;
        }
    }
    solve_least_squares(kkt, rhs, n, (schur, solution), &mut outcome);
    dx_du.copy_from(&solution.view((0, 0), (n, n_a)));
    if n_v > 0 {
        dx_dq.copy_from(&solution.view((0, n_a), (n, n_v)));
    }
    outcome
}

/// The active set at a solution with the second-order data its derivatives need.
#[derive(Debug, Clone, Default)]
struct ActiveSet {
    /// Q plus the sliding contacts' cone curvature.
    q_eff: DMatrix<f64>,
    /// The equality rows.
    rows: Vec<ActiveRow>,
    /// Per contact: the impulse λ = Pᵀ z (dim entries, padded to 3).
    impulses: Vec<Vector3<f64>>,
    /// Per contact: the sliding curvature in y-space (dim × dim, padded), for sliding 3-D
    /// contacts.
    curvatures: Vec<Option<Matrix3<f64>>>,
}

impl ActiveSet {
    /// The rows of each contact's mode: a row `g = P_a` per row that holds with equality;
    /// for a sliding contact the surface `s₀ − ‖s_t‖ = 0`, with `∇g = (1, −ŝ_t)` in s-space
    /// applied through P, and its curvature `ν/‖s_t‖ Ŝ_tᵀ (I − ŝŝᵀ) Ŝ_t` added to Q. Written
    /// over the previous step's storage.
    fn fill(
        &mut self,
        problem: &StepProblem,
        rows_per_contact: usize,
        (x, duals): (&DVector<f64>, &[f64]),
        projections: &[DMatrix<f64>],
        modes: &[ContactMode],
    ) {
        let nt = problem.n_tangent;
        let dim = 1 + nt;
        let n = problem.var_to_v.len();
        shaped(&mut self.q_eff, n, n);
        self.q_eff.copy_from(&problem.q_matrix);
        self.rows.clear();
        self.impulses.clear();
        self.curvatures.clear();
        let columns = problem.contact_columns();
        for (i, rows) in problem.contacts.iter().enumerate() {
            let p = &projections[i];
            let z = &duals[i * rows_per_contact..(i + 1) * rows_per_contact];
            let run = columns.of(i);
            let y = columns_times(run, x) + Vector3::new(rows.phi, 0.0, 0.0);
            // s = P y; λ = Pᵀ z.
            let s_row = |j: usize| (0..dim).map(|a| p[(j, a)] * y[a]).sum::<f64>();
            let mut impulse = Vector3::zeros();
            for (j, zj) in z.iter().enumerate() {
                for a in 0..dim {
                    impulse[a] += p[(j, a)] * zj;
                }
            }
            self.impulses.push(impulse);
            let p_row = |a: usize| {
                let mut g = Vector3::zeros();
                for b in 0..dim {
                    g[b] = p[(a, b)];
                }
                g
            };
            let mut curvature = None;
            match &modes[i] {
                ContactMode::Separated => {}
                ContactMode::Rows(active) => {
                    for &a in active {
                        self.rows.push(ActiveRow {
                            contact: i,
                            g: p_row(a),
                        });
                    }
                }
                ContactMode::Sliding => {
                    // A sliding contact is a Lorentz cone's: its rows are y's (dim of them).
                    let normal = z[0];
                    let mut direction = Vector3::zeros();
                    for t in 0..nt {
                        direction[1 + t] = s_row(1 + t);
                    }
                    let slip = direction.norm();
                    direction /= slip;
                    // ∇g in s-space = (1, −ŝ_t), mapped through Pᵀ.
                    let mut grad = -direction;
                    grad[0] = 1.0;
                    let mut g = Vector3::zeros();
                    for j in 0..dim {
                        g += p_row(j) * grad[j];
                    }
                    self.rows.push(ActiveRow { contact: i, g });
                    if nt > 1 {
                        // ν/‖s_t‖ (I − ŝŝᵀ) on the tangential block of s, mapped to y.
                        let mut hs = Matrix3::zeros();
                        for a in 1..dim {
                            for b in 1..dim {
                                let identity = if a == b { 1.0 } else { 0.0 };
                                hs[(a, b)] =
                                    (identity - direction[a] * direction[b]) * normal / slip;
                            }
                        }
                        let mut p3 = Matrix3::zeros();
                        for a in 0..dim {
                            p3.set_row(a, &p_row(a).transpose());
                        }
                        let hy = p3.transpose() * hs * p3;
                        add_congruence_full(run, &hy, &mut self.q_eff);
                        curvature = Some(hy);
                    }
                }
            }
            self.curvatures.push(curvature);
        }
    }
}

/// `q += Cᵀ M C` (both triangles) over a contact's non-zero columns of C.
fn add_congruence_full(run: &[(usize, Vector3<f64>)], m: &Matrix3<f64>, q: &mut DMatrix<f64>) {
    for (r, column_r) in run {
        let weighted = m * column_r;
        for (s, column_s) in run {
            q[(*s, *r)] += column_s.dot(&weighted);
        }
    }
}

/// The right-hand sides of the differentiated KKT system into `rhs`: one column per input
/// (−r_x = h K_j e_j), then, with `rates`, one per coordinate of q (how Q x + b, the
/// impulses' Cᵀ λ, the sliding curvature and the active rows change with q_k). `r_x` is
/// scratch.
fn right_hand_sides(
    problem: &StepProblem,
    active_set: &ActiveSet,
    (stiffness, h): (&[f64], f64),
    rates: Option<&ProblemRates>,
    (rhs, r_x): (&mut DMatrix<f64>, &mut DVector<f64>),
) {
    let n = problem.var_to_v.len();
    let dim = 1 + problem.n_tangent;
    let n_a = stiffness.len();
    let n_v = rates.map_or(0, |r| r.force.ncols());
    let m = active_set.rows.len();
    zeroed(rhs, n + m, n_a + n_v);
    for (j, k) in stiffness.iter().enumerate() {
        // −r_x with r_x = ∂(Qx + b)/∂u_j = −h K_j e_j.
        rhs[(j, j)] = h * k;
    }
    let Some(rates) = rates else {
        return;
    };
    let columns = problem.contact_columns();
    for k in 0..n_v {
        resized(r_x, n);
        r_x.copy_from(&rates.force.column(k));
        for (i, rows) in problem.contacts.iter().enumerate() {
            let Some(d) = rates.contact_rate(i, k) else {
                continue;
            };
            d.for_each_transpose_times(&active_set.impulses[i].as_slice()[..dim], |c, value| {
                r_x[c] -= value;
            });
            if let Some(hy) = &active_set.curvatures[i] {
                let mut y_rate = d.times_x();
                y_rate[0] += rows.jn_full[k];
                let weighted = hy * y_rate;
                for (c, column) in columns.of(i) {
                    r_x[*c] += column.dot(&weighted);
                }
            }
        }
        for r in 0..n {
            rhs[(r, n_a + k)] = -r_x[r];
        }
        for (row_index, row) in active_set.rows.iter().enumerate() {
            let rows = &problem.contacts[row.contact];
            let mut r_c = row.g[0] * rows.jn_full[k];
            if let Some(d) = rates.contact_rate(row.contact, k) {
                let y_rate = d.times_x();
                r_c += (0..dim).map(|a| row.g[a] * y_rate[a]).sum::<f64>();
            }
            rhs[(n + row_index, n_a + k)] = -r_c;
        }
    }
}

/// The solution of `kkt · X = rhs` least-norm in the multipliers: through the Schur complement
/// when Q_eff is positive definite, else the minimum-norm least-squares solution by SVD with
/// the check that its first `n` entries (dx) are determined; either way checked consistent.
fn solve_least_squares(
    kkt: &DMatrix<f64>,
    rhs: &DMatrix<f64>,
    n: usize,
    (schur, solution): (&mut SchurScratch, &mut DMatrix<f64>),
    outcome: &mut ActiveSetOutcome,
) {
    let size = kkt.nrows();
    zeroed(solution, size, rhs.ncols());
    if size == 0 {
        return;
    }
    // Q_eff positive definite (the usual case): dx is determined however redundant the rows.
    if schur_solve_into(kkt, rhs, n, schur, solution) {
        check_consistent(kkt, rhs, solution, outcome);
        return;
    }
    zeroed(solution, size, rhs.ncols());
    let Some(svd) = crate::solver::bounded_svd(kkt.clone()) else {
        outcome.unreliable =
            Some("the SVD of the KKT system did not converge (or met a non-finite entry)".into());
        return;
    };
    let largest = svd.singular_values.max();
    let cutoff = 1e-11 * largest.max(f64::MIN_POSITIVE);
    let Ok(answer) = svd.solve(rhs, cutoff) else {
        outcome.unreliable = Some("the SVD of the KKT system did not converge".into());
        return;
    };
    *solution = answer;
    if let Some(v_t) = &svd.v_t {
        for (index, sigma) in svd.singular_values.iter().enumerate() {
            if *sigma <= cutoff {
                let dx_part = v_t.row(index).columns(0, n).norm();
                if dx_part > 1e-6 {
                    outcome.unreliable = Some(
                        "the active-set KKT system leaves δv undetermined (degenerate contacts)"
                            .into(),
                    );
                }
            }
        }
    }
    check_consistent(kkt, rhs, solution, outcome);
}

/// Flags the result unreliable when `solution` leaves more than round-off of `rhs` unmet.
fn check_consistent(
    kkt: &DMatrix<f64>,
    rhs: &DMatrix<f64>,
    solution: &DMatrix<f64>,
    outcome: &mut ActiveSetOutcome,
) {
    // ‖kkt · solution − rhs‖ (Frobenius), column by column without a product matrix.
    let size = kkt.nrows();
    let mut squared = 0.0;
    for (column, target) in solution.column_iter().zip(rhs.column_iter()) {
        for r in 0..size {
            let value: f64 = (0..size).map(|c| kkt[(r, c)] * column[c]).sum();
            let difference = value - target[r];
            squared += difference * difference;
        }
    }
    let residual = f64::sqrt(squared);
    let scale = rhs.norm() + kkt.norm() * solution.norm();
    if residual > 1e-6 * scale.max(f64::MIN_POSITIVE) {
        outcome.unreliable = Some(format!(
            "the active-set KKT system is inconsistent (relative residual {:.1e})",
            residual / scale
        ));
    }
}
