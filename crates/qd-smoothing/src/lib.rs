//! # qd-smoothing
//!
//! Smoothed linearisations of the quasi-dynamic step (docs/smoothing.md): for the step
//! `q⁺ = f(q, u)`, a triple (A, B, c) with `f(q ⊕ δq, ū + δu) ≈ c ⊕ (A δq + B δu)`, computed
//!
//! - exactly ([`Smoothing::Exact`]: the SOCP/QP step and its KKT derivatives),
//! - analytically ([`Smoothing::Analytic`]: the log-barrier step at weight κ),
//! - by randomized smoothing, first order ([`Smoothing::RandomizedFirstOrder`]: the mean of
//!   sampled derivatives, the "bundled gradient") or zero order
//!   ([`Smoothing::RandomizedZeroOrder`]: a least-squares fit of sampled steps).
//!
//! Randomized estimates run their samples, and a trajectory's time steps, in parallel with
//! rayon. Sample k of time step t draws from its own stream keyed by (seed, t, k), and samples
//! are reduced in index order, so a fixed seed gives bit-identical results for any thread
//! count. Samples whose step fails are dropped and counted in the report, never averaged in.
//!
//! The [`equivalence`] module holds the identities that tie randomized and barrier smoothing
//! together (`cargo xtask equivalence` runs them all).
//!
//! ```
//! use qd_dynamics::QuasiDynamicSystem;
//! use qd_smoothing::{Derivatives, Smoother, Smoothing};
//!
//! let system = QuasiDynamicSystem::new(qd_scenes::load("planar-hand")?)?;
//! let q = system.scene().default_q().to_vec();
//! let u = system.scene().actuated_positions(&q);
//! let bundled = Smoothing::RandomizedFirstOrder { sigma_u: 0.05, sigma_q: 0.0, samples: 20, seed: 7 };
//! let smoother = Smoother::new(&system, bundled, Derivatives::B)?;
//! let linearization = smoother.linearize(&q, &u)?;
//! // B is n_v × n_a; the report says how many samples were averaged in.
//! assert_eq!(linearization.b.shape(), (q.len(), u.len()));
//! assert_eq!(linearization.report.valid + linearization.report.dropped_failed_step, 20);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Library code returns typed errors: nothing a user can influence may panic (docs/code-style.md).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]
pub mod closed_form;
pub mod equivalence;
mod error;
mod method;
pub mod monte_carlo;
pub mod noise;
mod smoother;
mod tangent;

pub use error::SmoothingError;
pub use method::{Derivatives, Linearization, Order, Smoothing, SmoothingReport};
pub use smoother::{DEFAULT_MIN_VALID_FRACTION, Smoother};
