//! First-order rates of a pair's signed-distance answer under rigid motions of its two shapes.
//!
//! The normal and witness points of a pair are functions of the *relative* pose of B with
//! respect to A, carried along rigidly by A's motion. So for twists ξ_A and ξ_B of the two
//! shapes, the rates are
//!
//! ```text
//! d(n, p_A, p_B) = L (ξ_B − ξ_A) + transport(ξ_A),   transport(ξ) = (ω × n, V(p_A), V(p_B))
//! ```
//!
//! where V is ξ's velocity field and L (9 × 6) is the rate under a motion of B alone. L is
//! computed once per pair: then every coordinate that moves the pair costs a few products
//! instead of two distance queries. (When only A is a sphere, the roles are exchanged, so
//! that the map moves the sphere: `d = L_A (ξ_A − ξ_B) + transport(ξ_B)`.)
//!
//! How L is found:
//! - **sphere–sphere**, **sphere–box**, **sphere–capsule**, **sphere–cylinder** and
//!   **sphere–half-space** (a contact manifold's corner on a table): in closed form;
//! - **a sphere on either side**: the answer does not depend on the sphere's orientation,
//!   only on its centre, so three central differences of the centre's position (six queries);
//! - **any other pair**: six central differences, rotations about and translations of B's
//!   origin (twelve queries).
//!
//! Differences use [`RATE_DIFFERENCE_STEP`]; with closed-form distances accurate to ~1e-15
//! the error is ~1e-9 relative. At a switch of the closest features (face to edge, say) the
//! central difference averages the two one-sided rates, like any difference would.

use super::{SignedDistance, signed_distance};
use crate::error::GeometryError;
use crate::pose::Pose;
use crate::shape::Shape;
use nalgebra::{Matrix3, Point3, SMatrix, Translation3, UnitQuaternion, Vector3, Vector6};

/// Central-difference step (m for translations, rad for rotations) of the differenced rates.
pub const RATE_DIFFERENCE_STEP: f64 = 1e-6;

/// A rigid velocity: angular velocity ω (rad/s or rad per unit) and the velocity `linear` of
/// the point at the world origin; the velocity of a world point x is `linear + ω × x`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Twist {
    /// Angular velocity ω, world frame.
    pub angular: Vector3<f64>,
    /// Velocity of the (moving) point that is at the world origin now, world frame.
    pub linear: Vector3<f64>,
}

impl Twist {
    /// The twist with angular velocity `angular` that gives the point `p` the velocity
    /// `velocity_at_p`.
    pub fn from_point_velocity(
        angular: Vector3<f64>,
        p: &Point3<f64>,
        velocity_at_p: Vector3<f64>,
    ) -> Self {
        Twist {
            angular,
            linear: velocity_at_p - angular.cross(&p.coords),
        }
    }

    /// The velocity of the world point `p` under this twist.
    pub fn velocity_at(&self, p: &Point3<f64>) -> Vector3<f64> {
        self.linear + self.angular.cross(&p.coords)
    }
}

/// Rates of the normal and of the two witness points (per unit of the motion's parameter).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistanceRates {
    /// dn (unit normal A → B): perpendicular to n.
    pub normal: Vector3<f64>,
    /// d p_A (m per unit).
    pub witness_a: Vector3<f64>,
    /// d p_B (m per unit).
    pub witness_b: Vector3<f64>,
}

/// Which shape the stored map L moves (the other one carries the answer rigidly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moving {
    A,
    B,
}

/// The linearisation of a pair's [`SignedDistance`] under rigid motions of the two shapes.
/// Built by [`PairRate::new`]; [`PairRate::apply`] gives the rates for any pair of twists.
#[derive(Debug, Clone, PartialEq)]
pub struct PairRate {
    /// The answer at the nominal poses.
    pub nominal: SignedDistance,
    moving: Moving,
    /// Point about which the stored twists are taken (the moving shape's origin).
    reference: Point3<f64>,
    /// Columns: rates of (n, p_A, p_B) for unit twists of the moving shape about `reference`,
    /// angular x, y, z then linear x, y, z.
    map: SMatrix<f64, 9, 6>,
}

