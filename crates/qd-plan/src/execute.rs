//! From an RRT path to one executable motion: each segment (a run of extensions between
//! regrasps) re-planned by trajectory optimisation at the fine time step from where the robot
//! and object really are, and each regrasp made a motion (open, travel, close) stepped with the
//! same exact dynamics, so the object's drift during a regrasp is carried into the next
//! segment.

use crate::clearance::ClearanceCheck;
use crate::error::PlanError;
use crate::joint_path::max_norm;
use crate::plan::{Interval, IntervalKind};
use crate::transition::{TransitionPath, TransitionPlanner, TransitionSettings};
use qd_dynamics::ForwardMode;
use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use qd_geometry::ContactQuery;
use qd_rrt::{Edge, RrtProblem, RrtResult, RrtSettings};
use qd_task::PoseError;
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
    /// The largest change of any joint between consecutive commands of a regrasp transition
    /// (rad or m per fine step; at most `max_input_change`). Small, because the step's contact
    /// constraints are linearised: a link that moves more per step than its clearance can
    /// touch the object in the linearisation while its true path stays clear.
    pub transition_input_change: f64,
    /// Weight of `u_t − u_{t−1}` in the segments' cost (rad⁻² or m⁻²).
    pub input_rate: f64,
    /// How transitions are planned and checked.
    pub transition: TransitionSettings,
    /// Seed of the transitions' fallback search.
    pub seed: u64,
    /// A segment that leaves the object farther than this from its tree node, in units of the
    /// goal tolerance (`√((Δp / tol_p)² + (Δθ / tol_θ)²)`), ends the path there and the RRT
    /// plans again from where the object is (∞: never).
    pub off_track: f64,
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
            transition_input_change: 0.02,
            input_rate: 0.1,
            transition: TransitionSettings::default(),
            seed: 0,
            replans: 10,
            off_track: 1.0,
        }
    }
}

