//! Pure GJK on two cores (no EPA): the exact distance of separated cores, or "overlapping".

use super::SignedDistance;
use super::core_shape::PosedCore;
use crate::glam_convert::{from_glam_point, from_glam_vector};
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

/// A GJK simplex kept from one query to the next when B only moves by translations (the
/// penetration polish moves B along a slowly turning direction): the points of the
/// configuration-space obstacle stay support points when shifted with B, so the next query
/// starts next to its answer instead of from scratch.
pub(super) struct WarmSimplex {
    simplex: VoronoiSimplex,
    /// B's world translation when the simplex was last valid.
    b_translation: nalgebra::Vector3<f64>,
}

/// Runs GJK between two cores, starting from `warm` (if any, shifted by B's translation
/// since) and leaving the final simplex there for the next call, which must keep A's and B's
/// orientations.
pub(super) fn gjk_cores_warm(
    a: &PosedCore<'_>,
    b: &PosedCore<'_>,
    warm: &mut Option<WarmSimplex>,
) -> GjkOutcome {
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
    let b_translation = b.pose.translation.vector;
    let mut simplex = match warm.take() {
        Some(mut kept) => {
            // B's support points move with B; in A's frame by the rotated shift.
            let shift = b_translation - kept.b_translation;
            let local = a
                .parry_pose
                .rotation
                .inverse()
                .mul_vec3(GlamVector::new(shift.x, shift.y, shift.z));
            kept.simplex.modify_pnts(&|point| {
                point.orig2 += local;
                point.point -= local;
            });
            kept.simplex
        }
        None => {
            let initial_dir = pos12.translation.try_normalize().unwrap_or(GlamVector::X);
            let mut simplex = VoronoiSimplex::new();
            simplex.reset(CsoPoint::from_shapes(
                &pos12,
                support_a,
                support_b,
                initial_dir,
            ));
            simplex
        }
    };
    let outcome = gjk::closest_points(&pos12, support_a, support_b, max_dist, true, &mut simplex);
    *warm = Some(WarmSimplex {
        simplex,
        b_translation,
    });
    match outcome {
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
