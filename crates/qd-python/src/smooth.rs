//! `qd.smooth`: the smoothed linearisation of the step at (q, u) — exact, analytic (the
//! barrier) or randomized (first or zero order), docs/smoothing.md.

use crate::convert::{ArrayIn, array1, matrix, vector};
use crate::errors::{input_error, qd_error, value_error};
use crate::scene::PyScene;
use numpy::{PyArray1, PyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use qd_smoothing::{Derivatives, Smoother, Smoothing};

/// A smoothed linearisation `step(q ⊕ δq, u + δu) ≈ c ⊕ (A δq + B δu)`, A and B in tangent
/// (velocity) coordinates (plain coordinates for systems without free bodies).
#[pyclass(module = "qd", name = "Linearization", frozen, get_all)]
pub struct PyLinearization {
    /// The method: `exact`, `analytic`, `randomized` or `zero_order`.
    method: &'static str,
    /// c: the smoothed next configuration (nq).
    c: Py<PyArray1<f64>>,
    /// B (nv × na).
    #[pyo3(name = "B")]
    b: Py<PyArray2<f64>>,
    /// A (nv × nv), with gradients="ab".
    #[pyo3(name = "A")]
    a: Option<Py<PyArray2<f64>>>,
    /// Monte-Carlo standard error of each entry of B (randomized methods).
    #[pyo3(name = "B_stderr")]
    b_stderr: Option<Py<PyArray2<f64>>>,
    /// Samples drawn (1 for exact and analytic).
    samples: usize,
    /// Samples averaged in.
    valid: usize,
    /// Samples dropped (a failed step, or a derivative flagged unreliable).
    dropped: usize,
    /// What the first dropped sample reported.
    first_failure: Option<String>,
}

#[pymethods]
impl PyLinearization {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Linearization(method='{}', B shape {:?}, A={}, samples={}, valid={})",
            self.method,
            self.b.bind(py).shape(),
            if self.a.is_some() { "yes" } else { "None" },
            self.samples,
            self.valid
        )
    }
}

/// The smoothing of `method` with its parameters.
fn smoothing(
    method: &str,
    kappa: f64,
    sigma: f64,
    sigma_q: f64,
    samples: usize,
    seed: u64,
) -> PyResult<(Smoothing, &'static str)> {
    Ok(
        match method.to_ascii_lowercase().replace('-', "_").as_str() {
            "exact" => (Smoothing::Exact, "exact"),
            "analytic" => (Smoothing::Analytic { kappa }, "analytic"),
            "randomized" | "first_order" => (
                Smoothing::RandomizedFirstOrder {
                    sigma_u: sigma,
                    sigma_q,
                    samples,
                    seed,
                },
                "randomized",
            ),
            "zero_order" => (
                Smoothing::RandomizedZeroOrder {
                    sigma_u: sigma,
                    sigma_q,
                    samples,
                    seed,
                },
                "zero_order",
            ),
            _ => {
                return Err(value_error(format!(
                    "unknown method '{method}' (one of 'exact', 'analytic', 'randomized', 'zero_order')"
                )));
            }
        },
    )
}

/// The smoothed linearisation of `scene`'s step at (q, u).
///
/// `method`: `exact` (no smoothing), `analytic` (the log-barrier step at weight `kappa`,
/// default the scene's), `randomized` (the mean of `samples` sampled derivatives, noise
/// `sigma` on u and `sigma_q` on q, seeded by `seed`) or `zero_order` (a least-squares fit of
/// sampled steps). `mode` overrides the scene's forward mode (its cones decide the barrier's).
/// `gradients`: `"b"` or `"ab"`. Randomized results are bit-identical for a seed, whatever
/// the number of threads.
#[pyfunction]
#[pyo3(signature = (scene, q, u, method="randomized", samples=100, sigma=0.1, sigma_q=0.0, seed=0, kappa=None, mode=None, gradients="b"))]
#[allow(clippy::too_many_arguments)]
pub fn smooth(
    py: Python<'_>,
    scene: &PyScene,
    q: ArrayIn<'_>,
    u: ArrayIn<'_>,
    method: &str,
    samples: usize,
    sigma: f64,
    sigma_q: f64,
    seed: u64,
    kappa: Option<f64>,
    mode: Option<&str>,
    gradients: &str,
) -> PyResult<PyLinearization> {
    let q = vector("q", &q, scene.scene().tree().nq())?;
    let u = vector("u", &u, scene.scene().na())?;
    let derivatives = match gradients.to_ascii_lowercase().as_str() {
        "b" => Derivatives::B,
        "ab" => Derivatives::AB,
        _ => {
            return Err(value_error(format!(
                "unknown gradients '{gradients}' (one of 'b', 'ab')"
            )));
        }
    };
    let settings = scene.step_settings(mode, kappa, "none")?;
    let (smoothing, name) = smoothing(method, settings.kappa, sigma, sigma_q, samples, seed)?;
    let system = scene
        .system
        .with_step_settings(settings)
        .map_err(input_error)?;
    let smoother = Smoother::new(&system, smoothing, derivatives).map_err(input_error)?;
    let linearization = py.detach(|| smoother.linearize(&q, &u)).map_err(qd_error)?;
    let report = &linearization.report;
    Ok(PyLinearization {
        method: name,
        c: array1(py, linearization.c.clone()).unbind(),
        b: matrix(py, &linearization.b).unbind(),
        a: linearization.a.as_ref().map(|a| matrix(py, a).unbind()),
        b_stderr: report
            .b_standard_error
            .as_ref()
            .map(|e| matrix(py, e).unbind()),
        samples: report.samples,
        valid: report.valid,
        dropped: report.dropped_failed_step + report.dropped_unreliable,
        first_failure: report.first_failure.clone(),
    })
}
