//! `qd plan [SCENE]`: plan a scene's task — trajectory optimisation (docs/trajopt.md, the default)
//! or the RRT (docs/rrt.md) — print a summary, and save the plan as JSON or NumPy `.npz` (an
//! existing file is never overwritten without `--force`).

mod rrt;
mod trajopt;

use super::scene::load_scene_source;
use anyhow::bail;
use qd_trajopt::ScheduleKind;
use std::path::PathBuf;
use std::process::ExitCode;

/// The planners `qd plan` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Planner {
    /// Trajectory optimisation (iterative MPC on smoothed linearisations).
    Trajopt,
    /// The RRT in object coordinates with regrasps, then an executable plan.
    Rrt,
}

/// The trust-region QP's linear model of the step (docs/trajopt.md, "The linear model").
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Model {
    /// A and B from the smoothed linearisation.
    Full,
    /// The reference's `use_A = False`: objects stay unless an input moves them, robots go
    /// where commanded; needs only B.
    InputOnly,
}

impl Model {
    /// The optimiser's model.
    pub fn linear_model(self) -> qd_trajopt::LinearModel {
        match self {
            Model::Full => qd_trajopt::LinearModel::Full,
            Model::InputOnly => qd_trajopt::LinearModel::InputOnly,
        }
    }
}

/// How an iteration makes its candidate from the QP's answer (docs/trajopt.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Pass {
    /// Re-plan the rest of the horizon from the rollout's actual state at every step.
    ClosedLoop,
    /// Roll the QP's inputs out as they are (one QP per iteration).
    OpenLoop,
}

impl Pass {
    /// The optimiser's forward pass.
    pub fn forward_pass(self) -> qd_trajopt::ForwardPass {
        match self {
            Pass::ClosedLoop => qd_trajopt::ForwardPass::ClosedLoop,
            Pass::OpenLoop => qd_trajopt::ForwardPass::OpenLoop,
        }
    }
}

/// How the optimiser smooths its linearisations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// The log-barrier step, κ growing over the iterations.
    Analytic,
    /// First-order randomized smoothing (bundled gradients).
    Randomized,
    /// Zero-order randomized smoothing (least-squares fit of sampled steps).
    ZeroOrder,
    /// No smoothing: the exact step's derivatives.
    Exact,
}

impl std::fmt::Display for Method {
    /// The name the command line takes (`zero-order`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use clap::ValueEnum as _;
        match self.to_possible_value() {
            Some(value) => f.write_str(value.get_name()),
            None => Ok(()),
        }
    }
}

impl Method {
    /// The optimiser's schedule family.
    pub fn kind(self) -> ScheduleKind {
        match self {
            Method::Analytic => ScheduleKind::Analytic,
            Method::Randomized => ScheduleKind::Randomized,
            Method::ZeroOrder => ScheduleKind::ZeroOrder,
            Method::Exact => ScheduleKind::Exact,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// A built-in scene name or a scene file with a `[task]`.
    #[arg(default_value = "planar-hand")]
    pub scene: String,
    /// The planner.
    #[arg(long, value_enum, default_value_t = Planner::Trajopt)]
    pub planner: Planner,
    /// RRT: node budget, overriding the task's.
    #[arg(long)]
    pub max_nodes: Option<usize>,
    /// RRT: plan to this object pose instead of the task's goal: the object's coordinates,
    /// comma-separated (planar: y,z,θ or x,y,θ; free: x,y,z,qw,qx,qy,qz). It must lie in the
    /// task's sampling region.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        value_name = "V,V,..."
    )]
    pub goal: Option<Vec<f64>>,
    /// RRT: start the object at this pose (as `--goal`); the robots start as in the task.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        value_name = "V,V,..."
    )]
    pub start: Option<Vec<f64>>,
    /// RRT: the executable plan's time step is h / FACTOR: each segment of the path (split at
    /// regrasps) is re-planned there by trajectory optimisation (analytic smoothing, 10
    /// iterations). Default: the task's `refine_factor`, else 1.
    #[arg(long, value_name = "FACTOR")]
    pub refine: Option<usize>,
    /// Smoothing of the linearisations.
    #[arg(long, value_enum, default_value_t = Method::Analytic)]
    pub method: Method,
    /// Iterations of the optimiser.
    #[arg(long, default_value_t = 20)]
    pub iterations: usize,
    /// Horizon T, overriding the task's.
    #[arg(long)]
    pub horizon: Option<usize>,
    /// Samples per time step (randomized; default: the task's, else 100).
    #[arg(long)]
    pub samples: Option<usize>,
    /// Initial input noise σ₀ (randomized; rad or m; default: the task's, else 0.1).
    #[arg(long, allow_negative_numbers = true)]
    pub sigma0: Option<f64>,
    /// κ at the first iteration (analytic; default: the task's, else 10).
    #[arg(long, allow_negative_numbers = true)]
    pub kappa_start: Option<f64>,
    /// κ at the last iteration (analytic; default: the task's, else 10³).
    #[arg(long, allow_negative_numbers = true)]
    pub kappa_end: Option<f64>,
    /// Seed of randomized smoothing and of the RRT's random choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Run in closed loop: replan from each reached state, apply the first input.
    #[arg(long)]
    pub receding: bool,
    /// The QP's linear model of the step (default: the task's, else full).
    #[arg(long, value_enum)]
    pub model: Option<Model>,
    /// How each iteration makes its candidate (default: closed loop).
    #[arg(long, value_enum)]
    pub forward_pass: Option<Pass>,
    /// Save the plan: `.json` or `.npz`.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite `--output` if it exists.
    #[arg(long)]
    pub force: bool,
    /// Do not report progress on standard error.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    if let Some(output) = &args.output {
        qd_plan::check_output_path(output, args.force)?;
    }
    let (source, scene) = load_scene_source(&args.scene)?;
    match args.planner {
        Planner::Trajopt if args.goal.is_some() || args.start.is_some() => {
            bail!("--goal and --start apply to --planner rrt (trajopt plans the task's goal_q)")
        }
        Planner::Trajopt => trajopt::run(args, &source, &scene),
        Planner::Rrt => rrt::run(args, &source, &scene),
    }
}
