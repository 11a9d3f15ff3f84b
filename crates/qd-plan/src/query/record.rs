//! The saved form of a planning query: the whole run as JSON, and its arrays as a NumPy `.npz`
//! archive derived from that JSON (so a file saved by the CLI, by a Rust program or by the
//! Python package holds the same thing, and the arrays of a loaded JSON record are the ones
//! its `.npz` would have held).
//!
//! Arrays of a trajectory-optimisation record: `q` ((T+1) × n_q), `u` (T × n_a), `x_goal`,
//! `cost` (the total cost after each iteration; one entry in closed loop), `final_error`
//! ([position m, angle rad]), `h`. Arrays of an RRT record: `tree_q` (nodes × n_q), `parent`
//! (−1 for the root), `edge` (0 root, 1 extension, 2 regrasp), `path` (node indices),
//! `path_q`, and with an executable plan `q`, `u`, `h`, `interval_start`, `interval_end`,
//! `interval_kind` (0 segment, 1 regrasp transition).

use crate::error::PlanError;
use ndarray::{Array1, Array2};
use serde_json::Value;
use std::path::Path;

/// One named array of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordArray {
    /// 1-D float64.
    Vector(Vec<f64>),
    /// 2-D float64, row-major: `rows × columns` values.
    Matrix {
        /// Rows.
        rows: usize,
        /// Columns.
        columns: usize,
        /// The values, row after row.
        values: Vec<f64>,
    },
    /// 1-D int64.
    Integers(Vec<i64>),
}

/// A planning query's record: the JSON the CLI's `--output FILE.json` writes.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRecord {
    json: Value,
}

fn malformed(reason: impl Into<String>) -> PlanError {
    PlanError::Malformed {
        what: "record".to_string(),
        reason: reason.into(),
    }
}

fn file_error(path: &Path, reason: impl ToString) -> PlanError {
    PlanError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Refuses a path that is neither `.json` nor `.npz`, or that exists unless `overwrite`:
/// nothing a user wrote is overwritten unasked.
///
/// # Errors
/// [`PlanError::File`] naming the path.
pub fn check_output_path(path: &Path, overwrite: bool) -> Result<(), PlanError> {
    if !matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("json" | "npz")
    ) {
        return Err(file_error(path, "the output must end in .json or .npz"));
    }
    if path.exists() && !overwrite {
        return Err(file_error(
            path,
            "exists; pass --force (in Python, overwrite=True) to overwrite it",
        ));
    }
    Ok(())
}

/// `value` as an array of f64, or an error naming `what`.
fn floats(value: &Value, what: &str) -> Result<Vec<f64>, PlanError> {
    let list = value
        .as_array()
        .ok_or_else(|| malformed(format!("{what} is not a list")))?;
    list.iter()
        .map(|v| {
            v.as_f64()
                .ok_or_else(|| malformed(format!("{what} holds a non-number")))
        })
        .collect()
}

/// `value` as a list of equally long float rows.
fn matrix(value: &Value, what: &str) -> Result<RecordArray, PlanError> {
    let list = value
        .as_array()
        .ok_or_else(|| malformed(format!("{what} is not a list of rows")))?;
    let mut values = Vec::new();
    let mut columns = None;
    for (i, row) in list.iter().enumerate() {
        let row = floats(row, &format!("{what}[{i}]"))?;
        if *columns.get_or_insert(row.len()) != row.len() {
            return Err(malformed(format!("{what}: rows of unequal length")));
        }
        values.extend(row);
    }
    Ok(RecordArray::Matrix {
        rows: list.len(),
        columns: columns.unwrap_or(0),
        values,
    })
}

fn field<'a>(value: &'a Value, key: &str) -> Result<&'a Value, PlanError> {
    value
        .get(key)
        .ok_or_else(|| malformed(format!("no field '{key}'")))
}

