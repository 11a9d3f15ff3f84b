//! What `qd plot` reads: a plan record saved by `qd plan` (`.json`, or its `.npz` arrays), a
//! plan saved by Python's `Plan.save`, or the trajectory `qd sim` writes. Each becomes one JSON
//! value in the record's layout, with the scene it was made on when that can be found.

use anyhow::{Context, bail};
use ndarray::{Array1, Array2};
use ndarray_npy::NpzReader;
use qd_geometry::scene::Scene;
use serde_json::{Value, json};
use std::path::Path;

/// A plot's input, in the layout of a `qd plan` record (`planner` is `trajopt…`, `rrt`, or
/// `sim` for a `qd sim` trajectory).
pub struct PlotInput {
    pub record: Value,
    pub scene: Option<Scene>,
}

fn matrix_rows(a: &Array2<f64>) -> Value {
    Value::from(a.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>())
}

/// The arrays of an `.npz` plan as a record (`scene` is needed for an RRT's object).
fn npz_record(path: &Path, scene: Option<&Scene>) -> anyhow::Result<Value> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut npz =
        NpzReader::new(file).with_context(|| format!("{}: not an .npz archive", path.display()))?;
    let names = npz.names()?;
    let mut matrix = |name: &str| -> anyhow::Result<Array2<f64>> {
        npz.by_name(name)
            .with_context(|| format!("{}: no 2-D float array '{name}'", path.display()))
    };
    if names.iter().any(|n| n == "tree_q") {
        let tree = matrix("tree_q")?;
        let plan_states = names
            .iter()
            .any(|n| n == "q")
            .then(|| matrix("q"))
            .transpose()?;
        let mut npz = NpzReader::new(std::fs::File::open(path)?)?;
        let mut integers = |name: &str| -> anyhow::Result<Vec<i64>> {
            let a: Array1<i64> = npz
                .by_name(name)
                .with_context(|| format!("{}: no integer array '{name}'", path.display()))?;
            Ok(a.to_vec())
        };
        let (parents, edges, path_nodes) =
            (integers("parent")?, integers("edge")?, integers("path")?);
        let scene = scene.with_context(|| {
            format!(
                "{}: an .npz holds no scene; pass --scene NAME|FILE to plot its tree",
                path.display()
            )
        })?;
        let task = qd_task::Task::from_scene(scene)?
            .with_context(|| format!("scene '{}' has no [task]", scene.name()))?;
        let object = task.object_coordinates(scene);
        let nodes: Vec<Value> = tree
            .rows()
            .into_iter()
            .zip(parents.iter().zip(&edges))
            .map(|(q, (&parent, &edge))| {
                let edge = ["root", "extend", "regrasp"]
                    .get(edge as usize)
                    .copied()
                    .unwrap_or("extend");
                json!({
                    "q": q.to_vec(),
                    "parent": (parent >= 0).then_some(parent),
                    "edge": edge,
                })
            })
            .collect();
        let mut record = json!({
            "scene": scene.name(),
            "planner": "rrt",
            "object_q": [object.q_start, object.nq],
            "goal": task.goal().q,
            "success": !path_nodes.is_empty(),
            "nodes": nodes,
            "path": path_nodes,
        });
        if let Some(states) = plan_states {
            record["plan"] = json!({ "states": matrix_rows(&states) });
        }
        return Ok(record);
    }
    let q = matrix("q")?;
    let mut npz = NpzReader::new(std::fs::File::open(path)?)?;
    let mut vector = |name: &str| -> Option<Vec<f64>> {
        npz.by_name::<ndarray::OwnedRepr<f64>, ndarray::Ix1>(name)
            .ok()
            .map(|a| a.to_vec())
    };
    let costs = vector("cost").unwrap_or_default();
    let iterations: Vec<Value> = costs
        .iter()
        .enumerate()
        .map(|(i, c)| json!({ "iteration": i, "cost": { "total": c } }))
        .collect();
    Ok(json!({
        "scene": scene.map(|s| s.name().to_string()),
        "planner": "trajopt",
        "q": matrix_rows(&q),
        "h": vector("h").and_then(|h| h.first().copied()),
        "x_goal": vector("x_goal"),
        "iterations": iterations,
    }))
}

/// The scene a record was made on: the one given, else the scene text a plan carries, else
/// its scene's name as a built-in scene or a file.
fn record_scene(record: &Value, given: Option<Scene>) -> Option<Scene> {
    if given.is_some() {
        return given;
    }
    let carried = serde_json::from_value::<qd_plan::SceneSource>(record["plan"]["scene"].clone());
    if let Ok(scene) = carried
        .map_err(|e| e.to_string())
        .and_then(|s| s.load().map_err(|e| e.to_string()))
    {
        return Some(scene);
    }
    record["scene"]
        .as_str()
        .and_then(|name| super::super::scene::load_scene(name).ok())
}

/// Reads `path` (`.json` or `.npz`), with `--scene` when given.
pub fn read(path: &Path, scene: Option<&str>) -> anyhow::Result<PlotInput> {
    let given = scene.map(super::super::scene::load_scene).transpose()?;
    let record = if path.extension().and_then(|e| e.to_str()) == Some("npz") {
        npz_record(path, given.as_ref())?
    } else {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut record: Value = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: not JSON (plot a plan's .json or .npz, or qd sim's output)",
                path.display()
            )
        })?;
        let planner = record["planner"].as_str().unwrap_or_default();
        let is_plan = planner == "rrt" || planner.starts_with("trajopt");
        let is_sim =
            record["planner"].is_null() && record["q"].is_array() && record["steps"].is_array();
        if is_sim {
            record["planner"] = json!("sim");
        } else if !is_plan {
            bail!(
                "{}: not a plan saved by qd plan nor a trajectory from qd sim",
                path.display()
            );
        }
        record
    };
    let scene = record_scene(&record, given);
    Ok(PlotInput { record, scene })
}
