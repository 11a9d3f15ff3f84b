//! Primal–dual interior-point iterations on the step's exact program (Mehrotra's
//! predictor–corrector with Nesterov–Todd scaling), the own exact solver's first path.
//!
//! The program is `min ½xᵀQx + bᵀx` with each contact's conic slacks `sᵢ = Pᵢ(Cᵢx + eᵢ)` in
//! its cone Kᵢ (P the cone's row map, [`crate::cone::conic_row_maps`]; the same rows and dual
//! convention as Clarabel's, [`super::conic`]): a second-order cone for `ConeKind::Lorentz`
//! (`s = (y₀, μ y_t)`), an orthant of one row per ray for pyramids. The optimality conditions
//! are `Qx + b = Σ Cᵢᵀ Pᵢᵀ zᵢ`, `sᵢ, zᵢ ∈ Kᵢ`, `sᵢ ∘ zᵢ = 0`.
//!
//! The iterations start infeasible (x = 0, s pushed inside its cone; no phase-1 start) and
//! keep s and z strictly inside. Each one factors `Q + Σ Cᵢᵀ (Pᵢᵀ Wᵢ² Pᵢ) Cᵢ` — the barrier
//! Newton method's Hessian structure, over the same non-zero columns of C — and solves with it
//! twice (predictor, corrector). It stops when the residuals and the duality measure are below
//! tolerances; the caller reads the modes off (s, z) and makes the answer exact by the
//! certified refinement, as it does for Clarabel's answers. Iterations at the benchmark
//! points: planar hand 3, Allegro hand 8 (SOCP) and 7 (QP); the barrier continuation took 13
//! and 23 Newton iterations (docs/dynamics.md, "The own exact solver").

use super::barrier::{add_congruence, columns_times};
use super::dense::DenseCholesky;
use crate::cone::second_order::{jordan_det, soc_scaling, soc_step_limit};
use crate::cone::{Cone, ConeKind, KeptCone};
use crate::problem::StepProblem;
use nalgebra::{DMatrix, DVector, Matrix3, Vector3};

/// Fraction of the way to the cones' boundary a step may go.
const TO_BOUNDARY: f64 = 0.99;

/// The same once the predictor step reached its target unhindered (a full affine step).
const FINAL_TO_BOUNDARY: f64 = 0.9999;

/// How deep inside its cone each slack starts, as a fraction of the largest |φ| (at least
/// 1 mm). Chosen on the built-in scenes (`examples/own_exact.rs`, 50 commands around each
/// benchmark point): against 1 (the whole largest gap), a tenth saved 1–3 iterations on
/// every scene but the 1-D pusher (planar hand 6 → 4, Allegro hand 13 → 10); 0.3 and 0.03
/// were slower.
const START_DEPTH: f64 = 0.1;

/// Iterations before giving up (the caller falls back).
const MAX_ITERATIONS: u32 = 50;

/// The stop: residuals of stationarity (relative to the larger of the force scale and the
/// contact impulses' generalized force) and of the slacks (relative to `1 + ‖x‖∞`) at most
/// this, and the duality measure `sᵀz / degree` at most this times the force scale times
/// [`GAP_LENGTH`]. The answer only has to tell the contacts' modes (the refinement makes it
/// exact), and tighter stops run into the ill-conditioning of the last iterations, where the
/// stationarity residual grows again (Allegro hand: from 8e-12 at a measure of 5e-11 to 2e-6
/// at 3e-18). Clarabel's default tolerances are 1e-8.
const TOLERANCE: f64 = 1e-8;

/// The length (m) that turns the force scale into the duality measure's scale. At the stop
/// (1e-10 F·m) a contact 0.1 mm apart carries an impulse of 1e-6 F, the modes' threshold for
/// an active contact ([`crate::cone::ACTIVE_IMPULSE_FRACTION`]); a nearer separated contact
/// may be read as active, and then the refinement's certificate declines (its multiplier
/// would pull) and the barrier continuation answers. Against 1e-3 it saved one iteration on
/// most scenes (Allegro hand 9 → 8) for the same share of certified steps
/// (`tests/own_exact.rs`: 399 against 400 of 420).
const GAP_LENGTH: f64 = 1e-2;

