//! Regrasp transitions: with the objects where they are, the robots open (move away from the
//! objects along the contact normals), travel to the opened next grasp, and close onto it.

use crate::clearance::ClearanceCheck;
use crate::error::PlanError;
use crate::joint_path::{SearchLimits, SegmentCheck, free_path, max_norm};
use nalgebra::{DMatrix, DVector};
use qd_geometry::ContactQuery;
use qd_geometry::scene::Scene;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How transitions are planned and checked. Lengths in m, joint changes in rad (revolute) or
/// m (prismatic).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransitionSettings {
    /// How far the robots open from the objects before they travel (m).
    pub open_clearance: f64,
    /// The largest joint change between two collision checks along a path (rad or m).
    pub check_resolution: f64,
    /// The deepest robot–object or robot–robot penetration the opening and closing may have
    /// (m). The opening starts from where the last segment left the robots, in contact, and
    /// the closing ends at the next grasp, 1 mm from the object. (The travel between the
    /// opened poses keeps every pair half `open_clearance` apart, or as far as its ends.)
    pub penetration_bound: f64,
    /// Random samples of the fallback search when the straight line collides.
    pub fallback_samples: usize,
    /// Largest joint change per edge of the fallback search (rad or m).
    pub fallback_step: f64,
}

impl Default for TransitionSettings {
    fn default() -> Self {
        TransitionSettings {
            open_clearance: 0.01,
            check_resolution: 0.005,
            penetration_bound: 2e-3,
            fallback_samples: 2000,
            fallback_step: 0.1,
        }
    }
}

impl TransitionSettings {
    /// Checks the ranges.
    ///
    /// # Errors
    /// A non-positive or non-finite length or step, no fallback samples allowed with a
    /// negative bound.
    pub fn check(&self) -> Result<(), PlanError> {
        let positive = [
            ("open_clearance", self.open_clearance),
            ("check_resolution", self.check_resolution),
            ("fallback_step", self.fallback_step),
        ];
        for (name, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(PlanError::InvalidParameter(format!(
                    "transition {name} must be finite and > 0, got {value}"
                )));
            }
        }
        if !(self.penetration_bound.is_finite() && self.penetration_bound >= 0.0) {
            return Err(PlanError::InvalidParameter(format!(
                "transition penetration_bound must be finite and ≥ 0, got {}",
                self.penetration_bound
            )));
        }
        Ok(())
    }
}

/// A planned transition: joint-space waypoints of the actuated coordinates (input order),
/// from the robots' configuration at its start to the next grasp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionPath {
    /// Waypoints (n_a each): start, opened start, any detour, opened grasp, grasp.
    pub waypoints: Vec<Vec<f64>>,
    /// Whether the straight line between the opened poses collided and the fallback search
    /// found the detour.
    pub detour: bool,
    /// The smallest clearance (m) over the checked configurations of the path.
    pub min_clearance: f64,
}

/// Everything a transition needs about the scene, reused between transitions.
pub(crate) struct TransitionPlanner<'a> {
    scene: &'a Scene,
    check: ClearanceCheck,
    query: ContactQuery,
    settings: TransitionSettings,
    bounds: Vec<(f64, f64)>,
}

/// Travel checks at a fixed object pose: the actuated coordinates vary, the rest of `q`
/// stays, and every pair keeps at least its floor.
struct FixedObjects<'p, 'a> {
    planner: &'p mut TransitionPlanner<'a>,
    q: Vec<f64>,
    /// Per checked pair, the smallest signed distance the travel may bring it to (m).
    floors: Vec<f64>,
    distances: Vec<f64>,
}

