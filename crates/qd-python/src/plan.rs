//! `qd.plan_trajopt`, `qd.plan_rrt` and `qd.load_plan`: planning queries on a scene's task, run
//! exactly as the `qd plan` command runs them, and their records, saved in the CLI's formats.

use crate::convert::{ArrayIn, json_to_python, vector};
use crate::errors::{plan_error, qd_error, value_error};
use crate::scene::PyScene;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use qd_plan::{PlanRecord, RecordArray, RrtQuery, TrajoptQuery};
use qd_trajopt::ScheduleKind;
use std::path::PathBuf;

/// A planning query's result: the record the CLI saves as JSON (`record`), the arrays its
/// `.npz` holds (`arrays`), and shortcuts to what is used most.
#[pyclass(module = "qd", name = "Plan", frozen)]
pub struct PyPlan {
    record: PlanRecord,
}

fn array_to_python<'py>(py: Python<'py>, array: RecordArray) -> PyResult<Bound<'py, PyAny>> {
    Ok(match array {
        RecordArray::Vector(v) => PyArray1::from_vec(py, v).into_any(),
        RecordArray::Integers(v) => PyArray1::from_vec(py, v).into_any(),
        RecordArray::Matrix {
            rows,
            columns,
            values,
        } => Array2::from_shape_vec((rows, columns), values)
            .map_err(qd_error)?
            .into_pyarray(py)
            .into_any(),
    })
}

impl PyPlan {
    fn array<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let arrays = self.record.arrays().map_err(plan_error)?;
        arrays
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| array_to_python(py, a))
            .transpose()
    }

    fn json_f64(&self, pointer: &str) -> Option<f64> {
        self.record.json().pointer(pointer).and_then(|v| v.as_f64())
    }
}

#[pymethods]
impl PyPlan {
    /// The planner: `trajopt`, `trajopt (receding horizon)` or `rrt`.
    #[getter]
    fn planner(&self) -> &str {
        self.record.planner()
    }

    /// The scene's name.
    #[getter]
    fn scene(&self) -> &str {
        self.record
            .json()
            .get("scene")
            .and_then(|v| v.as_str())
            .unwrap_or("")
    }

    /// Whether the plan's exact rollout ends with the object within the goal tolerance (an
    /// RRT that did not reach its goal has no plan: False).
    #[getter]
    fn reached(&self) -> bool {
        self.record
            .json()
            .pointer("/plan/reached")
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// RRT: whether the tree reached the goal; trajectory optimisation: `reached`.
    #[getter]
    fn success(&self) -> bool {
        match self.record.json().get("success").and_then(|v| v.as_bool()) {
            Some(success) => success,
            None => self.reached(),
        }
    }

    /// The object's error at the end of the plan: (position m, angle rad); None for an RRT
    /// without a plan.
    #[getter]
    fn final_error(&self) -> Option<(f64, f64)> {
        Some((
            self.json_f64("/plan/final_error/position")?,
            self.json_f64("/plan/final_error/angle")?,
        ))
    }

    /// Wall-clock time of the planner (s).
    #[getter]
    fn seconds(&self) -> Option<f64> {
        self.json_f64("/seconds")
    }

    /// The plan's configurations, (N + 1, nq) (None for an RRT without a plan).
    #[getter]
    fn q<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.array(py, "q")
    }

    /// The plan's commands, (N, na).
    #[getter]
    fn u<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.array(py, "u")
    }

    /// The plan's time step (s).
    #[getter]
    fn h(&self) -> Option<f64> {
        self.json_f64("/plan/h").or_else(|| self.json_f64("/h"))
    }

    /// Every array of the record, by the names of its `.npz` archive.
    #[getter]
    fn arrays<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, array) in self.record.arrays().map_err(plan_error)? {
            dict.set_item(name, array_to_python(py, array)?)?;
        }
        Ok(dict)
    }

    /// The whole record as Python objects (what `save("x.json")` writes).
    #[getter]
    fn record<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_python(py, &self.record.json().to_string())
    }

    /// Saves the record as JSON (`.json`; `qd replay` and `qd plot` read it) or its arrays as
    /// NumPy `.npz`, by the extension. An existing file is kept unless `overwrite=True`.
    #[pyo3(signature = (path, overwrite=false))]
    fn save(&self, path: PathBuf, overwrite: bool) -> PyResult<()> {
        if path.exists() && !overwrite {
            return Err(pyo3::exceptions::PyFileExistsError::new_err(format!(
                "{} exists; pass overwrite=True to replace it",
                path.display()
            )));
        }
        self.record.save(&path, overwrite).map_err(plan_error)
    }

    fn __repr__(&self) -> String {
        let error = match self.final_error() {
            Some((p, a)) => format!("final error {p:.4} m / {a:.4} rad"),
            None => "no executable plan".to_string(),
        };
        format!(
            "Plan('{}', planner='{}', {}, reached={})",
            self.scene(),
            self.planner(),
            error,
            if self.reached() { "True" } else { "False" }
        )
    }
}

