//! How the step's program changes with the configuration, at a fixed decision variable x:
//! ∂(Qx + b)/∂q, and per contact ∂C_i/∂q where `C_i = [J_n; J_t]` (on the free variables).
//!
//! All rates are taken along tangent directions of q (one per velocity coordinate,
//! `q ⊕ s e_k`), which is where A_v lives; the chain rule to q coordinates comes later.
//!
//! - ∂φ/∂q is J_n (exact: the envelope theorem on the witness points), so it is not computed
//!   here.
//! - ∂b/∂q_a = h K on the actuated rows (exact).
//! - ∂C_i/∂q: the kinematic part (how the joints' velocity fields change) is exact; the
//!   geometric part (how the normal and witness points move, which involves the surfaces'
//!   curvature) comes from the geometry layer's [`PairRate`]: one linearisation per contact
//!   under rigid motions of its two shapes (closed form for sphere pairs, else central
//!   differences of that pair's signed distance alone), applied to each coordinate's twist.
//! - The change of the objects' mass matrix and gravity forces with their orientation is a
//!   central difference of the mass terms at `q ⊕ ±s e_k`, without solving anything.

use crate::error::DynamicsError;
use crate::problem::{MassScratch, StepProblem, object_mass_and_gravity, scene_mass_scale};
use crate::settings::StepSettings;
use nalgebra::{DMatrix, DVector, Point3, Vector3};
use qd_geometry::kinematics::{JointKind, KinematicsCache, LinkId};
use qd_geometry::manifold::contact_shapes;
use qd_geometry::scene::Scene;
use qd_geometry::{ContactQuery, PairRate, Twist, tangent_basis, tangent_basis_jacobian};

/// Central-difference step along each tangent coordinate (m or rad) for the objects' mass
/// terms. The error is ~1e-10 relative from round-off and ~s² from truncation.
pub const GEOMETRY_DIFFERENCE_STEP: f64 = 1e-6;

/// The rates of one step's program with respect to q (tangent coordinates, n_v columns).
///
/// The contact rates are stored compactly: for contact i and each coordinate k that moves it,
/// ∂C_i/∂q_k restricted to the variables that move the contact (its other columns are zero),
/// together with its product with the x the rates were computed at.
#[derive(Debug, Default)]
pub struct ProblemRates {
    /// ∂(Qx + b)/∂q at fixed x: n × n_v (n free variables).
    pub force: DMatrix<f64>,
    /// Per contact, the free variables (column indices) that move it: outside them its rows
    /// of C and of every ∂C/∂q_k are zero.
    pub columns: Vec<Vec<usize>>,
    /// Per contact, the velocity coordinates that move it (the k with a rate).
    pub moving: Vec<Vec<usize>>,
    /// `rate_slot[i · n_v + k]`: the position of k in `moving[i]`, or `NO_RATE`.
    rate_slot: Vec<usize>,
    /// Per contact, where its blocks start in `values` and its slots in `times_x`.
    starts: Vec<(usize, usize)>,
    /// The entries of every ∂C_i/∂q_k, contact by contact, slot by slot, each block
    /// `dim × columns[i].len()` column-major.
    values: Vec<f64>,
    /// (∂C_i/∂q_k) x per contact and slot (entries past `dim` are zero).
    times_x: Vec<Vector3<f64>>,
    /// Rows per contact: 1 + n_t.
    dim: usize,
    n_v: usize,
    scratch: Scratch,
}

/// Marks a (contact, coordinate) without a rate in [`ProblemRates`]'s slot table.
const NO_RATE: usize = usize::MAX;

/// ∂C_i/∂q_k of one contact and coordinate, on the variables that move the contact.
#[derive(Debug, Clone, Copy)]
pub struct ContactRate<'a> {
    /// The variables (column indices of C) the entries belong to.
    pub columns: &'a [usize],
    /// `dim × columns.len()`, column-major.
    values: &'a [f64],
    /// This rate times the x the rates were computed at.
    times_x: Vector3<f64>,
    dim: usize,
}

