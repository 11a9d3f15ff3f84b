//! From an RRT path to one executable motion: each segment (a run of extensions between
//! regrasps) re-planned by trajectory optimisation at the fine time step from where the robot
//! and object really are, and each regrasp made a motion (open, travel, close) stepped with the
//! same exact dynamics, so the object's drift during a regrasp is carried into the next
//! segment.

use crate::error::PlanError;
use crate::joint_path::max_norm;
use crate::plan::{Interval, IntervalKind};
use crate::transition::{TransitionPath, TransitionPlanner, TransitionSettings};
use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use qd_geometry::scene::{ForwardMode, PoseError};
use qd_rrt::{Edge, RrtProblem, RrtResult, RrtSettings};
use qd_trajopt::{CostWeights, TrajoptProblem, TrajoptSettings, optimize};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How a path is made executable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExecutionSettings {
    /// Fine steps per step of the planner: the plan's time step is h / `factor`.
    pub factor: usize,
    /// Iterations of trajectory optimisation per segment (analytic smoothing).
    pub iterations: usize,
    /// The largest change of any joint between consecutive commands of a transition (rad or
    /// m per fine step).
    pub max_input_change: f64,
    /// Weight of `u_t − u_{t−1}` in the segments' cost (rad⁻² or m⁻²).
    pub input_rate: f64,
    /// How transitions are planned and checked.
    pub transition: TransitionSettings,
    /// Seed of the transitions' fallback search.
    pub seed: u64,
    /// How many times the RRT may plan again from where the rollout ended when it ends
    /// outside the goal tolerance (attempts that find no path count too).
    pub replans: usize,
}

impl Default for ExecutionSettings {
    fn default() -> Self {
        ExecutionSettings {
            factor: 5,
            iterations: 10,
            max_input_change: 0.1,
            input_rate: 0.1,
            transition: TransitionSettings::default(),
            seed: 0,
            replans: 5,
        }
    }
}

impl ExecutionSettings {
    /// The defaults with the scene's `task.rrt.refine_factor` (1 when absent).
    pub fn from_task(scene: &qd_geometry::scene::Scene) -> Self {
        let factor = scene
            .task
            .as_ref()
            .and_then(|task| task.rrt.as_ref())
            .and_then(|rrt| rrt.refine_factor)
            .unwrap_or(1);
        ExecutionSettings {
            factor,
            ..ExecutionSettings::default()
        }
    }

    /// Checks the ranges.
    ///
    /// # Errors
    /// A factor of 0, a non-positive or non-finite input change, bad transition settings.
    pub fn check(&self) -> Result<(), PlanError> {
        if self.factor == 0 {
            return Err(PlanError::InvalidParameter(
                "the refinement factor must be at least 1".to_string(),
            ));
        }
        if !(self.max_input_change.is_finite() && self.max_input_change > 0.0) {
            return Err(PlanError::InvalidParameter(format!(
                "max_input_change must be finite and > 0, got {}",
                self.max_input_change
            )));
        }
        self.transition.check()
    }
}

/// An executed path: commands at one time step and their exact rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct Motion {
    /// Time step (s).
    pub h: f64,
    /// The exact form of the rollout.
    pub forward_mode: ForwardMode,
    /// The command before the first step (n_a).
    pub u_before: Vec<f64>,
    /// Commands (N × n_a).
    pub inputs: Vec<Vec<f64>>,
    /// Rollout from the start (N + 1 × n_q).
    pub states: Vec<Vec<f64>>,
    /// Segments and transitions in order.
    pub intervals: Vec<Interval>,
    /// The planned transitions, in order.
    pub transitions: Vec<TransitionPath>,
    /// Trees followed: 1 + the re-planning rounds used.
    pub rounds: usize,
    /// The object's distance from the goal at the end.
    pub final_error: PoseError,
}

/// Commands from `from` to `to` (`to` included, `from` not) with no joint changing by more
/// than `max_change` per step; none when they are equal.
fn ramp(from: &[f64], to: &[f64], max_change: f64) -> Vec<Vec<f64>> {
    let pieces = (max_norm(from, to) / max_change).ceil() as usize;
    (1..=pieces)
        .map(|k| {
            let s = k as f64 / pieces as f64;
            from.iter().zip(to).map(|(a, b)| a + s * (b - a)).collect()
        })
        .collect()
}

/// The motion being assembled: commands, states, intervals, and what plans its transitions.
struct Assembly<'a> {
    system: &'a QuasiDynamicSystem,
    settings: &'a ExecutionSettings,
    workspace: StepWorkspace,
    u_before: Vec<f64>,
    inputs: Vec<Vec<f64>>,
    states: Vec<Vec<f64>>,
    intervals: Vec<Interval>,
    transitions: Vec<TransitionPath>,
    planner: TransitionPlanner<'a>,
    rng: ChaCha8Rng,
}