/// `u ∘ v` of the second-order cone: `(uᵀv, u₀ v_t + v₀ u_t)`.
fn soc_product(u: &[f64], v: &[f64], out: &mut [f64]) {
    out[0] = u.iter().zip(v).map(|(a, b)| a * b).sum();
    for k in 1..u.len() {
        out[k] = u[0] * v[k] + v[0] * u[k];
    }
}

/// The solution q of `λ ∘ q = r` (λ inside the second-order cone).
fn soc_arrow_solve(lambda: &[f64], r: &[f64], q: &mut [f64]) {
    let det = jordan_det(lambda);
    let tangential: f64 = lambda[1..].iter().zip(&r[1..]).map(|(l, v)| l * v).sum();
    q[0] = (lambda[0] * r[0] - tangential) / det;
    for k in 1..lambda.len() {
        q[k] = (r[k] - lambda[k] * q[0]) / lambda[0];
    }
}

/// One contact's fixed data: its columns of C and its cone's row map P (rows × 3, padded).
struct Block<'a> {
    columns: &'a [(usize, Vector3<f64>)],
    /// P's rows, padded to 3 entries.
    p: &'a [Vector3<f64>],
    phi: f64,
}

/// Every contact's [`Block`], as views over the problem and the kept row maps (building them
/// allocates nothing).
struct Blocks<'a> {
    problem: &'a StepProblem,
    p_rows: &'a [Vector3<f64>],
    rows: usize,
}

impl<'a> Blocks<'a> {
    fn iter(&self) -> impl Iterator<Item = Block<'a>> + Clone + 'a {
        let (problem, p_rows, rows) = (self.problem, self.p_rows, self.rows);
        problem
            .contacts
            .iter()
            .zip(problem.contact_columns().runs())
            .zip(p_rows.chunks_exact(rows.max(1)))
            .map(|((contact, columns), p)| Block {
                columns,
                p,
                phi: contact.phi,
            })
    }

    fn len(&self) -> usize {
        self.problem.contacts.len()
    }
}

impl Default for Scalings {
    fn default() -> Self {
        Scalings::Orthant(Vec::new())
    }
}

impl Block<'_> {
    /// `C v` for a vector on the variables.
    #[inline]
    fn along(&self, v: &DVector<f64>) -> Vector3<f64> {
        columns_times(self.columns, v)
    }

    /// `out += Cᵀ w` for a y-space vector w.
    #[inline]
    fn scatter(&self, w: &Vector3<f64>, out: &mut DVector<f64>) {
        for (i, column) in self.columns {
            out[*i] += column.dot(w);
        }
    }

    /// `Pᵀ t` for a cone-space vector t.
    #[inline]
    fn p_transpose(&self, t: &[f64]) -> Vector3<f64> {
        self.p
            .iter()
            .zip(t)
            .fold(Vector3::zeros(), |acc, (row, v)| acc + row * *v)
    }
}

/// The scaling of every block: second-order blocks' (W, W⁻¹); orthant rows' `√(z/s)`.
#[derive(Debug)]
enum Scalings {
    SecondOrder(Vec<(Matrix3<f64>, Matrix3<f64>)>),
    Orthant(Vec<f64>),
}

/// A point of the iterations, as [`solve`] returns it.
#[derive(Debug, Clone)]
pub struct PrimalDualAnswer {
    /// The step's variables.
    pub x: DVector<f64>,
    /// The conic duals z, contact after contact (Clarabel's convention).
    pub z: Vec<f64>,
    /// Iterations taken.
    pub iterations: u32,
}

