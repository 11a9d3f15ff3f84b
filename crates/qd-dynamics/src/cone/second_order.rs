//! The algebra of the standard second-order cone `{v : v₀ ≥ ‖v_t‖}` (dimension 1 to 3, the
//! Lorentz friction cone in its scaled variables) that the solvers share: the Jordan
//! determinant, the step to the cone's edge along a ray, and the Nesterov–Todd scaling (as a
//! pair W, W⁻¹ for the exact solver's primal–dual iterations, and as W² in closed form for
//! the barrier solver's).

use nalgebra::{Matrix3, Vector3};

/// The second-order cone's Jordan determinant `v₀² − ‖v_t‖²`.
pub(crate) fn jordan_det(v: &[f64]) -> f64 {
    v[0] * v[0] - v[1..].iter().map(|t| t * t).sum::<f64>()
}

/// Largest α ≤ `limit` keeping `v + α d` in the closed second-order cone (v inside):
/// the smallest positive root of `det(v + α d) = a α² + 2 b α + c` (c > 0).
pub(crate) fn soc_step_limit(v: &[f64], d: &[f64], limit: f64) -> f64 {
    let a = jordan_det(d);
    if d[0] >= 0.0 && a >= 0.0 {
        // d is in the cone itself: v + α d stays inside for every α ≥ 0.
        return limit;
    }
    let b = v[0] * d[0] - v[1..].iter().zip(&d[1..]).map(|(x, y)| x * y).sum::<f64>();
    let c = jordan_det(v);
    if a == 0.0 {
        return if b < 0.0 {
            limit.min(-c / (2.0 * b))
        } else {
            limit
        };
    }
    let disc = b * b - a * c;
    if disc < 0.0 {
        // det never vanishes: the path stays inside.
        return limit;
    }
    // Both roots without cancellation.
    let q = -(b + b.signum() * disc.sqrt());
    [q / a, c / q]
        .into_iter()
        .filter(|r| *r > 0.0)
        .fold(limit, f64::min)
}

/// The Nesterov–Todd scaling of a second-order block at (s, z), both inside: the symmetric
/// W with `W s = W⁻¹ z` (= λ), as `(W, W⁻¹)` padded with the identity to 3 × 3.
pub(crate) fn soc_scaling(s: &[f64], z: &[f64]) -> (Matrix3<f64>, Matrix3<f64>) {
    let dim = s.len();
    let (s_norm, z_norm) = (jordan_det(s).sqrt(), jordan_det(z).sqrt());
    // Reciprocals once: divisions dominated this function's time.
    let (s_scale, z_scale) = (1.0 / s_norm, 1.0 / z_norm);
    let (mut s_bar, mut z_bar) = (Vector3::zeros(), Vector3::zeros());
    for k in 0..dim {
        s_bar[k] = s[k] * s_scale;
        z_bar[k] = z[k] * z_scale;
    }
    let half_inverse_gamma = 0.5 / ((1.0 + s_bar.dot(&z_bar)) / 2.0).sqrt();
    // w̄ = (s̄ + J z̄) / (2γ) has unit determinant; H(w̄) = [w̄₀ w̄_tᵀ; w̄_t I + w̄_t w̄_tᵀ/(1 + w̄₀)]
    // and its inverse (w̄_t negated) give W = H⁻¹/β, W⁻¹ = β H with β = (det s / det z)^¼.
    let mut w_bar = Vector3::zeros();
    w_bar[0] = (s_bar[0] + z_bar[0]) * half_inverse_gamma;
    for k in 1..dim {
        w_bar[k] = (s_bar[k] - z_bar[k]) * half_inverse_gamma;
    }
    let beta = (s_norm / z_norm).sqrt();
    let tail = 1.0 / (1.0 + w_bar[0]);
    let mut h = Matrix3::identity();
    let mut h_inverse = Matrix3::identity();
    h[(0, 0)] = w_bar[0];
    h_inverse[(0, 0)] = w_bar[0];
    for k in 1..dim {
        h[(0, k)] = w_bar[k];
        h[(k, 0)] = w_bar[k];
        h_inverse[(0, k)] = -w_bar[k];
        h_inverse[(k, 0)] = -w_bar[k];
        for l in 1..dim {
            let extra = w_bar[k] * w_bar[l] * tail;
            h[(k, l)] += extra;
            h_inverse[(k, l)] += extra;
        }
    }
    (h_inverse * (1.0 / beta), h * beta)
}

