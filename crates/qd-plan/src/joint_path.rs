//! Collision-free paths in the robots' joint space with the objects held still: a straight
//! line when it is free, else a small bidirectional RRT (RRT-Connect) with shortcuts.

use crate::error::PlanError;
use rand::distr::{Distribution, Uniform};
use rand::rngs::ChaCha8Rng;

/// Whether the straight segment between two joint vectors is free; supplied by the caller.
pub(crate) trait SegmentCheck {
    /// `Ok(true)` when every configuration of the segment `from → to` is free.
    fn free(&mut self, from: &[f64], to: &[f64]) -> Result<bool, PlanError>;
}

/// The largest coordinate difference (rad or m): the joint-space distance paths are measured
/// and subdivided with.
pub(crate) fn max_norm(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// `from` moved toward `to` by at most `step` in the max norm.
fn toward(from: &[f64], to: &[f64], step: f64) -> Vec<f64> {
    let distance = max_norm(from, to);
    if distance <= step {
        return to.to_vec();
    }
    let s = step / distance;
    from.iter().zip(to).map(|(a, b)| a + s * (b - a)).collect()
}

/// One tree of the bidirectional search: nodes and parents.
struct Tree {
    nodes: Vec<Vec<f64>>,
    parents: Vec<usize>,
}

impl Tree {
    fn new(root: &[f64]) -> Self {
        Tree {
            nodes: vec![root.to_vec()],
            parents: vec![0],
        }
    }

    fn nearest(&self, target: &[f64]) -> usize {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, node)| (i, max_norm(node, target)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(0, |(i, _)| i)
    }

    /// Root-to-node list of node `i`.
    fn branch(&self, mut i: usize) -> Vec<Vec<f64>> {
        let mut out = vec![self.nodes[i].clone()];
        while i != 0 {
            i = self.parents[i];
            out.push(self.nodes[i].clone());
        }
        out.reverse();
        out
    }

    /// Grows one step from the nearest node toward `target`; the new node's index, if free.
    fn extend(
        &mut self,
        target: &[f64],
        step: f64,
        check: &mut impl SegmentCheck,
    ) -> Result<Option<usize>, PlanError> {
        let near = self.nearest(target);
        let new = toward(&self.nodes[near], target, step);
        if max_norm(&new, &self.nodes[near]) == 0.0 || !check.free(&self.nodes[near], &new)? {
            return Ok(None);
        }
        self.nodes.push(new);
        self.parents.push(near);
        Ok(Some(self.nodes.len() - 1))
    }

    /// Grows toward `target` until it is reached (its index) or blocked (`None`).
    fn connect(
        &mut self,
        target: &[f64],
        step: f64,
        check: &mut impl SegmentCheck,
    ) -> Result<Option<usize>, PlanError> {
        loop {
            match self.extend(target, step, check)? {
                Some(i) if max_norm(&self.nodes[i], target) == 0.0 => return Ok(Some(i)),
                Some(_) => {}
                None => return Ok(None),
            }
        }
    }
}

/// Limits of the fallback search.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SearchLimits {
    /// Largest joint change per tree edge (rad or m).
    pub step: f64,
    /// Random samples before giving up.
    pub samples: usize,
}

/// A free path `start → … → goal` (both included): the straight line when it is free,
/// else RRT-Connect inside `bounds` (per joint) followed by shortcuts. `None` when the search
/// finds nothing within its samples.
pub(crate) fn free_path(
    start: &[f64],
    goal: &[f64],
    bounds: &[(f64, f64)],
    limits: SearchLimits,
    rng: &mut ChaCha8Rng,
    check: &mut impl SegmentCheck,
) -> Result<Option<Vec<Vec<f64>>>, PlanError> {
    if check.free(start, goal)? {
        return Ok(Some(vec![start.to_vec(), goal.to_vec()]));
    }
    let mut trees = [Tree::new(start), Tree::new(goal)];
    for round in 0..limits.samples {
        let sample: Vec<f64> = bounds
            .iter()
            .map(|&(low, high)| match Uniform::new_inclusive(low, high) {
                Ok(uniform) => uniform.sample(rng),
                Err(_) => low,
            })
            .collect();
        // Alternate which tree explores and which one tries to meet it.
        let (grow, meet) = if round % 2 == 0 { (0, 1) } else { (1, 0) };
        let Some(new) = trees[grow].extend(&sample, limits.step, check)? else {
            continue;
        };
        let target = trees[grow].nodes[new].clone();
        if let Some(met) = trees[meet].connect(&target, limits.step, check)? {
            let mut from_start = trees[0].branch(if grow == 0 { new } else { met });
            let mut from_goal = trees[1].branch(if grow == 0 { met } else { new });
            from_goal.pop(); // the meeting point is already the last entry of `from_start`
            from_goal.reverse();
            from_start.extend(from_goal);
            return shortcut(from_start, check).map(Some);
        }
    }
    Ok(None)
}

/// Removes waypoints a straight segment can skip, greedily from the start.
fn shortcut(
    path: Vec<Vec<f64>>,
    check: &mut impl SegmentCheck,
) -> Result<Vec<Vec<f64>>, PlanError> {
    let mut out = vec![path[0].clone()];
    let mut i = 0;
    while i + 1 < path.len() {
        // The farthest waypoint reachable from i in a straight line (i + 1 always is).
        let mut j = path.len() - 1;
        while j > i + 1 && !check.free(&path[i], &path[j])? {
            j -= 1;
        }
        out.push(path[j].clone());
        i = j;
    }
    Ok(out)
}