/// Runs the iterations on `problem` in cone `kind`. `None` when they do not reach the
/// tolerances (or a system cannot be factored): the caller falls back to the barrier
/// continuation.
pub fn solve(problem: &StepProblem, kind: ConeKind) -> Option<PrimalDualAnswer> {
    let mut work = PrimalDualWorkspace::default();
    let iterations = solve_in(problem, kind, &mut work)?;
    let (x, z) = work.answer();
    Some(PrimalDualAnswer {
        x: x.clone(),
        z: z.to_vec(),
        iterations,
    })
}

/// The iterations' storage, kept between solves (a step workspace holds one): a solve of the
/// size of the previous one allocates nothing.
#[derive(Debug, Default)]
pub struct PrimalDualWorkspace {
    /// The cone of the last solve, with what it was built for.
    cone: KeptCone,
    /// Every contact's row map P, rows padded to 3 entries, contact after contact.
    p_rows: Vec<Vector3<f64>>,
    iterate: Iterate,
    work: Work,
}

impl PrimalDualWorkspace {
    /// The last successful solve's x and z ([`solve_in`]).
    pub fn answer(&self) -> (&DVector<f64>, &[f64]) {
        (&self.iterate.x, &self.iterate.z)
    }
}

/// [`solve`] with kept storage: the answer stays in `workspace` ([`PrimalDualWorkspace::answer`]);
/// returns the iterations taken, `None` as [`solve`].
pub fn solve_in(
    problem: &StepProblem,
    kind: ConeKind,
    workspace: &mut PrimalDualWorkspace,
) -> Option<u32> {
    let PrimalDualWorkspace {
        cone,
        p_rows,
        iterate,
        work,
    } = workspace;
    let cone = cone.get(kind, problem.n_tangent);
    let second_order = matches!(cone, Cone::Lorentz(_));
    let n = problem.var_to_v.len();
    let rows = cone.rows_per_contact();
    p_rows.clear();
    for contact in &problem.contacts {
        cone.row_map_rows(contact.mu, p_rows);
    }
    let blocks = Blocks {
        problem,
        p_rows,
        rows,
    };
    let contacts = blocks.len();
    let m = contacts * rows;
    let degree = if second_order {
        2.0 * contacts as f64
    } else {
        m as f64
    };
    let force_scale = problem.b.amax().max(1e-12);
    let gap_tolerance = TOLERANCE * force_scale * GAP_LENGTH;
    iterate.start(problem, &blocks, second_order, force_scale);
    work.prepare(n, m, contacts, second_order);
    for iteration in 0..=MAX_ITERATIONS {
        let measure = iterate.residuals(problem, &blocks, rows, work) / degree;
        let x_scale = 1.0 + iterate.x.amax();
        let slack_residual = work.r_s.iter().fold(0.0f64, |acc, v| acc.max(v.abs()));
        // Stationarity balances Qx + b against the contact impulses: its round-off grows with
        // them (and with the scaled system's conditioning near the end).
        let stationarity_scale = force_scale.max(work.contact_force.amax());
        if work.r_x.amax() <= TOLERANCE * stationarity_scale
            && slack_residual <= TOLERANCE * x_scale
            && measure <= gap_tolerance
        {
            return Some(iteration);
        }
        if iteration == MAX_ITERATIONS || !measure.is_finite() {
            return None;
        }
        iterate.step(problem, &blocks, rows, measure, work)?;
    }
    None
}

/// The iterations' storage, sized by [`Work::prepare`] and kept between solves.
#[derive(Debug, Default)]
struct Work {
    r_x: DVector<f64>,
    contact_force: DVector<f64>,
    r_s: Vec<f64>,
    matrix: DMatrix<f64>,
    factor: DenseCholesky,
    scalings: Scalings,
    lambda: Vec<f64>,
    r_c: Vec<f64>,
    q: Vec<f64>,
    dx: DVector<f64>,
    ds: Vec<f64>,
    dz: Vec<f64>,
    ds_affine: Vec<f64>,
    dz_affine: Vec<f64>,
}

