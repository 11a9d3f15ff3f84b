//! Each friction cone against independent computations: its barrier's gradient and Hessian
//! against central differences of its value, the impulses its duals stand for inside the
//! friction cone they model, its conic rows against the constraint they encode, and its mode
//! rule against the slacks.

use nalgebra::{DMatrix, DVector, Vector3};
use proptest::prelude::*;
use qd_dynamics::cone::{Cone, ConeKind, ContactMode, ModeThresholds};

/// The cones of a planar (n_t = 1) and a 3-D (n_t = 2) scene.
fn cones() -> Vec<(Cone, usize)> {
    let mut all = Vec::new();
    for n_tangent in [1, 2] {
        for kind in [
            ConeKind::Lorentz,
            ConeKind::Pyramid { nd: 4 },
            ConeKind::Pyramid { nd: 8 },
        ] {
            all.push((kind.on(n_tangent), n_tangent));
        }
    }
    all
}

/// A point strictly inside every cone's barrier domain: y₀ above μ‖y_t‖ by a margin.
fn interior(mu: f64, tangent: [f64; 2], n_tangent: usize, margin: f64) -> Vector3<f64> {
    let mut y = Vector3::zeros();
    for t in 0..n_tangent {
        y[1 + t] = tangent[t];
    }
    let slip = (y[1] * y[1] + y[2] * y[2]).sqrt();
    y[0] = mu * slip * 1.5 + margin;
    y
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn barrier_derivatives_match_differences_of_the_barrier(
        mu in 0.1..1.5f64,
        tangent in prop::array::uniform2(-0.2..0.2f64),
        margin in 0.02..0.5f64,
    ) {
        for (cone, n_tangent) in cones() {
            let y = interior(mu, tangent, n_tangent, margin);
            let (g, h) = cone.barrier_derivatives(&y, mu);
            let step = 1e-6;
            for a in 0..=n_tangent {
                let mut plus = y;
                let mut minus = y;
                plus[a] += step;
                minus[a] -= step;
                let value = |y: &Vector3<f64>| cone.barrier_value(y, mu).expect("inside");
                let difference = (value(&plus) - value(&minus)) / (2.0 * step);
                prop_assert!((difference - g[a]).abs() <= 1e-5 * (1.0 + g[a].abs()),
                    "{cone:?}: ∂B/∂y{a} = {} vs {difference}", g[a]);
                let gradient_difference = (cone.barrier_derivatives(&plus, mu).0
                    - cone.barrier_derivatives(&minus, mu).0) / (2.0 * step);
                for b in 0..=n_tangent {
                    prop_assert!(
                        (gradient_difference[b] - h[(b, a)]).abs()
                            <= 1e-4 * (1.0 + h[(b, a)].abs()),
                        "{cone:?}: ∂²B/∂y{b}∂y{a} = {} vs {}", h[(b, a)], gradient_difference[b]
                    );
                }
            }
            // Outside the domain there is no value.
            let mut outside = y;
            outside[0] = -margin;
            prop_assert!(cone.barrier_value(&outside, mu).is_none());
        }
    }

    /// The primal–dual weight of a Lorentz contact maps its gap to its impulse (M y = λ), is
    /// symmetric positive definite, and at the central point λ = ∇B(y)/κ is the barrier's own
    /// curvature −∇²B(y)/κ (the Newton iterations it stands in for end as Newton's); the
    /// gradient alone is the derivatives' gradient. A pyramid has none.
    #[test]
    fn primal_dual_weight_maps_gap_to_impulse_and_is_the_curvature_at_the_centre(
        mu in prop_oneof![Just(0.0), 0.1..1.5f64],
        tangent in prop::array::uniform2(-0.2..0.2f64),
        margin in 0.001..0.5f64,
        impulse_tangent in prop::array::uniform2(-2.0..2.0f64),
        impulse_margin in 1e-3..3.0f64,
        kappa in 1.0..1e5f64,
    ) {
        for (cone, n_tangent) in cones() {
            let y = interior(mu, tangent, n_tangent, margin);
            prop_assert_eq!(cone.barrier_gradient(&y, mu), cone.barrier_derivatives(&y, mu).0);
            let mut lambda = Vector3::zeros();
            for t in 0..n_tangent {
                lambda[1 + t] = if mu == 0.0 { 0.0 } else { impulse_tangent[t] };
            }
            let friction = (lambda[1] * lambda[1] + lambda[2] * lambda[2]).sqrt();
            lambda[0] = if mu == 0.0 { impulse_margin } else { friction / mu + impulse_margin };
            let Some(m) = cone.primal_dual_weight(&y, &lambda, mu) else {
                prop_assert!(matches!(cone, Cone::Pyramid(_)), "{cone:?}: no weight");
                continue;
            };
            let scale = m.amax();
            prop_assert!((m - m.transpose()).amax() <= 1e-12 * scale);
            let mapped = m * y;
            prop_assert!((mapped - lambda).amax() <= 1e-9 * (1.0 + lambda.amax()),
                "{cone:?}: M y = {mapped} vs λ = {lambda}");
            let dim = if mu == 0.0 { 1 } else { 1 + n_tangent };
            let block = m.view((0, 0), (dim, dim)).into_owned();
            let eigenvalues = block.symmetric_eigenvalues();
            prop_assert!(eigenvalues.min() > 0.0, "{cone:?}: eigenvalues {eigenvalues}");
            let (g, h) = cone.barrier_derivatives(&y, mu);
            let centre = g / kappa;
            let at_centre = cone.primal_dual_weight(&y, &centre, mu).expect("inside");
            let curvature = -h / kappa;
            prop_assert!((at_centre - curvature).amax() <= 1e-9 * curvature.amax(),
                "{cone:?}: {at_centre} vs {curvature}");
            // Outside the friction cone there is no weight.
            let outside = Vector3::new(-lambda[0], lambda[1], lambda[2]);
            prop_assert!(cone.primal_dual_weight(&y, &outside, mu).is_none());
        }
    }

    #[test]
    fn duals_in_their_cone_stand_for_impulses_in_the_friction_cone(
        mu in 0.1..1.5f64,
        duals in prop::collection::vec(0.0..2.0f64, 8),
    ) {
        for (cone, n_tangent) in cones() {
            let rows = cone.rows_per_contact();
            let mut z = duals[..rows].to_vec();
            if matches!(cone, Cone::Lorentz(_)) {
                // Into the second-order cone: z₀ ≥ ‖z_t‖.
                let z_t = z[1..].iter().map(|v| v * v).sum::<f64>().sqrt();
                z[0] = z[0].max(z_t);
            }
            let (normal, tangent) = cone.impulse(&z, mu);
            prop_assert_eq!(tangent.len(), n_tangent);
            let friction = tangent.iter().map(|t| t * t).sum::<f64>().sqrt();
            prop_assert!(normal >= 0.0);
            prop_assert!(friction <= mu * normal * (1.0 + 1e-12) + 1e-12,
                "{cone:?}: ‖λ_t‖ = {friction} > μ λ_n = {}", mu * normal);
            // The impulse is Pᵀ z: what the rows' duals push along y.
            let p = cone.row_map(mu);
            let through_rows = p.transpose() * DVector::from_column_slice(&z);
            prop_assert!((through_rows[0] - normal).abs() <= 1e-12 * (1.0 + normal));
            for t in 0..n_tangent {
                prop_assert!((through_rows[1 + t] - tangent[t]).abs() <= 1e-12 * (1.0 + normal));
            }
        }
    }

    #[test]
    fn conic_rows_encode_the_constraint_and_the_modes_read_them(
        mu in 0.1..1.5f64,
        tangent in prop::array::uniform2(-0.2..0.2f64),
        margin in 0.02..0.5f64,
    ) {
        for (cone, n_tangent) in cones() {
            let y = interior(mu, tangent, n_tangent, margin);
            let p: DMatrix<f64> = cone.row_map(mu);
            let s = &p * y.rows(0, 1 + n_tangent);
            let thresholds = ModeThresholds { active: 1e-6, barely: 1e-3 };
            let zeros = vec![0.0; cone.rows_per_contact()];
            // A point strictly inside: s in the cone's interior (s₀ > ‖s_t‖ for the Lorentz
            // cone, every ray's slack positive for the pyramid), no impulse, separated; and no
            // refinement check fails there.
            let inside = match cone {
                Cone::Lorentz(_) => s[0] > s.rows(1, n_tangent).norm(),
                Cone::Pyramid(_) => s.iter().all(|v| *v > 0.0),
            };
            prop_assert!(inside, "{cone:?}: s = {s}");
            let (mode, _) = cone.mode(&zeros, |j| s[j], thresholds);
            prop_assert_eq!(mode, ContactMode::Separated);
            prop_assert!(!cone.violated(&zeros, &s, (1e-10, 1e-10)));
            // With a normal impulse and no slack left, the contact is active.
            let mut z = vec![0.0; cone.rows_per_contact()];
            z[0] = 1.0;
            let touching = vec![0.0; cone.rows_per_contact()];
            let (mode, _) = cone.mode(&z, |j| touching[j], thresholds);
            prop_assert!(mode != ContactMode::Separated, "{cone:?}");
        }
    }
}
