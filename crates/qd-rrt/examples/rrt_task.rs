//! Runs a built-in scene's RRT task for a range of seeds and prints one JSON line per run
//! (the macro-benchmarks of `cargo xtask bench` read them).
//!
//! `cargo run --release -p qd-rrt --example rrt_task -- SCENE FIRST_SEED SEEDS [KEY=VALUE ...]`
//!
//! Overrides of the task's settings (the ablations of the benchmark): `max_nodes=N`,
//! `p_grasp=P`, `p_goal=P`, `step=S`, `gamma=G`, `gamma_rotation=G`, `retire_after=N`,
//! `avoid_repeats=true|false`, `warm_start=true|false`, `kappa=K` (analytic node smoothing), `sigma_u=S` (randomized,
//! first order), `exact` (exact node linearisation), `euclidean` (nearest node by the
//! Euclidean distance in the object's tangent coordinates), `goal=V,V,...` (another goal in
//! the object's coordinates), `goal_lower=V,...` with `goal_upper=V,...` (a query set: each
//! seed's goal drawn uniformly in that box of (translations, angle), from its own seed; free
//! objects turn about world z from their start orientation).

use qd_rrt::{RrtProblem, RrtSettings, plan};
use qd_smoothing::Smoothing;
use rand::SeedableRng;
use rand::distr::{Distribution, Open01};
use rand::rngs::ChaCha8Rng;

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
        "warm_start" => settings.warm_start = value.parse()?,
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
            *problem = problem.clone().with_query(None, Some(&numbers(value)?))?;
        }
        // Read together with goal_lower in `query_goal`.
        "goal_lower" | "goal_upper" => {}
        _ => return Err(format!("unknown override '{arg}'").into()),
    }
    Ok(())
}

fn numbers(text: &str) -> Result<Vec<f64>, std::num::ParseFloatError> {
    text.split(',').map(str::parse).collect()
}

/// The goal of seed `seed` in the query set `goal_lower=...` / `goal_upper=...`, if given:
/// uniform in the box of (translations, angle), drawn from the seed's own generator.
fn query_goal(
    args: &[String],
    problem: &RrtProblem,
    seed: u64,
) -> Result<Option<Vec<f64>>, Box<dyn std::error::Error>> {
    let find = |key: &str| {
        args.iter()
            .find_map(|a| a.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
    };
    let (Some(lower), Some(upper)) = (find("goal_lower"), find("goal_upper")) else {
        return Ok(None);
    };
    let (lower, upper) = (numbers(lower)?, numbers(upper)?);
    let object = problem.object();
    if lower.len() != object.translations + 1 || upper.len() != lower.len() {
        return Err("goal_lower and goal_upper need the translations and the angle".into());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let draws: Vec<f64> = lower
        .iter()
        .zip(&upper)
        .map(|(&low, &high)| {
            let unit: f64 = Open01.sample(&mut rng);
            low + (high - low) * unit
        })
        .collect();
    let (translation, angle) = draws.split_at(object.translations);
    let start = object.block(problem.x0()).to_vec();
    Ok(Some(object.compose(translation, angle[0], &start)))
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
        let goal = query_goal(&args[3.min(args.len())..], &problem, seed)?;
        if let Some(goal) = &goal {
            problem = problem.with_query(None, Some(goal))?;
        }
        let result = plan(&problem, &settings)?;
        println!(
            "{}",
            serde_json::json!({
                "scene": scene_name,
                "seed": seed,
                "goal": problem.goal(),
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
