//! # qd-trajopt
//!
//! Trajectory optimisation through contact (docs/trajopt.md): iterative MPC on smoothed
//! linearisations of the quasi-dynamic step, with a trust region.
//!
//! Each iteration
//! 1. linearises the step along the nominal trajectory (x̄, ū) with the schedule's smoothing
//!    ([`SmoothingSchedule`]: exact, analytic κ growing geometrically, or randomized
//!    σ_i = σ₀ / i^0.8), giving `δx_{t+1} = A_t δx_t + B_t δu_t + d_t`;
//! 2. solves the convex QP of the quadratic cost under those dynamics and the trust region
//!    |δu| ≤ Δu (and the joint limits) with Clarabel ([`qp`]);
//! 3. rolls the candidate out with the exact step, keeps it if its cost is lower, and
//!    adapts Δu to how well the model predicted the decrease.
//!
//! [`receding_horizon`] is MPC: at each control step a window of steps is planned from the
//! plant's state on smoothed linearisations, and its first input is applied with the exact
//! step; [`refine`] re-plans a coarse trajectory (an RRT
//! segment) at a finer time step.
//!
//! ```
//! use qd_trajopt::{CostWeights, SmoothingSchedule, TrajoptProblem, TrajoptSettings, optimize};
//!
//! let scene = qd_scenes::load("planar-hand")?;
//! let mut problem = TrajoptProblem::from_task(&scene, CostWeights::default())?;
//! problem = problem.with_horizon(5)?;
//! let settings = TrajoptSettings {
//!     smoothing: SmoothingSchedule::Analytic { kappa_start: 10.0, kappa_end: 1e3 },
//!     iterations: 3,
//!     ..TrajoptSettings::default()
//! };
//! let result = optimize(&problem, &settings, None)?;
//! // The best iterate never costs more than the initial guess.
//! assert!(result.cost.total <= result.iterations[0].cost.total);
//! assert_eq!(result.states.len(), 6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Library code returns typed errors: nothing a user can influence may panic (docs/code-style.md).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]
mod cost;
mod diagnosis;
mod error;
mod forward_pass;
mod iteration;
mod model;
mod optimizer;
mod problem;
pub mod qp;
mod receding;
mod refine;
mod schedule;
mod task;
mod weights;

pub use cost::{CostParts, ObjectError, object_error, trajectory_cost};
pub use error::TrajoptError;
pub use iteration::{optimize, optimize_observed};
pub use model::{ForwardPass, LinearModel};
pub use optimizer::{IterationReport, PhaseTimes, StopReason, TrajoptResult, TrajoptSettings};
pub use problem::{MAX_HORIZON, TrajoptProblem};
pub use receding::{
    DEFAULT_MPC_INPUT_RADIUS, MpcSettings, RecedingHorizonResult, receding_horizon,
};
pub use refine::refine;
pub use schedule::{SIGMA_DECAY_EXPONENT, SmoothingLevel, SmoothingSchedule, sigma};
pub use task::{
    DEFAULT_KAPPA_RANGE, DEFAULT_MPC_ITERATIONS, DEFAULT_MPC_WINDOW, DEFAULT_SAMPLES,
    DEFAULT_SIGMA0, ScheduleKind, TASK_SECTION, TaskWeights, TrajoptTask,
};
pub use weights::CostWeights;
