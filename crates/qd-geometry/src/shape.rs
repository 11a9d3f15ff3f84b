//! Collision shapes, each described in its own local frame.
//!
//! Conventions (docs/architecture.md, "Conventions"): SI units (metres). Shapes with an axis (capsule, cylinder) lie along
//! their local **z** axis and are centred on the local origin. A half-space is the solid
//! `z ≤ 0` of its frame, with outward normal local `+z`.

use crate::error::GeometryError;
use nalgebra::{Point3, Vector3};
use parry3d_f64::shape::ConvexPolyhedron;
use std::sync::Arc;

/// A convex collision shape in its local frame.
///
/// Build shapes with the checked constructors ([`Shape::sphere`], [`Shape::cuboid`], ...), which
/// reject non-positive or non-finite dimensions, so every `Shape` value is valid.
#[derive(Debug, Clone)]
pub enum Shape {
    /// Ball of the given radius centred on the origin.
    Sphere {
        /// Radius (m).
        radius: f64,
    },
    /// Segment from `(0, 0, -length/2)` to `(0, 0, +length/2)` swept by a ball of `radius`.
    Capsule {
        /// Radius of the swept ball (m).
        radius: f64,
        /// Length of the core segment along local z (m); the total length is `length + 2 radius`.
        length: f64,
    },
    /// Box centred on the origin, axis-aligned in its frame.
    Cuboid {
        /// Half of each edge length (m).
        half_extents: Vector3<f64>,
    },
    /// Solid circular cylinder along local z, centred on the origin.
    Cylinder {
        /// Radius (m).
        radius: f64,
        /// Full length along local z (m).
        length: f64,
    },
    /// The solid `z ≤ 0` of its frame; outward normal local `+z`.
    HalfSpace,
    /// Convex hull of a point set.
    ConvexPolyhedron(ConvexHull),
}

/// Convex hull of a point cloud, kept both as its vertices (for analytic queries) and as parry's
/// polyhedron (for GJK/EPA). Shared behind an `Arc` so cloning a shape is cheap.
#[derive(Debug, Clone)]
pub struct ConvexHull {
    vertices: Arc<[Point3<f64>]>,
    face_normals: Arc<[Vector3<f64>]>,
    face_offsets: Arc<[f64]>,
    edge_directions: Arc<[Vector3<f64>]>,
    polyhedron: Arc<ConvexPolyhedron>,
}

impl ConvexHull {
    /// Vertices of the hull (a subset of the input points), in the local frame (m).
    pub fn vertices(&self) -> &[Point3<f64>] {
        &self.vertices
    }

    /// Outward unit normals of the hull's faces, local frame.
    pub fn face_normals(&self) -> &[Vector3<f64>] {
        &self.face_normals
    }

    /// Each face's plane offset: the hull is `{x : nᵢ · x ≤ dᵢ for every face i}` in the local
    /// frame (m), with nᵢ from [`ConvexHull::face_normals`].
    pub fn face_offsets(&self) -> &[f64] {
        &self.face_offsets
    }

    /// Unit directions of the hull's edges, local frame.
    pub fn edge_directions(&self) -> &[Vector3<f64>] {
        &self.edge_directions
    }

    pub(crate) fn polyhedron(&self) -> &ConvexPolyhedron {
        &self.polyhedron
    }
}

fn check_positive(
    shape: &'static str,
    field: &'static str,
    value: f64,
) -> Result<(), GeometryError> {
    if (crate::LENGTH_RANGE.0..=crate::LENGTH_RANGE.1).contains(&value) {
        Ok(())
    } else {
        Err(GeometryError::InvalidDimension {
            shape,
            field,
            value,
        })
    }
}

impl Shape {
    /// A sphere of `radius` metres.
    pub fn sphere(radius: f64) -> Result<Self, GeometryError> {
        check_positive("sphere", "radius", radius)?;
        Ok(Shape::Sphere { radius })
    }

    /// A capsule of `radius` whose core segment of `length` lies along local z.
    pub fn capsule(radius: f64, length: f64) -> Result<Self, GeometryError> {
        check_positive("capsule", "radius", radius)?;
        check_positive("capsule", "length", length)?;
        Ok(Shape::Capsule { radius, length })
    }

    /// A box with full edge lengths `size = [lx, ly, lz]` (m).
    pub fn cuboid(size: [f64; 3]) -> Result<Self, GeometryError> {
        for value in size {
            check_positive("box", "size", value)?;
        }
        Ok(Shape::Cuboid {
            half_extents: Vector3::from(size) * 0.5,
        })
    }

    /// A cylinder of `radius` and full `length` along local z.
    pub fn cylinder(radius: f64, length: f64) -> Result<Self, GeometryError> {
        check_positive("cylinder", "radius", radius)?;
        check_positive("cylinder", "length", length)?;
        Ok(Shape::Cylinder { radius, length })
    }

    /// The half-space `z ≤ 0` of its frame.
    pub fn half_space() -> Self {
        Shape::HalfSpace
    }