impl ContactRate<'_> {
    /// The rows (1 + n_t) of the column for `columns[index]`.
    pub fn column(&self, index: usize) -> &[f64] {
        &self.values[index * self.dim..(index + 1) * self.dim]
    }

    /// (∂C/∂q_k) x at the x of [`ProblemRates::compute`] (entries past 1 + n_t are zero).
    pub fn times_x(&self) -> Vector3<f64> {
        self.times_x
    }

    /// Calls `f(c, (∂C/∂q_k)ᵀ v [c])` for each variable c that moves the contact.
    pub fn for_each_transpose_times(&self, v: &[f64], mut f: impl FnMut(usize, f64)) {
        for (index, &c) in self.columns.iter().enumerate() {
            let value = self
                .column(index)
                .iter()
                .zip(v)
                .map(|(entry, weight)| entry * weight)
                .sum();
            f(c, value);
        }
    }
}

#[derive(Debug, Default)]
struct Scratch {
    nominal: KinematicsCache,
    mass: DMatrix<f64>,
    tau: DVector<f64>,
    jacobians: MassScratch,
    object_force: DVector<f64>,
    varying_object_links: Vec<LinkId>,
    moving: Vec<usize>,
    per_contact: ContactScratch,
}

/// What every contact's rates read.
struct RateContext<'a> {
    scene: &'a Scene,
    problem: &'a StepProblem,
    /// Kinematics at q.
    nominal: &'a KinematicsCache,
    /// The program's variables the rates are multiplied with.
    x: &'a DVector<f64>,
}

/// Buffers of [`contact_rates`], reused from contact to contact.
#[derive(Debug, Default)]
struct ContactScratch {
    moving_a: Vec<usize>,
    moving_b: Vec<usize>,
    /// Per velocity coordinate: whether it moves A, B (lookups instead of list scans).
    moves_a: Vec<bool>,
    moves_b: Vec<bool>,
    columns: Vec<Column>,
}

/// Whether a body's contribution to M and τ is the same at every configuration: it hangs
/// directly under the world with its centre of mass at its joint's origin, and either its
/// rotational inertia is isotropic (a homogeneous sphere) or its joint only turns it about
/// one fixed world axis (planar) or not at all (prismatic), so that the inertia it shows
/// along its velocity coordinates never changes.
fn mass_is_configuration_independent(scene: &Scene, link: LinkId) -> bool {
    let tree = scene.tree();
    let inertia = &tree.links()[link].inertia;
    let Some(joint) = tree.links()[link].parent_joint.map(|j| &tree.joints()[j]) else {
        return true;
    };
    let under_world = joint.parent == qd_geometry::kinematics::MultibodyTree::WORLD;
    let r = &inertia.rotational;
    let isotropic = (r - nalgebra::Matrix3::identity() * r[(0, 0)]).amax() <= 1e-12 * r.amax();
    let fixed_axis = matches!(
        joint.kind,
        JointKind::Planar { .. } | JointKind::Prismatic { .. }
    );
    under_world && inertia.com.coords.amax() == 0.0 && (isotropic || fixed_axis)
}

