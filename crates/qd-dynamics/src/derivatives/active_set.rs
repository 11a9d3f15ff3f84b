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
use crate::cone::{ConeKind, ContactMode, ModeReading, conic_row_maps, read_modes};
use crate::problem::StepProblem;
use nalgebra::{DMatrix, DVector};

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
struct ActiveRow {
    contact: usize,
    /// Row weights on C's rows (dim entries): the active row is `g C`.
    g: Vec<f64>,
}

/// `dx/du` (n × n_a) and, with `rates`, `dx/dq` (n × n_v), on the active set `modes` read at
/// (x, duals) when the solve kept it, else read here.
#[allow(clippy::too_many_arguments)]
pub fn sensitivities(
    problem: &StepProblem,
    kind: ConeKind,
    stiffness: &[f64],
    h: f64,
    (x, duals, modes): (&DVector<f64>, &[f64], Option<&ModeReading>),
    rates: Option<&ProblemRates>,
    dx_du: &mut DMatrix<f64>,
    dx_dq: &mut DMatrix<f64>,
) -> ActiveSetOutcome {
    let n = problem.var_to_v.len();
    let cone = kind.on(problem.n_tangent);
    let projections = conic_row_maps(problem, &cone);
    let read_here;
    let reading = match modes {
        Some(reading) => reading,
        None => {
            read_here = read_modes(problem, &cone, h, (x, duals), &projections);
            &read_here
        }
    };
    let mut outcome = ActiveSetOutcome {
        active_contacts: reading.active_contacts,
        near_mode_switch: reading.near_mode_switch,
        unreliable: None,
    };
    let rows_per_contact = cone.rows_per_contact();
    let active_set = ActiveSet::new(
        problem,
        rows_per_contact,
        (x, duals),
        &projections,
        &reading.modes,
    );
    let n_a = stiffness.len();
    let n_v = rates.map_or(0, |r| r.force.ncols());
    let rhs = right_hand_sides(problem, &active_set, stiffness, h, rates);
    let m = active_set.rows.len();
    let mut kkt = DMatrix::zeros(n + m, n + m);
    kkt.view_mut((0, 0), (n, n)).copy_from(&active_set.q_eff);
    for (row_index, row) in active_set.rows.iter().enumerate() {
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
    let solution = solve_least_squares(&kkt, &rhs, n, &mut outcome);
    *dx_du = solution.view((0, 0), (n, n_a)).into_owned();
    if n_v > 0 {
        *dx_dq = solution.view((0, n_a), (n, n_v)).into_owned();
    }
    outcome
}

/// The active set at a solution with the second-order data its derivatives need.
struct ActiveSet {
    /// Q plus the sliding contacts' cone curvature.
    q_eff: DMatrix<f64>,
    /// The equality rows.
    rows: Vec<ActiveRow>,
    /// Per contact: the impulse λ = Pᵀ z (dim entries).
    impulses: Vec<DVector<f64>>,
    /// Per contact: the sliding curvature in y-space (dim × dim), for sliding 3-D contacts.
    curvatures: Vec<Option<DMatrix<f64>>>,
}

impl ActiveSet {
    /// The rows of each contact's mode: a row `g = P_a` per row that holds with equality;
    /// for a sliding contact the surface `s₀ − ‖s_t‖ = 0`, with `∇g = (1, −ŝ_t)` in s-space
    /// applied through P, and its curvature `ν/‖s_t‖ Ŝ_tᵀ (I − ŝŝᵀ) Ŝ_t` added to Q.
    fn new(
        problem: &StepProblem,
        rows_per_contact: usize,
        (x, duals): (&DVector<f64>, &[f64]),
        projections: &[DMatrix<f64>],
        modes: &[ContactMode],
    ) -> Self {
        let nt = problem.n_tangent;
        let mut set = ActiveSet {
            q_eff: problem.q_matrix.clone(),
            rows: Vec::new(),
            impulses: Vec::with_capacity(problem.contacts.len()),
            curvatures: Vec::with_capacity(problem.contacts.len()),
        };
        for (i, rows) in problem.contacts.iter().enumerate() {
            let p = &projections[i];
            let z = DVector::from_column_slice(
                &duals[i * rows_per_contact..(i + 1) * rows_per_contact],
            );
            let c = constraint_matrix(problem, i);
            let mut y = &c * x;
            y[0] += rows.phi;
            let s = p * &y;
            set.impulses.push(p.transpose() * &z);
            let mut curvature = None;
            match &modes[i] {
                ContactMode::Separated => {}
                ContactMode::Rows(active) => {
                    for &a in active {
                        set.rows.push(ActiveRow {
                            contact: i,
                            g: p.row(a).iter().copied().collect(),
                        });
                    }
                }
                ContactMode::Sliding => {
                    let normal = z[0];
                    let s_t = s.rows(1, nt).into_owned();
                    let slip = s_t.norm();
                    let direction = &s_t / slip;
                    let mut grad = DVector::zeros(rows_per_contact);
                    grad[0] = 1.0;
                    for t in 0..nt {
                        grad[1 + t] = -direction[t];
                    }
                    set.rows.push(ActiveRow {
                        contact: i,
                        g: (p.transpose() * &grad).iter().copied().collect(),
                    });
                    if nt > 1 {
                        // ν/‖s_t‖ (I − ŝŝᵀ) on the tangential block of s, mapped to y.
                        let mut hs = DMatrix::zeros(rows_per_contact, rows_per_contact);
                        let projector =
                            DMatrix::identity(nt, nt) - &direction * direction.transpose();
                        hs.view_mut((1, 1), (nt, nt))
                            .copy_from(&(projector * (normal / slip)));
                        let hy = p.transpose() * hs * p;
                        set.q_eff += c.transpose() * &hy * &c;
                        curvature = Some(hy);
                    }
                }
            }
            set.curvatures.push(curvature);
        }
        set
    }
}

/// `C = [J_n; J_t]` of contact `i` on the free variables (dim × n).
fn constraint_matrix(problem: &StepProblem, i: usize) -> DMatrix<f64> {
    let rows = &problem.contacts[i];
    let nt = problem.n_tangent;
    let mut c = DMatrix::zeros(1 + nt, problem.var_to_v.len());
    c.row_mut(0).copy_from(&rows.jn.transpose());
    c.rows_mut(1, nt).copy_from(&rows.jt);
    c
}

/// The right-hand sides of the differentiated KKT system: one column per input (−r_x =
/// h K_j e_j), then, with `rates`, one per coordinate of q (how Q x + b, the impulses' Cᵀ λ,
/// the sliding curvature and the active rows change with q_k).
fn right_hand_sides(
    problem: &StepProblem,
    active_set: &ActiveSet,
    stiffness: &[f64],
    h: f64,
    rates: Option<&ProblemRates>,
) -> DMatrix<f64> {
    let n = problem.var_to_v.len();
    let dim = 1 + problem.n_tangent;
    let n_a = stiffness.len();
    let n_v = rates.map_or(0, |r| r.force.ncols());
    let m = active_set.rows.len();
    let mut rhs = DMatrix::zeros(n + m, n_a + n_v);
    for (j, k) in stiffness.iter().enumerate() {
        // −r_x with r_x = ∂(Qx + b)/∂u_j = −h K_j e_j.
        rhs[(j, j)] = h * k;
    }
    let Some(rates) = rates else {
        return rhs;
    };
    for k in 0..n_v {
        let mut r_x = rates.force.column(k).into_owned();
        for (i, rows) in problem.contacts.iter().enumerate() {
            let Some(d) = rates.contact_rate(i, k) else {
                continue;
            };
            d.for_each_transpose_times(active_set.impulses[i].as_slice(), |c, value| {
                r_x[c] -= value;
            });
            if let Some(hy) = &active_set.curvatures[i] {
                let mut y_rate = DVector::from_iterator(dim, d.times_x().iter().copied());
                y_rate[0] += rows.jn_full[k];
                let c = constraint_matrix(problem, i);
                r_x += c.transpose() * (hy * y_rate);
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
                r_c += row
                    .g
                    .iter()
                    .zip(y_rate.iter())
                    .map(|(g, y)| g * y)
                    .sum::<f64>();
            }
            rhs[(n + row_index, n_a + k)] = -r_c;
        }
    }
    rhs
}

/// The solution of `kkt · X = rhs` least-norm in the multipliers: through the Schur complement
/// when Q_eff is positive definite, else the minimum-norm least-squares solution by SVD with
/// the check that its first `n` entries (dx) are determined; either way checked consistent.
fn solve_least_squares(
    kkt: &DMatrix<f64>,
    rhs: &DMatrix<f64>,
    n: usize,
    outcome: &mut ActiveSetOutcome,
) -> DMatrix<f64> {
    let size = kkt.nrows();
    if size == 0 {
        return DMatrix::zeros(0, rhs.ncols());
    }
    // Q_eff positive definite (the usual case): dx is determined however redundant the rows.
    if let Some(solution) = crate::solver::kkt::schur_solve(kkt, rhs, n) {
        check_consistent(kkt, rhs, &solution, outcome);
        return solution;
    }
    let Some(svd) = crate::solver::bounded_svd(kkt.clone()) else {
        outcome.unreliable =
            Some("the SVD of the KKT system did not converge (or met a non-finite entry)".into());
        return DMatrix::zeros(size, rhs.ncols());
    };
    let largest = svd.singular_values.max();
    let cutoff = 1e-11 * largest.max(f64::MIN_POSITIVE);
    let Ok(solution) = svd.solve(rhs, cutoff) else {
        outcome.unreliable = Some("the SVD of the KKT system did not converge".into());
        return DMatrix::zeros(size, rhs.ncols());
    };
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
    check_consistent(kkt, rhs, &solution, outcome);
    solution
}

/// Flags the result unreliable when `solution` leaves more than round-off of `rhs` unmet.
fn check_consistent(
    kkt: &DMatrix<f64>,
    rhs: &DMatrix<f64>,
    solution: &DMatrix<f64>,
    outcome: &mut ActiveSetOutcome,
) {
    let residual = (kkt * solution - rhs).norm();
    let scale = rhs.norm() + kkt.norm() * solution.norm();
    if residual > 1e-6 * scale.max(f64::MIN_POSITIVE) {
        outcome.unreliable = Some(format!(
            "the active-set KKT system is inconsistent (relative residual {:.1e})",
            residual / scale
        ));
    }
}
