//! The node metric and extension against independent computations (an SVD pseudo-inverse),
//! and object-pose arithmetic against its definitions.

use nalgebra::DMatrix;
use proptest::prelude::*;
use qd_rrt::{NodeModel, ObjectCoordinates};
use qd_smoothing::{Linearization, SmoothingReport};

fn planar_ball() -> ObjectCoordinates {
    let scene = qd_scenes::load("planar-hand").expect("built-in scene");
    ObjectCoordinates::new(&scene, 0)
}

fn free_sphere() -> ObjectCoordinates {
    let scene = qd_scenes::load("allegro-sphere").expect("built-in scene");
    ObjectCoordinates::new(&scene, 0)
}

/// A linearisation of the planar hand (n_v = 7, n_a = 4) with the given object rows of B.
fn linearization(object: &ObjectCoordinates, b_rows: &[f64], c_object: &[f64]) -> Linearization {
    let (nv, na) = (7, 4);
    let mut b = DMatrix::zeros(nv, na);
    for r in 0..object.nv {
        for c in 0..na {
            b[(object.v_start + r, c)] = b_rows[r * na + c];
        }
    }
    let mut c = vec![0.0; 7];
    c[object.q_start..object.q_start + object.nq].copy_from_slice(c_object);
    Linearization {
        c,
        b,
        a: None,
        report: SmoothingReport::default(),
    }
}

proptest! {
    #[test]
    fn extension_is_the_pseudo_inverse_step_and_respects_the_step_size(
        b_rows in prop::collection::vec(-1.0f64..1.0, 12),
        c in prop::collection::vec(-0.5f64..0.5, 3),
        target in prop::collection::vec(-0.5f64..0.5, 3),
        step in 0.01f64..1.0,
    ) {
        let object = planar_ball();
        let lin = linearization(&object, &b_rows, &c);
        let b_object = DMatrix::from_row_slice(3, 4, &b_rows);
        let singular = b_object.clone().svd(false, false).singular_values.min();
        prop_assume!(singular > 0.1);
        let model = NodeModel::new(&lin, &object, 1e-12, 1e-12);
        // With γ → 0 and an unbounded step, δu is B⁺ (q_s − ĉ): checked against the SVD
        // pseudo-inverse, and it reaches the subgoal in the linear model.
        let du = model.extension(&object, &target, 1e6);
        let pinv = b_object.clone().pseudo_inverse(1e-12).expect("pseudo-inverse");
        let d = nalgebra::DVector::from_iterator(3, target.iter().zip(&c).map(|(t, c)| t - c));
        let expected = &pinv * &d;
        for (got, want) in du.iter().zip(expected.iter()) {
            prop_assert!((got - want).abs() < 1e-6 * (1.0 + want.abs()), "{du:?} vs {expected}");
        }
        let reached = &b_object * nalgebra::DVector::from_column_slice(&du);
        prop_assert!((reached - &d).norm() < 1e-6);
        // The step bound holds and keeps the direction.
        let short = model.extension(&object, &target, step);
        let norm = short.iter().map(|v| v * v).sum::<f64>().sqrt();
        prop_assert!(norm <= step * (1.0 + 1e-12));
        let full = expected.norm();
        if full > step {
            for (s, e) in short.iter().zip(expected.iter()) {
                prop_assert!((s - e * step / full).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn the_metric_is_a_quadratic_form_zero_at_the_prediction(
        b_rows in prop::collection::vec(-1.0f64..1.0, 12),
        c in prop::collection::vec(-0.5f64..0.5, 3),
        target in prop::collection::vec(-0.5f64..0.5, 3),
        gamma in 1e-6f64..1.0,
        gamma_rotation in 1e-6f64..1.0,
    ) {
        let object = planar_ball();
        let model = NodeModel::new(
            &linearization(&object, &b_rows, &c),
            &object,
            gamma,
            gamma_rotation,
        );
        prop_assert_eq!(model.distance(&object, &c), 0.0);
        let b = DMatrix::from_row_slice(3, 4, &b_rows);
        // Planar (y, z, θ): γ on the two translations, γ_rotation on θ.
        let regularisation =
            DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![gamma, gamma, gamma_rotation]));
        let gram = &b * b.transpose() + regularisation;
        let d = nalgebra::DVector::from_iterator(3, target.iter().zip(&c).map(|(t, c)| t - c));
        // Solved by LU, not through the inverse the model keeps.
        let expected = d.dot(&gram.lu().solve(&d).expect("invertible"));
        let got = model.distance(&object, &target);
        prop_assert!((got - expected).abs() <= 1e-9 * (1.0 + expected), "{got} vs {expected}");
        prop_assert!(got >= 0.0);
    }

    #[test]
    fn composed_free_poses_are_the_yaw_and_translation_asked_for(
        translation in prop::collection::vec(-0.2f64..0.2, 3),
        angle in -3.1f64..3.1,
        axis in prop::collection::vec(-1.0f64..1.0, 3),
        tilt in 0.0f64..1.0,
    ) {
        let object = free_sphere();
        let axis = nalgebra::Vector3::new(axis[0], axis[1], axis[2]);
        prop_assume!(axis.norm() > 0.1);
        let start = nalgebra::UnitQuaternion::from_scaled_axis(axis.normalize() * tilt);
        let reference = [0.0, 0.0, 0.0, start.w, start.i, start.j, start.k];
        let pose = object.compose(&translation, angle, &reference);
        let error = object.error(&reference, &pose);
        let distance = translation.iter().map(|v| v * v).sum::<f64>().sqrt();
        prop_assert!((error.position - distance).abs() < 1e-12);
        prop_assert!((error.angle - angle.abs()).abs() < 1e-9, "{} vs {angle}", error.angle);
        // Yaw about world z: the rotation's axis is z.
        let rotation = nalgebra::UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(
            pose[3], pose[4], pose[5], pose[6],
        )) * start.inverse();
        if angle.abs() > 1e-3 {
            let found = rotation.axis().expect("a rotation");
            prop_assert!(found.z.abs() > 1.0 - 1e-9);
        }
    }
}
