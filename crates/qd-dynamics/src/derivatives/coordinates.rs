//! The chain rule from the displacement δv to q⁺ = q ⊕ δv, in velocity (tangent) coordinates
//! and in configuration coordinates.
//!
//! Tangent coordinates: a perturbation ξ of q means `q ⊕ ξ`, and A_v, B_v give q⁺'s perturbation
//! η in the same sense (`q⁺' ≈ q⁺ ⊕ η`). Scalar and planar coordinates add, so η = ξ + dδv.
//! For a free body, `R⁺ = exp([δω]) R`; perturbing R to `exp([ξ_ω]) R` and δω to `δω + dδω`
//! gives, to first order, `R⁺' = exp([J_l(δω) dδω + exp([δω]) ξ_ω]) R⁺`, with J_l the left
//! Jacobian of SO(3). Hence, per free body, `A_v = Ψ⁺ dδv/dξ + Ψ_q` with
//! `Ψ⁺ = diag(I, J_l(δω))` and `Ψ_q = diag(I, exp([δω]))`, and `B_v = Ψ⁺ dδv/du`.
//!
//! Configuration coordinates (quaternion w, x, y, z): a tangent perturbation η at a unit
//! quaternion p moves it by `N(p) η = ½ (0, η) ⊗ p`; conversely a perturbation dp of the
//! quaternion in q is the tangent `N⁺(p) dp = 2 vec(dp ⊗ p*)`, which ignores the radial part
//! (the step normalises nothing away: q must hold unit quaternions, and this is the derivative
//! of `q ↦ step(q)` with q's quaternions normalised first). Then `A_q = N(q⁺) A_v N⁺(q)` and
//! `B_q = N(q⁺) B_v`.

use crate::reuse::zeroed;
use nalgebra::{DMatrix, Matrix3, Rotation3, Vector3};
use qd_geometry::kinematics::{JointKind, MultibodyTree};

/// The skew-symmetric matrix `[v]×`.
fn skew(v: &Vector3<f64>) -> Matrix3<f64> {
    Matrix3::new(0.0, -v.z, v.y, v.z, 0.0, -v.x, -v.y, v.x, 0.0)
}

/// The left Jacobian of SO(3): `exp([φ + dφ]) ≈ exp([J_l(φ) dφ]) exp([φ])`.
pub fn left_jacobian(phi: &Vector3<f64>) -> Matrix3<f64> {
    let theta = phi.norm();
    let k = skew(phi);
    let (a, b) = if theta < 1e-4 {
        // Series of (1 − cos θ)/θ² and (θ − sin θ)/θ³ (next terms below 1e-18).
        let t2 = theta * theta;
        (0.5 - t2 / 24.0, 1.0 / 6.0 - t2 / 120.0)
    } else {
        let t2 = theta * theta;
        (
            (1.0 - theta.cos()) / t2,
            (theta - theta.sin()) / (t2 * theta),
        )
    };
    Matrix3::identity() + k * a + k * k * b
}

/// `A_v = Ψ⁺ dδv_dq + Ψ_q` and `B_v = Ψ⁺ dδv_du`, in place: `dv_dq` (n_v × n_v, optional)
/// becomes A_v, `dv_du` (n_v × n_a) becomes B_v.
pub fn to_tangent_coordinates(
    tree: &MultibodyTree,
    dv: &[f64],
    dv_dq: Option<&mut DMatrix<f64>>,
    dv_du: &mut DMatrix<f64>,
) {
    let mut dv_dq = dv_dq;
    for joint in tree.joints() {
        let s = joint.v_start;
        match joint.kind {
            JointKind::Free => {
                let omega = Vector3::new(dv[s + 3], dv[s + 4], dv[s + 5]);
                let jl = left_jacobian(&omega);
                rotate_rows(dv_du, s + 3, &jl);
                if let Some(a) = dv_dq.as_deref_mut() {
                    rotate_rows(a, s + 3, &jl);
                    let rotation = Rotation3::from_scaled_axis(omega).into_inner();
                    for r in 0..3 {
                        a[(s + r, s + r)] += 1.0;
                        for c in 0..3 {
                            a[(s + 3 + r, s + 3 + c)] += rotation[(r, c)];
                        }
                    }
                }
            }
            _ => {
                if let Some(a) = dv_dq.as_deref_mut() {
                    for r in s..s + joint.kind.nv() {
                        a[(r, r)] += 1.0;
                    }
                }
            }
        }
    }
}

/// Replaces rows `start..start + 3` of `m` by `left · rows`.
fn rotate_rows(m: &mut DMatrix<f64>, start: usize, left: &Matrix3<f64>) {
    for c in 0..m.ncols() {
        let column = Vector3::new(m[(start, c)], m[(start + 1, c)], m[(start + 2, c)]);
        let rotated = left * column;
        for r in 0..3 {
            m[(start + r, c)] = rotated[r];
        }
    }
}

/// Whether the tree has a free joint (otherwise q and v coordinates coincide).
pub fn has_free_joint(tree: &MultibodyTree) -> bool {
    tree.joints()
        .iter()
        .any(|joint| matches!(joint.kind, JointKind::Free))
}

