//! Runs the RRT task of a built-in scene on a range of seeds and makes each path executable,
//! reporting what the acceptance of executable plans asks: the final goal error of the exact
//! rollout, the largest command change per step, and the clearance along transitions.
//!
//! `cargo run --release -p qd-plan --example execute -- SCENE FIRST_SEED SEEDS [factor=F]
//! [iterations=I] [max_input_change=D]`

use qd_plan::{ExecutionSettings, IntervalKind, execute_path};
use qd_rrt::{RrtProblem, RrtSettings, plan};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scene_name = args.first().map_or("planar-hand", String::as_str);
    let first: u64 = args.get(1).map_or(Ok(0), |s| s.parse())?;
    let count: u64 = args.get(2).map_or(Ok(10), |s| s.parse())?;
    let scene = qd_scenes::load(scene_name)?;
    let mut settings = ExecutionSettings::from_task(&scene);
    for arg in args.iter().skip(3) {
        let (key, value) = arg.split_once('=').ok_or("overrides are KEY=VALUE")?;
        match key {
            "factor" => settings.factor = value.parse()?,
            "iterations" => settings.iterations = value.parse()?,
            "max_input_change" => settings.max_input_change = value.parse()?,
            "off_track" => settings.off_track = value.parse()?,
            "replans" => settings.replans = value.parse()?,
            "input_rate" => settings.input_rate = value.parse()?,
            "open_clearance" => settings.transition.open_clearance = value.parse()?,
            other => return Err(format!("unknown override {other}").into()),
        }
    }
    let problem = RrtProblem::from_task(&scene)?;
    let tolerance = problem.tolerance();
    for seed in first..first + count {
        let rrt = RrtSettings::from_task(&scene, seed)?;
        let result = plan(&problem, &rrt)?;
        if !result.success {
            println!("seed {seed}: no path");
            continue;
        }
        let clock = Instant::now();
        match execute_path(&problem, &result, &rrt, &settings) {
            Ok(motion) => {
                let change = qd_plan::Plan::input_change(&motion.u_before, &motion.inputs);
                let clearance = motion.min_transition_clearance.unwrap_or(f64::INFINITY);
                let e = motion.final_error;
                let ok = e.position <= tolerance.position && e.angle <= tolerance.angle;
                println!(
                    "seed {seed}: {} rounds ({} off track), {} steps, {} segments, {} transitions ({} detours), final {:.4} m {:.4} rad {}, max Δu {:.4}, transition clearance {:.2e} m, {:.2} s",
                    motion.rounds,
                    motion.off_track,
                    motion.inputs.len(),
                    motion
                        .intervals
                        .iter()
                        .filter(|i| i.kind == IntervalKind::Segment)
                        .count(),
                    motion.transitions.len(),
                    motion.transitions.iter().filter(|t| t.detour).count(),
                    e.position,
                    e.angle,
                    if ok { "ok" } else { "MISSED" },
                    change,
                    clearance,
                    clock.elapsed().as_secs_f64()
                );
            }
            Err(error) => println!("seed {seed}: {error}"),
        }
    }
    Ok(())
}
