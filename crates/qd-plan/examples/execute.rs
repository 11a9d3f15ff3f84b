//! Runs the RRT task of a built-in scene on a range of seeds and makes each path executable,
//! reporting what the acceptance of executable plans asks: the final goal error of the exact
//! rollout, the largest command change per step, and the clearance along transitions.
//!
//! `cargo run --release -p qd-plan --example execute -- SCENE FIRST_SEED SEEDS [factor=F]
//! [iterations=I] [max_input_change=D]`

use qd_plan::{
    ExecutionSettings, IntervalKind, Plan, ReplayOptions, SceneSource, execute_path, replay,
};
use qd_rrt::{RrtProblem, RrtSettings, plan};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scene_name = args.first().map_or("planar-hand", String::as_str);
    let first: u64 = args.get(1).map_or(Ok(0), |s| s.parse())?;
    let count: u64 = args.get(2).map_or(Ok(10), |s| s.parse())?;
    let text = qd_scenes::source(scene_name).ok_or("not a built-in scene")?;
    let (source, scene) = SceneSource::text(&format!("builtin:{scene_name}"), text)?;
    let mut settings = ExecutionSettings::from_task(&scene)?;
    for arg in args.iter().skip(3) {
        let (key, value) = arg.split_once('=').ok_or("overrides are KEY=VALUE")?;
        match key {
            "factor" => settings.factor = value.parse()?,
            "iterations" => settings.iterations = value.parse()?,
            "max_input_change" => settings.max_input_change = value.parse()?,
            "transition_input_change" => settings.transition_input_change = value.parse()?,
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
                // The saved form, replayed from its start with the exact dynamics.
                let saved =
                    Plan::from_rrt(source.clone(), &problem, &rrt, &settings, motion.clone());
                let options = ReplayOptions {
                    forward_mode: None,
                    substeps: 1,
                };
                let replayed = replay(&saved, &scene, options)?;
                let replay_ok = replayed.reached == Some(true);
                let change = qd_plan::Plan::input_change(&motion.u_before, &motion.inputs);
                let clearance = motion.min_transition_clearance.unwrap_or(f64::INFINITY);
                // How far the object moved during the worst regrasp transition.
                let object = problem.object();
                let mut drift = (0.0f64, 0.0f64);
                for interval in &motion.intervals {
                    if interval.kind == IntervalKind::Transition {
                        let before = object.block(&motion.states[interval.start]);
                        let after = object.block(&motion.states[interval.end]);
                        let moved = object.error(before, after);
                        drift = (drift.0.max(moved.position), drift.1.max(moved.angle));
                    }
                }
                let e = motion.final_error;
                let ok = e.position <= tolerance.position && e.angle <= tolerance.angle;
                println!(
                    "seed {seed}: {} rounds ({} off track), {} steps, {} segments, {} transitions ({} detours), final {:.4} m {:.4} rad {}, max Δu {:.4}, transition clearance {:.2e} m, transition drift {:.4} m {:.4} rad, replay deviation {:.1e} {}, {:.2} s",
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
                    drift.0,
                    drift.1,
                    replayed.max_deviation,
                    if replay_ok {
                        "within tolerance"
                    } else {
                        "OUTSIDE"
                    },
                    clock.elapsed().as_secs_f64()
                );
            }
            Err(error) => println!("seed {seed}: {error}"),
        }
    }
    Ok(())
}
