//! Animated SVG of a plan's configurations: every collision geometry of the scene projected
//! onto a plane, one frame per configuration, looping (SMIL `animate`; viewers without it
//! show the first frame).
//!
//! Spheres are circles, capsules thick lines with round caps, boxes, cylinders and convex
//! hulls the convex hull of their projected corners; half-spaces are a grey ground beyond
//! their boundary. Robots are grey-blue (purple during regrasp transitions), objects orange
//! with orientation spokes (their local x in black, y in grey), the goal a dashed green ghost
//! of the objects. Axes in metres with a grid, the time of each frame at the top right.
//! Coordinates in the file are world metres.

mod shapes;
mod view;

pub use view::View;

use anyhow::{Context, bail};
use qd_geometry::Shape;
use qd_geometry::kinematics::{KinematicsCache, LinkId};
use qd_geometry::scene::Scene;
use shapes::{Ground, Paint, Piece, draw_piece, grow, half_space, piece};
use std::fmt::Write as _;

/// What to animate.
pub struct Frames<'a> {
    /// Configurations, one per frame.
    pub states: &'a [Vec<f64>],
    /// Frames of regrasp transitions (robots drawn purple); missing entries: false.
    pub regrasping: &'a [bool],
    /// The goal configuration, whose objects are drawn as a ghost.
    pub goal: Option<Vec<f64>>,
    /// Seconds between frames (> 0).
    pub seconds_per_frame: f64,
}

/// Pixels of the drawing's larger side, and of the margins for labels.
const PIXELS: f64 = 720.0;
const MARGIN_LEFT: f64 = 64.0;
const MARGIN_BOTTOM: f64 = 48.0;
const MARGIN_TOP: f64 = 40.0;
const MARGIN_RIGHT: f64 = 20.0;
const ROBOT: &str = "#5a7896";
const REGRASP: &str = "#a05ab4";
const OBJECT: &str = "#f0961e";
const GOAL: &str = "#2ca02c";

/// The pieces of every geometry at `q` but half-spaces, each marked object or not.
fn pieces_at(
    scene: &Scene,
    cache: &mut KinematicsCache,
    q: &[f64],
    view: View,
    objects_only: bool,
) -> anyhow::Result<Vec<(Piece, bool)>> {
    cache
        .update(scene.tree(), q)
        .with_context(|| format!("a configuration does not fit scene '{}'", scene.name()))?;
    let object_links: Vec<LinkId> = scene.objects().iter().map(|o| o.link).collect();
    Ok(scene
        .geometries()
        .iter()
        .filter_map(|g| {
            let is_object = object_links.contains(&g.link);
            if objects_only && !is_object {
                return None;
            }
            let pose = cache.world_from_link[g.link] * g.link_from_geometry;
            piece(&g.shape, &pose, view).map(|p| (p, is_object))
        })
        .collect())
}

/// A tick spacing of 1, 2 or 5 × 10ᵏ giving about `count` ticks over `span`.
fn nice_step(span: f64, count: f64) -> f64 {
    let raw = (span / count).max(1e-9);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power)
}

/// A tick label without float noise.
fn label(value: f64, step: f64) -> String {
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let text = format!("{value:.decimals$}");
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0".to_string()
    } else {
        text
    }
}

/// The drawing's region (x0, y0, x1, y1) in world metres: every piece, extended to a
/// half-space boundary that passes nearby (the table the objects rest on).
fn region(
    frames: &[Vec<(Piece, bool)>],
    ghost: &[(Piece, bool)],
    grounds: &[Ground],
) -> (f64, f64, f64, f64) {
    let mut b = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for (p, _) in frames.iter().flatten().chain(ghost) {
        grow(&mut b, p);
    }
    let size = (b.2 - b.0).max(b.3 - b.1).max(1e-3);
    let centre = ((b.0 + b.2) / 2.0, (b.1 + b.3) / 2.0);
    for &(point, normal) in grounds {
        // The boundary point closest to the centre, when within a drawing's size of it.
        let distance = (centre.0 - point.0) * normal.0 + (centre.1 - point.1) * normal.1;
        if distance.abs() < size {
            let closest = (
                centre.0 - distance * normal.0,
                centre.1 - distance * normal.1,
            );
            b = (
                b.0.min(closest.0),
                b.1.min(closest.1),
                b.2.max(closest.0),
                b.3.max(closest.1),
            );
        }
    }
    let margin = 0.05 * (b.2 - b.0).max(b.3 - b.1).max(1e-3);
    (b.0 - margin, b.1 - margin, b.2 + margin, b.3 + margin)
}

