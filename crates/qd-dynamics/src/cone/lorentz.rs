//! The Lorentz (second-order) friction cone `μ λ_n ≥ ‖λ_t‖`: the SOCP form's rows, impulses
//! and modes, and its log-barrier `log(y₀²/μ² − ‖y_t‖²)`.

use super::second_order::soc_scaling_squared;
use super::{ContactMode, ModeThresholds, SLACK_TOLERANCE};
use crate::problem::ContactRows;
use clarabel::solver::SupportedConeT;
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};

/// The Lorentz cone on an n_t-dimensional tangent space.
#[derive(Debug, Clone, PartialEq)]
pub struct Lorentz {
    pub(super) n_tangent: usize,
}

impl Lorentz {
    /// 1 + n_t conic rows per contact: `s = (y₀, μ y_t)`.
    pub(super) fn rows_per_contact(&self) -> usize {
        1 + self.n_tangent
    }

    /// `P = diag(1, μ, …)`.
    pub(super) fn row_map(&self, mu: f64) -> DMatrix<f64> {
        let nt = self.n_tangent;
        let mut p = DMatrix::zeros(1 + nt, 1 + nt);
        p[(0, 0)] = 1.0;
        for t in 0..nt {
            p[(1 + t, 1 + t)] = mu;
        }
        p
    }

    /// Clarabel's rows of one contact: `A = −[J_n; μ J_t]`, `b = (φ, 0)`.
    pub(super) fn clarabel_rows(
        &self,
        contact: &ContactRows,
        a: &mut DMatrix<f64>,
        b: &mut [f64],
        base: usize,
    ) {
        a.row_mut(base).copy_from(&(-contact.jn.transpose()));
        b[base] = contact.phi;
        for t in 0..self.n_tangent {
            a.row_mut(base + 1 + t)
                .copy_from(&(-contact.mu * contact.jt.row(t)));
        }
    }

    /// One second-order cone per contact.
    pub(super) fn clarabel_cones(&self, contacts: usize) -> Vec<SupportedConeT<f64>> {
        (0..contacts)
            .map(|_| SupportedConeT::SecondOrderConeT(1 + self.n_tangent))
            .collect()
    }

    /// `λ_n = z₀`, `λ_t = μ z_t`.
    pub(super) fn impulse(&self, z: &[f64], mu: f64) -> (f64, Vec<f64>) {
        let mut impulse = (0.0, Vec::with_capacity(self.n_tangent));
        self.impulse_into(z, mu, &mut impulse);
        impulse
    }

    /// [`Self::impulse`] into `out`, its vector overwritten in place.
    pub(super) fn impulse_into(&self, z: &[f64], mu: f64, out: &mut (f64, Vec<f64>)) {
        out.0 = z[0];
        out.1.clear();
        out.1.extend(z[1..].iter().map(|zt| mu * zt));
    }

