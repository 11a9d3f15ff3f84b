//! Assembly of the convex program of one step (docs/dynamics.md):
//!
//! ```text
//! minimise ½ δvᵀ Q δv + bᵀ δv   subject to   J_n,i δv + φ_i ≥ μ_i ‖J_t,i δv‖
//! Q = blockdiag(ε M_u / h, h K_a),   b = −h [τ_u ; K_a (u − q_a) + τ_a]
//! ```
//!
//! The decision variables are the **free** velocity coordinates: every actuated coordinate and
//! the objects' unless they are frozen (`mass_scale = 0`). Contacts whose Jacobian vanishes on
//! the free coordinates (e.g. a frozen object on the ground) are left out: nothing in the step
//! can change them.

use crate::error::DynamicsError;
use crate::reuse::resize_pooled;
use crate::settings::StepSettings;
use nalgebra::{DMatrix, DVector, Vector3};
use qd_geometry::manifold::ContactFeature;
use qd_geometry::scene::Scene;
use qd_geometry::{Contact, ContactQuery};

/// One contact's rows on the free variables.
#[derive(Debug, Clone)]
pub struct ContactRows {
    /// Geometry indices (into `Scene::geometries`) of the pair.
    pub geometries: (usize, usize),
    /// Which contact of the pair (its closest points or a manifold feature point).
    pub feature: ContactFeature,
    /// Signed distance φ (m).
    pub phi: f64,
    /// Coefficient of friction μ.
    pub mu: f64,
    /// J_n on the free variables.
    pub jn: DVector<f64>,
    /// J_n on all of v (n_v): ∂φ/∂v, which A needs also on frozen coordinates.
    pub jn_full: DVector<f64>,
    /// J_t on the free variables (n_t rows).
    pub jt: DMatrix<f64>,
}

/// Every contact's non-zero columns of `C = [J_n; J_t]` (padded to 3 entries, with their
/// variable index, ascending), contact after contact. A contact involves only the joints
/// above its two bodies (a finger and the object, say), so the solvers' per-contact work runs
/// over these columns, not over all n variables. Built by [`assemble`] with the rows.
#[derive(Debug, Clone, Default)]
pub struct ContactColumns {
    columns: Vec<(usize, Vector3<f64>)>,
    /// Where each contact's run of `columns` ends.
    ends: Vec<usize>,
}

impl ContactColumns {
    /// The non-zero columns of contact `i`'s C with their variable index.
    ///
    /// # Panics
    /// If `i` is not a contact of the assembled problem.
    pub fn of(&self, i: usize) -> &[(usize, Vector3<f64>)] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.columns[start..self.ends[i]]
    }

    /// Each contact's non-zero columns, contact after contact.
    pub fn runs(&self) -> impl Iterator<Item = &[(usize, Vector3<f64>)]> + Clone {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let run = &self.columns[start..end];
            start = end;
            run
        })
    }

    /// The number of contacts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no contacts.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// The convex program of one step on the free variables.
#[derive(Debug, Clone, Default)]
pub struct StepProblem {
    /// For each variable, its index in v.
    pub var_to_v: Vec<usize>,
    /// Q (symmetric positive semidefinite).
    pub q_matrix: DMatrix<f64>,
    /// b.
    pub b: DVector<f64>,
    /// Contact rows.
    pub contacts: Vec<ContactRows>,
    /// Tangent directions per contact (1 in planar scenes, else 2).
    pub n_tangent: usize,
    /// The objects' mass matrix on v (n_v × n_v), kept to reuse its storage.
    pub mass: DMatrix<f64>,
    /// Generalized gravity forces on v, kept to reuse its storage.
    pub tau: DVector<f64>,
    jacobian_scratch: MassScratch,
    /// The contacts' non-zero columns, as assembled with `contacts`.
    columns: ContactColumns,
    /// Rows no longer needed (fewer contacts than before), kept with their storage for the
    /// next assembly with more.
    spare_rows: Vec<ContactRows>,
}

impl StepProblem {
    /// The contacts' non-zero columns of C, as [`assemble`] built them from `contacts` (rows
    /// edited after the assembly are not reflected: assemble again).
    pub fn contact_columns(&self) -> &ContactColumns {
        &self.columns
    }
}

/// The object-mass scale ε of docs/dynamics.md (`None` → 1; `Some(s > 0)` → h² min K / max diag M / s).
/// `Some(0)` (frozen objects) is handled by removing the objects' variables, not by ε.
pub(crate) fn object_mass_scale(
    mass_scale: Option<f64>,
    h: f64,
    stiffness: &[f64],
    mass_diag_max: f64,
) -> f64 {
    match mass_scale {
        Some(s) if s > 0.0 => {
            let k_min = stiffness.iter().copied().fold(f64::INFINITY, f64::min);
            h * h * k_min / mass_diag_max / s
        }
        _ => 1.0,
    }
}

