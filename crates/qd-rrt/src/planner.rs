//! Growing the tree (docs/rrt.md).

use crate::error::RrtError;
use crate::metric::{Metric, NodeModel};
use crate::problem::{RrtProblem, RrtSettings};
use crate::sampler::{regrasp, sample_object_pose, uniform};
use qd_dynamics::StepWorkspace;
use qd_geometry::ContactQuery;
use qd_smoothing::{Derivatives, Linearization, Smoother, Smoothing};
use qd_task::PoseError;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// How a node was reached from its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    /// The root.
    Root,
    /// One exact step under the commanded input `TreeNode::input`.
    Extend,
    /// The contact sampler re-placed the robots around the object (the object did not move).
    Regrasp,
}

/// A node of the tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeNode {
    /// Configuration (n_q).
    pub q: Vec<f64>,
    /// Parent node (None for the root).
    pub parent: Option<usize>,
    /// How it was reached.
    pub edge: Edge,
    /// The commanded input of an extension (n_a).
    pub input: Option<Vec<f64>>,
}

/// Counts of what the planner did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RrtStats {
    /// Extensions tried.
    pub extensions: usize,
    /// Extensions whose exact step failed.
    pub failed_extensions: usize,
    /// Regrasps tried.
    pub regrasps: usize,
    /// Regrasps the contact sampler could not place.
    pub failed_regrasps: usize,
    /// New nodes linearised exactly because their smoothed linearisation failed (the barrier
    /// found no strictly feasible start).
    pub exact_fallbacks: usize,
    /// New nodes dropped because their exact linearisation failed too.
    pub failed_linearizations: usize,
    /// Step solves: one per extension, and each linearisation's samples (1 for analytic).
    pub dynamics_evaluations: usize,
    /// Extensions that brought the object no closer to their subgoal.
    pub stalled_extensions: usize,
    /// Nodes retired from extension at the end (see `RrtSettings::retire_after`).
    pub retired_nodes: usize,
    /// Rounds that regrasped because no node could be extended.
    pub forced_regrasps: usize,
    /// Whether growth stopped because no node could be extended or regrasped.
    pub exhausted: bool,
}

/// The grown tree and, if the goal was reached, the path to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RrtResult {
    /// Whether a node reached the goal tolerance.
    pub success: bool,
    /// Every node, the root first; parents come before children.
    pub nodes: Vec<TreeNode>,
    /// Node indices from the root to the goal node (empty without success).
    pub path: Vec<usize>,
    /// The node whose object pose is closest to the goal (errors scaled by the tolerances).
    pub closest: usize,
    /// Its distance from the goal.
    pub closest_error: PoseError,
    /// What the planner did.
    pub stats: RrtStats,
    /// Wall-clock time (s).
    pub seconds: f64,
}

impl RrtResult {
    /// The path split at regrasps: each segment is a run of extensions (node indices, the
    /// segment's start included), ready for refinement by trajectory optimisation.
    pub fn segments(&self) -> Vec<Vec<usize>> {
        let mut segments: Vec<Vec<usize>> = Vec::new();
        for &index in &self.path {
            match self.nodes[index].edge {
                Edge::Extend => {
                    if let Some(current) = segments.last_mut() {
                        current.push(index);
                    }
                }
                Edge::Root | Edge::Regrasp => segments.push(vec![index]),
            }
        }
        segments
    }
}

/// Rounds per node of the budget after which the tree stops even if it is not full (failed
/// regrasps and extensions add no node).
const ROUNDS_PER_NODE: usize = 20;

/// An extension makes progress when it brings the object this much closer to its subgoal, in
/// units of the goal tolerance (see [`RrtProblem::progress_distance`]).
const PROGRESS_EPSILON: f64 = 0.01;

/// What the planner remembers about a node besides its model.
#[derive(Debug, Clone, Copy, Default)]
struct NodeBookkeeping {
    /// Whether it was extended toward the goal already.
    extended_toward_goal: bool,
    /// Extensions from it that failed or brought the object no closer to their subgoal.
    stalls: usize,
}

