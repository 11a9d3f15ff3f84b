//! The contact query of a scene at a configuration: every geometry pair within the detection
//! distance, with φ, normal, tangent basis, friction and the contact Jacobians (docs/architecture.md, "Conventions").

use crate::distance::{SignedDistance, any_perpendicular, perpendicular_axis, signed_distance};
use crate::error::GeometryError;
use crate::kinematics::{KinematicsCache, LinkId};
use crate::manifold::{ContactFeature, feature_distance, has_manifold, pair_manifold};
use crate::proximity::{ProximityPair, ProximityQuery, ShapeSet};
use crate::scene::Scene;
use crate::shape::Shape;
use nalgebra::{DMatrix, DVector, Isometry3, Matrix3, Vector3};

/// One contact pair at a configuration.
#[derive(Debug, Clone)]
pub struct Contact {
    /// Index of geometry A in [`Scene::geometries`] (`a < b`).
    pub geometry_a: usize,
    /// Index of geometry B.
    pub geometry_b: usize,
    /// What the contact measures: the pair's closest points, or one feature point of a contact
    /// manifold (`crate::manifold`).
    pub feature: ContactFeature,
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
    /// One pair's manifold contacts, reused from pair to pair.
    manifold: Vec<(ContactFeature, SignedDistance)>,
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
        self.update_poses(scene, q)?;
        let d_detect = d_detect.unwrap_or(scene.d_detect);
        let posed = SceneShapes {
            scene,
            poses: &self.world_from_geometry,
        };
        self.proximity
            .pairs_within(&posed, &scene.filter, d_detect, &mut self.pairs)?;