/// ε for `scene` given the objects' mass matrix on v.
pub(crate) fn scene_mass_scale(scene: &Scene, settings: &StepSettings, mass: &DMatrix<f64>) -> f64 {
    let mass_diag_max = scene
        .split()
        .unactuated_v
        .iter()
        .map(|&i| mass[(i, i)])
        .fold(0.0, f64::max);
    object_mass_scale(
        settings.mass_scale,
        settings.h,
        &scene.split().stiffness,
        mass_diag_max.max(f64::MIN_POSITIVE),
    )
}

/// Storage of [`object_mass_and_gravity`], kept between calls.
#[derive(Debug, Clone, Default)]
pub(crate) struct MassScratch {
    jac_com: DMatrix<f64>,
    jac_angular: DMatrix<f64>,
    /// The coordinates that move the current object (its Jacobians' non-zero columns).
    moving: Vec<usize>,
}

/// Mass matrix (n_v × n_v, non-zero on the objects' coordinates) and generalized gravity
/// forces on the objects, from the link inertias: `M = Σ m J_comᵀ J_com + J_ωᵀ I_world J_ω`,
/// `τ = Σ m J_comᵀ g`.
pub(crate) fn object_mass_and_gravity(
    scene: &Scene,
    query: &ContactQuery,
    gravity: &Vector3<f64>,
    mass: &mut DMatrix<f64>,
    tau: &mut DVector<f64>,
    scratch: &mut MassScratch,
) {
    let tree = scene.tree();
    let nv = tree.nv();
    if mass.shape() != (nv, nv) {
        *mass = DMatrix::zeros(nv, nv);
    } else {
        mass.as_mut_slice().fill(0.0);
    }
    if tau.len() != nv {
        *tau = DVector::zeros(nv);
    } else {
        tau.as_mut_slice().fill(0.0);
    }
    let MassScratch {
        jac_com,
        jac_angular,
        moving,
    } = scratch;
    for object in scene.objects() {
        let link = &tree.links()[object.link];
        let pose = &query.kinematics.world_from_link[object.link];
        let com = pose * link.inertia.com;
        query
            .kinematics
            .point_jacobian(tree, object.link, &com, jac_com);
        query
            .kinematics
            .angular_jacobian(tree, object.link, jac_angular);
        let rotation = pose.rotation.to_rotation_matrix().into_inner();
        let inertia_world = rotation * link.inertia.rotational * rotation.transpose();
        let m = link.inertia.mass;
        // Only the coordinates above the object's link move it (its own six, typically, out
        // of all the robots' joints): the products run over those columns alone.
        moving.clear();
        moving.extend((0..nv).filter(|&i| {
            jac_com.column(i).iter().any(|v| *v != 0.0)
                || jac_angular.column(i).iter().any(|v| *v != 0.0)
        }));
        for &i in moving.iter() {
            let (com_i, angular_i) = (
                jac_com.fixed_view::<3, 1>(0, i),
                jac_angular.fixed_view::<3, 1>(0, i),
            );
            let weighted_i = inertia_world * angular_i;
            for &j in moving.iter() {
                let (com_j, angular_j) = (
                    jac_com.fixed_view::<3, 1>(0, j),
                    jac_angular.fixed_view::<3, 1>(0, j),
                );
                mass[(j, i)] += m * com_j.dot(&com_i) + angular_j.dot(&weighted_i);
            }
            tau[i] += m * com_i.dot(gravity);
        }
    }
}

/// Rewrites the entries of b that depend on u, `b_i = −h K_i (u_i − q_a,i)`, in a problem
/// assembled at the same q by [`assemble`] (everything else depends on q alone).
pub(crate) fn update_inputs(
    scene: &Scene,
    settings: &StepSettings,
    q: &[f64],
    u: &[f64],
    problem: &mut StepProblem,
) {
    let h = settings.h;
    for (i, (&q_index, &k)) in scene
        .split()
        .actuated
        .iter()
        .zip(&scene.split().stiffness)
        .enumerate()
    {
        problem.b[i] = -h * k * (u[i] - q[q_index]);
    }
}