    /// Separated when the normal impulse is at or below the threshold; else sticking (every
    /// row an equality) when the tangential slack is within [`SLACK_TOLERANCE`], sliding
    /// otherwise; written into `out` (a previous `Rows` keeps its vector). Returns whether
    /// the contact is near a mode switch.
    pub(super) fn mode_into(
        &self,
        z: &[f64],
        s: impl Fn(usize) -> f64,
        thresholds: ModeThresholds,
        out: &mut ContactMode,
    ) -> bool {
        let normal = z[0];
        if normal <= thresholds.active {
            *out = ContactMode::Separated;
            return s(0) < SLACK_TOLERANCE;
        }
        let mut near = normal < thresholds.barely;
        let slip = (1..=self.n_tangent)
            .map(|t| s(t) * s(t))
            .sum::<f64>()
            .sqrt();
        let z_t = z[1..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if slip <= SLACK_TOLERANCE {
            // Sticking; near a switch if the impulse is on the cone's edge.
            near |= normal - z_t < 1e-6 * normal;
            let mut rows = super::take_rows(out);
            rows.extend(0..self.rows_per_contact());
            *out = ContactMode::Rows(rows);
        } else {
            near |= slip < 1e3 * SLACK_TOLERANCE;
            *out = ContactMode::Sliding;
        }
        near
    }

    /// Whether duals z and slacks s violate the cone (`z₀ ≥ ‖z_t‖`, `s₀ ≥ ‖s_t‖`) by more
    /// than the tolerances.
    pub(super) fn violated(&self, z: &[f64], s: &DVector<f64>, (dual, primal): (f64, f64)) -> bool {
        let z_t = z[1..].iter().map(|v| v * v).sum::<f64>().sqrt();
        let s_t = s.rows(1, self.n_tangent).norm();
        z[0] - z_t < -dual || s[0] - s_t < -primal
    }

    fn tangential_norm_squared(&self, y: &Vector3<f64>) -> f64 {
        (1..=self.n_tangent).map(|a| y[a] * y[a]).sum()
    }

    /// `B(y) = log(y₀²/μ² − ‖y_t‖²)` (`2 log y₀` when μ = 0), or `None` outside the domain.
    #[inline]
    pub(super) fn barrier_value(&self, y: &Vector3<f64>, mu: f64) -> Option<f64> {
        if mu == 0.0 {
            return (y[0] > 0.0).then(|| 2.0 * y[0].ln());
        }
        let f = y[0] * y[0] / (mu * mu) - self.tangential_norm_squared(y);
        (y[0] > 0.0 && f > 0.0).then(|| f.ln())
    }

    /// The primal–dual (Nesterov–Todd) weight at a point y of the domain and an impulse λ
    /// strictly inside the friction cone: the symmetric positive definite M with `M y = λ`
    /// (entries beyond 1 + n_t zero), or `None` when either is not strictly inside.
    ///
    /// In the scaled variables `z = D y`, `s = D⁻¹ λ` (`D = diag(1/μ, 1, …)`, which make both
    /// cones the standard second-order cone) M is `D W² D`, W the Nesterov–Todd scaling of
    /// (z, s) ([`super::second_order::soc_scaling_squared`]). At the central point
    /// `λ = ∇B(y)/κ` it equals the barrier's `−∇²B(y)/κ`; away from it, it weighs each contact
    /// by its impulse as well as its gap, which is what lets the barrier's Newton method take
    /// long steps from a start at the domain's edge. With μ = 0 the cone is the normal
    /// half-line and M = λ₀ / y₀ on the normal.
    #[inline]
    pub(super) fn primal_dual_weight(
        &self,
        y: &Vector3<f64>,
        lambda: &Vector3<f64>,
        mu: f64,
    ) -> Option<Matrix3<f64>> {
        if mu == 0.0 {
            let mut m = Matrix3::zeros();
            if !(y[0] > 0.0 && lambda[0] > 0.0) {
                return None;
            }
            m[(0, 0)] = lambda[0] / y[0];
            return Some(m);
        }
        // Entries beyond 1 + n_t are zero in y and λ, so the padded vectors are the cone's.
        let inverse_mu = 1.0 / mu;
        let z = Vector3::new(y[0] * inverse_mu, y[1], y[2]);
        let s = Vector3::new(lambda[0] * mu, lambda[1], lambda[2]);
        let inside = |v: &Vector3<f64>| v[0] > 0.0 && v[0] * v[0] > v[1] * v[1] + v[2] * v[2];
        if !(inside(&z) && inside(&s)) {
            return None;
        }
        let mut m = soc_scaling_squared(&z, &s, 1 + self.n_tangent);
        // D W² D: the normal's row and column carry 1/μ.
        for k in 0..3 {
            m[(0, k)] *= inverse_mu;
            m[(k, 0)] *= inverse_mu;
        }
        Some(m)
    }

    /// `∇B` at a point of the domain: `∇f / f` for `f = y₀²/μ² − ‖y_t‖²`.
    #[inline]
    pub(super) fn barrier_gradient(&self, y: &Vector3<f64>, mu: f64) -> Vector3<f64> {
        let mut g = Vector3::zeros();
        if mu == 0.0 {
            g[0] = 2.0 / y[0];
            return g;
        }
        // The same arithmetic as the gradient of `barrier_derivatives` (bit for bit: the
        // exact solver's continuation and the derivatives read that one).
        let f = y[0] * y[0] / (mu * mu) - self.tangential_norm_squared(y);
        g[0] = 2.0 * y[0] / (mu * mu);
        for a in 1..1 + self.n_tangent {
            g[a] = -2.0 * y[a];
        }
        g / f
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
        if mu == 0.0 {
            g[0] = 2.0 / y[0];
            h[(0, 0)] = -2.0 / (y[0] * y[0]);
            return (g, h);
        }
        let f = y[0] * y[0] / (mu * mu) - self.tangential_norm_squared(y);
        let mut grad_f = Vector3::zeros();
        let mut hess_f = Matrix3::zeros();
        grad_f[0] = 2.0 * y[0] / (mu * mu);
        hess_f[(0, 0)] = 2.0 / (mu * mu);
        for a in 1..1 + self.n_tangent {
            grad_f[a] = -2.0 * y[a];
            hess_f[(a, a)] = -2.0;
        }
        g = grad_f / f;
        h = hess_f / f - grad_f * grad_f.transpose() / (f * f);
        (g, h)
    }
}
