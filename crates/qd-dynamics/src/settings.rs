//! The step's settings: time step, gravity, object masses, barrier weight, friction-cone rays,
//! forward and gradient modes — read from a scene file's `[parameters]` (every key but the
//! model's) and passed to each step, as a physics engine takes its integration parameters.

use crate::error::DynamicsError;
use qd_geometry::scene::{MODEL_PARAMETER_KEYS, Scene, parse_table};
use serde::{Deserialize, Serialize};

/// The barrier weights κ a step accepts: below, the barrier's step floats objects by metres;
/// above, its Newton iterations lose their precision in round-off.
pub const KAPPA_RANGE: (f64, f64) = (1e-6, 1e12);

/// Forward mode of the step (docs/dynamics.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardMode {
    /// Second-order cone program (Lorentz friction cones), Clarabel.
    #[default]
    Socp,
    /// Quadratic program (pyramidal cones with `nd` rays), Clarabel.
    Qp,
    /// Log-barrier relaxation of the cone constraints, damped Newton.
    LogBarrierCone,
    /// Log-barrier relaxation of the pyramid constraints, damped Newton.
    LogBarrierPyramid,
}

impl ForwardMode {
    /// Every forward mode, in the order the documentation lists them.
    pub const ALL: [ForwardMode; 4] = [
        ForwardMode::Socp,
        ForwardMode::Qp,
        ForwardMode::LogBarrierCone,
        ForwardMode::LogBarrierPyramid,
    ];

    /// The mode of a name ([`ForwardMode::name`]).
    pub fn from_name(name: &str) -> Option<ForwardMode> {
        ForwardMode::ALL
            .into_iter()
            .find(|mode| mode.name() == name)
    }

    /// The exact form with the same friction cones: `Socp` for the cone forms, `Qp` for the
    /// pyramid forms (what planners roll out with, whatever the scene smooths with).
    pub fn exact(self) -> ForwardMode {
        match self {
            ForwardMode::Qp | ForwardMode::LogBarrierPyramid => ForwardMode::Qp,
            ForwardMode::Socp | ForwardMode::LogBarrierCone => ForwardMode::Socp,
        }
    }

    /// The barrier relaxation with the same friction cones.
    pub fn barrier(self) -> ForwardMode {
        match self {
            ForwardMode::Qp | ForwardMode::LogBarrierPyramid => ForwardMode::LogBarrierPyramid,
            ForwardMode::Socp | ForwardMode::LogBarrierCone => ForwardMode::LogBarrierCone,
        }
    }

    /// Whether this is a log-barrier relaxation.
    pub fn is_barrier(self) -> bool {
        matches!(
            self,
            ForwardMode::LogBarrierCone | ForwardMode::LogBarrierPyramid
        )
    }

    /// The name used in scene files and on the command line (`socp`, `qp`,
    /// `log_barrier_cone`, `log_barrier_pyramid`).
    pub fn name(self) -> &'static str {
        match self {
            ForwardMode::Socp => "socp",
            ForwardMode::Qp => "qp",
            ForwardMode::LogBarrierCone => "log_barrier_cone",
            ForwardMode::LogBarrierPyramid => "log_barrier_pyramid",
        }
    }
}

/// Which solver the exact forms (`socp`, `qp`) use (docs/dynamics.md, "The own exact
/// solver").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExactSolver {
    /// Barrier continuation, then the active-set refinement, certified by the optimality
    /// conditions; Clarabel when the certificate fails. The default.
    #[default]
    Own,
    /// Clarabel (an interior-point conic solver), then the refinement: the oracle.
    Clarabel,
}

impl ExactSolver {
    /// The name used in scene files (`own`, `clarabel`).
    pub fn name(self) -> &'static str {
        match self {
            ExactSolver::Own => "own",
            ExactSolver::Clarabel => "clarabel",
        }
    }
}

/// Which derivatives the step computes (docs/dynamics.md, "Derivatives").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GradientMode {
    /// No derivatives.
    #[default]
    None,
    /// B = ∂q⁺/∂u.
    B,
    /// A = ∂q⁺/∂q and B.
    Ab,
}

