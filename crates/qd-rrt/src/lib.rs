//! # qd-rrt
//!
//! Global planning through contact (docs/rrt.md): a rapidly-exploring random tree that grows in
//! the object's coordinates. Every node keeps the smoothed linearisation of the step at its
//! hold input (the robots commanded to stay where they are); its object rows B̂_u define the
//! metric `d = (q_s ⊖ ĉ)ᵀ (B̂_u B̂_uᵀ + γ I)⁻¹ (q_s ⊖ ĉ)`, which calls a node near a subgoal
//! when its contacts can push the object there, and give the input change of an extension.
//! With the task's probability a round regrasps instead: a contact sampler re-closes the
//! robots on the object where it is.
//!
//! ```
//! use qd_rrt::{RrtProblem, RrtSettings, plan};
//!
//! let scene = qd_scenes::load("planar-hand")?;
//! let problem = RrtProblem::from_task(&scene)?;
//! let mut settings = RrtSettings::from_task(&scene, 1)?;
//! settings.max_nodes = 20;
//! let result = plan(&problem, &settings)?;
//! // Every node but the root has a parent that came before it.
//! assert!(result.nodes.iter().enumerate().skip(1).all(|(i, n)| n.parent.is_some_and(|p| p < i)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Library code returns typed errors: nothing a user can influence may panic (docs/code-style.md).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]
mod error;
mod metric;
mod planner;
mod problem;
mod sampler;
mod task;

pub use error::RrtError;
pub use metric::{Metric, NodeModel};
pub use planner::{Edge, RrtResult, RrtStats, TreeNode, plan, plan_observed};
pub use problem::{
    DEFAULT_NODE_KAPPA, DEFAULT_NODE_SAMPLES, DEFAULT_P_GOAL, DEFAULT_REGRASP_NOISE,
    DEFAULT_RETIRE_AFTER, MAX_NODES, REGRASP_GAP, REGRASP_PENETRATION, RrtProblem, RrtSettings,
};
pub use qd_task::{ObjectCoordinates, PoseError};
pub use task::{RrtTask, SAMPLING_SECTION, SamplingRegion, TASK_SECTION};
