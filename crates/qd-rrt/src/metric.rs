//! A node's smoothed linearisation, as the RRT uses it: the metric that picks the nearest
//! node and the input change that moves the object toward a subgoal (docs/rrt.md).

use nalgebra::{DMatrix, DVector};
use qd_smoothing::Linearization;
use qd_task::{MAX_OBJECT_NV, ObjectCoordinates};
use serde::{Deserialize, Serialize};

/// How the nearest node to a subgoal is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// `(q_s ⊖ ĉ)ᵀ (B̂_u B̂_uᵀ + Γ)⁻¹ (q_s ⊖ ĉ)`: near where the node's contacts can push the
    /// object (docs/rrt.md).
    #[default]
    Mahalanobis,
    /// `‖q_s ⊖ ĉ‖²` in the object's tangent coordinates (m and rad alike), blind to contact:
    /// the ablation that shows what the smoothed metric is worth.
    Euclidean,
}

/// The object rows of a node's smoothed linearisation at its hold input.
#[derive(Debug, Clone)]
pub struct NodeModel {
    /// The object's block of ĉ, the smoothed next configuration under the hold input.
    pub c_object: Vec<f64>,
    /// B̂_u: the object rows of B̂ (object tangent dimension × n_a).
    pub b_object: DMatrix<f64>,
    /// (B̂_u B̂_uᵀ + Γ)⁻¹.
    pub inverse: DMatrix<f64>,
}

impl NodeModel {
    /// The object rows of `linearization` with regularisation Γ = diag(γ on the translations,
    /// γ_rotation on the rotation coordinates). With Γ = 0 and a B̂_u that loses rank the
    /// pseudo-inverse stands in for the inverse.
    pub fn new(
        linearization: &Linearization,
        object: &ObjectCoordinates,
        gamma: f64,
        gamma_rotation: f64,
    ) -> Self {
        let b_object = linearization.b.rows(object.v_start, object.nv).into_owned();
        let mut gram = &b_object * b_object.transpose();
        for i in 0..object.nv {
            gram[(i, i)] += if i < object.translations {
                gamma
            } else {
                gamma_rotation
            };
        }
        let inverse = match gram.clone().cholesky() {
            Some(factor) => factor.inverse(),
            None => gram
                .pseudo_inverse(1e-12)
                .unwrap_or_else(|_| DMatrix::zeros(object.nv, object.nv)),
        };
        NodeModel {
            c_object: object.block(&linearization.c).to_vec(),
            b_object,
            inverse,
        }
    }

    /// `d = (q_s ⊖ ĉ)ᵀ (B̂_u B̂_uᵀ + Γ)⁻¹ (q_s ⊖ ĉ)` for an object pose `subgoal` (its q
    /// block): small where the inputs can move the object toward the subgoal cheaply.
    pub fn distance(&self, object: &ObjectCoordinates, subgoal: &[f64]) -> f64 {
        // Every node is measured every round: no allocation here.
        let mut d = [0.0; MAX_OBJECT_NV];
        object.difference_into(&self.c_object, subgoal, &mut d);
        let n = object.nv;
        (0..n)
            .map(|i| d[i] * (0..n).map(|j| self.inverse[(i, j)] * d[j]).sum::<f64>())
            .sum()
    }

    /// The distance of `metric` from this node to `subgoal`.
    pub fn distance_by(&self, metric: Metric, object: &ObjectCoordinates, subgoal: &[f64]) -> f64 {
        match metric {
            Metric::Mahalanobis => self.distance(object, subgoal),
            Metric::Euclidean => {
                let mut d = [0.0; MAX_OBJECT_NV];
                object.difference_into(&self.c_object, subgoal, &mut d);
                d[..object.nv].iter().map(|v| v * v).sum()
            }
        }
    }

    /// The input change toward `subgoal`, `δu = B̂_uᵀ (B̂_u B̂_uᵀ + Γ)⁻¹ (q_s ⊖ ĉ)` (the
    /// damped pseudo-inverse: B̂_u⁺ (q_s ⊖ ĉ) as γ → 0, bounded where B̂_u loses rank), scaled
    /// down to `‖δu‖₂ ≤ step`.
    pub fn extension(&self, object: &ObjectCoordinates, subgoal: &[f64], step: f64) -> Vec<f64> {
        let d = DVector::from_vec(object.difference(&self.c_object, subgoal));
        let mut du = self.b_object.transpose() * (&self.inverse * d);
        let norm = du.norm();
        if norm > step {
            du *= step / norm;
        }
        du.as_slice().to_vec()
    }
}
