//! The plain-data description of a shape, as written in JSON (the `qd distance` input) and in
//! scene files. Converting it to a [`Shape`] validates every dimension.

use crate::error::GeometryError;
use crate::shape::Shape;
use nalgebra::Point3;
use serde::{Deserialize, Serialize};

/// A shape as written in files: `{"sphere": {"radius": 0.1}}`, `{"box": {"size": [lx, ly, lz]}}`
/// (full edge lengths), `{"capsule": {"radius": r, "length": l}}` and
/// `{"cylinder": {"radius": r, "length": l}}` (along local z), `{"halfspace": {}}` (solid
/// `z ≤ 0`), `{"convex": {"points": [[x, y, z], ...]}}` (convex hull). All lengths in metres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum ShapeSpec {
    /// Ball centred on the origin.
    Sphere {
        /// Radius (m).
        radius: f64,
    },
    /// Capsule along local z.
    Capsule {
        /// Radius (m).
        radius: f64,
        /// Length of the core segment (m).
        length: f64,
    },
    /// Box centred on the origin.
    Box {
        /// Full edge lengths `[lx, ly, lz]` (m).
        size: [f64; 3],
    },
    /// Cylinder along local z.
    Cylinder {
        /// Radius (m).
        radius: f64,
        /// Full length (m).
        length: f64,
    },
    /// Half-space `z ≤ 0`, outward normal `+z`.
    Halfspace {},
    /// Convex hull of points.
    Convex {
        /// Points in the local frame (m).
        points: Vec<[f64; 3]>,
    },
}

impl ShapeSpec {
    /// Builds the validated [`Shape`].
    pub fn to_shape(&self) -> Result<Shape, GeometryError> {
        match self {
            ShapeSpec::Sphere { radius } => Shape::sphere(*radius),
            ShapeSpec::Capsule { radius, length } => Shape::capsule(*radius, *length),
            ShapeSpec::Box { size } => Shape::cuboid(*size),
            ShapeSpec::Cylinder { radius, length } => Shape::cylinder(*radius, *length),
            ShapeSpec::Halfspace {} => Ok(Shape::half_space()),
            ShapeSpec::Convex { points } => {
                let points: Vec<Point3<f64>> = points.iter().map(|p| Point3::from(*p)).collect();
                Shape::convex_hull(&points)
            }
        }
    }
}
