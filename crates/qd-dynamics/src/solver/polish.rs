//! Refinement of an interior-point answer on its active set ("polishing").
//!
//! Clarabel stops on the central path, a little inside the cones: δv carries ~1e-9 … 1e-8
//! of error, different for every problem it solves. That is harmless for one step, but it is
//! the whole signal when two nearby steps are differenced (finite-difference checks of the
//! derivatives, zero-order smoothing with small noise): 1e-8 of noise over a 1e-4 step is
//! 1e-4 of error. Once the solver has told us which contacts are separated, sticking or
//! sliding, the solution is the root of a small smooth system (the KKT conditions with those
//! modes), and a few Newton steps on it from Clarabel's point reach round-off.
//!
//! With the conic rows of contact i written `s = P (C x + e)` (see [`super::conic`]) the
//! system is
//! - stationarity: `Qx + b − Σ (P C)ᵀ z = 0`;
//! - a sticking cone contact (or an active pyramid row): `s = 0` (resp. `s_j = 0`), z free;
//! - a sliding cone contact: `s₀ = ‖s_t‖` with `z = ν (1, −ŝ_t)`, ν ≥ 0 (z mirrors s);
//! - a separated contact: z = 0.
//!
//! The Newton matrix is the same KKT matrix the active-set derivatives use. The result is
//! kept only if Newton converges and the refined point still satisfies what the modes assumed
//! (multipliers in their cones, separated contacts feasible): with stationarity and
//! complementarity holding by construction, that certifies it optimal. Otherwise Clarabel's
//! answer stands and the report says so.

use super::kkt::SchurScratch;
use crate::cone::{Cone, ContactMode, conic_row_maps_into, read_modes};
use crate::problem::StepProblem;
use crate::reuse::resize_pooled;
use crate::reuse::resized;
use nalgebra::{DMatrix, DVector};
use std::cell::RefCell;

/// Newton iterations allowed (the system is linear for pyramids and sticking cones, so one
/// step usually lands; sliding cones converge quadratically from Clarabel's point).
const MAX_NEWTON_STEPS: usize = 8;

/// A Newton step at most this large (relative to `max(1, ‖x‖∞)`) ends the refinement: Newton
/// converges quadratically on the curved sliding rows, so the error it leaves is far smaller,
/// and another solve would only confirm it (it cost ~5 µs of an Allegro step). 1e-12 before
/// the primal–dual path, whose answers start the refinement ~1e-8 from the optimum; 1e-8
/// left a stationarity residual of 1.3e-13 on an Allegro step (`tests/polish.rs` asks for
/// round-off).
const CONVERGED_STEP: f64 = 1e-10;

/// A Newton step at most this large (relative) counts as landed when the next system cannot
/// be solved consistently: its right-hand side is then round-off.
const ROUND_OFF_STEP: f64 = 1e-9;

/// Largest total change of x the refinement may make, relative to `max(1, ‖x‖∞)`. The checks
/// after convergence are a complete KKT certificate (stationarity, primal and dual
/// feasibility, complementarity by construction), so a refined point that passes them is the
/// optimum however far it moved; this bound only stops a Newton run that misread modes have
/// sent astray. Clarabel's answers are within ~1e-6 even at contacts that barely slide.
const MAX_RELATIVE_MOVE: f64 = 1e-3;

/// How far a refined point may leave the assumed modes (a separated contact's slack or a
/// multiplier's cone condition), relative to the problem's scale. Clarabel's own
/// feasibility tolerance is 1e-10.
const MODE_TOLERANCE: f64 = 1e-10;

/// The mode of one active row group.
#[derive(Debug, Clone, Copy, PartialEq)]
enum RowKind {
    /// `s_a = 0` for one conic row a (sticking cone rows, active pyramid rows).
    Linear { row: usize },
    /// `s₀ − ‖s_t‖ = 0` (sliding cone contact).
    Sliding,
}

/// One equality of the active set.
#[derive(Debug, Clone)]
struct ActiveRow {
    contact: usize,
    kind: RowKind,
    /// Its multiplier (z_a, or ν for a sliding contact).
    multiplier: f64,
}

