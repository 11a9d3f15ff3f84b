//! What to plan (start, goal, sampling region, grasp data) and how (docs/rrt.md parameters).

use crate::error::RrtError;
use crate::metric::Metric;
use crate::task::{RrtTask, SamplingRegion};
use nalgebra::{Quaternion, UnitQuaternion, Vector3};
use qd_dynamics::QuasiDynamicSystem;
use qd_geometry::kinematics::JointKind;
use qd_geometry::scene::Scene;
use qd_smoothing::Smoothing;
use qd_task::{Grasp, ObjectCoordinates, PoseError, Task};
use serde::{Deserialize, Serialize};

/// Samples per node of randomized smoothing when the task gives σ_u (our choice: the metric
/// needs the shape of B, not a precise value, and every node pays for it).
pub const DEFAULT_NODE_SAMPLES: usize = 20;
/// κ of analytic smoothing when the task gives neither σ_u nor κ (our choice: on the planar
/// hand, h = 0.1, 10 seeds of 1000 nodes with p_grasp 0.2 reach the goal 1, 5 and 1 times at
/// κ = 30, 100 and 300).
pub const DEFAULT_NODE_KAPPA: f64 = 100.0;
/// Robots close until they are this near the object (m).
pub const REGRASP_GAP: f64 = 1e-3;
/// A regrasp that leaves a robot deeper than this in the object is refused (m).
pub const REGRASP_PENETRATION: f64 = 1e-3;
/// The largest node budget (`max_nodes`, `--max-nodes`): a tree of a million nodes is hours
/// of planning and gigabytes of linearisations; a larger budget is a typo, refused by name.
pub const MAX_NODES: usize = 1_000_000;

/// Goal-sampling probability when the task gives none (our choice).
pub const DEFAULT_P_GOAL: f64 = 0.1;
/// Half-width (rad or m) of the uniform noise added to the open pose before a regrasp closes
/// the robots (our choice).
pub const DEFAULT_REGRASP_NOISE: f64 = 0.15;

/// Extensions without progress after which a node retires, when the task gives no
/// `retire_after` (our choice; docs/rrt.md has the measurements behind it).
pub const DEFAULT_RETIRE_AFTER: usize = 10;

/// How the tree grows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RrtSettings {
    /// Largest input change of one extension, ‖δu‖₂ (rad or m).
    pub step: f64,
    /// Regularisation γ of the metric `(B̂_u B̂_uᵀ + Γ)⁻¹` on the object's translations.
    pub gamma: f64,
    /// Regularisation of the metric on the object's rotation (its angle, or a free body's
    /// rotation vector). Large enough that every rotation direction stays reachable in the
    /// metric: with a tiny value, directions the contacts barely move (a held sphere's tilt)
    /// dominate the distance and decide the nearest node.
    pub gamma_rotation: f64,
    /// Probability of sampling the goal as the subgoal.
    pub p_goal: f64,
    /// Probability of a regrasp instead of an extension (needs grasp data).
    pub p_grasp: f64,
    /// The tree stops growing at this many nodes.
    pub max_nodes: usize,
    /// Smoothing of each node's linearisation at its hold input.
    pub smoothing: Smoothing,
    /// Seed of the planner's own random choices (subgoals, regrasps).
    pub seed: u64,
    /// Half-width of the uniform noise on the open pose before a regrasp (rad or m).
    pub regrasp_noise: f64,
    /// Never extend a node toward the goal twice: extensions are deterministic, so the second
    /// would only copy the first child. A goal round takes the nearest node not yet extended
    /// toward the goal.
    pub avoid_repeats: bool,
    /// A node whose extensions made no progress toward their subgoals this many times is no
    /// longer extended (it can still be regrasped from); 0 never retires a node.
    pub retire_after: usize,
    /// How the nearest node is chosen (the smoothed metric of docs/rrt.md unless ablated).
    pub metric: Metric,
    /// Start each new node's barrier solve (analytic smoothing) from its parent's hold step
    /// instead of a phase-1 point with κ continuation. Same minimiser up to the solver's
    /// tolerance. Off by default: measured per node it saves 20 % on the planar hand, 2–6 %
    /// on the Allegro hand and bimanual-iiwa, and costs 5 % on bimanual-planar
    /// (docs/rrt.md).
    pub warm_start: bool,
}

