//! Exact derivatives of the step (docs/dynamics.md, "Derivatives"): B = ∂q⁺/∂u and A = ∂q⁺/∂q.
//!
//! Both are computed on the free variables x of the step's program (implicit function theorem
//! for the barrier forms, active-set KKT sensitivity for the exact forms), spread to δv, and
//! carried through q⁺ = q ⊕ δv by the chain rule ([`coordinates`]). How the program depends on q
//! is in `problem_rates`.

pub(crate) mod active_set;
pub(crate) mod barrier_ift;
pub mod coordinates;
pub(crate) mod problem_rates;

use crate::error::DynamicsError;
use crate::problem::StepProblem;
use crate::reuse::zeroed;
use crate::settings::{ForwardMode, GradientMode, StepSettings};
use crate::solver::{Solution, SolveStatus};
use nalgebra::DMatrix;
use problem_rates::ProblemRates;
use qd_geometry::ContactQuery;
use qd_geometry::scene::Scene;

/// How trustworthy a derivative is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SensitivityReport {
    /// Contacts whose constraint is active (exact forms) or that are in the program (barrier).
    pub active_contacts: usize,
    /// Some contact is close to changing mode (exact forms): the derivative is then one of
    /// the one-sided limits, and finite differences across the switch disagree with it.
    pub near_mode_switch: bool,
    /// Set when the derivative should not be used, with the reason (a degenerate or
    /// inconsistent active-set system, a step that did not converge).
    pub unreliable: Option<String>,
}

/// The derivatives of one step.
#[derive(Debug, Clone)]
pub struct StepGradients {
    /// B in velocity (tangent) coordinates: n_v × n_a. Row blocks of free bodies are the
    /// world-frame translation and rotation of q⁺ (see [`coordinates`]).
    pub b_v: DMatrix<f64>,
    /// A in velocity (tangent) coordinates: n_v × n_v (gradient mode `Ab` only).
    pub a_v: Option<DMatrix<f64>>,
    /// B = ∂q⁺/∂u in configuration coordinates: n_q × n_a.
    pub b_q: DMatrix<f64>,
    /// A = ∂q⁺/∂q in configuration coordinates: n_q × n_q (gradient mode `Ab` only); for free
    /// bodies this is the derivative of the step with q's quaternions normalised first.
    pub a_q: Option<DMatrix<f64>>,
    /// Reliability.
    pub report: SensitivityReport,
}

/// Storage of the derivatives, kept between steps (a [`crate::StepWorkspace`] holds one): the
/// sensitivities on the program's variables, the coordinate maps, and the triangular solves'
/// scratch.
#[derive(Debug, Clone, Default)]
pub(crate) struct DerivativeWork {
    dx_du: DMatrix<f64>,
    dx_dq: DMatrix<f64>,
    /// N(q⁺) (n_q × n_v), N⁺(q) (n_v × n_q) and A_v N⁺(q) (n_v × n_q).
    n_next: DMatrix<f64>,
    n_plus: DMatrix<f64>,
    a_times_n_plus: DMatrix<f64>,
    solve_scratch: Vec<f64>,
    active_set: active_set::ActiveSetWork,
}

/// Computes the step's derivatives after a solve into `out` (its matrices overwritten in
/// place when their shapes match: a barrier step's derivatives then allocate nothing).
/// `query` is used as scratch (its poses are left at a perturbed configuration).
#[allow(clippy::too_many_arguments)]
pub(crate) fn compute_into(
    scene: &Scene,
    settings: &StepSettings,
    query: &mut ContactQuery,
    problem: &StepProblem,
    (rates, work): (&mut ProblemRates, &mut DerivativeWork),
    solution: &Solution,
    (q, dv, q_next): (&[f64], &[f64], &[f64]),
    out: &mut Option<StepGradients>,
) -> Result<(), DynamicsError> {
    let _span = tracing::debug_span!("step_gradients").entered();
    let p = settings;
    let tree = scene.tree();
    let with_a = p.gradient_mode == GradientMode::Ab;
    let n = problem.var_to_v.len();
    let (n_v, n_a) = (tree.nv(), scene.split().actuated.len());
    let x = &solution.x;
    if with_a {
        rates.compute(scene, settings, query, problem, q, x)?;
    }
    let DerivativeWork {
        dx_du,
        dx_dq,
        n_next,
        n_plus,
        a_times_n_plus,
        solve_scratch,
        active_set: active_set_work,
    } = work;
    zeroed(dx_du, n, n_a);
    zeroed(dx_dq, n, n_v);
    let mut report = SensitivityReport {
        active_contacts: problem.contacts.len(),
        ..SensitivityReport::default()
    };
    match p.forward_mode {
        ForwardMode::LogBarrierCone | ForwardMode::LogBarrierPyramid => {
            let data = solution
                .barrier
                .as_ref()
                .ok_or_else(|| DynamicsError::SolverFailed {
                    mode: "barrier",
                    status: "no Hessian kept for the derivatives".into(),
                })?;
            if data.singular {
                report.unreliable = Some(
                    "the barrier Hessian is singular: some direction of δv is undetermined".into(),
                );
            }
            let stiffness = &scene.split().stiffness;
            barrier_ift::input_sensitivity(problem, stiffness, p.h, data, dx_du, solve_scratch);
            if with_a {
                barrier_ift::configuration_sensitivity(problem, rates, data, dx_dq, solve_scratch);
            }
        }
        ForwardMode::Socp | ForwardMode::Qp => {
            let kind = crate::cone::ConeKind::of_mode(p.forward_mode, p.nd);
            let outcome = active_set::sensitivities_in(
                problem,
                (kind, &scene.split().stiffness, p.h),
                (x, &solution.duals, solution.modes.as_ref()),
                with_a.then_some(&*rates),
                active_set_work,
                (dx_du, dx_dq),
            );
            report.active_contacts = outcome.active_contacts;
            report.near_mode_switch = outcome.near_mode_switch;
            report.unreliable = outcome.unreliable;
        }
    }
    if solution.status != SolveStatus::Solved && report.unreliable.is_none() {
        report.unreliable = Some(format!(
            "the step ended with status {}",
            solution.status.name()
        ));
    }

    let spread = (
        &*dx_du,
        &*dx_dq,
        &mut *n_next,
        &mut *n_plus,
        &mut *a_times_n_plus,
    );
    spread_to_configuration(scene, problem, with_a, (q, dv, q_next), spread, report, out)
}