impl ProblemRates {
    /// ∂C_i/∂q_k, or `None` when coordinate k does not move contact i.
    pub fn contact_rate(&self, contact: usize, k: usize) -> Option<ContactRate<'_>> {
        let slot = *self.rate_slot.get(contact * self.n_v + k)?;
        if slot == NO_RATE {
            return None;
        }
        let (values_start, slots_start) = self.starts[contact];
        let block = self.dim * self.columns[contact].len();
        let start = values_start + slot * block;
        Some(ContactRate {
            columns: &self.columns[contact],
            values: &self.values[start..start + block],
            times_x: self.times_x[slots_start + slot],
            dim: self.dim,
        })
    }

    /// Computes every rate at (q, x). `query` is used as scratch for the perturbed poses.
    ///
    /// # Errors
    /// A distance query failing at a perturbed configuration.
    pub fn compute(
        &mut self,
        scene: &Scene,
        settings: &StepSettings,
        query: &mut ContactQuery,
        problem: &StepProblem,
        q: &[f64],
        x: &DVector<f64>,
    ) -> Result<(), DynamicsError> {
        let tree = scene.tree();
        let n_v = tree.nv();
        let n = problem.var_to_v.len();
        let n_a = scene.split().actuated.len();
        let dim = 1 + problem.n_tangent;
        let contacts = &problem.contacts;
        self.n_v = n_v;
        self.dim = dim;
        resize_matrix(&mut self.force, n, n_v);
        self.rate_slot.clear();
        self.rate_slot.resize(contacts.len() * n_v, NO_RATE);
        self.starts.clear();

        // Actuated rows: b_i = −h K_i (u_i − q_i).
        let h = settings.h;
        for (i, &k) in scene.split().stiffness.iter().enumerate() {
            self.force[(i, problem.var_to_v[i])] += h * k;
        }
        // Only objects whose mass matrix or gravity force can change with q need differencing.
        let objects_are_variables = n > n_a;
        let varying_object_links = &mut self.scratch.varying_object_links;
        varying_object_links.clear();
        if objects_are_variables {
            varying_object_links.extend(
                scene
                    .objects()
                    .iter()
                    .filter(|object| !mass_is_configuration_independent(scene, object.link))
                    .map(|object| object.link),
            );
        }

        self.lay_out_contacts(scene, problem);

        let step = GEOMETRY_DIFFERENCE_STEP;
        let scratch = &mut self.scratch;
        // The poses at q itself, from which every displaced configuration is derived.
        scratch.nominal.update(tree, q)?;
        let context = RateContext {
            scene,
            problem,
            nominal: &scratch.nominal,
            x,
        };
        for (i, rows) in contacts.iter().enumerate() {
            let (values_start, slots_start) = self.starts[i];
            let slots = self.moving[i].len();
            let block = dim * self.columns[i].len();
            contact_rates(
                &context,
                &mut scratch.per_contact,
                rows,
                (&self.columns[i], &self.moving[i]),
                &mut self.values[values_start..values_start + slots * block],
                &mut self.times_x[slots_start..slots_start + slots],
            )?;
        }

        // The objects' mass and gravity terms, by differences of the displaced kinematics.
        for k in 0..n_v {
            let moves_object = scratch
                .varying_object_links
                .iter()
                .any(|&link| tree.coordinate_moves_link(k, link));
            if !moves_object {
                continue;
            }
            for sign in [1.0, -1.0] {
                let weight = sign / (2.0 * step);
                scratch
                    .nominal
                    .displaced(tree, k, sign * step, &mut query.kinematics);
                query.update_geometry_poses(scene);
                object_force(scene, settings, query, problem, x, scratch)?;
                for r in n_a..n {
                    self.force[(r, k)] += weight * scratch.object_force[r - n_a];
                }
            }
        }
        Ok(())
    }

    /// For every contact: the variables (columns of C) and the coordinates that move it, and
    /// where its rates start in `values` and `times_x` (sized here).
    fn lay_out_contacts(&mut self, scene: &Scene, problem: &StepProblem) {
        let tree = scene.tree();
        let (n_v, dim) = (self.n_v, self.dim);
        let contacts = &problem.contacts;
        let moving = &mut self.scratch.moving;
        let (mut values_len, mut slots_len) = (0, 0);
        self.columns.resize_with(contacts.len(), Vec::new);
        self.moving.resize_with(contacts.len(), Vec::new);
        for (i, rows) in contacts.iter().enumerate() {
            let (ga, gb) = rows.geometries;
            moving.clear();
            tree.coordinates_moving_link(scene.geometries()[ga].link, moving);
            tree.coordinates_moving_link(scene.geometries()[gb].link, moving);
            let columns = &mut self.columns[i];
            columns.clear();
            columns.extend(
                problem
                    .var_to_v
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| moving.contains(v)) // once per contact and step
                    .map(|(c, _)| c),
            );
            let contact_moving = &mut self.moving[i];
            contact_moving.clear();
            for &k in moving.iter() {
                if self.rate_slot[i * n_v + k] == NO_RATE {
                    self.rate_slot[i * n_v + k] = contact_moving.len();
                    contact_moving.push(k);
                }
            }
            self.starts.push((values_len, slots_len));
            values_len += dim * columns.len() * contact_moving.len();
            slots_len += contact_moving.len();
        }
        // Every entry is written below: no need to clear.
        self.values.resize(values_len, 0.0);
        self.times_x.resize(slots_len, Vector3::zeros());
    }
}

