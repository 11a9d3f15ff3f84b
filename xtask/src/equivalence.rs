//! `cargo xtask equivalence [--quick]`: the smoothing-equivalence suite of docs/smoothing.md.
//!
//! The suite itself lives in `qd_smoothing::equivalence`; its driver is the example
//! `crates/qd-smoothing/examples/equivalence.rs`, built here in release mode (the suite draws
//! millions of samples and thousands of steps). The tables are printed and also written to
//! `docs/equivalence.md` with the command, date and revision; the exit status is the suite's.

use anyhow::{Context, bail};

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let root = crate::workspace_root();
    let mut command = crate::example("qd-smoothing", "equivalence");
    if quick {
        command.arg("--quick");
    }
    let output = command.output().context("running the equivalence suite")?;
    let tables = String::from_utf8_lossy(&output.stdout);
    print!("{tables}");
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    let machine = crate::machine::Machine::read(&root);
    let header = format!(
        "Written by `cargo xtask equivalence{}`; do not edit by hand.\n\n\
         - machine: {} ({} cores)\n- date: {}\n- revision: {}\n\n",
        if quick { " --quick" } else { "" },
        machine.cpu,
        machine.cores,
        machine.date,
        machine.revision
    );
    // The generated file starts with the suite's own title line.
    let (title, body) = tables.split_once('\n').unwrap_or((&tables, ""));
    std::fs::write(
        root.join("docs/equivalence.md"),
        format!("{title}\n\n{header}{}", body.trim_start()),
    )
    .context("writing docs/equivalence.md")?;
    if !output.status.success() {
        bail!("the equivalence suite failed (see the table above)");
    }
    println!("wrote docs/equivalence.md");
    Ok(())
}
