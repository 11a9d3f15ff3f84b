//! The executable plan: one time series of commanded joint positions at one time step, its
//! exact rollout from the start, and everything needed to reproduce it.

use crate::error::PlanError;
use crate::scene_source::SceneSource;
use qd_dynamics::ForwardMode;
use qd_geometry::scene::Scene;
use qd_task::PoseError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Version of the plan file format; [`Plan::load`] refuses other versions.
pub const PLAN_FORMAT: u32 = 1;

/// What the robots do during an interval of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalKind {
    /// A planned segment: the robots move the object (an RRT segment refined by trajectory
    /// optimisation, or a whole trajectory-optimisation plan).
    Segment,
    /// A regrasp transition: the robots open, travel and close; the object should stay.
    Transition,
}

/// A run of steps `[start, end)` of the plan (inputs `start..end`, states `start..=end`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    /// Segment or transition.
    pub kind: IntervalKind,
    /// First step.
    pub start: usize,
    /// One past the last step.
    pub end: usize,
    /// Which tree the interval follows: 0 for the planner's, r for the r-th re-planning from
    /// where the rollout ended.
    #[serde(default)]
    pub round: usize,
    /// The planner's nodes the interval came from (RRT tree nodes of a segment; the tree
    /// node of the grasp a transition closes on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<usize>,
    /// A transition whose straight line collided and that detours.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub detour: bool,
}

/// The task's goal as the plan was made for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanGoal {
    /// The goal object's name.
    pub object: String,
    /// Its goal coordinates (its joint's q block).
    pub q: Vec<f64>,
    /// Accepted errors: translation (m) and rotation (rad).
    pub tolerance: PoseError,
}

/// One executable plan. `inputs[t]` is the command applied over step t (from `states[t]` to
/// `states[t + 1]`); `u_before` is the command in force before the first step (the robots'
/// start positions), so the command never jumps from it either.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// [`PLAN_FORMAT`].
    pub format: u32,
    /// The qd version that made it.
    pub qd_version: String,
    /// The scene, carried whole.
    pub scene: SceneSource,
    /// The planner that made it (`rrt`, `trajopt`).
    pub planner: String,
    /// The planner's seed.
    pub seed: u64,
    /// The planner's settings as it recorded them.
    pub settings: serde_json::Value,
    /// Time step of every step (s).
    pub h: f64,
    /// The exact form the rollout used.
    pub forward_mode: ForwardMode,
    /// The goal, when the plan has one.
    pub goal: Option<PlanGoal>,
    /// The command before the first step (n_a).
    pub u_before: Vec<f64>,
    /// Commands (N × n_a).
    pub inputs: Vec<Vec<f64>>,
    /// The exact rollout from the start (N + 1 × n_q); `states[0]` is the start.
    pub states: Vec<Vec<f64>>,
    /// Segments and transitions, in order, covering `0..N`.
    pub intervals: Vec<Interval>,
    /// The object's distance from the goal at the end of the rollout.
    pub final_error: Option<PoseError>,
    /// Whether the final error lies within the goal tolerance.
    pub reached: bool,
    /// The largest change of any joint between consecutive commands (rad or m), `u_before`
    /// included.
    pub max_input_change: f64,
    /// The smallest robot–object or robot–robot clearance (m; negative in penetration) over
    /// the states the transitions step to; `None` without transitions.
    pub min_transition_clearance: Option<f64>,
    /// Whatever else the planner reports (the RRT's tree, the optimiser's iterations).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
}

fn malformed(what: impl Into<String>, reason: impl Into<String>) -> PlanError {
    PlanError::Malformed {
        what: what.into(),
        reason: reason.into(),
    }
}