impl PairRate {
    /// Linearises the pair's signed distance at the given poses.
    ///
    /// # Errors
    /// As [`signed_distance`] (for the nominal or a displaced query).
    pub fn new(a: &Shape, pose_a: &Pose, b: &Shape, pose_b: &Pose) -> Result<Self, GeometryError> {
        let nominal = signed_distance(a, pose_a, b, pose_b)?;
        if let Some(closed_form) = Self::sphere_and_solid(nominal, a, pose_a, b, pose_b) {
            return closed_form;
        }
        match (a, b) {
            (Shape::Sphere { radius: ra }, Shape::Sphere { radius: rb }) => {
                let centre_a = Point3::from(pose_a.translation.vector);
                let centre_b = Point3::from(pose_b.translation.vector);
                let gap = (centre_b - centre_a).norm();
                if gap > 1e-9 {
                    return Ok(Self::sphere_sphere(nominal, centre_b, *ra, *rb, gap));
                }
                // Concentric spheres: the normal is a fallback choice; difference it.
                Self::differenced(nominal, Moving::B, a, pose_a, b, pose_b, false)
            }
            // A ball on a plane (a manifold's corner on a table, a fingertip on the ground).
            (Shape::HalfSpace, Shape::Sphere { .. }) => {
                Ok(Self::ball_on_plane(nominal, Moving::B, pose_b))
            }
            (Shape::Sphere { .. }, Shape::HalfSpace) => {
                Ok(Self::ball_on_plane(nominal, Moving::A, pose_a))
            }
            (_, Shape::Sphere { .. }) => {
                Self::differenced(nominal, Moving::B, a, pose_a, b, pose_b, true)
            }
            (Shape::Sphere { .. }, _) => {
                Self::differenced(nominal, Moving::A, a, pose_a, b, pose_b, true)
            }
            _ => Self::differenced(nominal, Moving::B, a, pose_a, b, pose_b, false),
        }
    }

    /// A sphere against a box, a capsule or a cylinder, in either order: the closed form of
    /// the sphere's centre rates, or differences of the centre where the answer is not smooth
    /// enough for it. `None` for any other pair.
    fn sphere_and_solid(
        nominal: SignedDistance,
        a: &Shape,
        pose_a: &Pose,
        b: &Shape,
        pose_b: &Pose,
    ) -> Option<Result<Self, GeometryError>> {
        let (moving, radius, sphere_pose, solid, solid_pose) = match (a, b) {
            (solid, Shape::Sphere { radius }) => (Moving::B, *radius, pose_b, solid, pose_a),
            (Shape::Sphere { radius }, solid) => (Moving::A, *radius, pose_a, solid, pose_b),
            _ => return None,
        };
        // Each closed form gives the solid-first rates (n from the solid toward the sphere,
        // the solid's witness, the sphere's witness) with respect to the sphere's centre.
        let rates = match solid {
            Shape::Cuboid { half_extents } => {
                sphere_box_centre_rates(sphere_pose, radius, solid_pose, half_extents)
            }
            Shape::Capsule {
                radius: solid_radius,
                length,
            } => sphere_capsule_centre_rates(
                sphere_pose,
                radius,
                solid_pose,
                (*solid_radius, *length),
            ),
            Shape::Cylinder {
                radius: solid_radius,
                length,
            } => sphere_cylinder_centre_rates(
                sphere_pose,
                radius,
                solid_pose,
                (*solid_radius, *length),
            ),
            _ => return None,
        };
        Some(match (rates, moving) {
            (Some(rates), Moving::B) => Ok(Self::from_centre_rates(
                nominal,
                Moving::B,
                sphere_pose,
                rates,
            )),
            // The sphere is A: n flips, the witnesses swap.
            (Some([dn, d_solid, d_sphere]), Moving::A) => Ok(Self::from_centre_rates(
                nominal,
                Moving::A,
                sphere_pose,
                [-dn, d_sphere, d_solid],
            )),
            (None, _) => Self::differenced(nominal, moving, a, pose_a, b, pose_b, true),
        })
    }

