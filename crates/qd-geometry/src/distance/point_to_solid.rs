//! Spheres against boxes and cylinders: the signed distance from the sphere's centre to the
//! solid, minus the radius. Computed in the solid's frame.

use super::SignedDistance;
use crate::pose::Pose;
use nalgebra::{Point3, Unit, Vector3};

/// Closest surface point, outward unit normal and signed distance of a local point to a solid.
struct SurfaceProjection {
    point: Point3<f64>,
    normal: Vector3<f64>,
    distance: f64,
}

/// Projection of local point `p` onto the surface of the box with `half` extents.
#[inline]
fn project_on_box(half: &Vector3<f64>, p: &Point3<f64>) -> SurfaceProjection {
    let clamped = Point3::new(
        p.x.clamp(-half.x, half.x),
        p.y.clamp(-half.y, half.y),
        p.z.clamp(-half.z, half.z),
    );
    let outside = p - clamped;
    let gap = outside.norm();
    if gap > 0.0 {
        return SurfaceProjection {
            point: clamped,
            normal: outside / gap,
            distance: gap,
        };
    }
    // Inside: leave through the nearest face.
    let mut axis = 0;
    let mut depth = half.x - p.x.abs();
    for i in 1..3 {
        let di = half[i] - p[i].abs();
        if di < depth {
            depth = di;
            axis = i;
        }
    }
    let side = if p[axis] >= 0.0 { 1.0 } else { -1.0 };
    let mut point = *p;
    point[axis] = side * half[axis];
    let mut normal = Vector3::zeros();
    normal[axis] = side;
    SurfaceProjection {
        point,
        normal,
        distance: -depth,
    }
}

/// Projection of local point `p` onto the surface of the cylinder (z axis) of `radius` and
/// half length `half_len`.
#[inline]
fn project_on_cylinder(radius: f64, half_len: f64, p: &Point3<f64>) -> SurfaceProjection {
    // Plain square root: `hypot`'s overflow guard costs more than this whole query elsewhere.
    let rho = (p.x * p.x + p.y * p.y).sqrt();
    let radial = if rho > 1e-14 {
        Vector3::new(p.x / rho, p.y / rho, 0.0)
    } else {
        Vector3::x()
    };
    let side_sign = if p.z >= 0.0 { 1.0 } else { -1.0 };
    let axial = Vector3::new(0.0, 0.0, side_sign);
    let dr = rho - radius;
    let dz = p.z.abs() - half_len;
    let on_side = Point3::new(radius * radial.x, radius * radial.y, p.z);
    let on_cap = Point3::new(p.x, p.y, side_sign * half_len);
    match (dr > 0.0, dz > 0.0) {
        (true, true) => {
            let rim = Point3::new(radius * radial.x, radius * radial.y, side_sign * half_len);
            let offset = p - rim;
            let gap = offset.norm();
            SurfaceProjection {
                point: rim,
                normal: offset / gap,
                distance: gap,
            }
        }
        (true, false) => SurfaceProjection {
            point: on_side,
            normal: radial,
            distance: dr,
        },
        (false, true) => SurfaceProjection {
            point: on_cap,
            normal: axial,
            distance: dz,
        },
        // Inside: leave through the nearer of side and cap.
        (false, false) if dr >= dz => SurfaceProjection {
            point: on_side,
            normal: radial,
            distance: dr,
        },
        (false, false) => SurfaceProjection {
            point: on_cap,
            normal: axial,
            distance: dz,
        },
    }
}

/// Converts a local surface projection of a sphere centre into the solid (A) → sphere (B)
/// signed distance.
#[inline]
fn solid_to_sphere(
    solid_pose: &Pose,
    proj: SurfaceProjection,
    centre: &Point3<f64>,
    radius: f64,
) -> SignedDistance {
    // A rotation keeps the projection's unit normal unit.
    let normal = Unit::new_unchecked(solid_pose.rotation * proj.normal);
    SignedDistance {
        distance: proj.distance - radius,
        normal,
        witness_a: solid_pose * proj.point,
        witness_b: centre - normal.into_inner() * radius,
    }
}

/// Box (A) to sphere (B).
#[inline]
pub(super) fn sphere_box(
    centre: &Point3<f64>,
    radius: f64,
    box_pose: &Pose,
    half: &Vector3<f64>,
) -> SignedDistance {
    let local = box_pose.inverse_transform_point(centre);
    solid_to_sphere(box_pose, project_on_box(half, &local), centre, radius)
}

/// Cylinder (A) to sphere (B).
#[inline]
pub(super) fn sphere_cylinder(
    centre: &Point3<f64>,
    radius: f64,
    cylinder_pose: &Pose,
    cylinder_radius: f64,
    length: f64,
) -> SignedDistance {
    let local = cylinder_pose.inverse_transform_point(centre);
    solid_to_sphere(
        cylinder_pose,
        project_on_cylinder(cylinder_radius, 0.5 * length, &local),
        centre,
        radius,
    )
}