impl Assembly<'_> {
    fn state(&self) -> &[f64] {
        self.states.last().map_or(&[], Vec::as_slice)
    }

    fn command(&self) -> Vec<f64> {
        self.inputs.last().unwrap_or(&self.u_before).clone()
    }

    /// Steps the exact dynamics under `commands` and records them as one interval.
    fn run(&mut self, commands: Vec<Vec<f64>>, mut interval: Interval) -> Result<(), PlanError> {
        interval.start = self.inputs.len();
        for u in commands {
            let step = self.inputs.len();
            let q = self.states.last().map_or(&[][..], Vec::as_slice);
            let next = self
                .system
                .step(&mut self.workspace, q, &u)
                .map_err(|source| PlanError::Step { step, source })?
                .q_next;
            self.inputs.push(u);
            self.states.push(next);
        }
        interval.end = self.inputs.len();
        self.intervals.push(interval);
        Ok(())
    }

    /// Executes the path of `result` (tree number `round`) from the current state.
    fn follow(
        &mut self,
        problem: &RrtProblem,
        result: &RrtResult,
        round: usize,
    ) -> Result<(), PlanError> {
        let scene = problem.system().scene();
        let segments = result.segments();
        let interval = |kind, nodes, detour| Interval {
            kind,
            start: 0,
            end: 0,
            round,
            nodes,
            detour,
        };
        for (k, segment) in segments.iter().enumerate() {
            let first = &result.nodes[segment[0]];
            let last_segment = k + 1 == segments.len();
            if first.edge == Edge::Regrasp && (segment.len() > 1 || last_segment) {
                let _phase = tracing::debug_span!("transition", node = segment[0]).entered();
                let grasp = scene.actuated_positions(&first.q);
                let state = self.state().to_vec();
                let path = self.planner.plan(&state, &grasp, &mut self.rng)?;
                // Release the last command to where the robots are, then follow the waypoints.
                let mut commands = Vec::new();
                let mut from = self.command();
                for waypoint in &path.waypoints {
                    commands.extend(ramp(&from, waypoint, self.settings.max_input_change));
                    from.clone_from(waypoint);
                }
                self.run(
                    commands,
                    interval(IntervalKind::Transition, vec![segment[0]], path.detour),
                )?;
                self.transitions.push(path);
            }
            if segment.len() < 2 {
                continue;
            }
            let _phase = tracing::debug_span!("segment", index = k).entered();
            let commands = refine_segment(
                problem,
                result,
                segment,
                last_segment,
                self.system,
                self.state(),
                &self.command(),
                self.settings,
            )
            .map_err(|source| PlanError::Refine {
                segment: self.intervals.len(),
                source,
            })?;
            self.run(
                commands,
                interval(IntervalKind::Segment, segment.clone(), false),
            )?;
        }
        Ok(())
    }
}

/// Makes the path of a successful RRT `result` on `problem` executable (see the module
/// documentation): the plan starts at the problem's start with the robots commanded where
/// they are, and every command is stepped with the problem's exact dynamics at h / factor.
/// The last segment aims the object at the goal itself rather than at its last tree node.
///
/// When the rollout ends outside the goal tolerance (the fine steps do not do exactly what
/// the tree's coarse steps did, and the errors add up over the segments), the RRT plans again
/// from where the rollout ended, to ¾ of the goal tolerance, with `rrt_settings` and a seed
/// derived from theirs, and that path is executed in turn: up to `settings.replans` attempts.
///
/// # Errors
/// No path, bad settings, a transition without a free path, a failed step or refinement, a
/// re-planning problem the RRT refuses.
pub fn execute_path(
    problem: &RrtProblem,
    result: &RrtResult,
    rrt_settings: &RrtSettings,
    settings: &ExecutionSettings,
) -> Result<Motion, PlanError> {
    settings.check()?;
    if !result.success || result.path.is_empty() {
        return Err(PlanError::NoPath(
            "the RRT did not reach the goal".to_string(),
        ));
    }
    let _span = tracing::info_span!("execute_path").entered();
    let scene = problem.system().scene();
    let mut fine = problem.system().clone();
    fine.parameters_mut().h = scene.parameters.h / settings.factor as f64;
    let mut assembly = Assembly {
        system: &fine,
        settings,
        workspace: StepWorkspace::default(),
        u_before: scene.actuated_positions(problem.x0()),
        inputs: Vec::new(),
        states: vec![problem.x0().to_vec()],
        intervals: Vec::new(),
        transitions: Vec::new(),
        planner: TransitionPlanner::new(scene, settings.transition),
        rng: ChaCha8Rng::seed_from_u64(settings.seed),
    };
    assembly.follow(problem, result, 0)?;
    let mut rounds = 1;
    let tolerance = problem.tolerance();
    let tighter = PoseError {
        position: REPLAN_TOLERANCE_SCALE * tolerance.position,
        angle: REPLAN_TOLERANCE_SCALE * tolerance.angle,
    };
    for attempt in 1..=settings.replans {
        if problem.reached(assembly.state()) {
            break;
        }
        let _phase = tracing::debug_span!("replan", attempt).entered();
        let again = problem
            .clone()
            .with_start_state(assembly.state())?
            .with_tolerance(tighter)?;
        let mut rrt = *rrt_settings;
        rrt.seed = rrt_settings
            .seed
            .wrapping_add(REPLAN_SEED_STRIDE.wrapping_mul(attempt as u64));
        let result = qd_rrt::plan(&again, &rrt)?;
        if result.success {
            assembly.follow(&again, &result, rounds)?;
            rounds += 1;
        } else {
            tracing::debug!(closest = ?result.closest_error, "re-planning found no path");
        }
    }
    let object = problem.object();
    let final_error = object.error(problem.goal(), object.block(assembly.state()));
    Ok(Motion {
        h: fine.scene().parameters.h,
        forward_mode: fine.scene().parameters.forward_mode,
        u_before: assembly.u_before,
        inputs: assembly.inputs,
        states: assembly.states,
        intervals: assembly.intervals,
        transitions: assembly.transitions,
        rounds,
        final_error,
    })
}

