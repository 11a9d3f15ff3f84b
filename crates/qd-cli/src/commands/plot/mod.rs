//! `qd plot INPUT --output FILE.svg`: a picture of a plan saved by `qd plan` (`.json`, or its
//! `.npz` arrays) or by Python's `Plan.save`, or of a `qd sim` trajectory.
//!
//! - Trajectory optimisation: the cost of each iteration (the kept cost as a line, each
//!   candidate's as a dot; a log axis when the costs span more than a factor of 20), then q
//!   over time in seconds, the robots' joints and the objects' coordinates in panels of
//!   their own, each curve named after its joint in a legend beside the data.
//! - `qd sim` trajectories: the q panels.
//! - RRT: the tree in the object's plane (see `tree`).
//!
//! With `--animate`, an animated SVG of the motion instead (see `animation`): the
//! trajectory's configurations, or the RRT's executable plan (its path when the tree did not
//! reach the goal), with the robots in purple during regrasp transitions.

mod input;
mod style;
mod trajectory;
mod tree;

use super::animation::{Frames, View, animate};
use anyhow::{Context, bail};
use plotters::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;
use style::{numbers, plot_error};

#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// A plan saved by `qd plan --output FILE.json|FILE.npz` (or Python's `Plan.save`), or the
    /// output of `qd sim`.
    plan: PathBuf,
    /// The picture to write (`.svg`).
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
    /// Overwrite `--output` if it exists.
    #[arg(long)]
    force: bool,
    /// Animate the plan's motion instead of plotting its figures.
    #[arg(long)]
    animate: bool,
    /// Animation: the world plane to draw, xy, xz or yz (default: a planar scene's plane, else
    /// the plane the object turns in, else xz).
    #[arg(long)]
    view: Option<String>,
    /// The scene the plan was made on, a built-in name or a file (default: the scene a JSON
    /// plan carries, else its scene's name). Needed for an RRT's `.npz`.
    #[arg(long, value_name = "SCENE")]
    scene: Option<String>,
    /// Animation: seconds per frame (default: the plan's time step, else 0.1).
    #[arg(long)]
    frame_seconds: Option<f64>,
}

/// The configurations an animation shows: a trajectory's states, or an RRT's executable plan
/// (when the tree reached the goal) or path.
fn motion(plan: &serde_json::Value) -> anyhow::Result<Vec<Vec<f64>>> {
    let rows = |value: &serde_json::Value| -> Vec<Vec<f64>> {
        value
            .as_array()
            .map(|a| a.iter().map(numbers).collect())
            .unwrap_or_default()
    };
    if plan["planner"] != "rrt" {
        return Ok(rows(&plan["q"]));
    }
    if plan["plan"]["states"].is_array() {
        return Ok(rows(&plan["plan"]["states"]));
    }
    let nodes = plan["nodes"].as_array().context("the plan has no nodes")?;
    let path: Vec<Vec<f64>> = numbers(&plan["path"])
        .iter()
        .filter_map(|&i| nodes.get(i as usize).map(|n| numbers(&n["q"])))
        .collect();
    if path.is_empty() {
        bail!("the RRT found no path to animate");
    }
    Ok(path)
}

/// The goal configuration to draw as a ghost: a trajectory's `x_goal`, or an RRT's goal
/// object pose put into its last state.
fn goal_configuration(plan: &serde_json::Value, states: &[Vec<f64>]) -> Option<Vec<f64>> {
    let x_goal = numbers(&plan["x_goal"]);
    if !x_goal.is_empty() {
        return Some(x_goal);
    }
    let goal = numbers(&plan["goal"]);
    let object = numbers(&plan["object_q"]);
    let (start, count) = (*object.first()? as usize, *object.get(1)? as usize);
    let mut q = states.last()?.clone();
    (goal.len() == count && start + count <= q.len()).then(|| {
        q[start..start + count].copy_from_slice(&goal);
        q
    })
}

