//! The trust-region QP against independent computations: its minimiser against the
//! stationary point of the model's cost found by differences of `model_cost` (exact for a
//! quadratic), and, with bounds active, against random feasible points.

use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use qd_trajopt::qp::{LinearizedProblem, StepModel};

struct Data {
    models: Vec<StepModel>,
    state_errors: Vec<Vec<f64>>,
    nominal_inputs: Vec<Vec<f64>>,
    u_before: Vec<f64>,
    state_weights: Vec<f64>,
}

const NV: usize = 3;
const NA: usize = 2;
const T: usize = 3;

fn data(values: &[f64]) -> Data {
    let mut next = values.iter().copied().cycle();
    let mut take = |n: usize| -> Vec<f64> { (0..n).map(|_| next.next().unwrap_or(0.0)).collect() };
    let models = (0..T)
        .map(|_| StepModel {
            // A near the identity (quasi-dynamic objects keep their pose), B of order one.
            a: DMatrix::identity(NV, NV) + DMatrix::from_vec(NV, NV, take(NV * NV)) * 0.3,
            b: DMatrix::from_vec(NV, NA, take(NV * NA)),
            d: take(NV).iter().map(|v| 0.1 * v).collect(),
        })
        .collect();
    let state_errors = (0..T).map(|_| take(NV)).collect();
    let nominal_inputs = (0..T).map(|_| take(NA)).collect();
    let u_before = take(NA);
    let state_weights = take(NV).iter().map(|v| 0.5 + v.abs()).collect();
    Data {
        models,
        state_errors,
        nominal_inputs,
        u_before,
        state_weights,
    }
}

fn problem<'a>(data: &'a Data, radius: f64, limits: &'a [(f64, f64)]) -> LinearizedProblem<'a> {
    LinearizedProblem {
        models: &data.models,
        state_errors: &data.state_errors,
        nominal_inputs: &data.nominal_inputs,
        u_before: &data.u_before,
        state_weights: &data.state_weights,
        terminal_scale: 3.0,
        input_rate: 0.2,
        input_radius: radius,
        input_limits: limits,
        max_input_change: None,
        start_deviation: None,
        state_radius: None,
    }
}

fn unflatten(z: &[f64]) -> Vec<Vec<f64>> {
    z.chunks(NA).map(<[f64]>::to_vec).collect()
}

