//! `qd plan --planner rrt`: the RRT of docs/rrt.md on a scene's `[task.rrt]`, and its path made
//! executable (`qd-plan`).
//!
//! Progress (nodes, closest distance to the goal) on standard error unless `--quiet`; the
//! summary on standard output. When the tree reaches the goal, its path becomes one plan: each
//! segment re-planned by trajectory optimisation at h / FACTOR (`--refine FACTOR`, default the
//! task's `refine_factor`), each regrasp a collision-checked motion (open, travel, close), all
//! stepped with the exact dynamics from the start (re-planning from where the rollout ended
//! when it misses the goal).
//!
//! `--output FILE.json` writes the settings, the whole tree (configurations, parents, edge
//! kinds, inputs), the path, its segments, the counts and, under `plan`, the executable plan
//! (`qd replay` reads it); `--output FILE.npz` writes `tree_q` (nodes × n_q), `parent` (−1 for
//! the root), `edge` (0 root, 1 extension, 2 regrasp), `path` (node indices), `path_q`, and
//! for the executable plan `q` (N + 1 × n_q), `u` (N × n_a), `h`, and its intervals
//! `interval_start`, `interval_end`, `interval_kind` (0 segment, 1 regrasp transition).

use super::PlanArgs;
use super::output::{NpzArrays, save};
use crate::commands::progress::Progress;
use qd_geometry::scene::Scene;
use qd_plan::{ExecutionSettings, IntervalKind, Plan, SceneSource, execute_path};
use qd_rrt::{Edge, RrtProblem, RrtResult, RrtSettings, plan_observed};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Serialize)]
struct TreeOut<'a> {
    scene: &'a str,
    planner: &'static str,
    settings: &'a RrtSettings,
    goal: &'a [f64],
    /// Where the goal object's coordinates sit in q: `[first index, count]`.
    object_q: [usize; 2],
    segments: Vec<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<&'a Plan>,
    #[serde(flatten)]
    result: &'a RrtResult,
}

/// The execution settings of the task, with `--refine`; checked before the tree grows.
fn execution_settings(args: &PlanArgs, scene: &Scene) -> anyhow::Result<ExecutionSettings> {
    let mut settings = ExecutionSettings::from_task(scene)?;
    if let Some(factor) = args.refine {
        settings.factor = factor;
    }
    settings.check()?;
    Ok(settings)
}

/// Grows the RRT on `scene`'s task and reports or saves the tree, the path and its plan.
pub fn run(args: &PlanArgs, source: &SceneSource, scene: &Scene) -> anyhow::Result<ExitCode> {
    let problem =
        RrtProblem::from_task(scene)?.with_query(args.start.as_deref(), args.goal.as_deref())?;
    let mut settings = RrtSettings::from_task(scene, args.seed)?;
    if let Some(nodes) = args.max_nodes {
        settings.max_nodes = nodes;
    }
    let execution = execution_settings(args, scene)?;
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
    crate::commands::stdout::line(format_args!(
        "{}: rrt, seed {}, {} nodes, {} step solves, {:.2} s: {summary}",
        scene.name(),
        settings.seed,
        result.nodes.len(),
        result.stats.dynamics_evaluations,
        result.seconds,
    ))?;
    let plan = if result.success {
        if !args.quiet {
            eprintln!(
                "making the path executable at h = {} s (segments re-planned, regrasps planned \
                 as motions, re-planning where the rollout strays)…",
                problem.system().settings().h / execution.factor as f64
            );
        }
        let motion = execute_path(&problem, &result, &settings, &execution)?;
        let plan = Plan::from_rrt(source.clone(), &problem, &settings, &execution, motion);
        let transitions = plan
            .intervals
            .iter()
            .filter(|i| i.kind == IntervalKind::Transition)
            .count();
        let error = plan.final_error.unwrap_or_default();
        crate::commands::stdout::line(format_args!(
            "executable plan: {} steps at h = {} s, {} regrasp transitions, largest command \
             change {:.3} per step; final object error {:.4} m / {:.4} rad ({})",
            plan.inputs.len(),
            plan.h,
            transitions,
            plan.max_input_change,
            error.position,
            error.angle,
            if plan.reached {
                "within the goal tolerance"
            } else {
                "OUTSIDE the goal tolerance"
            }
        ))?;
        Some(plan)
    } else {
        None
    };
    if let Some(path) = &args.output {
        save_tree(path, scene, &problem, &settings, &result, plan.as_ref())?;
        crate::commands::stdout::line(format_args!("saved {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn save_tree(
    path: &std::path::Path,
    scene: &Scene,
    problem: &RrtProblem,
    settings: &RrtSettings,
    result: &RrtResult,
    plan: Option<&Plan>,
) -> anyhow::Result<()> {
    let record = TreeOut {
        scene: scene.name(),
        planner: "rrt",
        settings,
        goal: problem.goal(),
        object_q: [problem.object().q_start, problem.object().nq],
        segments: result.segments(),
        plan,
        result,
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
    let mut arrays = NpzArrays::new();
    if let Some(plan) = plan {
        let column = |f: fn(&qd_plan::Interval) -> i64| -> Vec<i64> {
            plan.intervals.iter().map(f).collect()
        };
        arrays = arrays
            .matrix("q", &plan.states)
            .matrix("u", &plan.inputs)
            .vector("h", &[plan.h])
            .integers("interval_start", &column(|i| i.start as i64))
            .integers("interval_end", &column(|i| i.end as i64))
            .integers(
                "interval_kind",
                &column(|i| match i.kind {
                    IntervalKind::Segment => 0,
                    IntervalKind::Transition => 1,
                }),
            );
    }
    let arrays = arrays
        .matrix("tree_q", &tree_q)
        .integers("parent", &parents)
        .integers("edge", &edges)
        .integers("path", &path_nodes)
        .matrix("path_q", &path_q);
    save(path, &record, arrays)
}
