//! Separated pairs with a curved support map, refined past GJK to round-off.
//!
//! GJK converges only linearly on a curved support (a cylinder's rim or side): its separated
//! cylinder pairs stop ~1e-6 m and ~1e-3 rad from the answer (`tests/separated_accuracy.rs`).
//! Where the other core is a segment (a capsule), the exact answer is one-dimensional: the
//! distance from the cylinder to the segment `p(t) = p₀ + t (p₁ − p₀)` is
//! `F(t) = d(p(t))` minimised over t ∈ [0, 1], with d the closed-form distance from a point to
//! the solid cylinder. d is convex and differentiable outside the cylinder, so F is convex with
//! `F'(t) = n(t) · (p₁ − p₀)` (n the unit direction from the cylinder's closest point to p(t)):
//! its minimiser is where F' changes sign, found by a safeguarded secant iteration on F'
//! (regula falsi with the Illinois correction) inside a bracket that shrinks every step. The
//! answer is certified by construction — F' changes sign across a bracket of round-off width,
//! or the minimiser is an end with F' pointing outward — and kept only if it is at least as
//! close as GJK's.

use super::SignedDistance;
use super::point_to_solid::sphere_cylinder;
use crate::pose::Pose;
use nalgebra::Point3;

/// Iterations allowed to the secant search (it needs ~5–15; bisection alone would need ~55).
const MAX_ITERATIONS: usize = 100;

/// The exact distance from the cylinder (radius, full length, at `cylinder_pose`; A) to the
/// segment [p₀, p₁] (B), given GJK's answer `gjk` for the same pair (normal from the cylinder
/// to the segment). `None` when the segment touches or enters the cylinder, or the search does
/// not certify an answer at least as close as GJK's.
pub(super) fn cylinder_segment(
    cylinder_pose: &Pose,
    (radius, length): (f64, f64),
    (p0, p1): (&Point3<f64>, &Point3<f64>),
    gjk: &SignedDistance,
) -> Option<SignedDistance> {
    let direction = p1 - p0;
    let length_squared = direction.norm_squared();
    if length_squared == 0.0 {
        return None;
    }
    let at = |t: f64| sphere_cylinder(&(p0 + direction * t), 0.0, cylinder_pose, radius, length);
    let slope = |found: &SignedDistance| found.normal.dot(&direction);
    let (start, end) = (at(0.0), at(1.0));
    let found = if slope(&start) >= 0.0 {
        start
    } else if slope(&end) <= 0.0 {
        end
    } else {
        // F' < 0 at a, > 0 at b; start the secant from GJK's witness on the segment.
        let (mut a, mut b) = (0.0, 1.0);
        let (mut slope_a, mut slope_b) = (slope(&start), slope(&end));
        let mut t = ((gjk.witness_b - p0).dot(&direction) / length_squared).clamp(0.0, 1.0);
        let mut kept_side = 0i8;
        let mut best = at(t);
        for _ in 0..MAX_ITERATIONS {
            if !(t > a && t < b) {
                t = 0.5 * (a + b);
            }
            best = at(t);
            let s = slope(&best);
            if s == 0.0 {
                break;
            }
            if s < 0.0 {
                (a, slope_a) = (t, s);
                if kept_side == -1 {
                    slope_b *= 0.5;
                }
                kept_side = -1;
            } else {
                (b, slope_b) = (t, s);
                if kept_side == 1 {
                    slope_a *= 0.5;
                }
                kept_side = 1;
            }
            if b - a <= 4.0 * f64::EPSILON {
                break;
            }
            // The secant's root of F' inside the bracket.
            t = (a * slope_b - b * slope_a) / (slope_b - slope_a);
        }
        best
    };
    (found.distance > 0.0 && found.is_finite() && found.distance <= gjk.distance + 1e-12)
        .then_some(found)
}
