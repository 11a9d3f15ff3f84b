//! # qd-task
//!
//! What a scene asks the planners to do, read from the scene file's `[task]` and `[grasp]`
//! sections (`docs/scene-format.md`):
//!
//! - [`Task`]: move one object from a start configuration to a goal pose within tolerances;
//!   the task's tables for particular planners (`[task.trajopt]`, `[task.rrt]`,
//!   `[task.sampling]`) are kept for those planners to parse ([`Task::planner_section`]);
//! - [`Grasp`]: an open pose of the robots and the directions that close them on the object
//!   (contact sampling for regrasps);
//! - [`ObjectCoordinates`] and [`PoseError`]: where an object's pose sits in q and how far
//!   two poses are apart (translation in m, rotation angle in rad).
//!
//! The geometry layer keeps these sections as TOML; this crate owns their meaning, so a new
//! planner adds its own `[task.NAME]` table in its own crate without touching the model.
//!
//! ```
//! use qd_task::Task;
//!
//! let scene = qd_scenes::load("planar-hand")?;
//! let task = Task::from_scene(&scene)?.expect("the planar hand carries a task");
//! let object = task.object_coordinates(&scene);
//! // The start is the scene's default configuration; the goal turns the ball.
//! let error = object.error(object.block(task.start_q()), &task.goal().q);
//! assert!(error.angle > task.goal().angle_tolerance);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Library code returns typed errors: nothing a user can influence may panic (docs/code-style.md).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]
mod error;
mod grasp;
mod object_pose;
mod task;

pub use error::TaskError;
pub use grasp::{Grasp, Synergy};
pub use object_pose::{MAX_OBJECT_NV, ObjectCoordinates, PoseError};
pub use task::{Goal, Task};