/// Settings of the step (docs/dynamics.md), each with a documented default. Plain data: build one,
/// change a field, pass it to [`QuasiDynamicSystem::step_with`](crate::QuasiDynamicSystem::step_with);
/// every step checks it ([`StepSettings::check`]).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StepSettings {
    /// Time step h (s), > 0. Default 0.1.
    pub h: f64,
    /// Gravity (m/s²). Default (0, 0, −9.81).
    pub gravity: [f64; 3],
    /// Object mass scale s: absent = ε = 1; positive = lighter objects as s grows; 0 = frozen.
    pub mass_scale: Option<f64>,
    /// Quasi-dynamic (object mass term) if true, quasi-static if false. Default true.
    pub quasi_dynamic: bool,
    /// Barrier weight κ (1/(N·m) for a contact's normal gap in metres; larger = less
    /// smoothing), within [`KAPPA_RANGE`]. The barrier term of the step's program is
    /// `−(h/κ) Σ log(…)`, so that a contact at gap s pushes with a force of about 2/(κ s)
    /// whatever h is (docs/dynamics.md, "The barrier weight κ"); κ is the reference papers'
    /// `log_barrier_weight`. Default 10.
    pub kappa: f64,
    /// Rays of the pyramidal friction cone, ≥ 2. Default 4.
    pub nd: usize,
    /// Forward mode. Default `socp`.
    pub forward_mode: ForwardMode,
    /// Gradient mode. Default `none`.
    pub gradient_mode: GradientMode,
    /// Solver of the exact forms. Default `own`.
    pub exact_solver: ExactSolver,
}

impl Default for StepSettings {
    fn default() -> Self {
        StepSettings {
            h: 0.1,
            gravity: [0.0, 0.0, -9.81],
            mass_scale: None,
            quasi_dynamic: true,
            kappa: 10.0,
            nd: 4,
            forward_mode: ForwardMode::Socp,
            gradient_mode: GradientMode::None,
            exact_solver: ExactSolver::Own,
        }
    }
}

impl StepSettings {
    /// The step's entries of the scene file's `[parameters]` (every key except the model's
    /// `d_detect`, `default_friction` and `plane_normal`), defaults for the rest, checked.
    ///
    /// # Errors
    /// Unknown keys (naming the keys either layer reads), wrong types, values
    /// [`StepSettings::check`] refuses.
    pub fn from_scene(scene: &Scene) -> Result<StepSettings, DynamicsError> {
        let settings: StepSettings = match scene.section("parameters") {
            Some(table) => parse_table(table, "parameters").map_err(|message| {
                DynamicsError::InvalidParameter(format!(
                    "scene '{}': {message} (the model reads {} too)",
                    scene.name(),
                    MODEL_PARAMETER_KEYS.join(", ")
                ))
            })?,
            None => StepSettings::default(),
        };
        settings.check()?;
        Ok(settings)
    }

    /// The same settings with another forward mode.
    pub fn with_forward_mode(mut self, mode: ForwardMode) -> Self {
        self.forward_mode = mode;
        self
    }

    /// The same settings with another gradient mode.
    pub fn with_gradient_mode(mut self, mode: GradientMode) -> Self {
        self.gradient_mode = mode;
        self
    }

    /// The settings of the exact form with the same cones ([`ForwardMode::exact`]) and no
    /// derivatives: how planners roll out.
    pub fn exact_rollout(self) -> Self {
        let mode = self.forward_mode.exact();
        self.with_forward_mode(mode)
            .with_gradient_mode(GradientMode::None)
    }

    /// Checks every value.
    ///
    /// # Errors
    /// h not finite and > 0, κ outside [`KAPPA_RANGE`], gravity not finite, nd < 2, a
    /// negative or non-finite mass scale; the message names the `[parameters]` key.
    pub fn check(&self) -> Result<(), DynamicsError> {
        let bad = |message: String| Err(DynamicsError::InvalidParameter(message));
        if !(self.h > 0.0 && self.h.is_finite()) {
            return bad(format!("parameters.h must be positive, got {}", self.h));
        }
        if !(KAPPA_RANGE.0..=KAPPA_RANGE.1).contains(&self.kappa) {
            return bad(format!(
                "parameters.kappa must be within [1e-6, 1e12], got {}",
                self.kappa
            ));
        }
        if let Some(g) = self.gravity.iter().find(|g| !g.is_finite()) {
            return bad(format!(
                "parameters.gravity must be finite, got {g} in {:?}",
                self.gravity
            ));
        }
        if self.nd < 2 {
            return bad(format!(
                "parameters.nd (rays of the friction pyramid) must be ≥ 2, got {}",
                self.nd
            ));
        }
        if let Some(s) = self.mass_scale
            && !(s >= 0.0 && s.is_finite())
        {
            return bad(format!("parameters.mass_scale must be ≥ 0, got {s}"));
        }
        Ok(())
    }
}
