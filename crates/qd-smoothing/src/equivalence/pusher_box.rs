//! The 1-D pusher–box step (docs/smoothing.md): a pusher (stiffness K) and a box (mass M) on one line.
//!
//! With m' = ε M / h and k' = h K the diagonal of Q, ν = 1/m' + 1/k' and x = (u − q_a) − φ,
//! the exact step moves the box by k'/(m' + k') · max(x, 0). In the barrier step the
//! stationarity conditions are m' a = k'(Δ − d) = c h/(κ s) with s = a − d + φ the constraint's
//! value (the program's barrier weight is h/κ), which gives s² + x s − ν c h/κ = 0 and
//! a = (s + x)/(ν m'): the box moves by k'/(m' + k') · y_κeff(x) with κ_eff = κ/(c ν h), c the
//! weight of log s in the barrier (2 for the
//! cone, whose argument s²/μ² has no tangential part in 1-D; for the pyramid, its number of
//! equal rows: 2 in a planar scene, whose pyramid is ±t, and nd in 3-D). The checks:
//!
//! 1. the barrier step (both forms, two κ, planar and 3-D) against that closed form, value
//!    and B;
//! 2. the *exact* step smoothed by the barrier-equivalent noise ρ_κeff on u, first order,
//!    against the barrier's B = k'/(m' + k') · F_κeff(x), within 3 standard errors.

use super::{Check, STANDARD_ERROR_MULTIPLE, SuiteOptions};
use crate::closed_form::{relu_barrier_derivative, relu_barrier_solution};
use crate::noise::BarrierEquivalent;
use crate::{Derivatives, Order, Smoother, Smoothing, SmoothingError};
use qd_dynamics::ForwardMode;
use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};

const GROUP: &str = "pusher-box-1d";

/// Offsets x = (u − q_a) − φ checked: apart, at the touching point, and pushing.
pub const OFFSETS: [f64; 4] = [-0.05, 0.0, 0.03, 0.1];

/// The diagonal (m', k') of Q, computed from the scene's data (docs/dynamics.md), independently of
/// the dynamics crate's assembly.
pub fn diagonal_of_q(system: &QuasiDynamicSystem) -> Result<(f64, f64), SmoothingError> {
    let scene = system.scene();
    let shape_error = || {
        SmoothingError::InvalidParameter(
            "the pusher-box checks need one actuated and one unactuated scalar coordinate".into(),
        )
    };
    if scene.objects().len() != 1 || scene.na() != 1 || scene.split().unactuated_v.len() != 1 {
        return Err(shape_error());
    }
    let p = system.settings();
    let mass = scene.tree().links()[scene.objects()[0].link].inertia.mass;
    let stiffness = scene.split().stiffness[0];
    let epsilon = match p.mass_scale {
        Some(s) if s > 0.0 => p.h * p.h * stiffness / mass / s,
        _ => 1.0,
    };
    Ok((epsilon * mass / p.h, p.h * stiffness))
}

/// All checks of this module on `system` (the `pusher-box-1d` scene or one like it).
///
/// # Errors
/// A system of the wrong shape, or a failing step.
pub fn checks(
    system: &QuasiDynamicSystem,
    options: &SuiteOptions,
) -> Result<Vec<Check>, SmoothingError> {
    let (m, k) = diagonal_of_q(system)?;
    let nu = 1.0 / m + 1.0 / k;
    let h = system.settings().h;
    let factor = k / (m + k);
    let scene = system.scene();
    let object_q = scene.split().unactuated_q[0];
    let object_v = scene.split().unactuated_v[0];
    let q = scene.default_q().to_vec();
    let q_a = scene.actuated_positions(&q);
    // φ at q, from the exact step's contact report (the geometry layer's signed distance).
    let hold = system
        .step(&mut StepWorkspace::default(), &q, &q_a)
        .map_err(|error| SmoothingError::Dynamics { t: 0, error })?;
    let phi = hold.contacts.first().map(|c| c.phi).ok_or_else(|| {
        SmoothingError::InvalidParameter("the pusher and the box are not in contact range".into())
    })?;
    let nd = system.settings().nd;
    let mut checks = Vec::new();
    // The scene as given (planar: one tangent, so a 2-ray pyramid) and its 3-D variant (two
    // tangents, nd rays). In 1-D the tangential rows vanish either way, so only c changes.
    let planar = scene.plane_normal().is_some();
    for three_d in [false, true] {
        let variant = if three_d {
            // The same model seen in 3-D: two tangents per contact.
            let scene_3d = scene.clone().with_plane_normal(None);
            QuasiDynamicSystem::with_settings(scene_3d, system.settings().clone())
                .map_err(|error| SmoothingError::Dynamics { t: 0, error })?
        } else if planar {
            system.clone()
        } else {
            continue;
        };
        let rays = if three_d { nd } else { 2 };
        for (form, weight) in [
            (ForwardMode::LogBarrierCone, 2.0),
            (ForwardMode::LogBarrierPyramid, rays as f64),
        ] {
            let mut configured = variant.clone();
            configured.settings_mut().forward_mode = form;
            for kappa in [10.0, 1e3] {
                let kappa_eff = kappa / (weight * nu * h);
                let smoother =
                    Smoother::new(&configured, Smoothing::Analytic { kappa }, Derivatives::B)?;
                for x in OFFSETS {
                    let u = vec![q_a[0] + phi + x];
                    let lin = smoother.linearize(&q, &u)?;
                    let label = format!(
                        "{} {form:?} (c = {weight}) κ = {kappa:e}, x = {x}",
                        if three_d { "3-D" } else { "planar" }
                    );
                    checks.push(Check::deterministic(
                        GROUP,
                        format!("{label}: box displacement = k'/(m'+k') y_κeff(x)"),
                        lin.c[object_q] - q[object_q],
                        factor * relu_barrier_solution(x, kappa_eff),
                        1e-8,
                    ));
                    checks.push(Check::deterministic(
                        GROUP,
                        format!("{label}: barrier B = k'/(m'+k') F_κeff(x)"),
                        lin.b[(object_v, 0)],
                        factor * relu_barrier_derivative(x, kappa_eff),
                        1e-6,
                    ));
                }
            }
        }
    }
    // Randomized smoothing of the exact step with ρ_κeff on u reproduces the cone barrier's B.
    let mut exact = system.clone();
    exact.settings_mut().forward_mode = ForwardMode::Socp;
    let kappa = 10.0;
    let kappa_eff = kappa / (2.0 * nu * h);
    let noise = BarrierEquivalent { kappa: kappa_eff };
    let smoother = Smoother::new(&exact, Smoothing::Exact, Derivatives::B)?;
    for (index, x) in OFFSETS.iter().take(3).enumerate() {
        let u = vec![q_a[0] + phi + x];
        for &n in options.sample_sizes.iter().filter(|&&n| n <= 100_000) {
            let seed = options.seed + index as u64;
            let lin = smoother.linearize_with_noise(&noise, Order::First, n, seed, &q, &u)?;
            let se = lin
                .report
                .b_standard_error
                .as_ref()
                .map_or(f64::INFINITY, |se| se[(object_v, 0)]);
            checks.push(Check::statistical(
                GROUP,
                format!(
                    "SOCP step, ρ_κeff noise (κ = {kappa:e}), x = {x}: bundled B = barrier B \
                     ({} dropped)",
                    lin.report.samples - lin.report.valid
                ),
                n,
                lin.b[(object_v, 0)],
                factor * relu_barrier_derivative(*x, kappa_eff),
                se,
                STANDARD_ERROR_MULTIPLE,
            ));
        }
    }
    Ok(checks)
}
