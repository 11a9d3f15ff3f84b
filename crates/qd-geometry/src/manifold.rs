//! Contact manifolds: several contacts for one pair of shapes, so that a box resting on a table
//! stands on its corners instead of balancing on one point.
//!
//! One signed-distance query gives a pair one contact: the closest points. Where the closest
//! features are a face and a face (a box flat on a table) or an edge and a face, that point is
//! ill-defined (it jumps across the touching face as the pose changes) and one point cannot
//! resist tipping. The manifold adds, for each shape with **feature points** facing a
//! **flat-faced** shape, one contact per feature point within the detection distance:
//!
//! | shape      | feature points (local frame)                                   |
//! |------------|----------------------------------------------------------------|
//! | box        | its 8 vertices                                                 |
//! | convex hull| its vertices                                                   |
//! | capsule    | its 2 segment ends, as balls of the capsule's radius           |
//! | cylinder   | [`RIM_POINTS`] points on each cap's rim (a regular polygon)    |
//!
//! Flat-faced shapes are the half-space, the box and the convex hull; spheres and capsules have
//! no flat face, so pairs with them keep their single point.
//!
//! Every manifold contact is itself an exact signed distance: that of a ball of the feature's
//! radius at the feature point (radius 0 for a vertex) to the **whole** other shape
//! ([`contact_shapes`]). So each one is a valid non-penetration constraint, varies continuously
//! with the poses (a point joins the manifold as its φ falls through d_detect, never with a jump
//! inside it), and its derivatives are those of an ordinary pair ([`crate::PairRate`] of
//! [`contact_shapes`]). The closest-point contact stays in the manifold unless a feature point
//! already carries its distance (within [`COVER_TOLERANCE`]): then it would only duplicate that
//! point (a box on a table: its lowest corners), else it is the edge–edge contact the feature
//! points miss.
//!
//! Planar systems see each shape in projection: feature points behind the shape's centre along
//! the plane normal are left out, so a box's corners appear once, not twice.

use crate::distance::{SignedDistance, signed_distance};
use crate::error::GeometryError;
use crate::pose::Pose;
use crate::shape::Shape;
use nalgebra::{Point3, Translation3, Unit, Vector3};
use std::borrow::Cow;

/// Points on each cylinder cap's rim: the corners of a regular polygon inscribed in the rim,
/// the first on the cylinder's local +x axis. 8 keeps a standing cylinder's support polygon
/// within 1 − cos(π/8) ≈ 8 % of its radius of the rim's.
pub const RIM_POINTS: usize = 8;

/// A feature point whose φ is within this of the closest-point contact's (m) already carries
/// the pair's distance, and the closest-point contact is left out of the manifold.
pub const COVER_TOLERANCE: f64 = 1e-9;

/// In planar systems, feature points this far behind the shape's centre along the plane normal
/// (relative to the shape's bounding radius) are left out: they are the mirror images of the
/// points in front.
const PLANAR_SIDE_TOLERANCE: f64 = 1e-9;

/// Which shape of a pair a feature point belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PairSide {
    /// The pair's first shape (geometry A).
    A,
    /// The pair's second shape (geometry B).
    B,
}

/// What one contact of a pair measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ContactFeature {
    /// The pair's closest points: one signed-distance query of the two whole shapes.
    #[default]
    Closest,
    /// Feature point `index` of one shape (see [`feature_point`]) against the whole other one.
    Point {
        /// The shape the point belongs to.
        side: PairSide,
        /// Its index among the shape's feature points.
        index: u16,
    },
}

impl std::fmt::Display for ContactFeature {
    /// `closest`, or `a:INDEX` / `b:INDEX` for feature point INDEX of geometry A / B (the form
    /// the CLI's JSON and the Python `Contact.feature` carry).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ContactFeature::Closest => write!(f, "closest"),
            ContactFeature::Point { side, index } => {
                let side = match side {
                    PairSide::A => "a",
                    PairSide::B => "b",
                };
                write!(f, "{side}:{index}")
            }
        }
    }
}

/// Whether other shapes' feature points are checked against `shape` (it has flat faces).
pub fn is_flat_faced(shape: &Shape) -> bool {
    matches!(
        shape,
        Shape::HalfSpace | Shape::Cuboid { .. } | Shape::ConvexPolyhedron(_)
    )
}

/// How many feature points `shape` has (see the module documentation).
pub fn feature_point_count(shape: &Shape) -> usize {
    match shape {
        Shape::Cuboid { .. } => 8,
        Shape::ConvexPolyhedron(hull) => hull.vertices().len().min(usize::from(u16::MAX)),
        Shape::Capsule { .. } => 2,
        Shape::Cylinder { .. } => 2 * RIM_POINTS,
        Shape::Sphere { .. } | Shape::HalfSpace => 0,
    }
}

/// Feature point `index` of `shape`: its position in the shape's frame (m) and the radius of
/// the ball centred there that the contact measures from (m; 0 for a vertex or a rim point).
/// `None` past [`feature_point_count`].
pub fn feature_point(shape: &Shape, index: usize) -> Option<(Point3<f64>, f64)> {
    if index >= feature_point_count(shape) {
        return None;
    }
    let sign = |bit: usize| if index & bit == 0 { -1.0 } else { 1.0 };
    match shape {
        Shape::Cuboid { half_extents } => Some((
            Point3::new(
                sign(1) * half_extents.x,
                sign(2) * half_extents.y,
                sign(4) * half_extents.z,
            ),
            0.0,
        )),
        Shape::ConvexPolyhedron(hull) => Some((hull.vertices()[index], 0.0)),
        Shape::Capsule { radius, length } => {
            Some((Point3::new(0.0, 0.0, sign(1) * 0.5 * length), *radius))
        }
        Shape::Cylinder { radius, length } => {
            let (rim, corner) = (index / RIM_POINTS, index % RIM_POINTS);
            let angle = std::f64::consts::TAU * corner as f64 / RIM_POINTS as f64;
            let z = if rim == 0 { -0.5 } else { 0.5 } * length;
            Some((
                Point3::new(radius * angle.cos(), radius * angle.sin(), z),
                0.0,
            ))
        }
        Shape::Sphere { .. } | Shape::HalfSpace => None,
    }
}

