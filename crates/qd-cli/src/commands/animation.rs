//! Animated SVG of a plan's configurations: every collision geometry of the scene, projected
//! onto a plane, one frame per configuration, looping (SMIL `animate`; viewers without it
//! show the first frame).
//!
//! Spheres are circles, capsules thick lines with round caps, boxes, cylinders and convex
//! hulls the convex hull of their projected corners; half-spaces are not drawn. Robots are
//! grey-blue, objects orange. Coordinates in the file are world metres.

use anyhow::{Context, bail};
use nalgebra::{Isometry3, Point3, Vector3};
use qd_geometry::Shape;
use qd_geometry::kinematics::KinematicsCache;
use qd_geometry::scene::Scene;
use std::fmt::Write as _;

/// Which world axes span the picture: (across, up).
#[derive(Debug, Clone, Copy)]
pub struct View(usize, usize);

impl View {
    /// `xy`, `xz` or `yz`.
    pub fn parse(name: &str) -> anyhow::Result<View> {
        Ok(match name {
            "xy" => View(0, 1),
            "xz" => View(0, 2),
            "yz" => View(1, 2),
            other => bail!("unknown view '{other}' (xy, xz, yz)"),
        })
    }

    /// The plane of a planar scene (the two axes its normal is not along), else a side view
    /// (x across, z up).
    pub fn for_scene(scene: &Scene) -> View {
        match scene.plane_normal() {
            Some(normal) => {
                let along = (0..3)
                    .max_by(|&a, &b| normal[a].abs().total_cmp(&normal[b].abs()))
                    .unwrap_or(2);
                match along {
                    0 => View(1, 2),
                    1 => View(0, 2),
                    _ => View(0, 1),
                }
            }
            None => View(0, 2),
        }
    }

    fn project(self, p: &Point3<f64>) -> (f64, f64) {
        (p[self.0], p[self.1])
    }
}

/// One drawn piece of a frame.
enum Piece {
    /// A sphere, with the projections of its local x and y radii (drawn on objects, so that
    /// their rotation shows).
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
    Polygon(Vec<(f64, f64)>),
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

fn piece(shape: &Shape, pose: &Isometry3<f64>, view: View) -> Option<Piece> {
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
            Some(Piece::Polygon(hull(corners)))
        }
        Shape::Cylinder { radius, length } => {
            let rim = (0..32)
                .map(|k| {
                    let angle = std::f64::consts::PI * k as f64 / 8.0;
                    let z = if k < 16 { -length / 2.0 } else { length / 2.0 };
                    at(radius * angle.cos(), radius * angle.sin(), z)
                })
                .collect();
            Some(Piece::Polygon(hull(rim)))
        }
        Shape::ConvexPolyhedron(convex) => Some(Piece::Polygon(hull(
            convex
                .vertices()
                .iter()
                .map(|v| at(v.x, v.y, v.z))
                .collect(),
        ))),
        Shape::HalfSpace => None,
    }
}

fn bounds(frames: &[Vec<(Piece, bool)>]) -> (f64, f64, f64, f64) {
    let mut b = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    let mut grow = |(x, y): (f64, f64), r: f64| {
        b = (
            b.0.min(x - r),
            b.1.min(y - r),
            b.2.max(x + r),
            b.3.max(y + r),
        );
    };
    for (piece, _) in frames.iter().flatten() {
        match piece {
            Piece::Circle { centre, radius, .. } => grow(*centre, *radius),
            Piece::Stroke { from, to, width } => {
                grow(*from, width / 2.0);
                grow(*to, width / 2.0);
            }
            Piece::Polygon(points) => points.iter().for_each(|&p| grow(p, 0.0)),
        }
    }
    b
}

