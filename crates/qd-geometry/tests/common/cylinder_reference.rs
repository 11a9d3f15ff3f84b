//! An independent computation of the distance between a cylinder A and a separated convex
//! B: the minimum over the points x of B of the distance d_A(x) from x to the solid cylinder,
//! written here from the cylinder's definition (clamp the radial and axial coordinates). d_A
//! is convex and differentiable outside A, so its minimum over B — over a segment (capsule
//! core), over the faces of a box or a tetrahedron, over the slices of another cylinder — is
//! found by bisection on the sign of its derivative, nested one level per dimension (the
//! derivative of an inner minimum is the partial derivative at its minimiser). Bisection
//! converges to round-off without smoothness assumptions on B, and the normal at any
//! minimiser is the unique direction of the pair's closest points.

use nalgebra::{Point3, Vector3};
use qd_geometry::{Pose, Shape};

/// Bisection steps per dimension: the bracket shrinks by 2⁻⁶⁰, below round-off of any
/// parameter range used here.
pub const STEPS: usize = 60;

/// A point's distance to the cylinder and the unit direction of its gradient.
pub type DistanceTo<'a> = &'a dyn Fn(&Point3<f64>) -> (f64, Vector3<f64>);

/// Distance from world point `p` to the solid cylinder (radius, half length) at `pose`, and
/// the unit direction from the cylinder's closest point toward p (zero inside).
pub fn to_cylinder(pose: &Pose, radius: f64, half: f64, p: &Point3<f64>) -> (f64, Vector3<f64>) {
    let local = pose.inverse_transform_point(p);
    let rho = local.x.hypot(local.y);
    let scale = if rho > radius { radius / rho } else { 1.0 };
    let closest = Point3::new(local.x * scale, local.y * scale, local.z.clamp(-half, half));
    let gap = pose * closest;
    let delta = p - gap;
    let d = delta.norm();
    if d == 0.0 {
        (0.0, Vector3::zeros())
    } else {
        (d, delta / d)
    }
}

/// The minimiser over [lo, hi] of a convex function given its derivative, by bisection.
/// The ends are tested a hair inside (1e-12 of the range): an inner minimiser sliding along a
/// disc's rim has a derivative that diverges at the rim's ends, whose one-sided limit is
/// what counts there.
pub fn argmin(lo: f64, hi: f64, derivative: impl Fn(f64) -> f64) -> f64 {
    let (mut a, mut b) = (lo, hi);
    let hair = 1e-12 * (hi - lo);
    if derivative(a + hair) >= 0.0 {
        return a;
    }
    if derivative(b - hair) <= 0.0 {
        return b;
    }
    for _ in 0..STEPS {
        let m = 0.5 * (a + b);
        if derivative(m) > 0.0 {
            b = m;
        } else {
            a = m;
        }
    }
    0.5 * (a + b)
}

/// The closest point of B to the cylinder, over a parallelogram `origin + s e1 + t e2`,
/// s ∈ [0, 1], t ∈ [0, t_max(s)] with t_max(s) = 1 (parallelogram) or 1 − s (triangle).
pub fn over_face(
    d: DistanceTo<'_>,
    origin: &Point3<f64>,
    e1: &Vector3<f64>,
    e2: &Vector3<f64>,
    triangle: bool,
) -> Point3<f64> {
    let t_max = |s: f64| if triangle { 1.0 - s } else { 1.0 };
    let inner = |s: f64| {
        let t = argmin(0.0, t_max(s), |t| d(&(origin + e1 * s + e2 * t)).1.dot(e2));
        (t, origin + e1 * s + e2 * t)
    };
    let s = argmin(0.0, 1.0, |s| {
        let (t, x) = inner(s);
        let gradient = d(&x).1;
        // At the upper bound t = 1 − s the inner minimiser slides with s.
        let slide = if triangle && t >= t_max(s) {
            -gradient.dot(e2)
        } else {
            0.0
        };
        gradient.dot(e1) + slide
    });
    inner(s).1
}

