//! `qd plan --planner rrt`: the RRT of SPEC §6 on a scene's `[task.rrt]`.
//!
//! Progress (nodes, closest distance to the goal) on standard error unless `--quiet`; the
//! summary on standard output. `--output FILE.json` writes the settings, the whole tree
//! (configurations, parents, edge kinds, inputs), the path, its segments (split at regrasps)
//! and the counts; `--output FILE.npz` writes `tree_q` (nodes × n_q), `parent` (−1 for the
//! root), `edge` (0 root, 1 extension, 2 regrasp), `path` (node indices) and `path_q`.

use super::plan::PlanArgs;
use super::plan_output::{NpzArrays, save};
use qd_geometry::scene::Scene;
use qd_rrt::{Edge, RrtProblem, RrtResult, RrtSettings, plan_observed};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Serialize)]
struct TreeOut<'a> {
    scene: &'a str,
    planner: &'static str,
    settings: &'a RrtSettings,
    goal: &'a [f64],
    segments: Vec<Vec<usize>>,
    #[serde(flatten)]
    result: &'a RrtResult,
}

/// Grows the RRT on `scene`'s task and reports or saves the tree and path.
pub fn run(args: &PlanArgs, scene: &Scene) -> anyhow::Result<ExitCode> {
    let problem = RrtProblem::from_task(scene)?;
    let mut settings = RrtSettings::from_task(scene, args.seed)?;
    if let Some(nodes) = args.max_nodes {
        settings.max_nodes = nodes;
    }
    let result = plan_observed(&problem, &settings, |nodes, closest| {
        if !args.quiet && nodes % 100 == 0 {
            eprintln!(
                "{nodes:5} nodes  closest to the goal: {:.4} m {:.4} rad",
                closest.position, closest.angle
            );
        }
    })?;
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
    println!(
        "{}: rrt, seed {}, {} nodes, {} step solves, {:.2} s: {summary}",
        scene.name,
        settings.seed,
        result.nodes.len(),
        result.stats.dynamics_evaluations,
        result.seconds,
    );
    if let Some(path) = &args.output {
        let record = TreeOut {
            scene: &scene.name,
            planner: "rrt",
            settings: &settings,
            goal: problem.goal(),
            segments: result.segments(),
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
        let arrays = NpzArrays::new()
            .matrix("tree_q", &tree_q)
            .integers("parent", &parents)
            .integers("edge", &edges)
            .integers("path", &path_nodes)
            .matrix("path_q", &path_q);
        save(path, &record, arrays)?;
        println!("saved {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