impl Work {
    /// Sizes the storage for n variables, m conic rows over `contacts` contacts (allocating
    /// only when a size changed) and resets the scalings.
    fn prepare(&mut self, n: usize, m: usize, contacts: usize, second_order: bool) {
        for vector in [&mut self.r_x, &mut self.contact_force, &mut self.dx] {
            if vector.len() != n {
                *vector = DVector::zeros(n);
            }
        }
        if self.matrix.shape() != (n, n) {
            self.matrix = DMatrix::zeros(n, n);
        }
        for rows in [
            &mut self.r_s,
            &mut self.lambda,
            &mut self.r_c,
            &mut self.q,
            &mut self.ds,
            &mut self.dz,
            &mut self.ds_affine,
            &mut self.dz_affine,
        ] {
            rows.clear();
            rows.resize(m, 0.0);
        }
        match (&mut self.scalings, second_order) {
            (Scalings::SecondOrder(blocks), true) => {
                blocks.clear();
                blocks.resize(contacts, (Matrix3::identity(), Matrix3::identity()));
            }
            (Scalings::Orthant(rows), false) => {
                rows.clear();
                rows.resize(m, 1.0);
            }
            (scalings, true) => {
                *scalings = Scalings::SecondOrder(vec![
                    (Matrix3::identity(), Matrix3::identity());
                    contacts
                ]);
            }
            (scalings, false) => *scalings = Scalings::Orthant(vec![1.0; m]),
        }
    }
}

/// The primal–dual point (x, s, z).
#[derive(Debug)]
struct Iterate {
    x: DVector<f64>,
    s: Vec<f64>,
    z: Vec<f64>,
    second_order: bool,
}

impl Default for Iterate {
    fn default() -> Self {
        Iterate {
            x: DVector::zeros(0),
            s: Vec::new(),
            z: Vec::new(),
            second_order: false,
        }
    }
}

impl Iterate {
    /// x = 0; s = P e pushed at least a length scale inside its cone; z on the central path
    /// of s at a duality measure of force scale × length scale. The length scale is
    /// [`START_DEPTH`] times the largest |φ| (at least 1 mm).
    fn start(
        &mut self,
        problem: &StepProblem,
        blocks: &Blocks<'_>,
        second_order: bool,
        force_scale: f64,
    ) {
        let (n, rows) = (problem.var_to_v.len(), blocks.rows);
        let length_scale = problem
            .contacts
            .iter()
            .map(|c| c.phi.abs())
            .fold(1e-3, f64::max)
            * START_DEPTH;
        let measure = force_scale * length_scale;
        if self.x.len() != n {
            self.x = DVector::zeros(n);
        }
        self.x.as_mut_slice().fill(0.0);
        self.second_order = second_order;
        let (s, z) = (&mut self.s, &mut self.z);
        s.clear();
        s.resize(blocks.len() * rows, 0.0);
        z.clear();
        z.resize(blocks.len() * rows, 0.0);
        for ((block, si), zi) in blocks
            .iter()
            .zip(s.chunks_exact_mut(rows))
            .zip(z.chunks_exact_mut(rows))
        {
            for (value, row) in si.iter_mut().zip(block.p) {
                *value = row[0] * block.phi;
            }
            if second_order {
                let tangential = si[1..].iter().map(|t| t * t).sum::<f64>().sqrt();
                let inside = si[0] - tangential;
                if inside < length_scale {
                    si[0] += length_scale - inside;
                }
                // z = 2μ s⁻¹ = 2μ J s / det s.
                let det = jordan_det(si);
                zi[0] = 2.0 * measure * si[0] / det;
                for k in 1..rows {
                    zi[k] = -2.0 * measure * si[k] / det;
                }
            } else {
                for (sv, zv) in si.iter_mut().zip(zi.iter_mut()) {
                    *sv = sv.max(length_scale);
                    *zv = measure / *sv;
                }
            }
        }
    }