    /// The convex hull of `points` (local frame, m). Needs at least four affinely independent
    /// finite points.
    pub fn convex_hull(points: &[Point3<f64>]) -> Result<Self, GeometryError> {
        if points.len() < 4 {
            return Err(GeometryError::InvalidHull(format!(
                "need at least 4 points, got {}",
                points.len()
            )));
        }
        if let Some(bad) = points
            .iter()
            .find(|p| !p.coords.iter().all(|c| c.abs() <= crate::LENGTH_RANGE.1))
        {
            return Err(GeometryError::InvalidHull(format!(
                "point ({}, {}, {}) is not finite or lies beyond {:e} m",
                bad.x,
                bad.y,
                bad.z,
                crate::LENGTH_RANGE.1
            )));
        }
        let glam_points: Vec<_> = points
            .iter()
            .map(crate::glam_convert::to_glam_point)
            .collect();
        let polyhedron = ConvexPolyhedron::from_convex_hull(&glam_points).ok_or_else(|| {
            GeometryError::InvalidHull("points are degenerate (coplanar or collinear)".to_string())
        })?;
        let vertices: Vec<Point3<f64>> = polyhedron
            .points()
            .iter()
            .map(crate::glam_convert::from_glam_point)
            .collect();
        // A flat hull has no volume: its signed distance is ill-posed, reject it.
        let volume = hull_volume_bound(&vertices);
        if volume <= 1e-18 {
            return Err(GeometryError::InvalidHull(
                "points are degenerate (coplanar or collinear)".to_string(),
            ));
        }
        let face_normals: Vec<Vector3<f64>> = polyhedron
            .faces()
            .iter()
            .map(|f| crate::glam_convert::from_glam_vector(&f.normal))
            .collect();
        let face_offsets: Vec<f64> = face_normals
            .iter()
            .map(|n| {
                vertices
                    .iter()
                    .map(|v| n.dot(&v.coords))
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        let edge_directions: Vec<Vector3<f64>> = polyhedron
            .edges()
            .iter()
            .map(|e| crate::glam_convert::from_glam_vector(&e.dir).normalize())
            .collect();
        Ok(Shape::ConvexPolyhedron(ConvexHull {
            vertices: vertices.into(),
            face_normals: face_normals.into(),
            face_offsets: face_offsets.into(),
            edge_directions: edge_directions.into(),
            polyhedron: Arc::new(polyhedron),
        }))
    }

    /// Lower-case name of the shape kind, as used in files and error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Shape::Sphere { .. } => "sphere",
            Shape::Capsule { .. } => "capsule",
            Shape::Cuboid { .. } => "box",
            Shape::Cylinder { .. } => "cylinder",
            Shape::HalfSpace => "halfspace",
            Shape::ConvexPolyhedron(_) => "convex",
        }
    }

    /// Radius of a ball centred on the local origin that contains the shape (m);
    /// `f64::INFINITY` for the half-space. Used by the broad phase.
    pub fn bounding_radius(&self) -> f64 {
        match self {
            Shape::Sphere { radius } => *radius,
            Shape::Capsule { radius, length } => radius + 0.5 * length,
            Shape::Cuboid { half_extents } => half_extents.norm(),
            Shape::Cylinder { radius, length } => radius.hypot(0.5 * length),
            Shape::HalfSpace => f64::INFINITY,
            Shape::ConvexPolyhedron(hull) => hull
                .vertices
                .iter()
                .map(|p| p.coords.norm())
                .fold(0.0, f64::max),
        }
    }

    /// The support point in local direction `dir` (any non-zero vector): the point of the
    /// shape that maximises `dir · p`. Ties are broken toward the centre of the supporting face,
    /// so a box lying flat reports its face centre. Not defined for the half-space.
    pub(crate) fn local_support_point(&self, dir: &Vector3<f64>) -> Point3<f64> {
        match self {
            Shape::Sphere { radius } => Point3::from(dir.normalize() * *radius),
            Shape::Capsule { radius, length } => {
                let end = 0.5 * length * sign_or_zero(dir.z);
                Point3::new(0.0, 0.0, end) + dir.normalize() * *radius
            }
            Shape::Cuboid { half_extents } => Point3::new(
                half_extents.x * sign_or_zero(dir.x),
                half_extents.y * sign_or_zero(dir.y),
                half_extents.z * sign_or_zero(dir.z),
            ),
            Shape::Cylinder { radius, length } => {
                let radial = Vector3::new(dir.x, dir.y, 0.0);
                let radial_norm = radial.norm();
                let rim = if radial_norm > 1e-14 * dir.norm() {
                    radial * (*radius / radial_norm)
                } else {
                    Vector3::zeros()
                };
                Point3::new(rim.x, rim.y, 0.5 * length * sign_or_zero(dir.z))
            }
            Shape::HalfSpace => Point3::origin(),
            Shape::ConvexPolyhedron(hull) => {
                let mut best = hull.vertices[0];
                let mut best_dot = dir.dot(&best.coords);
                for v in hull.vertices.iter().skip(1) {
                    let d = dir.dot(&v.coords);
                    if d > best_dot {
                        best_dot = d;
                        best = *v;
                    }
                }
                best
            }
        }
    }
}

/// `signum` that returns 0 for (near) zero, so ties pick the middle of a face or edge.
fn sign_or_zero(x: f64) -> f64 {
    if x.abs() <= 1e-14 { 0.0 } else { x.signum() }
}

/// A measure of how far a point set is from flat (m³): the volume of a tetrahedron grown
/// greedily (farthest point, then farthest from the line, then farthest from the plane).
/// Zero for collinear or coplanar sets. Linear time, so large mesh hulls stay cheap to build.
fn hull_volume_bound(vertices: &[Point3<f64>]) -> f64 {
    let Some(a) = vertices.first() else {
        return 0.0;
    };
    let farthest = |score: &dyn Fn(&Point3<f64>) -> f64| {
        vertices
            .iter()
            .map(|p| (score(p), *p))
            .fold(
                (0.0, *a),
                |best, cur| if cur.0 > best.0 { cur } else { best },
            )
    };
    let (_, b) = farthest(&|p| (p - a).norm());
    let ab = b - a;
    let (_, c) = farthest(&|p| (p - a).cross(&ab).norm());
    let normal = ab.cross(&(c - a));
    let (_, d) = farthest(&|p| (p - a).dot(&normal).abs());
    normal.dot(&(d - a)).abs() / 6.0
}
