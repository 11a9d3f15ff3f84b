//! How the step's program changes with the configuration, at a fixed decision variable x:
//! ∂(Qx + b)/∂q, and per contact ∂C_i/∂q where `C_i = [J_n; J_t]` (on the free variables).
//!
//! All rates are taken along tangent directions of q (one per velocity coordinate,
//! `q ⊕ s e_k`), which is where A_v lives; the chain rule to q coordinates comes later.
//!
//! - ∂φ/∂q is J_n (exact: the envelope theorem on the witness points), so it is not computed
//!   here.
//! - ∂b/∂q_a = h K on the actuated rows (exact).
//! - ∂C_i/∂q (which involves the surfaces' curvature at the witness points) and the change of
//!   the objects' mass matrix and gravity forces with their orientation are taken by central
//!   differences **of the geometry layer alone**: the contact rows of the same geometry pair
//!   and the objects' mass terms are recomputed at `q ⊕ ±s e_k`, without solving anything.
//!   Only the coordinates that move a pair's links are perturbed for that pair.

use crate::error::DynamicsError;
use crate::problem::{StepProblem, object_mass_and_gravity, scene_mass_scale};
use nalgebra::{DMatrix, DVector, Isometry3, Vector3};
use qd_geometry::kinematics::{JointKind, KinematicsCache};
use qd_geometry::scene::Scene;
use qd_geometry::{ContactQuery, SignedDistance, signed_distance, tangent_basis};

/// Central-difference step along each tangent coordinate (m or rad). With closed-form
/// distances accurate to ~1e-15, the error is ~1e-10 relative from round-off and ~s² from
/// truncation.
pub const GEOMETRY_DIFFERENCE_STEP: f64 = 1e-6;

/// The rates of one step's program with respect to q (tangent coordinates, n_v columns).
#[derive(Debug, Default)]
pub struct ProblemRates {
    /// ∂(Qx + b)/∂q at fixed x: n × n_v (n free variables).
    pub force: DMatrix<f64>,
    /// ∂C_i/∂q_k ((1 + n_t) × n) at index `i · n_v + k`; meaningful where `moves` is true.
    pub rows: Vec<DMatrix<f64>>,
    /// Whether coordinate k moves contact i's links (index `i · n_v + k`).
    pub moves: Vec<bool>,
    /// Per contact, the free variables (column indices) that move it: outside them its rows
    /// of C and of every ∂C/∂q_k are zero.
    pub columns: Vec<Vec<usize>>,
    /// Per contact, the velocity coordinates that move it (the k with a rate).
    pub moving: Vec<Vec<usize>>,
    n_v: usize,
    scratch: Scratch,
}

#[derive(Debug, Default)]
struct Scratch {
    nominal: KinematicsCache,
    mass: DMatrix<f64>,
    tau: DVector<f64>,
    jacobians: (DMatrix<f64>, DMatrix<f64>),
    object_force: DVector<f64>,
    varying_object_links: Vec<usize>,
    moving: Vec<usize>,
    shared: SharedRates,
    per_contact: ContactScratch,
}

/// What every contact's rates read.
struct RateContext<'a> {
    scene: &'a Scene,
    problem: &'a StepProblem,
    /// Kinematics at q.
    nominal: &'a KinematicsCache,
    shared: &'a SharedRates,
}

/// Buffers of [`contact_rates`], reused from contact to contact.
#[derive(Debug, Default)]
struct ContactScratch {
    moving_a: Vec<usize>,
    moving_b: Vec<usize>,
    columns: Vec<Column>,
}

/// Per-coordinate data shared by every contact's rates.
#[derive(Debug, Default)]
struct SharedRates {
    /// The rigid motion of each coordinate's subtree for a displacement of ±step.
    motions: Vec<(Isometry3<f64>, Isometry3<f64>)>,
    /// `depends[k · n_v + j]`: coordinate j's field depends on coordinate k.
    depends: Vec<bool>,
}

