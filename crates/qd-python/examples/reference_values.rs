//! Reference values for the Python package's tests, computed by the Rust library directly
//! (not through the bindings): reads a JSON list of queries on standard input, each
//! `{"scene", "q", "u", "mode", "kappa"}`, and prints a JSON list of
//! `{"q_next", "B", "A"}` (matrices as lists of rows, in configuration coordinates).
//!
//! `cargo run -p qd-python --example reference_values < queries.json`

use qd_dynamics::{ForwardMode, GradientMode, QuasiDynamicSystem, StepWorkspace};
use serde_json::{Value, json};
use std::io::Read;

fn rows(m: &nalgebra::DMatrix<f64>) -> Vec<Vec<f64>> {
    (0..m.nrows())
        .map(|i| (0..m.ncols()).map(|j| m[(i, j)]).collect())
        .collect()
}

fn floats(value: &Value, key: &str) -> Result<Vec<f64>, String> {
    value[key]
        .as_array()
        .ok_or(format!("'{key}' is not a list"))?
        .iter()
        .map(|v| v.as_f64().ok_or(format!("'{key}' holds a non-number")))
        .collect()
}

fn answer(query: &Value) -> Result<Value, Box<dyn std::error::Error>> {
    let name = query["scene"].as_str().ok_or("no scene")?;
    let mut system = QuasiDynamicSystem::new(qd_scenes::load(name)?)?;
    if let Some(mode) = query["mode"].as_str() {
        system.settings_mut().forward_mode = ForwardMode::from_name(mode).ok_or("unknown mode")?;
    }
    if let Some(kappa) = query["kappa"].as_f64() {
        system.settings_mut().kappa = kappa;
    }
    system.settings_mut().gradient_mode = GradientMode::Ab;
    let q = floats(query, "q")?;
    let u = floats(query, "u")?;
    let result = system.step(&mut StepWorkspace::default(), &q, &u)?;
    let gradients = result.gradients.ok_or("no gradients")?;
    Ok(json!({
        "q_next": result.q_next,
        "B": rows(&gradients.b_q),
        "A": gradients.a_q.as_ref().map(rows),
    }))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let queries: Vec<Value> = serde_json::from_str(&text)?;
    let answers = queries.iter().map(answer).collect::<Result<Vec<_>, _>>()?;
    println!("{}", serde_json::to_string(&answers)?);
    Ok(())
}