/// The shapes and poses a contact's signed distance is taken between: the pair itself for
/// [`ContactFeature::Closest`]; for a feature point, the ball of [`feature_point`] (posed at the
/// point, with its shape's orientation) in place of the shape it belongs to.
///
/// # Errors
/// [`GeometryError::Model`] for a feature index the shape does not have.
pub fn contact_shapes<'s>(
    feature: ContactFeature,
    a: &'s Shape,
    pose_a: &Pose,
    b: &'s Shape,
    pose_b: &Pose,
) -> Result<(Cow<'s, Shape>, Pose, Cow<'s, Shape>, Pose), GeometryError> {
    match feature {
        ContactFeature::Closest => Ok((Cow::Borrowed(a), *pose_a, Cow::Borrowed(b), *pose_b)),
        ContactFeature::Point { side, index } => {
            let (owner, owner_pose) = match side {
                PairSide::A => (a, pose_a),
                PairSide::B => (b, pose_b),
            };
            let (ball, ball_pose) = feature_ball(owner, owner_pose, usize::from(index))?;
            Ok(match side {
                PairSide::A => (Cow::Owned(ball), ball_pose, Cow::Borrowed(b), *pose_b),
                PairSide::B => (Cow::Borrowed(a), *pose_a, Cow::Owned(ball), ball_pose),
            })
        }
    }
}

/// The signed distance a contact measures (see [`contact_shapes`]), normal from A toward B.
///
/// # Errors
/// As [`contact_shapes`] and [`signed_distance`].
pub fn feature_distance(
    feature: ContactFeature,
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
) -> Result<SignedDistance, GeometryError> {
    let (sa, pa, sb, pb) = contact_shapes(feature, a, pose_a, b, pose_b)?;
    signed_distance(&sa, &pa, &sb, &pb)
}

/// Whether the pair has manifold contacts beyond its closest point: one of the shapes has
/// feature points and the other is flat-faced.
pub fn has_manifold(a: &Shape, b: &Shape) -> bool {
    (feature_point_count(a) > 0 && is_flat_faced(b))
        || (feature_point_count(b) > 0 && is_flat_faced(a))
}

/// The contacts of a pair whose closest points are `closest`: each feature point with φ ≤
/// `d_detect`, and the closest-point contact first unless a feature point covers it (module
/// documentation). `plane_normal` is the planar systems' normal. Written into `out` (cleared
/// first; its storage is reused).
///
/// # Errors
/// As [`signed_distance`] for a feature point's query.
pub fn pair_manifold(
    (a, pose_a): (&Shape, &Pose),
    (b, pose_b): (&Shape, &Pose),
    closest: &SignedDistance,
    d_detect: f64,
    plane_normal: Option<&Unit<Vector3<f64>>>,
    out: &mut Vec<(ContactFeature, SignedDistance)>,
) -> Result<(), GeometryError> {
    out.clear();
    out.push((ContactFeature::Closest, *closest));
    let mut covered = false;
    for side in [PairSide::A, PairSide::B] {
        let (owner, owner_pose, other, other_pose) = match side {
            PairSide::A => (a, pose_a, b, pose_b),
            PairSide::B => (b, pose_b, a, pose_a),
        };
        if !is_flat_faced(other) {
            continue;
        }
        let behind = -PLANAR_SIDE_TOLERANCE * owner.bounding_radius();
        for index in 0..feature_point_count(owner) {
            let (ball, ball_pose) = feature_ball(owner, owner_pose, index)?;
            if let Some(normal) = plane_normal {
                let offset = ball_pose.translation.vector - owner_pose.translation.vector;
                if offset.dot(normal) < behind {
                    continue;
                }
            }
            let distance = match side {
                PairSide::A => signed_distance(&ball, &ball_pose, other, other_pose)?,
                PairSide::B => signed_distance(other, other_pose, &ball, &ball_pose)?,
            };
            if distance.distance > d_detect {
                continue;
            }
            covered |= distance.distance <= closest.distance + COVER_TOLERANCE;
            // Feature counts fit in u16 (feature_point_count caps them).
            let index = u16::try_from(index).unwrap_or(u16::MAX);
            out.push((ContactFeature::Point { side, index }, distance));
        }
    }
    if covered {
        out.remove(0);
    }
    Ok(())
}

/// The ball of feature point `index` of `shape` at `pose`, posed in the world.
fn feature_ball(shape: &Shape, pose: &Pose, index: usize) -> Result<(Shape, Pose), GeometryError> {
    let (point, radius) = feature_point(shape, index).ok_or_else(|| {
        GeometryError::Model(format!(
            "a {} has no feature point {index} (it has {})",
            shape.kind(),
            feature_point_count(shape)
        ))
    })?;
    let centre = pose * point;
    let ball_pose = Pose::from_parts(Translation3::from(centre.coords), pose.rotation);
    Ok((Shape::Sphere { radius }, ball_pose))
}
