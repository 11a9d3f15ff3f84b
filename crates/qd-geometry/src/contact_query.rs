//! The contact query of a scene at a configuration: every geometry pair within the detection
//! distance, with φ, normal, tangent basis, friction and the contact Jacobians (SPEC §1).

use crate::distance::{SignedDistance, any_perpendicular};
use crate::error::GeometryError;
use crate::kinematics::KinematicsCache;
use crate::proximity::{ProximityPair, ProximityQuery, ShapeSet};
use crate::scene::Scene;
use crate::shape::Shape;
use nalgebra::{DMatrix, DVector, Isometry3};

/// One contact pair at a configuration.
#[derive(Debug, Clone)]
pub struct Contact {
    /// Index of geometry A in [`Scene::geometries`] (`a < b`).
    pub geometry_a: usize,
    /// Index of geometry B.
    pub geometry_b: usize,
    /// φ, the normal from A to B and the witness points (world frame).
    pub distance: SignedDistance,
    /// Coefficient of friction μ of the pair.
    pub friction: f64,
    /// Tangent basis, one unit vector per column (3 × n_t): n_t = 2 in 3D (`t₁ × t₂ = n`),
    /// n_t = 1 for planar systems (the in-plane tangent `plane_normal × n`).
    pub tangents: DMatrix<f64>,
    /// J_n = nᵀ J_c (n_v): rate of change of φ per unit of each velocity coordinate.
    pub jac_normal: DVector<f64>,
    /// J_t = Tᵀ J_c (n_t × n_v).
    pub jac_tangent: DMatrix<f64>,
}

/// Reusable workspace for [`ContactQuery::contacts`]: kinematics cache, broad phase and a pool
/// of contacts whose matrices are reused from call to call.
#[derive(Debug, Default)]
pub struct ContactQuery {
    /// Link poses of the last query's configuration.
    pub kinematics: KinematicsCache,
    /// `world_from_geometry` of every scene geometry at the last configuration.
    pub world_from_geometry: Vec<Isometry3<f64>>,
    proximity: ProximityQuery,
    pairs: Vec<ProximityPair>,
    jac_relative: DMatrix<f64>,
    pool: Vec<Contact>,
    len: usize,
}

impl ContactQuery {
    /// An empty workspace.
    pub fn new() -> Self {
        Self::default()
    }

    /// The contacts of the last [`ContactQuery::contacts`] call.
    pub fn last_contacts(&self) -> &[Contact] {
        &self.pool[..self.len]
    }

    /// Computes every contact pair of `scene` at configuration `q` with φ ≤ `d_detect` (the
    /// scene's parameter unless given). The result stays valid until the next call.
    ///
    /// # Errors
    /// Wrong length or non-finite q, failed distance queries.
    pub fn contacts(
        &mut self,
        scene: &Scene,
        q: &[f64],
        d_detect: Option<f64>,
    ) -> Result<&[Contact], GeometryError> {
        let tree = &scene.tree;
        self.kinematics.update(tree, q)?;
        self.world_from_geometry.clear();
        self.world_from_geometry.extend(
            scene
                .geometries
                .iter()
                .map(|g| self.kinematics.world_from_link[g.link] * g.link_from_geometry),
        );
        let d_detect = d_detect.unwrap_or(scene.parameters.d_detect);
        let posed = SceneShapes {
            scene,
            poses: &self.world_from_geometry,
        };
        self.proximity
            .pairs_within(&posed, &scene.filter, d_detect, &mut self.pairs)?;

        let nv = tree.nv();
        let nt = if scene.plane_normal.is_some() { 1 } else { 2 };
        self.len = 0;
        for pair in &self.pairs {
            let (ga, gb) = (&scene.geometries[pair.a], &scene.geometries[pair.b]);
            let d = pair.distance;
            // J_c = ∂(p_B − p_A)/∂v, each witness moving with its own link.
            if self.jac_relative.nrows() != 3 || self.jac_relative.ncols() != nv {
                self.jac_relative = DMatrix::zeros(3, nv);
            } else {
                self.jac_relative.fill(0.0);
            }
            self.kinematics.accumulate_point_jacobian(
                tree,
                gb.link,
                &d.witness_b,
                1.0,
                &mut self.jac_relative,
            );
            self.kinematics.accumulate_point_jacobian(
                tree,
                ga.link,
                &d.witness_a,
                -1.0,
                &mut self.jac_relative,
            );

            if self.len == self.pool.len() {
                self.pool.push(Contact {
                    geometry_a: 0,
                    geometry_b: 0,
                    distance: d,
                    friction: 0.0,
                    tangents: DMatrix::zeros(3, nt),
                    jac_normal: DVector::zeros(nv),
                    jac_tangent: DMatrix::zeros(nt, nv),
                });
            }
            let contact = &mut self.pool[self.len];
            self.len += 1;
            contact.geometry_a = pair.a;
            contact.geometry_b = pair.b;
            contact.distance = d;
            contact.friction = scene.friction_between(pair.a, pair.b);
            let n = d.normal.into_inner();
            if contact.tangents.shape() != (3, nt) {
                contact.tangents = DMatrix::zeros(3, nt);
            }
            match scene.plane_normal {
                Some(plane) => {
                    let t = plane.cross(&n);
                    let t = t
                        .try_normalize(1e-12)
                        .unwrap_or_else(|| any_perpendicular(&n));
                    contact.tangents.set_column(0, &t);
                }
                None => {
                    let t1 = any_perpendicular(&n);
                    contact.tangents.set_column(0, &t1);
                    contact.tangents.set_column(1, &n.cross(&t1));
                }
            }
            if contact.jac_normal.len() != nv {
                contact.jac_normal = DVector::zeros(nv);
            }
            contact.jac_normal.gemv_tr(1.0, &self.jac_relative, &n, 0.0);
            if contact.jac_tangent.shape() != (nt, nv) {
                contact.jac_tangent = DMatrix::zeros(nt, nv);
            }
            contact
                .jac_tangent
                .gemm_tr(1.0, &contact.tangents, &self.jac_relative, 0.0);
        }
        Ok(&self.pool[..self.len])
    }
}

/// A scene's geometry posed at one configuration, as the proximity query sees it.
struct SceneShapes<'a> {
    scene: &'a Scene,
    poses: &'a [Isometry3<f64>],
}

impl ShapeSet for SceneShapes<'_> {
    fn len(&self) -> usize {
        self.poses.len()
    }
    fn shape(&self, i: usize) -> &Shape {
        &self.scene.geometries[i].shape
    }
    fn pose(&self, i: usize) -> &Isometry3<f64> {
        &self.poses[i]
    }
    fn body(&self, i: usize) -> usize {
        self.scene.geometries[i].link
    }
}