/// Re-planning attempt r grows its tree with the seed `seed + r · REPLAN_SEED_STRIDE`.
const REPLAN_SEED_STRIDE: u64 = 1_000_003;

/// Re-planning trees aim within this fraction of the goal tolerance, leaving the execution of
/// their path room for its own error.
const REPLAN_TOLERANCE_SCALE: f64 = 0.75;

/// The commands of one segment, optimised at the fine step from `x` (after the command
/// `u_previous`) toward the segment's last node (its object at the goal for the last
/// segment), starting from the tree's commands ramped in over `factor` fine steps each.
#[allow(clippy::too_many_arguments)]
fn refine_segment(
    problem: &RrtProblem,
    result: &RrtResult,
    segment: &[usize],
    last_segment: bool,
    fine: &QuasiDynamicSystem,
    x: &[f64],
    u_previous: &[f64],
    settings: &ExecutionSettings,
) -> Result<Vec<Vec<f64>>, qd_trajopt::TrajoptError> {
    let last = &result.nodes[segment[segment.len() - 1]];
    let mut x_goal = last.q.clone();
    if last_segment {
        let object = problem.object();
        x_goal[object.q_start..object.q_start + object.nq].copy_from_slice(problem.goal());
    }
    let coarse: Vec<&Vec<f64>> = segment[1..]
        .iter()
        .filter_map(|&i| result.nodes[i].input.as_ref())
        .collect();
    let factor = settings.factor;
    let trajopt = TrajoptProblem::new(
        fine,
        x,
        &x_goal,
        factor * coarse.len(),
        CostWeights {
            input_rate: settings.input_rate,
            ..CostWeights::default()
        },
    )?
    .with_start(x, u_previous)?;
    // The first guess: each tree command ramped in over its `factor` fine steps, followed
    // at the rate limit (so that it lags where the tree's command changes faster).
    let limit = settings.max_input_change;
    let mut initial = Vec::with_capacity(trajopt.horizon());
    let mut previous = u_previous.to_vec();
    let mut command = u_previous.to_vec();
    for &u in &coarse {
        for j in 1..=factor {
            let s = j as f64 / factor as f64;
            for ((c, a), b) in command.iter_mut().zip(&previous).zip(u) {
                let target = a + s * (b - a);
                *c += (target - *c).clamp(-limit, limit);
            }
            initial.push(command.clone());
        }
        previous.clone_from(u);
    }
    let trajopt_settings = TrajoptSettings {
        iterations: settings.iterations,
        max_input_change: Some(limit),
        ..TrajoptSettings::default()
    };
    let mut inputs = optimize(&trajopt, &trajopt_settings, Some(&initial))?.inputs;
    // The QP meets the rate constraint to its tolerance only: hold it exactly.
    let mut previous = u_previous.to_vec();
    for u in &mut inputs {
        for (c, p) in u.iter_mut().zip(&previous) {
            *c = p + (*c - p).clamp(-limit, limit);
        }
        previous.clone_from(u);
    }
    Ok(inputs)
}