    /// Rates of (n, p_A, p_B) when A moves with `twist_a` and B with `twist_b`.
    pub fn apply(&self, twist_a: &Twist, twist_b: &Twist) -> DistanceRates {
        let (moving, carrier) = match self.moving {
            Moving::B => (twist_b, twist_a),
            Moving::A => (twist_a, twist_b),
        };
        // The moving shape's motion relative to the carrier, about the reference point.
        let angular = moving.angular - carrier.angular;
        let linear = moving.velocity_at(&self.reference) - carrier.velocity_at(&self.reference);
        let relative = self.map
            * Vector6::new(
                angular.x, angular.y, angular.z, linear.x, linear.y, linear.z,
            );
        let n = self.nominal.normal.into_inner();
        DistanceRates {
            normal: relative.fixed_rows::<3>(0) + carrier.angular.cross(&n),
            witness_a: relative.fixed_rows::<3>(3) + carrier.velocity_at(&self.nominal.witness_a),
            witness_b: relative.fixed_rows::<3>(6) + carrier.velocity_at(&self.nominal.witness_b),
        }
    }

    /// Closed form for two spheres whose centres are `gap` apart: n = (c_B − c_A)/|c_B − c_A|,
    /// p_A = c_A + r_A n, p_B = c_B − r_B n; moving c_B by δ turns n by (I − n nᵀ) δ / gap.
    fn sphere_sphere(
        nominal: SignedDistance,
        centre_b: Point3<f64>,
        radius_a: f64,
        radius_b: f64,
        gap: f64,
    ) -> Self {
        let n = nominal.normal.into_inner();
        let turn = (Matrix3::identity() - n * n.transpose()) / gap;
        let mut map = SMatrix::<f64, 9, 6>::zeros();
        map.fixed_view_mut::<3, 3>(0, 3).copy_from(&turn);
        map.fixed_view_mut::<3, 3>(3, 3)
            .copy_from(&(turn * radius_a));
        map.fixed_view_mut::<3, 3>(6, 3)
            .copy_from(&(Matrix3::identity() - turn * radius_b));
        PairRate {
            nominal,
            moving: Moving::B,
            reference: centre_b,
            map,
        }
    }

    /// L from the rates of (n, p_A, p_B) with respect to the moving sphere's centre (its
    /// orientation changes nothing).
    fn from_centre_rates(
        nominal: SignedDistance,
        moving: Moving,
        sphere_pose: &Pose,
        rates: [Matrix3<f64>; 3],
    ) -> Self {
        let mut map = SMatrix::<f64, 9, 6>::zeros();
        for (block, rate) in rates.iter().enumerate() {
            map.fixed_view_mut::<3, 3>(3 * block, 3).copy_from(rate);
        }
        PairRate {
            nominal,
            moving,
            reference: Point3::from(sphere_pose.translation.vector),
            map,
        }
    }

    /// Closed form for a ball (the `moving` shape, at `ball_pose`) and a half-space: the
    /// normal is the plane's and does not turn with the ball, the ball's witness moves with its
    /// centre, the plane's witness (the centre's projection) moves with the centre along the
    /// plane.
    fn ball_on_plane(nominal: SignedDistance, moving: Moving, ball_pose: &Pose) -> Self {
        let n = nominal.normal.into_inner();
        let along_plane = Matrix3::identity() - n * n.transpose();
        let (on_a, on_b) = match moving {
            Moving::A => (Matrix3::identity(), along_plane),
            Moving::B => (along_plane, Matrix3::identity()),
        };
        Self::from_centre_rates(nominal, moving, ball_pose, [Matrix3::zeros(), on_a, on_b])
    }

