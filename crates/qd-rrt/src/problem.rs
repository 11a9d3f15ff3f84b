//! What to plan (start, goal, sampling region, grasp data) and how (SPEC §6 parameters).

use crate::error::RrtError;
use qd_dynamics::QuasiDynamicSystem;
use qd_geometry::scene::{GradientMode, GraspSpec, SamplingSpec, Scene};
use qd_geometry::scene::{ObjectCoordinates, PoseError};
use qd_smoothing::Smoothing;
use serde::{Deserialize, Serialize};

/// Samples per node of randomized smoothing when the task gives σ_u (our choice: the metric
/// needs the shape of B, not a precise value, and every node pays for it).
pub const DEFAULT_NODE_SAMPLES: usize = 20;
/// κ of analytic smoothing when the task gives neither σ_u nor κ (our choice: on the planar
/// hand, 10 seeds of 1000 nodes with p_grasp 0.2 reach the goal 1, 5 and 1 times at κ = 300,
/// 1000 and 3000).
pub const DEFAULT_NODE_KAPPA: f64 = 1000.0;
/// Goal-sampling probability when the task gives none (our choice).
pub const DEFAULT_P_GOAL: f64 = 0.1;
/// Half-width (rad or m) of the uniform noise added to the open pose before a regrasp closes
/// the robots (our choice).
pub const DEFAULT_REGRASP_NOISE: f64 = 0.15;

/// How the tree grows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RrtSettings {
    /// Largest input change of one extension, ‖δu‖₂ (rad or m).
    pub step: f64,
    /// Regularisation γ of the metric `(B̂_u B̂_uᵀ + γ I)⁻¹`.
    pub gamma: f64,
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
}

impl RrtSettings {
    /// The task's `[task.rrt]` parameters, with our defaults for what it leaves out:
    /// p_goal 0.1, p_grasp 0, randomized first-order smoothing with
    /// [`DEFAULT_NODE_SAMPLES`] samples when σ_u is given, else analytic at κ = 100.
    ///
    /// # Errors
    /// No task or no `[task.rrt]`.
    pub fn from_task(scene: &Scene, seed: u64) -> Result<Self, RrtError> {
        let spec = scene
            .task
            .as_ref()
            .and_then(|t| t.rrt.as_ref())
            .ok_or_else(|| RrtError::Task {
                scene: scene.name.clone(),
                reason: "it has no [task.rrt] table".to_string(),
            })?;
        let smoothing = match spec.sigma_u {
            Some(sigma_u) => Smoothing::RandomizedFirstOrder {
                sigma_u,
                sigma_q: 0.0,
                samples: DEFAULT_NODE_SAMPLES,
                seed,
            },
            None => Smoothing::Analytic {
                kappa: DEFAULT_NODE_KAPPA,
            },
        };
        Ok(RrtSettings {
            step: spec.step,
            gamma: spec.gamma,
            p_goal: spec.p_goal.unwrap_or(DEFAULT_P_GOAL),
            p_grasp: spec.p_grasp.unwrap_or(0.0),
            max_nodes: spec.max_nodes,
            smoothing,
            seed,
            regrasp_noise: DEFAULT_REGRASP_NOISE,
        })
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// Step or noise not positive and finite, γ negative, probabilities outside [0, 1], fewer
    /// than 2 nodes.
    pub fn check(&self) -> Result<(), RrtError> {
        let bad = |message: String| Err(RrtError::InvalidParameter(message));
        if !(self.step.is_finite() && self.step > 0.0) {
            return bad(format!("step must be finite and > 0, got {}", self.step));
        }
        if !(self.gamma.is_finite() && self.gamma >= 0.0) {
            return bad(format!("γ must be finite and ≥ 0, got {}", self.gamma));
        }
        for (name, p) in [("p_goal", self.p_goal), ("p_grasp", self.p_grasp)] {
            if !(0.0..=1.0).contains(&p) {
                return bad(format!("{name} must lie in [0, 1], got {p}"));
            }
        }
        if self.max_nodes < 2 {
            return bad(format!(
                "max_nodes must be at least 2, got {}",
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
    pub(crate) object: ObjectCoordinates,
    pub(crate) goal: Vec<f64>,
    pub(crate) tolerance: PoseError,
    pub(crate) sampling: SamplingSpec,
    pub(crate) grasp: Option<GraspSpec>,
    pub(crate) input_limits: Vec<(f64, f64)>,
}

impl RrtProblem {
    /// The RRT task of a scene: start `task.start_q` (or the default configuration), goal
    /// object and pose `task.goal` with its tolerances, sampling region `task.sampling`,
    /// grasp data `[grasp]` if any. Steps are exact (SOCP, or QP for pyramid-configured
    /// scenes).
    ///
    /// # Errors
    /// No task, no `[task.sampling]`; a start the step refuses.
    pub fn from_task(scene: &Scene) -> Result<Self, RrtError> {
        let task_error = |reason: &str| RrtError::Task {
            scene: scene.name.clone(),
            reason: reason.to_string(),
        };
        let view = scene
            .task_view()
            .ok_or_else(|| task_error("it has no [task]"))?;
        let task = view.task;
        let sampling = task
            .sampling
            .clone()
            .ok_or_else(|| task_error("its task has no [task.sampling] region"))?;
        let index = view.object;
        let mut system = QuasiDynamicSystem::new(scene.clone());
        let parameters = system.parameters_mut();
        parameters.forward_mode = parameters.forward_mode.exact();
        parameters.gradient_mode = GradientMode::None;
        let x0 = view.start_q;
        system
            .check_inputs(&x0, &scene.actuated_positions(&x0))
            .map_err(RrtError::Start)?;
        let input_limits = scene.actuated_limits();
        Ok(RrtProblem {
            object: ObjectCoordinates::new(scene, index),
            goal: task.goal.q.clone(),
            tolerance: PoseError {
                position: task.goal.position_tolerance,
                angle: task.goal.angle_tolerance,
            },
            sampling,
            grasp: scene.grasp.clone(),
            input_limits,
            x0,
            system,
        })
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

    /// Whether configuration `q` puts the object within the goal tolerance.
    pub fn reached(&self, q: &[f64]) -> bool {
        let error = self.object.error(&self.goal, self.object.block(q));
        error.position <= self.tolerance.position && error.angle <= self.tolerance.angle
    }
}
