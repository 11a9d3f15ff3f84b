//! `tangent_basis_jacobian` against central differences of `tangent_basis` along the sphere of
//! unit normals, in a 3-D scene and in a planar one.

use nalgebra::{UnitQuaternion, Vector3};
use proptest::prelude::*;
use qd_geometry::scene::Scene;
use qd_geometry::{tangent_basis, tangent_basis_jacobian};

fn scene(parameters: &str) -> Scene {
    let text = format!(
        "name = \"empty\"\n[parameters]\n{parameters}\n[[environment]]\nshape = {{ halfspace = {{}} }}\n"
    );
    Scene::from_toml_str(&text, &|path: &str| Err(format!("no file {path}"))).expect("valid scene")
}

/// The basis's rate along the great circle from `n` with initial velocity `dn` (⊥ n).
fn differenced(scene: &Scene, n: &Vector3<f64>, dn: &Vector3<f64>) -> [Vector3<f64>; 2] {
    let s = 1e-6;
    let along = |t: f64| {
        let rotation = UnitQuaternion::from_scaled_axis(n.cross(dn) * t);
        tangent_basis(scene, &(rotation * n))
    };
    let (plus, minus) = (along(s), along(-s));
    [
        (plus[0] - minus[0]) / (2.0 * s),
        (plus[1] - minus[1]) / (2.0 * s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x7a_2026),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn tangent_rates_match_differences(
        raw_n in prop::array::uniform3(-1.0..1.0f64),
        raw_dn in prop::array::uniform3(-1.0..1.0f64),
        planar in any::<bool>(),
    ) {
        let n = Vector3::from(raw_n);
        prop_assume!(n.norm() > 0.1);
        let n = n.normalize();
        let dn = Vector3::from(raw_dn);
        let dn = dn - n * n.dot(&dn);
        // Keep away from the switches of the basis rule (two equal smallest components) and,
        // in the planar scene, from normals along the plane normal.
        let abs = n.abs();
        let mut sorted = [abs.x, abs.y, abs.z];
        sorted.sort_by(f64::total_cmp);
        prop_assume!(sorted[1] - sorted[0] > 1e-3);
        let scene = if planar {
            prop_assume!(n.x.abs() < 0.99);
            scene("plane_normal = [1.0, 0.0, 0.0]")
        } else {
            scene("")
        };
        let [p1, p2] = tangent_basis_jacobian(&scene, &n);
        let reference = differenced(&scene, &n, &dn);
        for (got, want) in [(p1 * dn, reference[0]), (p2 * dn, reference[1])] {
            prop_assert!(
                (got - want).norm() <= 1e-6 * (1.0 + want.norm()),
                "rate {got:?} vs difference {want:?} at n = {n:?}"
            );
        }
    }
}