fn write_animation(
    args: &PlotArgs,
    plan: &serde_json::Value,
    scene: Option<&qd_geometry::scene::Scene>,
) -> anyhow::Result<()> {
    let scene = scene.context("the plan's scene was not found; pass --scene NAME|FILE")?;
    let seconds = args
        .frame_seconds
        .or(plan["h"].as_f64())
        .or(plan["plan"]["h"].as_f64())
        .unwrap_or(0.1);
    if !(seconds.is_finite() && seconds > 0.0) {
        bail!("seconds per frame must be finite and > 0, got {seconds}");
    }
    let states = motion(plan)?;
    let goal = goal_configuration(plan, &states);
    let view = match &args.view {
        Some(view) => View::parse(view)?,
        // Where the task takes the object from the start, else where the plan took it.
        None => {
            let first = states.first().map(Vec::as_slice).unwrap_or_default();
            let last = goal
                .as_deref()
                .or(states.last().map(Vec::as_slice))
                .unwrap_or_default();
            View::for_motion(scene, first, last)
        }
    };
    // Frames of regrasp transitions: the robots are drawn in another colour.
    let mut regrasping = vec![false; states.len()];
    for interval in plan["plan"]["intervals"].as_array().into_iter().flatten() {
        if interval["kind"] == "transition" {
            let start = interval["start"].as_u64().unwrap_or(0) as usize;
            let end = interval["end"].as_u64().unwrap_or(0) as usize;
            for flag in regrasping.iter_mut().take(end + 1).skip(start + 1) {
                *flag = true;
            }
        }
    }
    let frames = Frames {
        states: &states,
        regrasping: &regrasping,
        goal,
        seconds_per_frame: seconds,
    };
    let svg = animate(scene, &frames, view)?;
    std::fs::write(&args.output, svg)
        .with_context(|| format!("cannot write {}", args.output.display()))
}

/// The figures of a plan or trajectory, into the SVG at `path`.
fn write_figures(
    path: &std::path::Path,
    plan: &serde_json::Value,
    scene: Option<&qd_geometry::scene::Scene>,
) -> anyhow::Result<()> {
    let planner = plan["planner"].as_str().unwrap_or_default();
    if planner == "rrt" {
        let root = SVGBackend::new(path, (1000, 800)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        tree::draw_tree(&root, plan)?;
        return root.present().map_err(plot_error);
    }
    let states = motion(plan)?;
    let nq = states.first().map_or(0, Vec::len);
    let groups = trajectory::groups(scene, nq);
    let with_costs = plan["iterations"].is_array();
    let panel = 300;
    let height = panel * (groups.len() as u32 + u32::from(with_costs));
    let root = SVGBackend::new(path, (1000, height.max(panel))).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error)?;
    let panels = root.split_evenly((groups.len() + usize::from(with_costs), 1));
    let mut panels = panels.iter();
    if with_costs && let Some(area) = panels.next() {
        trajectory::draw_costs(area, plan)?;
    }
    let h = plan["h"].as_f64().or(plan["plan"]["h"].as_f64());
    for (group, area) in groups.iter().zip(panels) {
        trajectory::draw_group(area, &states, group, h)?;
    }
    root.present().map_err(plot_error)
}

pub fn run(args: &PlotArgs) -> anyhow::Result<ExitCode> {
    if args.output.extension().and_then(|e| e.to_str()) != Some("svg") {
        bail!("{}: the picture must end in .svg", args.output.display());
    }
    if args.output.exists() && !args.force {
        bail!(
            "{} exists; pass --force to overwrite it",
            args.output.display()
        );
    }
    let input = input::read(&args.plan, args.scene.as_deref())?;
    if args.animate {
        write_animation(args, &input.record, input.scene.as_ref())?;
    } else {
        write_figures(&args.output, &input.record, input.scene.as_ref())?;
    }
    super::stdout::line(format_args!("saved {}", args.output.display()))?;
    Ok(ExitCode::SUCCESS)
}
