//! How the library's errors reach Python: bad input a caller can fix is a `ValueError`
//! (wrong shapes, NaN, unknown names and options, malformed scene files), a missing file is a
//! `FileNotFoundError`, and what the library could not do with valid input (a failing
//! solve, a planner's refusal) is a `qd.QdError`.

use pyo3::PyErr;
use pyo3::exceptions::{PyFileNotFoundError, PyRuntimeError, PyValueError};

pyo3::create_exception!(
    qd,
    QdError,
    PyRuntimeError,
    "An operation of the qd library failed on valid input: a step that did not solve, a \
     planner that refused its problem, a plan that could not be made executable."
);

/// A `ValueError` with `message`.
pub fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}

/// A `qd.QdError` carrying the library error's message.
pub fn qd_error(error: impl std::fmt::Display) -> PyErr {
    QdError::new_err(error.to_string())
}

/// A `ValueError` carrying the library error's message (errors of input the caller gave).
pub fn input_error(error: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(error.to_string())
}

/// Maps a plan-layer error: file problems to `FileNotFoundError` / `ValueError`, everything
/// else to `qd.QdError`.
pub fn plan_error(error: qd_plan::PlanError) -> PyErr {
    match &error {
        qd_plan::PlanError::File { reason, .. }
            if reason.contains("No such file") || reason.contains("not found") =>
        {
            PyFileNotFoundError::new_err(error.to_string())
        }
        qd_plan::PlanError::File { .. }
        | qd_plan::PlanError::Malformed { .. }
        | qd_plan::PlanError::Scene(_)
        | qd_plan::PlanError::InvalidParameter(_) => input_error(error),
        _ => qd_error(error),
    }
}
