//! The exact forms without a general-purpose solver: barrier continuation, then the active-set
//! refinement, certified (issue 21).
//!
//! The log-barrier program at weight 1/κ ([`super::barrier`]) has the exact program's answer
//! as its limit κ → ∞, approached along the central path: a contact that ends up separated
//! keeps a gap s and an impulse ~1/(κ s), one that ends up active keeps its impulse and a
//! gap ~1/(κ λ). So how each gap and impulse moves as κ grows tells the contact's mode
//! without thresholds on their values: what would shrink tenfold over a decade of κ is heading
//! to zero. The solver reads it first from one answer and the central path's direction there
//! ([`barrier::central_path_tangent`]; each quantity's log-rate), and with the modes fixed the
//! exact answer is the root of a small smooth system, which `polish::refine_on_modes` finds
//! from the barrier's point and certifies by the full optimality conditions (stationarity,
//! primal and dual cone feasibility, complementarity by construction). When it declines (a
//! weakly active contact whose modes have not settled at this κ), a second answer at 10 κ is
//! computed and the modes read from the actual decay between the two, a decade further each
//! time, up to `DECADES` times; then the caller falls back to Clarabel.
//!
//! Duals in Clarabel's convention, so the rest of the exact path (impulses, modes, the
//! active-set derivatives) reads them unchanged: for a Lorentz contact
//! `z = (w₀, w_t / μ)` with `w = ∇B/κ` the barrier's impulse; for a pyramid `z_j = 1/(κ s_j)`.

use super::barrier;
use super::polish::{ModeStorage, ModeSystem, refine_on_modes};
use super::primal_dual;
use super::{Solution, SolvePath, SolveStatus};
use crate::cone::{
    Cone, ConeKind, ContactMode, KeptCone, ModeReading, contact_y, read_modes, read_modes_into,
};
use crate::error::DynamicsError;
use crate::problem::StepProblem;
use nalgebra::{DMatrix, DVector};

/// The first barrier answer's κ times the step's force scale `max(h, ‖b‖∞)` (N s); a
/// second, when one is needed, is at ten times it. Large enough that every contact is in the asymptotic regime of
/// the central path (the gaps of separated contacts ≫ 1/(κ λ)), small enough for few Newton
/// iterations. Chosen over the built-in scenes (`examples/own_exact.rs`): 1e5 and 1e6 left
/// up to two thirds of bimanual-planar's steps uncertified, 1e7 all but ~1 in 100.
const KAPPA_FORCE: f64 = 1e7;

/// The continuation's first κ, times the force scale, and its growth per stage, chosen on
/// the built-in scenes (`examples/own_exact.rs`, `tests/own_exact.rs`). A low start keeps the
/// first stage's damped Newton phase short from a deep penetration (from 1e3, most perturbed
/// Allegro states were still unsolved after 80 iterations); hundredfold stages took the
/// fewest Newton iterations in total (Allegro: 43 against 48 with thirtyfold and 57 from a
/// start of 10) with the same share of certified steps.
const KAPPA_START_FORCE: f64 = 100.0;
const KAPPA_GROWTH: f64 = 100.0;

/// How well the barrier answers are centred ([`barrier::Schedule`]): stages before the last end
/// once κ times the Newton decrement is 0.5, the answers the modes are read from once it is
/// 1e-2 — not at round-off: the certified refinement makes the answer exact, the answers
/// only have to tell the modes. Chosen on the built-in scenes (`examples/own_exact.rs`,
/// `tests/own_exact.rs`; with a second answer at 10 κ for every step, as then): Newton
/// iterations fell from 32 to 18 on the planar hand and from 43 to 28 on the Allegro hand
/// (SOCP) with the same 383 of 420 test steps certified; 2 and 0.1 took a few iterations
/// fewer but certified 381.
const INTERMEDIATE_CENTRING: f64 = 0.5;
const FINAL_CENTRING: f64 = 1e-2;

/// Newton iterations allowed from a nearby step's interior point ([`solve`]'s `start`) before
/// the cold continuation takes over. From the nominal step of a batch, the first barrier
/// answer takes ~5-10 iterations on the planar scenes and ~12-22 on the 3-D scenes' pyramids
/// (`examples/own_exact.rs`, "warm").
const WARM_ITERATIONS: u32 = 25;