/// Whether a body's contribution to M and τ is the same at every configuration: it hangs
/// directly under the world with its centre of mass at its joint's origin, and either its
/// rotational inertia is isotropic (a homogeneous sphere) or its joint only turns it about
/// one fixed world axis (planar) or not at all (prismatic), so that the inertia it shows
/// along its velocity coordinates never changes.
fn mass_is_configuration_independent(scene: &Scene, link: usize) -> bool {
    let tree = &scene.tree;
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
    pub fn contact_rate(&self, contact: usize, k: usize) -> Option<&DMatrix<f64>> {
        let index = contact * self.n_v + k;
        self.moves[index].then(|| &self.rows[index])
    }

    /// Computes every rate at (q, x). `query` is used as scratch for the perturbed poses.
    ///
    /// # Errors
    /// A distance query failing at a perturbed configuration.
    pub fn compute(
        &mut self,
        scene: &Scene,
        query: &mut ContactQuery,
        problem: &StepProblem,
        q: &[f64],
        x: &DVector<f64>,
    ) -> Result<(), DynamicsError> {
        let tree = &scene.tree;
        let n_v = tree.nv();
        let n = problem.var_to_v.len();
        let n_a = scene.split.actuated.len();
        let dim = 1 + problem.n_tangent;
        let contacts = &problem.contacts;
        self.n_v = n_v;
        resize_matrix(&mut self.force, n, n_v);
        self.moves.clear();
        self.moves.resize(contacts.len() * n_v, false);
        self.rows
            .resize_with(contacts.len() * n_v, || DMatrix::zeros(dim, n));

        // Actuated rows: b_i = −h K_i (u_i − q_i).
        let h = scene.parameters.h;
        for (i, &k) in scene.split.stiffness.iter().enumerate() {
            self.force[(i, problem.var_to_v[i])] += h * k;
        }
        // Only objects whose mass matrix or gravity force can change with q need differencing.
        let objects_are_variables = n > n_a;
        let varying_object_links = &mut self.scratch.varying_object_links;
        varying_object_links.clear();
        if objects_are_variables {
            varying_object_links.extend(
                scene
                    .objects
                    .iter()
                    .filter(|object| !mass_is_configuration_independent(scene, object.link))
                    .map(|object| object.link),
            );
        }

        let moving = &mut self.scratch.moving;
        self.columns.resize_with(contacts.len(), Vec::new);
        self.moving.resize_with(contacts.len(), Vec::new);
        for (i, rows) in contacts.iter().enumerate() {
            let (ga, gb) = rows.geometries;
            moving.clear();
            tree.coordinates_moving_link(scene.geometries[ga].link, moving);
            tree.coordinates_moving_link(scene.geometries[gb].link, moving);
            let columns = &mut self.columns[i];
            columns.clear();
            columns.extend(
                problem
                    .var_to_v
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| moving.contains(v))
                    .map(|(c, _)| c),
            );
            let contact_moving = &mut self.moving[i];
            contact_moving.clear();
            for &k in moving.iter() {
                if !self.moves[i * n_v + k] {
                    contact_moving.push(k);
                    self.moves[i * n_v + k] = true;
                    resize_matrix(&mut self.rows[i * n_v + k], dim, n);
                }
            }
        }

        let step = GEOMETRY_DIFFERENCE_STEP;
        let scratch = &mut self.scratch;
        // The poses at q itself, from which every displaced configuration is derived.
        scratch.nominal.update(tree, q)?;
        // Shared by all contacts: each coordinate's rigid motions ±step, and which fields
        // depend on which coordinates.
        let shared = &mut scratch.shared;
        shared.motions.clear();
        shared.motions.extend((0..n_v).map(|k| {
            let motion = |s: f64| {
                scratch
                    .nominal
                    .coordinate_motion(tree, k, s)
                    .map_or(Isometry3::identity(), |(_, m)| m)
            };
            (motion(step), motion(-step))
        }));
        shared.depends.clear();
        shared
            .depends
            .extend((0..n_v * n_v).map(|index| tree.field_depends(index / n_v, index % n_v)));
        let context = RateContext {
            scene,
            problem,
            nominal: &scratch.nominal,
            shared: &scratch.shared,
        };
        for (i, rows) in contacts.iter().enumerate() {
            contact_rates(
                &context,
                &mut scratch.per_contact,
                rows,
                &self.moves[i * n_v..(i + 1) * n_v],
                &mut self.rows[i * n_v..(i + 1) * n_v],
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
                object_force(scene, query, problem, x, scratch)?;
                for r in n_a..n {
                    self.force[(r, k)] += weight * scratch.object_force[r - n_a];
                }
            }
        }
        Ok(())
    }
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
/// evaluated here from fields computed once per contact); the geometric
/// part (how the normal, the tangents and the witness points move) is a central difference
/// of the pair's signed distance alone, with the two shapes displaced rigidly by k's motion.
fn contact_rates(
    context: &RateContext<'_>,
    buffers: &mut ContactScratch,
    rows: &crate::problem::ContactRows,
    moves: &[bool],
    rates: &mut [DMatrix<f64>],
) -> Result<(), DynamicsError> {
    let RateContext {
        scene,
        problem,
        nominal,
        shared,
    } = context;
    let tree = &scene.tree;
    let (ga, gb) = rows.geometries;
    let (geometry_a, geometry_b) = (&scene.geometries[ga], &scene.geometries[gb]);
    let (la, lb) = (geometry_a.link, geometry_b.link);
    let pose_a = nominal.world_from_link[la] * geometry_a.link_from_geometry;
    let pose_b = nominal.world_from_link[lb] * geometry_b.link_from_geometry;
    let nominal_distance = signed_distance(&geometry_a.shape, &pose_a, &geometry_b.shape, &pose_b)?;
    let (p_a, p_b) = (nominal_distance.witness_a, nominal_distance.witness_b);
    let n = nominal_distance.normal.into_inner();
    let tangents = tangent_basis(scene, &n);
    let n_t = problem.n_tangent;
    // The variables that move A or B, with their fields at the witness points.
    let ContactScratch {
        moving_a,
        moving_b,
        columns,
    } = buffers;
    moving_a.clear();
    moving_b.clear();
    tree.coordinates_moving_link(la, moving_a);
    tree.coordinates_moving_link(lb, moving_b);
    columns.clear();
    columns.extend(problem.var_to_v.iter().enumerate().filter_map(|(c, &v)| {
        let on_a = moving_a
            .contains(&v)
            .then(|| nominal.coordinate_field(tree, v, &p_a));
        let on_b = moving_b
            .contains(&v)
            .then(|| nominal.coordinate_field(tree, v, &p_b));
        (on_a.is_some() || on_b.is_some()).then(|| {
            let linear =
                |f: Option<(Vector3<f64>, Vector3<f64>)>| f.map_or(Vector3::zeros(), |f| f.1);
            Column {
                c,
                v,
                jc: linear(on_b) - linear(on_a),
                field_a: on_a,
                field_b: on_b,
            }
        })
    }));
    let step = GEOMETRY_DIFFERENCE_STEP;
    for (k, rate) in rates.iter_mut().enumerate() {
        if !moves[k] {
            continue;
        }
        let (moves_a, moves_b) = (moving_a.contains(&k), moving_b.contains(&k));
        let displaced = |motion: &Isometry3<f64>| -> Result<SignedDistance, DynamicsError> {
            let pa = if moves_a { motion * pose_a } else { pose_a };
            let pb = if moves_b { motion * pose_b } else { pose_b };
            Ok(signed_distance(
                &geometry_a.shape,
                &pa,
                &geometry_b.shape,
                &pb,
            )?)
        };
        let (motion_plus, motion_minus) = &shared.motions[k];
        let (plus, minus) = (displaced(motion_plus)?, displaced(motion_minus)?);
        let scale = 1.0 / (2.0 * step);
        let dn = (plus.normal.into_inner() - minus.normal.into_inner()) * scale;
        let (t_plus, t_minus) = (
            tangent_basis(scene, &plus.normal),
            tangent_basis(scene, &minus.normal),
        );
        let dt = [
            (t_plus[0] - t_minus[0]) * scale,
            (t_plus[1] - t_minus[1]) * scale,
        ];
        let dp_a = (plus.witness_a - minus.witness_a) * scale;
        let dp_b = (plus.witness_b - minus.witness_b) * scale;
        // k's own field at the witness points, for the brackets of KinematicsCache::field_rate.
        let (omega_k, field_k_a) = nominal.coordinate_field(tree, k, &p_a);
        let field_k_b = nominal.coordinate_field(tree, k, &p_b).1;
        for column in columns.iter() {
            let depends = shared.depends[k * tree.nv() + column.v];
            let mut relative = Vector3::zeros();
            if let Some((omega_j, field_j)) = column.field_b {
                if depends {
                    relative += omega_k.cross(&field_j) - omega_j.cross(&field_k_b);
                }
                relative += omega_j.cross(&dp_b);
            }
            if let Some((omega_j, field_j)) = column.field_a {
                if depends {
                    relative -= omega_k.cross(&field_j) - omega_j.cross(&field_k_a);
                }
                relative -= omega_j.cross(&dp_a);
            }
            rate[(0, column.c)] = dn.dot(&column.jc) + n.dot(&relative);
            for t in 0..n_t {
                rate[(1 + t, column.c)] = dt[t].dot(&column.jc) + tangents[t].dot(&relative);
            }
        }
    }
    Ok(())
}

