//! Runs a built-in scene's RRT task for a range of seeds and prints one JSON line per run
//! (the macro-benchmarks of `cargo xtask bench` read them).
//!
//! `cargo run --release -p qd-rrt --example task -- SCENE FIRST_SEED SEEDS [MAX_NODES [P_GRASP]]`

use qd_rrt::{RrtProblem, RrtSettings, plan};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scene_name = args.first().map_or("planar-hand", String::as_str);
    let first: u64 = args.get(1).map_or(Ok(0), |s| s.parse())?;
    let seeds: u64 = args.get(2).map_or(Ok(1), |s| s.parse())?;
    let scene = qd_scenes::load(scene_name)?;
    let problem = RrtProblem::from_task(&scene)?;
    for seed in first..first + seeds {
        let mut settings = RrtSettings::from_task(&scene, seed)?;
        if let Some(nodes) = args.get(3) {
            settings.max_nodes = nodes.parse()?;
        }
        if let Some(p_grasp) = args.get(4) {
            settings.p_grasp = p_grasp.parse()?;
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
