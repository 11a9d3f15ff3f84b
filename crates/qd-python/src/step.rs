//! `Scene.step` and `Scene.step_batch`: one step of the quasi-dynamic model with its
//! derivatives, and many steps on threads without the GIL.

use crate::convert::{ArrayIn, array1, matrix, rows, vector};
use crate::errors::qd_error;
use nalgebra::DMatrix;
use numpy::ndarray::{Array2, Array3};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArray3};
use pyo3::prelude::*;
use qd_dynamics::{QuasiDynamicSystem, StepResult, StepSettings, StepWorkspace};
use rayon::prelude::*;

/// One contact at the end of a step.
#[pyclass(module = "qd", name = "Contact", frozen, get_all)]
pub struct PyContact {
    /// Name of the first collision geometry.
    a: String,
    /// Name of the second collision geometry.
    b: String,
    /// Which contact of the pair: "closest" (its closest points), or "a:K" / "b:K" for
    /// feature point K of geometry a / b (a box corner on a table: the contact manifold).
    feature: String,
    /// Signed distance at the start of the step (m).
    phi: f64,
    /// Normal impulse λ_n (N s), ≥ 0.
    normal_impulse: f64,
    /// Contact force λ / h (N): normal component, then the tangential ones.
    force: Py<PyArray1<f64>>,
}

#[pymethods]
impl PyContact {
    fn __repr__(&self) -> String {
        format!(
            "Contact({} – {} [{}], phi={:.3e} m, normal_impulse={:.4e} N s)",
            self.a, self.b, self.feature, self.phi, self.normal_impulse
        )
    }
}

/// The result of `Scene.step`.
#[pyclass(module = "qd", name = "StepResult", frozen, get_all)]
pub struct PyStepResult {
    /// The next configuration q⁺ (nq).
    q_next: Py<PyArray1<f64>>,
    /// A = ∂q⁺/∂q (nq × nq; with gradients="ab", else None). With free bodies, the
    /// derivative of the step with q's quaternions normalised first.
    #[pyo3(name = "A")]
    a: Option<Py<PyArray2<f64>>>,
    /// B = ∂q⁺/∂u (nq × na; with gradients "b" or "ab", else None).
    #[pyo3(name = "B")]
    b: Option<Py<PyArray2<f64>>>,
    /// A in tangent (velocity) coordinates (nv × nv), as planners use it.
    #[pyo3(name = "A_v")]
    a_v: Option<Py<PyArray2<f64>>>,
    /// B in tangent (velocity) coordinates (nv × na).
    #[pyo3(name = "B_v")]
    b_v: Option<Py<PyArray2<f64>>>,
    /// Contacts in the step's program, with their impulses and forces.
    contacts: Vec<Py<PyContact>>,
    /// `solved`, or a flagged result: `almost_solved` (Clarabel's reduced accuracy),
    /// `max_iterations` (the barrier Newton method's best iterate).
    status: &'static str,
    /// Solver iterations.
    iterations: u32,
    /// Exact forms: whether the answer was refined to round-off on its active set.
    polished: bool,
    /// Which solver produced the step: `barrier`, `own_exact`, `clarabel` or `trivial`.
    path: &'static str,
    /// The forward mode used.
    mode: &'static str,
    /// Set when the derivatives should not be used, with the reason.
    gradient_warning: Option<String>,
}

#[pymethods]
impl PyStepResult {
    fn __repr__(&self, py: Python<'_>) -> String {
        let q = self.q_next.bind(py).to_string();
        format!(
            "StepResult(q_next={q}, mode='{}', status='{}', contacts={}, A={}, B={})",
            self.mode,
            self.status,
            self.contacts.len(),
            if self.a.is_some() { "yes" } else { "None" },
            if self.b.is_some() { "yes" } else { "None" },
        )
    }
}

fn optional_matrix(py: Python<'_>, m: Option<&DMatrix<f64>>) -> Option<Py<PyArray2<f64>>> {
    m.map(|m| matrix(py, m).unbind())
}