/// The point of shape B (at `pose_b`) closest to the cylinder, over the whole of B.
pub fn closest_of_b(d: DistanceTo<'_>, b: &Shape, pose_b: &Pose) -> Option<(Point3<f64>, f64)> {
    match b {
        Shape::Capsule { radius, length } => {
            let p0 = pose_b * Point3::new(0.0, 0.0, -0.5 * length);
            let axis = pose_b * Vector3::new(0.0, 0.0, *length);
            let t = argmin(0.0, 1.0, |t| d(&(p0 + axis * t)).1.dot(&axis));
            Some((p0 + axis * t, *radius))
        }
        Shape::Sphere { radius } => Some((Point3::from(pose_b.translation.vector), *radius)),
        Shape::Cuboid { half_extents } => {
            let h = half_extents;
            let mut best: Option<Point3<f64>> = None;
            for axis in 0..3 {
                for sign in [-1.0, 1.0] {
                    let (i, j) = ((axis + 1) % 3, (axis + 2) % 3);
                    let mut corner = Vector3::zeros();
                    corner[axis] = sign * h[axis];
                    corner[i] = -h[i];
                    corner[j] = -h[j];
                    let mut e1 = Vector3::zeros();
                    e1[i] = 2.0 * h[i];
                    let mut e2 = Vector3::zeros();
                    e2[j] = 2.0 * h[j];
                    let x = over_face(
                        d,
                        &(pose_b * Point3::from(corner)),
                        &(pose_b * e1),
                        &(pose_b * e2),
                        false,
                    );
                    if best.is_none_or(|b| d(&x).0 < d(&b).0) {
                        best = Some(x);
                    }
                }
            }
            best.map(|x| (x, 0.0))
        }
        Shape::ConvexPolyhedron(hull) if hull.vertices().len() == 4 => {
            let v: Vec<Point3<f64>> = hull.vertices().iter().map(|p| pose_b * p).collect();
            let mut best: Option<Point3<f64>> = None;
            for skip in 0..4 {
                let face: Vec<&Point3<f64>> =
                    (0..4).filter(|&k| k != skip).map(|k| &v[k]).collect();
                let x = over_face(d, face[0], &(face[1] - face[0]), &(face[2] - face[0]), true);
                if best.is_none_or(|b| d(&x).0 < d(&b).0) {
                    best = Some(x);
                }
            }
            best.map(|x| (x, 0.0))
        }
        Shape::Cylinder { radius, length } => {
            // Slices z = const of B are discs; a disc in Cartesian coordinates (u, v) with
            // |v| ≤ w(u) = √(r² − u²).
            let (r, half) = (*radius, 0.5 * length);
            let ex = pose_b * Vector3::x();
            let ey = pose_b * Vector3::y();
            let ez = pose_b * Vector3::z();
            let centre = Point3::from(pose_b.translation.vector);
            let at = |u: f64, v: f64, z: f64| centre + ex * u + ey * v + ez * z;
            let width = |u: f64| (r * r - u * u).max(0.0).sqrt();
            let best_v = |u: f64, z: f64| {
                let w = width(u);
                argmin(-w, w, |v| d(&at(u, v, z)).1.dot(&ey))
            };
            let best_u = |z: f64| {
                argmin(-r, r, |u| {
                    let v = best_v(u, z);
                    let g = d(&at(u, v, z)).1;
                    let w = width(u);
                    // On the rim the inner minimiser slides along it: dv/du = ∓u / w.
                    let slide = if w > 0.0 && v.abs() >= w {
                        -v.signum() * u / w * g.dot(&ey)
                    } else {
                        0.0
                    };
                    g.dot(&ex) + slide
                })
            };
            let z = argmin(-half, half, |z| {
                let u = best_u(z);
                let v = best_v(u, z);
                d(&at(u, v, z)).1.dot(&ez)
            });
            let u = best_u(z);
            Some((at(u, best_v(u, z), z), 0.0))
        }
        _ => None,
    }
}

/// The angle between two unit vectors (rad), accurate also when it is tiny (unlike acos).
pub fn angle(x: &Vector3<f64>, y: &Vector3<f64>) -> f64 {
    x.cross(y).norm().atan2(x.dot(y))
}

/// The independent answer for cylinder A (at `pose_a`) and B: φ and the unit normal A → B,
/// when the pair is apart by more than `min_gap`.
pub fn reference(
    a: &Shape,
    pose_a: &Pose,
    b: &Shape,
    pose_b: &Pose,
) -> Option<(f64, Vector3<f64>)> {
    let Shape::Cylinder { radius, length } = a else {
        return None;
    };
    let d = |p: &Point3<f64>| to_cylinder(pose_a, *radius, 0.5 * length, p);
    // B's faces can all lie outside a cylinder that B swallows whole: then A's centre is in B.
    let centre_in_b = pose_b.inverse_transform_point(&Point3::from(pose_a.translation.vector));
    let swallowed = match b {
        Shape::Cuboid { half_extents } => (0..3).all(|i| centre_in_b[i].abs() <= half_extents[i]),
        Shape::ConvexPolyhedron(hull) => hull
            .face_normals()
            .iter()
            .zip(hull.face_offsets())
            .all(|(n, offset)| n.dot(&centre_in_b.coords) <= *offset),
        _ => false,
    };
    if swallowed {
        return None;
    }
    let (x, inflation) = closest_of_b(&d, b, pose_b)?;
    let (core, normal) = d(&x);
    let phi = core - inflation;
    (core > 1e-9 && phi > 1e-9).then_some((phi, normal))
}

/// The classes with a cylinder that have a separated reference (`arb_shape` kinds): every
/// convex kind but the half-space, which the tests check against a closed form.
pub const CLASSES: [(usize, &str); 5] = [
    (0, "cylinder-sphere"),
    (1, "cylinder-capsule"),
    (2, "cylinder-box"),
    (3, "cylinder-cylinder"),
    (5, "cylinder-convex"),
];