        self.len = 0;
        for k in 0..self.pairs.len() {
            let pair = self.pairs[k];
            let (shape_a, shape_b) = (
                &scene.geometries[pair.a].shape,
                &scene.geometries[pair.b].shape,
            );
            if scene.contact_manifold && has_manifold(shape_a, shape_b) {
                pair_manifold(
                    (shape_a, &self.world_from_geometry[pair.a]),
                    (shape_b, &self.world_from_geometry[pair.b]),
                    &pair.distance,
                    d_detect,
                    scene.plane_normal.as_ref(),
                    &mut self.manifold,
                )?;
                for m in 0..self.manifold.len() {
                    let (feature, distance) = self.manifold[m];
                    self.push_contact(scene, (pair.a, pair.b), feature, distance);
                }
            } else {
                self.push_contact(
                    scene,
                    (pair.a, pair.b),
                    ContactFeature::Closest,
                    pair.distance,
                );
            }
        }
        Ok(&self.pool[..self.len])
    }

    /// Appends one contact to the pool (reusing its storage) from its signed distance.
    fn push_contact(
        &mut self,
        scene: &Scene,
        pair: (usize, usize),
        feature: ContactFeature,
        distance: SignedDistance,
    ) {
        if self.len == self.pool.len() {
            let (nv, nt) = (scene.tree.nv(), tangent_count(scene));
            self.pool.push(Contact {
                geometry_a: 0,
                geometry_b: 0,
                feature,
                distance,
                friction: 0.0,
                tangents: DMatrix::zeros(3, nt),
                jac_normal: DVector::zeros(nv),
                jac_tangent: DMatrix::zeros(nt, nv),
            });
        }
        fill_contact(
            &self.kinematics,
            &mut self.jac_relative,
            scene,
            (pair, feature),
            distance,
            &mut self.pool[self.len],
        );
        self.len += 1;
    }

    /// The smallest signed distance (m) at `q` between a geometry of link `link` and a
    /// geometry of any of `others` (pairs the scene's filter allows), counting only pairs
    /// within `reach`; `None` when there is none. Distances only — no broad phase over the
    /// whole scene, no Jacobians — for samplers that ask many times (the grasp closer).
    ///
    /// # Errors
    /// Wrong length or non-finite q, failed distance queries.
    pub fn closest_distance(
        &mut self,
        scene: &Scene,
        q: &[f64],
        link: LinkId,
        others: &[LinkId],
        reach: f64,
    ) -> Result<Option<f64>, GeometryError> {
        self.update_poses(scene, q)?;
        let mut best: Option<f64> = None;
        for (a, ga) in scene.geometries.iter().enumerate() {
            if ga.link != link {
                continue;
            }
            for (b, gb) in scene.geometries.iter().enumerate() {
                if !others.contains(&gb.link)
                    || !scene.filter.allows(ga.link.index(), gb.link.index())
                {
                    continue;
                }
                let d = signed_distance(
                    &ga.shape,
                    &self.world_from_geometry[a],
                    &gb.shape,
                    &self.world_from_geometry[b],
                )?
                .distance;
                if d <= reach {
                    best = Some(best.map_or(d, |current| current.min(d)));
                }
            }
        }
        Ok(best)
    }

    /// Recomputes the link and geometry poses at `q` without looking for contacts; pair
    /// queries ([`ContactQuery::pair_contact`]) then read these poses. Note that this replaces
    /// the configuration the last [`ContactQuery::contacts`] call's Jacobians were taken at.
    ///
    /// # Errors
    /// Wrong length or non-finite q.
    pub fn update_poses(&mut self, scene: &Scene, q: &[f64]) -> Result<(), GeometryError> {
        self.kinematics.update(&scene.tree, q)?;
        self.update_geometry_poses(scene);
        Ok(())
    }

    /// Recomputes the geometry poses from the link poses in [`ContactQuery::kinematics`] (after
    /// setting them directly, e.g. with [`KinematicsCache::displaced`]).
    pub fn update_geometry_poses(&mut self, scene: &Scene) {
        self.world_from_geometry.clear();
        self.world_from_geometry.extend(
            scene
                .geometries
                .iter()
                .map(|g| self.kinematics.world_from_link[g.link] * g.link_from_geometry),
        );
    }

    /// The contact `feature` of geometries `a` and `b` (indices into `Scene::geometries`) at
    /// the poses of the last [`ContactQuery::update_poses`] or [`ContactQuery::contacts`] call,
    /// whatever its distance, written into `out` (whose storage is reused). Used to
    /// differentiate the contact rows by finite differences of the geometry alone.
    ///
    /// # Errors
    /// Indices out of range, a half-space pair, a feature point the shape does not have, a
    /// failed distance query.
    pub fn pair_contact(
        &mut self,
        scene: &Scene,
        (a, b): (usize, usize),
        feature: ContactFeature,
        out: &mut Contact,
    ) -> Result<(), GeometryError> {
        let count = self.world_from_geometry.len();
        if a >= count || b >= count {
            return Err(GeometryError::Model(format!(
                "geometry pair ({a}, {b}) out of range: the scene has {count} geometries"
            )));
        }
        let distance = feature_distance(
            feature,
            &scene.geometries[a].shape,
            &self.world_from_geometry[a],
            &scene.geometries[b].shape,
            &self.world_from_geometry[b],
        )?;
        fill_contact(
            &self.kinematics,
            &mut self.jac_relative,
            scene,
            ((a, b), feature),
            distance,
            out,
        );
        Ok(())
    }
}

