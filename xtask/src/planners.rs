//! Macro-benchmarks of the planners: the trajectory-optimisation tasks of docs/systems.md, each run
//! by `crates/qd-trajopt/examples/trajopt_task.rs`, whose last output line is the run's summary in
//! JSON (the smoothing methods side by side are the ablation: `exact` is the planner with
//! smoothing switched off), and the RRT tasks over a fixed set of seeds, run by
//! `crates/qd-rrt/examples/rrt_task.rs` (one JSON line per seed). The cases are listed in
//! `benches/planners.toml`.

use anyhow::{Context, bail};

/// The cases of `benches/planners.toml`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannerBenches {
    /// Iterations of every trajectory-optimisation run.
    pub trajopt_iterations: usize,
    #[serde(default)]
    trajopt: Vec<TrajoptCase>,
    #[serde(default)]
    rrt: Vec<RrtCase>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TrajoptCase {
    scene: String,
    method: String,
    #[serde(default)]
    quick: bool,
}

/// One RRT case: a task over seeds 0..seeds, with the example's overrides (`args`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RrtCase {
    scene: String,
    seeds: u64,
    /// What the case varies, for the tables ("" for the task as shipped).
    #[serde(default)]
    variant: String,
    /// Overrides passed to the example (`KEY=VALUE`; see its documentation).
    #[serde(default)]
    args: Vec<String>,
    /// An ablation: listed in the ablation table, not the main one.
    #[serde(default)]
    ablation: bool,
    /// Acceptance: at least this many successes.
    #[serde(default)]
    min_successes: Option<usize>,
    /// Acceptance: median time at most this (s).
    #[serde(default)]
    max_median_seconds: Option<f64>,
    /// Seeds of `--quick` runs (none: not run by `--quick`).
    #[serde(default)]
    quick_seeds: Option<u64>,
}

impl PlannerBenches {
    /// Reads `benches/planners.toml`.
    pub fn load() -> anyhow::Result<Self> {
        let path = crate::workspace_root()
            .join("benches")
            .join("planners.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{}", path.display()))
    }
}

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

/// Runs `cargo run --release -p PACKAGE --example EXAMPLE -- ARGS` (the planner's task
/// example: `trajopt_task`, `rrt_task`) and returns its standard output; a failure names the
/// case and the example's last line of standard error.
fn run_task_example(
    (package, example): (&str, &str),
    name: &str,
    args: &[&str],
) -> anyhow::Result<String> {
    let output = crate::example(package, example)
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
pub fn run_trajopt(
    benches: &PlannerBenches,
    quick: bool,
    filter: Option<&str>,
) -> anyhow::Result<Vec<TrajoptRun>> {
    let mut runs = Vec::new();
    for case in &benches.trajopt {
        let (scene, method) = (case.scene.as_str(), case.method.as_str());
        let name = format!("trajopt.{scene}.{method}");
        if (quick && !case.quick) || filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let iterations = benches.trajopt_iterations.to_string();
        eprintln!("running {name} ({iterations} iterations)");
        let stdout = run_task_example(
            ("qd-trajopt", "trajopt_task"),
            &name,
            &[scene, method, &iterations],
        )?;
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

/// One RRT task over its seeds: one JSON summary per seed.
pub struct RrtRuns {
    /// `rrt.SCENE[.VARIANT]`.
    pub name: String,
    pub scene: String,
    pub variant: String,
    pub args: Vec<String>,
    pub ablation: bool,
    pub min_successes: Option<usize>,
    pub max_median_seconds: Option<f64>,
    pub runs: Vec<serde_json::Value>,
}

/// Median, quartiles and the lowest and highest value over seeds.
pub struct Spread {
    pub median: f64,
    pub first_quartile: f64,
    pub third_quartile: f64,
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
        Spread {
            median: quantile(&values, 0.5),
            first_quartile: quantile(&values, 0.25),
            third_quartile: quantile(&values, 0.75),
            high: values.last().copied().unwrap_or(f64::NAN),
        }
    }

    /// Whether the case's acceptance figures hold (None without any).
    pub fn met(&self) -> Option<bool> {
        if self.min_successes.is_none() && self.max_median_seconds.is_none() {
            return None;
        }
        let successes = self.min_successes.is_none_or(|n| self.successes() >= n);
        let time = self
            .max_median_seconds
            .is_none_or(|s| self.spread(&["seconds"]).median <= s);
        Some(successes && time)
    }
}

/// The q-quantile of sorted values, interpolated linearly between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n => {
            let position = q * (n - 1) as f64;
            let below = position.floor() as usize;
            let above = position.ceil() as usize;
            let weight = position - below as f64;
            sorted[below] * (1.0 - weight) + sorted[above] * weight
        }
    }
}

/// Runs the RRT tasks (all, or those of `--quick`; only names containing `filter` if given).
pub fn run_rrt(
    benches: &PlannerBenches,
    quick: bool,
    filter: Option<&str>,
) -> anyhow::Result<Vec<RrtRuns>> {
    let mut all = Vec::new();
    for case in &benches.rrt {
        let scene = case.scene.as_str();
        let name = if case.variant.is_empty() {
            format!("rrt.{scene}")
        } else {
            format!("rrt.{scene}.{}", case.variant.replace(' ', "-"))
        };
        let seeds = match (quick, case.quick_seeds) {
            (true, None) => continue,
            (true, Some(seeds)) => seeds,
            (false, _) => case.seeds,
        };
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        eprintln!("running {name} (seeds 0..{seeds})");
        let seeds = seeds.to_string();
        let mut args = vec![scene, "0", &seeds];
        args.extend(case.args.iter().map(String::as_str));
        let stdout = run_task_example(("qd-rrt", "rrt_task"), &name, &args)?;
        let runs = stdout
            .lines()
            .map(serde_json::from_str)
            .collect::<Result<Vec<serde_json::Value>, _>>()
            .with_context(|| format!("{name}: a summary is not JSON"))?;
        all.push(RrtRuns {
            name,
            scene: scene.to_string(),
            variant: case.variant.clone(),
            args: case.args.clone(),
            ablation: case.ablation,
            min_successes: case.min_successes,
            max_median_seconds: case.max_median_seconds,
            runs,
        });
    }
    Ok(all)
}
