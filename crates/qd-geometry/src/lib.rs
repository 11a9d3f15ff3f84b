//! # qd-geometry
//!
//! The geometry layer of qd: collision shapes, the signed distance between two posed shapes,
//! and the proximity query "all pairs closer than `d_detect`" that the contact model is built
//! on. Kinematics and contact Jacobians join this crate next.
//!
//! Conventions (see `SPEC.md` §1 and `docs/architecture.md`): SI units, world z up, poses are
//! `world_from_shape` isometries, quaternions in files are `[w, x, y, z]`. A signed distance φ
//! is positive apart and negative in penetration; the normal points from A toward B and
//! `witness_b − witness_a = φ · normal`.
//!
//! ```
//! use qd_geometry::{Shape, signed_distance};
//! use nalgebra::Isometry3;
//!
//! let finger_link = Shape::capsule(0.05, 0.3)?;
//! let ball = Shape::sphere(0.25)?;
//! let link_pose = Isometry3::translation(0.0, 0.0, 0.0);
//! let ball_pose = Isometry3::translation(0.0, 0.35, 0.0);
//! let d = signed_distance(&finger_link, &link_pose, &ball, &ball_pose)?;
//! assert!((d.distance - 0.05).abs() < 1e-12);
//! let gap = d.witness_b - d.witness_a;
//! assert!((gap - d.normal.into_inner() * d.distance).norm() < 1e-12);
//! # Ok::<(), qd_geometry::GeometryError>(())
//! ```

mod contact_query;
mod distance;
mod error;
pub mod kinematics;
mod parry_bridge;
mod pose;
mod proximity;
pub mod scene;
mod shape;
mod shape_spec;
pub mod urdf;

pub use contact_query::{Contact, ContactQuery};
pub use distance::{
    DistanceMethod, SignedDistance, distance_method, signed_distance, signed_distance_general,
};
pub use error::GeometryError;
pub use pose::{Pose, PoseSpec, QUATERNION_NORM_TOLERANCE, check_pose_finite};
pub use proximity::{CollisionFilter, PosedShape, ProximityPair, ProximityQuery};
pub use shape::{ConvexHull, Shape};
pub use shape_spec::ShapeSpec;
