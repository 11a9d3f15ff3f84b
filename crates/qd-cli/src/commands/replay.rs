//! `qd replay PLAN.json`: re-simulates a saved executable plan from its start with the exact
//! dynamics (or another forward mode, or finer steps), reports how far the replay strays from
//! the saved states and how far the object ends from the goal, and exits non-zero when that
//! is outside the goal tolerance.

use anyhow::bail;
use qd_plan::{Plan, ReplayOptions, check_scene, replay};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A plan saved by `qd plan --output FILE.json` (either planner; or a file holding just
    /// the plan).
    plan: PathBuf,
    /// Forward mode of the replay (default: the plan's).
    #[arg(long, value_parser = super::sim::mode_parser())]
    mode: Option<qd_dynamics::ForwardMode>,
    /// Steps per plan step: replay at h / SUBSTEPS, each command reached by linear
    /// interpolation over its substeps.
    #[arg(long, default_value_t = 1)]
    substeps: usize,
    /// Replay on this scene (a built-in name or a scene file) instead of the one the plan
    /// carries; it must be the same system.
    #[arg(long)]
    scene: Option<String>,
}

pub fn run(args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let mode = args.mode;
    if args.substeps == 0 {
        bail!("--substeps must be at least 1");
    }
    let (plan, carried) = Plan::load(&args.plan)?;
    let scene = match &args.scene {
        Some(name) => {
            let scene = super::scene::load_scene(name)?;
            check_scene(&plan, &scene)?;
            scene
        }
        None => carried,
    };
    let options = ReplayOptions {
        forward_mode: mode,
        substeps: args.substeps,
    };
    let result = replay(&plan, &scene, options)?;
    super::stdout::line(format_args!(
        "{}: replayed {} steps ({} plan by qd {}, seed {}) at h = {} s with {}: largest \
         deviation from the saved states {:.3e} (step {})",
        scene.name(),
        plan.inputs.len(),
        plan.planner,
        plan.qd_version,
        plan.seed,
        result.h,
        serde_json::to_value(result.forward_mode)?
            .as_str()
            .unwrap_or_default(),
        result.max_deviation,
        result.max_deviation_step,
    ))?;
    match (result.final_error, &plan.goal) {
        (Some(error), Some(goal)) => {
            super::stdout::line(format_args!(
                "final object error {:.4} m / {:.4} rad (tolerance {} m / {} rad)",
                error.position, error.angle, goal.tolerance.position, goal.tolerance.angle
            ))?;
            if result.reached == Some(false) {
                bail!("the replay ends outside the goal tolerance");
            }
        }
        _ => super::stdout::line(format_args!("the plan has no goal to check"))?,
    }
    Ok(ExitCode::SUCCESS)
}
