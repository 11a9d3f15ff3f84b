//! The broad phase must find exactly the pairs a brute-force scan finds.

mod common;

use common::{TestShape, arb_pose, arb_shape};
use proptest::prelude::*;
use qd_geometry::{CollisionFilter, Pose, PosedShape, ProximityQuery, signed_distance};

/// A scene of 2–40 bounded shapes spread over a 2 m cube, plus optionally one ground plane,
/// with random body assignment (so some pairs share a body) and some ignored body pairs.
/// Shapes with pose and body, ignored body pairs, detection distance.
type Scene = (Vec<(TestShape, Pose, usize)>, Vec<(usize, usize)>, f64);

fn arb_scene() -> impl Strategy<Value = Scene> {
    let bounded = (
        prop_oneof![Just(0usize), Just(1), Just(2), Just(3), Just(5)],
        0..12usize,
    )
        .prop_flat_map(|(kind, body)| (arb_shape(kind), arb_pose(1.0), Just(body)));
    let ground = (arb_shape(4), arb_pose(0.2), Just(99usize));
    (
        prop::collection::vec(bounded, 2..40),
        prop::option::of(ground),
        prop::collection::vec((0..12usize, 0..12usize), 0..6),
        0.0..0.3f64,
    )
        .prop_map(|(mut shapes, ground, ignored, d_detect)| {
            if let Some(g) = ground {
                shapes.insert(0, g);
            }
            (shapes, ignored, d_detect)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn broad_phase_reports_exactly_the_brute_force_pairs((scene, ignored, d_detect) in arb_scene()) {
        let mut filter = CollisionFilter::new();
        for (a, b) in &ignored {
            filter.ignore_bodies(*a, *b);
        }
        let posed: Vec<PosedShape> = scene
            .iter()
            .map(|(s, pose, body)| PosedShape { shape: &s.shape, pose: *pose, body: *body })
            .collect();
        let mut expected = Vec::new();
        for i in 0..posed.len() {
            for j in i + 1..posed.len() {
                if !filter.allows(posed[i].body, posed[j].body) {
                    continue;
                }
                let d = signed_distance(posed[i].shape, &posed[i].pose, posed[j].shape, &posed[j].pose).unwrap();
                if d.distance <= d_detect {
                    expected.push((i, j, d.distance));
                }
            }
        }
        let mut query = ProximityQuery::new();
        let mut found = Vec::new();
        query.pairs_within(&posed, &filter, d_detect, &mut found).unwrap();
        let found: Vec<(usize, usize, f64)> = found.iter().map(|p| (p.a, p.b, p.distance.distance)).collect();
        prop_assert_eq!(found, expected);
    }
}

#[test]
fn shapes_of_one_body_and_ignored_body_pairs_are_skipped() {
    let ball = qd_geometry::Shape::sphere(0.1).unwrap();
    let at = |x: f64| Pose::translation(x, 0.0, 0.0);
    let shapes = [
        PosedShape {
            shape: &ball,
            pose: at(0.0),
            body: 0,
        },
        PosedShape {
            shape: &ball,
            pose: at(0.05),
            body: 0,
        },
        PosedShape {
            shape: &ball,
            pose: at(0.1),
            body: 1,
        },
    ];
    let mut filter = CollisionFilter::new();
    let mut query = ProximityQuery::new();
    let mut out = Vec::new();
    query.pairs_within(&shapes, &filter, 0.0, &mut out).unwrap();
    let pairs: Vec<_> = out.iter().map(|p| (p.a, p.b)).collect();
    assert_eq!(pairs, vec![(0, 2), (1, 2)]);
    filter.ignore_bodies(1, 0);
    query.pairs_within(&shapes, &filter, 0.0, &mut out).unwrap();
    assert!(out.is_empty());
}

#[test]
fn non_finite_detection_distance_is_an_error() {
    let ball = qd_geometry::Shape::sphere(0.1).unwrap();
    let shapes = [PosedShape {
        shape: &ball,
        pose: Pose::identity(),
        body: 0,
    }];
    let mut out = Vec::new();
    let result =
        ProximityQuery::new().pairs_within(&shapes, &CollisionFilter::new(), f64::NAN, &mut out);
    assert!(result.is_err());
}