impl RrtSettings {
    /// The task's `[task.rrt]` parameters, with our defaults for what it leaves out:
    /// p_goal 0.1, p_grasp 0, randomized first-order smoothing with
    /// [`DEFAULT_NODE_SAMPLES`] samples when σ_u is given, else analytic at the task's κ or
    /// [`DEFAULT_NODE_KAPPA`]; γ_rotation = γ; repeats avoided; nodes retired after
    /// [`DEFAULT_RETIRE_AFTER`] extensions without progress.
    ///
    /// # Errors
    /// No task or no `[task.rrt]`, or one that does not parse.
    pub fn from_task(scene: &Scene, seed: u64) -> Result<Self, RrtError> {
        let task = scene_task(scene)?;
        Ok(Self::from_rrt_task(
            &RrtTask::from_task(&task, scene.name())?,
            seed,
        ))
    }

    /// [`RrtSettings::from_task`] from an already parsed `[task.rrt]`.
    pub fn from_rrt_task(spec: &RrtTask, seed: u64) -> Self {
        let smoothing = match spec.sigma_u {
            Some(sigma_u) => Smoothing::RandomizedFirstOrder {
                sigma_u,
                sigma_q: 0.0,
                samples: DEFAULT_NODE_SAMPLES,
                seed,
            },
            None => Smoothing::Analytic {
                kappa: spec.kappa.unwrap_or(DEFAULT_NODE_KAPPA),
            },
        };
        RrtSettings {
            step: spec.step,
            gamma: spec.gamma,
            gamma_rotation: spec.gamma_rotation.unwrap_or(spec.gamma),
            p_goal: spec.p_goal.unwrap_or(DEFAULT_P_GOAL),
            p_grasp: spec.p_grasp.unwrap_or(0.0),
            max_nodes: spec.max_nodes,
            smoothing,
            seed,
            regrasp_noise: DEFAULT_REGRASP_NOISE,
            avoid_repeats: true,
            retire_after: spec.retire_after.unwrap_or(DEFAULT_RETIRE_AFTER),
            metric: Metric::Mahalanobis,
            warm_start: false,
        }
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// Step or noise not positive and finite, γ negative, probabilities outside [0, 1], fewer
    /// than 2 nodes or more than [`MAX_NODES`].
    pub fn check(&self) -> Result<(), RrtError> {
        let bad = |message: String| Err(RrtError::InvalidParameter(message));
        if !(self.step.is_finite() && self.step > 0.0) {
            return bad(format!("step must be finite and > 0, got {}", self.step));
        }
        if !(self.gamma.is_finite() && self.gamma >= 0.0) {
            return bad(format!("γ must be finite and ≥ 0, got {}", self.gamma));
        }
        if !(self.gamma_rotation.is_finite() && self.gamma_rotation >= 0.0) {
            return bad(format!(
                "γ_rotation must be finite and ≥ 0, got {}",
                self.gamma_rotation
            ));
        }
        for (name, p) in [("p_goal", self.p_goal), ("p_grasp", self.p_grasp)] {
            if !(0.0..=1.0).contains(&p) {
                return bad(format!("{name} must lie in [0, 1], got {p}"));
            }
        }
        if !(2..=MAX_NODES).contains(&self.max_nodes) {
            return bad(format!(
                "max_nodes must lie within 2..={MAX_NODES}, got {}",
                self.max_nodes
            ));
        }
        if !(self.regrasp_noise.is_finite() && self.regrasp_noise >= 0.0) {
            return bad(format!(
                "regrasp noise must be finite and ≥ 0, got {}",
                self.regrasp_noise
            ));
        }
        Ok(())
    }
}

/// A planning problem: the system (stepped exactly), the start, and the goal object's target
/// pose with its tolerances and sampling region.
#[derive(Debug, Clone)]
pub struct RrtProblem {
    pub(crate) system: QuasiDynamicSystem,
    pub(crate) x0: Vec<f64>,
    /// The task's start pose of the object: free objects' sampled orientations are yaws of it.
    pub(crate) reference: Vec<f64>,
    pub(crate) object: ObjectCoordinates,
    pub(crate) goal: Vec<f64>,
    pub(crate) tolerance: PoseError,
    pub(crate) sampling: SamplingRegion,
    pub(crate) grasp: Option<Grasp>,
    pub(crate) input_limits: Vec<(f64, f64)>,
}

impl RrtProblem {
    /// The RRT task of a scene: start `task.start_q` (or the default configuration), goal
    /// object and pose `task.goal` with its tolerances, sampling region `task.sampling`,
    /// grasp data `[grasp]` if any. Steps are exact (SOCP, or QP for pyramid-configured
    /// scenes).
    ///
    /// # Errors
    /// Step settings the dynamics layer refuses; no task, no `[task.sampling]`, grasp data
    /// that do not fit the scene; a start the step refuses.
    pub fn from_task(scene: &Scene) -> Result<Self, RrtError> {
        let task = scene_task(scene)?;
        let object = task.object_coordinates(scene);
        let sampling = SamplingRegion::from_task(&task, &object, scene.name())?;
        let grasp = Grasp::from_scene(scene).map_err(|e| RrtError::Task {
            scene: scene.name().to_string(),
            reason: e.reason,
        })?;
        let loaded = QuasiDynamicSystem::new(scene.clone()).map_err(RrtError::StepSettings)?;
        let system = loaded
            .with_step_settings(loaded.settings().clone().exact_rollout())
            .map_err(RrtError::StepSettings)?;
        let x0 = task.start_q().to_vec();
        system
            .check_inputs(&x0, &scene.actuated_positions(&x0))
            .map_err(RrtError::Start)?;
        let input_limits = scene.actuated_limits();
        Ok(RrtProblem {
            reference: object.block(&x0).to_vec(),
            object,
            goal: task.goal().q.clone(),
            tolerance: PoseError {
                position: task.goal().position_tolerance,
                angle: task.goal().angle_tolerance,
            },
            sampling,
            grasp,
            input_limits,
            x0,
            system,
        })
    }

