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

/// Computes the step's derivatives after a solve. `query` is used as scratch (its poses are
/// left at a perturbed configuration).
#[allow(clippy::too_many_arguments)]
pub(crate) fn compute(
    scene: &Scene,
    settings: &StepSettings,
    query: &mut ContactQuery,
    problem: &StepProblem,
    rates: &mut ProblemRates,
    solution: &Solution,
    q: &[f64],
    dv: &[f64],
    q_next: &[f64],
) -> Result<StepGradients, DynamicsError> {
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
    let mut dx_du = DMatrix::zeros(n, n_a);
    let mut dx_dq = DMatrix::zeros(n, n_v);
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
            barrier_ift::input_sensitivity(
                problem,
                &scene.split().stiffness,
                p.h,
                data,
                &mut dx_du,
            );
            if with_a {
                barrier_ift::configuration_sensitivity(problem, rates, data, &mut dx_dq);
            }
        }
        ForwardMode::Socp | ForwardMode::Qp => {
            let outcome = active_set::sensitivities(
                problem,
                crate::cone::ConeKind::of_mode(p.forward_mode, p.nd),
                &scene.split().stiffness,
                p.h,
                (x, &solution.duals, solution.modes.as_ref()),
                with_a.then_some(&*rates),
                &mut dx_du,
                &mut dx_dq,
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

    // Spread from the free variables to all of v, then through q⁺ = q ⊕ δv.
    let mut b_v = DMatrix::zeros(n_v, n_a);
    let mut a_v = with_a.then(|| DMatrix::zeros(n_v, n_v));
    for (r, &v) in problem.var_to_v.iter().enumerate() {
        b_v.row_mut(v).copy_from(&dx_du.row(r));
        if let Some(a) = &mut a_v {
            a.row_mut(v).copy_from(&dx_dq.row(r));
        }
    }
    coordinates::to_tangent_coordinates(tree, dv, a_v.as_mut(), &mut b_v);
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
    let (b_q, a_q) = if coordinates::has_free_joint(tree) {
        let n_next = coordinates::tangent_to_configuration(tree, q_next);
        let b_q = &n_next * &b_v;
        let a_q = a_v
            .as_ref()
            .map(|a| &n_next * a * coordinates::configuration_to_tangent(tree, q));
        (b_q, a_q)
    } else {
        (b_v.clone(), a_v.clone())
    };
    Ok(StepGradients {
        b_v,
        a_v,
        b_q,
        a_q,
        report,
    })
}