/// The contact's variables as `compute` listed them (the layout of `values`), each moving A,
/// B or both, with the fields of its coordinate at the witness points, into
/// `buffers.columns`; which coordinates move each body into `buffers.moves_a` / `moves_b`.
fn fill_columns(
    context: &RateContext<'_>,
    buffers: &mut ContactScratch,
    (la, lb): (LinkId, LinkId),
    contact_columns: &[usize],
    (p_a, p_b): (&Point3<f64>, &Point3<f64>),
) {
    let RateContext {
        scene,
        problem,
        nominal,
        ..
    } = context;
    let tree = scene.tree();
    let ContactScratch {
        moving_a,
        moving_b,
        moves_a,
        moves_b,
        columns,
    } = buffers;
    for (link, moving, moves) in [
        (la, &mut *moving_a, &mut *moves_a),
        (lb, &mut *moving_b, &mut *moves_b),
    ] {
        moving.clear();
        tree.coordinates_moving_link(link, moving);
        moves.clear();
        moves.resize(tree.nv(), false);
        for &k in moving.iter() {
            moves[k] = true;
        }
    }
    columns.clear();
    // The contact's variables as `compute` listed them (the layout of `values`), each moving
    // A, B or both.
    columns.extend(contact_columns.iter().map(|&c| {
        let v = problem.var_to_v[c];
        let on_a = moves_a[v].then(|| nominal.coordinate_field(tree, v, p_a));
        let on_b = moves_b[v].then(|| nominal.coordinate_field(tree, v, p_b));
        let linear = |f: Option<(Vector3<f64>, Vector3<f64>)>| f.map_or(Vector3::zeros(), |f| f.1);
        Column {
            c,
            v,
            jc: linear(on_b) - linear(on_a),
            omega_a: on_a.map(|f| f.0),
            omega_b: on_b.map(|f| f.0),
        }
    }));
}