/// The node nearest to `subgoal` under the metric among those `eligible` accepts.
fn nearest_node(
    metric: Metric,
    models: &[NodeModel],
    object: &qd_task::ObjectCoordinates,
    subgoal: &[f64],
    eligible: impl Fn(usize) -> bool,
) -> Option<usize> {
    models
        .iter()
        .enumerate()
        .filter(|(i, _)| eligible(*i))
        .map(|(i, model)| (i, model.distance_by(metric, object, subgoal)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// How close a pose error is to the goal tolerance (1 on its boundary).
fn scaled(error: PoseError, tolerance: PoseError) -> f64 {
    (error.position / tolerance.position).max(error.angle / tolerance.angle)
}

/// Grows an RRT in the object's coordinates from the problem's start until a node reaches
/// the goal or the tree holds `settings.max_nodes` nodes.
///
/// Each round draws an object subgoal (the goal with probability p_goal, else uniform in the
/// task's region) and whether to regrasp (probability p_grasp, with grasp data), picks the
/// nearest node under the metric ([`NodeModel::distance`]) among the nodes that may be used —
/// any for a regrasp; for an extension, nodes not retired (`retire_after`) and, in a goal
/// round with `avoid_repeats`, not yet extended toward the goal — and regrasps there or
/// extends: one exact step under the node's hold input plus [`NodeModel::extension`]'s δu
/// (clamped to the joint limits). When no node may be extended the round regrasps. Each new
/// node is linearised at its own hold input with the settings' smoothing (exactly, when the
/// barrier finds no strictly feasible start there).
///
/// # Errors
/// Bad settings; a start that cannot be stepped or linearised; failed geometry queries.
pub fn plan(problem: &RrtProblem, settings: &RrtSettings) -> Result<RrtResult, RrtError> {
    plan_observed(problem, settings, |_, _| {})
}

/// [`plan`], calling `observe(nodes, closest)` after each node is added, with the tree's
/// size and the closest any node has come to the goal — for progress displays.
///
/// # Errors
/// As [`plan`].
pub fn plan_observed(
    problem: &RrtProblem,
    settings: &RrtSettings,
    mut observe: impl FnMut(usize, PoseError),
) -> Result<RrtResult, RrtError> {
    let _span = tracing::info_span!("rrt", scene = %problem.system.scene().name()).entered();
    let clock = Instant::now();
    settings.check()?;
    let scene = problem.system.scene();
    let object = &problem.object;
    let (smoother, fallback) = node_smoothers(problem, settings)?;
    let mut stats = RrtStats::default();
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let mut workspace = StepWorkspace::default();
    let mut query = ContactQuery::new();

    let root = smoother
        .linearize(&problem.x0, &scene.actuated_positions(&problem.x0))
        .map_err(RrtError::StartSmoothing)?;
    stats.dynamics_evaluations += root.report.samples.max(1);
    let gammas = (settings.gamma, settings.gamma_rotation);
    let mut models = vec![NodeModel::new(&root, object, gammas.0, gammas.1)];
    let mut nodes = vec![TreeNode {
        q: problem.x0.clone(),
        parent: None,
        edge: Edge::Root,
        input: None,
    }];
    let mut bookkeeping = vec![NodeBookkeeping::default()];
    let hold_step = |q: &[f64], c: &[f64]| hold_step(settings, problem, q, c);
    let mut hold_steps = vec![hold_step(&problem.x0, &root.c)];
    let error_of = |q: &[f64]| object.error(&problem.goal, object.block(q));
    let mut closest = 0;
    let mut closest_error = error_of(&problem.x0);
    let mut success = problem.reached(&problem.x0);
    // Failed regrasps and extensions add no node; this bounds the rounds all the same.
    let max_rounds = settings.max_nodes.saturating_mul(ROUNDS_PER_NODE);
    let mut rounds = 0;

    while !success && nodes.len() < settings.max_nodes && rounds < max_rounds {
        rounds += 1;
        let tree = Tree {
            models: &models,
            bookkeeping: &bookkeeping,
        };
        let Some(round) = choose_round(problem, settings, &tree, &mut rng, &mut stats) else {
            stats.exhausted = true;
            break;
        };
        let nearest = round.nearest;
        let from = &nodes[nearest].q;
        let mut scratch = RoundScratch {
            rng: &mut rng,
            query: &mut query,
            workspace: &mut workspace,
            stats: &mut stats,
        };
        let grown = grow(
            problem,
            settings,
            &round,
            (&models[nearest], &mut bookkeeping[nearest]),
            from,
            &mut scratch,
        )?;
        let Some(Grown {
            q: q_new,
            edge,
            input,
        }) = grown
        else {
            continue;
        };
        let hold = scene.actuated_positions(&q_new);
        let guess = hold_steps[nearest].as_deref();
        let smoothers = (&smoother, &fallback);
        let Some(linearization) = linearize_node(smoothers, &q_new, &hold, guess, &mut stats)
        else {
            continue;
        };
        stats.dynamics_evaluations += linearization.report.samples.max(1);
        models.push(NodeModel::new(&linearization, object, gammas.0, gammas.1));
        hold_steps.push(hold_step(&q_new, &linearization.c));
        bookkeeping.push(NodeBookkeeping::default());
        let error = error_of(&q_new);
        if scaled(error, problem.tolerance) < scaled(closest_error, problem.tolerance) {
            closest = nodes.len();
            closest_error = error;
        }
        success = problem.reached(&q_new);
        nodes.push(TreeNode {
            q: q_new,
            parent: Some(nearest),
            edge,
            input,
        });
        observe(nodes.len(), closest_error);
    }
    stats.retired_nodes = bookkeeping
        .iter()
        .filter(|node| settings.retire_after > 0 && node.stalls >= settings.retire_after)
        .count();
    Ok(RrtResult {
        success,
        path: if success {
            path_to(&nodes, closest)
        } else {
            Vec::new()
        },
        nodes,
        closest,
        closest_error,
        stats,
        seconds: clock.elapsed().as_secs_f64(),
    })
}

/// An extension's target: the nearest node's model and the subgoal it moves toward.
struct Extension<'a> {
    model: &'a NodeModel,
    subgoal: &'a [f64],
}

/// One exact step from `from` under its hold input plus the model's extension δu toward the
/// subgoal (clamped to the joint limits). Returns the new configuration, its input, and
/// whether it stalled (came no closer to the subgoal); `None` when the step failed.
fn extend(
    problem: &RrtProblem,
    settings: &RrtSettings,
    extension: &Extension<'_>,
    from: &[f64],
    workspace: &mut StepWorkspace,
    stats: &mut RrtStats,
) -> Option<(Vec<f64>, Vec<f64>, bool)> {
    let scene = problem.system.scene();
    let du = extension
        .model
        .extension(&problem.object, extension.subgoal, settings.step);
    let u: Vec<f64> = scene
        .actuated_positions(from)
        .iter()
        .zip(&du)
        .zip(&problem.input_limits)
        .map(|((hold, d), &(lower, upper))| (hold + d).clamp(lower, upper))
        .collect();
    stats.dynamics_evaluations += 1;
    match problem.system.step(workspace, from, &u) {
        Ok(step) => {
            let before = problem.progress_distance(extension.subgoal, from);
            let after = problem.progress_distance(extension.subgoal, &step.q_next);
            let stalled = after > before - PROGRESS_EPSILON;
            if stalled {
                stats.stalled_extensions += 1;
            }
            Some((step.q_next, u, stalled))
        }
        Err(error) => {
            tracing::debug!(%error, "extension failed");
            stats.failed_extensions += 1;
            None
        }
    }
}

/// A new node's linearisation at its hold input with the settings' smoothing, else (the
/// barrier finds no strictly feasible start where the exact step left deep contacts) the
/// exact one, which still gives the node a metric; `None` when both fail.
fn linearize_node(
    (smoother, fallback): (&Smoother, &Smoother),
    q: &[f64],
    hold: &[f64],
    guess: Option<&[f64]>,
    stats: &mut RrtStats,
) -> Option<Linearization> {
    match smoother.linearize_from(q, hold, guess) {
        Ok(linearization) => Some(linearization),
        Err(error) => {
            tracing::debug!(%error, "smoothed linearisation failed, trying the exact one");
            stats.exact_fallbacks += 1;
            match fallback.linearize(q, hold) {
                Ok(linearization) => Some(linearization),
                Err(error) => {
                    tracing::debug!(%error, "linearisation of a new node failed");
                    stats.failed_linearizations += 1;
                    None
                }
            }
        }
    }
}

/// The node indices from the root to `last`.
fn path_to(nodes: &[TreeNode], last: usize) -> Vec<usize> {
    let mut path = vec![last];
    while let Some(parent) = nodes[*path.last().unwrap_or(&0)].parent {
        path.push(parent);
    }
    path.reverse();
    path
}

/// The tree as a round reads it: each node's model and bookkeeping.
struct Tree<'a> {
    models: &'a [NodeModel],
    bookkeeping: &'a [NodeBookkeeping],
}

/// What one round does: its subgoal (the goal in a goal round), whether it regrasps, and from
/// which node.
struct Round {
    goal_round: bool,
    subgoal: Vec<f64>,
    regrasping: bool,
    nearest: usize,
}

/// Draws a round's subgoal and kind and picks the nearest node that may be used (any for a
/// regrasp; for an extension, one not retired and, in a goal round with `avoid_repeats`, not
/// yet extended toward the goal). When no node may be extended the round regrasps; `None`
/// when no node may be used at all.
fn choose_round(
    problem: &RrtProblem,
    settings: &RrtSettings,
    tree: &Tree<'_>,
    rng: &mut ChaCha8Rng,
    stats: &mut RrtStats,
) -> Option<Round> {
    let object = &problem.object;
    let goal_round = uniform(rng) < settings.p_goal;
    let subgoal = if goal_round {
        problem.goal.clone()
    } else {
        sample_object_pose(problem, rng)
    };
    let can_regrasp = problem.grasp.is_some();
    let mut regrasping = can_regrasp && uniform(rng) < settings.p_grasp;
    let extendable = |i: usize| {
        let node = &tree.bookkeeping[i];
        let retired = settings.retire_after > 0 && node.stalls >= settings.retire_after;
        let repeat = settings.avoid_repeats && goal_round && node.extended_toward_goal;
        !(retired || repeat)
    };
    let mut nearest = nearest_node(settings.metric, tree.models, object, &subgoal, |i| {
        regrasping || extendable(i)
    });
    if nearest.is_none() && can_regrasp {
        // Every node is retired (or already extended toward the goal): regrasp instead.
        regrasping = true;
        stats.forced_regrasps += 1;
        nearest = nearest_node(settings.metric, tree.models, object, &subgoal, |_| true);
    }
    Some(Round {
        goal_round,
        subgoal,
        regrasping,
        nearest: nearest?,
    })
}

/// What a round changes besides the tree: the random stream, the queries' workspaces and the
/// counters.
struct RoundScratch<'a> {
    rng: &'a mut ChaCha8Rng,
    query: &'a mut ContactQuery,
    workspace: &'a mut StepWorkspace,
    stats: &'a mut RrtStats,
}