/// Whether [`solve`] uses its `start`: not for Lorentz cones in 3-D, where Newton's method
/// from a nearby step's interior point at the first κ stalls (a sample's impulses turn on
/// the cone's curved surface, where the barrier at that κ allows only short steps): on the
/// Allegro hand and the two iiwa arms it ran out of WARM_ITERATIONS on most samples, 47–52
/// iterations in all against 19–23 cold (`examples/own_exact.rs`). The box on the table
/// would gain (8 against 20); a finer rule is left for later.
fn starts_warm(cone: &Cone) -> bool {
    !matches!(cone, Cone::Lorentz(_) if cone.rows_per_contact() > 2)
}

/// How much a quantity heading to zero shrinks over a decade of κ (ideally tenfold); above
/// this ratio it is taken to stay.
const DECAYING: f64 = 0.3;

/// The exact program (SOCP for `ConeKind::Lorentz`, QP for pyramids) by barrier continuation
/// and the certified refinement; `h` is the step's time step (s). `Ok(None)` when the
/// refinement declines (the caller falls back to Clarabel); errors from the barrier solves.
///
/// `start`, when given and strictly feasible, is where the first barrier answer's Newton
/// iterations start, directly at its κ (no phase-1 start, no continuation): the
/// [`Solution::interior`] of a nearby step — the nominal step of a batch of randomized
/// samples, which differ from it in u only and so share its constraints — saves most of the
/// iterations. The certified answer does not depend on it (to round-off).
pub fn solve(
    problem: &StepProblem,
    kind: ConeKind,
    h: f64,
    keep_modes: bool,
    start: Option<&DVector<f64>>,
) -> Result<Option<Solution>, DynamicsError> {
    let mut out = Solution::empty();
    let certified = solve_into(
        problem,
        kind,
        h,
        (keep_modes, start),
        &mut ExactWorkspace::default(),
        &mut out,
    )?;
    Ok(certified.then_some(out))
}

/// The own exact solver's storage, kept between steps (a [`crate::StepWorkspace`] holds one):
/// the primal–dual iterations' vectors and matrices, and the refinement's. The primal–dual
/// path then allocates nothing once sized; the barrier continuation (its fallback) still
/// allocates.
#[derive(Debug, Default)]
pub struct ExactWorkspace {
    /// The cone of the last solve, with what it was built for.
    cone: KeptCone,
    primal_dual: primal_dual::PrimalDualWorkspace,
    modes: ModeStorage,
    /// The modes read off the primal–dual answer.
    reading: ModeReading,
}