/// The unconstrained minimiser of the model's cost, from its gradient and Hessian taken by
/// differences of `model_cost` with unit steps (exact up to rounding for a quadratic).
fn stationary_point(problem: &LinearizedProblem<'_>) -> Vec<f64> {
    let n = T * NA;
    let f = |z: &[f64]| problem.model_cost(&unflatten(z));
    let unit = |i: usize, scale: f64| {
        let mut z = vec![0.0; n];
        z[i] = scale;
        z
    };
    let f0 = f(&vec![0.0; n]);
    let mut hessian = DMatrix::zeros(n, n);
    let mut gradient = DVector::zeros(n);
    for i in 0..n {
        gradient[i] = (f(&unit(i, 1.0)) - f(&unit(i, -1.0))) / 2.0;
        for j in 0..n {
            let mut both = unit(i, 1.0);
            both[j] += 1.0;
            hessian[(i, j)] = f(&both) - f(&unit(i, 1.0)) - f(&unit(j, 1.0)) + f0;
        }
    }
    let solution = hessian
        .cholesky()
        .expect("the model's cost is strictly convex in δu");
    (-solution.solve(&gradient)).as_slice().to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn unconstrained_minimiser_matches_the_stationary_point(
        values in prop::collection::vec(-1.0f64..1.0, 60)
    ) {
        let data = data(&values);
        let limits = vec![(f64::NEG_INFINITY, f64::INFINITY); NA];
        let qp = problem(&data, 1e6, &limits);
        let solution = qp.solve().expect("solvable");
        let expected = stationary_point(&qp);
        let got: Vec<f64> = solution.du.concat();
        let scale = expected.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        for (g, e) in got.iter().zip(&expected) {
            prop_assert!((g - e).abs() <= 1e-6 * scale, "got {got:?}, expected {expected:?}");
        }
        // The states it reports are the model's propagation of its inputs.
        prop_assert_eq!(solution.dx, qp.propagate(&solution.du));
    }

    #[test]
    fn bounded_minimiser_beats_every_feasible_point(
        values in prop::collection::vec(-1.0f64..1.0, 60),
        probes in prop::collection::vec(-1.0f64..1.0, 10 * T * NA),
        radius in 0.01f64..0.5,
    ) {
        let data = data(&values);
        // One joint limited just above its nominal inputs: the limit, not the radius, binds.
        let top = data.nominal_inputs.iter().map(|u| u[1]).fold(f64::NEG_INFINITY, f64::max);
        let limits = vec![(f64::NEG_INFINITY, f64::INFINITY), (-10.0, top + 0.25 * radius)];
        let qp = problem(&data, radius, &limits);
        let solution = qp.solve().expect("solvable");
        for (t, du) in solution.du.iter().enumerate() {
            for (i, d) in du.iter().enumerate() {
                prop_assert!(d.abs() <= radius, "trust region broken: {d} > {radius}");
                let u = data.nominal_inputs[t][i] + d;
                prop_assert!(u >= limits[i].0 && u <= limits[i].1, "limit broken: {u}");
            }
        }
        let best = solution.model_cost;
        for probe in probes.chunks(T * NA) {
            // A feasible point: scaled into the box, then clipped to the limit.
            let du: Vec<Vec<f64>> = unflatten(probe)
                .into_iter()
                .enumerate()
                .map(|(t, du)| {
                    du.iter()
                        .enumerate()
                        .map(|(i, d)| {
                            let u = data.nominal_inputs[t][i] + d * radius;
                            u.clamp(limits[i].0, limits[i].1) - data.nominal_inputs[t][i]
                        })
                        .collect()
                })
                .collect();
            let cost = qp.model_cost(&du);
            prop_assert!(best <= cost + 1e-6 * (1.0 + cost.abs()), "{best} > {cost}");
        }
    }

    #[test]
    fn rate_limited_minimiser_keeps_every_command_change_within_the_limit(
        values in prop::collection::vec(-1.0f64..1.0, 60),
        probes in prop::collection::vec(-1.0f64..1.0, 10 * T * NA),
        limit in 0.05f64..0.5,
    ) {
        let mut data = data(&values);
        // Nominal inputs that change by at most the limit (the executed plans' first guesses
        // are rate-limited this way), so that δu = 0 is feasible.
        let mut previous = data.u_before.clone();
        for u in &mut data.nominal_inputs {
            for (c, p) in u.iter_mut().zip(&previous) {
                *c = p + (*c - p).clamp(-limit, limit);
            }
            previous.clone_from(u);
        }
        let limits = vec![(f64::NEG_INFINITY, f64::INFINITY); NA];
        let mut qp = problem(&data, 1.0, &limits);
        qp.max_input_change = Some(limit);
        let solution = qp.solve().expect("solvable");
        let commands = |du: &[Vec<f64>]| -> Vec<Vec<f64>> {
            data.nominal_inputs
                .iter()
                .zip(du)
                .map(|(u, d)| u.iter().zip(d).map(|(a, b)| a + b).collect())
                .collect()
        };
        let largest_change = |du: &[Vec<f64>]| {
            let mut previous = data.u_before.clone();
            let mut largest = 0.0f64;
            for u in commands(du) {
                for (a, b) in u.iter().zip(&previous) {
                    largest = largest.max((a - b).abs());
                }
                previous = u;
            }
            largest
        };
        prop_assert!(largest_change(&solution.du) <= limit + 1e-6, "{}", largest_change(&solution.du));
        // Nothing rate-feasible in the trust region does better: probes are commands whose
        // every change is a random fraction of the limit.
        let best = solution.model_cost;
        for probe in probes.chunks(T * NA) {
            let mut previous = data.u_before.clone();
            let mut du = Vec::new();
            for (t, changes) in probe.chunks(NA).enumerate() {
                let u: Vec<f64> = previous.iter().zip(changes).map(|(p, c)| p + limit * c).collect();
                du.push(u.iter().zip(&data.nominal_inputs[t]).map(|(a, b)| a - b).collect::<Vec<f64>>());
                previous = u;
            }
            if du.iter().flatten().any(|d: &f64| d.abs() > 1.0) {
                continue; // outside the trust region
            }
            let cost = qp.model_cost(&du);
            prop_assert!(best <= cost + 1e-6 * (1.0 + cost.abs()), "{best} > {cost}");
        }
    }
}

#[test]
fn inconsistent_data_is_refused() {
    let data = data(&[0.3, -0.2, 0.5]);
    let limits = vec![(f64::NEG_INFINITY, f64::INFINITY); NA];
    let mut qp = problem(&data, 0.1, &limits);
    qp.input_radius = 0.0;
    assert!(qp.solve().is_err());
    let mut broken = data.models.clone();
    broken[1].b[(0, 0)] = f64::NAN;
    let qp = LinearizedProblem {
        models: &broken,
        ..problem(&data, 0.1, &limits)
    };
    let message = qp.solve().expect_err("NaN in B").to_string();
    assert!(message.contains("NaN"), "{message}");
}
