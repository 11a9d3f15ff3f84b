//! # qd-python
//!
//! The `qd` Python package (built with maturin, docs/python.md): NumPy in, NumPy out.
//!
//! - `qd.Scene.builtin(name)` / `qd.Scene.from_file(path)`: the model, its names,
//!   coordinates, actuated/unactuated split and task;
//! - `scene.step(q, u, mode=..., kappa=..., gradients="ab")`: q⁺, A, B, contact forces and the
//!   solver's status; `scene.step_batch(Q, U)`: many steps on threads without the GIL;
//! - `qd.smooth(scene, q, u, method=...)`: the smoothed linearisation;
//! - `qd.plan_trajopt(scene)`, `qd.plan_rrt(scene)`: the planners as `qd plan` runs them, with
//!   plans saved in the CLI's formats (`Plan.save`, `qd.load_plan`).
//!
//! The Python side (`python/qd/`) adds the Gymnasium environment (`qd.gym`) and type stubs.
//!
//! ```python
//! import numpy as np, qd
//! scene = qd.Scene.builtin("planar-hand")
//! q = scene.default_q
//! result = scene.step(q, scene.actuated_positions(q))
//! assert result.B.shape == (scene.nq, scene.na)
//! ```

// Library code returns typed errors: nothing a user can influence may panic (docs/code-style.md).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]
mod convert;
mod errors;
mod plan;
mod scene;
mod smooth;
mod step;

use pyo3::prelude::*;

/// The compiled core of the `qd` package (imported as `qd._qd`; use `qd`).
#[pymodule]
fn _qd(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("QdError", m.py().get_type::<errors::QdError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<scene::PyScene>()?;
    m.add_class::<step::PyStepResult>()?;
    m.add_class::<step::PyBatchResult>()?;
    m.add_class::<step::PyContact>()?;
    m.add_class::<smooth::PyLinearization>()?;
    m.add_class::<plan::PyPlan>()?;
    m.add_function(wrap_pyfunction!(smooth::smooth, m)?)?;
    m.add_function(wrap_pyfunction!(plan::plan_trajopt, m)?)?;
    m.add_function(wrap_pyfunction!(plan::plan_rrt, m)?)?;
    m.add_function(wrap_pyfunction!(plan::load_plan, m)?)?;
    Ok(())
}
