//! # qd-dynamics
//!
//! One time step of the convex quasi-dynamic contact model (docs/dynamics.md): the next configuration is
//! the minimiser of a convex program in the displacement δv,
//!
//! ```text
//! minimise ½ δvᵀ Q δv + bᵀ δv   s.t.   J_n,i δv + φ_i ≥ μ_i ‖J_t,i δv‖   for every contact i
//! ```
//!
//! with robots stiffness-controlled toward the commanded positions u and objects unactuated.
//! Forward modes: the exact SOCP (Lorentz cones) and QP (pyramids), solved by barrier
//! continuation and a refinement on the active set certified by the optimality conditions
//! (`solver::continuation`; Clarabel, refined the same way, when the certificate fails or when
//! asked for: docs/dynamics.md), and the log-barrier relaxations (analytic smoothing,
//! weight κ) through our damped Newton method.
//!
//! ```
//! use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
//!
//! let system = QuasiDynamicSystem::new(qd_scenes::load("planar-hand")?)?;
//! let mut workspace = StepWorkspace::default();
//! let q = system.scene().default_q().to_vec();
//! // Command the fingers to hold their current joint angles.
//! let u = system.scene().actuated_positions(&q);
//! let result = system.step(&mut workspace, &q, &u)?;
//! assert_eq!(result.q_next.len(), q.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Library code returns typed errors: nothing a user can influence may panic (docs/code-style.md).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]
pub mod cone;
pub mod derivatives;
mod error;
pub mod problem;
mod reuse;
mod settings;
pub mod solver;
mod system;

pub use derivatives::{SensitivityReport, StepGradients};
pub use error::DynamicsError;
pub use settings::{ExactSolver, ForwardMode, GradientMode, KAPPA_RANGE, StepSettings};
pub use solver::{SolvePath, SolveStatus};
pub use system::{
    ContactImpulse, QUATERNION_TOLERANCE, QuasiDynamicSystem, Rollout, RolloutError, StepReport,
    StepResult, StepWorkspace,
};