/// W² of the Nesterov–Todd scaling at a primal point `x` and a dual point `y`, both
/// strictly inside (W x = W⁻¹ y, so W² x = y), for cones of dimension up to 3 with x and y
/// padded with zeros (W²'s padding is then zero too), in closed form: with
/// `J = diag(1, −1, −1)`, `γ_x = √det x`, `γ_y = √det y` and `u = γ_x y + γ_y J x`,
/// `W² = u uᵀ / (γ_x² (γ_x γ_y + xᵀy)) − (γ_y / γ_x) J` on the cone's dimensions — a
/// rank-one term and a diagonal, cheaper than squaring [`soc_scaling`]'s W (the barrier
/// solver forms one per contact and iteration). `dim` is the cone's dimension.
#[inline]
pub(crate) fn soc_scaling_squared(x: &Vector3<f64>, y: &Vector3<f64>, dim: usize) -> Matrix3<f64> {
    let det_x = x[0] * x[0] - x[1] * x[1] - x[2] * x[2];
    let det_y = y[0] * y[0] - y[1] * y[1] - y[2] * y[2];
    let (gamma_x, gamma_y) = (det_x.sqrt(), det_y.sqrt());
    let u = Vector3::new(
        gamma_x * y[0] + gamma_y * x[0],
        gamma_x * y[1] - gamma_y * x[1],
        gamma_x * y[2] - gamma_y * x[2],
    );
    let rank_one = 1.0 / (det_x * (gamma_x * gamma_y + x.dot(y)));
    let mut w2 = u * (u.transpose() * rank_one);
    let diagonal = gamma_y / gamma_x;
    w2[(0, 0)] -= diagonal;
    for k in 1..dim {
        w2[(k, k)] += diagonal;
    }
    w2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points strictly inside: (primal, dual) pairs of dimension 1, 2 and 3.
    fn pairs() -> Vec<(Vec<f64>, Vec<f64>)> {
        vec![
            (vec![2.0, 0.5, -0.7], vec![1.5, -0.3, 0.9]),
            (vec![1.0, 0.999], vec![3.0, -2.0]),
            (vec![0.5, 0.0, 0.0], vec![2.0, 0.0, 0.0]),
            (vec![0.3], vec![4.0]),
            (vec![1e-4, 0.0, 5e-5], vec![30.0, 12.0, -20.0]),
        ]
    }

    fn padded(v: &[f64]) -> Vector3<f64> {
        Vector3::from_fn(|k, _| v.get(k).copied().unwrap_or(0.0))
    }

    #[test]
    fn nt_scaling_maps_s_and_z_to_the_same_point() {
        for (s, z) in pairs() {
            let (w, w_inverse) = soc_scaling(&s, &z);
            let ws = w * padded(&s);
            let wz = w_inverse * padded(&z);
            assert!((ws - wz).amax() < 1e-12 * ws.amax(), "{ws} vs {wz}");
            assert!((w * w_inverse - Matrix3::identity()).amax() < 1e-12);
            assert!((w - w.transpose()).amax() < 1e-15);
        }
    }

    /// The closed-form W² is the square of the scaling's W (on the cone's dimensions) and
    /// maps the primal point to the dual one.
    #[test]
    fn the_closed_form_square_is_the_scalings_square() {
        for (x, y) in pairs() {
            let dim = x.len();
            let (w, _) = soc_scaling(&x, &y);
            let squared = (w * w).view((0, 0), (dim, dim)).into_owned();
            let closed = soc_scaling_squared(&padded(&x), &padded(&y), dim);
            let scale = squared.amax();
            assert!(
                (closed.view((0, 0), (dim, dim)) - &squared).amax() < 1e-11 * scale,
                "{closed} vs {squared}"
            );
            assert!((closed * padded(&x) - padded(&y)).amax() < 1e-11 * (1.0 + padded(&y).amax()));
        }
    }

    #[test]
    fn the_step_limit_reaches_the_boundary_and_no_further() {
        let v = [2.0, 0.5, -0.7];
        for d in [[-1.0, 0.4, 0.2], [-3.0, 0.0, 0.0], [0.1, 2.0, 0.0]] {
            let alpha = soc_step_limit(&v, &d, 10.0);
            let at: Vec<f64> = v.iter().zip(&d).map(|(a, b)| a + alpha * b).collect();
            assert!(
                jordan_det(&at).abs() < 1e-12 && at[0] > 0.0,
                "{d:?}: α = {alpha}"
            );
        }
        // A direction into the cone never leaves it.
        assert_eq!(soc_step_limit(&v, &[1.0, 0.0, 0.0], 10.0), 10.0);
    }
}
