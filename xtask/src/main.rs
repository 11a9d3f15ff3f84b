//! `cargo xtask`: project automation that needs no extra tools.
//!
//! - `cargo xtask check-layers`: fails when a crate depends on a crate of a higher layer.
//! - `cargo xtask check-code`: fails on an import cycle between a crate's modules or a
//!   function over 120 lines (`docs/code-style.md`).
//! - `cargo xtask bench [--quick] [--filter NAME]`: runs the criterion benchmarks and the
//!   planners' tasks and writes `docs/benchmarks.md` and `docs/benchmarks.json`.
//! - `cargo xtask equivalence [--quick]`: the smoothing-equivalence suite; prints its tables,
//!   writes `docs/equivalence.md`, fails when an identity does not hold.

mod bench;
mod code_shape;
mod equivalence;
mod layers;
mod machine;
mod planners;

use anyhow::bail;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("check-layers") => layers::check(),
        Some("check-code") => code_shape::check(),
        Some("bench") => bench::run(&args[1..]),
        Some("equivalence") => equivalence::run(&args[1..]),
        _ => bail!(
            "usage: cargo xtask <check-layers | check-code | bench [--quick] [--filter NAME] | equivalence [--quick]>"
        ),
    }
}

/// The workspace root (the parent of this crate's folder).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default()
}

/// `cargo run --release --quiet -p PACKAGE --example NAME --` in the workspace root: the
/// tools that need the library's code run as release-built examples of the library crates
/// (xtask itself stays free of the project's crates, so `check-layers` builds in seconds).
pub fn example(package: &str, name: &str) -> std::process::Command {
    let mut command =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(workspace_root()).args([
        "run",
        "--release",
        "--quiet",
        "-p",
        package,
        "--example",
        name,
        "--",
    ]);
    command
}
