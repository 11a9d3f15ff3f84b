//! Point Jacobians of every joint type against central finite differences of forward
//! kinematics taken through `q ⊕ δv` (issue 3 acceptance).

mod common;

use common::arb_pose;
use nalgebra::{DMatrix, Point3, Unit, Vector3};
use proptest::prelude::*;
use qd_geometry::kinematics::{Inertia, JointKind, KinematicsCache, Link, MultibodyTree};

fn arb_axis() -> impl Strategy<Value = Unit<Vector3<f64>>> {
    prop::array::uniform3(-1.0..1.0f64)
        .prop_filter("axis too short", |a| Vector3::from(*a).norm() > 0.2)
        .prop_map(|a| Unit::new_normalize(Vector3::from(a)))
}

fn arb_joint_kind() -> impl Strategy<Value = JointKind> {
    prop_oneof![
        Just(JointKind::Fixed),
        arb_axis().prop_map(|axis| JointKind::Revolute { axis }),
        arb_axis().prop_map(|axis| JointKind::Prismatic { axis }),
        arb_axis().prop_map(|a| {
            let b = Unit::new_normalize(a.cross(&Vector3::new(0.3, -0.5, 0.8)));
            JointKind::Planar {
                axis_1: a,
                axis_2: b,
            }
        }),
    ]
}

