//! `qd distance`: signed distances of shape pairs given as JSON lines, for inspecting geometry
//! by hand.
//!
//! Input, one object per line (blank lines are skipped):
//! `{"a": SHAPE, "pose_a": POSE, "b": SHAPE, "pose_b": POSE}` with SHAPE as in
//! [`qd_geometry::ShapeSpec`] and POSE as in [`qd_geometry::PoseSpec`]. Output, one line per
//! valid input: `{"distance": φ, "normal": [..], "witness_a": [..], "witness_b": [..]}`.
//! A bad line prints `line N: reason` on stderr and the others still run; the exit status is
//! 1 if any line failed.

use anyhow::Context;
use qd_geometry::{PoseSpec, ShapeSpec, SignedDistance, signed_distance};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Queries shipped with the binary for `--demo`: a finger link and a ball, a box on the
/// ground, a fingertip against a cylinder, a box against a tetrahedron.
const DEMO_QUERIES: &str = include_str!("../../data/distance-demo.jsonl");

#[derive(Debug, clap::Args)]
pub struct DistanceArgs {
    /// Read queries from this file instead of standard input.
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    input: Option<PathBuf>,
    /// Run the built-in demo queries.
    #[arg(long)]
    demo: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    a: ShapeSpec,
    pose_a: PoseSpec,
    b: ShapeSpec,
    pose_b: PoseSpec,
}

#[derive(Debug, Serialize)]
pub(crate) struct Answer {
    pub(crate) distance: f64,
    pub(crate) normal: [f64; 3],
    pub(crate) witness_a: [f64; 3],
    pub(crate) witness_b: [f64; 3],
}

impl From<SignedDistance> for Answer {
    fn from(d: SignedDistance) -> Self {
        Answer {
            distance: d.distance,
            normal: d.normal.into_inner().into(),
            witness_a: d.witness_a.coords.into(),
            witness_b: d.witness_b.coords.into(),
        }
    }
}

/// Answers one input line.
pub(crate) fn answer(line: &str) -> anyhow::Result<Answer> {
    let query: Query = serde_json::from_str(line).context("not a valid query")?;
    let a = query.a.to_shape().context("shape a")?;
    let b = query.b.to_shape().context("shape b")?;
    let pose_a = query.pose_a.to_pose().context("pose_a")?;
    let pose_b = query.pose_b.to_pose().context("pose_b")?;
    Ok(signed_distance(&a, &pose_a, &b, &pose_b)?.into())
}

pub fn run(args: &DistanceArgs) -> anyhow::Result<ExitCode> {
    let reader: Box<dyn BufRead> = if args.demo {
        Box::new(DEMO_QUERIES.as_bytes())
    } else if let Some(path) = &args.input {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Box::new(std::io::BufReader::new(file))
    } else {
        Box::new(std::io::stdin().lock())
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = 0usize;
    for (index, line) in reader.lines().enumerate() {
        let line = line.context("cannot read input")?;
        if line.trim().is_empty() {
            continue;
        }
        match answer(&line) {
            Ok(found) => writeln!(out, "{}", serde_json::to_string(&found)?)?,
            Err(error) => {
                failed += 1;
                // `{:#}` joins the context chain into one line.
                eprintln!("line {}: {error:#}", index + 1);
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