fn number(value: &Value, key: &str) -> Result<f64, PlanError> {
    field(value, key)?
        .as_f64()
        .ok_or_else(|| malformed(format!("'{key}' is not a number")))
}

impl PlanRecord {
    /// Wraps a record's JSON, checking that it is a trajectory-optimisation or RRT record
    /// (its arrays can be derived).
    ///
    /// # Errors
    /// [`PlanError::Malformed`] naming the missing or malformed field.
    pub fn from_json(json: Value) -> Result<PlanRecord, PlanError> {
        let record = PlanRecord { json };
        record.arrays()?;
        Ok(record)
    }

    /// Reads a record saved as JSON (by the CLI's `--output FILE.json` or [`PlanRecord::save`]).
    ///
    /// # Errors
    /// An unreadable file, text that is not JSON (with line and column), not a plan record.
    pub fn load(path: &Path) -> Result<PlanRecord, PlanError> {
        if path.extension().and_then(|e| e.to_str()) == Some("npz") {
            return Err(file_error(
                path,
                "an .npz archive holds the arrays only; load the .json record (NumPy reads .npz)",
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
        let json: Value =
            serde_json::from_str(&text).map_err(|e| file_error(path, format!("not JSON: {e}")))?;
        PlanRecord::from_json(json).map_err(|e| file_error(path, e))
    }

    /// The JSON.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The planner that made it: `trajopt`, `trajopt (receding horizon)` or `rrt`.
    pub fn planner(&self) -> &str {
        self.json
            .get("planner")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The executable plan it carries (an RRT record that did not reach its goal has none).
    ///
    /// # Errors
    /// A `plan` entry that is not a valid plan.
    pub fn plan(&self) -> Result<Option<crate::Plan>, PlanError> {
        match self.json.get("plan") {
            None | Some(Value::Null) => Ok(None),
            Some(plan) => serde_json::from_value(plan.clone())
                .map(Some)
                .map_err(|e| malformed(format!("not a qd plan: {e}"))),
        }
    }

    /// The named arrays of the record, in the order the `.npz` archive holds them.
    ///
    /// # Errors
    /// A record missing a field its arrays come from.
    pub fn arrays(&self) -> Result<Vec<(String, RecordArray)>, PlanError> {
        let json = &self.json;
        let mut arrays = Vec::new();
        let mut push = |name: &str, array: RecordArray| arrays.push((name.to_string(), array));
        if self.planner() == "rrt" {
            if let Some(plan) = json.get("plan").filter(|p| !p.is_null()) {
                push("q", matrix(field(plan, "states")?, "plan.states")?);
                push("u", matrix(field(plan, "inputs")?, "plan.inputs")?);
                push("h", RecordArray::Vector(vec![number(plan, "h")?]));
                let intervals = field(plan, "intervals")?
                    .as_array()
                    .ok_or_else(|| malformed("plan.intervals is not a list"))?;
                let column = |key: &str| -> Result<Vec<i64>, PlanError> {
                    intervals
                        .iter()
                        .map(|i| {
                            i.get(key)
                                .and_then(Value::as_i64)
                                .ok_or_else(|| malformed(format!("interval without '{key}'")))
                        })
                        .collect()
                };
                push("interval_start", RecordArray::Integers(column("start")?));
                push("interval_end", RecordArray::Integers(column("end")?));
                let kinds = intervals
                    .iter()
                    .map(|i| match i.get("kind").and_then(Value::as_str) {
                        Some("segment") => Ok(0),
                        Some("transition") => Ok(1),
                        _ => Err(malformed("interval with an unknown kind")),
                    })
                    .collect::<Result<Vec<i64>, _>>()?;
                push("interval_kind", RecordArray::Integers(kinds));
            }
            let nodes = field(json, "nodes")?
                .as_array()
                .ok_or_else(|| malformed("nodes is not a list"))?;
            let tree_q: Vec<Value> = nodes.iter().map(|n| n["q"].clone()).collect();
            let tree = matrix(&Value::Array(tree_q.clone()), "nodes[].q")?;
            push("tree_q", tree);
            let parents = nodes
                .iter()
                .map(|n| n["parent"].as_i64().unwrap_or(-1))
                .collect();
            push("parent", RecordArray::Integers(parents));
            let edges = nodes
                .iter()
                .map(|n| match n["edge"].as_str() {
                    Some("root") => Ok(0),
                    Some("extend") => Ok(1),
                    Some("regrasp") => Ok(2),
                    _ => Err(malformed("node with an unknown edge")),
                })
                .collect::<Result<Vec<i64>, _>>()?;
            push("edge", RecordArray::Integers(edges));
            let path = field(json, "path")?
                .as_array()
                .ok_or_else(|| malformed("path is not a list"))?
                .iter()
                .map(|i| {
                    i.as_u64()
                        .filter(|&i| (i as usize) < tree_q.len())
                        .ok_or_else(|| malformed("path holds a node that does not exist"))
                })
                .collect::<Result<Vec<u64>, _>>()?;
            let path_q: Vec<Value> = path.iter().map(|&i| tree_q[i as usize].clone()).collect();
            push(
                "path",
                RecordArray::Integers(path.iter().map(|&i| i as i64).collect()),
            );
            push("path_q", matrix(&Value::Array(path_q), "path_q")?);
        } else {
            push("q", matrix(field(json, "q")?, "q")?);
            push("u", matrix(field(json, "u")?, "u")?);
            push(
                "x_goal",
                RecordArray::Vector(floats(field(json, "x_goal")?, "x_goal")?),
            );
            let cost = match json.get("iterations").and_then(Value::as_array) {
                Some(reports) => reports
                    .iter()
                    .map(|r| {
                        r["cost"]["total"]
                            .as_f64()
                            .ok_or_else(|| malformed("an iteration without cost.total"))
                    })
                    .collect::<Result<Vec<f64>, _>>()?,
                None => vec![number(field(json, "cost")?, "total")?],
            };
            push("cost", RecordArray::Vector(cost));
            let error = field(json, "final_error")?;
            push(
                "final_error",
                RecordArray::Vector(vec![number(error, "position")?, number(error, "angle")?]),
            );
            push("h", RecordArray::Vector(vec![number(json, "h")?]));
        }
        Ok(arrays)
    }

    /// Writes the record as pretty JSON, or its arrays as `.npz`, by the path's extension;
    /// an existing file only with `overwrite`.
    ///
    /// # Errors
    /// Another extension, an existing file, a write that fails.
    pub fn save(&self, path: &Path, overwrite: bool) -> Result<(), PlanError> {
        check_output_path(path, overwrite)?;
        if path.extension().and_then(|e| e.to_str()) == Some("json") {
            let text = serde_json::to_string_pretty(&self.json).map_err(|e| file_error(path, e))?;
            return std::fs::write(path, text + "\n").map_err(|e| file_error(path, e));
        }
        let arrays = self.arrays()?;
        let file = std::fs::File::create(path).map_err(|e| file_error(path, e))?;
        let mut npz = ndarray_npy::NpzWriter::new(file);
        let npz_error = |e: &dyn std::fmt::Display| file_error(path, e);
        for (name, array) in arrays {
            match array {
                RecordArray::Vector(v) => npz.add_array(name.as_str(), &Array1::from_vec(v)),
                RecordArray::Integers(v) => npz.add_array(name.as_str(), &Array1::from_vec(v)),
                RecordArray::Matrix {
                    rows,
                    columns,
                    values,
                } => {
                    let matrix = Array2::from_shape_vec((rows, columns), values)
                        .map_err(|e| npz_error(&e))?;
                    npz.add_array(name.as_str(), &matrix)
                }
            }
            .map_err(|e| npz_error(&e))?;
        }
        npz.finish().map_err(|e| npz_error(&e))?;
        Ok(())
    }
}