/// One variable that moves a contact: its column index, velocity index, its contribution to
/// J_c, and its field on each body it moves.
#[derive(Debug)]
struct Column {
    c: usize,
    v: usize,
    jc: Vector3<f64>,
    /// (ω_j, S_j(p_A)) when j moves A.
    field_a: Option<(Vector3<f64>, Vector3<f64>)>,
    /// (ω_j, S_j(p_B)) when j moves B.
    field_b: Option<(Vector3<f64>, Vector3<f64>)>,
}

/// The objects' rows of Qx + b at the poses in `query`: ε M / h x − h τ (quasi-dynamic) or
/// −h τ (quasi-static), into `scratch.object_force`.
fn object_force(
    scene: &Scene,
    query: &ContactQuery,
    problem: &StepProblem,
    x: &DVector<f64>,
    scratch: &mut Scratch,
) -> Result<(), DynamicsError> {
    let p = &scene.parameters;
    object_mass_and_gravity(
        scene,
        query,
        &nalgebra::Vector3::from(p.gravity),
        &mut scratch.mass,
        &mut scratch.tau,
        &mut scratch.jacobians,
    );
    let epsilon = scene_mass_scale(scene, &scratch.mass);
    let n_a = scene.split.actuated.len();
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
        m.fill(0.0);
    } else {
        *m = DMatrix::zeros(rows, cols);
    }
}