/// A round's new configuration, with the edge and input that reach it.
struct Grown {
    q: Vec<f64>,
    edge: Edge,
    input: Option<Vec<f64>>,
}

/// The round's new configuration from `from` (the nearest node, with its model and
/// bookkeeping): a regrasp, or an extension toward the subgoal. Returns it with its edge and
/// input; `None` when the regrasp or the extension failed.
///
/// # Errors
/// Failed geometry queries of the contact sampler.
fn grow(
    problem: &RrtProblem,
    settings: &RrtSettings,
    round: &Round,
    (model, node): (&NodeModel, &mut NodeBookkeeping),
    from: &[f64],
    scratch: &mut RoundScratch<'_>,
) -> Result<Option<Grown>, RrtError> {
    let stats = &mut *scratch.stats;
    if round.regrasping {
        stats.regrasps += 1;
        let _phase = tracing::debug_span!("regrasp").entered();
        let noise = settings.regrasp_noise;
        return Ok(
            match regrasp(problem, from, noise, scratch.rng, scratch.query)? {
                Some(q) => Some(Grown {
                    q,
                    edge: Edge::Regrasp,
                    input: None,
                }),
                None => {
                    stats.failed_regrasps += 1;
                    None
                }
            },
        );
    }
    stats.extensions += 1;
    if round.goal_round {
        node.extended_toward_goal = true;
    }
    let _phase = tracing::debug_span!("extend").entered();
    let extension = Extension {
        model,
        subgoal: &round.subgoal,
    };
    Ok(
        match extend(
            problem,
            settings,
            &extension,
            from,
            scratch.workspace,
            stats,
        ) {
            Some((q_next, u, stalled)) => {
                if stalled {
                    node.stalls += 1;
                }
                Some(Grown {
                    q: q_next,
                    edge: Edge::Extend,
                    input: Some(u),
                })
            }
            None => {
                node.stalls += 1;
                None
            }
        },
    )
}

/// The smoother of new nodes' linearisations (the settings' smoothing) and its fallback
/// (exact).
///
/// # Errors
/// Smoothing settings the smoother refuses.
fn node_smoothers(
    problem: &RrtProblem,
    settings: &RrtSettings,
) -> Result<(Smoother, Smoother), RrtError> {
    let smoother = Smoother::new(&problem.system, settings.smoothing, Derivatives::B)
        .map_err(RrtError::StartSmoothing)?;
    let fallback = Smoother::new(&problem.system, Smoothing::Exact, Derivatives::B)
        .map_err(RrtError::StartSmoothing)?;
    Ok((smoother, fallback))
}

/// A node's hold step δv = ĉ ⊖ q: where its children's barrier solves start. Only kept when
/// warm starts are on (one allocation per node otherwise wasted).
fn hold_step(
    settings: &RrtSettings,
    problem: &RrtProblem,
    q: &[f64],
    c: &[f64],
) -> Option<Vec<f64>> {
    settings
        .warm_start
        .then(|| problem.system.scene().tree().difference(q, c).ok())
        .flatten()
}
