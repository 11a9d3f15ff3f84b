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

use crate::cone::{Cone, ContactMode, conic_row_maps_into, read_modes};
use crate::pool::resize_pooled;
use crate::problem::StepProblem;
use nalgebra::{DMatrix, DVector};

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
    let mut active = Vec::new();
    for (i, mode) in modes.iter().enumerate() {
        let z = &duals[i * system.rows_per_contact..(i + 1) * system.rows_per_contact];
        match mode {
            ContactMode::Separated => {}
            ContactMode::Rows(rows) => active.extend(rows.iter().map(|&a| ActiveRow {
                contact: i,
                kind: RowKind::Linear { row: a },
                multiplier: z[a],
            })),
            ContactMode::Sliding => active.push(ActiveRow {
                contact: i,
                kind: RowKind::Sliding,
                multiplier: z[0],
            }),
        }
    }
    let Some(candidate) = system.newton(x, &mut active) else {
        return false;
    };
    let Some(refined) = system.certified_duals(&candidate, &active, duals.len()) else {
        return false;
    };
    *x = candidate;
    duals.copy_from_slice(&refined);
    true
}

/// The storage of a [`ModeSystem`]'s matrices, kept between steps.
#[derive(Debug, Clone, Default)]
pub(crate) struct ModeStorage {
    projections: Vec<DMatrix<f64>>,
    pc: Vec<DMatrix<f64>>,
    /// Matrices a step with fewer contacts did not need.
    spare: Vec<DMatrix<f64>>,
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
        }
    }

    /// The conic slacks of contact `i` at x.
    fn slack(&self, i: usize, x: &DVector<f64>) -> DVector<f64> {
        let mut s = &self.pc[i] * x;
        for r in 0..self.rows_per_contact {
            s[r] += self.projections[i][(r, 0)] * self.problem.contacts[i].phi;
        }
        s
    }

    /// Newton's method on stationarity and the active equalities from `start`, updating the
    /// rows' multipliers. Returns the point once the steps reach round-off and the residuals
    /// are within [`MODE_TOLERANCE`]; `None` when the system cannot be solved consistently, a
    /// sliding contact stops slipping, or the point runs away.
    fn newton(&self, start: &DVector<f64>, active: &mut [ActiveRow]) -> Option<DVector<f64>> {
        let (problem, nt) = (self.problem, self.problem.n_tangent);
        let n = start.len();
        let m = active.len();
        // The only nonlinear equality is a sliding contact's `s₀ = ‖s_t‖` with a 2-D tangent
        // (with one tangent direction it is linear while the slip keeps its sign).
        let linear = nt == 1 || active.iter().all(|row| row.kind != RowKind::Sliding);
        let mut candidate = start.clone();
        let mut kkt = DMatrix::zeros(n + m, n + m);
        let mut residual = DVector::zeros(n + m);
        // Every contact's conic slacks at the candidate, and one equality's gradient: reused
        // by every row and pass instead of allocated per row.
        let mut slacks = vec![0.0; problem.contacts.len() * self.rows_per_contact];
        let mut gradient = DVector::zeros(n);
        let mut converged = false;
        // The last Newton step's size in x (∞-norm), once one was taken.
        let mut last_step: Option<f64> = None;
        for _ in 0..=MAX_NEWTON_STEPS {
            // Residual and Jacobian at `candidate`.
            // Every entry but the zero m × m block is rewritten here: Q (plus sliding rows'
            // curvature) in the leading block, the rows' gradients in the borders.
            kkt.view_mut((0, 0), (n, n)).copy_from(&problem.q_matrix);
            let mut r_x = &problem.q_matrix * &candidate + &problem.b;
            self.slacks_into(&candidate, &mut slacks);
            for (k, row) in active.iter().enumerate() {
                let value = self.equality(row, &slacks, &mut gradient, &mut kkt)?;
                r_x.axpy(-row.multiplier, &gradient, 1.0);
                for c in 0..n {
                    kkt[(n + k, c)] = gradient[c];
                    kkt[(c, n + k)] = -gradient[c];
                }
                residual[n + k] = value;
            }
            residual.rows_mut(0, n).copy_from(&r_x);
            let scale = candidate.amax().max(1.0);
            if last_step.is_some_and(|size| size <= CONVERGED_STEP * scale) {
                converged = true;
                break;
            }
            let Some(step) = solve(&kkt, &(-&residual), n) else {
                // Once Newton has landed, the residual is round-off and need not be consistent
                // with the (rank-deficient) system; the certificate below still checks it.
                if last_step.is_some_and(|size| size <= ROUND_OFF_STEP * scale) {
                    converged = true;
                    break;
                }
                return None;
            };
            candidate += step.rows(0, n);
            for (k, row) in active.iter_mut().enumerate() {
                row.multiplier += step[n + k];
            }
            if !candidate.iter().all(|v| v.is_finite())
                || (&candidate - start).amax() > MAX_RELATIVE_MOVE * scale
            {
                return None;
            }
            // Without a curved sliding row the system is linear and one step solves it: the
            // next pass only evaluates the residual for the certificate.
            last_step = Some(if linear { 0.0 } else { step.rows(0, n).amax() });
        }
        // Stationarity and the active equalities, at the point the last residual was taken.
        let residual_scale = MODE_TOLERANCE * (1.0 + candidate.amax());
        let rejected = !converged
            || residual.rows(0, n).amax() > MODE_TOLERANCE * self.force_scale
            || residual.rows(n, m).amax() > residual_scale;
        (!rejected).then_some(candidate)
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
                gradient.tr_copy_from(&pc.row(0));
                for (t, d) in direction.iter().take(nt).enumerate() {
                    gradient.axpy(-d, &pc.row(1 + t).transpose(), 1.0);
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
    fn certified_duals(
        &self,
        x: &DVector<f64>,
        active: &[ActiveRow],
        len: usize,
    ) -> Option<Vec<f64>> {
        let (nt, rows_per_contact) = (self.problem.n_tangent, self.rows_per_contact);
        let mut refined = vec![0.0; len];
        let multiplier_tolerance = MODE_TOLERANCE * self.force_scale;
        for row in active {
            let base = row.contact * rows_per_contact;
            match row.kind {
                RowKind::Linear { row: a } => refined[base + a] = row.multiplier,
                RowKind::Sliding => {
                    if row.multiplier < -multiplier_tolerance {
                        return None;
                    }
                    let s = self.slack(row.contact, x);
                    let s_t = s.rows(1, nt);
                    let slip = s_t.norm();
                    refined[base] = row.multiplier;
                    for t in 0..nt {
                        refined[base + 1 + t] = -row.multiplier * s_t[t] / slip;
                    }
                }
            }
        }
        let slack_tolerance = MODE_TOLERANCE * (1.0 + x.amax());
        for i in 0..self.problem.contacts.len() {
            let z = &refined[i * rows_per_contact..(i + 1) * rows_per_contact];
            let s = self.slack(i, x);
            let violated = self
                .cone
                .violated(z, &s, (multiplier_tolerance, slack_tolerance));
            if violated {
                return None;
            }
        }
        Some(refined)
    }
}

/// Solves the Newton system `[Q_eff −Gᵀ; G 0] [dx; dm] = [t; c]` (Q_eff is its leading n × n
/// block), least-norm in the multipliers when active rows are redundant: through the Schur
/// complement ([`super::kkt`]) when Q_eff is positive definite, else by an SVD of the whole
/// system (quasi-static scenes). `None` when the system is inconsistent.
fn solve(kkt: &DMatrix<f64>, rhs: &DVector<f64>, n: usize) -> Option<DVector<f64>> {
    let size = kkt.nrows();
    if size == 0 {
        return Some(DVector::zeros(0));
    }
    let as_matrix = DMatrix::from_column_slice(size, 1, rhs.as_slice());
    let solution = match super::kkt::schur_solve(kkt, &as_matrix, n) {
        Some(solution) => solution.column(0).into_owned(),
        None => {
            let svd = super::bounded_svd(kkt.clone())?;
            let cutoff = 1e-12 * svd.singular_values.max();
            svd.solve(rhs, cutoff).ok()?
        }
    };
    // Consistent: the step leaves a residual at round-off relative to the system, or at
    // least removes almost all of the right-hand side (which is itself at round-off once
    // Newton has converged).
    let error = (kkt * &solution - rhs).amax();
    // The largest entry of the KKT matrix is in its first n columns: the last m hold −Gᵀ
    // above a zero block.
    let kkt_scale = kkt.columns(0, n).amax();
    let consistent =
        error <= 1e-9 * (rhs.amax() + kkt_scale * solution.amax()) || error <= 1e-3 * rhs.amax();
    consistent.then_some(solution)
}
