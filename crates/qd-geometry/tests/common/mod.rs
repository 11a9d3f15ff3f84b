//! Shared generators and an independent surface oracle for the geometry tests.
//!
//! The oracle evaluates each shape's signed distance field from its textbook closed form,
//! written here separately from the crate's code, so tests compare two computations.
#![allow(dead_code)]

pub mod cylinder_reference;

use nalgebra::{Isometry3, Point3, Quaternion, Translation3, UnitQuaternion, Vector3};
use proptest::prelude::*;
use qd_geometry::{Pose, Shape};

/// A shape together with what the oracle needs to know about it.
#[derive(Debug, Clone)]
pub struct TestShape {
    pub shape: Shape,
    pub sdf: LocalSdf,
}

/// Closed-form signed distance fields in the shape's local frame.
#[derive(Debug, Clone)]
pub enum LocalSdf {
    Sphere(f64),
    Capsule {
        radius: f64,
        half_len: f64,
    },
    Box(Vector3<f64>),
    Cylinder {
        radius: f64,
        half_len: f64,
    },
    HalfSpace,
    /// Face planes `(outward unit normal, offset)`; the SDF is exact on the surface and outside
    /// near faces, which is all the witness checks need.
    Planes(Vec<(Vector3<f64>, f64)>),
}

impl LocalSdf {
    pub fn eval(&self, p: &Point3<f64>) -> f64 {
        match self {
            LocalSdf::Sphere(r) => p.coords.norm() - r,
            LocalSdf::Capsule { radius, half_len } => {
                let z = p.z.clamp(-half_len, *half_len);
                (p - Point3::new(0.0, 0.0, z)).norm() - radius
            }
            LocalSdf::Box(h) => {
                let q = p.coords.abs() - h;
                let outside = q.map(|v| v.max(0.0)).norm();
                outside + q.x.max(q.y).max(q.z).min(0.0)
            }
            LocalSdf::Cylinder { radius, half_len } => {
                let dr = p.x.hypot(p.y) - radius;
                let dz = p.z.abs() - half_len;
                dr.max(dz).min(0.0) + dr.max(0.0).hypot(dz.max(0.0))
            }
            LocalSdf::HalfSpace => p.z,
            LocalSdf::Planes(planes) => planes
                .iter()
                .map(|(n, off)| n.dot(&p.coords) - off)
                .fold(f64::MIN, f64::max),
        }
    }

    /// The radius by which a sphere (a point) or capsule (a segment) inflates its core; 0 for
    /// shapes without a lower-dimensional core.
    pub fn inflation(&self) -> f64 {
        match self {
            LocalSdf::Sphere(r) => *r,
            LocalSdf::Capsule { radius, .. } => *radius,
            _ => 0.0,
        }
    }

    /// Signed distance of a world point to the posed shape's surface.
    pub fn eval_world(&self, pose: &Pose, p: &Point3<f64>) -> f64 {
        self.eval(&pose.inverse_transform_point(p))
    }
}

pub const KINDS: [&str; 6] = [
    "sphere",
    "capsule",
    "box",
    "cylinder",
    "halfspace",
    "convex",
];

pub fn arb_unit_quaternion() -> impl Strategy<Value = UnitQuaternion<f64>> {
    prop::array::uniform4(-1.0..1.0f64)
        .prop_filter("quaternion too short to normalise", |q| {
            q.iter().map(|v| v * v).sum::<f64>() > 0.04
        })
        .prop_map(|[w, x, y, z]| UnitQuaternion::new_normalize(Quaternion::new(w, x, y, z)))
}

pub fn arb_pose(spread: f64) -> impl Strategy<Value = Pose> {
    (
        prop::array::uniform3(-spread..spread),
        arb_unit_quaternion(),
    )
        .prop_map(|(t, r)| Isometry3::from_parts(Translation3::from(t), r))
}

