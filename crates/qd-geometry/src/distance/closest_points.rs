//! Closest points between points and segments: the cores of spheres and capsules.

use nalgebra::{Point3, Vector3};

/// The point of segment `[p, q]` closest to `x`.
#[inline]
pub(super) fn on_segment(p: &Point3<f64>, q: &Point3<f64>, x: &Point3<f64>) -> Point3<f64> {
    let d = q - p;
    let len2 = d.norm_squared();
    if len2 <= f64::MIN_POSITIVE {
        return *p;
    }
    let t = ((x - p).dot(&d) / len2).clamp(0.0, 1.0);
    p + d * t
}

/// The closest pair of points between segments `[p1, q1]` and `[p2, q2]` (both non-degenerate).
///
/// Minimises `|p1 + s d1 − p2 − t d2|²` over `s, t ∈ [0, 1]`: the unconstrained optimum in `s`
/// is clamped, `t` recomputed for it and clamped, then `s` recomputed for the clamped `t`; this
/// sequence reaches the constrained minimum of the convex quadratic. Parallel segments (a
/// singular 2×2 system) take `s = 0`, any minimiser being equally close.
#[inline]
pub(super) fn between_segments(
    p1: &Point3<f64>,
    q1: &Point3<f64>,
    p2: &Point3<f64>,
    q2: &Point3<f64>,
) -> (Point3<f64>, Point3<f64>) {
    let d1: Vector3<f64> = q1 - p1;
    let d2: Vector3<f64> = q2 - p2;
    let r = p1 - p2;
    let a = d1.norm_squared();
    let e = d2.norm_squared();
    let f = d2.dot(&r);
    let c = d1.dot(&r);
    let b = d1.dot(&d2);
    let denom = a * e - b * b;
    // The three divisions are independent of each other: taking their reciprocals up front
    // lets them overlap, and leaves only multiplications on the chain s → t → s.
    let (inv_a, inv_e, inv_denom) = (a.recip(), e.recip(), denom.recip());
    // Relative test: sin² of the angle between the segments below ~1e-14 counts as parallel.
    let mut s = if denom > 1e-14 * a * e {
        ((b * f - c * e) * inv_denom).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut t = (b * s + f) * inv_e;
    if t < 0.0 {
        t = 0.0;
        s = (-c * inv_a).clamp(0.0, 1.0);
    } else if t > 1.0 {
        t = 1.0;
        s = ((b - c) * inv_a).clamp(0.0, 1.0);
    }
    (p1 + d1 * s, p2 + d2 * t)
}

/// A unit vector perpendicular to `v` (non-zero), chosen deterministically:
/// `v × e / |v × e|` with `e` = [`perpendicular_axis`]`(v)`.
pub(crate) fn any_perpendicular(v: &Vector3<f64>) -> Vector3<f64> {
    v.cross(&perpendicular_axis(v)).normalize()
}

/// The coordinate axis [`any_perpendicular`] crosses `v` with: the one along which `v` has
/// its smallest component (so the cross product is never short).
pub(crate) fn perpendicular_axis(v: &Vector3<f64>) -> Vector3<f64> {
    let abs = v.abs();
    if abs.x <= abs.y && abs.x <= abs.z {
        Vector3::x()
    } else if abs.y <= abs.z {
        Vector3::y()
    } else {
        Vector3::z()
    }
}