/// The animated SVG of `frames` of `scene` in `view`.
///
/// # Errors
/// No states, or a configuration (or the goal) of the wrong length.
pub fn animate(scene: &Scene, frames: &Frames<'_>, view: View) -> anyhow::Result<String> {
    if frames.states.is_empty() {
        bail!("the plan has no configurations to animate");
    }
    let mut cache = KinematicsCache::default();
    let drawn = frames
        .states
        .iter()
        .map(|q| pieces_at(scene, &mut cache, q, view, false))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ghost = match &frames.goal {
        Some(goal) => pieces_at(scene, &mut cache, goal, view, true)?,
        None => Vec::new(),
    };
    cache.update(scene.tree(), &frames.states[0])?;
    let grounds: Vec<_> = scene
        .geometries()
        .iter()
        .filter(|g| matches!(g.shape, Shape::HalfSpace))
        .filter_map(|g| {
            half_space(
                &(cache.world_from_link[g.link] * g.link_from_geometry),
                view,
            )
        })
        .collect();
    let (x0, y0, x1, y1) = region(&drawn, &ghost, &grounds);
    let ppm = PIXELS / (x1 - x0).max(y1 - y0);
    let m = |px: f64| px / ppm;
    // The picture is in pixels; world metres map to it by `world` (y up becomes y down).
    let (left, top) = (x0 - m(MARGIN_LEFT), y1 + m(MARGIN_TOP));
    let to_px = Pixels { left, top, ppm };
    let (width, height) = (
        (x1 - x0) * ppm + MARGIN_LEFT + MARGIN_RIGHT,
        (y1 - y0) * ppm + MARGIN_TOP + MARGIN_BOTTOM,
    );
    let world = format!(
        r#"transform="matrix({ppm} 0 0 {} {} {})""#,
        -ppm,
        -left * ppm,
        top * ppm
    );
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width} {height}" font-family="sans-serif">"#,
    );
    let total = frames.seconds_per_frame * drawn.len() as f64;
    let _ = writeln!(
        svg,
        r#"<title>{}: {} frames</title><rect x="0" y="0" width="{width}" height="{height}" fill="white"/>"#,
        scene.name(),
        drawn.len(),
    );
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN_LEFT}" y="16" font-size="14">{}: {} frames, {:.2} s{}</text>"#,
        scene.name(),
        drawn.len(),
        total,
        if ghost.is_empty() {
            ""
        } else {
            " (goal: dashed green)"
        }
    );
    // The ground and the goal's ghost under the frames, clipped to the drawing.
    let _ = writeln!(
        svg,
        r#"<clipPath id="drawing"><rect x="{MARGIN_LEFT}" y="{MARGIN_TOP}" width="{}" height="{}"/></clipPath>"#,
        (x1 - x0) * ppm,
        (y1 - y0) * ppm
    );
    draw_grounds(&mut svg, &grounds, &world, (x1 - x0).max(y1 - y0), m(1.5));
    draw_axes(&mut svg, (x0, y0, x1, y1), view, &to_px);
    let line = m(1.5);
    let _ = writeln!(svg, r#"<g {world}>"#);
    for (p, _) in &ghost {
        let paint = Paint {
            color: GOAL,
            spokes: true,
            ghost: true,
        };
        draw_piece(&mut svg, p, &paint, line);
    }
    let _ = writeln!(svg, "</g>");
    draw_frames(&mut svg, &drawn, frames, &world, (to_px.x(x1), line));
    let _ = writeln!(svg, "</svg>");
    Ok(svg)
}

