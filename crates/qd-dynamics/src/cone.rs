//! The friction cones of the exact forms and how a solution meets them: the Lorentz cone
//! (SOCP) and the pyramid of `nd` rays (QP), their conic rows per contact, and the thresholds
//! that classify a contact as active, sliding or separating. The solver (its refinement on
//! the active set) and the derivatives read the same classification from here.

use crate::problem::StepProblem;
use nalgebra::{DMatrix, DVector, Vector3};

/// Which exact form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConicForm {
    /// Lorentz cones.
    Socp,
    /// Pyramids with `nd` rays.
    Qp {
        /// Rays per pyramid (3-D scenes).
        nd: usize,
    },
}

/// A contact is active when its normal impulse exceeds this multiple of
/// `max(h · 1 N, ‖b‖∞)` (b is h times the generalized forces, so this is relative to the
/// largest force acting in the step).
pub const ACTIVE_IMPULSE_FRACTION: f64 = 1e-6;

/// An active contact whose normal impulse is below this multiple of the same scale, with
/// its gap at zero, is reported as near a switch (it could stop touching for a tiny change).
pub const NEAR_SWITCH_IMPULSE_FRACTION: f64 = 1e-3;

/// Slack below which a conic row counts as touching (m; rad·m for rotational contributions).
pub const SLACK_TOLERANCE: f64 = 1e-7;

/// The unit tangent directions d_j of the pyramid on an n_t-dimensional tangent space: nd
/// directions evenly around the circle in 3-D; ±1 in planar scenes (n_t = 1), whatever nd.
pub fn pyramid_directions(n_tangent: usize, nd: usize) -> Vec<Vec<f64>> {
    if n_tangent == 1 {
        return vec![vec![1.0], vec![-1.0]];
    }
    (0..nd)
        .map(|j| {
            let angle = 2.0 * std::f64::consts::PI * j as f64 / nd as f64;
            vec![angle.cos(), angle.sin()]
        })
        .collect()
}

/// The ray directions of `form` (empty for the Lorentz cone) and the number of conic rows per
/// contact (1 + n_t for the cone, one per ray for the pyramid).
pub fn conic_layout(form: ConicForm, n_tangent: usize) -> (Vec<Vec<f64>>, usize) {
    match form {
        ConicForm::Socp => (Vec::new(), 1 + n_tangent),
        ConicForm::Qp { nd } => {
            let directions = pyramid_directions(n_tangent, nd);
            let rows = directions.len();
            (directions, rows)
        }
    }
}

/// The exact forms' conic rows of one contact as a map of `y = (J_n x + φ, J_t x)`: `s = P y`.
/// Lorentz cone (`directions` empty): `P = diag(1, μ, …)`, 1 + n_t rows. Pyramid: one row
/// `(1, μ d_jᵀ)` per ray direction d_j (see [`pyramid_directions`]).
pub fn conic_row_map(directions: &[Vec<f64>], n_tangent: usize, mu: f64) -> DMatrix<f64> {
    if directions.is_empty() {
        let mut p = DMatrix::zeros(1 + n_tangent, 1 + n_tangent);
        p[(0, 0)] = 1.0;
        for t in 0..n_tangent {
            p[(1 + t, 1 + t)] = mu;
        }
        return p;
    }
    let mut p = DMatrix::zeros(directions.len(), 1 + n_tangent);
    for (j, d) in directions.iter().enumerate() {
        p[(j, 0)] = 1.0;
        for t in 0..n_tangent {
            p[(j, 1 + t)] = mu * d[t];
        }
    }
    p
}

/// How one contact meets its cone at a solution of an exact form.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactMode {
    /// Normal impulse at or below the activity threshold: the contact drops out.
    Separated,
    /// Conic rows that hold with equality, `s_a = 0`: the active rays of a pyramid, or every
    /// row of a sticking cone contact.
    Rows(Vec<usize>),
    /// A sliding cone contact: `s₀ = ‖s_t‖`, the impulse on the cone's surface.
    Sliding,
}