/// Refines `x` and `duals` in place. Returns whether the refined point was kept.
pub fn polish(
    problem: &StepProblem,
    cone: &Cone,
    h: f64,
    x: &mut DVector<f64>,
    duals: &mut [f64],
) -> bool {
    let mut storage = ModeStorage::default();
    let system = ModeSystem::new(problem, cone, h, &mut storage);
    // The modes, read off the solver's answer by the rules the derivatives use.
    let reading = read_modes(problem, cone, h, (x, duals), system.projections);
    refine_on_modes(&system, (x, duals), &reading.modes)
}

/// [`polish`] with the contacts' modes given (one per contact) instead of read off the
/// answer by thresholds: the own exact solver ([`super::continuation`]) tells the modes from
/// how the barrier's answer moves as κ grows. The certificate is the same, so wrong modes
/// only make the refinement decline. Returns whether the refined point was kept.
pub(crate) fn refine_on_modes(
    system: &ModeSystem<'_>,
    (x, duals): (&mut DVector<f64>, &mut [f64]),
    modes: &[ContactMode],
) -> bool {
    let mut scratch = system.newton.borrow_mut();
    let scratch = &mut *scratch;
    scratch.active.clear();
    for (i, mode) in modes.iter().enumerate() {
        let z = &duals[i * system.rows_per_contact..(i + 1) * system.rows_per_contact];
        match mode {
            ContactMode::Separated => {}
            ContactMode::Rows(rows) => scratch.active.extend(rows.iter().map(|&a| ActiveRow {
                contact: i,
                kind: RowKind::Linear { row: a },
                multiplier: z[a],
            })),
            ContactMode::Sliding => scratch.active.push(ActiveRow {
                contact: i,
                kind: RowKind::Sliding,
                multiplier: z[0],
            }),
        }
    }
    if !system.newton(x, scratch) {
        return false;
    }
    if !system.certified_duals(scratch, duals.len()) {
        return false;
    }
    x.copy_from(&scratch.candidate);
    duals.copy_from_slice(&scratch.refined);
    true
}

/// The storage of a [`ModeSystem`]'s matrices, kept between steps.
#[derive(Debug, Clone, Default)]
pub(crate) struct ModeStorage {
    projections: Vec<DMatrix<f64>>,
    pc: Vec<DMatrix<f64>>,
    /// Matrices a step with fewer contacts did not need.
    spare: Vec<DMatrix<f64>>,
    newton: RefCell<NewtonScratch>,
}

/// The refinement's Newton storage, kept between steps.
#[derive(Debug, Clone, Default)]
struct NewtonScratch {
    active: Vec<ActiveRow>,
    candidate: DVector<f64>,
    kkt: DMatrix<f64>,
    residual: DVector<f64>,
    /// −residual, as the one-column right-hand side, and the step solving for it.
    rhs: DMatrix<f64>,
    step: DMatrix<f64>,
    r_x: DVector<f64>,
    slacks: Vec<f64>,
    gradient: DVector<f64>,
    refined: Vec<f64>,
    /// One contact's conic slacks (the cone's row count).
    slack: DVector<f64>,
    schur: SchurScratch,
}

/// The smooth system of one step's KKT conditions once the modes are fixed: each contact's
/// conic rows `s = P C x + P e` as `pc` and `projections`.
pub(crate) struct ModeSystem<'a> {
    problem: &'a StepProblem,
    cone: &'a Cone,
    rows_per_contact: usize,
    /// P per contact (rows_per_contact × dim).
    pub(crate) projections: &'a [DMatrix<f64>],
    /// P C per contact (rows_per_contact × n).
    pc: &'a [DMatrix<f64>],
    /// max(h, ‖b‖∞): the step's force scale.
    force_scale: f64,
    newton: &'a RefCell<NewtonScratch>,
}