impl SegmentCheck for FixedObjects<'_, '_> {
    fn free(&mut self, from: &[f64], to: &[f64]) -> Result<bool, PlanError> {
        let planner = &mut *self.planner;
        let pieces = (max_norm(from, to) / planner.settings.check_resolution).ceil() as usize;
        let pieces = pieces.max(1);
        let mut point = from.to_vec();
        for k in 0..=pieces {
            let s = k as f64 / pieces as f64;
            for ((p, a), b) in point.iter_mut().zip(from).zip(to) {
                *p = a + s * (b - a);
            }
            planner.set_actuated(&mut self.q, &point);
            planner.check.distances(
                planner.scene,
                &mut planner.query,
                &self.q,
                &mut self.distances,
            )?;
            if self
                .distances
                .iter()
                .zip(&self.floors)
                .any(|(d, floor)| d < floor)
            {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl<'a> TransitionPlanner<'a> {
    pub(crate) fn new(scene: &'a Scene, settings: TransitionSettings) -> Self {
        let bounds = scene
            .actuated_limits()
            .into_iter()
            .map(|(low, high)| {
                // Joints without limits search one unit (rad or m) around zero.
                (
                    if low.is_finite() { low } else { -1.0 },
                    if high.is_finite() { high } else { 1.0 },
                )
            })
            .collect();
        TransitionPlanner {
            scene,
            check: ClearanceCheck::new(scene),
            query: ContactQuery::new(),
            settings,
            bounds,
        }
    }

    fn set_actuated(&self, q: &mut [f64], actuated: &[f64]) {
        for (&index, &value) in self.scene.split().actuated.iter().zip(actuated) {
            q[index] = value;
        }
    }

    /// The smallest clearance along the straight segment `from → to` of the actuated
    /// coordinates (the rest of `q` fixed), checked every `check_resolution`; stops early
    /// (returning `None`) at the first configuration deeper than `allowed` (m).
    fn segment_clearance(
        &mut self,
        q: &mut [f64],
        from: &[f64],
        to: &[f64],
        allowed: f64,
    ) -> Result<Option<f64>, PlanError> {
        let pieces = (max_norm(from, to) / self.settings.check_resolution).ceil() as usize;
        let pieces = pieces.max(1);
        let mut smallest = f64::INFINITY;
        let mut point = from.to_vec();
        for k in 0..=pieces {
            let s = k as f64 / pieces as f64;
            for ((p, a), b) in point.iter_mut().zip(from).zip(to) {
                *p = a + s * (b - a);
            }
            self.set_actuated(q, &point);
            let c = self.check.at(self.scene, &mut self.query, q)?.min();
            if c < -allowed {
                return Ok(None);
            }
            smallest = smallest.min(c);
        }
        Ok(Some(smallest))
    }

    /// The floor of each checked pair during the travel between the opened poses: half the
    /// opening clearance, or less where a pair is closer at either end already (a sphere on
    /// the palm, a pair the joint limits kept from opening). Keeping the travel that far from
    /// the objects matters beyond penetration: the step linearises its contact constraints,
    /// so a link that comes within one step's motion of the object can push it even when its
    /// true path stays clear.
    fn travel_floors(
        &mut self,
        q: &[f64],
        opened_start: &[f64],
        opened_grasp: &[f64],
    ) -> Result<Vec<f64>, PlanError> {
        let margin = 0.5 * self.settings.open_clearance;
        let mut work = q.to_vec();
        let (mut at_start, mut at_grasp) = (Vec::new(), Vec::new());
        self.set_actuated(&mut work, opened_start);
        self.check
            .distances(self.scene, &mut self.query, &work, &mut at_start)?;
        self.set_actuated(&mut work, opened_grasp);
        self.check
            .distances(self.scene, &mut self.query, &work, &mut at_grasp)?;
        Ok(at_start
            .iter()
            .zip(&at_grasp)
            .map(|(a, b)| margin.min(*a).min(*b) - 1e-9)
            .collect())
    }

    /// Moves the actuated coordinates of `q` away from the objects along the contact normals
    /// until every robot–object pair that the robots can open is `target` (m) apart
    /// (damped least squares on the normal Jacobians, at most 0.05 per joint per iteration,
    /// within the joint limits). Pairs no actuated joint moves (a sphere on the palm) are left.
    fn open(&mut self, q: &[f64], target: f64) -> Result<Vec<f64>, PlanError> {
        const ITERATIONS: usize = 60;
        const MAX_CHANGE: f64 = 0.05;
        const DAMPING: f64 = 1e-6;
        let scene = self.scene;
        let actuated = &scene.split().actuated;
        let is_object = |g: usize| {
            let link = scene.geometries()[g].link;
            scene.objects().iter().any(|o| o.link == link)
        };
        let is_robot = |g: usize| {
            let link = scene.geometries()[g].link;
            scene.robots().iter().any(|r| r.links.contains(&link))
        };
        let limits = scene.actuated_limits();
        let mut q = q.to_vec();
        for _ in 0..ITERATIONS {
            let contacts = self.query.contacts(scene, &q, Some(target))?;
            let mut rows: Vec<(Vec<f64>, f64)> = Vec::new();
            for contact in contacts {
                let (a, b) = (contact.geometry_a, contact.geometry_b);
                let robot_object = (is_robot(a) && is_object(b)) || (is_object(a) && is_robot(b));
                if !robot_object {
                    continue;
                }
                let row: Vec<f64> = actuated.iter().map(|&i| contact.jac_normal[i]).collect();
                if row.iter().map(|x| x * x).sum::<f64>().sqrt() < 1e-9 {
                    continue;
                }
                rows.push((row, target - contact.distance.distance));
            }
            if rows.is_empty() {
                break;
            }
            let a = DMatrix::from_fn(rows.len(), actuated.len(), |i, j| rows[i].0[j]);
            let r = DVector::from_iterator(rows.len(), rows.iter().map(|(_, r)| *r));
            let gram = &a * a.transpose() + DMatrix::identity(rows.len(), rows.len()) * DAMPING;
            let Some(solution) = gram.cholesky().map(|c| c.solve(&r)) else {
                break;
            };
            let mut delta = a.transpose() * solution;
            let largest = delta.amax();
            if largest > MAX_CHANGE {
                delta *= MAX_CHANGE / largest;
            }
            let mut moved = 0.0f64;
            for ((&index, d), &(low, high)) in actuated.iter().zip(delta.iter()).zip(&limits) {
                let next = (q[index] + d).clamp(low, high);
                moved = moved.max((next - q[index]).abs());
                q[index] = next;
            }
            if moved < 1e-12 {
                break; // the joint limits block any further opening
            }
        }
        Ok(q)
    }

    /// Plans the transition from configuration `q` (the objects stay where `q` has them) to
    /// the actuated coordinates `grasp`.
    ///
    /// # Errors
    /// No free path between the opened poses within the fallback's samples, a blocked opening
    /// or closing, and failed geometry queries.
    pub(crate) fn plan(
        &mut self,
        q: &[f64],
        grasp: &[f64],
        rng: &mut ChaCha8Rng,
    ) -> Result<TransitionPath, PlanError> {
        let scene = self.scene;
        let start = scene.actuated_positions(q);
        let clearance = self.settings.open_clearance;
        let opened_start = scene.actuated_positions(&self.open(q, clearance)?);
        // The grasp was sampled where the tree had the object; where it really is (after the
        // segments' small errors) the grasp may reach into it: back it off to the sampler's gap.
        let mut at_grasp = q.to_vec();
        self.set_actuated(&mut at_grasp, grasp);
        let at_grasp = self.open(&at_grasp, qd_rrt::REGRASP_GAP)?;
        let grasp = scene.actuated_positions(&at_grasp);
        let opened_grasp = scene.actuated_positions(&self.open(&at_grasp, clearance)?);
        let mut work = q.to_vec();
        // The opening starts where the last segment left the robots, possibly pressed into the
        // object deeper than the bound: it may not go deeper than it starts.
        let start_clearance = self.check.at(scene, &mut self.query, q)?.min();
        let bound = self.settings.penetration_bound;
        for (what, from, to, allowed) in [
            (
                "opening",
                &start,
                &opened_start,
                bound.max(-start_clearance),
            ),
            ("closing", &opened_grasp, &grasp, bound),
        ] {
            if self
                .segment_clearance(&mut work, from, to, allowed)?
                .is_none()
            {
                return Err(PlanError::Transition(format!(
                    "the {what} motion passes deeper than {allowed:.4} m into an object or \
                     another robot"
                )));
            }
        }
        let limits = SearchLimits {
            step: self.settings.fallback_step,
            samples: self.settings.fallback_samples,
        };
        let bounds = self.bounds.clone();
        let samples = self.settings.fallback_samples;
        let floors = self.travel_floors(q, &opened_start, &opened_grasp)?;
        let mut check = FixedObjects {
            planner: self,
            q: q.to_vec(),
            floors,
            distances: Vec::new(),
        };
        let travel = free_path(
            &opened_start,
            &opened_grasp,
            &bounds,
            limits,
            rng,
            &mut check,
        )?
        .ok_or_else(|| {
            PlanError::Transition(format!(
                "no collision-free path between the opened grasps ({samples} samples)"
            ))
        })?;
        let detour = travel.len() > 2;
        let mut waypoints = vec![start];
        waypoints.extend(travel);
        waypoints.push(grasp);
        waypoints.dedup_by(|a, b| max_norm(a, b) == 0.0);
        let mut min_clearance = f64::INFINITY;
        for leg in waypoints.windows(2) {
            if let Some(c) = self.segment_clearance(&mut work, &leg[0], &leg[1], f64::INFINITY)? {
                min_clearance = min_clearance.min(c);
            }
        }
        Ok(TransitionPath {
            waypoints,
            detour,
            min_clearance,
        })
    }
}

/// Plans one regrasp transition on `scene` from configuration `q` (the objects stay where `q`
/// has them) to the actuated coordinates `grasp` (n_a, input order): open along the contact
/// normals, travel (straight, or the fallback search seeded with `seed`), close.
///
/// # Errors
/// Bad settings or lengths, no free path, failed geometry queries.
pub fn plan_transition(
    scene: &Scene,
    q: &[f64],
    grasp: &[f64],
    settings: TransitionSettings,
    seed: u64,
) -> Result<TransitionPath, PlanError> {
    settings.check()?;
    scene.tree().check_lengths(q, None)?;
    if grasp.len() != scene.na() || grasp.iter().any(|v| !v.is_finite()) {
        return Err(PlanError::Malformed {
            what: "grasp".to_string(),
            reason: format!("expected {} finite values, got {grasp:?}", scene.na()),
        });
    }
    let mut rng = <ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
    TransitionPlanner::new(scene, settings).plan(q, grasp, &mut rng)
}