/// Fills φ, friction, tangents and the Jacobians of the contact `feature` of pair (a, b) from
/// its signed distance, at the current kinematics.
fn fill_contact(
    kinematics: &KinematicsCache,
    jac_relative: &mut DMatrix<f64>,
    scene: &Scene,
    ((a, b), feature): ((usize, usize), ContactFeature),
    d: SignedDistance,
    contact: &mut Contact,
) {
    let tree = &scene.tree;
    let nv = tree.nv();
    let nt = tangent_count(scene);
    let (ga, gb) = (&scene.geometries[a], &scene.geometries[b]);
    // J_c = ∂(p_B − p_A)/∂v, each witness moving with its own link.
    if jac_relative.nrows() != 3 || jac_relative.ncols() != nv {
        *jac_relative = DMatrix::zeros(3, nv);
    } else {
        // A slice fill: nalgebra's `fill` walks a strided element iterator (~3 % of an
        // Allegro step when it did).
        jac_relative.as_mut_slice().fill(0.0);
    }
    kinematics.accumulate_point_jacobian(tree, gb.link, &d.witness_b, 1.0, jac_relative);
    kinematics.accumulate_point_jacobian(tree, ga.link, &d.witness_a, -1.0, jac_relative);
    contact.geometry_a = a;
    contact.geometry_b = b;
    contact.feature = feature;
    contact.distance = d;
    contact.friction = scene.friction_between(a, b);
    let n = d.normal.into_inner();
    if contact.tangents.shape() != (3, nt) {
        contact.tangents = DMatrix::zeros(3, nt);
    }
    let tangents = tangent_basis(scene, &n);
    for (t, tangent) in tangents.iter().take(nt).enumerate() {
        contact.tangents.set_column(t, tangent);
    }
    if contact.jac_normal.len() != nv {
        contact.jac_normal = DVector::zeros(nv);
    }
    if contact.jac_tangent.shape() != (nt, nv) {
        contact.jac_tangent = DMatrix::zeros(nt, nv);
    }
    // J_n = nᵀ J_c and J_t = Tᵀ J_c, column by column: written out, these 3-term products
    // cost a fraction of nalgebra's general small-matrix products (a measured ~5 % of an
    // Allegro step's instructions).
    let dot =
        |a: &Vector3<f64>, column: &[f64]| a.x * column[0] + a.y * column[1] + a.z * column[2];
    for (i, column) in jac_relative.as_slice().chunks_exact(3).enumerate() {
        contact.jac_normal[i] = dot(&n, column);
        for (t, tangent) in tangents.iter().take(nt).enumerate() {
            contact.jac_tangent[(t, i)] = dot(tangent, column);
        }
    }
}

/// The tangent basis of a contact with unit normal `n`, as [`Contact::tangents`] holds it:
/// `[plane_normal × n, unused]` in planar scenes, `[t₁, n × t₁]` with `t₁ ⊥ n` chosen by
/// a fixed rule otherwise (smooth in n except where the rule switches axis).
pub fn tangent_basis(scene: &Scene, n: &Vector3<f64>) -> [Vector3<f64>; 2] {
    match scene.plane_normal {
        Some(plane) => {
            let t = plane
                .cross(n)
                .try_normalize(1e-12)
                .unwrap_or_else(|| any_perpendicular(n));
            [t, Vector3::zeros()]
        }
        None => {
            let t1 = any_perpendicular(n);
            [t1, n.cross(&t1)]
        }
    }
}

/// How [`tangent_basis`] turns with the normal: matrices `[P₁, P₂]` such that a change `dn`
/// of the unit normal (`dn ⊥ n`) changes the tangents by `dtᵢ = Pᵢ dn`, wherever the basis is
/// smooth (everywhere but where its rule switches axis). `P₂` is zero in planar scenes.
pub fn tangent_basis_jacobian(scene: &Scene, n: &Vector3<f64>) -> [Matrix3<f64>; 2] {
    // Each first tangent is t = w / |w| with w = M n linear in n (M a cross-product matrix),
    // so dt = (I − t tᵀ) M dn / |w|.
    let unit_and_rate = |m: Matrix3<f64>| {
        let w = m * n;
        let length = w.norm();
        let t = w / length;
        (t, (Matrix3::identity() - t * t.transpose()) * m / length)
    };
    let spatial = || {
        // t₁ = n × e = −[e]× n, t₂ = n × t₁.
        let (t1, p1) = unit_and_rate(-perpendicular_axis(n).cross_matrix());
        [p1, -t1.cross_matrix() + n.cross_matrix() * p1]
    };
    match scene.plane_normal {
        Some(plane) if plane.cross(n).norm() > 1e-12 => {
            [unit_and_rate(plane.cross_matrix()).1, Matrix3::zeros()]
        }
        Some(_) => [spatial()[0], Matrix3::zeros()],
        None => spatial(),
    }
}

/// Tangent directions per contact: 1 in planar scenes, else 2.
fn tangent_count(scene: &Scene) -> usize {
    if scene.plane_normal.is_some() { 1 } else { 2 }
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
        self.scene.geometries[i].link.index()
    }
}