    /// Writes `r_x = Qx + b − Σ Cᵀ Pᵀ z` and `r_s = s − P(Cx + e)`, and the contact
    /// impulses' generalized force `Σ Cᵀ Pᵀ z` (the scale stationarity is measured against);
    /// returns `sᵀz`.
    fn residuals(
        &self,
        problem: &StepProblem,
        blocks: &Blocks<'_>,
        rows: usize,
        work: &mut Work,
    ) -> f64 {
        work.contact_force.as_mut_slice().fill(0.0);
        for (i, block) in blocks.iter().enumerate() {
            let w = block.p_transpose(&self.z[i * rows..(i + 1) * rows]);
            block.scatter(&w, &mut work.contact_force);
        }
        work.r_x.gemv(1.0, &problem.q_matrix, &self.x, 0.0);
        work.r_x += &problem.b;
        work.r_x -= &work.contact_force;
        for (i, block) in blocks.iter().enumerate() {
            let range = i * rows..(i + 1) * rows;
            let y = block.along(&self.x) + Vector3::new(block.phi, 0.0, 0.0);
            for ((r, s), row) in work.r_s[range.clone()]
                .iter_mut()
                .zip(&self.s[range])
                .zip(block.p)
            {
                *r = s - row.dot(&y);
            }
        }
        self.s.iter().zip(&self.z).map(|(a, b)| a * b).sum()
    }

    /// One predictor–corrector iteration at duality measure `measure`.
    fn step(
        &mut self,
        problem: &StepProblem,
        blocks: &Blocks<'_>,
        rows: usize,
        measure: f64,
        work: &mut Work,
    ) -> Option<()> {
        self.scale_and_factor(problem, blocks, rows, work)?;
        // Predictor: λ ∘ (W ds + W⁻¹ dz) = −λ ∘ λ.
        for (r_c, lambda) in work
            .r_c
            .chunks_exact_mut(rows)
            .zip(work.lambda.chunks_exact(rows))
        {
            self.square(lambda, r_c);
            r_c.iter_mut().for_each(|v| *v = -*v);
        }
        self.directions(blocks, rows, work);
        std::mem::swap(&mut work.ds, &mut work.ds_affine);
        std::mem::swap(&mut work.dz, &mut work.dz_affine);
        let alpha_affine = self
            .step_limit(rows, &work.ds_affine, &work.dz_affine)
            .min(1.0);
        let gap_affine: f64 = (0..self.s.len())
            .map(|k| {
                (self.s[k] + alpha_affine * work.ds_affine[k])
                    * (self.z[k] + alpha_affine * work.dz_affine[k])
            })
            .sum();
        let gap: f64 = self.s.iter().zip(&self.z).map(|(a, b)| a * b).sum();
        let sigma = (gap_affine / gap).clamp(0.0, 1.0).powi(3);
        let target = sigma * measure;
        // Corrector: r_c = σμ e − λ∘λ − (W ds_aff) ∘ (W⁻¹ dz_aff).
        for i in 0..blocks.len() {
            let range = i * rows..(i + 1) * rows;
            match &work.scalings {
                Scalings::SecondOrder(scalings) => {
                    let (w, w_inverse) = &scalings[i];
                    let scaled_ds = w * padded(&work.ds_affine[range.clone()]);
                    let scaled_dz = w_inverse * padded(&work.dz_affine[range.clone()]);
                    let mut second = [0.0; 3];
                    soc_product(
                        &scaled_ds.as_slice()[..rows],
                        &scaled_dz.as_slice()[..rows],
                        &mut second[..rows],
                    );
                    let r_c = &mut work.r_c[range];
                    for (value, extra) in r_c.iter_mut().zip(&second) {
                        *value -= extra;
                    }
                    // The centre of a second-order block is `s ∘ z = 2μ e` (degree 2).
                    r_c[0] += 2.0 * target;
                }
                Scalings::Orthant(_) => {
                    for k in range {
                        work.r_c[k] += target - work.ds_affine[k] * work.dz_affine[k];
                    }
                }
            }
        }
        self.directions(blocks, rows, work);
        // Where the predictor reached its target without meeting a cone's boundary (the last,
        // nearly linear iterations), the corrector may go nearer the boundary.
        let fraction = if alpha_affine >= 0.99 {
            FINAL_TO_BOUNDARY
        } else {
            TO_BOUNDARY
        };
        let alpha = (fraction * self.step_limit(rows, &work.ds, &work.dz)).min(1.0);
        self.x.axpy(alpha, &work.dx, 1.0);
        for k in 0..self.s.len() {
            self.s[k] += alpha * work.ds[k];
            self.z[k] += alpha * work.dz[k];
        }
        Some(())
    }

