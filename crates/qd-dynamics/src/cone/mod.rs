//! Friction cones, one file each: the Lorentz cone (`lorentz.rs`, the SOCP form and its
//! barrier) and the pyramid of `nd` rays (`pyramid.rs`, the QP form and its barrier). Each
//! gives its conic rows `s = P (C x + e)` for Clarabel, the impulses its duals stand for, the
//! rule that reads a contact's mode off a solution, the check of a refined solution, and its
//! log-barrier with derivatives. [`Cone`] is the registration: the step, the refinement, the
//! derivatives and the barrier solver reach every cone through it.
//!
//! Adding a cone: a file here with the methods [`Lorentz`] has, a variant of [`ConeKind`] and
//! of [`Cone`] with their match arms below, and forward modes that select it
//! (`settings.rs`).

mod lorentz;
mod pyramid;
pub(crate) mod second_order;

pub use lorentz::Lorentz;
pub use pyramid::{Pyramid, pyramid_directions};

use crate::problem::{ContactRows, StepProblem};
use crate::settings::ForwardMode;
use clarabel::solver::SupportedConeT;
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};

/// Which friction cone a contact's impulse must lie in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConeKind {
    /// The Lorentz cone `μ λ_n ≥ ‖λ_t‖`.
    Lorentz,
    /// The pyramid with `nd` rays (its inner polyhedral approximation; two rays in planar
    /// scenes).
    Pyramid {
        /// Rays per pyramid (3-D scenes).
        nd: usize,
    },
}

impl ConeKind {
    /// The cone a forward mode's contacts use (pyramids of `nd` rays for the pyramid forms):
    /// the registration of each cone's forward modes.
    pub fn of_mode(mode: ForwardMode, nd: usize) -> ConeKind {
        match mode {
            ForwardMode::Socp | ForwardMode::LogBarrierCone => ConeKind::Lorentz,
            ForwardMode::Qp | ForwardMode::LogBarrierPyramid => ConeKind::Pyramid { nd },
        }
    }

    /// The cone on an `n_tangent`-dimensional tangent space (1 planar, 2 in 3-D).
    pub fn on(self, n_tangent: usize) -> Cone {
        match self {
            ConeKind::Lorentz => Cone::Lorentz(Lorentz { n_tangent }),
            ConeKind::Pyramid { nd } => Cone::Pyramid(Pyramid::new(n_tangent, nd)),
        }
    }
}

/// A cone kept between solves while its kind and tangent dimension stay the same: a pyramid
/// holds its rays, and building it for every step allocated them.
#[derive(Debug, Clone, Default)]
pub struct KeptCone(Option<(ConeKind, usize, Cone)>);

impl KeptCone {
    /// The cone `kind` on `n_tangent` tangent directions, built only when it changed.
    pub fn get(&mut self, kind: ConeKind, n_tangent: usize) -> &Cone {
        if !matches!(&self.0, Some((k, t, _)) if *k == kind && *t == n_tangent) {
            self.0 = None;
        }
        let (_, _, cone) = self
            .0
            .get_or_insert_with(|| (kind, n_tangent, kind.on(n_tangent)));
        cone
    }
}

/// A friction cone on a given tangent space, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub enum Cone {
    /// See [`Lorentz`].
    Lorentz(Lorentz),
    /// See [`Pyramid`].
    Pyramid(Pyramid),
}

/// The impulse thresholds of the mode rules (N s).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModeThresholds {
    /// At or below: no impulse ([`ACTIVE_IMPULSE_FRACTION`] of the step's force scale).
    pub active: f64,
    /// Active but below: near a switch ([`NEAR_SWITCH_IMPULSE_FRACTION`] of it).
    pub barely: f64,
}

impl ModeThresholds {
    /// The thresholds of a step with force scale `max(h, ‖b‖∞)`.
    pub fn of(problem: &StepProblem, h: f64) -> Self {
        let force_scale = problem.b.amax().max(h);
        ModeThresholds {
            active: ACTIVE_IMPULSE_FRACTION * force_scale,
            barely: NEAR_SWITCH_IMPULSE_FRACTION * force_scale,
        }
    }
}

impl Cone {
    /// Conic rows per contact.
    pub fn rows_per_contact(&self) -> usize {
        match self {
            Cone::Lorentz(cone) => cone.rows_per_contact(),
            Cone::Pyramid(cone) => cone.rows_per_contact(),
        }
    }

    /// The contact's conic rows as a map of `y = (J_n x + φ, J_t x)`: `s = P y`.
    pub fn row_map(&self, mu: f64) -> DMatrix<f64> {
        match self {
            Cone::Lorentz(cone) => cone.row_map(mu),
            Cone::Pyramid(cone) => cone.row_map(mu),
        }
    }

