//! Which world plane an animation shows.

use anyhow::bail;
use nalgebra::{Point3, UnitQuaternion, Vector3};
use qd_geometry::kinematics::KinematicsCache;
use qd_geometry::scene::Scene;

/// Which world axes span the picture: (across, up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View(pub usize, pub usize);

const AXIS_NAMES: [&str; 3] = ["x", "y", "z"];

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

    /// The view looking along world axis `axis` (its plane).
    fn along(axis: usize) -> View {
        match axis {
            0 => View(1, 2),
            1 => View(0, 2),
            _ => View(0, 1),
        }
    }

    /// The plane of a planar scene; otherwise the plane the objects move in most from
    /// `first` to `last` (the start and the goal of the task, or of the plan):
    /// perpendicular to the axis they turn about when they turn (≥ 0.05 rad), else spanned by
    /// the two axes they travel along most; a side view (x across, z up) when nothing moves
    /// or a configuration does not fit the scene.
    pub fn for_motion(scene: &Scene, first: &[f64], last: &[f64]) -> View {
        if let Some(normal) = scene.plane_normal() {
            return View::along(dominant(&normal));
        }
        let side = View(0, 2);
        let poses = |q: &[f64]| -> Option<Vec<(Point3<f64>, UnitQuaternion<f64>)>> {
            let mut cache = KinematicsCache::default();
            cache.update(scene.tree(), q).ok()?;
            Some(
                scene
                    .objects()
                    .iter()
                    .map(|o| {
                        let pose = cache.world_from_link[o.link];
                        (Point3::from(pose.translation.vector), pose.rotation)
                    })
                    .collect(),
            )
        };
        let (Some(start), Some(end)) = (poses(first), poses(last)) else {
            return side;
        };
        let mut turn = Vector3::zeros();
        let mut travel = Vector3::zeros();
        for ((p0, r0), (p1, r1)) in start.iter().zip(&end) {
            turn += (r1 * r0.inverse()).scaled_axis().abs();
            travel += (p1 - p0).abs();
        }
        if turn.max() >= 0.05 {
            return View::along(dominant(&turn));
        }
        if travel.max() < 1e-6 {
            return side;
        }
        // The two axes of most travel, in axis order.
        let least = (0..3)
            .min_by(|&a, &b| travel[a].total_cmp(&travel[b]))
            .unwrap_or(1);
        View::along(least)
    }

    /// The world point's coordinates in the picture (across, up).
    pub fn project(self, p: &Point3<f64>) -> (f64, f64) {
        (p[self.0], p[self.1])
    }

    /// Axis names: (across, up).
    pub fn names(self) -> (&'static str, &'static str) {
        (AXIS_NAMES[self.0], AXIS_NAMES[self.1])
    }
}

/// The axis of a vector's largest component.
fn dominant(v: &Vector3<f64>) -> usize {
    (0..3)
        .max_by(|&a, &b| v[a].abs().total_cmp(&v[b].abs()))
        .unwrap_or(2)
}