/// `N(q)`: n_q × n_v, maps a tangent perturbation at q to the change of q's coordinates.
pub fn tangent_to_configuration(tree: &MultibodyTree, q: &[f64]) -> DMatrix<f64> {
    let mut n = DMatrix::zeros(tree.nq(), tree.nv());
    tangent_to_configuration_into(tree, q, &mut n);
    n
}

/// [`tangent_to_configuration`] into `n` (resized only if its shape differs).
pub fn tangent_to_configuration_into(tree: &MultibodyTree, q: &[f64], n: &mut DMatrix<f64>) {
    zeroed(n, tree.nq(), tree.nv());
    for joint in tree.joints() {
        let (qs, vs) = (joint.q_start, joint.v_start);
        match joint.kind {
            JointKind::Free => {
                for i in 0..3 {
                    n[(qs + i, vs + i)] = 1.0;
                }
                // ½ (0, η) ⊗ (w, v) = ½ (−vᵀη, (w I − [v]×) η).
                let w = q[qs + 3];
                let v = Vector3::new(q[qs + 4], q[qs + 5], q[qs + 6]);
                let block = Matrix3::identity() * w - skew(&v);
                for c in 0..3 {
                    n[(qs + 3, vs + 3 + c)] = -0.5 * v[c];
                    for r in 0..3 {
                        n[(qs + 4 + r, vs + 3 + c)] = 0.5 * block[(r, c)];
                    }
                }
            }
            _ => {
                for i in 0..joint.kind.nv() {
                    n[(qs + i, vs + i)] = 1.0;
                }
            }
        }
    }
}

/// `N⁺(q)`: n_v × n_q, maps a change of q's coordinates to the tangent perturbation (the
/// radial part of a quaternion change is dropped).
pub fn configuration_to_tangent(tree: &MultibodyTree, q: &[f64]) -> DMatrix<f64> {
    let mut n = DMatrix::zeros(tree.nv(), tree.nq());
    configuration_to_tangent_into(tree, q, &mut n);
    n
}

/// [`configuration_to_tangent`] into `n` (resized only if its shape differs).
pub fn configuration_to_tangent_into(tree: &MultibodyTree, q: &[f64], n: &mut DMatrix<f64>) {
    zeroed(n, tree.nv(), tree.nq());
    for joint in tree.joints() {
        let (qs, vs) = (joint.q_start, joint.v_start);
        match joint.kind {
            JointKind::Free => {
                for i in 0..3 {
                    n[(vs + i, qs + i)] = 1.0;
                }
                // 2 vec(dp ⊗ p*) = 2 (−v dw + (w I + [v]×) dv).
                let w = q[qs + 3];
                let v = Vector3::new(q[qs + 4], q[qs + 5], q[qs + 6]);
                let block = Matrix3::identity() * w + skew(&v);
                for r in 0..3 {
                    n[(vs + 3 + r, qs + 3)] = -2.0 * v[r];
                    for c in 0..3 {
                        n[(vs + 3 + r, qs + 4 + c)] = 2.0 * block[(r, c)];
                    }
                }
            }
            _ => {
                for i in 0..joint.kind.nv() {
                    n[(vs + i, qs + i)] = 1.0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::UnitQuaternion;

    #[test]
    fn left_jacobian_matches_the_exponential_map() {
        for phi in [
            Vector3::new(0.3, -0.2, 0.5),
            Vector3::new(1e-6, 2e-6, -1e-6),
            Vector3::new(2.0, 0.1, -0.4),
        ] {
            let jl = left_jacobian(&phi);
            let d = Vector3::new(0.7, -0.4, 0.2);
            let s = 1e-6;
            let r = |p: Vector3<f64>| UnitQuaternion::from_scaled_axis(p);
            // exp(φ + s d) exp(φ)⁻¹ = exp(s J_l d).
            let plus = (r(phi + d * s) * r(phi).inverse()).scaled_axis() / s;
            let minus = (r(phi - d * s) * r(phi).inverse()).scaled_axis() / s;
            let fd = (plus - minus) / 2.0;
            assert!((fd - jl * d).norm() < 1e-8, "{phi}: {fd} vs {}", jl * d);
        }
    }

    #[test]
    fn tangent_maps_are_inverse_on_the_tangent_space() {
        let mut tree = MultibodyTree::new();
        tree.add_link(
            qd_geometry::kinematics::Link {
                name: "body".into(),
                parent_joint: None,
                inertia: qd_geometry::kinematics::Inertia::zero(),
            },
            "free",
            JointKind::Free,
            MultibodyTree::WORLD,
            nalgebra::Isometry3::identity(),
            None,
        )
        .expect("valid tree");
        let rotation = UnitQuaternion::from_scaled_axis(Vector3::new(0.4, -1.1, 0.3));
        let q = [
            0.1, 0.2, 0.3, rotation.w, rotation.i, rotation.j, rotation.k,
        ];
        let product = configuration_to_tangent(&tree, &q) * tangent_to_configuration(&tree, &q);
        assert!((product - DMatrix::identity(6, 6)).norm() < 1e-12);
    }
}
