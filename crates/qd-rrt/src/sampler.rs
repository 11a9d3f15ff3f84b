//! Random choices of the RRT: object subgoals in the task's region, and regrasps (a contact
//! sampler that re-closes the robots on the object where it is).

use crate::problem::{REGRASP_GAP, REGRASP_PENETRATION, RrtProblem};
use qd_geometry::ContactQuery;
use qd_geometry::GeometryError;
use qd_geometry::grasp::{close_until_contact, robot_object_gap};
use rand::SeedableRng;
use rand::distr::{Distribution, Open01};
use rand::rngs::ChaCha8Rng;

/// How far along a synergy the sampler looks for contact (units of the synergy).
const CLOSING_RANGE: f64 = 3.0;

/// A uniform draw in (0, 1).
pub(crate) fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    Open01.sample(rng)
}

fn uniform_in(rng: &mut ChaCha8Rng, low: f64, high: f64) -> f64 {
    low + (high - low) * uniform(rng)
}

/// An object pose drawn uniformly from the task's sampling region (translation box, angle
/// range; free objects turn about world z from their start orientation).
pub(crate) fn sample_object_pose(problem: &RrtProblem, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let region = &problem.sampling;
    let translation: Vec<f64> = region
        .position_lower
        .iter()
        .zip(&region.position_upper)
        .map(|(&low, &high)| uniform_in(rng, low, high))
        .collect();
    let angle = uniform_in(rng, region.angle_range[0], region.angle_range[1]);
    problem
        .object
        .compose(&translation, angle, &problem.reference)
}

impl RrtProblem {
    /// An object pose drawn uniformly from the task's sampling region with the stream of
    /// `seed` (the same pose for the same seed): a random query of the task, for
    /// [`RrtProblem::with_query`].
    pub fn sample_goal(&self, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        sample_object_pose(self, &mut rng)
    }
}

/// A new robot configuration touching the object where it is in `q`: the actuated joints go
/// to the grasp data's open pose plus uniform noise (clamped to the joint limits), then every
/// synergy closes until its links are within [`REGRASP_GAP`] of the object. The object does
/// not move. `None` when a synergy finds no contact or a robot ends up inside the object.
///
/// Collisions between robots, and with other objects, are not checked.
pub(crate) fn regrasp(
    problem: &RrtProblem,
    q: &[f64],
    noise: f64,
    rng: &mut ChaCha8Rng,
    query: &mut ContactQuery,
) -> Result<Option<Vec<f64>>, GeometryError> {
    let Some(grasp) = &problem.grasp else {
        return Ok(None);
    };
    let scene = problem.system.scene();
    let mut candidate = q.to_vec();
    for ((&index, &open), &(lower, upper)) in scene
        .split()
        .actuated
        .iter()
        .zip(&grasp.open)
        .zip(&problem.input_limits)
    {
        candidate[index] = (open + uniform_in(rng, -noise, noise)).clamp(lower, upper);
    }
    for synergy in &grasp.synergies {
        match close_until_contact(
            scene,
            &candidate,
            &synergy.direction,
            problem.object.index,
            REGRASP_GAP,
            CLOSING_RANGE,
        )? {
            Some(closed) => candidate = closed,
            None => return Ok(None),
        }
    }
    let gap = robot_object_gap(scene, query, &candidate, problem.object.index, 1.0)?;
    if gap.is_some_and(|g| g < -REGRASP_PENETRATION) {
        return Ok(None);
    }
    Ok(Some(candidate))
}
