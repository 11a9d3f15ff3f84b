//! Runs a built-in scene's RRT task for a range of seeds and prints one JSON line per run
//! (the macro-benchmarks of `cargo xtask bench` read them).
//!
//! `cargo run --release -p qd-rrt --example task -- SCENE FIRST_SEED SEEDS [KEY=VALUE ...]`
//!
//! Overrides of the task's settings (the ablations of the benchmark): `max_nodes=N`,
//! `p_grasp=P`, `p_goal=P`, `step=S`, `gamma=G`, `gamma_rotation=G`, `retire_after=N`,
//! `avoid_repeats=true|false`, `kappa=K` (analytic node smoothing), `sigma_u=S` (randomized,
//! first order), `exact` (exact node linearisation), `euclidean` (the metric without B̂:
//! γ = 1, B̂ ignored), `goal=V,V,...` (another goal in the object's coordinates).

use qd_rrt::{RrtProblem, RrtSettings, plan};
use qd_smoothing::Smoothing;

fn apply(
    settings: &mut RrtSettings,
    problem: &mut RrtProblem,
    arg: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let (key, value) = arg.split_once('=').unwrap_or((arg, ""));
    match key {
        "max_nodes" => settings.max_nodes = value.parse()?,
        "p_grasp" => settings.p_grasp = value.parse()?,
        "p_goal" => settings.p_goal = value.parse()?,
        "step" => settings.step = value.parse()?,
        "gamma" => settings.gamma = value.parse()?,
        "gamma_rotation" => settings.gamma_rotation = value.parse()?,
        "retire_after" => settings.retire_after = value.parse()?,
        "avoid_repeats" => settings.avoid_repeats = value.parse()?,
        "kappa" => {
            settings.smoothing = Smoothing::Analytic {
                kappa: value.parse()?,
            }
        }
        "sigma_u" => {
            settings.smoothing = Smoothing::RandomizedFirstOrder {
                sigma_u: value.parse()?,
                sigma_q: 0.0,
                samples: qd_rrt::DEFAULT_NODE_SAMPLES,
                seed: settings.seed,
            }
        }
        "exact" => settings.smoothing = Smoothing::Exact,
        "euclidean" => settings.metric = qd_rrt::Metric::Euclidean,
        "goal" => {
            let goal = value
                .split(',')
                .map(str::parse)
                .collect::<Result<Vec<f64>, _>>()?;
            *problem = problem.clone().with_query(None, Some(&goal))?;
        }
        _ => return Err(format!("unknown override '{arg}'").into()),
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scene_name = args.first().map_or("planar-hand", String::as_str);
    let first: u64 = args.get(1).map_or(Ok(0), |s| s.parse())?;
    let seeds: u64 = args.get(2).map_or(Ok(1), |s| s.parse())?;
    let scene = qd_scenes::load(scene_name)?;
    for seed in first..first + seeds {
        let mut problem = RrtProblem::from_task(&scene)?;
        let mut settings = RrtSettings::from_task(&scene, seed)?;
        for arg in args.iter().skip(3) {
            apply(&mut settings, &mut problem, arg)?;
        }
        let result = plan(&problem, &settings)?;
        println!(
            "{}",
            serde_json::json!({
                "scene": scene_name,
                "seed": seed,
                "success": result.success,
                "nodes": result.nodes.len(),
                "path_nodes": result.path.len(),
                "segments": result.segments().len(),
                "closest_error": result.closest_error,
                "stats": result.stats,
                "seconds": result.seconds,
            })
        );
    }
    Ok(())
}
