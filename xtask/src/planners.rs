//! Macro-benchmarks of the planners: the trajectory-optimisation tasks of SPEC §7, each run
//! by `crates/qd-trajopt/examples/task.rs`, whose last output line is the run's summary in
//! JSON. The smoothing methods side by side are the ablation: `exact` is the planner with
//! smoothing switched off.

use anyhow::{Context, bail};

/// `(scene, smoothing, in --quick)`: the planar hand with every method; the Allegro hand
/// with the reference run's randomized smoothing (100 samples, σ₀ = 0.2) and with analytic
/// smoothing over its κ range (200 → 6000).
const TRAJOPT_CASES: &[(&str, &str, bool)] = &[
    ("planar-hand", "analytic", true),
    ("planar-hand", "randomized", false),
    ("planar-hand", "zero-order", false),
    ("planar-hand", "exact", true),
    ("allegro-sphere", "analytic", false),
    ("allegro-sphere", "randomized", false),
];

/// Iterations of every trajectory-optimisation run.
pub const TRAJOPT_ITERATIONS: usize = 20;

/// One trajectory-optimisation run, as the example reports it.
pub struct TrajoptRun {
    /// `trajopt.SCENE.METHOD`.
    pub name: String,
    pub scene: String,
    pub method: String,
    pub summary: serde_json::Value,
}

impl TrajoptRun {
    pub fn number(&self, path: &[&str]) -> f64 {
        let mut value = &self.summary;
        for key in path {
            value = &value[*key];
        }
        value.as_f64().unwrap_or(f64::NAN)
    }
}

/// Runs the cases (all, or those of `--quick`; only names containing `filter` if given).
pub fn run_trajopt(quick: bool, filter: Option<&str>) -> anyhow::Result<Vec<TrajoptRun>> {
    let mut runs = Vec::new();
    for &(scene, method, in_quick) in TRAJOPT_CASES {
        let name = format!("trajopt.{scene}.{method}");
        if (quick && !in_quick) || filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        eprintln!("running {name} ({TRAJOPT_ITERATIONS} iterations)");
        let output = crate::example("qd-trajopt", "task")
            .args([scene, method, &TRAJOPT_ITERATIONS.to_string()])
            .output()
            .with_context(|| format!("running {name}"))?;
        if !output.status.success() {
            bail!(
                "{name} failed: {}",
                String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout.lines().last().context("the task printed nothing")?;
        let summary: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("{name}: summary is not JSON"))?;
        runs.push(TrajoptRun {
            name,
            scene: scene.to_string(),
            method: method.to_string(),
            summary,
        });
    }
    Ok(runs)
}
