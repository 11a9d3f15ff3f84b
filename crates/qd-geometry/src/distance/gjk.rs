//! Pure GJK on two cores (no EPA): the exact distance of separated cores, or "overlapping".

use super::SignedDistance;
use super::core_shape::PosedCore;
use crate::parry_bridge::{from_glam_point, from_glam_vector};
use nalgebra::Unit;
use parry3d_f64::math::Vector as GlamVector;
use parry3d_f64::query::gjk::{self, CsoPoint, GJKResult, VoronoiSimplex};

/// What GJK found.
pub(super) enum GjkOutcome {
    /// The cores are apart: their exact distance, normal and closest points.
    Separated(SignedDistance),
    /// The cores overlap (or touch within GJK's tolerance).
    Overlapping,
    /// GJK gave nothing usable (a support map missing, or a non-finite answer).
    Failed,
}

/// Runs GJK between two cores.
pub(super) fn gjk_cores(a: &PosedCore<'_>, b: &PosedCore<'_>) -> GjkOutcome {
    let (Some(support_a), Some(support_b)) = (
        a.parry_shape.as_dyn().as_support_map(),
        b.parry_shape.as_dyn().as_support_map(),
    ) else {
        return GjkOutcome::Failed;
    };
    let pos12 = a.parry_pose.inv_mul(&b.parry_pose);
    // An upper bound on the distance, so GJK always reports the closest points.
    let max_dist =
        pos12.translation.length() + a.shape.bounding_radius() + b.shape.bounding_radius() + 1.0;
    let initial_dir = pos12.translation.try_normalize().unwrap_or(GlamVector::X);
    let mut simplex = VoronoiSimplex::new();
    simplex.reset(CsoPoint::from_shapes(
        &pos12,
        support_a,
        support_b,
        initial_dir,
    ));
    match gjk::closest_points(&pos12, support_a, support_b, max_dist, true, &mut simplex) {
        GJKResult::ClosestPoints(on_a, on_b, normal) => {
            let witness_a = from_glam_point(&a.parry_pose.transform_point(on_a));
            let witness_b = from_glam_point(&a.parry_pose.transform_point(on_b));
            let normal = from_glam_vector(&a.parry_pose.transform_vector(normal));
            let Some(normal) = Unit::try_new(normal, 0.5) else {
                return GjkOutcome::Failed;
            };
            let found = SignedDistance {
                distance: normal.dot(&(witness_b - witness_a)),
                normal,
                witness_a,
                witness_b,
            };
            if found.is_finite() {
                GjkOutcome::Separated(found)
            } else {
                GjkOutcome::Failed
            }
        }
        GJKResult::Intersection => GjkOutcome::Overlapping,
        GJKResult::Proximity(_) | GJKResult::NoIntersection(_) => GjkOutcome::Failed,
    }
}
