//! Macro-benchmarks of the planners: the trajectory-optimisation tasks of SPEC §7, each run
//! by `crates/qd-trajopt/examples/task.rs`, whose last output line is the run's summary in
//! JSON (the smoothing methods side by side are the ablation: `exact` is the planner with
//! smoothing switched off), and the RRT tasks over a fixed set of seeds, run by
//! `crates/qd-rrt/examples/task.rs` (one JSON line per seed). The cases are listed in
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

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RrtCase {
    scene: String,
    seeds: u64,
    #[serde(default)]
    quick: bool,
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
pub fn run_rrt(
    benches: &PlannerBenches,
    quick: bool,
    filter: Option<&str>,
) -> anyhow::Result<Vec<RrtRuns>> {
    let mut all = Vec::new();
    for case in &benches.rrt {
        let (scene, seeds) = (case.scene.as_str(), case.seeds);
        let name = format!("rrt.{scene}");
        if (quick && !case.quick) || filter.is_some_and(|f| !name.contains(f)) {
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
