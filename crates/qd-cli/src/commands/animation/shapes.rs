//! Collision geometry projected onto the view's plane, and drawn as SVG in world metres.

use super::view::View;
use nalgebra::{Isometry3, Point3, Vector3};
use qd_geometry::Shape;
use std::fmt::Write as _;

/// A point of the picture's plane, world metres: (across, up).
pub type Point2 = (f64, f64);

/// A half-space's boundary in the picture: a point on it and its outward unit normal.
pub type Ground = (Point2, Point2);

/// One drawn piece of a frame.
pub enum Piece {
    /// A sphere, or a cylinder seen along its axis, with the projections of its local x and y
    /// radii (drawn on objects, so that their rotation shows).
    Circle {
        centre: (f64, f64),
        radius: f64,
        spokes: [(f64, f64); 2],
    },
    Stroke {
        from: (f64, f64),
        to: (f64, f64),
        width: f64,
    },
    /// A convex outline, with the orientation spokes of a cylinder seen from the side.
    Polygon {
        points: Vec<(f64, f64)>,
        spokes: Option<(Point2, [Point2; 2])>,
    },
}

/// How a piece is painted.
pub struct Paint<'a> {
    pub color: &'a str,
    /// Orientation marks (objects).
    pub spokes: bool,
    /// An outline only, dashed (the goal's ghost).
    pub ghost: bool,
}

/// Convex hull of 2-D points (Andrew's monotone chain), counter-clockwise.
fn hull(mut points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    points.dedup();
    if points.len() < 3 {
        return points;
    }
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut lower: Vec<(f64, f64)> = Vec::new();
    for &p in &points {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], p) <= 0.0 {
            lower.pop();
        }
        lower.push(p);
    }
    let mut upper: Vec<(f64, f64)> = Vec::new();
    for &p in points.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], p) <= 0.0 {
            upper.pop();
        }
        upper.push(p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// The piece of a shape at a pose; half-spaces are drawn apart (see `half_space`).
pub fn piece(shape: &Shape, pose: &Isometry3<f64>, view: View) -> Option<Piece> {
    let at = |x: f64, y: f64, z: f64| view.project(&(pose * Point3::new(x, y, z)));
    match shape {
        Shape::Sphere { radius } => Some(Piece::Circle {
            centre: at(0.0, 0.0, 0.0),
            radius: *radius,
            spokes: [at(*radius, 0.0, 0.0), at(0.0, *radius, 0.0)],
        }),
        Shape::Capsule { radius, length } => Some(Piece::Stroke {
            from: at(0.0, 0.0, -length / 2.0),
            to: at(0.0, 0.0, length / 2.0),
            width: 2.0 * radius,
        }),
        Shape::Cuboid { half_extents } => {
            let h: &Vector3<f64> = half_extents;
            let corners = (0..8)
                .map(|k| {
                    let sign = |bit: usize| if k & bit == 0 { -1.0 } else { 1.0 };
                    at(sign(1) * h.x, sign(2) * h.y, sign(4) * h.z)
                })
                .collect();
            Some(Piece::Polygon {
                points: hull(corners),
                spokes: None,
            })
        }
        Shape::Cylinder { radius, length } => {
            let rim = (0..64)
                .map(|k| {
                    let angle = std::f64::consts::PI * k as f64 / 16.0;
                    let z = if k < 32 { -length / 2.0 } else { length / 2.0 };
                    at(radius * angle.cos(), radius * angle.sin(), z)
                })
                .collect();
            let spokes = [at(*radius, 0.0, 0.0), at(0.0, *radius, 0.0)];
            Some(Piece::Polygon {
                points: hull(rim),
                spokes: Some((at(0.0, 0.0, 0.0), spokes)),
            })
        }
        Shape::ConvexPolyhedron(convex) => Some(Piece::Polygon {
            points: hull(
                convex
                    .vertices()
                    .iter()
                    .map(|v| at(v.x, v.y, v.z))
                    .collect(),
            ),
            spokes: None,
        }),
        Shape::HalfSpace => None,
    }
}

/// The half-space's boundary in the view, as a point on it and its in-plane outward normal;
/// None when the boundary is parallel to the view (it then covers all of it or none).
pub fn half_space(pose: &Isometry3<f64>, view: View) -> Option<Ground> {
    let normal = pose.rotation * Vector3::z();
    let n = (normal[view.0], normal[view.1]);
    let length = n.0.hypot(n.1);
    (length > 1e-6).then(|| {
        (
            view.project(&Point3::from(pose.translation.vector)),
            (n.0 / length, n.1 / length),
        )
    })
}

/// Grows `b` (x0, y0, x1, y1) by a piece.
pub fn grow(b: &mut (f64, f64, f64, f64), piece: &Piece) {
    let mut add = |(x, y): (f64, f64), r: f64| {
        *b = (
            b.0.min(x - r),
            b.1.min(y - r),
            b.2.max(x + r),
            b.3.max(y + r),
        );
    };
    match piece {
        Piece::Circle { centre, radius, .. } => add(*centre, *radius),
        Piece::Stroke { from, to, width } => {
            add(*from, width / 2.0);
            add(*to, width / 2.0);
        }
        Piece::Polygon { points, .. } => points.iter().for_each(|&p| add(p, 0.0)),
    }
}

fn spoke_lines(
    svg: &mut String,
    centre: (f64, f64),
    spokes: &[(f64, f64); 2],
    width: f64,
    ghost: Option<&str>,
) {
    let colors = match ghost {
        Some(color) => [color, color],
        None => ["black", "#555555"],
    };
    for (spoke, color) in spokes.iter().zip(colors) {
        let _ = writeln!(
            svg,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}" stroke-width="{width}"/>"#,
            centre.0, centre.1, spoke.0, spoke.1,
        );
    }
}

/// One piece as SVG (world metres; the caller flips y).
pub fn draw_piece(svg: &mut String, piece: &Piece, paint: &Paint<'_>, line_width: f64) {
    let color = paint.color;
    let fill = if paint.ghost {
        format!(
            r#"fill="none" stroke="{color}" stroke-width="{line_width}" stroke-dasharray="{} {}""#,
            3.0 * line_width,
            2.0 * line_width
        )
    } else {
        format!(r#"fill="{color}" fill-opacity="0.8""#)
    };
    match piece {
        Piece::Circle {
            centre,
            radius,
            spokes,
        } => {
            let _ = writeln!(
                svg,
                r#"<circle cx="{}" cy="{}" r="{radius}" {fill}/>"#,
                centre.0, centre.1
            );
            if paint.spokes {
                spoke_lines(
                    svg,
                    *centre,
                    spokes,
                    line_width,
                    paint.ghost.then_some(color),
                );
            }
        }
        Piece::Stroke { from, to, width } => {
            let (stroke, opacity) = if paint.ghost {
                (width * 0.1, "1")
            } else {
                (*width, "0.8")
            };
            let _ = writeln!(
                svg,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}" stroke-width="{stroke}" stroke-linecap="round" stroke-opacity="{opacity}"/>"#,
                from.0, from.1, to.0, to.1
            );
        }
        Piece::Polygon { points, spokes } => {
            let list: Vec<String> = points.iter().map(|(x, y)| format!("{x},{y}")).collect();
            let _ = writeln!(svg, r#"<polygon points="{}" {fill}/>"#, list.join(" "));
            if let (true, Some((centre, spokes))) = (paint.spokes, spokes) {
                spoke_lines(
                    svg,
                    *centre,
                    spokes,
                    line_width,
                    paint.ghost.then_some(color),
                );
            }
        }
    }
}
