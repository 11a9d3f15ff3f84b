//! The Rust side of the Python package's batch benchmark (`benches/step_batch.py`): steps the
//! (q, u) pairs read on standard input (`{"scene", "mode", "gradients", "q": [[…]], "u":
//! [[…]]}`) in one sequential loop with one workspace, best of `repeats` runs, and prints
//! `{"seconds_per_step", "checksum"}`.
//!
//! `cargo run --release -p qd-python --example step_timing < pairs.json`

use qd_dynamics::{ForwardMode, GradientMode, QuasiDynamicSystem, StepWorkspace};
use serde_json::Value;
use std::io::Read;
use std::time::Instant;

fn rows(value: &Value, key: &str) -> Result<Vec<Vec<f64>>, String> {
    serde_json::from_value(value[key].clone()).map_err(|e| format!("'{key}': {e}"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let input: Value = serde_json::from_str(&text)?;
    let mut system =
        QuasiDynamicSystem::new(qd_scenes::load(input["scene"].as_str().ok_or("no scene")?)?)?;
    let settings = system.settings_mut();
    settings.forward_mode =
        ForwardMode::from_name(input["mode"].as_str().unwrap_or("socp")).ok_or("unknown mode")?;
    settings.gradient_mode = match input["gradients"].as_str().unwrap_or("none") {
        "b" => GradientMode::B,
        "ab" => GradientMode::Ab,
        _ => GradientMode::None,
    };
    let q = rows(&input, "q")?;
    let u = rows(&input, "u")?;
    let repeats = input["repeats"].as_u64().unwrap_or(3);
    let mut workspace = StepWorkspace::default();
    let mut best = f64::INFINITY;
    let mut checksum = 0.0;
    for _ in 0..repeats {
        checksum = 0.0;
        let start = Instant::now();
        for (q, u) in q.iter().zip(&u) {
            checksum += system
                .step(&mut workspace, q, u)?
                .q_next
                .iter()
                .sum::<f64>();
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{}",
        serde_json::json!({ "seconds_per_step": best / q.len() as f64, "checksum": checksum })
    );
    Ok(())
}