/// The animated SVG of `states` (configurations of `scene`), `seconds_per_frame` apart; the
/// robots are drawn in purple in the frames `regrasping` marks (missing entries: false).
///
/// # Errors
/// No states, or a configuration of the wrong length.
pub fn animate(
    scene: &Scene,
    states: &[Vec<f64>],
    regrasping: &[bool],
    view: View,
    seconds_per_frame: f64,
) -> anyhow::Result<String> {
    if states.is_empty() {
        bail!("the plan has no configurations to animate");
    }
    let object_links: Vec<qd_geometry::kinematics::LinkId> =
        scene.objects().iter().map(|o| o.link).collect();
    let mut cache = KinematicsCache::default();
    let mut frames = Vec::with_capacity(states.len());
    for (t, q) in states.iter().enumerate() {
        cache
            .update(scene.tree(), q)
            .with_context(|| format!("configuration {t} does not fit scene '{}'", scene.name()))?;
        let pieces = scene
            .geometries()
            .iter()
            .filter_map(|g| {
                let pose = cache.world_from_link[g.link] * g.link_from_geometry;
                piece(&g.shape, &pose, view).map(|p| (p, object_links.contains(&g.link)))
            })
            .collect::<Vec<_>>();
        frames.push(pieces);
    }
    let (x0, y0, x1, y1) = bounds(&frames);
    let margin = 0.05 * (x1 - x0).max(y1 - y0).max(1e-3);
    let (x0, y0, x1, y1) = (x0 - margin, y0 - margin, x1 + margin, y1 + margin);
    let (width, height) = (x1 - x0, y1 - y0);
    let pixels = 800.0 / width.max(height);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{:.0}" viewBox="{x0} {} {width} {height}">"#,
        width * pixels,
        height * pixels,
        -y1,
    );
    let _ = writeln!(
        svg,
        r#"<title>{}: {} frames</title><rect x="{x0}" y="{}" width="{width}" height="{height}" fill="white"/>"#,
        scene.name(),
        frames.len(),
        -y1
    );
    // World up is SVG down: flip once, keep world metres inside.
    let _ = writeln!(svg, r#"<g transform="scale(1,-1)">"#);
    let total = seconds_per_frame * frames.len() as f64;
    let n = frames.len() as f64;
    for (k, pieces) in frames.iter().enumerate() {
        let end = (k + 1) as f64 / n;
        let (initial, values, times) = if k == 0 {
            ("visible", "visible;hidden".to_string(), format!("0;{end}"))
        } else {
            (
                "hidden",
                "hidden;visible;hidden".to_string(),
                format!("0;{};{end}", k as f64 / n),
            )
        };
        let _ = writeln!(
            svg,
            r#"<g class="frame" visibility="{initial}"><animate attributeName="visibility" values="{values}" keyTimes="{times}" calcMode="discrete" dur="{total}s" repeatCount="indefinite"/>"#
        );
        let robot_color = if regrasping.get(k).copied().unwrap_or(false) {
            "#a05ab4"
        } else {
            "#5a7896"
        };
        for (piece, is_object) in pieces {
            let color = if *is_object { "#f0961e" } else { robot_color };
            draw_piece(&mut svg, piece, *is_object, color);
        }
        let _ = writeln!(svg, "</g>");
    }
    let _ = writeln!(svg, "</g>\n</svg>");
    Ok(svg)
}

/// One piece of a frame as SVG, in `color`; a round object gets its orientation spokes.
fn draw_piece(svg: &mut String, piece: &Piece, is_object: bool, color: &str) {
    match piece {
        Piece::Circle {
            centre,
            radius,
            spokes,
        } => {
            let _ = writeln!(
                svg,
                r#"<circle cx="{}" cy="{}" r="{radius}" fill="{color}" fill-opacity="0.8"/>"#,
                centre.0, centre.1
            );
            if is_object {
                for spoke in spokes {
                    let _ = writeln!(
                        svg,
                        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="black" stroke-width="{}"/>"#,
                        centre.0,
                        centre.1,
                        spoke.0,
                        spoke.1,
                        radius * 0.05
                    );
                }
            }
        }
        Piece::Stroke { from, to, width } => {
            let _ = writeln!(
                svg,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}" stroke-width="{width}" stroke-linecap="round" stroke-opacity="0.8"/>"#,
                from.0, from.1, to.0, to.1
            );
        }
        Piece::Polygon(points) => {
            let list: Vec<String> = points.iter().map(|(x, y)| format!("{x},{y}")).collect();
            let _ = writeln!(
                svg,
                r#"<polygon points="{}" fill="{color}" fill-opacity="0.8"/>"#,
                list.join(" ")
            );
        }
    }
}
