//! The exact forms through Clarabel: Lorentz cones (SOCP) and pyramids (QP).
//!
//! Clarabel solves `min ½xᵀPx + qᵀx  s.t.  Ax + s = b, s ∈ K`. For contact i the SOCP rows are
//! `s = (φ + J_n x, μ J_t x) ∈ SOC`, i.e. `A = −[J_n; μ J_t]`, `b = (φ, 0)`; their duals z
//! give the impulses `λ_n = z₀`, `λ_t = μ z_t` (then `μ λ_n ≥ ‖λ_t‖`). The QP rows are
//! `s_j = φ + (J_n + μ d_jᵀ J_t) x ≥ 0` with duals β_j ≥ 0: `λ_n = Σ β_j`,
//! `λ_t = μ Σ β_j d_j`.

use super::polish::polish;
use super::{Solution, SolvePath, SolveStatus};
use crate::cone::{Cone, ConeKind, conic_row_maps, read_modes};
use crate::error::DynamicsError;
use crate::problem::StepProblem;
use clarabel::algebra::CscMatrix;
use clarabel::solver::{DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus};
use nalgebra::{DMatrix, DVector};

/// Dense → CSC, keeping only the upper triangle if asked (Clarabel reads P's upper triangle).
fn to_csc(matrix: &DMatrix<f64>, upper_only: bool) -> CscMatrix<f64> {
    let (m, n) = matrix.shape();
    let mut colptr = Vec::with_capacity(n + 1);
    let mut rowval = Vec::new();
    let mut nzval = Vec::new();
    colptr.push(0);
    for c in 0..n {
        let last_row = if upper_only { (c + 1).min(m) } else { m };
        for r in 0..last_row {
            let value = matrix[(r, c)];
            if value != 0.0 {
                rowval.push(r);
                nzval.push(value);
            }
        }
        colptr.push(rowval.len());
    }
    CscMatrix::new(m, n, colptr, rowval, nzval)
}

/// Clarabel's `A` and `b` of every contact's conic rows ([`Cone::clarabel_rows`]).
fn conic_rows(problem: &StepProblem, cone: &Cone) -> (DMatrix<f64>, Vec<f64>) {
    let rows_per_contact = cone.rows_per_contact();
    let n = problem.var_to_v.len();
    let m = rows_per_contact * problem.contacts.len();
    let mut a = DMatrix::zeros(m, n);
    let mut b = vec![0.0; m];
    for (i, contact) in problem.contacts.iter().enumerate() {
        cone.clarabel_rows(contact, &mut a, &mut b, i * rows_per_contact);
    }
    (a, b)
}

/// Solves the step's program in an exact form, then refines Clarabel's answer on its active
/// set (`polish`); `h` is the step's time step (s), the scale of its impulses. With
/// `keep_modes`, the active set at the returned point is read ([`read_modes`]) and kept with
/// the solution for the derivatives.
pub fn solve(
    problem: &StepProblem,
    kind: ConeKind,
    h: f64,
    keep_modes: bool,
) -> Result<Solution, DynamicsError> {
    let mode = match kind {
        ConeKind::Lorentz => "socp",
        ConeKind::Pyramid { .. } => "qp",
    };
    let cone = kind.on(problem.n_tangent);
    let rows_per_contact = cone.rows_per_contact();
    let (a, b) = conic_rows(problem, &cone);
    let cones = cone.clarabel_cones(problem.contacts.len());
    // Gap tolerances tighter than Clarabel's defaults (1e-8): at a contact that is exactly
    // touching the complementarity is degenerate and the default stop leaves ~1e-5 m in δv.
    // Feasibility at 1e-10: with 1e-12, steps of the Allegro hand stalled with primal
    // residuals of 1–20e-12 and gaps of 1e-14 and were reported `AlmostSolved` (3–30 % of
    // randomized-smoothing samples, all of them accurate).
    let settings = DefaultSettingsBuilder::default()
        .verbose(false)
        .tol_gap_abs(1e-12)
        .tol_gap_rel(1e-12)
        .tol_feas(1e-10)
        .tol_ktratio(1e-10)
        .max_iter(100)
        .build()
        .map_err(|e| DynamicsError::SolverFailed {
            mode,
            status: format!("settings: {e:?}"),
        })?;
    let p = to_csc(&problem.q_matrix, true);
    let a = to_csc(&a, false);
    let q: Vec<f64> = problem.b.iter().copied().collect();
    let mut solver = DefaultSolver::new(&p, &q, &a, &b, &cones, settings).map_err(|e| {
        DynamicsError::SolverFailed {
            mode,
            status: format!("setup: {e:?}"),
        }
    })?;
    solver.solve();
    let solution = &solver.solution;
    let mut x = DVector::from_column_slice(&solution.x);
    let mut duals = solution.z.clone();
    let polished = polish(problem, &cone, h, &mut x, &mut duals);
    let status = match solution.status {
        SolverStatus::Solved => SolveStatus::Solved,
        SolverStatus::AlmostSolved => SolveStatus::AlmostSolved,
        other => {
            return Err(DynamicsError::SolverFailed {
                mode,
                status: format!("{other:?}"),
            });
        }
    };
    let impulses = problem
        .contacts
        .iter()
        .enumerate()
        .map(|(i, contact)| {
            let z = &duals[i * rows_per_contact..(i + 1) * rows_per_contact];
            cone.impulse(z, contact.mu)
        })
        .collect();
    let modes = keep_modes.then(|| {
        let projections = conic_row_maps(problem, &cone);
        read_modes(problem, &cone, h, (&x, &duals), &projections)
    });
    Ok(Solution {
        interior: None,
        modes,
        x,
        impulses,
        status,
        iterations: solution.iterations,
        duals,
        polished,
        barrier: None,
        path: SolvePath::Clarabel,
    })
}
