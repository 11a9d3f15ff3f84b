//! `qd.Scene`: a built-in system or a scene file, its names and coordinates, its task, and
//! the step (one pair (q, u), or a batch on threads).

use crate::convert::{ArrayIn, array1, rows_array, vector};
use crate::errors::{input_error, value_error};
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use qd_dynamics::{ForwardMode, GradientMode, QuasiDynamicSystem, StepSettings};
use qd_geometry::scene::Scene;
use qd_plan::SceneSource;
use qd_task::{ObjectCoordinates, Task};
use std::path::PathBuf;

/// A scene ready to step and plan: the model, its step settings (the scene file's
/// `[parameters]`), its task if it has one, and the text it was loaded from (plans carry it).
#[pyclass(module = "qd", name = "Scene", frozen)]
pub struct PyScene {
    pub(crate) source: SceneSource,
    pub(crate) system: QuasiDynamicSystem,
    pub(crate) task: Option<Task>,
}

impl PyScene {
    fn new(source: SceneSource, scene: Scene) -> PyResult<PyScene> {
        qd_plan::check_scene_sections(&scene).map_err(input_error)?;
        let task = Task::from_scene(&scene).map_err(input_error)?;
        let system = QuasiDynamicSystem::new(scene).map_err(input_error)?;
        Ok(PyScene {
            source,
            system,
            task,
        })
    }

    pub(crate) fn scene(&self) -> &Scene {
        self.system.scene()
    }

    /// The step settings with the caller's overrides of the forward mode, κ and derivatives.
    pub(crate) fn step_settings(
        &self,
        mode: Option<&str>,
        kappa: Option<f64>,
        gradients: &str,
    ) -> PyResult<StepSettings> {
        let mut settings = self.system.settings().clone();
        if let Some(mode) = mode {
            settings.forward_mode = parse_mode(mode)?;
        }
        if let Some(kappa) = kappa {
            settings.kappa = kappa;
        }
        settings.gradient_mode = parse_gradients(gradients)?;
        settings.check().map_err(input_error)?;
        Ok(settings)
    }

    fn checked_task(&self) -> PyResult<&Task> {
        self.task
            .as_ref()
            .ok_or_else(|| value_error(format!("scene '{}' has no [task]", self.scene().name())))
    }

    /// The task's goal as a whole configuration: the start with the object's block at the goal.
    pub(crate) fn goal_configuration(&self, task: &Task) -> Vec<f64> {
        let object = task.object_coordinates(self.scene());
        let mut q = task.start_q().to_vec();
        q[object.q_start..object.q_start + object.nq].copy_from_slice(&task.goal().q);
        q
    }
}

/// A forward mode by its scene-file name.
pub(crate) fn parse_mode(name: &str) -> PyResult<ForwardMode> {
    ForwardMode::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = ForwardMode::ALL.iter().map(|m| m.name()).collect();
        value_error(format!(
            "unknown mode '{name}' (modes: {})",
            names.join(", ")
        ))
    })
}

/// `"none"`, `"b"` or `"ab"`.
pub(crate) fn parse_gradients(name: &str) -> PyResult<GradientMode> {
    match name.to_ascii_lowercase().as_str() {
        "none" | "" => Ok(GradientMode::None),
        "b" => Ok(GradientMode::B),
        "ab" => Ok(GradientMode::Ab),
        _ => Err(value_error(format!(
            "unknown gradients '{name}' (one of 'none', 'b', 'ab')"
        ))),
    }
}

#[pymethods]
impl PyScene {
    /// A built-in system by name (`qd.Scene.builtin_names()` lists them).
    #[staticmethod]
    fn builtin(name: &str) -> PyResult<PyScene> {
        let text = qd_scenes::source(name).ok_or_else(|| {
            value_error(format!(
                "no built-in scene '{name}' (built-in: {})",
                qd_scenes::names().collect::<Vec<_>>().join(", ")
            ))
        })?;
        let (source, scene) =
            SceneSource::text(&format!("builtin:{name}"), text).map_err(input_error)?;
        PyScene::new(source, scene)
    }

