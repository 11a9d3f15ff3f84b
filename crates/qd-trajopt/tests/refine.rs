//! Refinement of a coarse trajectory at a finer time step, on the planar hand.

use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use qd_trajopt::{CostWeights, TrajoptSettings, refine};

/// A coarse trajectory: the exact rollout of commands that close both fingers and turn.
fn coarse() -> (QuasiDynamicSystem, Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let scene = qd_scenes::load("planar-hand").expect("built-in scene");
    let system = QuasiDynamicSystem::new(scene).expect("step settings");
    let q0 = system.scene().default_q().to_vec();
    let hold = system.scene().actuated_positions(&q0);
    let inputs: Vec<Vec<f64>> = (1..=4)
        .map(|k| {
            let s = 0.05 * k as f64;
            vec![hold[0] - s, hold[1], hold[2] - s, hold[3]]
        })
        .collect();
    let states = system
        .rollout(&mut StepWorkspace::default(), &q0, &inputs)
        .expect("rolls out")
        .states;
    (system, states, inputs)
}

fn settings(iterations: usize) -> TrajoptSettings {
    TrajoptSettings {
        iterations,
        ..TrajoptSettings::default()
    }
}

#[test]
fn factor_one_starts_from_the_coarse_trajectory_itself() {
    let (system, states, inputs) = coarse();
    let result = refine(
        &system,
        &states,
        &inputs,
        1,
        CostWeights::default(),
        &settings(3),
    )
    .expect("refines");
    // The first guess is the coarse commands, whose rollout ends exactly at the goal.
    let initial = &result.iterations[0];
    assert_eq!(initial.final_error.position, 0.0);
    assert_eq!(initial.final_error.angle, 0.0);
    assert_eq!(result.states[0], states[0]);
}

#[test]
fn a_finer_step_reaches_the_coarse_end() {
    let (system, states, inputs) = coarse();
    let moved = {
        let object = &system.scene().split().unactuated_q;
        let start: Vec<f64> = object.iter().map(|&i| states[0][i]).collect();
        let end: Vec<f64> = object.iter().map(|&i| states[4][i]).collect();
        start
            .iter()
            .zip(&end)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    };
    assert!(
        moved > 0.01,
        "the coarse trajectory moves the ball ({moved})"
    );
    let result = refine(
        &system,
        &states,
        &inputs,
        2,
        CostWeights::default(),
        &settings(10),
    )
    .expect("refines");
    assert_eq!(result.inputs.len(), 8);
    assert_eq!(result.states.len(), 9);
    assert!(
        result.final_error.position < 0.2 * moved && result.final_error.angle < 0.05,
        "{:?} (ball moved {moved})",
        result.final_error
    );
    // The fine steps are steps of h / 2.
    let mut fine = system.clone();
    fine.settings_mut().h = system.settings().h / 2.0;
    let replay = fine
        .rollout(&mut StepWorkspace::default(), &states[0], &result.inputs)
        .expect("replays");
    assert_eq!(replay.states, result.states);
}

#[test]
fn bad_refinements_are_refused() {
    let (system, states, inputs) = coarse();
    let weights = CostWeights::default();
    let error = refine(&system, &states, &inputs, 0, weights, &settings(1)).expect_err("factor 0");
    assert!(error.to_string().contains("factor"), "{error}");
    let error =
        refine(&system, &states[..3], &inputs, 2, weights, &settings(1)).expect_err("lengths");
    assert!(error.to_string().contains("coarse states"), "{error}");
    let mut short = inputs.clone();
    short[2].pop();
    let error = refine(&system, &states, &short, 2, weights, &settings(1)).expect_err("length");
    assert!(error.to_string().contains("coarse input 2"), "{error}");
}