/// Checks that `rows` has `count` rows of `width` finite values.
fn check_rows(what: &str, rows: &[Vec<f64>], count: usize, width: usize) -> Result<(), PlanError> {
    if rows.len() != count {
        return Err(malformed(
            what,
            format!("{} rows, expected {count}", rows.len()),
        ));
    }
    for (i, row) in rows.iter().enumerate() {
        if row.len() != width {
            return Err(malformed(
                what,
                format!("row {i} has {} values, expected {width}", row.len()),
            ));
        }
        if let Some(j) = row.iter().position(|v| !v.is_finite()) {
            return Err(malformed(what, format!("row {i}, value {j} is not finite")));
        }
    }
    Ok(())
}

impl Plan {
    /// The saved form of an executed RRT path (`motion`, from [`crate::execute_path`] on
    /// `problem` with `rrt` and `execution`), with the scene it was made on.
    pub fn from_rrt(
        scene: SceneSource,
        problem: &qd_rrt::RrtProblem,
        rrt: &qd_rrt::RrtSettings,
        execution: &crate::ExecutionSettings,
        motion: crate::Motion,
    ) -> Plan {
        let model = problem.system().scene();
        let tolerance = problem.tolerance();
        let reached = motion.final_error.position <= tolerance.position
            && motion.final_error.angle <= tolerance.angle;
        Plan {
            format: PLAN_FORMAT,
            qd_version: env!("CARGO_PKG_VERSION").to_string(),
            scene,
            planner: "rrt".to_string(),
            seed: rrt.seed,
            settings: serde_json::json!({ "rrt": rrt, "execution": execution }),
            h: motion.h,
            forward_mode: motion.forward_mode,
            goal: Some(PlanGoal {
                object: model.objects()[problem.object().index].name.clone(),
                q: problem.goal().to_vec(),
                tolerance,
            }),
            max_input_change: Plan::input_change(&motion.u_before, &motion.inputs),
            u_before: motion.u_before,
            inputs: motion.inputs,
            states: motion.states,
            intervals: motion.intervals,
            final_error: Some(motion.final_error),
            reached,
            min_transition_clearance: motion.min_transition_clearance,
            details: serde_json::json!({
                "rounds": motion.rounds,
                "off_track": motion.off_track,
                "blocked": motion.blocked,
            }),
        }
    }

    /// The saved form of a trajectory-optimisation result on `problem` (`states` x₀..x_T, the
    /// rollout of `inputs`), with the scene it was made on: one segment, the task's goal
    /// object at its `x_goal` coordinates with the task's tolerances.
    ///
    /// # Errors
    /// A scene without a task; states and inputs whose lengths do not fit.
    pub fn from_trajopt(
        scene: SceneSource,
        problem: &qd_trajopt::TrajoptProblem,
        (planner, seed, settings): (&str, u64, serde_json::Value),
        states: Vec<Vec<f64>>,
        inputs: Vec<Vec<f64>>,
    ) -> Result<Plan, PlanError> {
        let model = problem.system().scene();
        let task = qd_task::Task::from_scene(model)
            .map_err(|e| PlanError::Scene(e.to_string()))?
            .ok_or_else(|| malformed("goal", format!("scene '{}' has no task", model.name())))?;
        let object = task.object_coordinates(model);
        let goal_q = object.block(problem.x_goal()).to_vec();
        let tolerance = PoseError {
            position: task.goal().position_tolerance,
            angle: task.goal().angle_tolerance,
        };
        let last = states
            .last()
            .filter(|_| states.len() == inputs.len() + 1)
            .ok_or_else(|| malformed("states", "one more state than inputs expected"))?;
        let final_error = object.error(&goal_q, object.block(last));
        let steps = inputs.len();
        Ok(Plan {
            format: PLAN_FORMAT,
            qd_version: env!("CARGO_PKG_VERSION").to_string(),
            scene,
            planner: planner.to_string(),
            seed,
            settings,
            h: problem.system().settings().h,
            forward_mode: problem.system().settings().forward_mode,
            goal: Some(PlanGoal {
                object: task.goal().object.clone(),
                q: goal_q,
                tolerance,
            }),
            max_input_change: Plan::input_change(problem.u_before(), &inputs),
            u_before: problem.u_before().to_vec(),
            inputs,
            states,
            intervals: vec![Interval {
                kind: IntervalKind::Segment,
                start: 0,
                end: steps,
                round: 0,
                nodes: Vec::new(),
                detour: false,
            }],
            reached: final_error.position <= tolerance.position
                && final_error.angle <= tolerance.angle,
            final_error: Some(final_error),
            min_transition_clearance: None,
            details: serde_json::Value::Null,
        })
    }