    /// The same task for another query: the object starts at `start` and must reach `goal`
    /// (each its coordinates' q block, quaternions w, x, y, z, normalised here; `None` keeps
    /// the task's). The robots start as in the task. Both poses must lie in the task's
    /// sampling region — for a free object, a position in the box and a yaw about world z of
    /// the task's start orientation within the angle range (any other tilt up to the goal's
    /// angle tolerance) — since the tree grows only there.
    ///
    /// # Errors
    /// A pose of the wrong length, not finite, a zero quaternion, outside the sampling region,
    /// or a start that puts a robot inside the object or that the step refuses.
    pub fn with_query(
        mut self,
        start: Option<&[f64]>,
        goal: Option<&[f64]>,
    ) -> Result<Self, RrtError> {
        if let Some(goal) = goal {
            self.goal = self.checked_pose("goal", goal)?;
        }
        if let Some(start) = start {
            let start = self.checked_pose("start", start)?;
            let mut x0 = self.x0.clone();
            let q_start = self.object.q_start;
            x0[q_start..q_start + self.object.nq].copy_from_slice(&start);
            let scene = self.system.scene();
            self.system
                .check_inputs(&x0, &scene.actuated_positions(&x0))
                .map_err(RrtError::Start)?;
            let mut query = qd_geometry::ContactQuery::new();
            let gap = qd_geometry::grasp::robot_object_gap(
                scene,
                &mut query,
                &x0,
                self.object.index,
                1.0,
            )?;
            if let Some(gap) = gap.filter(|&g| g < -REGRASP_PENETRATION) {
                return Err(RrtError::BadVector {
                    what: "start".to_string(),
                    reason: format!(
                        "the object there is {:.1} mm deep in a robot (the robots start as in \
                         the task)",
                        -gap * 1e3
                    ),
                });
            }
            self.x0 = x0;
        }
        Ok(self)
    }

    /// The same task from a whole configuration `x0` (n_q): the robots and objects where an
    /// execution left them, to plan the rest of the way from there. Unlike
    /// [`RrtProblem::with_query`] the object need not lie in the sampling region (an execution
    /// may end just outside it); the goal is kept.
    ///
    /// # Errors
    /// A configuration of the wrong length, not finite, or that the step refuses.
    pub fn with_start_state(mut self, x0: &[f64]) -> Result<Self, RrtError> {
        if let Some(i) = x0.iter().position(|v| !v.is_finite()) {
            return Err(RrtError::BadVector {
                what: "start state".to_string(),
                reason: format!("value {i} is not finite"),
            });
        }
        let scene = self.system.scene();
        self.system
            .check_inputs(x0, &scene.actuated_positions(x0))
            .map_err(RrtError::Start)?;
        self.x0 = x0.to_vec();
        Ok(self)
    }

    /// The same task with other goal tolerances (m, rad; both finite and > 0) — e.g. tighter,
    /// to leave an execution of the path room for its own error.
    ///
    /// # Errors
    /// A tolerance that is not finite and positive.
    pub fn with_tolerance(mut self, tolerance: PoseError) -> Result<Self, RrtError> {
        for (name, value) in [("position", tolerance.position), ("angle", tolerance.angle)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(RrtError::InvalidParameter(format!(
                    "the {name} tolerance must be finite and > 0, got {value}"
                )));
            }
        }
        self.tolerance = tolerance;
        Ok(self)
    }

