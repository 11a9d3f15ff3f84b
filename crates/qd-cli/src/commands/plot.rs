//! `qd plot PLAN.json --output FILE.svg`: a picture of a plan saved by `qd plan`.
//!
//! - Trajectory optimisation: the cost of each iteration (log scale; the kept cost as a line,
//!   each candidate's as a point), and every coordinate of q over the plan's time steps.
//! - RRT: the tree in the object's plane — its first translational coordinate across, its
//!   rotation angle up (θ for planar objects, the yaw about world z for free ones) — with
//!   extensions in grey, regrasps in orange, the path in red and the goal as a cross.
//!
//! With `--animate`, an animated SVG of the plan's motion instead (see `animation`): the
//! trajectory's configurations, or the RRT's executable plan (its path when the tree did not
//! reach the goal), with the robots in purple during regrasp transitions.

use super::animation::{View, animate};
use anyhow::{Context, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// A plan saved by `qd plan --output FILE.json`.
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
    /// xz).
    #[arg(long)]
    view: Option<String>,
    /// Animation: the scene file the plan was made on (built-in scenes are found by name).
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

fn write_animation(args: &PlotArgs, plan: &serde_json::Value) -> anyhow::Result<()> {
    let name = match &args.scene {
        Some(scene) => scene.clone(),
        None => plan["scene"]
            .as_str()
            .context("the plan names no scene")?
            .to_string(),
    };
    let scene = super::scene::load_scene(&name)?;
    let view = match &args.view {
        Some(view) => View::parse(view)?,
        None => View::for_scene(&scene),
    };
    let seconds = args
        .frame_seconds
        .or(plan["h"].as_f64())
        .or(plan["plan"]["h"].as_f64())
        .unwrap_or(0.1);
    if !(seconds.is_finite() && seconds > 0.0) {
        bail!("seconds per frame must be finite and > 0, got {seconds}");
    }
    let states = motion(plan)?;
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
    let svg = animate(&scene, &states, &regrasping, view, seconds)?;
    std::fs::write(&args.output, svg)
        .with_context(|| format!("cannot write {}", args.output.display()))
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// `[low, high]` of `values`, widened to a non-empty range with a margin.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    let margin = ((high - low) * 0.05).max(1e-6);
    (low - margin, high + margin)
}

fn plot_error(error: impl std::fmt::Debug) -> anyhow::Error {
    anyhow::anyhow!("drawing failed: {error:?}")
}

fn numbers(value: &serde_json::Value) -> Vec<f64> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default()
}

