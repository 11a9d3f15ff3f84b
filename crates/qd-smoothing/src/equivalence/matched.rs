//! Analytic and randomized smoothing on a full system (docs/smoothing.md): how closely the barrier's B
//! at weight κ and the bundled B at Gaussian σ agree at matched strength, and how both
//! approach the exact B as the smoothing vanishes.
//!
//! "Matched strength" has no closed form beyond one dimension, so it is measured: for each κ,
//! the σ from a grid whose bundled B is closest to the barrier's B (relative Frobenius error).
//! The 1-D theory says the equivalent noise scales like 1/√κ; the table shows σ·√κ so the
//! scaling can be read off.

use super::{Check, bonferroni_multiple};
use crate::{Derivatives, Linearization, Smoother, Smoothing, SmoothingError};
use nalgebra::DMatrix;
use qd_dynamics::ForwardMode;
use qd_dynamics::{QuasiDynamicSystem, SensitivityReport};

/// One κ of the ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct KappaRow {
    /// Barrier weight κ.
    pub kappa: f64,
    /// ‖B_κ − B_exact‖_F / ‖B_exact‖_F.
    pub analytic_vs_exact: f64,
    /// The σ of the grid whose bundled B is closest to B_κ.
    pub matched_sigma: f64,
    /// ‖B_κ − B_σ‖_F / ‖B_κ‖_F at the matched σ.
    pub analytic_vs_randomized: f64,
}

/// One σ of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct SigmaRow {
    /// Noise standard deviation on u.
    pub sigma: f64,
    /// ‖B_σ − B_exact‖_F / ‖B_exact‖_F.
    pub randomized_vs_exact: f64,
    /// ‖SE(B_σ)‖_F / ‖B_exact‖_F: the Monte-Carlo part of that error.
    pub relative_standard_error: f64,
    /// Samples averaged in / drawn.
    pub valid: usize,
    /// Samples drawn.
    pub samples: usize,
}

/// The matched-strength report of one system at one (q, u).
#[derive(Debug, Clone)]
pub struct MatchedReport {
    /// The scene's name.
    pub system: String,
    /// The exact derivative's reliability at (q, u).
    pub exact_sensitivity: SensitivityReport,
    /// Rows per κ.
    pub kappa_rows: Vec<KappaRow>,
    /// Rows per σ.
    pub sigma_rows: Vec<SigmaRow>,
}

/// ‖a − b‖_F / ‖b‖_F.
pub fn relative_frobenius(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    (a - b).norm() / b.norm().max(f64::MIN_POSITIVE)
}

/// Computes the report. The exact B comes from the system's exact form (SOCP, or QP if it is
/// configured with pyramids); the bundled B samples the system's configured forward mode.
///
/// # Errors
/// A failing nominal step, or too few valid samples.
pub fn matched_strength(
    system: &QuasiDynamicSystem,
    q: &[f64],
    u: &[f64],
    kappas: &[f64],
    sigmas: &[f64],
    samples: usize,
    seed: u64,
) -> Result<MatchedReport, SmoothingError> {
    let exact = Smoother::new(system, Smoothing::Exact, Derivatives::B)?.linearize(q, u)?;
    let exact_sensitivity = exact.report.sensitivity.clone().unwrap_or_default();
    let mut bundled: Vec<(f64, Linearization)> = Vec::new();
    let mut sigma_rows = Vec::new();
    for (index, &sigma) in sigmas.iter().enumerate() {
        let method = Smoothing::RandomizedFirstOrder {
            sigma_u: sigma,
            sigma_q: 0.0,
            samples,
            seed: seed + index as u64,
        };
        let lin = Smoother::new(system, method, Derivatives::B)?.linearize(q, u)?;
        let se_norm = lin
            .report
            .b_standard_error
            .as_ref()
            .map_or(f64::NAN, |se| se.norm());
        sigma_rows.push(SigmaRow {
            sigma,
            randomized_vs_exact: relative_frobenius(&lin.b, &exact.b),
            relative_standard_error: se_norm / exact.b.norm().max(f64::MIN_POSITIVE),
            valid: lin.report.valid,
            samples: lin.report.samples,
        });
        bundled.push((sigma, lin));
    }
    let mut kappa_rows = Vec::new();
    for &kappa in kappas {
        let analytic = Smoother::new(system, Smoothing::Analytic { kappa }, Derivatives::B)?
            .linearize(q, u)?;
        let (matched_sigma, analytic_vs_randomized) = bundled
            .iter()
            .map(|(sigma, lin)| (*sigma, relative_frobenius(&lin.b, &analytic.b)))
            .fold((f64::NAN, f64::INFINITY), |best, candidate| {
                if candidate.1 < best.1 {
                    candidate
                } else {
                    best
                }
            });
        kappa_rows.push(KappaRow {
            kappa,
            analytic_vs_exact: relative_frobenius(&analytic.b, &exact.b),
            matched_sigma,
            analytic_vs_randomized,
        });
    }
    Ok(MatchedReport {
        system: system.scene().name().to_string(),
        exact_sensitivity,
        kappa_rows,
        sigma_rows,
    })
}

