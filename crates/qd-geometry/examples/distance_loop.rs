//! Repeats one signed-distance query of the benchmark set N times (a profiling aid): under
//! `valgrind --tool=callgrind` the instruction count per query does not drift with the
//! machine's load the way timings do.
//!
//! `cargo run --release -p qd-geometry --example distance_loop -- KIND_A KIND_B OFFSET [N]`
//! with kinds sphere, capsule, box, cylinder, halfspace, convex and OFFSET the signed gap in
//! metres (the benchmarks use 0.05 and −0.02). The shapes and poses are the benchmark's.

#[path = "../benches/pairs/mod.rs"]
mod pairs;

use qd_geometry::{Shape, signed_distance};
use std::hint::black_box;

fn shape(kind: &str) -> Result<Shape, String> {
    pairs::shapes()
        .into_iter()
        .find(|(name, _)| *name == kind)
        .map(|(_, shape)| shape)
        .ok_or_else(|| format!("unknown kind '{kind}'"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: distance_loop KIND_A KIND_B OFFSET [N]";
    let (Some(kind_a), Some(kind_b), Some(offset)) = (args.first(), args.get(1), args.get(2))
    else {
        return Err(usage.into());
    };
    let (a, b) = (shape(kind_a)?, shape(kind_b)?);
    let offset: f64 = offset.parse()?;
    let count: usize = args.get(3).map_or(Ok(1000), |s| s.parse())?;
    let pose_a = pairs::pose_a();
    let pose_b = pairs::pose_at_offset(&a, &b, offset);
    for _ in 0..count {
        black_box(signed_distance(
            black_box(&a),
            &pose_a,
            black_box(&b),
            &pose_b,
        )?);
    }
    Ok(())
}
