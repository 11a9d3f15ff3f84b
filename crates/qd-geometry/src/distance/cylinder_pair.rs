//! Separated cylinder–cylinder distances refined past GJK to round-off.
//!
//! The closest points of two separated cylinders lie on a cap disc, a rim circle or a side
//! line of each. Every combination is reached by one of three exact sub-problems, each posed
//! from A's side and then from B's:
//!
//! - **side of A**: the other cylinder's distance to A's axis segment, minimised along the
//!   segment (convex: [`closest_on_segment`]) and reduced by A's radius — exact when the
//!   closest axis point is interior, so the inflated point lies on A's side;
//! - **rim of A**: the other cylinder's closed-form distance to the rim point at angle θ,
//!   minimised over θ in a window around GJK's witness (a safeguarded secant on its
//!   derivative, [`minimise_on_bracket`]);
//! - **cap of A**: the other cylinder's support point toward the cap, projected onto the cap's
//!   plane, when the projection lies inside the disc.
//!
//! A candidate is kept only when **certified**: each witness is a support point of its
//! cylinder along the candidate's normal ([`certified_against`]), which makes the separation
//! along the normal equal to the candidate's distance and so proves it the minimum.

use super::SignedDistance;
use super::curved_refine::{
    Cylinder, FEATURE_REACH, certified_against, closest_on_segment, cylinder_support,
    cylinder_support_value, minimise_on_bracket,
};
use nalgebra::{Point3, Unit, Vector3};

/// Half-width of the window of rim angles searched around GJK's witness (rad): GJK stops
/// ~1e-3 rad short on a rim, so the window holds the answer with a wide margin while staying
/// inside the region where the distance to the rim is unimodal.
const RIM_WINDOW: f64 = 0.25;

/// The exact distance from cylinder `a` to cylinder `b` given GJK's answer for the pair
/// (normal from A to B). `None` when no candidate certifies or none improves on GJK.
pub(super) fn cylinder_cylinder(
    a: &Cylinder<'_>,
    b: &Cylinder<'_>,
    gjk: &SignedDistance,
) -> Option<SignedDistance> {
    let mut best: Option<SignedDistance> = None;
    let mut keep = |candidate: SignedDistance| {
        let size = |c: &Cylinder<'_>| c.pose.translation.vector.norm() + c.radius + c.length;
        let certified = certified_against(
            a,
            &candidate,
            cylinder_support_value(b, &-candidate.normal.into_inner()),
            size(b),
        );
        if certified && best.is_none_or(|kept| candidate.distance < kept.distance) {
            best = Some(candidate);
        }
    };
    for candidate in features_of(a, b, gjk) {
        keep(candidate);
    }
    for candidate in features_of(b, a, &gjk.swapped()) {
        keep(candidate.swapped());
    }
    best.filter(|found| found.distance <= gjk.distance + 1e-12)
}

/// The candidates from the features of `own` (side, rims near GJK's witness, caps near it)
/// against the whole of `other`, as answers for the pair (own, other).
fn features_of(
    own: &Cylinder<'_>,
    other: &Cylinder<'_>,
    gjk: &SignedDistance,
) -> impl Iterator<Item = SignedDistance> {
    let axis = own.pose.rotation * Vector3::z();
    let centre = Point3::from(own.pose.translation.vector);
    let local = own.pose.inverse_transform_point(&gjk.witness_a);
    let reach = FEATURE_REACH * (own.radius + own.length);
    let half = 0.5 * own.length;
    let radial = local.x.hypot(local.y);
    // Side, then rim and cap at each end: no allocation (this runs in every contact query).
    let mut found: [Option<SignedDistance>; 5] = [None; 5];
    found[0] = side_candidate(own, other, gjk, (&centre, &axis));
    for (end, sign) in [-1.0, 1.0].into_iter().enumerate() {
        if (local.z - sign * half).abs() > reach {
            continue;
        }
        if (radial - own.radius).abs() <= reach {
            found[1 + 2 * end] = rim_candidate(own, other, sign, local.y.atan2(local.x));
        }
        found[2 + 2 * end] = cap_candidate(own, other, &(axis * sign), sign * half);
    }
    found.into_iter().flatten()
}

/// Side of `own` against `other`: `other`'s distance to `own`'s axis segment, less `own`'s
/// radius.
fn side_candidate(
    own: &Cylinder<'_>,
    other: &Cylinder<'_>,
    gjk: &SignedDistance,
    (centre, axis): (&Point3<f64>, &Vector3<f64>),
) -> Option<SignedDistance> {
    let (p0, p1) = (
        centre - axis * (0.5 * own.length),
        centre + axis * (0.5 * own.length),
    );
    // Normal from `other` toward the axis point; the pair's normal is its opposite.
    let to_axis = closest_on_segment(
        other.pose,
        (other.radius, other.length),
        (&p0, &p1),
        &gjk.witness_a,
    )?;
    let n = to_axis.normal.into_inner();
    Some(SignedDistance {
        distance: to_axis.distance - own.radius,
        normal: Unit::new_unchecked(-n),
        witness_a: to_axis.witness_b - n * own.radius,
        witness_b: to_axis.witness_a,
    })
}

/// Rim of `own` at the cap `sign · length/2` against `other`, searched over the rim angle in
/// [`RIM_WINDOW`] around `angle` (rad, in `own`'s frame).
fn rim_candidate(
    own: &Cylinder<'_>,
    other: &Cylinder<'_>,
    sign: f64,
    angle: f64,
) -> Option<SignedDistance> {
    let rotation = own.pose.rotation.to_rotation_matrix().into_inner();
    let (u, v) = (
        rotation.column(0).into_owned(),
        rotation.column(1).into_owned(),
    );
    let centre = own.pose.translation.vector + rotation.column(2) * (sign * 0.5 * own.length);
    let at = |theta: f64| {
        let (sin, cos) = theta.sin_cos();
        let point = Point3::from(centre + (u * cos + v * sin) * own.radius);
        let tangent = (v * cos - u * sin) * own.radius;
        let found = other.to_point(&point);
        (found.normal.dot(&tangent), found)
    };
    let (low, high) = (angle - RIM_WINDOW, angle + RIM_WINDOW);
    let ((slope_low, _), (slope_high, _)) = (at(low), at(high));
    if !(slope_low < 0.0 && slope_high > 0.0) {
        return None;
    }
    let to_rim = minimise_on_bracket((low, slope_low), (high, slope_high), angle, at);
    Some(to_rim.swapped())
}

/// Cap of `own` with outward world normal `outward` (at `offset` along its axis) against
/// `other`: `other`'s support point toward the cap, projected onto the cap's plane, when the
/// projection lies inside the disc and `other` is outside the plane.
fn cap_candidate(
    own: &Cylinder<'_>,
    other: &Cylinder<'_>,
    outward: &Vector3<f64>,
    offset: f64,
) -> Option<SignedDistance> {
    let on_other = cylinder_support(other, &-outward);
    let plane = outward.dot(&own.pose.translation.vector) + offset.abs();
    let gap = outward.dot(&on_other.coords) - plane;
    if gap <= 0.0 {
        return None;
    }
    let on_own = on_other - outward * gap;
    let local = own.pose.inverse_transform_point(&on_own);
    (local.x.hypot(local.y) <= own.radius).then(|| SignedDistance {
        distance: gap,
        normal: Unit::new_unchecked(*outward),
        witness_a: on_own,
        witness_b: on_other,
    })
}