    /// L by central differences of the moving shape's pose; `translation_only` when the
    /// moving shape is a sphere (its orientation changes nothing).
    fn differenced(
        nominal: SignedDistance,
        moving: Moving,
        a: &Shape,
        pose_a: &Pose,
        b: &Shape,
        pose_b: &Pose,
        translation_only: bool,
    ) -> Result<Self, GeometryError> {
        let moving_pose = match moving {
            Moving::A => pose_a,
            Moving::B => pose_b,
        };
        let reference = Point3::from(moving_pose.translation.vector);
        let step = RATE_DIFFERENCE_STEP;
        let query = |displacement: &Pose| -> Result<SignedDistance, GeometryError> {
            let displaced = displacement * moving_pose;
            match moving {
                Moving::A => signed_distance(a, &displaced, b, pose_b),
                Moving::B => signed_distance(a, pose_a, b, &displaced),
            }
        };
        let mut map = SMatrix::<f64, 9, 6>::zeros();
        let first = if translation_only { 3 } else { 0 };
        for column in first..6 {
            let mut unit = Vector3::zeros();
            unit[column % 3] = 1.0;
            // Rotation about the reference point, or a translation.
            let displacement = |s: f64| -> Pose {
                if column < 3 {
                    let rotation = UnitQuaternion::from_scaled_axis(unit * s);
                    let shift = reference.coords - rotation * reference.coords;
                    Pose::from_parts(Translation3::from(shift), rotation)
                } else {
                    Pose::from_parts(Translation3::from(unit * s), UnitQuaternion::identity())
                }
            };
            let central = |span: f64| -> Result<[Vector3<f64>; 3], GeometryError> {
                let plus = query(&displacement(span))?;
                let minus = query(&displacement(-span))?;
                let switched = switches_features(&nominal, &plus, &minus);
                let scale = 0.5 / span;
                let rates = [
                    (plus.normal.into_inner() - minus.normal.into_inner()) * scale,
                    (plus.witness_a - minus.witness_a) * scale,
                    (plus.witness_b - minus.witness_b) * scale,
                ];
                Ok(if switched {
                    [Vector3::repeat(f64::NAN); 3]
                } else {
                    rates
                })
            };
            let coarse = central(step)?;
            // A witness jumping symmetrically (a flat face's centre to opposite corners)
            // looks linear at one span; its "rate" is jump / span, so a large rate is checked
            // at a span 16 times smaller, where a true rate stays and a jump grows 16-fold.
            let suspicious = |rates: &[Vector3<f64>; 3]| {
                rates.iter().any(|r| !r.iter().all(|v| v.is_finite()))
                    || rates[1].norm().max(rates[2].norm()) > SUSPICIOUS_WITNESS_RATE
            };
            let switched = suspicious(&coarse) && {
                let fine = central(step / 16.0)?;
                !fine
                    .iter()
                    .flatten()
                    .chain(coarse.iter().flatten())
                    .all(|v| v.is_finite())
                    || (0..3).any(|block| {
                        (fine[block] - coarse[block]).norm()
                            > 0.5 * coarse[block].norm().max(fine[block].norm()).max(1.0)
                    })
            };
            let rates = if switched {
                // The closest features change inside ±step (a flat face parallel to the
                // other surface, say): a difference would be the witness's jump over 2·step,
                // ~10⁵ per unit. Use the rates of the features held fixed instead.
                let velocity = |p: &Point3<f64>| {
                    if column < 3 {
                        unit.cross(&(p - reference))
                    } else {
                        unit
                    }
                };
                held_feature_rates(&nominal, moving, velocity)
            } else {
                coarse
            };
            for (block, rate) in rates.iter().enumerate() {
                map.fixed_view_mut::<3, 1>(3 * block, column)
                    .copy_from(rate);
            }
        }
        Ok(PairRate {
            nominal,
            moving,
            reference,
            map,
        })
    }
}

/// A witness point moving more than this (m) between the central difference's two sides
/// beyond what a smooth answer would (its second difference) marks a switch of the closest
/// features. Smooth answers leave ~s²/r ≈ 1e-11 m and GJK's error on curved pairs ≤ 1.4e-6 m
/// (docs/geometry.md); a switch moves the witness across a face or edge (mm to dm).
pub const FEATURE_SWITCH_WITNESS: f64 = 1e-5;
/// The same for the normal (unit vector): GJK's normal on curved pairs is good to ~2e-3.
pub const FEATURE_SWITCH_NORMAL: f64 = 1e-2;
/// A witness rate above this (m per rad or per m) is checked at a smaller span before it is
/// believed: witness points of the built-in shapes move at most a few times their lever arm
/// (≤ 1 m) per unit of motion except near a switch of features.
pub const SUSPICIOUS_WITNESS_RATE: f64 = 10.0;

/// Whether the answers at ±step around `nominal` lie on different closest features: the
/// second difference of a witness or of the normal is far beyond a smooth answer's.
fn switches_features(
    nominal: &SignedDistance,
    plus: &SignedDistance,
    minus: &SignedDistance,
) -> bool {
    let second = |p: Vector3<f64>, n: Vector3<f64>, m: Vector3<f64>| (p + m - 2.0 * n).norm();
    second(
        plus.witness_a.coords,
        nominal.witness_a.coords,
        minus.witness_a.coords,
    ) > FEATURE_SWITCH_WITNESS
        || second(
            plus.witness_b.coords,
            nominal.witness_b.coords,
            minus.witness_b.coords,
        ) > FEATURE_SWITCH_WITNESS
        || second(
            plus.normal.into_inner(),
            nominal.normal.into_inner(),
            minus.normal.into_inner(),
        ) > FEATURE_SWITCH_NORMAL
}

