//! One-line diagnoses a user can act on (docs/trajopt.md, "Diagnoses"): what an iteration's
//! linear models or the run's end say about the problem, with the parameter to change.

use crate::problem::TrajoptProblem;
use crate::qp::StepModel;
use qd_smoothing::Smoothing;

/// Below this, an entry of B (per unit of input) is taken as zero: the input does not move
/// the coordinate at all.
const NO_EFFECT: f64 = 1e-12;

/// Why the inputs cannot move the objects, when at no step of the nominal trajectory does any
/// input move any object coordinate (every object row of every B is zero), else None.
pub(crate) fn objects_unreachable(
    problem: &TrajoptProblem,
    smoothing: Smoothing,
    models: &[StepModel],
) -> Option<String> {
    let objects = &problem.system().scene().split().unactuated_v;
    if objects.is_empty() {
        return None;
    }
    let moved = models.iter().any(|model| {
        objects
            .iter()
            .any(|&v| model.b.row(v).iter().any(|b| b.abs() > NO_EFFECT))
    });
    if moved {
        return None;
    }
    let d_detect = problem.system().scene().d_detect();
    Some(match smoothing {
        Smoothing::Analytic { .. } => format!(
            "no input moves the objects at any step: no robot–object pair is within d_detect = \
             {d_detect} m along the trajectory (raise parameters.d_detect, or start the robots \
             closer to the objects)"
        ),
        Smoothing::RandomizedFirstOrder { sigma_u, .. }
        | Smoothing::RandomizedZeroOrder { sigma_u, .. } => format!(
            "no input moves the objects at any step: no sample at σ = {sigma_u:.3} touched \
             them, the smoothing is too weak to see the objects (raise sigma0, or use the \
             analytic method)"
        ),
        Smoothing::Exact => "no input moves the objects at any step: the exact step's \
             gradient is zero where no contact is active (use the analytic or randomized \
             method)"
            .to_string(),
    })
}

/// The diagnosis of a run whose trust region collapsed.
pub(crate) fn trust_region_collapsed(min_input_radius: f64) -> String {
    format!(
        "the trust region shrank below min_input_radius = {:e}: no nearby inputs did better \
         than the best trajectory, whose model kept over-predicting its decrease (more \
         smoothing early on — a lower kappa_range start or a larger sigma0 — or more samples \
         may help)",
        min_input_radius
    )
}

/// Appends `note` to a report's diagnosis (`; `-separated).
pub(crate) fn add(diagnosis: &mut Option<String>, note: String) {
    *diagnosis = Some(match diagnosis.take() {
        Some(earlier) => format!("{earlier}; {note}"),
        None => note,
    });
}