impl<'a> ModeSystem<'a> {
    /// The system's fixed parts for a step's problem in `cone`, time step `h` (s), in
    /// `storage` (its matrices overwritten in place).
    pub(crate) fn new(
        problem: &'a StepProblem,
        cone: &'a Cone,
        h: f64,
        storage: &'a mut ModeStorage,
    ) -> Self {
        let n = problem.var_to_v.len();
        let nt = problem.n_tangent;
        let rows_per_contact = cone.rows_per_contact();
        let ModeStorage {
            projections,
            pc,
            spare,
            newton,
        } = storage;
        conic_row_maps_into(problem, cone, projections, spare);
        resize_pooled(pc, problem.contacts.len(), spare, || DMatrix::zeros(0, 0));
        for ((pc, rows), p) in pc.iter_mut().zip(&problem.contacts).zip(projections.iter()) {
            if pc.shape() != (p.nrows(), n) {
                *pc = DMatrix::zeros(p.nrows(), n);
            }
            // P C entry by entry (C = [J_n; J_t] is never formed).
            for c in 0..n {
                for r in 0..p.nrows() {
                    let tangential: f64 = (0..nt).map(|t| p[(r, 1 + t)] * rows.jt[(t, c)]).sum();
                    pc[(r, c)] = p[(r, 0)] * rows.jn[c] + tangential;
                }
            }
        }
        ModeSystem {
            problem,
            cone,
            rows_per_contact,
            projections,
            pc,
            force_scale: problem.b.amax().max(h),
            newton,
        }
    }

    /// The conic slacks of contact `i` at x, into `s` (its first `rows_per_contact` entries).
    fn slack_into(&self, i: usize, x: &DVector<f64>, s: &mut DVector<f64>) {
        let phi = self.problem.contacts[i].phi;
        for r in 0..self.rows_per_contact {
            s[r] = self.pc[i].row(r).tr_dot(x) + self.projections[i][(r, 0)] * phi;
        }
    }

    /// Newton's method on stationarity and the active equalities from `start`, updating the
    /// rows' multipliers. Returns the point once the steps reach round-off and the residuals
    /// are within [`MODE_TOLERANCE`]; `None` when the system cannot be solved consistently, a
    /// sliding contact stops slipping, or the point runs away.
    fn newton(&self, start: &DVector<f64>, scratch: &mut NewtonScratch) -> bool {
        let (problem, nt) = (self.problem, self.problem.n_tangent);
        let NewtonScratch {
            active,
            candidate,
            kkt,
            residual,
            rhs,
            step,
            r_x,
            slacks,
            gradient,
            schur,
            ..
        } = scratch;
        let n = start.len();
        let m = active.len();
        // The only nonlinear equality is a sliding contact's `s₀ = ‖s_t‖` with a 2-D tangent
        // (with one tangent direction it is linear while the slip keeps its sign).
        let linear = nt == 1 || active.iter().all(|row| row.kind != RowKind::Sliding);
        resized(candidate, n);
        candidate.copy_from(start);
        if kkt.shape() != (n + m, n + m) {
            *kkt = DMatrix::zeros(n + m, n + m);
        }
        // The m × m block stays zero; everything else is rewritten on every pass.
        kkt.view_mut((n, n), (m, m)).fill(0.0);
        resized(residual, n + m);
        if rhs.shape() != (n + m, 1) {
            *rhs = DMatrix::zeros(n + m, 1);
        }
        resized(r_x, n);
        // Every contact's conic slacks at the candidate, and one equality's gradient: reused
        // by every row and pass instead of allocated per row.
        slacks.clear();
        slacks.resize(problem.contacts.len() * self.rows_per_contact, 0.0);
        resized(gradient, n);
        let mut converged = false;
        // The last Newton step's size in x (∞-norm), once one was taken.
        let mut last_step: Option<f64> = None;
        for _ in 0..=MAX_NEWTON_STEPS {
            // Residual and Jacobian at `candidate`.
            // Every entry but the zero m × m block is rewritten here: Q (plus sliding rows'
            // curvature) in the leading block, the rows' gradients in the borders.
            kkt.view_mut((0, 0), (n, n)).copy_from(&problem.q_matrix);
            r_x.copy_from(&problem.b);
            r_x.gemv(1.0, &problem.q_matrix, candidate, 1.0);
            self.slacks_into(candidate, slacks);
            for (k, row) in active.iter().enumerate() {
                let Some(value) = self.equality(row, slacks, gradient, kkt) else {
                    return false;
                };
                r_x.axpy(-row.multiplier, gradient, 1.0);
                for c in 0..n {
                    kkt[(n + k, c)] = gradient[c];
                    kkt[(c, n + k)] = -gradient[c];
                }
                residual[n + k] = value;
            }
            residual.rows_mut(0, n).copy_from(r_x);
            let scale = candidate.amax().max(1.0);
            if last_step.is_some_and(|size| size <= CONVERGED_STEP * scale) {
                converged = true;
                break;
            }
            for (target, value) in rhs.iter_mut().zip(residual.iter()) {
                *target = -value;
            }
            if !solve(kkt, rhs, n, schur, step) {
                // Once Newton has landed, the residual is round-off and need not be consistent
                // with the (rank-deficient) system; the certificate below still checks it.
                if last_step.is_some_and(|size| size <= ROUND_OFF_STEP * scale) {
                    converged = true;
                    break;
                }
                return false;
            }
            let mut moved = 0.0f64;
            for (i, value) in candidate.iter_mut().enumerate() {
                *value += step[(i, 0)];
                moved = moved.max((*value - start[i]).abs());
            }
            for (k, row) in active.iter_mut().enumerate() {
                row.multiplier += step[(n + k, 0)];
            }
            if !candidate.iter().all(|v| v.is_finite()) || moved > MAX_RELATIVE_MOVE * scale {
                return false;
            }
            // Without a curved sliding row the system is linear and one step solves it: the
            // next pass only evaluates the residual for the certificate.
            last_step = Some(if linear { 0.0 } else { step.rows(0, n).amax() });
        }
        // Stationarity and the active equalities, at the point the last residual was taken.
        let residual_scale = MODE_TOLERANCE * (1.0 + candidate.amax());
        converged
            && residual.rows(0, n).amax() <= MODE_TOLERANCE * self.force_scale
            && residual.rows(n, m).amax() <= residual_scale
    }