/// Rates of (n, p_A, p_B) under a motion of the moving shape alone (point velocities
/// `velocity`) with the closest features held: the moving shape's witness is a material point
/// of it, the other shape's witness follows it along the other surface (tangentially), and
/// the normal stays with the other shape. Exact for a vertex (or any material point) of the
/// moving shape on a face of the other; at a face parallel to a face it is the rate of the
/// contact point the distance query chose, kept as that point moves (the one-sided rate of
/// neither side, but bounded and continuous as the pose moves off parallel).
fn held_feature_rates(
    nominal: &SignedDistance,
    moving: Moving,
    velocity: impl Fn(&Point3<f64>) -> Vector3<f64>,
) -> [Vector3<f64>; 3] {
    let n = nominal.normal.into_inner();
    let tangential = |v: Vector3<f64>| v - n * n.dot(&v);
    match moving {
        Moving::B => {
            let v = velocity(&nominal.witness_b);
            [Vector3::zeros(), tangential(v), v]
        }
        Moving::A => {
            let v = velocity(&nominal.witness_a);
            [Vector3::zeros(), v, tangential(v)]
        }
    }
}

/// Rates of a capsule–sphere answer (capsule first: n from the capsule toward the sphere,
/// the capsule's witness, the sphere's witness) with respect to the sphere's centre c, in
/// closed form; `None` when c is on the capsule's core segment (the normal is then a choice),
/// left to differences.
///
/// With the core segment's point s nearest c, d = c − s and n = d/|d|: s slides with c along
/// the segment's axis u (rate u uᵀ) inside the segment and holds at an end, so d's rate is
/// I − u uᵀ or I, n turns by (I − n nᵀ) d'/|d|, the capsule's witness s + r_c n moves by
/// s' + r_c n' and the sphere's c − r n by I − r n'.
fn sphere_capsule_centre_rates(
    sphere_pose: &Pose,
    radius: f64,
    capsule_pose: &Pose,
    (capsule_radius, length): (f64, f64),
) -> Option<[Matrix3<f64>; 3]> {
    let axis = capsule_pose.rotation * Vector3::z();
    let centre = sphere_pose.translation.vector;
    let origin = capsule_pose.translation.vector;
    let along = axis.dot(&(centre - origin));
    let half = 0.5 * length;
    let inside = along.abs() < half;
    let nearest = origin + axis * along.clamp(-half, half);
    let d = centre - nearest;
    let gap = d.norm();
    if gap <= 1e-12 {
        return None;
    }
    let n = d / gap;
    let slide = if inside {
        axis * axis.transpose()
    } else {
        Matrix3::zeros()
    };
    let dn = (Matrix3::identity() - n * n.transpose()) * (Matrix3::identity() - slide) / gap;
    Some([
        dn,
        slide + dn * capsule_radius,
        Matrix3::identity() - dn * radius,
    ])
}

