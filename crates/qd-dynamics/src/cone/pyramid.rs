//! The pyramidal friction cone of `nd` rays: the QP form's rows `y₀ + μ d_jᵀ y_t ≥ 0`,
//! impulses and modes, and its log-barrier `Σⱼ log(y₀ + μ d_jᵀ y_t)`.

use super::{ContactMode, ModeThresholds, SLACK_TOLERANCE};
use crate::problem::ContactRows;
use clarabel::solver::SupportedConeT;
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};

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

/// The pyramid on an n_t-dimensional tangent space, with its ray directions.
#[derive(Debug, Clone, PartialEq)]
pub struct Pyramid {
    pub(super) n_tangent: usize,
    pub(super) directions: Vec<Vec<f64>>,
}

impl Pyramid {
    /// The pyramid of `nd` rays ([`pyramid_directions`]).
    pub(super) fn new(n_tangent: usize, nd: usize) -> Self {
        Pyramid {
            n_tangent,
            directions: pyramid_directions(n_tangent, nd),
        }
    }

    /// One conic row per ray.
    pub(super) fn rows_per_contact(&self) -> usize {
        self.directions.len()
    }

    /// One row `(1, μ d_jᵀ)` per ray direction d_j.
    pub(super) fn row_map(&self, mu: f64) -> DMatrix<f64> {
        let nt = self.n_tangent;
        let mut p = DMatrix::zeros(self.directions.len(), 1 + nt);
        for (j, d) in self.directions.iter().enumerate() {
            p[(j, 0)] = 1.0;
            for t in 0..nt {
                p[(j, 1 + t)] = mu * d[t];
            }
        }
        p
    }

    /// Clarabel's rows of one contact: `−(J_n + μ d_jᵀ J_t)` and `φ` per ray.
    pub(super) fn clarabel_rows(
        &self,
        contact: &ContactRows,
        a: &mut DMatrix<f64>,
        b: &mut [f64],
        base: usize,
    ) {
        for (j, d) in self.directions.iter().enumerate() {
            let mut row = contact.jn.transpose();
            for (t, dt) in d.iter().enumerate() {
                row += contact.jt.row(t) * (contact.mu * dt);
            }
            a.row_mut(base + j).copy_from(&(-row));
            b[base + j] = contact.phi;
        }
    }

    /// One non-negative cone over every row (none without contacts).
    pub(super) fn clarabel_cones(&self, contacts: usize) -> Vec<SupportedConeT<f64>> {
        let m = contacts * self.rows_per_contact();
        if m > 0 {
            vec![SupportedConeT::NonnegativeConeT(m)]
        } else {
            Vec::new()
        }
    }

    /// `λ_n = Σ β_j`, `λ_t = μ Σ β_j d_j`.
    pub(super) fn impulse(&self, z: &[f64], mu: f64) -> (f64, Vec<f64>) {
        let mut impulse = (0.0, Vec::with_capacity(self.n_tangent));
        self.impulse_into(z, mu, &mut impulse);
        impulse
    }

    /// [`Self::impulse`] into `out`, its vector overwritten in place.
    pub(super) fn impulse_into(&self, z: &[f64], mu: f64, out: &mut (f64, Vec<f64>)) {
        out.0 = z.iter().sum();
        out.1.clear();
        out.1.extend((0..self.n_tangent).map(|t| {
            mu * z
                .iter()
                .zip(&self.directions)
                .map(|(beta, d)| beta * d[t])
                .sum::<f64>()
        }));
    }

    /// The rays whose β exceeds the threshold hold with equality; none: separated. Near a
    /// switch when an active β is barely above it or an inactive ray touches.
    /// Written into `out` (a previous `Rows` keeps its vector); returns whether the contact
    /// is near a mode switch.
    pub(super) fn mode_into(
        &self,
        z: &[f64],
        s: impl Fn(usize) -> f64,
        thresholds: ModeThresholds,
        out: &mut ContactMode,
    ) -> bool {
        let mut near = false;
        let mut active = super::take_rows(out);
        for (j, &beta) in z.iter().enumerate() {
            if beta > thresholds.active {
                active.push(j);
                near |= beta < thresholds.barely;
            } else if s(j) < SLACK_TOLERANCE {
                near = true;
            }
        }
        if !active.is_empty() {
            *out = ContactMode::Rows(active);
        }
        near
    }

    /// Whether some β or some slack is negative beyond the tolerances.
    pub(super) fn violated(&self, z: &[f64], s: &DVector<f64>, (dual, primal): (f64, f64)) -> bool {
        (0..self.rows_per_contact()).any(|j| z[j] < -dual || s[j] < -primal)
    }

    /// `B(y) = Σⱼ log(y₀ + μ d_jᵀ y_t)`, or `None` outside the domain.
    #[inline]
    pub(super) fn barrier_value(&self, y: &Vector3<f64>, mu: f64) -> Option<f64> {
        let mut total = 0.0;
        for d in &self.directions {
            let s = y[0]
                + mu * d
                    .iter()
                    .enumerate()
                    .map(|(t, dt)| dt * y[1 + t])
                    .sum::<f64>();
            if s <= 0.0 {
                return None;
            }
            total += s.ln();
        }
        Some(total)
    }

    /// `(∇B, ∇²B)` at a point of the domain.
    #[inline]
    pub(super) fn barrier_derivatives(
        &self,
        y: &Vector3<f64>,
        mu: f64,
    ) -> (Vector3<f64>, Matrix3<f64>) {
        let mut g = Vector3::zeros();
        let mut h = Matrix3::zeros();
        for d in &self.directions {
            let mut a = Vector3::zeros();
            a[0] = 1.0;
            for (t, dt) in d.iter().enumerate() {
                a[1 + t] = mu * dt;
            }
            let s = a.dot(y);
            g += a / s;
            h -= a * a.transpose() / (s * s);
        }
        (g, h)
    }
}
