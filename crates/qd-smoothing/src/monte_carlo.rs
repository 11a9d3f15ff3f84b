//! Monte-Carlo estimators of a smoothed linearisation, independent of what is being smoothed.
//!
//! Given samples `f_k = f(x₀ + w_k)` (and, for first order, `∇f_k = ∇f(x₀ + w_k)`), both
//! estimators return the value `c = mean_k f_k`, a Jacobian and its standard errors. Samples are
//! reduced in index order, so the result does not depend on how they were computed.

use crate::SmoothingError;
use nalgebra::{DMatrix, DVector};
use std::borrow::Borrow;

/// A Monte-Carlo estimate of (c, A) with standard errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// c: the mean of the sampled values (n_f).
    pub value: DVector<f64>,
    /// Standard error of each entry of `value` (sample standard deviation / √N).
    pub value_standard_error: DVector<f64>,
    /// The smoothed Jacobian A (n_f × n_w).
    pub jacobian: DMatrix<f64>,
    /// Standard error of each entry of `jacobian`.
    pub jacobian_standard_error: DMatrix<f64>,
    /// Samples used.
    pub samples: usize,
}

/// Mean and standard error (sample standard deviation / √N) of each entry of equally long
/// slices (matrices in column-major order), by two passes.
fn mean_and_standard_error<J: AsRef<[f64]>>(
    items: &[J],
    rows: usize,
    cols: usize,
) -> (DMatrix<f64>, DMatrix<f64>) {
    let n = items.len();
    let mut mean = DMatrix::zeros(rows, cols);
    for item in items {
        mean.iter_mut()
            .zip(item.as_ref())
            .for_each(|(m, x)| *m += x);
    }
    mean /= n as f64;
    let mut sum_squares = DMatrix::<f64>::zeros(rows, cols);
    for item in items {
        for ((s, x), m) in sum_squares.iter_mut().zip(item.as_ref()).zip(mean.iter()) {
            *s += (x - m) * (x - m);
        }
    }
    let denominator = standard_error_denominator(n);
    let standard_error = sum_squares.map(|s| (s / denominator).sqrt());
    (mean, standard_error)
}

/// (N − 1) N: the sample variance over N gives the squared standard error of the mean.
fn standard_error_denominator(n: usize) -> f64 {
    if n > 1 {
        (n - 1) as f64 * n as f64
    } else {
        f64::INFINITY
    }
}

/// Mean and standard error of each entry of vectors given as slices.
fn vector_mean_and_standard_error<V: AsRef<[f64]>>(
    values: &[V],
    len: usize,
) -> (DVector<f64>, DVector<f64>) {
    let n = values.len();
    let mut mean = DVector::zeros(len);
    for value in values {
        mean.iter_mut()
            .zip(value.as_ref())
            .for_each(|(m, v)| *m += v);
    }
    mean /= n as f64;
    let mut sum_squares = DVector::<f64>::zeros(len);
    for value in values {
        for ((s, v), m) in sum_squares.iter_mut().zip(value.as_ref()).zip(mean.iter()) {
            *s += (v - m) * (v - m);
        }
    }
    let denominator = standard_error_denominator(n);
    (mean, sum_squares.map(|s| (s / denominator).sqrt()))
}

/// First-order estimate: A = mean_k ∇f_k, c = mean_k f_k (docs/smoothing.md, "bundled gradient").
/// Values are slices (n_f each), Jacobians n_f × n_w matrices, owned or borrowed.
///
/// # Errors
/// No samples, or values/Jacobians of inconsistent sizes.
pub fn first_order<V: AsRef<[f64]>, J: Borrow<DMatrix<f64>>>(
    values: &[V],
    jacobians: &[J],
) -> Result<Estimate, SmoothingError> {
    let Some(first) = jacobians.first() else {
        return Err(SmoothingError::InvalidParameter(
            "first-order estimate of no samples".into(),
        ));
    };
    let (rows, cols) = first.borrow().shape();
    if jacobians.iter().any(|j| j.borrow().shape() != (rows, cols)) {
        return Err(SmoothingError::InvalidParameter(
            "first-order samples of inconsistent sizes".into(),
        ));
    }
    let flat: Vec<&[f64]> = jacobians.iter().map(|j| j.borrow().as_slice()).collect();
    first_order_flat(values, &flat, rows, cols)
}