    /// The largest change of any joint between consecutive commands, from `u_before` on.
    pub fn input_change(u_before: &[f64], inputs: &[Vec<f64>]) -> f64 {
        let mut previous = u_before;
        let mut largest = 0.0f64;
        for u in inputs {
            largest = largest.max(crate::joint_path::max_norm(previous, u));
            previous = u;
        }
        largest
    }

    /// Checks the plan against the scene it carries (or `scene`): sizes, finite values,
    /// intervals that cover the steps in order, a positive time step.
    ///
    /// # Errors
    /// The first inconsistency, named.
    pub fn check(&self, scene: &Scene) -> Result<(), PlanError> {
        if self.format != PLAN_FORMAT {
            return Err(malformed(
                "format",
                format!("version {}, this build reads {PLAN_FORMAT}", self.format),
            ));
        }
        if !(self.h.is_finite() && self.h > 0.0) {
            return Err(malformed(
                "h",
                format!("{} is not a positive time step", self.h),
            ));
        }
        let (nq, na) = (scene.tree().nq(), scene.na());
        check_rows("u_before", std::slice::from_ref(&self.u_before), 1, na)?;
        check_rows("inputs", &self.inputs, self.inputs.len(), na)?;
        check_rows("states", &self.states, self.inputs.len() + 1, nq)?;
        let mut next = 0;
        for (i, interval) in self.intervals.iter().enumerate() {
            if interval.start != next || interval.end < interval.start {
                return Err(malformed(
                    "intervals",
                    format!(
                        "interval {i} covers steps {}..{}, expected it to start at {next}",
                        interval.start, interval.end
                    ),
                ));
            }
            next = interval.end;
        }
        if next != self.inputs.len() {
            return Err(malformed(
                "intervals",
                format!("they cover {next} steps of {}", self.inputs.len()),
            ));
        }
        if let Some(goal) = &self.goal {
            let object = scene
                .objects()
                .iter()
                .position(|o| o.name == goal.object)
                .ok_or_else(|| malformed("goal", format!("no object '{}'", goal.object)))?;
            let nq_object = scene.tree().joints()[scene.objects()[object].joint]
                .kind
                .nq();
            check_rows("goal.q", std::slice::from_ref(&goal.q), 1, nq_object)?;
        }
        Ok(())
    }

    /// Writes the plan as pretty JSON.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save_json(&self, path: &Path) -> Result<(), PlanError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| PlanError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, text + "\n").map_err(|e| PlanError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }

    /// Reads a plan saved by [`Plan::save_json`], or the `plan` of a file `qd plan --planner
    /// rrt` saved (by this or an earlier build with the same format), and checks it against the
    /// scene it carries.
    ///
    /// # Errors
    /// An unreadable file, malformed JSON (with line and column), a missing field, another
    /// format version, a scene that no longer loads, inconsistent sizes.
    pub fn load(path: &Path) -> Result<(Plan, Scene), PlanError> {
        let file_error = |reason: String| PlanError::File {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
        let mut value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| file_error(format!("not JSON: {e}")))?;
        // `qd plan --planner rrt` saves the tree with the plan under `plan`.
        if value.get("format").is_none() && value.get("plan").is_some_and(|p| p.is_object()) {
            value = value["plan"].take();
        }
        let plan: Plan =
            serde_json::from_value(value).map_err(|e| file_error(format!("not a qd plan: {e}")))?;
        let scene = plan.scene.load()?;
        plan.check(&scene)?;
        Ok((plan, scene))
    }
}