/// Converts one step's result.
pub(crate) fn step_result(
    py: Python<'_>,
    system: &QuasiDynamicSystem,
    result: StepResult,
) -> PyResult<PyStepResult> {
    let geometries = system.scene().geometries();
    let name = |i: usize| {
        geometries
            .get(i)
            .map_or_else(String::new, |g| g.name.clone())
    };
    let contacts = result
        .contacts
        .iter()
        .map(|c| {
            Py::new(
                py,
                PyContact {
                    a: name(c.geometries.0),
                    b: name(c.geometries.1),
                    feature: c.feature.to_string(),
                    phi: c.phi,
                    normal_impulse: c.normal_impulse,
                    force: array1(py, c.force.clone()).unbind(),
                },
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    let gradients = result.gradients.as_ref();
    Ok(PyStepResult {
        q_next: array1(py, result.q_next).unbind(),
        a: optional_matrix(py, gradients.and_then(|g| g.a_q.as_ref())),
        b: optional_matrix(py, gradients.map(|g| &g.b_q)),
        a_v: optional_matrix(py, gradients.and_then(|g| g.a_v.as_ref())),
        b_v: optional_matrix(py, gradients.map(|g| &g.b_v)),
        contacts,
        status: result.report.status.name(),
        iterations: result.report.iterations,
        polished: result.report.polished,
        path: result.report.path.name(),
        mode: result.report.mode.name(),
        gradient_warning: gradients.and_then(|g| g.report.unreliable.clone()),
    })
}

/// One step from q under u.
pub(crate) fn step(
    py: Python<'_>,
    system: &QuasiDynamicSystem,
    q: &ArrayIn<'_>,
    u: &ArrayIn<'_>,
    settings: &StepSettings,
) -> PyResult<PyStepResult> {
    let q = vector("q", q, system.scene().tree().nq())?;
    let u = vector("u", u, system.scene().na())?;
    let result = py
        .detach(|| system.step_with(settings, &mut StepWorkspace::default(), &q, &u, None))
        .map_err(qd_error)?;
    step_result(py, system, result)
}

/// The result of `Scene.step_batch`: arrays stacked over the batch.
#[pyclass(module = "qd", name = "BatchResult", frozen, get_all)]
pub struct PyBatchResult {
    /// Next configurations, (N, nq).
    q_next: Py<PyArray2<f64>>,
    /// A = ∂q⁺/∂q, (N, nq, nq), with gradients="ab".
    #[pyo3(name = "A")]
    a: Option<Py<PyArray3<f64>>>,
    /// B = ∂q⁺/∂u, (N, nq, na), with gradients "b" or "ab".
    #[pyo3(name = "B")]
    b: Option<Py<PyArray3<f64>>>,
    /// Solver status of each step (`solved`, `almost_solved`, `max_iterations`).
    status: Vec<&'static str>,
    /// Solver iterations of each step, (N,).
    iterations: Py<PyArray1<u32>>,
}

#[pymethods]
impl PyBatchResult {
    fn __len__(&self) -> usize {
        self.status.len()
    }

    fn __repr__(&self) -> String {
        let flagged = self.status.iter().filter(|s| **s != "solved").count();
        format!(
            "BatchResult({} steps, {} flagged, A={}, B={})",
            self.status.len(),
            flagged,
            if self.a.is_some() { "yes" } else { "None" },
            if self.b.is_some() { "yes" } else { "None" },
        )
    }
}

/// Stacks per-step matrices (each rows × columns) into an (N, rows, columns) array.
fn stack(matrices: &[&DMatrix<f64>], rows: usize, columns: usize) -> Array3<f64> {
    Array3::from_shape_fn((matrices.len(), rows, columns), |(k, i, j)| {
        matrices[k][(i, j)]
    })
}

/// Steps every row of `q` under the matching row of `u`, in parallel, without the GIL.
/// Results are in row order and bit-identical for any thread count (each step is
/// independent). The first failing step raises, naming its row.
pub(crate) fn step_batch(
    py: Python<'_>,
    system: &QuasiDynamicSystem,
    q: &ArrayIn<'_>,
    u: &ArrayIn<'_>,
    settings: &StepSettings,
) -> PyResult<PyBatchResult> {
    let nq = system.scene().tree().nq();
    let na = system.scene().na();
    let (n, q) = rows("Q", q, nq)?;
    let (n_u, u) = rows("U", u, na)?;
    if n != n_u {
        return Err(crate::errors::value_error(format!(
            "Q has {n} rows and U has {n_u}: one command per configuration"
        )));
    }
    let results: Vec<_> = py.detach(|| {
        (0..n)
            .into_par_iter()
            .with_min_len(8)
            .map_init(StepWorkspace::default, |workspace, k| {
                system
                    .step_with(
                        settings,
                        workspace,
                        &q[k * nq..(k + 1) * nq],
                        &u[k * na..(k + 1) * na],
                        None,
                    )
                    .map_err(|e| (k, e))
            })
            .collect()
    });
    let results = results
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|(k, e)| qd_error(format!("row {k}: {e}")))?;
    let mut q_next = Array2::<f64>::zeros((n, nq));
    for (k, r) in results.iter().enumerate() {
        q_next
            .row_mut(k)
            .iter_mut()
            .zip(&r.q_next)
            .for_each(|(o, v)| *o = *v);
    }
    let gradients: Option<Vec<_>> = results.iter().map(|r| r.gradients.as_ref()).collect();
    let b = gradients.as_ref().map(|g| {
        let bs: Vec<&DMatrix<f64>> = g.iter().map(|g| &g.b_q).collect();
        stack(&bs, nq, na).into_pyarray(py).unbind()
    });
    let a = gradients.as_ref().and_then(|g| {
        let a_s: Option<Vec<&DMatrix<f64>>> = g.iter().map(|g| g.a_q.as_ref()).collect();
        a_s.map(|a_s| stack(&a_s, nq, nq).into_pyarray(py).unbind())
    });
    let iterations: Vec<u32> = results.iter().map(|r| r.report.iterations).collect();
    Ok(PyBatchResult {
        q_next: q_next.into_pyarray(py).unbind(),
        a,
        b,
        status: results.iter().map(|r| r.report.status.name()).collect(),
        iterations: PyArray1::from_vec(py, iterations).unbind(),
    })
}