    /// Row r of [`Cone::row_map`], padded to 3 entries (the y-space of a contact has at most
    /// 3): no matrix built.
    pub fn row_map_row(&self, mu: f64, r: usize) -> Vector3<f64> {
        let mut row = Vector3::zeros();
        match self {
            Cone::Lorentz(_) if r == 0 => row[0] = 1.0,
            Cone::Lorentz(_) => row[r] = mu,
            Cone::Pyramid(cone) => {
                row[0] = 1.0;
                for (t, d) in cone.directions[r].iter().enumerate() {
                    row[1 + t] = mu * d;
                }
            }
        }
        row
    }

    /// The rows of [`Cone::row_map`] appended to `rows` ([`Cone::row_map_row`] each).
    pub fn row_map_rows(&self, mu: f64, rows: &mut Vec<Vector3<f64>>) {
        rows.extend((0..self.rows_per_contact()).map(|r| self.row_map_row(mu, r)));
    }

    /// Writes the contact's rows of Clarabel's `A x + s = b` from row `base`.
    pub fn clarabel_rows(
        &self,
        contact: &ContactRows,
        a: &mut DMatrix<f64>,
        b: &mut [f64],
        base: usize,
    ) {
        match self {
            Cone::Lorentz(cone) => cone.clarabel_rows(contact, a, b, base),
            Cone::Pyramid(cone) => cone.clarabel_rows(contact, a, b, base),
        }
    }

    /// Clarabel's cones for `contacts` contacts, in row order.
    pub fn clarabel_cones(&self, contacts: usize) -> Vec<SupportedConeT<f64>> {
        match self {
            Cone::Lorentz(cone) => cone.clarabel_cones(contacts),
            Cone::Pyramid(cone) => cone.clarabel_cones(contacts),
        }
    }

    /// The impulse `(λ_n, λ_t)` (N s) that one contact's duals z stand for.
    pub fn impulse(&self, z: &[f64], mu: f64) -> (f64, Vec<f64>) {
        match self {
            Cone::Lorentz(cone) => cone.impulse(z, mu),
            Cone::Pyramid(cone) => cone.impulse(z, mu),
        }
    }

    /// [`Cone::impulse`] into `out`, its vector overwritten in place.
    pub fn impulse_into(&self, z: &[f64], mu: f64, out: &mut (f64, Vec<f64>)) {
        match self {
            Cone::Lorentz(cone) => cone.impulse_into(z, mu, out),
            Cone::Pyramid(cone) => cone.impulse_into(z, mu, out),
        }
    }

    /// [`Cone::mode`] into `out` (a previous `Rows` keeps its vector); returns whether the
    /// contact is near a mode switch.
    pub fn mode_into(
        &self,
        z: &[f64],
        s: impl Fn(usize) -> f64,
        thresholds: ModeThresholds,
        out: &mut ContactMode,
    ) -> bool {
        match self {
            Cone::Lorentz(cone) => cone.mode_into(z, s, thresholds, out),
            Cone::Pyramid(cone) => cone.mode_into(z, s, thresholds, out),
        }
    }

    /// One contact's mode from its duals z and slacks `s(j)`, and whether it is near a switch.
    pub fn mode(
        &self,
        z: &[f64],
        s: impl Fn(usize) -> f64,
        thresholds: ModeThresholds,
    ) -> (ContactMode, bool) {
        let mut mode = ContactMode::Separated;
        let near = self.mode_into(z, s, thresholds, &mut mode);
        (mode, near)
    }

    /// Whether duals z or slacks s leave the cone (dual) or its feasible set (primal) by more
    /// than the tolerances `(dual, primal)`.
    pub fn violated(&self, z: &[f64], s: &DVector<f64>, tolerances: (f64, f64)) -> bool {
        match self {
            Cone::Lorentz(cone) => cone.violated(z, s, tolerances),
            Cone::Pyramid(cone) => cone.violated(z, s, tolerances),
        }
    }

    /// The log-barrier `B(y)` of the contact, or `None` outside its domain.
    #[inline]
    pub fn barrier_value(&self, y: &Vector3<f64>, mu: f64) -> Option<f64> {
        match self {
            Cone::Lorentz(cone) => cone.barrier_value(y, mu),
            Cone::Pyramid(cone) => cone.barrier_value(y, mu),
        }
    }

    /// `∇B` in y at a point of the domain (the first part of [`Self::barrier_derivatives`]).
    #[inline]
    pub fn barrier_gradient(&self, y: &Vector3<f64>, mu: f64) -> Vector3<f64> {
        match self {
            Cone::Lorentz(cone) => cone.barrier_gradient(y, mu),
            Cone::Pyramid(cone) => cone.barrier_derivatives(y, mu).0,
        }
    }

