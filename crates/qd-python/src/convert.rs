//! NumPy arrays in and out: every input is converted to float64 (lists and integer arrays are
//! accepted), its shape checked and its values required finite, with a `ValueError` that
//! names the argument, the expected shape and what was given.

use crate::errors::value_error;
use nalgebra::DMatrix;
use numpy::ndarray::Array2;
use numpy::{AllowTypeChange, IntoPyArray, PyArray1, PyArray2, PyArrayLikeDyn};
use pyo3::prelude::*;

/// An input array, any dimension, as float64.
pub type ArrayIn<'py> = PyArrayLikeDyn<'py, f64, AllowTypeChange>;

fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn check_finite(name: &str, values: &[f64], row_length: usize) -> PyResult<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) if row_length > 0 && values.len() > row_length => Err(value_error(format!(
            "{name}[{}, {}] is {} (values must be finite)",
            i / row_length,
            i % row_length,
            values[i]
        ))),
        Some(i) => Err(value_error(format!(
            "{name}[{i}] is {} (values must be finite)",
            values[i]
        ))),
    }
}

/// A vector of exactly `length` finite values.
pub fn vector(name: &str, array: &ArrayIn<'_>, length: usize) -> PyResult<Vec<f64>> {
    let view = array.as_array();
    if view.shape() != [length] {
        return Err(value_error(format!(
            "{name} must have shape ({length},), got {}",
            shape_text(view.shape())
        )));
    }
    let values: Vec<f64> = view.iter().copied().collect();
    check_finite(name, &values, 0)?;
    Ok(values)
}

/// A batch of row vectors: shape (rows, `columns`), finite; rows returned row-major.
pub fn rows(name: &str, array: &ArrayIn<'_>, columns: usize) -> PyResult<(usize, Vec<f64>)> {
    let view = array.as_array();
    match view.shape() {
        [n, c] if *c == columns => {
            let values: Vec<f64> = view.iter().copied().collect();
            check_finite(name, &values, columns)?;
            Ok((*n, values))
        }
        shape => Err(value_error(format!(
            "{name} must have shape (N, {columns}), got {}",
            shape_text(shape)
        ))),
    }
}

/// A 1-D float64 NumPy array.
pub fn array1<'py>(py: Python<'py>, values: Vec<f64>) -> Bound<'py, PyArray1<f64>> {
    PyArray1::from_vec(py, values)
}

/// A 2-D float64 NumPy array (row-major) of a nalgebra matrix.
pub fn matrix<'py>(py: Python<'py>, m: &DMatrix<f64>) -> Bound<'py, PyArray2<f64>> {
    Array2::from_shape_fn(m.shape(), |(i, j)| m[(i, j)]).into_pyarray(py)
}

/// A 2-D float64 NumPy array of `rows` (equal lengths; `columns` when there are none).
pub fn rows_array<'py>(
    py: Python<'py>,
    rows: &[Vec<f64>],
    columns: usize,
) -> Bound<'py, PyArray2<f64>> {
    let n = rows.len();
    let c = rows.first().map_or(columns, Vec::len);
    let values: Vec<f64> = rows.concat();
    match Array2::from_shape_vec((n, c), values) {
        Ok(a) => a.into_pyarray(py),
        // Rows of unequal length cannot come from the library; an empty array says so.
        Err(_) => Array2::<f64>::zeros((0, columns)).into_pyarray(py),
    }
}

/// A JSON text as Python objects (through the standard `json` module).
pub(crate) fn json_to_python<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (json,))
}
