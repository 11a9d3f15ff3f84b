//! Receding-horizon (closed-loop) use of the optimiser (docs/trajopt.md): plan from the current
//! state to the end of the horizon, apply the first input with the exact step, replan.

use crate::cost::{CostParts, ObjectError, object_error, trajectory_cost};
use crate::error::TrajoptError;
use crate::iteration::optimize;
use crate::optimizer::TrajoptSettings;
use crate::problem::TrajoptProblem;
use qd_dynamics::StepWorkspace;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The closed-loop trajectory of a receding-horizon run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecedingHorizonResult {
    /// The inputs applied, u₀..u_{T−1}.
    pub inputs: Vec<Vec<f64>>,
    /// The states they led to, x₀..x_T (exact steps).
    pub states: Vec<Vec<f64>>,
    /// The cost of the closed-loop trajectory (same cost as the open-loop problem).
    pub cost: CostParts,
    /// The objects' error at x_T.
    pub final_error: ObjectError,
    /// Iterations each replanning ran (T entries).
    pub iterations_per_step: Vec<usize>,
    /// All step solves, planning included.
    pub dynamics_evaluations: usize,
    /// Wall-clock time (s).
    pub seconds: f64,
}

/// Receding-horizon control over the problem's horizon T with a shrinking horizon: at step t
/// the optimiser plans the remaining T − t steps from the current state (warm-started with
/// the rest of the previous plan), and the first planned input is applied with the exact
/// step. Each replanning runs `settings` in full (its smoothing schedule restarts), so the
/// run costs about T/2 open-loop optimisations.
///
/// # Errors
/// As [`optimize`]; a failing exact step of the applied input.
pub fn receding_horizon(
    problem: &TrajoptProblem,
    settings: &TrajoptSettings,
    initial_inputs: Option<&[Vec<f64>]>,
) -> Result<RecedingHorizonResult, TrajoptError> {
    let _span =
        tracing::info_span!("receding_horizon", scene = %problem.system().scene().name()).entered();
    let start = Instant::now();
    let horizon = problem.horizon();
    let mut plan = match initial_inputs {
        Some(given) => given.to_vec(),
        None => problem.hold_inputs(),
    };
    problem.check_inputs(&plan, "initial inputs")?;
    let mut workspace = StepWorkspace::default();
    let mut states = vec![problem.x0().to_vec()];
    let mut inputs: Vec<Vec<f64>> = Vec::with_capacity(horizon);
    let mut iterations_per_step = Vec::with_capacity(horizon);
    let mut dynamics_evaluations = 0;
    for t in 0..horizon {
        let u_before = inputs.last().map_or(problem.u_before(), Vec::as_slice);
        let remaining = problem
            .clone()
            .with_start(&states[t], u_before)?
            .with_horizon(horizon - t)?;
        let result = optimize(&remaining, settings, Some(&plan))?;
        iterations_per_step.push(result.iterations.len() - 1);
        dynamics_evaluations += result.dynamics_evaluations + 1;
        let u = result.inputs[0].clone();
        let step = problem
            .system()
            .step(&mut workspace, &states[t], &u)
            .map_err(|error| {
                TrajoptError::InitialRollout(qd_dynamics::RolloutError { step: t, error })
            })?;
        states.push(step.q_next);
        inputs.push(u);
        plan = result.inputs[1..].to_vec();
    }
    let cost = trajectory_cost(problem, &states, &inputs)?;
    let final_error = object_error(problem, &states[horizon])?;
    Ok(RecedingHorizonResult {
        inputs,
        states,
        cost,
        final_error,
        iterations_per_step,
        dynamics_evaluations,
        seconds: start.elapsed().as_secs_f64(),
    })
}