fn tetrahedron(points: [[f64; 3]; 4]) -> Option<TestShape> {
    let p: Vec<Point3<f64>> = points.iter().map(|v| Point3::from(*v)).collect();
    let volume = (p[1] - p[0])
        .cross(&(p[2] - p[0]))
        .dot(&(p[3] - p[0]))
        .abs()
        / 6.0;
    if volume < 2e-3 {
        return None;
    }
    let mut planes = Vec::new();
    for skip in 0..4 {
        let face: Vec<&Point3<f64>> = (0..4).filter(|&k| k != skip).map(|k| &p[k]).collect();
        let mut n = (face[1] - face[0]).cross(&(face[2] - face[0])).normalize();
        if n.dot(&(p[skip] - face[0])) > 0.0 {
            n = -n;
        }
        planes.push((n, n.dot(&face[0].coords)));
    }
    let shape = Shape::convex_hull(&p).ok()?;
    Some(TestShape {
        shape,
        sdf: LocalSdf::Planes(planes),
    })
}

/// A random shape of the given kind (index into [`KINDS`]) with dimensions in 5–50 cm.
pub fn arb_shape(kind: usize) -> BoxedStrategy<TestShape> {
    let dim = || 0.05..0.5f64;
    match kind {
        0 => dim()
            .prop_map(|r| TestShape {
                shape: Shape::sphere(r).unwrap(),
                sdf: LocalSdf::Sphere(r),
            })
            .boxed(),
        1 => (dim(), dim())
            .prop_map(|(r, l)| TestShape {
                shape: Shape::capsule(r, l).unwrap(),
                sdf: LocalSdf::Capsule {
                    radius: r,
                    half_len: l / 2.0,
                },
            })
            .boxed(),
        2 => prop::array::uniform3(0.1..1.0f64)
            .prop_map(|s| TestShape {
                shape: Shape::cuboid(s).unwrap(),
                sdf: LocalSdf::Box(Vector3::from(s) / 2.0),
            })
            .boxed(),
        3 => (dim(), 0.1..1.0f64)
            .prop_map(|(r, l)| TestShape {
                shape: Shape::cylinder(r, l).unwrap(),
                sdf: LocalSdf::Cylinder {
                    radius: r,
                    half_len: l / 2.0,
                },
            })
            .boxed(),
        4 => Just(TestShape {
            shape: Shape::half_space(),
            sdf: LocalSdf::HalfSpace,
        })
        .boxed(),
        _ => prop::array::uniform4(prop::array::uniform3(-0.4..0.4f64))
            .prop_filter_map("flat tetrahedron", tetrahedron)
            .boxed(),
    }
}

/// A random pair of shape kinds that is not two half-spaces, with shapes and poses.
pub fn arb_pair() -> impl Strategy<Value = (TestShape, Pose, TestShape, Pose)> {
    (0..6usize, 0..6usize)
        .prop_filter("two half-spaces", |(a, b)| !(*a == 4 && *b == 4))
        .prop_flat_map(|(a, b)| (arb_shape(a), arb_pose(0.6), arb_shape(b), arb_pose(0.6)))
}

/// A proptest configuration drawing `cases` cases from a fixed seed, so that CI runs are
/// reproducible (`PROPTEST_RNG_SEED=N` explores others), with room for `max_global_rejects`
/// skipped draws and no regression files.
pub fn fixed_seed_config(default_seed: u64, cases: u32, max_global_rejects: u32) -> ProptestConfig {
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_seed);
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        failure_persistence: None,
        max_global_rejects,
        ..ProptestConfig::default()
    }
}

/// Support value `max over the posed shape of n · x` (n unit), from each shape's definition.
pub fn support(shape: &Shape, pose: &Pose, n: &Vector3<f64>) -> f64 {
    let centre = pose.translation.vector.dot(n);
    let local = pose.rotation.inverse() * n;
    let extent = match shape {
        Shape::Sphere { radius } => *radius,
        Shape::Capsule { radius, length } => radius + 0.5 * length * local.z.abs(),
        Shape::Cuboid { half_extents } => half_extents.dot(&local.abs()),
        Shape::Cylinder { radius, length } => {
            radius * local.x.hypot(local.y) + 0.5 * length * local.z.abs()
        }
        Shape::ConvexPolyhedron(hull) => hull
            .vertices()
            .iter()
            .map(|v: &Point3<f64>| v.coords.dot(&local))
            .fold(f64::NEG_INFINITY, f64::max),
        Shape::HalfSpace => f64::INFINITY,
    };
    centre + extent
}

/// Draws per class of an ignored survey: `QD_SURVEY_DRAWS` when set to a number, else `default`.
pub fn survey_draws(default: usize) -> usize {
    std::env::var("QD_SURVEY_DRAWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
