//! # qd-geometry
//!
//! The geometry layer of qd, everything the contact model needs to know about space:
//!
//! - [`Shape`] and [`signed_distance`]: collision shapes and the exact signed distance, normal
//!   and witness points between two posed shapes (closed forms, and GJK with an exact
//!   penetration solver for the rest);
//! - [`PairRate`]: how a pair's normal and witness points move under rigid motions of the two
//!   shapes (what derivatives of the contact Jacobians need);
//! - [`ProximityQuery`]: all shape pairs closer than a detection distance (broad phase);
//! - [`kinematics`]: the multibody tree (fixed, revolute, prismatic, planar and free joints),
//!   forward kinematics and point Jacobians, the update `q ⊕ δv`;
//! - [`urdf`] and [`scene`]: robots from URDF, scenes from TOML (`docs/scene-format.md`);
//! - [`ContactQuery`]: at a configuration q, every contact with φ, normal, tangents, μ and the
//!   Jacobians `J_n`, `J_t`; pairs with flat faces get a contact [`manifold`] (a box on a
//!   table stands on its corners).
//!
//! Conventions (`docs/architecture.md`, "Conventions"): SI units, world z up, poses are
//! `world_from_local` isometries, quaternions in files are `[w, x, y, z]`. φ is positive apart
//! and negative in penetration; the normal points from A toward B and
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
//!
//! A scene and its contacts:
//!
//! ```
//! use qd_geometry::{ContactQuery, scene::Scene};
//!
//! let text = r#"
//! name = "ball-on-ground"
//! [[environment]]
//! shape = { halfspace = {} }
//! [[objects]]
//! name = "ball"
//! joint = { type = "free" }
//! mass = 1.0
//! inertia = [0.004, 0.004, 0.004]
//! default_q = [0.0, 0.0, 0.1, 1.0, 0.0, 0.0, 0.0]
//! [[objects.collisions]]
//! shape = { sphere = { radius = 0.1 } }
//! "#;
//! let scene = Scene::from_toml_str(text, &|path: &str| Err(format!("no file {path}")))?;
//! let mut query = ContactQuery::new();
//! let contacts = query.contacts(&scene, scene.default_q(), None)?;
//! assert_eq!(contacts.len(), 1);
//! assert!(contacts[0].distance.distance.abs() < 1e-12); // resting on the ground
//! assert!((contacts[0].jac_normal[2] - 1.0).abs() < 1e-12); // lifting the ball opens the gap
//! # Ok::<(), qd_geometry::GeometryError>(())
//! ```

// Library code returns typed errors: nothing a user can influence may panic (docs/code-style.md).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]
mod contact_query;
mod distance;
mod error;
mod glam_convert;
pub mod grasp;
pub mod kinematics;
pub mod manifold;
mod parry_bridge;
mod pose;
mod proximity;
pub mod scene;
mod shape;
mod shape_spec;
pub mod urdf;

pub use contact_query::{Contact, ContactQuery, tangent_basis, tangent_basis_jacobian};

/// The lengths a shape may have (m): radii, lengths and box edges outside this range are
/// refused. Beyond it signed distances lose their precision in round-off (and parry's
/// queries fail); below it they are round-off themselves.
pub const LENGTH_RANGE: (f64, f64) = (1e-6, 1e6);

/// How far from the origin a pose may be placed (m), per coordinate.
pub const WORLD_EXTENT: f64 = 1e6;
pub use distance::{
    DistanceMethod, DistanceRates, PairRate, RATE_DIFFERENCE_STEP, SignedDistance, Twist,
    distance_method, signed_distance, signed_distance_general,
};
pub use error::GeometryError;
pub use pose::{Pose, PoseSpec, QUATERNION_NORM_TOLERANCE, check_pose_finite};
pub use proximity::{CollisionFilter, PosedShape, ProximityPair, ProximityQuery, ShapeSet};
pub use shape::{ConvexHull, Shape};
pub use shape_spec::ShapeSpec;