/// [`solve`] into `out` with kept storage; true when the answer was certified (`out` then
/// holds it), false when the caller should fall back to Clarabel.
///
/// # Errors
/// As [`solve`].
pub fn solve_into(
    problem: &StepProblem,
    kind: ConeKind,
    h: f64,
    (keep_modes, start): (bool, Option<&DVector<f64>>),
    work: &mut ExactWorkspace,
    out: &mut Solution,
) -> Result<bool, DynamicsError> {
    let ExactWorkspace {
        cone,
        primal_dual,
        modes,
        reading,
    } = work;
    let cone = cone.get(kind, problem.n_tangent);
    // From `start` directly at κ, given up after WARM_ITERATIONS for the cold continuation.
    // A guess that is not strictly inside every contact's barrier domain would be ignored
    // by the continuation; it leaves the primal–dual path first.
    let start = start.filter(|x| {
        starts_warm(cone)
            && x.len() == problem.var_to_v.len()
            && problem.contacts.iter().enumerate().all(|(i, contact)| {
                cone.barrier_value(&contact_y(problem, i, x), contact.mu)
                    .is_some()
            })
    });
    // Without a start: the primal–dual iterations first, the continuation as their fallback.
    if start.is_none() {
        let path = (kind, h, keep_modes);
        if primal_dual_answer(problem, cone, path, (primal_dual, modes, reading), out) {
            return Ok(true);
        }
    }
    match continuation_answer(problem, cone, kind, h, (keep_modes, start))? {
        Some(solution) => {
            *out = solution;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The barrier continuation and the certified refinement (module docs); `None` when the
/// refinement declines.
fn continuation_answer(
    problem: &StepProblem,
    cone: &Cone,
    kind: ConeKind,
    h: f64,
    (keep_modes, start): (bool, Option<&DVector<f64>>),
) -> Result<Option<Solution>, DynamicsError> {
    let force_scale = problem.b.amax().max(h);
    let mut kappa = KAPPA_FORCE / force_scale;
    let schedule = barrier::Schedule {
        start: KAPPA_START_FORCE / force_scale,
        growth: KAPPA_GROWTH,
        warm_iterations: WARM_ITERATIONS,
        intermediate_centring: INTERMEDIATE_CENTRING,
        final_centring: FINAL_CENTRING,
        // Newton's iterations alone: these stages end on a centring threshold, not at
        // round-off, so the primal–dual ones would change the interior point the modes are
        // read from. Measured: the randomized box-on-table plan (seeds 1–16) ended within
        // 1 cm 16 times with them off, 13 with them on.
        primal_dual: false,
    };
    let mut first = barrier::solve_scheduled(problem, kind, kappa, false, start, schedule)?;
    let mut iterations = first.iterations;
    if first.status != SolveStatus::Solved && start.is_some() {
        first = barrier::solve_scheduled(problem, kind, kappa, false, None, schedule)?;
        iterations += first.iterations;
    }
    if first.status != SolveStatus::Solved {
        return Ok(None);
    }
    let mut storage = ModeStorage::default();
    let system = ModeSystem::new(problem, cone, h, &mut storage);
    let projections = system.projections;
    let interior = first.x.clone();
    // The refinement from (x, duals) on `modes`; the certified answer when it passes.
    let refined =
        |(mut x, mut duals): (DVector<f64>, Vec<f64>), modes: &[ContactMode], iterations: u32| {
            if !refine_on_modes(&system, (&mut x, &mut duals), modes) {
                return None;
            }
            let modes = keep_modes.then(|| read_modes(problem, cone, h, (&x, &duals), projections));
            let mut solution = certified_solution(problem, cone, (x, duals), iterations, modes);
            solution.interior = Some(interior.clone());
            Some(solution)
        };
    let mut early = (
        barrier_duals(problem, cone, projections, &first.x, kappa),
        first.x,
    );
    // First from the one answer and the central path's direction there: what each gap and
    // impulse will do over the next decade, at the cost of one factor of the Hessian (the
    // second answer costs ~5 Newton iterations).
    if let Some(tangent) = barrier::central_path_tangent(problem, kind, kappa, &early.1) {
        let now = PathReading::at(problem, cone, projections, (&early.1, &early.0));
        let next = now.decade_later(problem, cone, projections, &early.1, &tangent);
        let modes = modes_from_decay(cone, &now, &next);
        if let Some(solution) = refined((early.1.clone(), early.0.clone()), &modes, iterations) {
            return Ok(Some(solution));
        }
    }
    // A weakly active contact (tiny impulse) decays like a separated one until κ passes
    // 1/(its impulse × its gap scale): when the refinement declines, one more decade of κ
    // usually settles it.
    for _ in 0..DECADES {
        let late =
            barrier::solve_scheduled(problem, kind, 10.0 * kappa, false, Some(&early.1), schedule)?;
        iterations += late.iterations;
        if late.status != SolveStatus::Solved {
            return Ok(None);
        }
        let late_duals = barrier_duals(problem, cone, projections, &late.x, 10.0 * kappa);
        let modes = modes_from_decay(
            cone,
            &PathReading::at(problem, cone, projections, (&early.1, &early.0)),
            &PathReading::at(problem, cone, projections, (&late.x, &late_duals)),
        );
        if let Some(solution) = refined((late.x.clone(), late_duals.clone()), &modes, iterations) {
            return Ok(Some(solution));
        }
        kappa *= 10.0;
        early = (late_duals, late.x);
    }
    Ok(None)
}

/// The own exact answer by the primal–dual iterations ([`primal_dual::solve`]): the modes
/// read off their answer by the rules Clarabel's answers are read with, then the certified
/// refinement. `None` when the iterations fail or the refinement declines. It keeps no
/// interior point ([`Solution::interior`]): its iterates are not centred, and the barrier
/// continuation from one took as many Newton iterations as from its own start.
fn primal_dual_answer(
    problem: &StepProblem,
    cone: &Cone,
    (kind, h, keep_modes): (ConeKind, f64, bool),
    (primal_dual, storage, reading): (
        &mut primal_dual::PrimalDualWorkspace,
        &mut ModeStorage,
        &mut ModeReading,
    ),
    out: &mut Solution,
) -> bool {
    let Some(iterations) = primal_dual::solve_in(problem, kind, primal_dual) else {
        return false;
    };
    let (x, z) = primal_dual.answer();
    if out.x.len() != x.len() {
        out.x = DVector::zeros(x.len());
    }
    out.x.copy_from(x);
    out.duals.clear();
    out.duals.extend_from_slice(z);
    let system = ModeSystem::new(problem, cone, h, storage);
    let projections = system.projections;
    read_modes_into(problem, cone, h, (&out.x, &out.duals), projections, reading);
    if !refine_on_modes(&system, (&mut out.x, &mut out.duals), &reading.modes) {
        return false;
    }
    if keep_modes {
        let kept = out.modes.get_or_insert_with(ModeReading::default);
        read_modes_into(problem, cone, h, (&out.x, &out.duals), projections, kept);
    } else {
        out.modes = None;
    }
    write_certified(problem, cone, iterations, out);
    true
}

/// Barrier answers tried after the first (each at ten times the last κ) before giving up.
const DECADES: usize = 3;

/// The certified answer as a [`Solution`] of the exact path: impulses from the duals, and the
/// modes read at it when asked for (for the derivatives).
fn certified_solution(
    problem: &StepProblem,
    cone: &Cone,
    (x, duals): (DVector<f64>, Vec<f64>),
    iterations: u32,
    modes: Option<ModeReading>,
) -> Solution {
    let mut solution = Solution {
        x,
        duals,
        modes,
        ..Solution::empty()
    };
    write_certified(problem, cone, iterations, &mut solution);
    solution
}

/// Completes `out`, whose x, duals and modes hold a certified answer, as the exact path's
/// [`Solution`]: impulses from the duals (entries overwritten in place), status and path.
fn write_certified(problem: &StepProblem, cone: &Cone, iterations: u32, out: &mut Solution) {
    let rows_per_contact = cone.rows_per_contact();
    crate::reuse::resize_pooled(
        &mut out.impulses,
        problem.contacts.len(),
        &mut Vec::new(),
        Default::default,
    );
    for (i, (contact, impulse)) in problem.contacts.iter().zip(&mut out.impulses).enumerate() {
        let z = &out.duals[i * rows_per_contact..(i + 1) * rows_per_contact];
        cone.impulse_into(z, contact.mu, impulse);
    }
    out.status = SolveStatus::Solved;
    out.iterations = iterations;
    out.polished = true;
    out.barrier = None;
    out.path = SolvePath::OwnExact;
    out.interior = None;
}

/// The barrier answer's duals in Clarabel's convention (module docs), at program weight κ.
fn barrier_duals(
    problem: &StepProblem,
    cone: &Cone,
    projections: &[DMatrix<f64>],
    x: &DVector<f64>,
    kappa: f64,
) -> Vec<f64> {
    let rows_per_contact = cone.rows_per_contact();
    let mut duals = vec![0.0; rows_per_contact * problem.contacts.len()];
    for (i, contact) in problem.contacts.iter().enumerate() {
        let y = contact_y(problem, i, x);
        let z = &mut duals[i * rows_per_contact..(i + 1) * rows_per_contact];
        match cone {
            Cone::Lorentz(_) => {
                let (w, _) = cone.barrier_derivatives(&y, contact.mu);
                z[0] = w[0] / kappa;
                for t in 1..rows_per_contact {
                    z[t] = if contact.mu > 0.0 {
                        w[t] / (kappa * contact.mu)
                    } else {
                        0.0
                    };
                }
            }
            Cone::Pyramid(_) => {
                let p = &projections[i];
                for (j, zj) in z.iter_mut().enumerate() {
                    let s: f64 = (0..p.ncols()).map(|a| p[(j, a)] * y[a]).sum();
                    *zj = 1.0 / (kappa * s);
                }
            }
        }
    }
    duals
}

/// What the mode rules compare between two points of the central path: every conic row's
/// dual (Clarabel's convention) and, per contact, the norm of its tangential slacks (Lorentz
/// contacts; 0 for pyramids).
struct PathReading {
    duals: Vec<f64>,
    slips: Vec<f64>,
}

impl PathReading {
    /// The reading of the answer `(x, duals)`.
    fn at(
        problem: &StepProblem,
        cone: &Cone,
        projections: &[DMatrix<f64>],
        (x, duals): (&DVector<f64>, &[f64]),
    ) -> Self {
        let slips = (0..problem.contacts.len())
            .map(|i| match cone {
                Cone::Lorentz(_) => {
                    let slacks = conic_slacks(&projections[i], &contact_y(problem, i, x));
                    slacks[1..].iter().map(|s| s * s).sum::<f64>().sqrt()
                }
                Cone::Pyramid(_) => 0.0,
            })
            .collect();
        PathReading {
            duals: duals.to_vec(),
            slips,
        }
    }

    /// The reading a decade of κ later, predicted from this one (at x) and the
    /// central path's direction `dx / d(log κ)`: each quantity v moves as v · 10^r with
    /// r = (dv / d log κ) / v its log-rate — −1 for what heads to zero, 0 for what stays.
    /// Exponential rather than linear, so that gaps heading to zero stay positive.
    fn decade_later(
        &self,
        problem: &StepProblem,
        cone: &Cone,
        projections: &[DMatrix<f64>],
        x: &DVector<f64>,
        tangent: &DVector<f64>,
    ) -> Self {
        let rows_per_contact = cone.rows_per_contact();
        let grown = |value: f64, rate: f64| value * 10f64.powf(rate);
        let mut next = PathReading {
            duals: self.duals.clone(),
            slips: self.slips.clone(),
        };
        for (i, contact) in problem.contacts.iter().enumerate() {
            let y = contact_y(problem, i, x);
            // y = C x + e moves along C t.
            let mut dy = contact_y(problem, i, tangent);
            dy[0] -= contact.phi;
            let (slacks, dslacks) = (
                conic_slacks(&projections[i], &y),
                conic_slacks(&projections[i], &dy),
            );
            let z = &mut next.duals[i * rows_per_contact..(i + 1) * rows_per_contact];
            match cone {
                Cone::Lorentz(_) => {
                    // w = ∇B(y)/κ: dw / d log κ = ∇²B(y) dy / κ − w.
                    let (gradient, hessian) = cone.barrier_derivatives(&y, contact.mu);
                    let rate = (hessian * dy)[0] / gradient[0] - 1.0;
                    z[0] = grown(z[0], rate);
                    let slip = self.slips[i];
                    if slip > 0.0 {
                        let dslip = slacks[1..]
                            .iter()
                            .zip(&dslacks[1..])
                            .map(|(s, ds)| s * ds)
                            .sum::<f64>()
                            / slip;
                        next.slips[i] = grown(slip, dslip / slip);
                    }
                }
                Cone::Pyramid(_) => {
                    // z_j = 1 / (κ s_j): d log z_j / d log κ = −1 − (ds_j / d log κ) / s_j.
                    for (j, zj) in z.iter_mut().enumerate() {
                        *zj = grown(*zj, -1.0 - dslacks[j] / slacks[j]);
                    }
                }
            }
        }
        next
    }
}

/// The conic slacks `s = P y` of a contact with row map P.
fn conic_slacks(p: &DMatrix<f64>, y: &nalgebra::Vector3<f64>) -> Vec<f64> {
    (0..p.nrows())
        .map(|j| (0..p.ncols()).map(|a| p[(j, a)] * y[a]).sum())
        .collect()
}

/// Each contact's mode from the readings at κ and 10 κ: a pyramid ray is active when its dual
/// does not decay; a Lorentz contact is separated when its normal dual decays, else sticking
/// when its tangential slack decays (or is zero) and sliding when it stays.
fn modes_from_decay(cone: &Cone, early: &PathReading, late: &PathReading) -> Vec<ContactMode> {
    let rows_per_contact = cone.rows_per_contact();
    let stays = |late: f64, early: f64| late > DECAYING * early;
    (0..early.slips.len())
        .map(|i| {
            let range = i * rows_per_contact..(i + 1) * rows_per_contact;
            let (z_early, z_late) = (&early.duals[range.clone()], &late.duals[range]);
            match cone {
                Cone::Pyramid(_) => {
                    let rows: Vec<usize> = (0..rows_per_contact)
                        .filter(|&j| stays(z_late[j], z_early[j]))
                        .collect();
                    if rows.is_empty() {
                        ContactMode::Separated
                    } else {
                        ContactMode::Rows(rows)
                    }
                }
                Cone::Lorentz(_) => {
                    if !stays(z_late[0], z_early[0]) {
                        ContactMode::Separated
                    } else if late.slips[i] == 0.0 || !stays(late.slips[i], early.slips[i]) {
                        ContactMode::Rows((0..rows_per_contact).collect())
                    } else {
                        ContactMode::Sliding
                    }
                }
            }
        })
        .collect()
}
