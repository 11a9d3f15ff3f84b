//! The closed-loop forward pass ([`crate::ForwardPass::ClosedLoop`], docs/trajopt.md,
//! "Forward pass"): at each step the rest of the horizon is re-planned on the iteration's
//! linear models from where the exact rollout actually is, and only the first input is
//! applied, as the reference implementation's iterative MPC does.

use crate::error::TrajoptError;
use crate::iteration::Run;
use crate::optimizer::TrajoptSettings;
use crate::problem::TrajoptProblem;
use crate::qp::{StepModel, absurd_decrease};

/// A candidate trajectory and how it was made.
pub(crate) struct Candidate {
    /// u₀..u_{T−1}.
    pub inputs: Vec<Vec<f64>>,
    /// The exact rollout x₀..x_{t} (all T + 1 unless a step failed).
    pub states: Result<Vec<Vec<f64>>, qd_dynamics::RolloutError>,
    /// Steps whose re-planning failed or was absurd and kept the first QP's input.
    pub kept_open_loop: usize,
}

impl Run {
    /// The closed-loop forward pass from the problem's start: `first` is the full-horizon
    /// QP's answer (its first input is applied as it is); models and state errors are the
    /// iteration's.
    ///
    /// # Errors
    /// Only a failing state difference (non-finite states); a failing exact step is returned
    /// inside the candidate.
    pub(crate) fn closed_loop_candidate(
        &mut self,
        problem: &TrajoptProblem,
        settings: &TrajoptSettings,
        models: &[StepModel],
        state_errors: &[Vec<f64>],
        first: &[Vec<f64>],
    ) -> Result<Candidate, TrajoptError> {
        let _phase = tracing::debug_span!("closed_loop_pass").entered();
        let horizon = problem.horizon();
        let tree = problem.system().scene().tree();
        let mut states = vec![problem.x0().to_vec()];
        let mut inputs: Vec<Vec<f64>> = Vec::with_capacity(horizon);
        let mut kept_open_loop = 0;
        for t in 0..horizon {
            let nominal = &self.inputs[t];
            let du = if t == 0 {
                first[0].clone()
            } else {
                let deviation = tree.difference(&self.states[t], &states[t])?;
                let start = Some((inputs[t - 1].as_slice(), deviation.as_slice()));
                let qp = self.tail_qp(problem, settings, (models, state_errors), t, start);
                match qp.solve() {
                    Ok(solution) => {
                        let zero = vec![vec![0.0; nominal.len()]; horizon - t];
                        let cost_at_zero = qp.model_cost(&zero);
                        if absurd_decrease(cost_at_zero - solution.model_cost, cost_at_zero) {
                            kept_open_loop += 1;
                            first[t].clone()
                        } else {
                            solution.du[0].clone()
                        }
                    }
                    Err(_) => {
                        kept_open_loop += 1;
                        first[t].clone()
                    }
                }
            };
            let u: Vec<f64> = nominal
                .iter()
                .zip(&du)
                .zip(problem.input_limits())
                .map(|((a, b), &(low, high))| (a + b).clamp(low, high))
                .collect();
            let step = problem
                .system()
                .step(&mut self.workspace, &states[t], &u)
                .map_err(|error| qd_dynamics::RolloutError { step: t, error });
            inputs.push(u);
            match step {
                Ok(result) => states.push(result.q_next),
                Err(error) => {
                    return Ok(Candidate {
                        inputs,
                        states: Err(error),
                        kept_open_loop,
                    });
                }
            }
        }
        Ok(Candidate {
            inputs,
            states: Ok(states),
            kept_open_loop,
        })
    }
}