/// Builds the step problem at (q, u). `query` must already hold the contacts at q (it is
/// evaluated here) and its kinematics.
pub fn assemble(
    scene: &Scene,
    settings: &StepSettings,
    query: &mut ContactQuery,
    q: &[f64],
    u: &[f64],
    problem: &mut StepProblem,
) -> Result<(), DynamicsError> {
    let p = settings;
    let h = p.h;
    let tree = scene.tree();
    query.contacts(scene, q, None)?;
    let mut mass = std::mem::take(&mut problem.mass);
    let mut tau = std::mem::take(&mut problem.tau);
    let mut scratch = std::mem::take(&mut problem.jacobian_scratch);
    object_mass_and_gravity(
        scene,
        query,
        &Vector3::from(p.gravity),
        &mut mass,
        &mut tau,
        &mut scratch,
    );

    // Free variables: actuated coordinates, then the objects' unless frozen.
    let frozen = p.mass_scale == Some(0.0);
    problem.var_to_v.clear();
    for robot in scene.robots() {
        for joint in &robot.actuated {
            problem.var_to_v.push(tree.joints()[*joint].v_start);
        }
    }
    let na = problem.var_to_v.len();
    if !frozen {
        problem.var_to_v.extend(&scene.split().unactuated_v);
    }
    let n = problem.var_to_v.len();

    let epsilon = scene_mass_scale(scene, settings, &mass);

    // Reuse the previous step's storage: sizes only change with the scene.
    // Filled and copied as slices: nalgebra's `fill` walks strided iterators, several times
    // slower at these sizes.
    if problem.q_matrix.shape() == (n, n) {
        problem.q_matrix.as_mut_slice().fill(0.0);
    } else {
        problem.q_matrix = DMatrix::zeros(n, n);
    }
    if problem.b.len() == n {
        problem.b.as_mut_slice().fill(0.0);
    } else {
        problem.b = DVector::zeros(n);
    }
    for (i, &k) in scene.split().stiffness.iter().enumerate() {
        problem.q_matrix[(i, i)] = h * k;
    }
    update_inputs(scene, settings, q, u, problem);
    if !frozen {
        for (r, &vr) in problem.var_to_v.iter().enumerate().skip(na) {
            for (c, &vc) in problem.var_to_v.iter().enumerate().skip(na) {
                if p.quasi_dynamic {
                    problem.q_matrix[(r, c)] = epsilon * mass[(vr, vc)] / h;
                }
            }
            problem.b[r] = -h * tau[vr];
        }
    }

    problem.n_tangent = if scene.plane_normal().is_some() { 1 } else { 2 };
    write_contact_rows(problem, query.last_contacts());
    problem.mass = mass;
    problem.tau = tau;
    problem.jacobian_scratch = scratch;
    Ok(())
}

/// The contacts' rows on the free variables, and their non-zero columns, overwriting the
/// previous step's in place (rows beyond this step's contacts wait in the spare pool). Contacts whose Jacobian vanishes on the
/// free variables are left out. One pass per contact: its columns are read off the query's
/// Jacobians, then scattered into the rows.
fn write_contact_rows(problem: &mut StepProblem, contacts: &[Contact]) {
    let (n, nt) = (problem.var_to_v.len(), problem.n_tangent);
    let StepProblem {
        var_to_v,
        contacts: all_rows,
        columns: ContactColumns { columns, ends },
        spare_rows,
        ..
    } = problem;
    columns.clear();
    ends.clear();
    let new_rows = || ContactRows {
        geometries: (0, 0),
        feature: ContactFeature::Closest,
        phi: 0.0,
        mu: 0.0,
        jn: DVector::zeros(n),
        jn_full: DVector::zeros(0),
        jt: DMatrix::zeros(nt, n),
    };
    let mut count = 0;
    for contact in contacts {
        let start = columns.len();
        for (c, &v) in var_to_v.iter().enumerate() {
            let mut column = Vector3::new(contact.jac_normal[v], 0.0, 0.0);
            for r in 0..nt {
                column[1 + r] = contact.jac_tangent[(r, v)];
            }
            if column != Vector3::zeros() {
                columns.push((c, column));
            }
        }
        if columns.len() == start {
            continue;
        }
        ends.push(columns.len());
        if count == all_rows.len() {
            resize_pooled(all_rows, count + 1, spare_rows, new_rows);
        }
        let rows = &mut all_rows[count];
        count += 1;
        rows.geometries = (contact.geometry_a, contact.geometry_b);
        rows.feature = contact.feature;
        rows.phi = contact.distance.distance;
        rows.mu = contact.friction;
        if rows.jn.len() == n {
            rows.jn.as_mut_slice().fill(0.0);
        } else {
            rows.jn = DVector::zeros(n);
        }
        if rows.jt.shape() == (nt, n) {
            rows.jt.as_mut_slice().fill(0.0);
        } else {
            rows.jt = DMatrix::zeros(nt, n);
        }
        if rows.jn_full.len() != contact.jac_normal.len() {
            rows.jn_full = contact.jac_normal.clone();
        } else {
            rows.jn_full
                .as_mut_slice()
                .copy_from_slice(contact.jac_normal.as_slice());
        }
        for &(c, column) in &columns[start..] {
            rows.jn[c] = column[0];
            for r in 0..nt {
                rows.jt[(r, c)] = column[1 + r];
            }
        }
    }
    resize_pooled(all_rows, count, spare_rows, new_rows);
}