/// ∂C/∂q_k of one contact for every coordinate k that moves it, into `rates[k]`.
///
/// With `C x = [n; T]ᵀ (V_B(p_B) − V_A(p_A))`, where `V_X(p) = Σ_j x_j S_j(p)` is body X's
/// velocity field (S_j the rigid field of coordinate j), the column of variable j is
///
/// ```text
/// ∂(C e_j)/∂q_k = [∂n; ∂T]ᵀ J_c,j + [n; T]ᵀ (R_B − R_A),
/// R_X = ∂S_j/∂q_k (p_X) + ω_j × ∂p_X/∂q_k      (terms present when j moves X)
/// ```
///
/// The kinematic part `∂S_j/∂q_k` is exact (the bracket of [`KinematicsCache::field_rate`],
/// evaluated here from fields computed once per contact); the geometric part (how the
/// normal, the tangents and the witness points move) is the pair's [`PairRate`] applied to
/// k's twist on each shape it moves.
fn contact_rates(
    context: &RateContext<'_>,
    buffers: &mut ContactScratch,
    rows: &crate::problem::ContactRows,
    (contact_columns, moving): (&[usize], &[usize]),
    values: &mut [f64],
    times_x: &mut [Vector3<f64>],
) -> Result<(), DynamicsError> {
    let RateContext {
        scene,
        problem,
        nominal,
        x,
    } = context;
    let tree = scene.tree();
    let (ga, gb) = rows.geometries;
    let (geometry_a, geometry_b) = (&scene.geometries()[ga], &scene.geometries()[gb]);
    let (la, lb) = (geometry_a.link, geometry_b.link);
    let pose_a = nominal.world_from_link[la] * geometry_a.link_from_geometry;
    let pose_b = nominal.world_from_link[lb] * geometry_b.link_from_geometry;
    // How the pair's normal and witnesses move under rigid motions of A and B: one
    // linearisation per contact, shared by every coordinate that moves it.
    // A manifold contact is the pair of its feature's ball and the other shape.
    let (shape_a, pose_a, shape_b, pose_b) = contact_shapes(
        rows.feature,
        &geometry_a.shape,
        &pose_a,
        &geometry_b.shape,
        &pose_b,
    )?;
    let pair_rate = PairRate::new(&shape_a, &pose_a, &shape_b, &pose_b)?;
    let nominal_distance = pair_rate.nominal;
    let (p_a, p_b) = (nominal_distance.witness_a, nominal_distance.witness_b);
    let n = nominal_distance.normal.into_inner();
    let tangents = tangent_basis(scene, &n);
    let n_t = problem.n_tangent;
    // The variables that move A or B, with their fields at the witness points.
    fill_columns(context, buffers, (la, lb), contact_columns, (&p_a, &p_b));
    let ContactScratch {
        moves_a,
        moves_b,
        columns,
        ..
    } = buffers;
    // The tangent basis is a function of n alone.
    let tangent_rates = tangent_basis_jacobian(scene, &n);
    let dim = 1 + n_t;
    let block = dim * columns.len();
    for ((&k, rate), rate_times_x) in moving
        .iter()
        .zip(values.chunks_exact_mut(block))
        .zip(times_x.iter_mut())
    {
        let (moves_a, moves_b) = (moves_a[k], moves_b[k]);
        // k's own field at the witness points: its twist, and the brackets of
        // KinematicsCache::field_rate below.
        let (omega_k, field_k_a) = nominal.coordinate_field(tree, k, &p_a);
        let field_k_b = nominal.coordinate_field(tree, k, &p_b).1;
        let twist_k = Twist::from_point_velocity(omega_k, &p_a, field_k_a);
        let pick = |moves: bool| if moves { twist_k } else { Twist::default() };
        let geometry_rates = pair_rate.apply(&pick(moves_a), &pick(moves_b));
        let dn = geometry_rates.normal;
        let dt = [tangent_rates[0] * dn, tangent_rates[1] * dn];
        let (dp_a, dp_b) = (geometry_rates.witness_a, geometry_rates.witness_b);
        // Row e (n, then the tangents) of column j is de·J_c,j + e·(R_B − R_A). By the triple
        // product e·R_X = ω_j·(dp_X × e) + [depends] (S_j(p_X)·(e × ω_k) − ω_j·(S_k(p_X) × e)),
        // and S_j(p_B) − S_j(p_A) = J_c,j, so with u = de + [depends] e × ω_k and
        // β_X = dp_X × e − [depends] S_k(p_X) × e the entry is
        // J_c,j·u + ω_j^B·β_B − ω_j^A·β_A: per k and e two variants (depends or not) of three
        // vectors, then a few dot products per column.
        let directions = [n, tangents[0], tangents[1]];
        let direction_rates = [dn, dt[0], dt[1]];
        // Filled in place: building the array with `std::array::from_fn` copied it around
        // (memcpy was ~8% of a step with A and B).
        let mut terms = [[DirectionTerms::default(); 2]; 3];
        for (row, variants) in terms.iter_mut().enumerate().take(dim) {
            let e = &directions[row];
            let plain = &mut variants[0];
            plain.along_jc = direction_rates[row];
            plain.on_b = dp_b.cross(e);
            plain.on_a = dp_a.cross(e);
            let plain = *plain;
            let bracket = &mut variants[1];
            bracket.along_jc = plain.along_jc + e.cross(&omega_k);
            bracket.on_b = plain.on_b - field_k_b.cross(e);
            bracket.on_a = plain.on_a - field_k_a.cross(e);
        }
        // Accumulated in a local: through the slice, every update went to memory.
        let mut times_x = Vector3::zeros();
        for (column, entries) in columns.iter().zip(rate.chunks_exact_mut(dim)) {
            let x_c = x[column.c];
            let depends = usize::from(tree.field_depends(k, column.v));
            for (row, variants) in terms.iter().enumerate().take(dim) {
                let DirectionTerms {
                    along_jc,
                    on_b,
                    on_a,
                } = &variants[depends];
                let mut value = column.jc.dot(along_jc);
                if let Some(omega_j) = &column.omega_b {
                    value += omega_j.dot(on_b);
                }
                if let Some(omega_j) = &column.omega_a {
                    value -= omega_j.dot(on_a);
                }
                entries[row] = value;
                times_x[row] += value * x_c;
            }
        }
        *rate_times_x = times_x;
    }
    Ok(())
}

