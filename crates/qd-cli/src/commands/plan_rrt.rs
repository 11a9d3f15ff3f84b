//! `qd plan --planner rrt`: the RRT of SPEC §6 on a scene's `[task.rrt]`.
//!
//! Progress (nodes, closest distance to the goal) on standard error unless `--quiet`; the
//! summary on standard output. `--output FILE.json` writes the settings, the whole tree
//! (configurations, parents, edge kinds, inputs), the path, its segments (split at regrasps)
//! and the counts; `--output FILE.npz` writes `tree_q` (nodes × n_q), `parent` (−1 for the
//! root), `edge` (0 root, 1 extension, 2 regrasp), `path` (node indices) and `path_q`.
//!
//! `--refine FACTOR` re-plans each segment of a found path (a run of extensions between
//! regrasps) by trajectory optimisation at h / FACTOR, toward the segment's last node; the
//! JSON gets `refined` (per segment: its nodes, h, `q`, `u`, cost, error at the end), the
//! `.npz` `refined_q` (all segments' states, concatenated) and `refined_starts` (where each
//! segment begins in it). Between segments the robots jump (the regrasp).

use super::plan::PlanArgs;
use super::plan_output::{NpzArrays, save};
use super::progress::Progress;
use qd_geometry::scene::Scene;
use qd_rrt::{Edge, RrtProblem, RrtResult, RrtSettings, plan_observed};
use qd_trajopt::{CostWeights, TrajoptSettings, refine};
use serde::Serialize;
use std::process::ExitCode;

/// One refined segment of the path.
#[derive(Serialize)]
struct RefinedSegment {
    /// The tree nodes it refines (start, then extensions).
    nodes: Vec<usize>,
    /// Its time step (s).
    h: f64,
    q: Vec<Vec<f64>>,
    u: Vec<Vec<f64>>,
    cost: qd_trajopt::CostParts,
    /// The object's error at the end, relative to the segment's last node.
    final_error: qd_trajopt::ObjectError,
}

/// Refines every segment of the path with more than one node.
fn refine_path(
    problem: &RrtProblem,
    result: &RrtResult,
    factor: usize,
    iterations: usize,
) -> anyhow::Result<Vec<RefinedSegment>> {
    let settings = TrajoptSettings {
        iterations,
        ..TrajoptSettings::default()
    };
    let h = problem.system().scene().parameters.h / factor as f64;
    let mut refined = Vec::new();
    for segment in result.segments() {
        if segment.len() < 2 {
            continue;
        }
        let states: Vec<Vec<f64>> = segment.iter().map(|&i| result.nodes[i].q.clone()).collect();
        let inputs: Vec<Vec<f64>> = segment[1..]
            .iter()
            .filter_map(|&i| result.nodes[i].input.clone())
            .collect();
        let plan = refine(
            problem.system(),
            &states,
            &inputs,
            factor,
            CostWeights::default(),
            &settings,
        )?;
        refined.push(RefinedSegment {
            nodes: segment,
            h,
            q: plan.states,
            u: plan.inputs,
            cost: plan.cost,
            final_error: plan.final_error,
        });
    }
    Ok(refined)
}

#[derive(Serialize)]
struct TreeOut<'a> {
    scene: &'a str,
    planner: &'static str,
    settings: &'a RrtSettings,
    goal: &'a [f64],
    /// Where the goal object's coordinates sit in q: `[first index, count]`.
    object_q: [usize; 2],
    segments: Vec<Vec<usize>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    refined: Vec<RefinedSegment>,
    #[serde(flatten)]
    result: &'a RrtResult,
}

/// Grows the RRT on `scene`'s task and reports or saves the tree and path.
pub fn run(args: &PlanArgs, scene: &Scene) -> anyhow::Result<ExitCode> {
    let problem =
        RrtProblem::from_task(scene)?.with_query(args.start.as_deref(), args.goal.as_deref())?;
    let mut settings = RrtSettings::from_task(scene, args.seed)?;
    if let Some(nodes) = args.max_nodes {
        settings.max_nodes = nodes;
    }
    let progress = Progress::new(args.quiet, settings.max_nodes as u64, "nodes");
    let result = plan_observed(&problem, &settings, |nodes, closest| {
        let message = format!(
            "closest to the goal: {:.4} m {:.4} rad",
            closest.position, closest.angle
        );
        let line = || format!("{nodes:5} nodes  {message}");
        progress.update(nodes as u64, &message, line, nodes % 100 == 0);
    });
    progress.finish();
    let result = result?;
    let summary = if result.success {
        format!(
            "goal reached: a path of {} nodes in {} segments",
            result.path.len(),
            result.segments().len()
        )
    } else {
        format!(
            "goal not reached; closest object error {:.4} m / {:.4} rad",
            result.closest_error.position, result.closest_error.angle
        )
    };
    super::stdout::line(format_args!(
        "{}: rrt, seed {}, {} nodes, {} step solves, {:.2} s: {summary}",
        scene.name,
        settings.seed,
        result.nodes.len(),
        result.stats.dynamics_evaluations,
        result.seconds,
    ))?;
    let refined = match args.refine {
        Some(factor) if result.success => {
            let refined = refine_path(&problem, &result, factor, args.iterations)?;
            let worst = refined.iter().fold((0.0f64, 0.0f64), |worst, segment| {
                (
                    worst.0.max(segment.final_error.position),
                    worst.1.max(segment.final_error.angle),
                )
            });
            super::stdout::line(format_args!(
                "refined {} segments at h = {}: {} steps; worst object error at a segment's end {:.4} m / {:.4} rad",
                refined.len(),
                problem.system().scene().parameters.h / factor as f64,
                refined.iter().map(|s| s.u.len()).sum::<usize>(),
                worst.0,
                worst.1
            ))?;
            refined
        }
        Some(_) => {
            super::stdout::line(format_args!("no path to refine"))?;
            Vec::new()
        }
        None => Vec::new(),
    };
    if let Some(path) = &args.output {
        let record = TreeOut {
            scene: &scene.name,
            planner: "rrt",
            settings: &settings,
            goal: problem.goal(),
            object_q: [problem.object().q_start, problem.object().nq],
            segments: result.segments(),
            refined,
            result: &result,
        };
        let tree_q: Vec<Vec<f64>> = result.nodes.iter().map(|n| n.q.clone()).collect();
        let parents: Vec<i64> = result
            .nodes
            .iter()
            .map(|n| n.parent.map_or(-1, |p| p as i64))
            .collect();
        let edges: Vec<i64> = result
            .nodes
            .iter()
            .map(|n| match n.edge {
                Edge::Root => 0,
                Edge::Extend => 1,
                Edge::Regrasp => 2,
            })
            .collect();
        let path_nodes: Vec<i64> = result.path.iter().map(|&i| i as i64).collect();
        let path_q: Vec<Vec<f64>> = result.path.iter().map(|&i| tree_q[i].clone()).collect();
        let mut refined_q = Vec::new();
        let mut refined_starts = Vec::new();
        for segment in &record.refined {
            refined_starts.push(refined_q.len() as i64);
            refined_q.extend(segment.q.iter().cloned());
        }
        let arrays = NpzArrays::new()
            .matrix("refined_q", &refined_q)
            .integers("refined_starts", &refined_starts)
            .matrix("tree_q", &tree_q)
            .integers("parent", &parents)
            .integers("edge", &edges)
            .integers("path", &path_nodes)
            .matrix("path_q", &path_q);
        save(path, &record, arrays)?;
        super::stdout::line(format_args!("saved {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