/// [`first_order`] with each Jacobian given as a column-major slice of `rows × cols` entries
/// (no matrices to build: the smoother's samples live in flat buffers).
///
/// # Errors
/// No samples, or values/Jacobians of inconsistent sizes.
pub fn first_order_flat<V: AsRef<[f64]>, J: AsRef<[f64]>>(
    values: &[V],
    jacobians: &[J],
    rows: usize,
    cols: usize,
) -> Result<Estimate, SmoothingError> {
    if jacobians.is_empty() {
        return Err(SmoothingError::InvalidParameter(
            "first-order estimate of no samples".into(),
        ));
    }
    if values.len() != jacobians.len()
        || jacobians.iter().any(|j| j.as_ref().len() != rows * cols)
        || values.iter().any(|v| v.as_ref().len() != rows)
    {
        return Err(SmoothingError::InvalidParameter(
            "first-order samples of inconsistent sizes".into(),
        ));
    }
    let (jacobian, jacobian_standard_error) = mean_and_standard_error(jacobians, rows, cols);
    let (value, value_standard_error) = vector_mean_and_standard_error(values, rows);
    Ok(Estimate {
        value,
        value_standard_error,
        jacobian,
        jacobian_standard_error,
        samples: jacobians.len(),
    })
}

/// Zero-order estimate: the least-squares fit of `f_k − f̄` on `w_k − w̄`, i.e.
/// A = Cov(f, w) Σ̂⁻¹ with Σ̂ the sample covariance of the perturbations (docs/smoothing.md); no
/// derivatives needed. Standard errors are those of ordinary least squares with the residual
/// variance of each output.
///
/// # Errors
/// Fewer samples than perturbed coordinates + 2, sizes that disagree, or perturbations that do
/// not span their space (a zero σ).
pub fn zero_order<W: AsRef<[f64]>, V: AsRef<[f64]>>(
    perturbations: &[W],
    values: &[V],
) -> Result<Estimate, SmoothingError> {
    let n = values.len();
    let (Some(w0), Some(f0)) = (perturbations.first(), values.first()) else {
        return Err(SmoothingError::InvalidParameter(
            "zero-order estimate of no samples".into(),
        ));
    };
    let (m, n_f) = (w0.as_ref().len(), f0.as_ref().len());
    if perturbations.len() != n
        || perturbations.iter().any(|w| w.as_ref().len() != m)
        || values.iter().any(|f| f.as_ref().len() != n_f)
    {
        return Err(SmoothingError::InvalidParameter(
            "zero-order samples of inconsistent sizes".into(),
        ));
    }
    if n < m + 2 {
        return Err(SmoothingError::InvalidParameter(format!(
            "zero-order fit of {m} perturbed coordinates needs at least {} samples, got {n}",
            m + 2
        )));
    }
    let (w_mean, _) = vector_mean_and_standard_error(perturbations, m);
    let (f_mean, value_standard_error) = vector_mean_and_standard_error(values, n_f);
    // Centred data as matrices: W̃ (N × m), F̃ (N × n_f).
    let w_centred = DMatrix::from_fn(n, m, |k, j| perturbations[k].as_ref()[j] - w_mean[j]);
    let f_centred = DMatrix::from_fn(n, n_f, |k, i| values[k].as_ref()[i] - f_mean[i]);
    let gram = w_centred.transpose() * &w_centred;
    let cholesky = gram.clone().cholesky().ok_or_else(|| {
        SmoothingError::InvalidParameter(
            "zero-order fit: the perturbations do not span their space (is some σ zero?)".into(),
        )
    })?;
    // X = (W̃ᵀ W̃)⁻¹ W̃ᵀ F̃ (m × n_f); A = Xᵀ.
    let coefficients = cholesky.solve(&(w_centred.transpose() * &f_centred));
    let residuals = &f_centred - &w_centred * &coefficients;
    let gram_inverse = cholesky.inverse();
    let dof = (n - m - 1) as f64;
    let jacobian = coefficients.transpose();
    let jacobian_standard_error = DMatrix::from_fn(n_f, m, |i, j| {
        let residual_variance = residuals.column(i).norm_squared() / dof;
        (residual_variance * gram_inverse[(j, j)]).sqrt()
    });
    Ok(Estimate {
        value: f_mean,
        value_standard_error,
        jacobian,
        jacobian_standard_error,
        samples: n,
    })
}