/// Formats a report as two Markdown tables.
pub fn format_matched(report: &MatchedReport) -> String {
    let mut out = format!(
        "### {}: analytic vs randomized B (exact B: {} active contacts{}{})\n\n\
         | κ | ‖B_κ − B_exact‖/‖B_exact‖ | matched σ | σ·√κ | ‖B_κ − B_σ‖/‖B_κ‖ |\n\
         |---:|---:|---:|---:|---:|\n",
        report.system,
        report.exact_sensitivity.active_contacts,
        if report.exact_sensitivity.near_mode_switch {
            ", near a mode switch"
        } else {
            ""
        },
        report
            .exact_sensitivity
            .unreliable
            .as_ref()
            .map_or(String::new(), |r| format!(", unreliable: {r}")),
    );
    for row in &report.kappa_rows {
        out.push_str(&format!(
            "| {:.0e} | {:.3e} | {:.3e} | {:.3} | {:.3e} |\n",
            row.kappa,
            row.analytic_vs_exact,
            row.matched_sigma,
            row.matched_sigma * row.kappa.sqrt(),
            row.analytic_vs_randomized
        ));
    }
    out.push_str(
        "\n| σ | ‖B_σ − B_exact‖/‖B_exact‖ | ‖SE(B_σ)‖/‖B_exact‖ | valid / samples |\n\
         |---:|---:|---:|---:|\n",
    );
    for row in &report.sigma_rows {
        out.push_str(&format!(
            "| {:.1e} | {:.3e} | {:.3e} | {} / {} |\n",
            row.sigma, row.randomized_vs_exact, row.relative_standard_error, row.valid, row.samples
        ));
    }
    out
}

