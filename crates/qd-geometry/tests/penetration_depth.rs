//! The depth of overlapping pairs against an independent computation from support functions.
//!
//! For convex A and B that overlap, the depth is `min over unit n of g(n)`, with
//! `g(n) = h_A(n) + h_B(−n)` the distance B must travel along n to clear A (h the support
//! function, written here from each shape's textbook form). Every direction gives an upper
//! bound, so two one-sided checks pin the answer down:
//!
//! - **not too shallow**: the reported normal n must clear the pair by the reported depth,
//!   `g(n) ≈ depth` (and g(n) ≥ true depth for any n);
//! - **not too deep** (a wrong local minimum of g): the depth must not exceed the smallest g
//!   found by a search of the sphere of directions (a Fibonacci lattice, then a pattern search
//!   from its best points).
//!
//! This is the check that the general path lands on the global minimum, which the symmetry
//! and surface tests cannot see.

mod common;

use common::{arb_pair, support};
use nalgebra::Vector3;
use proptest::prelude::*;
use qd_geometry::{Pose, Shape, signed_distance};

/// How far B must move along unit n to clear A.
fn clearance(a: &Shape, pa: &Pose, b: &Shape, pb: &Pose, n: &Vector3<f64>) -> f64 {
    support(a, pa, n) + support(b, pb, &-n)
}

/// The smallest clearance found over the sphere of directions: the best of a Fibonacci
/// lattice, each of the best few refined by a pattern search in its tangent plane.
fn searched_minimum(a: &Shape, pa: &Pose, b: &Shape, pb: &Pose) -> f64 {
    let g = |n: &Vector3<f64>| clearance(a, pa, b, pb, n);
    let count = 4000;
    let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    let mut lattice: Vec<(f64, Vector3<f64>)> = (0..count)
        .map(|i| {
            let z = 1.0 - 2.0 * (i as f64 + 0.5) / count as f64;
            let ring = (1.0 - z * z).sqrt();
            let angle = golden * i as f64;
            let n = Vector3::new(ring * angle.cos(), ring * angle.sin(), z);
            (g(&n), n)
        })
        .collect();
    lattice.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut best = lattice[0].0;
    for &(start_value, start) in lattice.iter().take(6) {
        let (mut value, mut n) = (start_value, start);
        let mut step = 0.05;
        while step > 1e-10 {
            let u = if n.x.abs() < 0.9 {
                Vector3::x()
            } else {
                Vector3::y()
            };
            let u = n.cross(&u).normalize();
            let v = n.cross(&u);
            let improved = (0..16).find_map(|k| {
                let angle = std::f64::consts::TAU * k as f64 / 16.0;
                let trial = (n + (u * angle.cos() + v * angle.sin()) * step).normalize();
                let trial_value = g(&trial);
                (trial_value < value).then_some((trial_value, trial))
            });
            match improved {
                Some((trial_value, trial)) => (value, n) = (trial_value, trial),
                None => step *= 0.5,
            }
        }
        best = best.min(value);
    }
    best
}

/// How closely the reported normal's clearance must match the reported depth: to round-off
/// for every class (cylinder pairs included, since their polish runs on refined separated
/// queries: `penetrating_accuracy.rs`).
const CONSISTENCY_TOLERANCE: f64 = 1e-9;

fn config() -> ProptestConfig {
    // Separated pairs and pairs with a half-space are skipped.
    common::fixed_seed_config(0x9d_2028, 600, 100_000)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn penetration_depth_is_the_smallest_clearance((a, pa, b, pb) in arb_pair()) {
        let (sa, sb) = (&a.shape, &b.shape);
        prop_assume!(!matches!(sa, Shape::HalfSpace) && !matches!(sb, Shape::HalfSpace));
        let found = signed_distance(sa, &pa, sb, &pb).expect("valid pair");
        prop_assume!(found.distance < -1e-6);
        let depth = -found.distance;
        let along_normal = clearance(sa, &pa, sb, &pb, &found.normal);
        prop_assert!(
            (along_normal - depth).abs() <= CONSISTENCY_TOLERANCE,
            "{} vs {}: the normal clears by {along_normal}, the reported depth is {depth}",
            sa.kind(), sb.kind()
        );
        let searched = searched_minimum(sa, &pa, sb, &pb);
        prop_assert!(
            depth <= searched + 1e-6,
            "{} vs {}: reported depth {depth} exceeds the clearance {searched} found by search \
             (a wrong local minimum)",
            sa.kind(), sb.kind()
        );
    }
}

/// A survey (run with `--ignored --nocapture`; `QD_SURVEY_DRAWS` sets the number of random
/// pairs, 6000 by default) of the worst consistency error and of how far the reported depth
/// lies above (a wrong minimum) or below (the search stalled on a kink) the searched one,
/// per pair class. It asserts nothing; the property test above does.
#[test]
#[ignore = "diagnostic survey; run explicitly"]
fn survey_depth_errors() {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut worst: std::collections::BTreeMap<String, (f64, f64, f64, usize)> = Default::default();
    let draws = common::survey_draws(6000);
    for _ in 0..draws {
        let (a, pa, b, pb) = arb_pair().new_tree(&mut runner).unwrap().current();
        let (sa, sb) = (&a.shape, &b.shape);
        if matches!(sa, Shape::HalfSpace) || matches!(sb, Shape::HalfSpace) {
            continue;
        }
        let found = signed_distance(sa, &pa, sb, &pb).expect("valid pair");
        if found.distance >= -1e-6 {
            continue;
        }
        let depth = -found.distance;
        let along = clearance(sa, &pa, sb, &pb, &found.normal);
        let searched = searched_minimum(sa, &pa, sb, &pb);
        let mut key = [sa.kind(), sb.kind()];
        key.sort();
        let e = worst.entry(key.join("-")).or_default();
        e.0 = e.0.max((along - depth).abs());
        e.1 = e.1.max(depth - searched);
        e.2 = e.2.min(depth - searched);
        e.3 += 1;
    }
    for (k, (consistency, too_deep, too_shallow, n)) in worst {
        println!(
            "{k:<20} n={n:4} |g(n)-depth|={consistency:9.2e} depth-search max={too_deep:9.2e} min={too_shallow:9.2e}"
        );
    }
}