    /// `λ ∘ λ` of one block.
    fn square(&self, lambda: &[f64], out: &mut [f64]) {
        if self.second_order {
            soc_product(lambda, lambda, out);
        } else {
            for (o, l) in out.iter_mut().zip(lambda) {
                *o = l * l;
            }
        }
    }

    /// The scalings, λ, and the factor of `Q + Σ Cᵀ (Pᵀ W² P) C`.
    fn scale_and_factor(
        &self,
        problem: &StepProblem,
        blocks: &Blocks<'_>,
        rows: usize,
        work: &mut Work,
    ) -> Option<()> {
        let n = work.matrix.nrows();
        work.matrix.copy_from(&problem.q_matrix);
        let entries = work.matrix.as_mut_slice();
        for (i, block) in blocks.iter().enumerate() {
            let range = i * rows..(i + 1) * rows;
            let (s, z) = (&self.s[range.clone()], &self.z[range.clone()]);
            // The y-space metric Pᵀ W² P.
            let metric = match &mut work.scalings {
                Scalings::SecondOrder(scalings) => {
                    let (w, w_inverse) = soc_scaling(s, z);
                    let lambda = w * padded(s);
                    unpad(&lambda, &mut work.lambda[range]);
                    scalings[i] = (w, w_inverse);
                    // A second-order block's row map is diagonal (1, μ, …): Pᵀ W² P scales
                    // W²'s entries by the diagonal's products.
                    let w2 = w * w;
                    let diagonal =
                        Vector3::from_fn(|a, _| block.p.get(a).map_or(0.0, |row| row[a]));
                    w2.component_mul(&(diagonal * diagonal.transpose()))
                }
                Scalings::Orthant(ratios) => {
                    let mut metric = Matrix3::zeros();
                    for (k, row) in range.zip(block.p) {
                        let ratio = self.z[k] / self.s[k];
                        ratios[k] = ratio.sqrt();
                        work.lambda[k] = (self.s[k] * self.z[k]).sqrt();
                        metric += row * row.transpose() * ratio;
                    }
                    metric
                }
            };
            add_congruence(block.columns, &metric, entries, n);
        }
        work.factor.factor_or_shift(&work.matrix).map(|_| ())
    }

