//! Re-planning a coarse trajectory at a finer time step (docs/rrt.md: the RRT's path, split at
//! regrasps, is refined segment by segment this way).

use crate::error::{TrajoptError, check_length};
use crate::iteration::optimize;
use crate::optimizer::{TrajoptResult, TrajoptSettings};
use crate::problem::TrajoptProblem;
use crate::weights::CostWeights;
use qd_dynamics::QuasiDynamicSystem;

/// Optimises the trajectory from `coarse_states[0]` to `coarse_states.last()` at the time
/// step h / `factor`, over `factor` fine steps per coarse step.
///
/// `coarse_states` are the configurations x₀..x_K of the coarse trajectory and
/// `coarse_inputs` its K commands. The goal is the whole last configuration (objects with the
/// object weight, robots with the robot weight). The first guess ramps each coarse command in
/// over its `factor` fine steps, from the previous command (from the robots' start positions
/// for the first); the optimiser then corrects what the finer steps do differently.
///
/// # Errors
/// No coarse step, `factor` 0, mismatched lengths or bad values; anything [`optimize`] reports.
pub fn refine(
    system: &QuasiDynamicSystem,
    coarse_states: &[Vec<f64>],
    coarse_inputs: &[Vec<f64>],
    factor: usize,
    weights: CostWeights,
    settings: &TrajoptSettings,
) -> Result<TrajoptResult, TrajoptError> {
    if factor == 0 {
        return Err(TrajoptError::InvalidParameter(
            "the refinement factor must be at least 1".to_string(),
        ));
    }
    if coarse_inputs.is_empty() || coarse_states.len() != coarse_inputs.len() + 1 {
        return Err(TrajoptError::Dimension {
            what: "coarse states (one more than coarse inputs, at least two)".to_string(),
            expected: coarse_inputs.len().max(1) + 1,
            got: coarse_states.len(),
        });
    }
    let mut fine_settings = system.settings().clone();
    fine_settings.h /= factor as f64;
    let fine = system.with_step_settings(fine_settings)?;
    let x0 = &coarse_states[0];
    let x_goal = &coarse_states[coarse_states.len() - 1];
    let problem = TrajoptProblem::new(&fine, x0, x_goal, factor * coarse_inputs.len(), weights)?;
    let mut previous = problem.u_before().to_vec();
    let mut initial = Vec::with_capacity(problem.horizon());
    for (t, u) in coarse_inputs.iter().enumerate() {
        check_length(u, previous.len(), &format!("coarse input {t}"))?;
        for j in 1..=factor {
            let s = j as f64 / factor as f64;
            initial.push(
                previous
                    .iter()
                    .zip(u)
                    .map(|(a, b)| a + s * (b - a))
                    .collect(),
            );
        }
        previous.clone_from(u);
    }
    optimize(&problem, settings, Some(&initial))
}