    /// Every contact's conic slacks at x, contact after contact (`rows_per_contact` each).
    fn slacks_into(&self, x: &DVector<f64>, slacks: &mut [f64]) {
        for (i, s) in slacks.chunks_mut(self.rows_per_contact).enumerate() {
            let phi = self.problem.contacts[i].phi;
            for (r, value) in s.iter_mut().enumerate() {
                *value = self.pc[i].row(r).tr_dot(x) + self.projections[i][(r, 0)] * phi;
            }
        }
    }

    /// One active equality given the slacks at x ([`ModeSystem::slacks_into`]): writes its
    /// gradient in x into `gradient` and returns its value; a sliding row adds the cone
    /// surface's curvature `ν/‖s_t‖ (P C)_tᵀ (I − ŝŝᵀ) (P C)_t` to the Newton matrix's x
    /// block. `None` for a sliding contact that does not slip.
    fn equality(
        &self,
        row: &ActiveRow,
        slacks: &[f64],
        gradient: &mut DVector<f64>,
        kkt: &mut DMatrix<f64>,
    ) -> Option<f64> {
        let (i, nt, n) = (row.contact, self.problem.n_tangent, gradient.len());
        let pc = &self.pc[i];
        let s = &slacks[i * self.rows_per_contact..(i + 1) * self.rows_per_contact];
        match row.kind {
            RowKind::Linear { row: a } => {
                gradient.tr_copy_from(&pc.row(a));
                Some(s[a])
            }
            RowKind::Sliding => {
                let mut s_t = [0.0; 2];
                s_t[..nt].copy_from_slice(&s[1..1 + nt]);
                let slip = s_t.iter().map(|v| v * v).sum::<f64>().sqrt();
                if slip == 0.0 {
                    return None;
                }
                let direction = [s_t[0] / slip, s_t[1] / slip];
                // ∇g in s-space = (1, −ŝ_t), mapped through P C.
                for (c, entry) in gradient.iter_mut().enumerate() {
                    *entry = pc[(0, c)];
                    for (t, d) in direction.iter().take(nt).enumerate() {
                        *entry -= d * pc[(1 + t, c)];
                    }
                }
                if nt == 2 {
                    // I − ŝŝᵀ = d dᵀ with d ⊥ ŝ in the tangent plane: the curvature is the
                    // rank-one (ν/‖s_t‖) (P C)_tᵀ d dᵀ (P C)_t, over the contact's columns.
                    let weight = row.multiplier / slip;
                    let (d0, d1) = (-direction[1], direction[0]);
                    let mut block = kkt.view_mut((0, 0), (n, n));
                    for c in 0..n {
                        let vc = d0 * pc[(1, c)] + d1 * pc[(2, c)];
                        if vc == 0.0 {
                            continue;
                        }
                        for r in 0..n {
                            let vr = d0 * pc[(1, r)] + d1 * pc[(2, r)];
                            block[(r, c)] += weight * vr * vc;
                        }
                    }
                }
                Some(s[0] - slip)
            }
        }
    }

