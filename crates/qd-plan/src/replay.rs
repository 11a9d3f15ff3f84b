//! Re-simulating a saved plan from its start, optionally with another forward mode or a finer
//! time step, and comparing with what was saved.

use crate::error::PlanError;
use crate::plan::Plan;
use qd_dynamics::{ForwardMode, GradientMode, StepSettings};
use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use qd_geometry::scene::Scene;
use qd_task::{ObjectCoordinates, PoseError};

/// How to replay.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ReplayOptions {
    /// The forward mode; `None` replays with the plan's.
    pub forward_mode: Option<ForwardMode>,
    /// Steps per plan step (≥ 1): the replay's time step is h / `substeps`, and each command
    /// is reached by linear interpolation from the previous one over its substeps.
    pub substeps: usize,
}

/// What a replay found.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// The forward mode used.
    pub forward_mode: ForwardMode,
    /// The time step used (s).
    pub h: f64,
    /// The replayed states at the plan's steps (N + 1 × n_q).
    pub states: Vec<Vec<f64>>,
    /// The largest difference from the saved states over all plan steps, per coordinate in
    /// the tangent space (m or rad).
    pub max_deviation: f64,
    /// The step of the largest difference.
    pub max_deviation_step: usize,
    /// The object's distance from the goal at the end (with a goal).
    pub final_error: Option<PoseError>,
    /// Whether it lies within the goal tolerance (with a goal).
    pub reached: Option<bool>,
}

/// Checks that `plan` was made for `scene`: same name and sizes.
///
/// # Errors
/// [`PlanError::SceneMismatch`] naming both.
pub fn check_scene(plan: &Plan, scene: &Scene) -> Result<(), PlanError> {
    let carried = plan.scene.load()?;
    let describe = |s: &Scene| {
        format!(
            "scene '{}' (n_q {}, n_a {})",
            s.name(),
            s.tree().nq(),
            s.na()
        )
    };
    if carried.name() != scene.name()
        || carried.tree().nq() != scene.tree().nq()
        || carried.na() != scene.na()
    {
        return Err(PlanError::SceneMismatch {
            plan: describe(&carried),
            scene: describe(scene),
        });
    }
    plan.check(scene)
}

/// Re-simulates `plan` on `scene` from `plan.states[0]`.
///
/// # Errors
/// Zero substeps, a plan that does not fit the scene, a failed step.
pub fn replay(plan: &Plan, scene: &Scene, options: ReplayOptions) -> Result<Replay, PlanError> {
    if options.substeps == 0 {
        return Err(PlanError::InvalidParameter(
            "substeps must be at least 1".to_string(),
        ));
    }
    plan.check(scene)?;
    let _span = tracing::info_span!("replay", steps = plan.inputs.len()).entered();
    let mut settings =
        StepSettings::from_scene(scene).map_err(|e| PlanError::Scene(e.to_string()))?;
    settings.h = plan.h / options.substeps as f64;
    settings.forward_mode = options.forward_mode.unwrap_or(plan.forward_mode);
    settings.gradient_mode = GradientMode::None;
    let (forward_mode, h) = (settings.forward_mode, settings.h);
    let system = QuasiDynamicSystem::with_settings(scene.clone(), settings)
        .map_err(|e| PlanError::Scene(e.to_string()))?;
    let mut workspace = StepWorkspace::default();
    let mut q = plan.states[0].clone();
    let mut states = vec![q.clone()];
    let mut previous = plan.u_before.clone();
    let mut command = previous.clone();
    for (t, u) in plan.inputs.iter().enumerate() {
        for j in 1..=options.substeps {
            let s = j as f64 / options.substeps as f64;
            for ((c, a), b) in command.iter_mut().zip(&previous).zip(u) {
                *c = a + s * (b - a);
            }
            q = system
                .step(&mut workspace, &q, &command)
                .map_err(|source| PlanError::Step { step: t, source })?
                .q_next;
        }
        previous.clone_from(u);
        states.push(q.clone());
    }
    let mut max_deviation = 0.0f64;
    let mut max_deviation_step = 0;
    for (t, (saved, replayed)) in plan.states.iter().zip(&states).enumerate() {
        let difference = scene.tree().difference(saved, replayed)?;
        let deviation = difference.iter().fold(0.0f64, |m, d| m.max(d.abs()));
        if deviation > max_deviation {
            max_deviation = deviation;
            max_deviation_step = t;
        }
    }
    let (final_error, reached) = match &plan.goal {
        Some(goal) => {
            let index = scene
                .objects()
                .iter()
                .position(|o| o.name == goal.object)
                .ok_or_else(|| PlanError::Malformed {
                    what: "goal".to_string(),
                    reason: format!("no object '{}'", goal.object),
                })?;
            let object = ObjectCoordinates::new(scene, index);
            let error = object.error(&goal.q, object.block(&q));
            let within =
                error.position <= goal.tolerance.position && error.angle <= goal.tolerance.angle;
            (Some(error), Some(within))
        }
        None => (None, None),
    };
    Ok(Replay {
        forward_mode,
        h,
        states,
        max_deviation,
        max_deviation_step,
        final_error,
        reached,
    })
}