/// The derivatives on the program's variables (`dx_du`, `dx_dq`) spread to all of v, then
/// carried through q⁺ = q ⊕ δv into `out` (its matrices reused when their shapes match);
/// `n_next`, `n_plus` and `a_times_n_plus` are the coordinate maps' storage.
#[allow(clippy::type_complexity)]
fn spread_to_configuration(
    scene: &Scene,
    problem: &StepProblem,
    with_a: bool,
    (q, dv, q_next): (&[f64], &[f64], &[f64]),
    (dx_du, dx_dq, n_next, n_plus, a_times_n_plus): (
        &DMatrix<f64>,
        &DMatrix<f64>,
        &mut DMatrix<f64>,
        &mut DMatrix<f64>,
        &mut DMatrix<f64>,
    ),
    report: SensitivityReport,
    out: &mut Option<StepGradients>,
) -> Result<(), DynamicsError> {
    let tree = scene.tree();
    let (n_v, n_q, n_a) = (tree.nv(), tree.nq(), scene.split().actuated.len());
    // Spread from the free variables to all of v, then through q⁺ = q ⊕ δv.
    let gradients = out.get_or_insert_with(|| StepGradients {
        b_v: DMatrix::zeros(0, 0),
        a_v: None,
        b_q: DMatrix::zeros(0, 0),
        a_q: None,
        report: SensitivityReport::default(),
    });
    let StepGradients {
        b_v,
        a_v,
        b_q,
        a_q,
        report: kept_report,
    } = gradients;
    *kept_report = report;
    zeroed(b_v, n_v, n_a);
    match (with_a, a_v.as_mut()) {
        (true, Some(a)) => zeroed(a, n_v, n_v),
        (true, None) => *a_v = Some(DMatrix::zeros(n_v, n_v)),
        (false, _) => *a_v = None,
    }
    for (r, &v) in problem.var_to_v.iter().enumerate() {
        b_v.row_mut(v).copy_from(&dx_du.row(r));
        if let Some(a) = a_v.as_mut() {
            a.row_mut(v).copy_from(&dx_dq.row(r));
        }
    }
    coordinates::to_tangent_coordinates(tree, dv, a_v.as_mut(), b_v);
    if let Some(index) = b_v
        .iter()
        .chain(a_v.iter().flat_map(|a| a.iter()))
        .position(|value| !value.is_finite())
    {
        return Err(DynamicsError::SolverFailed {
            mode: "derivatives",
            status: format!("non-finite derivative entry {index}"),
        });
    }
    zeroed(b_q, n_q, n_a);
    if !with_a {
        *a_q = None;
    }
    if coordinates::has_free_joint(tree) {
        coordinates::tangent_to_configuration_into(tree, q_next, n_next);
        product_into(b_q, n_next, b_v);
        if let Some(a) = a_v.as_ref() {
            coordinates::configuration_to_tangent_into(tree, q, n_plus);
            zeroed(a_times_n_plus, n_v, n_q);
            product_into(a_times_n_plus, a, n_plus);
            let a_q = a_q.get_or_insert_with(|| DMatrix::zeros(n_q, n_q));
            zeroed(a_q, n_q, n_q);
            product_into(a_q, n_next, a_times_n_plus);
        }
    } else {
        b_q.copy_from(b_v);
        if let Some(a) = a_v.as_ref() {
            let a_q = a_q.get_or_insert_with(|| DMatrix::zeros(n_q, n_q));
            zeroed(a_q, n_q, n_q);
            a_q.copy_from(a);
        }
    }
    Ok(())
}

/// `out = a b` for a zeroed `out` of the right shape, column by column, skipping b's zero
/// entries (the coordinate maps are mostly zero). nalgebra's `gemm` hands these sizes to a
/// kernel that allocates packing buffers on every call.
fn product_into(out: &mut DMatrix<f64>, a: &DMatrix<f64>, b: &DMatrix<f64>) {
    debug_assert_eq!(out.shape(), (a.nrows(), b.ncols()));
    debug_assert_eq!(a.ncols(), b.nrows());
    let rows = a.nrows();
    if rows == 0 {
        return;
    }
    for (out_column, b_column) in out
        .as_mut_slice()
        .chunks_exact_mut(rows)
        .zip(b.as_slice().chunks_exact(b.nrows().max(1)))
    {
        for (a_column, &weight) in a.as_slice().chunks_exact(rows).zip(b_column) {
            if weight != 0.0 {
                for (o, entry) in out_column.iter_mut().zip(a_column) {
                    *o += weight * entry;
                }
            }
        }
    }
}
