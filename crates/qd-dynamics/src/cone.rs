//! The friction cones of the exact forms and how a solution meets them: the Lorentz cone
//! (SOCP) and the pyramid of `nd` rays (QP), their conic rows per contact, and the thresholds
//! that classify a contact as active, sliding or separating. The solver (its refinement on
//! the active set) and the derivatives read the same classification from here.

use nalgebra::DMatrix;

/// Which exact form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConicForm {
    /// Lorentz cones.
    Socp,
    /// Pyramids with `nd` rays.
    Qp {
        /// Rays per pyramid (3-D scenes).
        nd: usize,
    },
}

/// A contact is active when its normal impulse exceeds this multiple of
/// `max(h · 1 N, ‖b‖∞)` (b is h times the generalized forces, so this is relative to the
/// largest force acting in the step).
pub const ACTIVE_IMPULSE_FRACTION: f64 = 1e-6;

/// An active contact whose normal impulse is below this multiple of the same scale, with
/// its gap at zero, is reported as near a switch (it could stop touching for a tiny change).
pub const NEAR_SWITCH_IMPULSE_FRACTION: f64 = 1e-3;

/// Slack below which a conic row counts as touching (m; rad·m for rotational contributions).
pub const SLACK_TOLERANCE: f64 = 1e-7;

/// The unit tangent directions d_j of the pyramid on an n_t-dimensional tangent space: nd
/// directions evenly around the circle in 3-D; ±1 in planar scenes (n_t = 1), whatever nd.
pub fn pyramid_directions(n_tangent: usize, nd: usize) -> Vec<Vec<f64>> {
    if n_tangent == 1 {
        return vec![vec![1.0], vec![-1.0]];
    }
    (0..nd)
        .map(|j| {
            let angle = 2.0 * std::f64::consts::PI * j as f64 / nd as f64;
            vec![angle.cos(), angle.sin()]
        })
        .collect()
}

/// The ray directions of `form` (empty for the Lorentz cone) and the number of conic rows per
/// contact (1 + n_t for the cone, one per ray for the pyramid).
pub fn conic_layout(form: ConicForm, n_tangent: usize) -> (Vec<Vec<f64>>, usize) {
    match form {
        ConicForm::Socp => (Vec::new(), 1 + n_tangent),
        ConicForm::Qp { nd } => {
            let directions = pyramid_directions(n_tangent, nd);
            let rows = directions.len();
            (directions, rows)
        }
    }
}

/// The exact forms' conic rows of one contact as a map of `y = (J_n x + φ, J_t x)`: `s = P y`.
/// Lorentz cone (`directions` empty): `P = diag(1, μ, …)`, 1 + n_t rows. Pyramid: one row
/// `(1, μ d_jᵀ)` per ray direction d_j (see [`pyramid_directions`]).
pub fn conic_row_map(directions: &[Vec<f64>], n_tangent: usize, mu: f64) -> DMatrix<f64> {
    if directions.is_empty() {
        let mut p = DMatrix::zeros(1 + n_tangent, 1 + n_tangent);
        p[(0, 0)] = 1.0;
        for t in 0..n_tangent {
            p[(1 + t, 1 + t)] = mu;
        }
        return p;
    }
    let mut p = DMatrix::zeros(directions.len(), 1 + n_tangent);
    for (j, d) in directions.iter().enumerate() {
        p[(j, 0)] = 1.0;
        for t in 0..n_tangent {
            p[(j, 1 + t)] = mu * d[t];
        }
    }
    p
}