    /// Directions (dx, ds, dz) for the complementarity right-hand side `work.r_c`:
    /// `W ds + W⁻¹ dz = q` with `λ ∘ q = r_c`, so `dz = W q − W² ds`, `ds = P C dx − r_s` and
    /// `(Q + Σ Cᵀ Pᵀ W² P C) dx = −r_x + Σ Cᵀ Pᵀ (W q + W² r_s)`.
    fn directions(&self, blocks: &Blocks<'_>, rows: usize, work: &mut Work) {
        work.dx.copy_from(&work.r_x);
        work.dx.as_mut_slice().iter_mut().for_each(|v| *v = -*v);
        for (i, block) in blocks.iter().enumerate() {
            let range = i * rows..(i + 1) * rows;
            // Pᵀ (W q + W² r_s) in y-space.
            let w = match &work.scalings {
                Scalings::SecondOrder(scalings) => {
                    let (w, _) = &scalings[i];
                    soc_arrow_solve(
                        &work.lambda[range.clone()],
                        &work.r_c[range.clone()],
                        &mut work.q[range.clone()],
                    );
                    let q = padded(&work.q[range.clone()]);
                    let r_s = padded(&work.r_s[range.clone()]);
                    let value = w * (q + w * r_s);
                    block.p_transpose(&value.as_slice()[..rows])
                }
                Scalings::Orthant(ratios) => {
                    let mut w = Vector3::zeros();
                    for (row, k) in block.p.iter().zip(range.clone()) {
                        work.q[k] = work.r_c[k] / work.lambda[k];
                        w += row * (ratios[k] * (work.q[k] + ratios[k] * work.r_s[k]));
                    }
                    w
                }
            };
            block.scatter(&w, &mut work.dx);
        }
        work.factor.solve_mut(&mut work.dx);
        for (i, block) in blocks.iter().enumerate() {
            let range = i * rows..(i + 1) * rows;
            let c_dx = block.along(&work.dx);
            for ((ds, r_s), row) in work.ds[range.clone()]
                .iter_mut()
                .zip(&work.r_s[range.clone()])
                .zip(block.p)
            {
                *ds = row.dot(&c_dx) - r_s;
            }
            match &work.scalings {
                Scalings::SecondOrder(scalings) => {
                    let (w, _) = &scalings[i];
                    let q = padded(&work.q[range.clone()]);
                    let ds = padded(&work.ds[range.clone()]);
                    let dz = w * (q - w * ds);
                    unpad(&dz, &mut work.dz[range]);
                }
                Scalings::Orthant(ratios) => {
                    for k in range {
                        work.dz[k] = ratios[k] * (work.q[k] - ratios[k] * work.ds[k]);
                    }
                }
            }
        }
    }

    /// The largest step (capped at 1e6) keeping s + α ds and z + α dz inside their cones.
    fn step_limit(&self, rows: usize, ds: &[f64], dz: &[f64]) -> f64 {
        let mut alpha: f64 = 1e6;
        if self.second_order {
            for (((s, z), ds), dz) in self
                .s
                .chunks_exact(rows)
                .zip(self.z.chunks_exact(rows))
                .zip(ds.chunks_exact(rows))
                .zip(dz.chunks_exact(rows))
            {
                alpha = soc_step_limit(s, ds, alpha);
                alpha = soc_step_limit(z, dz, alpha);
            }
        } else {
            for k in 0..self.s.len() {
                if ds[k] < 0.0 {
                    alpha = alpha.min(-self.s[k] / ds[k]);
                }
                if dz[k] < 0.0 {
                    alpha = alpha.min(-self.z[k] / dz[k]);
                }
            }
        }
        alpha
    }
}

/// A block's entries (≤ 3) as a 3-vector, zero-padded. (Element by element: a slice copy of
/// two or three entries compiles to a call of `memcpy`, which cost more than the arithmetic.)
#[inline]
fn padded(v: &[f64]) -> Vector3<f64> {
    let mut out = Vector3::zeros();
    for (o, value) in out.iter_mut().zip(v) {
        *o = *value;
    }
    out
}

/// Writes a 3-vector's first `out.len()` entries into `out` (element by element, as
/// [`padded`]).
#[inline]
fn unpad(v: &Vector3<f64>, out: &mut [f64]) {
    for (o, value) in out.iter_mut().zip(v.iter()) {
        *o = *value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arrow_solve_inverts_the_jordan_product() {
        let lambda = [2.0, 0.5, -0.7];
        let r = [0.3, 1.0, -2.0];
        let mut q = [0.0; 3];
        soc_arrow_solve(&lambda, &r, &mut q);
        let mut back = [0.0; 3];
        soc_product(&lambda, &q, &mut back);
        for k in 0..3 {
            assert!((back[k] - r[k]).abs() < 1e-12);
        }
    }
}