fn draw_costs(area: &Area<'_>, plan: &serde_json::Value) -> anyhow::Result<()> {
    let Some(reports) = plan["iterations"].as_array() else {
        return Ok(());
    };
    let kept: Vec<(f64, f64)> = reports
        .iter()
        .filter_map(|r| Some((r["iteration"].as_f64()?, r["cost"]["total"].as_f64()?)))
        .collect();
    let candidates: Vec<(f64, f64)> = reports
        .iter()
        .filter_map(|r| {
            Some((
                r["iteration"].as_f64()?,
                r["candidate_cost"]["total"].as_f64()?,
            ))
        })
        .collect();
    let positive = |&(_, c): &(f64, f64)| c > 0.0;
    let (low, high) = range(
        kept.iter()
            .chain(&candidates)
            .filter(|p| positive(p))
            .map(|p| p.1),
    );
    let mut chart = ChartBuilder::on(area)
        .caption("cost per iteration", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(
            0.0..kept.len().max(2) as f64,
            (low.max(1e-12)..high).log_scale(),
        )
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc("cost")
        .draw()
        .map_err(plot_error)?;
    chart
        .draw_series(LineSeries::new(
            kept.iter().copied().filter(positive),
            &BLUE,
        ))
        .map_err(plot_error)?
        .label("kept (best so far)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
    chart
        .draw_series(
            candidates
                .iter()
                .filter(|p| positive(p))
                .map(|&p| Circle::new(p, 3, RED.filled())),
        )
        .map_err(plot_error)?
        .label("candidate")
        .legend(|(x, y)| Circle::new((x + 8, y), 3, RED.filled()));
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .draw()
        .map_err(plot_error)?;
    Ok(())
}

fn draw_states(area: &Area<'_>, plan: &serde_json::Value) -> anyhow::Result<()> {
    let states: Vec<Vec<f64>> = plan["q"]
        .as_array()
        .context("the plan has no q")?
        .iter()
        .map(numbers)
        .collect();
    let (low, high) = range(states.iter().flatten().copied());
    let mut chart = ChartBuilder::on(area)
        .caption("configuration q over the plan", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..states.len().max(2) as f64 - 1.0, low..high)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc("time step")
        .y_desc("q (rad or m)")
        .draw()
        .map_err(plot_error)?;
    let width = states.first().map_or(0, Vec::len);
    for i in 0..width {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                states
                    .iter()
                    .enumerate()
                    .map(|(t, q)| (t as f64, q.get(i).copied().unwrap_or(f64::NAN))),
                &color,
            ))
            .map_err(plot_error)?
            .label(format!("q[{i}]"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()
        .map_err(plot_error)?;
    Ok(())
}

/// The point of the object's plane for an object block: (first translation, angle).
fn object_point(block: &[f64]) -> (f64, f64) {
    match block.len() {
        // Free: (x, y, z, w, qx, qy, qz): x and the yaw about world z.
        7 => {
            let (w, x, y, z) = (block[3], block[4], block[5], block[6]);
            (
                block[0],
                (2.0 * (w * z + x * y)).atan2(1.0 - 2.0 * (y * y + z * z)),
            )
        }
        // Planar: (s₁, s₂, θ).
        3 => (block[0], block[2]),
        1 => (block[0], 0.0),
        _ => (f64::NAN, f64::NAN),
    }
}

fn draw_tree(area: &Area<'_>, plan: &serde_json::Value) -> anyhow::Result<()> {
    let object = numbers(&plan["object_q"]);
    let [start, count] =
        [object.first(), object.get(1)].map(|v| v.copied().unwrap_or(0.0) as usize);
    let nodes = plan["nodes"].as_array().context("the plan has no nodes")?;
    let points: Vec<(f64, f64)> = nodes
        .iter()
        .map(|node| {
            let q = numbers(&node["q"]);
            q.get(start..start + count)
                .map_or((f64::NAN, f64::NAN), object_point)
        })
        .collect();
    let goal = object_point(&numbers(&plan["goal"]));
    let (x_low, x_high) = range(points.iter().map(|p| p.0).chain([goal.0]));
    let (y_low, y_high) = range(points.iter().map(|p| p.1).chain([goal.1]));
    let title = format!(
        "RRT: {} nodes, {}",
        nodes.len(),
        if plan["success"].as_bool() == Some(true) {
            "goal reached"
        } else {
            "goal not reached"
        }
    );
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(x_low..x_high, y_low..y_high)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc("object: first translational coordinate (m)")
        .y_desc("object: angle (rad)")
        .draw()
        .map_err(plot_error)?;
    let grey = RGBColor(170, 170, 170);
    let orange = RGBColor(240, 150, 30);
    for (i, node) in nodes.iter().enumerate() {
        let Some(parent) = node["parent"].as_u64().map(|p| p as usize) else {
            continue;
        };
        let color = if node["edge"] == "regrasp" {
            orange
        } else {
            grey
        };
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![points[parent], points[i]],
                color,
            )))
            .map_err(plot_error)?;
    }
    let path: Vec<(f64, f64)> = numbers(&plan["path"])
        .iter()
        .filter_map(|&i| points.get(i as usize).copied())
        .collect();
    chart
        .draw_series(std::iter::once(PathElement::new(path, RED.stroke_width(2))))
        .map_err(plot_error)?;
    chart
        .draw_series(std::iter::once(Cross::new(goal, 8, BLACK.stroke_width(2))))
        .map_err(plot_error)?;
    Ok(())
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
    let text = std::fs::read_to_string(&args.plan)
        .with_context(|| format!("cannot read {}", args.plan.display()))?;
    let plan: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not JSON (plot the .json a plan was saved as)",
            args.plan.display()
        )
    })?;
    let planner = plan["planner"].as_str().unwrap_or_default().to_string();
    if planner != "rrt" && !planner.starts_with("trajopt") {
        bail!("{}: not a plan saved by qd plan", args.plan.display());
    }
    if args.animate {
        write_animation(args, &plan)?;
        super::stdout::line(format_args!("saved {}", args.output.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    {
        let root = SVGBackend::new(&args.output, (900, 800)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        if planner == "rrt" {
            draw_tree(&root, &plan)?;
        } else {
            let (top, bottom) = root.split_vertically(400);
            draw_costs(&top, &plan)?;
            draw_states(&bottom, &plan)?;
        }
        root.present().map_err(plot_error)?;
    }
    super::stdout::line(format_args!("saved {}", args.output.display()))?;
    Ok(ExitCode::SUCCESS)
}