/// First against zero order on a smooth map: the barrier step (smooth in u) at (q, u). The two
/// bundled B (independent seeds) must agree entry by entry within their combined standard
/// error (Bonferroni multiple over the entries, family level 1%), and the first-order standard
/// errors must be the smaller ones (‖SE‖_F). Use ≥ 1000 samples: at a few hundred the sampled
/// standard errors are themselves too noisy for a 28-entry family (seen on the planar hand:
/// |z| = 4.5 at N = 200, 2.6 at N = 2000 and 20000 with the same seed).
///
/// # Errors
/// A failing estimate.
pub fn first_vs_zero_order(
    system: &QuasiDynamicSystem,
    q: &[f64],
    u: &[f64],
    sigma: f64,
    samples: usize,
    seed: u64,
) -> Result<Vec<Check>, SmoothingError> {
    let mut smooth = system.clone();
    if !smooth.settings().forward_mode.is_barrier() {
        smooth.settings_mut().forward_mode = ForwardMode::LogBarrierCone;
    }
    let group = format!("{} (barrier step, σ = {sigma})", system.scene().name());
    let estimate = |method| Smoother::new(&smooth, method, Derivatives::B)?.linearize(q, u);
    let first = estimate(Smoothing::RandomizedFirstOrder {
        sigma_u: sigma,
        sigma_q: 0.0,
        samples,
        seed,
    })?;
    let zero = estimate(Smoothing::RandomizedZeroOrder {
        sigma_u: sigma,
        sigma_q: 0.0,
        samples,
        seed: seed + 1,
    })?;
    let (Some(se_first), Some(se_zero)) = (
        &first.report.b_standard_error,
        &zero.report.b_standard_error,
    ) else {
        return Err(SmoothingError::InvalidParameter(
            "randomized estimate without errors".into(),
        ));
    };
    // The entry with the largest standardised difference, over entries that vary at all.
    let entries: Vec<(f64, f64, f64)> = first
        .b
        .iter()
        .zip(zero.b.iter())
        .zip(se_first.iter().zip(se_zero.iter()))
        .map(|((f, z), (sf, sz))| (f - z, (sf * sf + sz * sz).sqrt(), *f))
        .filter(|(_, se, _)| *se > 0.0)
        .collect();
    let multiple = bonferroni_multiple(entries.len(), 0.01);
    let worst = entries
        .iter()
        .copied()
        .fold((0.0f64, 1.0f64, 0.0f64), |best, e| {
            if e.0.abs() / e.1 > best.0.abs() / best.1 {
                e
            } else {
                best
            }
        });
    Ok(vec![
        Check::statistical(
            &group,
            format!(
                "first-order B = zero-order B (worst of {} entries; B_first there {:.4e})",
                entries.len(),
                worst.2
            ),
            samples,
            worst.0,
            0.0,
            worst.1,
            multiple,
        ),
        Check::at_most(
            &group,
            "‖SE(first-order B)‖_F ≤ ‖SE(zero-order B)‖_F",
            se_first.norm(),
            se_zero.norm(),
        )
        .with_samples(samples),
    ])
}

/// A point where the hand squeezes its object: the default configuration, and the command
/// `u = q_a + amount · Σ synergies` (the scene's closing directions; rad per unit). Without
/// a `[grasp]` the command holds q_a.
///
/// # Errors
/// A `[grasp]` section that does not fit the scene.
pub fn squeezed_point(
    system: &QuasiDynamicSystem,
    amount: f64,
) -> Result<(Vec<f64>, Vec<f64>), SmoothingError> {
    let scene = system.scene();
    let q = scene.default_q().to_vec();
    let mut u = scene.actuated_positions(&q);
    let grasp = qd_task::Grasp::from_scene(scene)
        .map_err(|e| SmoothingError::InvalidParameter(e.to_string()))?;
    if let Some(grasp) = &grasp {
        for synergy in &grasp.synergies {
            for (ui, d) in u.iter_mut().zip(&synergy.direction) {
                *ui += amount * d;
            }
        }
    }
    Ok((q, u))
}

/// The identities of a report: the barrier's B approaches the exact B as κ grows (each
/// step of the ladder closer, the last within 5%), and the bundled B at the smallest σ is
/// within 5% of the exact B plus three times its Monte-Carlo part.
pub fn convergence_checks(report: &MatchedReport) -> Vec<Check> {
    let group = format!("{} (smoothing → 0)", report.system);
    let mut checks = Vec::new();
    for pair in report.kappa_rows.windows(2) {
        checks.push(Check::at_most(
            &group,
            format!(
                "‖B_κ − B_exact‖ shrinks: κ = {:.0e} vs {:.0e}",
                pair[1].kappa, pair[0].kappa
            ),
            pair[1].analytic_vs_exact,
            pair[0].analytic_vs_exact,
        ));
    }
    if let Some(last) = report.kappa_rows.last() {
        checks.push(Check::at_most(
            &group,
            format!("‖B_κ − B_exact‖/‖B_exact‖ at κ = {:.0e}", last.kappa),
            last.analytic_vs_exact,
            0.05,
        ));
    }
    if let Some(first) = report.sigma_rows.first() {
        checks.push(
            Check::at_most(
                &group,
                format!(
                    "‖B_σ − B_exact‖/‖B_exact‖ at σ = {:.0e} (bound 0.05 + 3 SE)",
                    first.sigma
                ),
                first.randomized_vs_exact,
                0.05 + 3.0 * first.relative_standard_error,
            )
            .with_samples(first.samples),
        );
    }
    checks
}
