//! The proximity query: every pair of posed shapes closer than a detection distance.
//!
//! A sweep-and-prune broad phase on bounding spheres (sorted along world x) proposes pairs,
//! the narrow phase computes their exact signed distance. That is ample for scenes of a few
//! hundred shapes: sorting is `O(n log n)` and the sweep touches only overlapping intervals.
//! Half-spaces (unbounded) are tested against every bounded shape with a plane-height bound.

use crate::distance::{SignedDistance, signed_distance};
use crate::error::GeometryError;
use crate::pose::Pose;
use crate::shape::Shape;
use std::collections::HashSet;

/// A shape placed in the world, owned by a body. Shapes of the same body never collide with
/// each other.
#[derive(Debug, Clone, Copy)]
pub struct PosedShape<'a> {
    /// The shape in its local frame.
    pub shape: &'a Shape,
    /// `world_from_shape`.
    pub pose: Pose,
    /// Index of the body the shape is attached to (the caller's numbering).
    pub body: usize,
}

/// Which body pairs are never checked. Shapes on the same body are always skipped; further
/// body pairs (a link and its parent, say) are added with [`CollisionFilter::ignore_bodies`].
#[derive(Debug, Clone, Default)]
pub struct CollisionFilter {
    ignored: HashSet<(usize, usize)>,
}

impl CollisionFilter {
    /// A filter that only skips shapes of the same body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Never report pairs between `body_a` and `body_b` (order does not matter).
    pub fn ignore_bodies(&mut self, body_a: usize, body_b: usize) -> &mut Self {
        self.ignored.insert(ordered(body_a, body_b));
        self
    }

    /// Whether shapes of these two bodies may collide.
    pub fn allows(&self, body_a: usize, body_b: usize) -> bool {
        body_a != body_b && !self.ignored.contains(&ordered(body_a, body_b))
    }
}

fn ordered(a: usize, b: usize) -> (usize, usize) {
    if a <= b { (a, b) } else { (b, a) }
}

/// One reported pair: indices into the shape slice (`a < b`) and their signed distance, with
/// the normal pointing from shape `a` toward shape `b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProximityPair {
    /// Index of the first shape.
    pub a: usize,
    /// Index of the second shape (`a < b`).
    pub b: usize,
    /// Signed distance from `a` to `b`.
    pub distance: SignedDistance,
}

/// Reusable broad-phase workspace: keep one per thread and call
/// [`ProximityQuery::pairs_within`] repeatedly without allocating once warmed up.
#[derive(Debug, Default)]
pub struct ProximityQuery {
    /// Bounded shapes as `(x_min, x_max, index)` intervals, sorted by `x_min`.
    intervals: Vec<(f64, f64, usize)>,
    half_spaces: Vec<usize>,
}

impl ProximityQuery {
    /// An empty workspace.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes into `out` (cleared first) every allowed pair of `shapes` whose signed distance
    /// is at most `d_detect` (m), sorted by `(a, b)`. Pairs of two half-spaces are never
    /// reported (their distance is undefined; environments put them on one body).
    ///
    /// # Errors
    /// A non-finite pose or `d_detect`, or a failed narrow-phase query.
    pub fn pairs_within(
        &mut self,
        shapes: &[PosedShape<'_>],
        filter: &CollisionFilter,
        d_detect: f64,
        out: &mut Vec<ProximityPair>,
    ) -> Result<(), GeometryError> {
        out.clear();
        if !d_detect.is_finite() {
            return Err(GeometryError::InvalidDimension {
                shape: "query",
                field: "d_detect",
                value: d_detect,
            });
        }
        self.intervals.clear();
        self.half_spaces.clear();
        for (index, posed) in shapes.iter().enumerate() {
            crate::pose::check_pose_finite(&posed.pose)?;
            if matches!(posed.shape, Shape::HalfSpace) {
                self.half_spaces.push(index);
            } else {
                let x = posed.pose.translation.x;
                let r = posed.shape.bounding_radius();
                // Widen by d_detect on one side so that overlapping intervals capture every
                // pair whose x-gap is within the detection distance.
                self.intervals
                    .push((x - r - d_detect.max(0.0), x + r, index));
            }
        }
        self.intervals.sort_by(|l, r| l.0.total_cmp(&r.0));

        for (k, &(_, x_max, i)) in self.intervals.iter().enumerate() {
            for &(x_min_j, _, j) in &self.intervals[k + 1..] {
                if x_min_j > x_max {
                    break;
                }
                let (si, sj) = (&shapes[i], &shapes[j]);
                if !filter.allows(si.body, sj.body) {
                    continue;
                }
                let centre_gap = (si.pose.translation.vector - sj.pose.translation.vector).norm();
                if centre_gap - si.shape.bounding_radius() - sj.shape.bounding_radius() > d_detect {
                    continue;
                }
                push_if_close(shapes, i, j, d_detect, out)?;
            }
        }
        for &h in &self.half_spaces {
            let plane = &shapes[h].pose;
            let normal = plane.rotation * nalgebra::Vector3::z();
            for &(_, _, i) in &self.intervals {
                if !filter.allows(shapes[h].body, shapes[i].body) {
                    continue;
                }
                let height =
                    normal.dot(&(shapes[i].pose.translation.vector - plane.translation.vector));
                if height - shapes[i].shape.bounding_radius() > d_detect {
                    continue;
                }
                push_if_close(shapes, h, i, d_detect, out)?;
            }
        }
        out.sort_by_key(|pair| (pair.a, pair.b));
        Ok(())
    }
}

/// Runs the narrow phase on shapes `i`, `j` and records the pair (ordered `a < b`) if close.
fn push_if_close(
    shapes: &[PosedShape<'_>],
    i: usize,
    j: usize,
    d_detect: f64,
    out: &mut Vec<ProximityPair>,
) -> Result<(), GeometryError> {
    let (a, b) = if i < j { (i, j) } else { (j, i) };
    let distance = signed_distance(
        shapes[a].shape,
        &shapes[a].pose,
        shapes[b].shape,
        &shapes[b].pose,
    )?;
    if distance.distance <= d_detect {
        out.push(ProximityPair { a, b, distance });
    }
    Ok(())
}