/// Rates of a cylinder–sphere answer (cylinder first, as [`sphere_capsule_centre_rates`])
/// with respect to the sphere's centre, in closed form; `None` on the axis (where the side's
/// radial direction is a choice) and within round-off of a switch between side, cap and rim,
/// left to differences.
///
/// In the cylinder frame, with p = (ρ r̂, z) the centre, the region the distance query picks
/// (outside: side, cap or rim; inside: the nearer of side and cap) decides the witness:
/// on the side (R r̂, z), whose rate is R/ρ (I − r̂ r̂ᵀ) across and 1 along z, with the normal
/// r̂ turning by (I − r̂ r̂ᵀ)/ρ; on a cap (x, y, ±h), rate diag(1, 1, 0), normal fixed; on the
/// rim (R r̂, ±h), the side's rate across and 0 along z, with the normal m = (p − s)/|p − s|
/// turning by (I − m mᵀ)(I − s')/|p − s|. The sphere's witness is c − r n.
fn sphere_cylinder_centre_rates(
    sphere_pose: &Pose,
    radius: f64,
    cylinder_pose: &Pose,
    (cylinder_radius, length): (f64, f64),
) -> Option<[Matrix3<f64>; 3]> {
    const TIE: f64 = 1e-12;
    let rotation = cylinder_pose.rotation.to_rotation_matrix().into_inner();
    let p = rotation.tr_mul(&(sphere_pose.translation.vector - cylinder_pose.translation.vector));
    let half = 0.5 * length;
    let rho = (p.x * p.x + p.y * p.y).sqrt();
    let (dr, dz) = (rho - cylinder_radius, p.z.abs() - half);
    if dr.abs() <= TIE || dz.abs() <= TIE || (dr < 0.0 && dz < 0.0 && (dr - dz).abs() <= TIE) {
        return None;
    }
    let cap = Matrix3::from_diagonal(&Vector3::new(1.0, 1.0, 0.0));
    let on_side = dr > 0.0 || (dz < 0.0 && dr >= dz);
    if !on_side {
        // A cap's witness, with its fixed normal.
        let world = |local: Matrix3<f64>| rotation * local * rotation.transpose();
        return Some([Matrix3::zeros(), world(cap), Matrix3::identity()]);
    }
    if rho <= TIE {
        return None;
    }
    let radial = Vector3::new(p.x / rho, p.y / rho, 0.0);
    // Across the axis: the projection onto the circle of radius R.
    let across = (cap - radial * radial.transpose()) * (cylinder_radius / rho);
    let (witness_rate, normal_rate) = if dz > 0.0 {
        // The rim: the witness is the circle point at the cap's height.
        let rim = Vector3::new(
            cylinder_radius * radial.x,
            cylinder_radius * radial.y,
            p.z.signum() * half,
        );
        let offset = p - rim;
        let gap = offset.norm();
        let m = offset / gap;
        let turn = (Matrix3::identity() - m * m.transpose()) * (Matrix3::identity() - across) / gap;
        (across, turn)
    } else {
        let mut along = across;
        along[(2, 2)] = 1.0;
        (along, (cap - radial * radial.transpose()) / rho)
    };
    let world = |local: Matrix3<f64>| rotation * local * rotation.transpose();
    let dn = world(normal_rate);
    Some([dn, world(witness_rate), Matrix3::identity() - dn * radius])
}

/// Rates of a box–sphere answer (box first: n from the box toward the sphere, the box's
/// witness, the sphere's witness) with respect to the sphere's centre, in closed form; `None`
/// where the answer is not smooth enough for it (centre on the surface), left to differences.
///
/// In the box frame, with p the centre: outside, the witness is the clamp s of p (its rate
/// keeps the unclamped coordinates) and the normal m = (p − s)/|p − s| turns by
/// (I − m mᵀ)(p − s)'/|p − s|; inside, the witness is p pushed onto the nearest face (its rate
/// drops that face's axis) and the normal is the face's. The sphere's witness is c − r n.
fn sphere_box_centre_rates(
    sphere_pose: &Pose,
    radius: f64,
    box_pose: &Pose,
    half: &Vector3<f64>,
) -> Option<[Matrix3<f64>; 3]> {
    let rotation = box_pose.rotation.to_rotation_matrix().into_inner();
    let p = rotation.tr_mul(&(sphere_pose.translation.vector - box_pose.translation.vector));
    let clamped = p.zip_zip_map(half, half, |value, h, _| value.clamp(-h, h));
    let outside = p - clamped;
    let gap = outside.norm();
    let (witness_rate, normal_rate) = if gap > 1e-12 {
        let kept = Matrix3::from_diagonal(
            &p.zip_map(half, |value, h| if value.abs() < h { 1.0 } else { 0.0 }),
        );
        let m = outside / gap;
        let turn = (Matrix3::identity() - m * m.transpose()) * (Matrix3::identity() - kept) / gap;
        (kept, turn)
    } else if gap == 0.0 {
        let depths = half - p.abs();
        let axis = depths.imin();
        let mut kept = Matrix3::identity();
        kept[(axis, axis)] = 0.0;
        (kept, Matrix3::zeros())
    } else {
        return None;
    };
    // Back to the world: a local rate M becomes R M Rᵀ.
    let world = |local: Matrix3<f64>| rotation * local * rotation.transpose();
    let dn = world(normal_rate);
    Some([dn, world(witness_rate), Matrix3::identity() - dn * radius])
}
