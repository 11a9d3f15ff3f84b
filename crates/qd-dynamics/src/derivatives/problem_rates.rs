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
use nalgebra::{DMatrix, DVector};
use qd_geometry::kinematics::KinematicsCache;
use qd_geometry::scene::Scene;
use qd_geometry::{Contact, ContactQuery};

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
    n_v: usize,
    scratch: Scratch,
}

#[derive(Debug, Default)]
struct Scratch {
    nominal: KinematicsCache,
    contact: Option<Contact>,
    mass: DMatrix<f64>,
    tau: DVector<f64>,
    jacobians: (DMatrix<f64>, DMatrix<f64>),
    object_force: DVector<f64>,
    varying_object_links: Vec<usize>,
}

/// Whether a body's contribution to M and τ is the same at every configuration: it hangs
/// directly under the world with its centre of mass at its joint's origin and an isotropic
/// rotational inertia (a homogeneous sphere, say), so rotating it changes nothing.
fn mass_is_configuration_independent(scene: &Scene, link: usize) -> bool {
    let tree = &scene.tree;
    let inertia = &tree.links()[link].inertia;
    let under_world = tree.links()[link]
        .parent_joint
        .is_some_and(|j| tree.joints()[j].parent == qd_geometry::kinematics::MultibodyTree::WORLD);
    let r = &inertia.rotational;
    let isotropic = (r - nalgebra::Matrix3::identity() * r[(0, 0)]).amax() <= 1e-12 * r.amax();
    under_world && inertia.com.coords.amax() == 0.0 && isotropic
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

        for (i, rows) in contacts.iter().enumerate() {
            let (ga, gb) = rows.geometries;
            let (la, lb) = (scene.geometries[ga].link, scene.geometries[gb].link);
            for k in 0..n_v {
                let moved = tree.coordinate_moves_link(k, la) || tree.coordinate_moves_link(k, lb);
                self.moves[i * n_v + k] = moved;
                if moved {
                    resize_matrix(&mut self.rows[i * n_v + k], dim, n);
                }
            }
        }

        let step = GEOMETRY_DIFFERENCE_STEP;
        let scratch = &mut self.scratch;
        // The poses at q itself, from which every displaced configuration is derived.
        scratch.nominal.update(tree, q)?;
        for k in 0..n_v {
            let moves_contact = (0..contacts.len()).any(|i| self.moves[i * n_v + k]);
            let moves_object = scratch
                .varying_object_links
                .iter()
                .any(|&link| tree.coordinate_moves_link(k, link));
            if !moves_contact && !moves_object {
                continue;
            }
            for sign in [1.0, -1.0] {
                let weight = sign / (2.0 * step);
                scratch
                    .nominal
                    .displaced(tree, k, sign * step, &mut query.kinematics);
                query.update_geometry_poses(scene);
                for (i, rows) in contacts.iter().enumerate() {
                    if !self.moves[i * n_v + k] {
                        continue;
                    }
                    let contact = match &mut scratch.contact {
                        Some(contact) => contact,
                        None => scratch.contact.insert(first_contact(scene, query, rows)?),
                    };
                    query.pair_contact(scene, rows.geometries.0, rows.geometries.1, contact)?;
                    let rate = &mut self.rows[i * n_v + k];
                    for (c, &v) in problem.var_to_v.iter().enumerate() {
                        rate[(0, c)] += weight * contact.jac_normal[v];
                        for t in 0..dim - 1 {
                            rate[(1 + t, c)] += weight * contact.jac_tangent[(t, v)];
                        }
                    }
                }
                if moves_object {
                    object_force(scene, query, problem, x, scratch)?;
                    for r in n_a..n {
                        self.force[(r, k)] += weight * scratch.object_force[r - n_a];
                    }
                }
            }
        }
        Ok(())
    }
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

/// A contact with storage of the right sizes, to be overwritten by `pair_contact`.
fn first_contact(
    scene: &Scene,
    query: &mut ContactQuery,
    rows: &crate::problem::ContactRows,
) -> Result<Contact, DynamicsError> {
    let n_v = scene.tree.nv();
    let n_t = rows.jt.nrows();
    let mut contact = Contact {
        geometry_a: rows.geometries.0,
        geometry_b: rows.geometries.1,
        distance: qd_geometry::SignedDistance {
            distance: 0.0,
            normal: nalgebra::Vector3::z_axis(),
            witness_a: nalgebra::Point3::origin(),
            witness_b: nalgebra::Point3::origin(),
        },
        friction: 0.0,
        tangents: DMatrix::zeros(3, n_t),
        jac_normal: DVector::zeros(n_v),
        jac_tangent: DMatrix::zeros(n_t, n_v),
    };
    query.pair_contact(scene, rows.geometries.0, rows.geometries.1, &mut contact)?;
    Ok(contact)
}

/// Sets `m` to zeros of the given shape, reusing its storage when the shape is unchanged.
fn resize_matrix(m: &mut DMatrix<f64>, rows: usize, cols: usize) {
    if m.shape() == (rows, cols) {
        m.fill(0.0);
    } else {
        *m = DMatrix::zeros(rows, cols);
    }
}