/// One group per frame, each visible for its time, with the time written at the top right
/// (`right`, px); `line` is the spokes' width (m).
fn draw_frames(
    svg: &mut String,
    drawn: &[Vec<(Piece, bool)>],
    frames: &Frames<'_>,
    world: &str,
    (right, line): (f64, f64),
) {
    let total = frames.seconds_per_frame * drawn.len() as f64;
    let n = drawn.len() as f64;
    for (k, pieces) in drawn.iter().enumerate() {
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
        let robot_color = if frames.regrasping.get(k).copied().unwrap_or(false) {
            REGRASP
        } else {
            ROBOT
        };
        let _ = writeln!(svg, r#"<g {world}>"#);
        for (p, is_object) in pieces {
            let paint = Paint {
                color: if *is_object { OBJECT } else { robot_color },
                spokes: *is_object,
                ghost: false,
            };
            draw_piece(svg, p, &paint, line);
        }
        let _ = writeln!(
            svg,
            r#"</g><text x="{}" y="16" font-size="14" text-anchor="end">t = {:.2} s</text></g>"#,
            right,
            k as f64 * frames.seconds_per_frame,
        );
    }
}

/// The half-spaces as grey ground beyond their boundaries, clipped to the drawing.
fn draw_grounds(svg: &mut String, grounds: &[Ground], world: &str, size: f64, line: f64) {
    let _ = writeln!(svg, r#"<g clip-path="url(#drawing)"><g {world}>"#);
    let reach = 10.0 * size;
    for ((px, py), (nx, ny)) in grounds {
        let (dx, dy) = (-ny * reach, nx * reach);
        let corners = [
            (px + dx, py + dy),
            (px - dx, py - dy),
            (px - dx - nx * reach, py - dy - ny * reach),
            (px + dx - nx * reach, py + dy - ny * reach),
        ];
        let list: Vec<String> = corners.iter().map(|(x, y)| format!("{x},{y}")).collect();
        let _ = writeln!(
            svg,
            r##"<polygon points="{}" fill="#d9d9d9" stroke="#808080" stroke-width="{line}"/>"##,
            list.join(" "),
        );
    }
    let _ = writeln!(svg, "</g></g>");
}

/// World metres to picture pixels.
struct Pixels {
    left: f64,
    top: f64,
    ppm: f64,
}

impl Pixels {
    fn x(&self, x: f64) -> f64 {
        (x - self.left) * self.ppm
    }

    fn y(&self, y: f64) -> f64 {
        (self.top - y) * self.ppm
    }
}

/// The drawing's frame, a light grid at round spacings, tick labels and axis names (pixels).
fn draw_axes(svg: &mut String, (x0, y0, x1, y1): (f64, f64, f64, f64), view: View, px: &Pixels) {
    let step = nice_step((x1 - x0).max(y1 - y0), 8.0);
    let (left, right, top, bottom) = (px.x(x0), px.x(x1), px.y(y1), px.y(y0));
    let _ = writeln!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{}" height="{}" fill="none" stroke="#606060"/>"##,
        right - left,
        bottom - top,
    );
    let mut x = (x0 / step).ceil() * step;
    while x <= x1 {
        let at = px.x(x);
        let _ = writeln!(
            svg,
            r##"<line x1="{at}" y1="{top}" x2="{at}" y2="{bottom}" stroke="#e6e6e6"/><text x="{at}" y="{}" font-size="12" text-anchor="middle">{}</text>"##,
            bottom + 16.0,
            label(x, step)
        );
        x += step;
    }
    let mut y = (y0 / step).ceil() * step;
    while y <= y1 {
        let at = px.y(y);
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{at}" x2="{right}" y2="{at}" stroke="#e6e6e6"/><text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>"##,
            left - 6.0,
            at + 4.0,
            label(y, step)
        );
        y += step;
    }
    let (across, up) = view.names();
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">{across} (m)</text><text x="{}" y="{}" font-size="12" text-anchor="end">{up} (m)</text>"#,
        (left + right) / 2.0,
        bottom + 36.0,
        left - 6.0,
        top - 6.0,
    );
}