/// For one coordinate k and projection direction e, what a column's data is dotted with:
/// its `J_c,j` with `along_jc`, its angular velocity on B with `on_b`, on A with `on_a`.
#[derive(Debug, Clone, Copy, Default)]
struct DirectionTerms {
    along_jc: Vector3<f64>,
    on_b: Vector3<f64>,
    on_a: Vector3<f64>,
}

/// One variable j that moves a contact: its column index, velocity index, its contribution
/// to J_c (`S_j(p_B) − S_j(p_A)`), and its angular velocity on each body it moves.
#[derive(Debug)]
struct Column {
    c: usize,
    v: usize,
    jc: Vector3<f64>,
    /// ω_j when j moves A.
    omega_a: Option<Vector3<f64>>,
    /// ω_j when j moves B.
    omega_b: Option<Vector3<f64>>,
}

/// The objects' rows of Qx + b at the poses in `query`: ε M / h x − h τ (quasi-dynamic) or
/// −h τ (quasi-static), into `scratch.object_force`.
fn object_force(
    scene: &Scene,
    settings: &StepSettings,
    query: &ContactQuery,
    problem: &StepProblem,
    x: &DVector<f64>,
    scratch: &mut Scratch,
) -> Result<(), DynamicsError> {
    let p = settings;
    object_mass_and_gravity(
        scene,
        query,
        &nalgebra::Vector3::from(p.gravity),
        &mut scratch.mass,
        &mut scratch.tau,
        &mut scratch.jacobians,
    );
    let epsilon = scene_mass_scale(scene, settings, &scratch.mass);
    let n_a = scene.split().actuated.len();
    let objects = &problem.var_to_v[n_a..];
    scratch
        .object_force
        .resize_vertically_mut(objects.len(), 0.0);
    for (r, &vr) in objects.iter().enumerate() {
        let mut value = -p.h * scratch.tau[vr];
        if p.quasi_dynamic {
            for (c, &vc) in objects.iter().enumerate() {
                value += epsilon * scratch.mass[(vr, vc)] / p.h * x[n_a + c];
            }
        }
        scratch.object_force[r] = value;
    }
    Ok(())
}

/// Sets `m` to zeros of the given shape, reusing its storage when the shape is unchanged.
fn resize_matrix(m: &mut DMatrix<f64>, rows: usize, cols: usize) {
    if m.shape() == (rows, cols) {
        // A plain slice fill (a memset): nalgebra's element iterator is several times slower,
        // and there are contacts × moving coordinates of these per step.
        m.as_mut_slice().fill(0.0);
    } else {
        *m = DMatrix::zeros(rows, cols);
    }
}