/// A tree: an optional free body under the world, then a branch of 1–6 random joints hanging
/// from it (or from the world), each child attached to a random earlier link.
fn arb_tree() -> impl Strategy<Value = MultibodyTree> {
    (
        any::<bool>(),
        prop::collection::vec((arb_joint_kind(), arb_pose(0.3), 0..8usize), 1..7),
    )
        .prop_map(|(free_root, joints)| {
            let mut tree = MultibodyTree::new();
            let link = |name: String| Link {
                name,
                parent_joint: None,
                inertia: Inertia::zero(),
            };
            if free_root {
                tree.add_link(
                    link("root".into()),
                    "free",
                    JointKind::Free,
                    MultibodyTree::WORLD,
                    nalgebra::Isometry3::identity(),
                    None,
                )
                .unwrap();
            }
            for (k, (kind, origin, parent_pick)) in joints.into_iter().enumerate() {
                let parent = tree
                    .link_ids()
                    .nth(parent_pick % tree.links().len())
                    .expect("a link");
                tree.add_link(
                    link(format!("l{k}")),
                    &format!("j{k}"),
                    kind,
                    parent,
                    origin,
                    None,
                )
                .unwrap();
            }
            tree
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn point_jacobian_matches_finite_differences_through_the_update(
        tree in arb_tree(),
        seeds in prop::collection::vec(-1.5..1.5f64, 40),
        local_point in prop::array::uniform3(-0.3..0.3f64),
        link_pick in 0..16usize,
    ) {
        // A configuration: random coordinates, with a valid quaternion for the free joint.
        let mut q = tree.neutral_configuration();
        let dv: Vec<f64> = seeds.iter().take(tree.nv()).copied().collect();
        tree.integrate(&mut q, &dv).unwrap();
        let link = tree
            .link_ids()
            .nth(link_pick % tree.links().len())
            .expect("a link");
        let local = Point3::from(local_point);

        let mut cache = KinematicsCache::default();
        cache.update(&tree, &q).unwrap();
        let point = cache.world_from_link[link] * local;
        let mut jacobian = DMatrix::zeros(3, tree.nv());
        cache.point_jacobian(&tree, link, &point, &mut jacobian);

        let eps = 1e-6;
        for k in 0..tree.nv() {
            let mut displaced = |sign: f64| {
                let mut qk = q.clone();
                let mut step = vec![0.0; tree.nv()];
                step[k] = sign * eps;
                tree.integrate(&mut qk, &step).unwrap();
                cache.update(&tree, &qk).unwrap();
                cache.world_from_link[link] * local
            };
            let fd = (displaced(1.0) - displaced(-1.0)) / (2.0 * eps);
            let column = jacobian.column(k);
            let error = (column - fd).norm();
            let scale = fd.norm().max(1.0);
            prop_assert!(error <= 1e-6 * scale, "column {k}: analytic {column:?} vs fd {fd:?}");
        }

        // Angular Jacobian: the world rotation increment R₊ R₋ᵀ as a rotation vector over 2ε.
        cache.update(&tree, &q).unwrap();
        let mut angular = DMatrix::zeros(3, tree.nv());
        cache.angular_jacobian(&tree, link, &mut angular);
        for k in 0..tree.nv() {
            let mut rotation = |sign: f64| {
                let mut qk = q.clone();
                let mut step = vec![0.0; tree.nv()];
                step[k] = sign * eps;
                tree.integrate(&mut qk, &step).unwrap();
                cache.update(&tree, &qk).unwrap();
                cache.world_from_link[link].rotation
            };
            let fd = (rotation(1.0) * rotation(-1.0).inverse()).scaled_axis() / (2.0 * eps);
            let column = angular.column(k);
            prop_assert!((column - fd).norm() <= 1e-6, "angular column {k}: {column:?} vs {fd:?}");
        }
    }

    #[test]
    fn field_rates_match_finite_differences_of_the_fields(
        tree in arb_tree(),
        seeds in prop::collection::vec(-1.5..1.5f64, 40),
        point in prop::array::uniform3(-0.5..0.5f64),
    ) {
        let mut q = tree.neutral_configuration();
        let dv: Vec<f64> = seeds.iter().take(tree.nv()).copied().collect();
        tree.integrate(&mut q, &dv).unwrap();
        let p = Point3::from(point);
        let mut nominal = KinematicsCache::default();
        nominal.update(&tree, &q).unwrap();
        let (mut plus, mut minus) = (KinematicsCache::default(), KinematicsCache::default());
        let eps = 1e-6;
        for k in 0..tree.nv() {
            // Through the update at q ⊕ ±ε e_k (independent of `displaced`).
            let at = |sign: f64, cache: &mut KinematicsCache| {
                let mut qk = q.clone();
                let mut step = vec![0.0; tree.nv()];
                step[k] = sign * eps;
                tree.integrate(&mut qk, &step).unwrap();
                cache.update(&tree, &qk).unwrap();
            };
            at(1.0, &mut plus);
            at(-1.0, &mut minus);
            for j in 0..tree.nv() {
                let fd = (plus.coordinate_field(&tree, j, &p).1 - minus.coordinate_field(&tree, j, &p).1)
                    / (2.0 * eps);
                let rate = nominal.field_rate(&tree, k, j, &p);
                prop_assert!((rate - fd).norm() <= 1e-6 * fd.norm().max(1.0),
                    "k = {k}, j = {j}: rate {rate:?} vs fd {fd:?}");
            }
        }
    }

    #[test]
    fn displaced_kinematics_equal_the_update_at_the_displaced_configuration(
        tree in arb_tree(),
        seeds in prop::collection::vec(-1.5..1.5f64, 40),
        shift in -0.7..0.7f64,
    ) {
        let mut q = tree.neutral_configuration();
        let dv: Vec<f64> = seeds.iter().take(tree.nv()).copied().collect();
        tree.integrate(&mut q, &dv).unwrap();
        let mut nominal = KinematicsCache::default();
        nominal.update(&tree, &q).unwrap();
        let (mut displaced, mut reference) = (KinematicsCache::default(), KinematicsCache::default());
        for k in 0..tree.nv() {
            nominal.displaced(&tree, k, shift, &mut displaced);
            let mut qk = q.clone();
            let mut step = vec![0.0; tree.nv()];
            step[k] = shift;
            tree.integrate(&mut qk, &step).unwrap();
            reference.update(&tree, &qk).unwrap();
            for (l, (a, b)) in displaced.world_from_link.iter().zip(&reference.world_from_link).enumerate() {
                let error = (a.to_homogeneous() - b.to_homogeneous()).amax();
                prop_assert!(error <= 1e-12, "coordinate {k}, link {l}: error {error:e}");
            }
            for (i, (a, b)) in displaced.world_from_joint.iter().zip(&reference.world_from_joint).enumerate() {
                let error = (a.to_homogeneous() - b.to_homogeneous()).amax();
                prop_assert!(error <= 1e-12, "coordinate {k}, joint frame {i}: error {error:e}");
            }
        }
    }
}

#[test]
fn free_joint_must_hang_from_the_world() {
    let mut tree = MultibodyTree::new();
    let link = |name: &str| Link {
        name: name.into(),
        parent_joint: None,
        inertia: Inertia::zero(),
    };
    let axis = Vector3::z_axis();
    let a = tree
        .add_link(
            link("a"),
            "ja",
            JointKind::Revolute { axis },
            MultibodyTree::WORLD,
            nalgebra::Isometry3::identity(),
            None,
        )
        .unwrap();
    let err = tree.add_link(
        link("b"),
        "jb",
        JointKind::Free,
        a,
        nalgebra::Isometry3::identity(),
        None,
    );
    assert!(err.is_err());
    assert!(
        tree.add_link(
            link("a"),
            "jc",
            JointKind::Fixed,
            MultibodyTree::WORLD,
            nalgebra::Isometry3::identity(),
            None
        )
        .is_err()
    );
}

#[test]
fn wrong_lengths_and_nan_are_errors() {
    let mut tree = MultibodyTree::new();
    let link = Link {
        name: "a".into(),
        parent_joint: None,
        inertia: Inertia::zero(),
    };
    tree.add_link(
        link,
        "ja",
        JointKind::Free,
        MultibodyTree::WORLD,
        nalgebra::Isometry3::identity(),
        None,
    )
    .unwrap();
    let mut cache = KinematicsCache::default();
    assert!(cache.update(&tree, &[0.0; 6]).is_err());
    assert!(
        cache
            .update(&tree, &[0.0, 0.0, f64::NAN, 1.0, 0.0, 0.0, 0.0])
            .is_err()
    );
    assert!(cache.update(&tree, &[0.0; 7]).is_err(), "zero quaternion");
    let mut q = tree.neutral_configuration();
    assert!(tree.integrate(&mut q, &[0.0; 5]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// `difference` inverts `integrate`: `q ⊕ (q ⊖ q') = q'` for any two configurations, and
    /// `q ⊖ (q ⊕ dv) = dv` when the rotation part of dv is below π.
    #[test]
    fn difference_inverts_integrate(
        tree in arb_tree(),
        start in prop::collection::vec(-1.5..1.5f64, 40),
        step in prop::collection::vec(-1.0..1.0f64, 40),
    ) {
        let mut q = tree.neutral_configuration();
        tree.integrate(&mut q, &start[..tree.nv()]).unwrap();
        let dv = &step[..tree.nv()];
        let mut q_to = q.clone();
        tree.integrate(&mut q_to, dv).unwrap();
        // Rotation parts of dv are at most √3 < π, so the logarithm gives dv back.
        let back = tree.difference(&q, &q_to).unwrap();
        for (k, (b, d)) in back.iter().zip(dv).enumerate() {
            prop_assert!((b - d).abs() < 1e-9, "coordinate {k}: {b} vs {d}");
        }
        let mut again = q.clone();
        tree.integrate(&mut again, &back).unwrap();
        for (a, t) in again.iter().zip(&q_to) {
            prop_assert!((a - t).abs() < 1e-12);
        }
    }
}