    /// A scene file (TOML, docs/scene-format.md) and the model files it names.
    #[staticmethod]
    fn from_file(path: PathBuf) -> PyResult<PyScene> {
        if !path.is_file() {
            return Err(pyo3::exceptions::PyFileNotFoundError::new_err(format!(
                "{}: no such scene file",
                path.display()
            )));
        }
        let (source, scene) = SceneSource::file(&path).map_err(input_error)?;
        PyScene::new(source, scene)
    }

    /// The names of the built-in systems.
    #[staticmethod]
    fn builtin_names() -> Vec<&'static str> {
        qd_scenes::names().collect()
    }

    /// The scene's name.
    #[getter]
    fn name(&self) -> &str {
        self.scene().name()
    }

    /// What the scene is, in words.
    #[getter]
    fn description(&self) -> &str {
        self.scene().description()
    }

    /// Number of configuration coordinates.
    #[getter]
    fn nq(&self) -> usize {
        self.scene().tree().nq()
    }

    /// Number of velocity (tangent) coordinates; differs from `nq` with free bodies.
    #[getter]
    fn nv(&self) -> usize {
        self.scene().tree().nv()
    }

    /// Number of actuated coordinates: the length of the command u.
    #[getter]
    fn na(&self) -> usize {
        self.scene().na()
    }

    /// Body (link) names, robots' links qualified `robot/link`.
    #[getter]
    fn bodies(&self) -> Vec<String> {
        self.scene()
            .tree()
            .links()
            .iter()
            .map(|l| l.name.clone())
            .collect()
    }

    /// Joint names, in the tree's order.
    #[getter]
    fn joints(&self) -> Vec<String> {
        self.scene()
            .tree()
            .joints()
            .iter()
            .map(|j| j.name.clone())
            .collect()
    }

    /// Names of q's entries (`nq` of them).
    #[getter]
    fn coordinates(&self) -> Vec<String> {
        self.scene().tree().coordinate_names()
    }

    /// Robot names.
    #[getter]
    fn robots(&self) -> Vec<String> {
        self.scene()
            .robots()
            .iter()
            .map(|r| r.name.clone())
            .collect()
    }

    /// Object (unactuated body) names.
    #[getter]
    fn objects(&self) -> Vec<String> {
        self.scene()
            .objects()
            .iter()
            .map(|o| o.name.clone())
            .collect()
    }

    /// Indices into q of the actuated coordinates, in u's order (`na` of them).
    #[getter]
    fn actuated<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<usize>> {
        PyArray1::from_vec(py, self.scene().split().actuated.clone())
    }

    /// Indices into q of the unactuated (object) coordinates.
    #[getter]
    fn unactuated<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<usize>> {
        PyArray1::from_vec(py, self.scene().split().unactuated_q.clone())
    }

    /// The default configuration (nq).
    #[getter]
    fn default_q<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        array1(py, self.scene().default_q().to_vec())
    }

    /// Joint limits of the actuated coordinates, shape (na, 2): lower, upper (±inf when
    /// unlimited).
    #[getter]
    fn input_limits<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        let rows: Vec<Vec<f64>> = self
            .scene()
            .actuated_limits()
            .into_iter()
            .map(|(lo, hi)| vec![lo, hi])
            .collect();
        rows_array(py, &rows, 2)
    }

    /// The step settings of the scene (`[parameters]`): h (s), kappa, forward_mode, nd,
    /// gravity, mass_scale, quasi_dynamic, gradient_mode.
    #[getter]
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json =
            serde_json::to_string(self.system.settings()).map_err(crate::errors::qd_error)?;
        crate::convert::json_to_python(py, &json)
    }

    /// The time step h (s).
    #[getter]
    fn h(&self) -> f64 {
        self.system.settings().h
    }

    /// The task, or None: `description`, `object` (the goal object's name), `object_q`
    /// (first index in q and count), `start_q` (nq), `goal_q` (the object's goal coordinates),
    /// `goal_configuration` (start_q with the object at its goal), `position_tolerance` (m),
    /// `angle_tolerance` (rad).
    #[getter]
    fn task<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(task) = &self.task else {
            return Ok(None);
        };
        let object: ObjectCoordinates = task.object_coordinates(self.scene());
        let dict = PyDict::new(py);
        dict.set_item("description", task.description())?;
        dict.set_item("object", &task.goal().object)?;
        dict.set_item("object_q", (object.q_start, object.nq))?;
        dict.set_item("start_q", array1(py, task.start_q().to_vec()))?;
        dict.set_item("goal_q", array1(py, task.goal().q.clone()))?;
        dict.set_item(
            "goal_configuration",
            array1(py, self.goal_configuration(task)),
        )?;
        dict.set_item("position_tolerance", task.goal().position_tolerance)?;
        dict.set_item("angle_tolerance", task.goal().angle_tolerance)?;
        Ok(Some(dict))
    }

    /// The task's object error at q: (position error m, rotation error rad) from the goal.
    fn object_error(&self, q: ArrayIn<'_>) -> PyResult<(f64, f64)> {
        let q = vector("q", &q, self.nq())?;
        let task = self.checked_task()?;
        let object = task.object_coordinates(self.scene());
        let error = object.error(&task.goal().q, object.block(&q));
        Ok((error.position, error.angle))
    }

    /// A random goal of the task: an object pose (the object's coordinates) drawn uniformly
    /// from the task's sampling region (`[task.sampling]`) by the stream of `seed`, for
    /// `qd.plan_rrt(scene, goal=...)`.
    fn sample_goal<'py>(&self, py: Python<'py>, seed: u64) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let problem = qd_rrt::RrtProblem::from_task(self.scene()).map_err(input_error)?;
        Ok(array1(py, problem.sample_goal(seed)))
    }

    /// The actuated entries of q (the command that holds the robots where they are).
    fn actuated_positions<'py>(
        &self,
        py: Python<'py>,
        q: ArrayIn<'_>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let q = vector("q", &q, self.nq())?;
        Ok(array1(py, self.scene().actuated_positions(&q)))
    }

    fn __repr__(&self) -> String {
        format!(
            "Scene('{}', nq={}, nv={}, na={}, robots={:?}, objects={:?}, task={})",
            self.scene().name(),
            self.nq(),
            self.nv(),
            self.na(),
            self.robots(),
            self.objects(),
            if self.task.is_some() { "yes" } else { "no" }
        )
    }

    /// One step from configuration q under command u (the robots' commanded joint
    /// positions). `mode` overrides the scene's forward mode (`socp`, `qp`,
    /// `log_barrier_cone`, `log_barrier_pyramid`), `kappa` its barrier weight; `gradients` is
    /// `"ab"` (A and B), `"b"` or `"none"`.
    #[pyo3(signature = (q, u, mode=None, kappa=None, gradients="ab"))]
    fn step(
        &self,
        py: Python<'_>,
        q: ArrayIn<'_>,
        u: ArrayIn<'_>,
        mode: Option<&str>,
        kappa: Option<f64>,
        gradients: &str,
    ) -> PyResult<crate::step::PyStepResult> {
        let settings = self.step_settings(mode, kappa, gradients)?;
        crate::step::step(py, &self.system, &q, &u, &settings)
    }

    /// Steps every row of Q (N × nq) under the matching row of U (N × na) on threads, without
    /// the GIL. Options as `step`; `gradients` defaults to `"none"`.
    #[pyo3(signature = (q, u, mode=None, kappa=None, gradients="none"))]
    fn step_batch(
        &self,
        py: Python<'_>,
        q: ArrayIn<'_>,
        u: ArrayIn<'_>,
        mode: Option<&str>,
        kappa: Option<f64>,
        gradients: &str,
    ) -> PyResult<crate::step::PyBatchResult> {
        let settings = self.step_settings(mode, kappa, gradients)?;
        crate::step::step_batch(py, &self.system, &q, &u, &settings)
    }
}
