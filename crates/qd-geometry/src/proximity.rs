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

/// Anything the proximity query can scan: indexed shapes with poses and bodies. Implemented
/// for slices of [`PosedShape`]; the contact query implements it over a scene's geometry and a
/// reusable pose buffer, so that it allocates nothing per call.
pub trait ShapeSet {
    /// Number of shapes.
    fn len(&self) -> usize;
    /// Whether there are no shapes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Shape `i` in its local frame.
    fn shape(&self, i: usize) -> &Shape;
    /// `world_from_shape` of shape `i`.
    fn pose(&self, i: usize) -> &Pose;
    /// Body of shape `i`.
    fn body(&self, i: usize) -> usize;
}

impl ShapeSet for [PosedShape<'_>] {
    fn len(&self) -> usize {
        <[PosedShape<'_>]>::len(self)
    }
    fn shape(&self, i: usize) -> &Shape {
        self[i].shape
    }
    fn pose(&self, i: usize) -> &Pose {
        &self[i].pose
    }
    fn body(&self, i: usize) -> usize {
        self[i].body
    }
}

// Vectors and arrays forward to the slice implementation, so they can be passed directly.
impl ShapeSet for Vec<PosedShape<'_>> {
    fn len(&self) -> usize {
        self.as_slice().len()
    }
    fn shape(&self, i: usize) -> &Shape {
        self.as_slice().shape(i)
    }
    fn pose(&self, i: usize) -> &Pose {
        self.as_slice().pose(i)
    }
    fn body(&self, i: usize) -> usize {
        self.as_slice().body(i)
    }
}

impl<const N: usize> ShapeSet for [PosedShape<'_>; N] {
    fn len(&self) -> usize {
        N
    }
    fn shape(&self, i: usize) -> &Shape {
        self.as_slice().shape(i)
    }
    fn pose(&self, i: usize) -> &Pose {
        self.as_slice().pose(i)
    }
    fn body(&self, i: usize) -> usize {
        self.as_slice().body(i)
    }
}

/// Which body pairs are never checked. Shapes on the same body are always skipped; further
/// body pairs (a link and its parent, say) are added with [`CollisionFilter::ignore_bodies`].
#[derive(Debug, Clone, Default)]
pub struct CollisionFilter {
    /// Ignored body pairs (smaller index first), sorted: every step asks about every pair, and
    /// a binary search over a few dozen entries costs less than hashing (SipHash was 13 % of
    /// the RRT's instructions on the Allegro hand).
    ignored: Vec<(usize, usize)>,
}

impl CollisionFilter {
    /// A filter that only skips shapes of the same body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Never report pairs between `body_a` and `body_b` (order does not matter).
    pub fn ignore_bodies(&mut self, body_a: usize, body_b: usize) -> &mut Self {
        let pair = ordered(body_a, body_b);
        if let Err(position) = self.ignored.binary_search(&pair) {
            self.ignored.insert(position, pair);
        }
        self
    }

    /// Whether shapes of these two bodies may collide.
    pub fn allows(&self, body_a: usize, body_b: usize) -> bool {
        body_a != body_b
            && self
                .ignored
                .binary_search(&ordered(body_a, body_b))
                .is_err()
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
    pub fn pairs_within<S: ShapeSet + ?Sized>(
        &mut self,
        shapes: &S,
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
        for index in 0..shapes.len() {
            let (shape, pose) = (shapes.shape(index), shapes.pose(index));
            crate::pose::check_pose_finite(pose)?;
            if matches!(shape, Shape::HalfSpace) {
                self.half_spaces.push(index);
            } else {
                let x = pose.translation.x;
                let r = shape.bounding_radius();
                // Widen by d_detect on one side so that overlapping intervals capture every
                // pair whose x-gap is within the detection distance.
                self.intervals
                    .push((x - r - d_detect.max(0.0), x + r, index));
            }
        }
        self.intervals.sort_unstable_by(|l, r| l.0.total_cmp(&r.0));

        for (k, &(_, x_max, i)) in self.intervals.iter().enumerate() {
            for &(x_min_j, _, j) in &self.intervals[k + 1..] {
                if x_min_j > x_max {
                    break;
                }
                // The bounding spheres first: a few flops, where the filter is a binary search.
                let centre_gap =
                    (shapes.pose(i).translation.vector - shapes.pose(j).translation.vector).norm();
                if centre_gap
                    - shapes.shape(i).bounding_radius()
                    - shapes.shape(j).bounding_radius()
                    > d_detect
                    || !filter.allows(shapes.body(i), shapes.body(j))
                {
                    continue;
                }
                push_if_close(shapes, i, j, d_detect, out)?;
            }
        }
        for &h in &self.half_spaces {
            let plane = shapes.pose(h);
            let normal = plane.rotation * nalgebra::Vector3::z();
            for &(_, _, i) in &self.intervals {
                let height =
                    normal.dot(&(shapes.pose(i).translation.vector - plane.translation.vector));
                if height - shapes.shape(i).bounding_radius() > d_detect
                    || !filter.allows(shapes.body(h), shapes.body(i))
                {
                    continue;
                }
                push_if_close(shapes, h, i, d_detect, out)?;
            }
        }
        // Each pair is found once, so the keys are distinct and the unstable sort (which
        // allocates no buffer) gives the one order.
        out.sort_unstable_by_key(|pair| (pair.a, pair.b));
        Ok(())
    }
}

/// Runs the narrow phase on shapes `i`, `j` and records the pair (ordered `a < b`) if close.
fn push_if_close<S: ShapeSet + ?Sized>(
    shapes: &S,
    i: usize,
    j: usize,
    d_detect: f64,
    out: &mut Vec<ProximityPair>,
) -> Result<(), GeometryError> {
    let (a, b) = if i < j { (i, j) } else { (j, i) };
    let distance = signed_distance(
        shapes.shape(a),
        shapes.pose(a),
        shapes.shape(b),
        shapes.pose(b),
    )?;
    if distance.distance <= d_detect {
        out.push(ProximityPair { a, b, distance });
    }
    Ok(())
}
