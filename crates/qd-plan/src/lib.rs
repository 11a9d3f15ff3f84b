//! # qd-plan
//!
//! Plans a robot could execute. A planner's answer — the RRT's path of tree nodes with
//! regrasps between them — becomes one time series of commanded joint positions at one time
//! step, stepped with the exact dynamics from the start:
//!
//! - [`execute_path`]: each segment of the path (a run of extensions) is re-planned by
//!   trajectory optimisation at h / factor from where the robots and the object really are,
//!   and each regrasp becomes a motion — open along the contact normals, travel (a straight
//!   line in joint space when it is free, else a small RRT-Connect), close — checked against
//!   robot–object and robot–robot penetration ([`ClearanceCheck`]);
//! - [`Plan`]: the saved form (JSON), carrying the scene text, the planner's settings and
//!   seed, the commands, the rollout, the segment and transition intervals and the final goal
//!   error, so that a replay elsewhere reproduces it;
//! - [`replay`]: re-simulates a plan, optionally with another forward mode or finer steps,
//!   and reports the deviation from the saved states and the goal error;
//! - [`TrajoptQuery`] and [`RrtQuery`]: a planning query on a scene's task as the `qd` command
//!   and the Python package run it, with its [`PlanRecord`] (the saved JSON and the `.npz`
//!   arrays derived from it).
//!
//! ```
//! use qd_plan::{ExecutionSettings, execute_path};
//! use qd_rrt::{RrtProblem, RrtSettings, plan};
//!
//! let scene = qd_scenes::load("planar-hand")?;
//! let problem = RrtProblem::from_task(&scene)?;
//! let rrt = RrtSettings::from_task(&scene, 0)?;
//! let result = plan(&problem, &rrt)?;
//! let motion = execute_path(&problem, &result, &rrt, &ExecutionSettings::default())?;
//! // One command per fine step, one state more, starting at the problem's start.
//! assert_eq!(motion.states.len(), motion.inputs.len() + 1);
//! assert_eq!(motion.states[0], problem.x0());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Library code returns typed errors: nothing a user can influence may panic (docs/code-style.md).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]
mod clearance;
mod error;
mod execute;
mod joint_path;
mod plan;
mod query;
mod replay;
mod scene_source;
mod transition;

pub use clearance::{Clearance, ClearanceCheck};
pub use error::PlanError;
pub use execute::{ExecutionSettings, Motion, execute_path};
pub use plan::{Interval, IntervalKind, PLAN_FORMAT, Plan, PlanGoal};
pub use query::{
    PlanRecord, PreparedRrt, RecordArray, RrtOutcome, RrtQuery, TrajoptOutcome, TrajoptQuery,
    check_output_path,
};
pub use replay::{Replay, ReplayOptions, check_scene, replay};
pub use scene_source::{SceneSource, check_scene_sections};
pub use transition::{TransitionPath, TransitionSettings, plan_transition};
