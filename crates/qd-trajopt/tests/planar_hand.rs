//! The optimiser on the planar-hand task of docs/systems.md (move the ball by Δ(y, z, θ) =
//! (−0.3, 0, 0.5) in T = 20 steps), checked against the exact dynamics and against the
//! baseline without smoothing.

use qd_dynamics::StepWorkspace;
use qd_trajopt::{
    CostWeights, LinearModel, MpcSettings, SmoothingSchedule, TrajoptProblem, TrajoptResult,
    TrajoptSettings, optimize, receding_horizon, trajectory_cost,
};

fn problem() -> TrajoptProblem {
    let scene = qd_scenes::load("planar-hand").expect("built-in scene");
    TrajoptProblem::from_task(&scene, CostWeights::default()).expect("the scene has a task")
}

fn run(problem: &TrajoptProblem, smoothing: SmoothingSchedule, iterations: usize) -> TrajoptResult {
    let settings = TrajoptSettings {
        smoothing,
        iterations,
        ..TrajoptSettings::default()
    };
    optimize(problem, &settings, None).expect("the optimiser runs")
}

const ANALYTIC: SmoothingSchedule = SmoothingSchedule::Analytic {
    kappa_start: 10.0,
    kappa_end: 1e3,
};

#[test]
fn analytic_smoothing_reaches_the_goal_and_the_exact_gradient_does_not() {
    let problem = problem();
    let smoothed = run(&problem, ANALYTIC, 20);
    let exact = run(&problem, SmoothingSchedule::Exact, 20);
    // The task starts 0.3 m and 0.5 rad away.
    assert!((smoothed.initial_error.position - 0.3).abs() < 1e-9);
    assert!((smoothed.initial_error.angle - 0.5).abs() < 1e-9);
    assert!(
        smoothed.final_error.position < 0.03 && smoothed.final_error.angle < 0.05,
        "smoothed: {:?}",
        smoothed.final_error
    );
    // Without smoothing the QP's model sees no effect of the inputs on the ball where the
    // fingers are not yet pressing, and the optimiser stalls far from the goal.
    assert!(
        exact.cost.total > 5.0 * smoothed.cost.total,
        "exact {} vs smoothed {}",
        exact.cost.total,
        smoothed.cost.total
    );
}

#[test]
fn the_result_is_the_exact_rollout_of_its_inputs_and_the_best_iterate() {
    let problem = problem();
    let result = run(&problem, ANALYTIC, 12);
    let replay = problem
        .system()
        .rollout(&mut StepWorkspace::default(), problem.x0(), &result.inputs)
        .expect("the inputs roll out");
    assert_eq!(replay.states, result.states);
    let cost = trajectory_cost(&problem, &replay.states, &result.inputs).expect("cost");
    assert_eq!(cost, result.cost);
    // The kept cost is the lowest of the initial guess and every candidate that rolled out,
    // and the reported history never goes up.
    let lowest = result
        .iterations
        .iter()
        .filter_map(|report| report.candidate_cost.map(|c| c.total))
        .fold(f64::INFINITY, f64::min);
    assert_eq!(result.cost.total, lowest);
    for pair in result.iterations.windows(2) {
        assert!(pair[1].cost.total <= pair[0].cost.total);
    }
    assert_eq!(
        result.iterations[result.best_iteration].candidate_cost,
        Some(result.cost)
    );
    problem
        .check_inputs(&result.inputs, "result")
        .expect("inputs within the joint limits");
}

#[test]
fn randomized_runs_do_not_depend_on_the_thread_count() {
    let problem = problem().with_horizon(6).expect("horizon");
    let smoothing = SmoothingSchedule::RandomizedFirstOrder {
        sigma0: 0.1,
        samples: 12,
        seed: 42,
    };
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| run(&problem, smoothing, 4))
    };
    let one = on(1);
    let three = on(3);
    assert_eq!(one.inputs, three.inputs);
    assert_eq!(one.cost, three.cost);
    // ... and the run did something: it is not the initial guess.
    assert!(one.best_iteration > 0, "no iteration was accepted");
}

#[test]
fn receding_horizon_applies_exact_steps_and_approaches_the_goal() {
    let problem = problem();
    let settings = MpcSettings {
        window: 10,
        iterations: 1,
        smoothing: qd_smoothing::Smoothing::Analytic { kappa: 1e3 },
        input_radius: 0.1,
        model: LinearModel::Full,
    };
    let closed = receding_horizon(&problem, &settings, None).expect("runs");
    let replay = problem
        .system()
        .rollout(&mut StepWorkspace::default(), problem.x0(), &closed.inputs)
        .expect("the applied inputs roll out");
    assert_eq!(replay.states, closed.states);
    assert_eq!(closed.controller_seconds.len(), problem.horizon());
    let mean = closed.controller_seconds.iter().sum::<f64>() / problem.horizon() as f64;
    assert!((closed.control_rate * mean - 1.0).abs() < 1e-9);
    // One iteration per control step brings the ball from 0.3 m / 0.5 rad to within a
    // tenth of that (a fixed κ, no annealing).
    assert!(
        closed.final_error.position < 0.03 && closed.final_error.angle < 0.05,
        "{:?}",
        closed.final_error
    );
    // Bad settings are refused by name.
    let refused = receding_horizon(
        &problem,
        &MpcSettings {
            window: 0,
            ..settings
        },
        None,
    )
    .expect_err("window 0");
    assert!(refused.to_string().contains("window"), "{refused}");
}

#[test]
fn a_failing_iteration_ends_the_run_with_the_best_trajectory_so_far() {
    let problem = problem().with_horizon(5).expect("horizon");
    // With the smoothed offset in the model, a state trust region of 1e-9 cannot hold the
    // barrier's bias: the QP is infeasible at the first iteration.
    let settings = TrajoptSettings {
        smoothing: ANALYTIC,
        iterations: 5,
        smoothed_offset: true,
        state_radius: Some(1e-9),
        ..TrajoptSettings::default()
    };
    let result = optimize(&problem, &settings, None).expect("a result, not an error");
    assert_eq!(result.stop, qd_trajopt::StopReason::QpFailed);
    assert_eq!(result.iterations.len(), 2);
    let failure = result.iterations[1]
        .failure
        .as_deref()
        .expect("the failure");
    assert!(failure.contains("QP"), "{failure}");
    assert_eq!(result.best_iteration, 0);
    assert_eq!(result.inputs, problem.hold_inputs());
}
