//! `qd plan --planner rrt`: the RRT of docs/rrt.md on a scene's `[task.rrt]`, and its path made
//! executable, run as [`qd_plan::RrtQuery`].
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
use crate::commands::progress::Progress;
use qd_geometry::scene::Scene;
use qd_plan::{IntervalKind, Plan, RrtQuery, SceneSource};
use std::process::ExitCode;

/// One line on the executable plan.
fn plan_line(plan: &Plan) -> String {
    let transitions = plan
        .intervals
        .iter()
        .filter(|i| i.kind == IntervalKind::Transition)
        .count();
    let error = plan.final_error.unwrap_or_default();
    format!(
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
    )
}

/// Grows the RRT on `scene`'s task and reports or saves the tree, the path and its plan.
pub fn run(args: &PlanArgs, source: &SceneSource, scene: &Scene) -> anyhow::Result<ExitCode> {
    let query = RrtQuery {
        seed: args.seed,
        max_nodes: args.max_nodes,
        goal: args.goal.clone(),
        start: args.start.clone(),
        refine: args.refine,
    };
    let prepared = query.prepare(scene)?;
    let progress = Progress::new(args.quiet, prepared.settings.max_nodes as u64, "nodes");
    let result = prepared.grow(|nodes, closest| {
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
        prepared.settings.seed,
        result.nodes.len(),
        result.stats.dynamics_evaluations,
        result.seconds,
    ))?;
    if result.success && !args.quiet {
        eprintln!(
            "making the path executable at h = {} s (segments re-planned, regrasps planned \
             as motions, re-planning where the rollout strays)…",
            prepared.problem.system().settings().h / prepared.execution.factor as f64
        );
    }
    let plan = prepared.execute(source, &result)?;
    if let Some(plan) = &plan {
        crate::commands::stdout::line(format_args!("{}", plan_line(plan)))?;
    }
    if let Some(path) = &args.output {
        prepared
            .record(&result, plan.as_ref())?
            .save(path, args.force)?;
        crate::commands::stdout::line(format_args!("saved {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