/// The schedule family by its CLI name.
fn method_kind(method: &str) -> PyResult<ScheduleKind> {
    match method.to_ascii_lowercase().replace('-', "_").as_str() {
        "analytic" => Ok(ScheduleKind::Analytic),
        "randomized" => Ok(ScheduleKind::Randomized),
        "zero_order" => Ok(ScheduleKind::ZeroOrder),
        "exact" => Ok(ScheduleKind::Exact),
        _ => Err(value_error(format!(
            "unknown method '{method}' (one of 'analytic', 'randomized', 'zero_order', 'exact')"
        ))),
    }
}

/// Trajectory optimisation of the scene's `[task.trajopt]` (docs/trajopt.md), as `qd plan
/// SCENE` runs it. `None` options take the task's values. `model` is `"full"` or
/// `"input_only"` (the QP's linear model, docs/trajopt.md).
#[pyfunction]
#[pyo3(signature = (scene, method="analytic", iterations=20, horizon=None, samples=None, sigma0=None, kappa_start=None, kappa_end=None, seed=1, receding=false, model=None))]
#[allow(clippy::too_many_arguments)]
pub fn plan_trajopt(
    py: Python<'_>,
    scene: &PyScene,
    method: &str,
    iterations: usize,
    horizon: Option<usize>,
    samples: Option<usize>,
    sigma0: Option<f64>,
    kappa_start: Option<f64>,
    kappa_end: Option<f64>,
    seed: u64,
    receding: bool,
    model: Option<&str>,
) -> PyResult<PyPlan> {
    if scene.task.is_none() {
        return Err(value_error(format!(
            "scene '{}' has no [task]",
            scene.scene().name()
        )));
    }
    let query = TrajoptQuery {
        method: method_kind(method)?,
        iterations,
        horizon,
        samples,
        sigma0,
        kappa_start,
        kappa_end,
        seed,
        receding,
        model: model.map(linear_model).transpose()?,
        forward_pass: None,
    };
    let outcome = py
        .detach(|| query.run(&scene.source, scene.scene(), |_| {}))
        .map_err(plan_error)?;
    Ok(PyPlan {
        record: outcome.record,
    })
}

/// The linear model called `name`.
fn linear_model(name: &str) -> PyResult<qd_trajopt::LinearModel> {
    match name {
        "full" => Ok(qd_trajopt::LinearModel::Full),
        "input_only" => Ok(qd_trajopt::LinearModel::InputOnly),
        other => Err(value_error(format!(
            "unknown model '{other}': expected 'full' or 'input_only'"
        ))),
    }
}

/// The RRT through contact on the scene's `[task.rrt]` (docs/rrt.md), and its path made an
/// executable plan, as `qd plan SCENE --planner rrt` runs it. `goal` and `start` are object
/// poses in the object's coordinates (within the task's sampling region).
#[pyfunction]
#[pyo3(signature = (scene, seed=1, max_nodes=None, goal=None, start=None, refine=None))]
pub fn plan_rrt(
    py: Python<'_>,
    scene: &PyScene,
    seed: u64,
    max_nodes: Option<usize>,
    goal: Option<ArrayIn<'_>>,
    start: Option<ArrayIn<'_>>,
    refine: Option<usize>,
) -> PyResult<PyPlan> {
    let object_nq = match &scene.task {
        Some(task) => task.object_coordinates(scene.scene()).nq,
        None => {
            return Err(value_error(format!(
                "scene '{}' has no [task]",
                scene.scene().name()
            )));
        }
    };
    let query = RrtQuery {
        seed,
        max_nodes,
        goal: goal.map(|g| vector("goal", &g, object_nq)).transpose()?,
        start: start.map(|s| vector("start", &s, object_nq)).transpose()?,
        refine,
    };
    let prepared = query.prepare(scene.scene()).map_err(plan_error)?;
    let outcome = py
        .detach(|| prepared.run(&scene.source, |_, _| {}))
        .map_err(plan_error)?;
    Ok(PyPlan {
        record: outcome.record,
    })
}

/// A plan record saved as JSON by `qd plan --output` or `Plan.save`.
#[pyfunction]
pub fn load_plan(path: PathBuf) -> PyResult<PyPlan> {
    if !path.exists() {
        return Err(pyo3::exceptions::PyFileNotFoundError::new_err(format!(
            "{}: no such file",
            path.display()
        )));
    }
    let record = PlanRecord::load(&path).map_err(plan_error)?;
    Ok(PyPlan { record })
}