impl ExecutionSettings {
    /// The defaults with the scene's `task.rrt.refine_factor`; without one, the smallest
    /// factor that lets a tree step of `task.rrt.step` (‖δu‖₂, so no joint moves farther) fit
    /// the rate limit, ⌈step / max_input_change⌉ (1 without a task).
    ///
    /// # Errors
    /// A `[task]` or `[task.rrt]` that does not parse.
    pub fn from_task(scene: &qd_geometry::scene::Scene) -> Result<Self, PlanError> {
        let defaults = ExecutionSettings::default();
        let task = qd_task::Task::from_scene(scene).map_err(|e| PlanError::Scene(e.to_string()))?;
        let rrt = match &task {
            Some(task) if task.planner_section(qd_rrt::TASK_SECTION).is_some() => {
                Some(qd_rrt::RrtTask::from_task(task, scene.name())?)
            }
            _ => None,
        };
        let factor = match rrt {
            Some(spec) => spec.refine_factor.unwrap_or_else(|| {
                // A hair below the ratio: 0.2 / 0.1 is 2.000…04 in floating point.
                let ratio = (spec.step / defaults.max_input_change - 1e-9).ceil();
                if ratio.is_finite() && ratio >= 1.0 {
                    ratio as usize
                } else {
                    1
                }
            }),
            None => 1,
        };
        Ok(ExecutionSettings { factor, ..defaults })
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
        if !(self.transition_input_change > 0.0
            && self.transition_input_change <= self.max_input_change)
        {
            return Err(PlanError::InvalidParameter(format!(
                "transition_input_change must be > 0 and at most max_input_change ({}), got {}",
                self.max_input_change, self.transition_input_change
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
    /// Paths left before their end because a segment ended off its tree node by more than
    /// the goal tolerance (each followed by a re-planning).
    pub off_track: usize,
    /// Paths left at a regrasp whose transition found no free motion (each followed by a
    /// re-planning).
    pub blocked: usize,
    /// The object's distance from the goal at the end.
    pub final_error: PoseError,
    /// The smallest robot–object or robot–robot clearance (m; negative in penetration) over
    /// the states the transitions step to (a transition's first state is where the segment
    /// before it left the robots, pressed into the object); `None` without transitions.
    pub min_transition_clearance: Option<f64>,
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

    /// Executes the path of `result` (tree number `round`) from the current state, from its
    /// segment `from` on; stops early off track only when `watch` is set.
    fn follow(
        &mut self,
        problem: &RrtProblem,
        result: &RrtResult,
        (from, round): (usize, usize),
        watch: bool,
    ) -> Result<Followed, PlanError> {
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
        for (k, segment) in segments.iter().enumerate().skip(from) {
            let first = &result.nodes[segment[0]];
            let last_segment = k + 1 == segments.len();
            if first.edge == Edge::Regrasp && (segment.len() > 1 || last_segment) {
                let _phase = tracing::debug_span!("transition", node = segment[0]).entered();
                let grasp = scene.actuated_positions(&first.q);
                let state = self.state().to_vec();
                let path = match self.planner.plan(&state, &grasp, &mut self.rng) {
                    Ok(path) => path,
                    Err(PlanError::Transition(reason)) => {
                        tracing::debug!(%reason, "no transition to the next grasp");
                        return Ok(Followed::Blocked(k));
                    }
                    Err(other) => return Err(other),
                };
                // Release the last command to where the robots are, then follow the waypoints.
                let mut commands = Vec::new();
                let mut from = self.command();
                for waypoint in &path.waypoints {
                    commands.extend(ramp(&from, waypoint, self.settings.transition_input_change));
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
            let commands = self
                .refine_segment(problem, result, segment, last_segment)
                .map_err(|source| PlanError::Refine {
                    segment: self.intervals.len(),
                    source,
                })?;
            self.run(
                commands,
                interval(IntervalKind::Segment, segment.clone(), false),
            )?;
            // Off the tree by more than the goal tolerance: the rest of this path starts from
            // a pose the object is not at; plan again from here.
            let node = &result.nodes[segment[segment.len() - 1]].q;
            let target = problem.object().block(node);
            if watch
                && !last_segment
                && problem.progress_distance(target, self.state()) > self.settings.off_track
            {
                return Ok(Followed::OffTrack(k + 1));
            }
        }
        Ok(Followed::Whole)
    }
}

/// `inputs` with every change from the previous command (from `before` for the first)
/// clipped to `limit`: the QP meets its rate constraint to its tolerance only.
fn rate_limited(before: &[f64], mut inputs: Vec<Vec<f64>>, limit: f64) -> Vec<Vec<f64>> {
    let mut previous = before.to_vec();
    for u in &mut inputs {
        for (c, p) in u.iter_mut().zip(&previous) {
            *c = p + (*c - p).clamp(-limit, limit);
        }
        previous.clone_from(u);
    }
    inputs
}

/// How far a path was followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Followed {
    /// To its end.
    Whole,
    /// Until a segment left the object farther from its tree node than the goal tolerance;
    /// the path goes on at the given segment.
    OffTrack(usize),
    /// At the regrasp of the given segment, whose transition found no free motion (the sampled
    /// grasp may overlap another robot, which the RRT's contact sampler does not check).
    Blocked(usize),
}

/// Makes the path of a successful RRT `result` on `problem` executable (see the module
/// documentation): the plan starts at the problem's start with the robots commanded where
/// they are, and every command is stepped with the problem's exact dynamics at h / factor.
/// The last segment aims the object at the goal itself rather than at its last tree node.
///
/// When a segment leaves the object off its tree node by more than the goal tolerance, or the
/// rollout ends outside the goal tolerance (the fine steps do not do exactly what the tree's
/// coarse steps did), the RRT plans again from where the rollout is, to half the goal tolerance
/// (relaxed when it finds no path), with `rrt_settings` and a seed
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
    let mut fine_settings = problem.system().settings().clone();
    fine_settings.h /= settings.factor as f64;
    let fine = problem
        .system()
        .with_step_settings(fine_settings)
        .map_err(|e| PlanError::Scene(e.to_string()))?;
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
    let tolerance = problem.tolerance();
    let mut scale = REPLAN_TOLERANCE_SCALE;
    let (mut off_track, mut blocked, mut rounds, mut attempts) = (0, 0, 1, 0);
    // The path being followed (the planner's, then the latest re-planned one) and where.
    let mut path = (problem.clone(), result.clone());
    let mut from = 0;
    loop {
        let watch = attempts < settings.replans;
        let outcome = assembly.follow(&path.0, &path.1, (from, rounds - 1), watch)?;
        match outcome {
            Followed::OffTrack(next) => {
                off_track += 1;
                from = next;
            }
            Followed::Blocked(at) => {
                blocked += 1;
                from = at;
            }
            Followed::Whole => from = usize::MAX,
        }
        if problem.reached(assembly.state()) {
            break;
        }
        if attempts == settings.replans {
            if matches!(outcome, Followed::OffTrack(_)) {
                continue; // no re-planning left: finish the path as it is
            }
            break;
        }
        attempts += 1;
        let _phase = tracing::debug_span!("replan", attempt = attempts).entered();
        let again = problem
            .clone()
            .with_start_state(assembly.state())?
            .with_tolerance(PoseError {
                position: scale * tolerance.position,
                angle: scale * tolerance.angle,
            })?;
        let mut rrt = *rrt_settings;
        rrt.seed = rrt_settings
            .seed
            .wrapping_add(REPLAN_SEED_STRIDE.wrapping_mul(attempts as u64));
        let replanned = qd_rrt::plan(&again, &rrt)?;
        if replanned.success {
            path = (again, replanned);
            from = 0;
            rounds += 1;
        } else {
            tracing::debug!(closest = ?replanned.closest_error, "re-planning found no path");
            // The tree could not get that close: ask for less next time. The old path goes on
            // where it left off, if anything is left of it.
            scale = (scale * 1.5).min(1.0);
        }
    }
    let object = problem.object();
    let final_error = object.error(problem.goal(), object.block(assembly.state()));
    let check = ClearanceCheck::new(scene);
    let mut query = ContactQuery::new();
    let mut min_transition_clearance: Option<f64> = None;
    for interval in &assembly.intervals {
        if interval.kind == IntervalKind::Transition {
            for q in &assembly.states[interval.start + 1..=interval.end] {
                let c = check.at(scene, &mut query, q)?.min();
                min_transition_clearance = Some(min_transition_clearance.map_or(c, |m| m.min(c)));
            }
        }
    }
    Ok(Motion {
        h: fine.settings().h,
        forward_mode: fine.settings().forward_mode,
        u_before: assembly.u_before,
        inputs: assembly.inputs,
        states: assembly.states,
        intervals: assembly.intervals,
        transitions: assembly.transitions,
        rounds,
        off_track,
        blocked,
        final_error,
        min_transition_clearance,
    })
}

/// Re-planning attempt r grows its tree with the seed `seed + r · REPLAN_SEED_STRIDE`.
const REPLAN_SEED_STRIDE: u64 = 1_000_003;

/// Re-planning trees aim within this fraction of the goal tolerance, leaving the execution of
/// their path room for its own error; each re-planning that finds no path relaxes it by 1.5×,
/// up to the tolerance itself.
const REPLAN_TOLERANCE_SCALE: f64 = 0.5;

impl Assembly<'_> {
    /// The commands of one segment, optimised at the fine step from the current state (after
    /// the command in force) toward the segment's last node (its object at the goal for the
    /// last segment), starting from the tree's commands ramped in over `factor` fine steps
    /// each.
    fn refine_segment(
        &self,
        problem: &RrtProblem,
        result: &RrtResult,
        segment: &[usize],
        last_segment: bool,
    ) -> Result<Vec<Vec<f64>>, qd_trajopt::TrajoptError> {
        let (fine, x, settings) = (self.system, self.state(), self.settings);
        let u_previous = &self.command();
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
                for (((c, a), b), &(low, high)) in command
                    .iter_mut()
                    .zip(&previous)
                    .zip(u)
                    .zip(trajopt.input_limits())
                {
                    let target = a + s * (b - a);
                    // Within the joint limits exactly (the interpolation can round past them).
                    *c = (*c + (target - *c).clamp(-limit, limit)).clamp(low, high);
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
        let inputs = optimize(&trajopt, &trajopt_settings, Some(&initial))?.inputs;
        Ok(rate_limited(u_previous, inputs, limit))
    }
}