    /// An object pose of a query, checked and normalised.
    fn checked_pose(&self, what: &str, pose: &[f64]) -> Result<Vec<f64>, RrtError> {
        let bad = |reason: String| RrtError::BadVector {
            what: what.to_string(),
            reason,
        };
        if pose.len() != self.object.nq {
            return Err(bad(format!(
                "{} values given, the object has {} coordinates",
                pose.len(),
                self.object.nq
            )));
        }
        if let Some(i) = pose.iter().position(|v| !v.is_finite()) {
            return Err(bad(format!("value {i} is not finite")));
        }
        let mut pose = pose.to_vec();
        if matches!(self.object.kind, JointKind::Free) {
            let norm = pose[3..].iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm < 1e-9 {
                return Err(bad("the quaternion (w, x, y, z) is zero".to_string()));
            }
            pose[3..].iter_mut().for_each(|v| *v /= norm);
        }
        let region = &self.sampling;
        for (i, ((&p, &low), &high)) in pose
            .iter()
            .zip(&region.position_lower)
            .zip(&region.position_upper)
            .enumerate()
        {
            if !(low..=high).contains(&p) {
                return Err(bad(format!(
                    "coordinate {i} = {p} lies outside the sampling region [{low}, {high}] \
                     of the task (the tree grows only there)"
                )));
            }
        }
        if self.object.nv > self.object.translations {
            let (angle, tilt) = self.region_angle(&pose);
            let [low, high] = region.angle_range;
            if tilt > self.tolerance.angle {
                return Err(bad(format!(
                    "its orientation is tilted {tilt:.3} rad from a yaw of the task's start \
                     orientation; the sampling region only turns the object about world z"
                )));
            }
            let wrapped = [
                angle,
                angle + std::f64::consts::TAU,
                angle - std::f64::consts::TAU,
            ];
            match wrapped.iter().find(|a| (low..=high).contains(*a)) {
                Some(&inside) if !matches!(self.object.kind, JointKind::Free) => {
                    pose[self.object.translations] = inside;
                }
                Some(_) => {}
                None => {
                    return Err(bad(format!(
                        "its angle {angle:.4} rad lies outside the sampling region's range \
                         [{low:.4}, {high:.4}] (the tree grows only there)"
                    )));
                }
            }
        }
        Ok(pose)
    }

    /// The angle the sampling region measures for an object pose (θ, or for a free object
    /// the yaw of its rotation relative to the task's start orientation) and the rotation
    /// left after that yaw (rad; 0 for planar objects).
    fn region_angle(&self, pose: &[f64]) -> (f64, f64) {
        if !matches!(self.object.kind, JointKind::Free) {
            return (pose[self.object.translations], 0.0);
        }
        let quaternion =
            |q: &[f64]| UnitQuaternion::from_quaternion(Quaternion::new(q[3], q[4], q[5], q[6]));
        let relative = quaternion(pose) * quaternion(&self.reference).inverse();
        // The yaw that best explains the relative rotation: where its x axis points in the
        // horizontal plane.
        let x_axis = relative * Vector3::x();
        let yaw = x_axis.y.atan2(x_axis.x);
        let left = UnitQuaternion::from_axis_angle(&Vector3::z_axis(), -yaw) * relative;
        (yaw, left.angle())
    }

    /// The exactly stepped system.
    pub fn system(&self) -> &QuasiDynamicSystem {
        &self.system
    }

    /// Start configuration (n_q).
    pub fn x0(&self) -> &[f64] {
        &self.x0
    }

    /// The goal object's coordinates.
    pub fn object(&self) -> &ObjectCoordinates {
        &self.object
    }

    /// The goal pose of the object (its q block).
    pub fn goal(&self) -> &[f64] {
        &self.goal
    }

    /// Accepted distance from the goal.
    pub fn tolerance(&self) -> PoseError {
        self.tolerance
    }

    /// How far the object in configuration `q` is from the object pose `target`, with each
    /// part in units of its goal tolerance: `√((Δp / tol_p)² + (Δθ / tol_θ)²)`. The planner
    /// measures an extension's progress toward its subgoal with it.
    pub fn progress_distance(&self, target: &[f64], q: &[f64]) -> f64 {
        let error = self.object.error(target, self.object.block(q));
        (error.position / self.tolerance.position).hypot(error.angle / self.tolerance.angle)
    }

    /// Whether configuration `q` puts the object within the goal tolerance.
    pub fn reached(&self, q: &[f64]) -> bool {
        let error = self.object.error(&self.goal, self.object.block(q));
        error.position <= self.tolerance.position && error.angle <= self.tolerance.angle
    }
}

/// The scene's task, or an error saying it has none.
fn scene_task(scene: &Scene) -> Result<Task, RrtError> {
    let error = |reason: String| RrtError::Task {
        scene: scene.name().to_string(),
        reason,
    };
    Task::from_scene(scene)
        .map_err(|e| error(e.reason))?
        .ok_or_else(|| error("it has no [task]".to_string()))
}
