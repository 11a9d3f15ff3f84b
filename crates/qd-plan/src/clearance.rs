//! How close the robots come to the objects and to each other: the collision check of regrasp
//! transitions.

use crate::error::PlanError;
use qd_geometry::kinematics::LinkId;
use qd_geometry::scene::Scene;
use qd_geometry::{ContactQuery, signed_distance};

/// The geometry pairs a transition must keep apart: every robot geometry with every object
/// geometry, and every geometry of one robot with every geometry of another. Pairs the scene's
/// collision filter ignores are checked too (planar-hand's fingers ignore each other in the
/// dynamics, but a robot moving through another is no motion to execute); pairs within one
/// robot and pairs with the environment are not.
#[derive(Debug, Clone)]
pub struct ClearanceCheck {
    /// `(a, b)` geometry indices into [`Scene::geometries`].
    pairs: Vec<(usize, usize)>,
    /// Per pair, whether both geometries belong to robots (else robot–object).
    robot_robot: Vec<bool>,
}

/// The smallest signed distance over the checked pairs at one configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clearance {
    /// Smallest φ (m) over robot–object pairs (+∞ without any).
    pub robot_object: f64,
    /// Smallest φ (m) over pairs of geometries of two different robots (+∞ without any).
    pub robot_robot: f64,
}

impl Clearance {
    /// The smaller of the two.
    pub fn min(&self) -> f64 {
        self.robot_object.min(self.robot_robot)
    }
}

impl ClearanceCheck {
    /// The pairs of `scene` a transition must keep apart.
    pub fn new(scene: &Scene) -> Self {
        let robot_of_link =
            |link: LinkId| scene.robots().iter().position(|r| r.links.contains(&link));
        let is_object = |link: LinkId| scene.objects().iter().any(|o| o.link == link);
        let mut pairs = Vec::new();
        for (a, ga) in scene.geometries().iter().enumerate() {
            for (b, gb) in scene.geometries().iter().enumerate().skip(a + 1) {
                let keep = match (robot_of_link(ga.link), robot_of_link(gb.link)) {
                    (Some(ra), Some(rb)) => ra != rb,
                    (Some(_), None) => is_object(gb.link),
                    (None, Some(_)) => is_object(ga.link),
                    (None, None) => false,
                };
                if keep {
                    pairs.push((a, b));
                }
            }
        }
        let robot_robot = pairs
            .iter()
            .map(|&(a, b)| {
                robot_of_link(scene.geometries()[a].link).is_some()
                    && robot_of_link(scene.geometries()[b].link).is_some()
            })
            .collect();
        ClearanceCheck { pairs, robot_robot }
    }

    /// The clearances at configuration `q`.
    ///
    /// # Errors
    /// Wrong length or non-finite q, failed distance queries.
    pub fn at(
        &self,
        scene: &Scene,
        query: &mut ContactQuery,
        q: &[f64],
    ) -> Result<Clearance, PlanError> {
        let mut distances = Vec::new();
        self.distances(scene, query, q, &mut distances)?;
        let mut clearance = Clearance {
            robot_object: f64::INFINITY,
            robot_robot: f64::INFINITY,
        };
        for (&both_robots, &d) in self.robot_robot.iter().zip(&distances) {
            let slot = if both_robots {
                &mut clearance.robot_robot
            } else {
                &mut clearance.robot_object
            };
            *slot = slot.min(d);
        }
        Ok(clearance)
    }

    /// The signed distance (m) of every checked pair at configuration `q`, in a fixed order,
    /// into `out`.
    ///
    /// # Errors
    /// Wrong length or non-finite q, failed distance queries.
    pub fn distances(
        &self,
        scene: &Scene,
        query: &mut ContactQuery,
        q: &[f64],
        out: &mut Vec<f64>,
    ) -> Result<(), PlanError> {
        query.update_poses(scene, q)?;
        out.clear();
        for &(a, b) in &self.pairs {
            let (ga, gb) = (&scene.geometries()[a], &scene.geometries()[b]);
            let d = signed_distance(
                &ga.shape,
                &query.world_from_geometry[a],
                &gb.shape,
                &query.world_from_geometry[b],
            )?
            .distance;
            out.push(d);
        }
        Ok(())
    }
}