/// The modes of every contact at a solution (x, z), read once by the same rules for the
/// refinement of the exact forms and for their derivatives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModeReading {
    /// Per contact.
    pub modes: Vec<ContactMode>,
    /// Contacts that are not separated.
    pub active_contacts: usize,
    /// Some contact is weakly active, or on the edge between sticking and sliding, or
    /// touching without impulse: its mode could change for a tiny change of the problem.
    pub near_mode_switch: bool,
}

/// Each contact's conic row map P ([`conic_row_map`]) in `form`.
pub fn conic_row_maps(problem: &StepProblem, form: ConicForm) -> Vec<DMatrix<f64>> {
    let (directions, _) = conic_layout(form, problem.n_tangent);
    problem
        .contacts
        .iter()
        .map(|rows| conic_row_map(&directions, problem.n_tangent, rows.mu))
        .collect()
}

/// `y = C x + e = (J_n x + φ, J_t x)` of contact `i` (entries beyond 1 + n_t are zero): the
/// conic slacks are `s = P y`.
pub fn contact_y(problem: &StepProblem, i: usize, x: &DVector<f64>) -> Vector3<f64> {
    let rows = &problem.contacts[i];
    let mut y = Vector3::zeros();
    y[0] = rows.jn.dot(x) + rows.phi;
    for t in 0..problem.n_tangent {
        y[1 + t] = (0..x.len()).map(|c| rows.jt[(t, c)] * x[c]).sum::<f64>();
    }
    y
}

/// Reads each contact's mode at (x, duals): a contact whose normal impulse (Σ β for the
/// pyramid) exceeds [`ACTIVE_IMPULSE_FRACTION`] of the step's force scale `max(h, ‖b‖∞)` is
/// active; a pyramid's active rays are those with β above it; a cone contact sticks when its
/// tangential slack is within [`SLACK_TOLERANCE`] and slides otherwise. `projections` holds
/// each contact's conic row map P ([`conic_row_maps`]).
pub fn read_modes(
    problem: &StepProblem,
    form: ConicForm,
    h: f64,
    (x, duals): (&DVector<f64>, &[f64]),
    projections: &[DMatrix<f64>],
) -> ModeReading {
    let nt = problem.n_tangent;
    let rows_per_contact = conic_layout(form, nt).1;
    let force_scale = problem.b.amax().max(h);
    let threshold = ACTIVE_IMPULSE_FRACTION * force_scale;
    let barely = NEAR_SWITCH_IMPULSE_FRACTION * force_scale;
    let mut reading = ModeReading::default();
    for i in 0..problem.contacts.len() {
        let z = &duals[i * rows_per_contact..(i + 1) * rows_per_contact];
        let (p, y) = (&projections[i], contact_y(problem, i, x));
        // Row j of s = P y.
        let s = |j: usize| (0..p.ncols()).map(|a| p[(j, a)] * y[a]).sum::<f64>();
        let mode = match form {
            ConicForm::Qp { .. } => {
                let mut active = Vec::new();
                for (j, &beta) in z.iter().enumerate() {
                    if beta > threshold {
                        active.push(j);
                        reading.near_mode_switch |= beta < barely;
                    } else if s(j) < SLACK_TOLERANCE {
                        reading.near_mode_switch = true;
                    }
                }
                if active.is_empty() {
                    ContactMode::Separated
                } else {
                    ContactMode::Rows(active)
                }
            }
            ConicForm::Socp => {
                let normal = z[0];
                if normal <= threshold {
                    reading.near_mode_switch |= s(0) < SLACK_TOLERANCE;
                    ContactMode::Separated
                } else {
                    reading.near_mode_switch |= normal < barely;
                    let slip = (1..=nt).map(|t| s(t) * s(t)).sum::<f64>().sqrt();
                    let z_t = z[1..].iter().map(|v| v * v).sum::<f64>().sqrt();
                    if slip <= SLACK_TOLERANCE {
                        // Sticking; near a switch if the impulse is on the cone's edge.
                        reading.near_mode_switch |= normal - z_t < 1e-6 * normal;
                        ContactMode::Rows((0..rows_per_contact).collect())
                    } else {
                        reading.near_mode_switch |= slip < 1e3 * SLACK_TOLERANCE;
                        ContactMode::Sliding
                    }
                }
            }
        };
        reading.active_contacts += usize::from(mode != ContactMode::Separated);
        reading.modes.push(mode);
    }
    reading
}