    /// The duals of the refined point (a sliding contact's z mirrors its slack), if every
    /// mode still holds there: multipliers in their cones, every contact's slack feasible.
    fn certified_duals(&self, scratch: &mut NewtonScratch, len: usize) -> bool {
        let (nt, rows_per_contact) = (self.problem.n_tangent, self.rows_per_contact);
        let NewtonScratch {
            active,
            candidate: x,
            refined,
            slack,
            ..
        } = scratch;
        refined.clear();
        refined.resize(len, 0.0);
        // One contact's slacks at a time, in storage of the cone's row count.
        resized(slack, rows_per_contact);
        let multiplier_tolerance = MODE_TOLERANCE * self.force_scale;
        for row in active.iter() {
            let base = row.contact * rows_per_contact;
            match row.kind {
                RowKind::Linear { row: a } => refined[base + a] = row.multiplier,
                RowKind::Sliding => {
                    if row.multiplier < -multiplier_tolerance {
                        return false;
                    }
                    self.slack_into(row.contact, x, slack);
                    let slip = slack.rows(1, nt).norm();
                    refined[base] = row.multiplier;
                    for t in 0..nt {
                        refined[base + 1 + t] = -row.multiplier * slack[1 + t] / slip;
                    }
                }
            }
        }
        let slack_tolerance = MODE_TOLERANCE * (1.0 + x.amax());
        for i in 0..self.problem.contacts.len() {
            let z = &refined[i * rows_per_contact..(i + 1) * rows_per_contact];
            self.slack_into(i, x, slack);
            let violated = self
                .cone
                .violated(z, slack, (multiplier_tolerance, slack_tolerance));
            if violated {
                return false;
            }
        }
        true
    }
}

/// Solves the Newton system `[Q_eff −Gᵀ; G 0] [dx; dm] = [t; c]` (Q_eff is its leading n × n
/// block), least-norm in the multipliers when active rows are redundant: through the Schur
/// complement ([`super::kkt`]) when Q_eff is positive definite, else by an SVD of the whole
/// system (quasi-static scenes). `None` when the system is inconsistent.
fn solve(
    kkt: &DMatrix<f64>,
    rhs: &DMatrix<f64>,
    n: usize,
    scratch: &mut SchurScratch,
    solution: &mut DMatrix<f64>,
) -> bool {
    let size = kkt.nrows();
    if size == 0 {
        *solution = DMatrix::zeros(0, 1);
        return true;
    }
    if !super::kkt::schur_solve_into(kkt, rhs, n, scratch, solution) {
        // Q_eff not positive definite: an SVD of the whole system (allocates).
        let Some(svd) = super::bounded_svd(kkt.clone()) else {
            return false;
        };
        let cutoff = 1e-12 * svd.singular_values.max();
        let Ok(answer) = svd.solve(rhs, cutoff) else {
            return false;
        };
        *solution = answer;
    }
    // Consistent: the step leaves a residual at round-off relative to the system, or at
    // least removes almost all of the right-hand side (which is itself at round-off once
    // Newton has converged).
    let mut error = 0.0f64;
    for r in 0..size {
        let row: f64 = (0..size).map(|c| kkt[(r, c)] * solution[(c, 0)]).sum();
        error = error.max((row - rhs[(r, 0)]).abs());
    }
    // The largest entry of the KKT matrix is in its first n columns: the last m hold −Gᵀ
    // above a zero block.
    let kkt_scale = kkt.columns(0, n).amax();
    error <= 1e-9 * (rhs.amax() + kkt_scale * solution.amax()) || error <= 1e-3 * rhs.amax()
}
