//! A generic contact sampler over a scene's grasp data: close the robots along a synergy until
//! they touch an object.

use crate::kinematics::{JointId, LinkId};
use crate::scene::Scene;
use crate::{ContactQuery, GeometryError};

/// The smallest signed distance (m) between any robot geometry and any geometry of `object`
/// (an index into `scene.objects`) at configuration `q`, over pairs within `reach` (m);
/// `None` when no pair is that close.
///
/// # Errors
/// Wrong q, failed distance queries.
pub fn robot_object_gap(
    scene: &Scene,
    query: &mut ContactQuery,
    q: &[f64],
    object: usize,
    reach: f64,
) -> Result<Option<f64>, GeometryError> {
    let robot_links: Vec<LinkId> = scene
        .robots
        .iter()
        .flat_map(|r| r.links.iter().copied())
        .collect();
    links_object_gap(scene, query, q, object, reach, &robot_links)
}

/// As [`robot_object_gap`], over the geometry of `links` only.
fn links_object_gap(
    scene: &Scene,
    query: &mut ContactQuery,
    q: &[f64],
    object: usize,
    reach: f64,
    robot_links: &[LinkId],
) -> Result<Option<f64>, GeometryError> {
    query.closest_distance(scene, q, scene.objects[object].link, robot_links, reach)
}

/// Moves the actuated joints of `q` along `direction` (n_a, in input order) by the smallest
/// amount t ∈ (0, `t_max`] at which the links it moves come within `gap` (m) of `object`, found by
/// bisection to 1e-9 in t; the joints are clamped to their limits. Returns the new q, or
/// `None` when the robots do not reach the object within `t_max`.
///
/// # Errors
/// Wrong lengths, failed distance queries.
pub fn close_until_contact(
    scene: &Scene,
    q: &[f64],
    direction: &[f64],
    object: usize,
    gap: f64,
    t_max: f64,
) -> Result<Option<Vec<f64>>, GeometryError> {
    if direction.len() != scene.split.actuated.len() {
        return Err(GeometryError::Dimension {
            what: "synergy direction",
            expected: scene.split.actuated.len(),
            got: direction.len(),
        });
    }
    let mut query = ContactQuery::new();
    let at = |t: f64| -> Vec<f64> {
        let mut moved = q.to_vec();
        for ((&index, d), joint) in scene
            .split
            .actuated
            .iter()
            .zip(direction)
            .zip(actuated_joints(scene))
        {
            let mut value = q[index] + t * d;
            if let Some((lower, upper)) = scene.tree.joints()[joint].limits {
                value = value.clamp(lower, upper);
            }
            moved[index] = value;
        }
        moved
    };
    // Only the links the synergy moves count: others may already touch (a sphere resting on
    // the palm, an arm closed before).
    let moving_joints: Vec<usize> = actuated_joints(scene)
        .zip(direction)
        .filter(|(_, d)| **d != 0.0)
        .map(|(joint, _)| scene.tree.joints()[joint].v_start)
        .collect();
    let moving_links: Vec<LinkId> = scene
        .robots
        .iter()
        .flat_map(|r| r.links.iter().copied())
        .filter(|&link| {
            moving_joints
                .iter()
                .any(|&v| scene.tree.coordinate_moves_link(v, link))
        })
        .collect();
    let reach = gap.max(0.0) + 1.0;
    let closed_enough = |query: &mut ContactQuery, t: f64| -> Result<bool, GeometryError> {
        Ok(
            links_object_gap(scene, query, &at(t), object, reach, &moving_links)?
                .is_some_and(|g| g <= gap),
        )
    };
    if closed_enough(&mut query, 0.0)? {
        return Ok(Some(q.to_vec()));
    }
    // March out to the first touching t, then bisect.
    let steps = 200;
    let mut low = 0.0;
    let mut high = None;
    for k in 1..=steps {
        let t = t_max * k as f64 / steps as f64;
        if closed_enough(&mut query, t)? {
            high = Some(t);
            break;
        }
        low = t;
    }
    let Some(mut high) = high else {
        return Ok(None);
    };
    while high - low > 1e-9 {
        let mid = 0.5 * (low + high);
        if closed_enough(&mut query, mid)? {
            high = mid;
        } else {
            low = mid;
        }
    }
    Ok(Some(at(high)))
}

/// The joint of each actuated coordinate, in input order.
fn actuated_joints(scene: &Scene) -> impl Iterator<Item = JointId> + '_ {
    scene.robots.iter().flat_map(|r| r.actuated.iter().copied())
}