    /// The primal–dual weight M (`M y = λ`, symmetric positive definite) of a contact at y
    /// with impulse λ, both strictly inside: the Lorentz cone's Nesterov–Todd weight
    /// (`W² z = s` in the cone's scaled variables). `None` for a pyramid (its barrier has one dual per
    /// ray, which λ does not determine) or when y or λ is not strictly inside.
    #[inline]
    pub fn primal_dual_weight(
        &self,
        y: &Vector3<f64>,
        lambda: &Vector3<f64>,
        mu: f64,
    ) -> Option<Matrix3<f64>> {
        match self {
            Cone::Lorentz(cone) => cone.primal_dual_weight(y, lambda, mu),
            Cone::Pyramid(_) => None,
        }
    }

    /// `(∇B, ∇²B)` in y at a point of the domain (entries beyond 1 + n_t are zero).
    #[inline]
    pub fn barrier_derivatives(&self, y: &Vector3<f64>, mu: f64) -> (Vector3<f64>, Matrix3<f64>) {
        match self {
            Cone::Lorentz(cone) => cone.barrier_derivatives(y, mu),
            Cone::Pyramid(cone) => cone.barrier_derivatives(y, mu),
        }
    }
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

/// The row vector of a `Rows` mode, emptied, for reuse (an empty vector otherwise); `mode`
/// is left `Separated`.
fn take_rows(mode: &mut ContactMode) -> Vec<usize> {
    match std::mem::replace(mode, ContactMode::Separated) {
        ContactMode::Rows(mut rows) => {
            rows.clear();
            rows
        }
        _ => Vec::new(),
    }
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

/// Each contact's conic row map P ([`Cone::row_map`]).
pub fn conic_row_maps(problem: &StepProblem, cone: &Cone) -> Vec<DMatrix<f64>> {
    let mut maps = Vec::new();
    conic_row_maps_into(problem, cone, &mut maps, &mut Vec::new());
    maps
}

/// [`conic_row_maps`] into `maps`, overwriting its matrices in place (entries beyond the
/// contacts move to `spare`, and new ones come from it first).
pub(crate) fn conic_row_maps_into(
    problem: &StepProblem,
    cone: &Cone,
    maps: &mut Vec<DMatrix<f64>>,
    spare: &mut Vec<DMatrix<f64>>,
) {
    crate::reuse::resize_pooled(maps, problem.contacts.len(), spare, || DMatrix::zeros(0, 0));
    let dim = 1 + problem.n_tangent;
    let rows = cone.rows_per_contact();
    for (map, contact) in maps.iter_mut().zip(&problem.contacts) {
        if map.shape() != (rows, dim) {
            *map = DMatrix::zeros(rows, dim);
        }
        for r in 0..rows {
            let row = cone.row_map_row(contact.mu, r);
            for c in 0..dim {
                map[(r, c)] = row[c];
            }
        }
    }
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

/// Reads each contact's mode at (x, duals) by its cone's rule ([`Cone::mode`]), with the
/// thresholds of a step of time step `h`. `projections` holds each contact's conic row map P
/// ([`conic_row_maps`]).
pub fn read_modes(
    problem: &StepProblem,
    cone: &Cone,
    h: f64,
    (x, duals): (&DVector<f64>, &[f64]),
    projections: &[DMatrix<f64>],
) -> ModeReading {
    let mut reading = ModeReading::default();
    read_modes_into(problem, cone, h, (x, duals), projections, &mut reading);
    reading
}

/// [`read_modes`] into `reading`, its vectors overwritten in place.
pub fn read_modes_into(
    problem: &StepProblem,
    cone: &Cone,
    h: f64,
    (x, duals): (&DVector<f64>, &[f64]),
    projections: &[DMatrix<f64>],
    reading: &mut ModeReading,
) {
    let rows_per_contact = cone.rows_per_contact();
    let thresholds = ModeThresholds::of(problem, h);
    reading.active_contacts = 0;
    reading.near_mode_switch = false;
    reading
        .modes
        .resize(problem.contacts.len(), ContactMode::Separated);
    for (i, mode) in reading.modes.iter_mut().enumerate() {
        let z = &duals[i * rows_per_contact..(i + 1) * rows_per_contact];
        let (p, y) = (&projections[i], contact_y(problem, i, x));
        // Row j of s = P y.
        let s = |j: usize| (0..p.ncols()).map(|a| p[(j, a)] * y[a]).sum::<f64>();
        reading.near_mode_switch |= cone.mode_into(z, s, thresholds, mode);
        reading.active_contacts += usize::from(*mode != ContactMode::Separated);
    }
}
