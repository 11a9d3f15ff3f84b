//! Tangent-space bookkeeping for free bodies.
//!
//! Randomized estimates average samples taken at different configurations. For scalar joints the
//! tangent spaces are all the same and nothing needs doing; for a free body, a derivative
//! computed at sample k is expressed in world-frame rotation increments at *its* q⁺_k and
//! perturbed q_k, and has to be carried to the tangent space at the estimate's c and at the
//! nominal q before it can be averaged. With d = q⁺_k ⊖ c and w the sample's perturbation of q:
//!
//! - output side: `log(exp([ε]) exp([d])) ≈ d + J_l⁻¹(d) ε`, so rotation rows get J_l⁻¹(d);
//! - input side: `exp([w + δ]) R ≈ exp([J_l(w) δ]) exp([w]) R`, so rotation columns get J_l(w).

use nalgebra::{Matrix3, Vector3};
use qd_dynamics::derivatives::coordinates::left_jacobian;
use qd_geometry::kinematics::{JointKind, MultibodyTree};

/// Where the rotation blocks of free bodies sit in v.
#[derive(Debug, Clone, Default)]
pub(crate) struct TangentMaps {
    rotation_starts: Vec<usize>,
}

impl TangentMaps {
    pub(crate) fn new(tree: &MultibodyTree) -> Self {
        let rotation_starts = tree
            .joints()
            .iter()
            .filter(|joint| matches!(joint.kind, JointKind::Free))
            .map(|joint| joint.v_start + 3)
            .collect();
        TangentMaps { rotation_starts }
    }

    /// Rows of each rotation block ← J_l⁻¹(d_rot) · rows (`d` is q⁺_k ⊖ c, n_v), on the
    /// column-major `matrix` of `rows` rows; nothing allocated.
    pub(crate) fn map_rows(&self, matrix: &mut [f64], rows: usize, d: &[f64]) {
        for &s in &self.rotation_starts {
            let rotation = Vector3::new(d[s], d[s + 1], d[s + 2]);
            // log gives |d_rot| ≤ π, where J_l is invertible.
            let inverse = left_jacobian(&rotation)
                .try_inverse()
                .unwrap_or_else(Matrix3::identity);
            for column in matrix.chunks_exact_mut(rows) {
                let block = &mut column[s..s + 3];
                let mapped = inverse * Vector3::new(block[0], block[1], block[2]);
                block.copy_from_slice(mapped.as_slice());
            }
        }
    }

    /// Columns of each rotation block ← columns · J_l(w_rot) (`w` is the sample's q
    /// perturbation, n_v), on the column-major `matrix` of `rows` rows; nothing allocated.
    pub(crate) fn map_columns(&self, matrix: &mut [f64], rows: usize, w: &[f64]) {
        for &s in &self.rotation_starts {
            let rotation = Vector3::new(w[s], w[s + 1], w[s + 2]);
            let jacobian = left_jacobian(&rotation);
            for r in 0..rows {
                let entry = |c: usize| matrix[(s + c) * rows + r];
                let mapped = Vector3::new(entry(0), entry(1), entry(2)).transpose() * jacobian;
                for c in 0..3 {
                    matrix[(s + c) * rows + r] = mapped[c];
                }
            }
        }
    }

    pub(crate) fn is_trivial(&self) -> bool {
        self.rotation_starts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{DMatrix, Isometry3};
    use qd_geometry::kinematics::{Inertia, Link};

    /// A free body followed by a revolute joint: v = (translation, rotation, hinge).
    fn tree() -> MultibodyTree {
        let mut tree = MultibodyTree::new();
        let link = |name: &str| Link {
            name: name.into(),
            parent_joint: None,
            inertia: Inertia::zero(),
        };
        let body = tree
            .add_link(
                link("body"),
                "free",
                JointKind::Free,
                MultibodyTree::WORLD,
                Isometry3::identity(),
                None,
            )
            .unwrap();
        tree.add_link(
            link("flap"),
            "hinge",
            JointKind::Revolute {
                axis: Vector3::z_axis(),
            },
            body,
            Isometry3::identity(),
            None,
        )
        .unwrap();
        tree
    }

    /// Asserts that column j of `map` is the central difference of `f` at ±1e-6 along j.
    fn assert_columns_match(map: &DMatrix<f64>, f: impl Fn(usize, f64) -> Vec<f64>) {
        let eps = 1e-6;
        for j in 0..map.ncols() {
            let (plus, minus) = (f(j, eps), f(j, -eps));
            for i in 0..map.nrows() {
                let fd = (plus[i] - minus[i]) / (2.0 * eps);
                assert!(
                    (fd - map[(i, j)]).abs() < 1e-7,
                    "({i}, {j}): {fd} vs {}",
                    map[(i, j)]
                );
            }
        }
    }

    fn configuration(tree: &MultibodyTree, dv: &[f64]) -> Vec<f64> {
        let mut q = tree.neutral_configuration();
        tree.integrate(&mut q, dv).unwrap();
        q
    }

    /// Rows: the derivative of `c ⊖ (q⁺ ⊕ ε e_j)` in ε is column j of the row map of I.
    #[test]
    fn row_map_is_the_derivative_of_the_difference() {
        let tree = tree();
        let maps = TangentMaps::new(&tree);
        let c = configuration(&tree, &[0.1, -0.2, 0.3, 0.4, -0.7, 0.2, 0.5]);
        let d = [0.05, 0.02, -0.01, 0.9, -0.6, 1.1, 0.3];
        let mut q_next = c.clone();
        tree.integrate(&mut q_next, &d).unwrap();
        let mut map = DMatrix::identity(7, 7);
        maps.map_rows(
            map.as_mut_slice(),
            7,
            &tree.difference(&c, &q_next).unwrap(),
        );
        assert_columns_match(&map, |j, step| {
            let mut q = q_next.clone();
            let mut e = [0.0; 7];
            e[j] = step;
            tree.integrate(&mut q, &e).unwrap();
            tree.difference(&c, &q).unwrap()
        });
    }

    /// Columns: the derivative of `(q₀ ⊕ w) ⊖ (q₀ ⊕ (w + δ e_j))` in δ is column j of the
    /// column map of I.
    #[test]
    fn column_map_is_the_derivative_of_the_perturbation() {
        let tree = tree();
        let maps = TangentMaps::new(&tree);
        let q0 = configuration(&tree, &[0.3, 0.1, -0.2, -0.5, 0.4, 0.8, -0.2]);
        let w = [0.02, -0.03, 0.01, 0.7, 0.5, -0.9, 0.1];
        let mut map = DMatrix::identity(7, 7);
        maps.map_columns(map.as_mut_slice(), 7, &w);
        let base = {
            let mut q = q0.clone();
            tree.integrate(&mut q, &w).unwrap();
            q
        };
        assert_columns_match(&map, |j, step| {
            let mut q = q0.clone();
            let mut e = w;
            e[j] += step;
            tree.integrate(&mut q, &e).unwrap();
            tree.difference(&base, &q).unwrap()
        });
    }
}
