//! Macro-benchmarks of the planners: the trajectory-optimisation tasks of SPEC §7, each run
//! by `crates/qd-trajopt/examples/task.rs`, whose last output line is the run's summary in
//! JSON (the smoothing methods side by side are the ablation: `exact` is the planner with
//! smoothing switched off), and the RRT tasks over a fixed set of seeds, run by
//! `crates/qd-rrt/examples/task.rs` (one JSON line per seed).

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

/// Runs `cargo run --release -p PACKAGE --example task -- ARGS` and returns its standard
/// output; a failure names the case and the example's last line of standard error.
fn run_task_example(package: &str, name: &str, args: &[&str]) -> anyhow::Result<String> {
    let output = crate::example(package, "task")
        .args(args)
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
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
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
        let iterations = TRAJOPT_ITERATIONS.to_string();
        let stdout = run_task_example("qd-trajopt", &name, &[scene, method, &iterations])?;
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

/// `(scene, seeds, in --quick)`: RRT tasks of SPEC §7 over seeds 0..seeds, with the task's
/// parameters (node budget included).
const RRT_CASES: &[(&str, u64, bool)] = &[
    ("planar-hand", 10, true),
    ("bimanual-planar", 5, false),
    ("allegro-sphere", 3, false),
];

/// One RRT task over its seeds: one JSON summary per seed.
pub struct RrtRuns {
    /// `rrt.SCENE`.
    pub name: String,
    pub scene: String,
    pub runs: Vec<serde_json::Value>,
}

/// Median and the lowest and highest value (the spread over few seeds).
pub struct Spread {
    pub median: f64,
    pub low: f64,
    pub high: f64,
}

impl RrtRuns {
    pub fn successes(&self) -> usize {
        self.runs
            .iter()
            .filter(|r| r["success"].as_bool() == Some(true))
            .count()
    }

    /// The spread of a number over the seeds.
    pub fn spread(&self, path: &[&str]) -> Spread {
        let mut values: Vec<f64> = self
            .runs
            .iter()
            .map(|run| {
                let mut value = run;
                for key in path {
                    value = &value[*key];
                }
                value.as_f64().unwrap_or(f64::NAN)
            })
            .collect();
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n == 0 {
            f64::NAN
        } else if n % 2 == 1 {
            values[n / 2]
        } else {
            0.5 * (values[n / 2 - 1] + values[n / 2])
        };
        Spread {
            median,
            low: values.first().copied().unwrap_or(f64::NAN),
            high: values.last().copied().unwrap_or(f64::NAN),
        }
    }
}

/// Runs the RRT tasks (all, or those of `--quick`; only names containing `filter` if given).
pub fn run_rrt(quick: bool, filter: Option<&str>) -> anyhow::Result<Vec<RrtRuns>> {
    let mut all = Vec::new();
    for &(scene, seeds, in_quick) in RRT_CASES {
        let name = format!("rrt.{scene}");
        if (quick && !in_quick) || filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        eprintln!("running {name} (seeds 0..{seeds})");
        let seeds = seeds.to_string();
        let stdout = run_task_example("qd-rrt", &name, &[scene, "0", &seeds])?;
        let runs = stdout
            .lines()
            .map(serde_json::from_str)
            .collect::<Result<Vec<serde_json::Value>, _>>()
            .with_context(|| format!("{name}: a summary is not JSON"))?;
        all.push(RrtRuns {
            name,
            scene: scene.to_string(),
            runs,
        });
    }
    Ok(all)
}
