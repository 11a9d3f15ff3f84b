//! `qd sim SCENE --inputs FILE`: roll a scene forward under commanded inputs and write the
//! trajectory as JSON.
//!
//! Inputs: JSON (`[[u…], …]` or `{"u": [[u…], …]}`) or CSV (one step per line, comma
//! separated, an optional non-numeric header line), each row of length n_a. The rollout starts
//! from the scene's default configuration. Output (stdout, or `--output FILE`, which is never
//! overwritten unless `--force`): `{"scene", "mode", "h", "q": [[…]], "u": [[…]], "steps":
//! [{"status", "iterations", "polished", "path", "contacts": [{"a", "b", "phi", "force"}]}]}`,
//! with `polished` true when an exact form's answer was refined to round-off on its active set
//! and `path` the solver that produced the step (`own_exact`, `clarabel`, `barrier`,
//! `trivial`).

use super::scene::load_scene;
use anyhow::{Context, bail};
use qd_dynamics::ForwardMode;
use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// A built-in scene name or a scene file.
    scene: String,
    /// Inputs, one u (n_a values) per step: `.json` or `.csv`.
    #[arg(long, value_name = "FILE")]
    inputs: PathBuf,
    /// Write the trajectory here instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite `--output` if it exists.
    #[arg(long)]
    force: bool,
    /// Forward mode, overriding the scene's.
    #[arg(long, value_parser = mode_parser())]
    mode: Option<ForwardMode>,
    /// Barrier weight κ, overriding the scene's.
    #[arg(long)]
    kappa: Option<f64>,
}

#[derive(Serialize)]
struct ContactOut {
    a: String,
    b: String,
    /// Which contact of the pair: "closest", or "a:K" / "b:K" for manifold feature point K.
    feature: String,
    phi: f64,
    force: Vec<f64>,
}

#[derive(Serialize)]
struct StepOut {
    status: String,
    iterations: u32,
    polished: bool,
    path: &'static str,
    contacts: Vec<ContactOut>,
}

#[derive(Serialize)]
struct Trajectory {
    scene: String,
    mode: String,
    h: f64,
    q: Vec<Vec<f64>>,
    u: Vec<Vec<f64>>,
    steps: Vec<StepOut>,
}

/// The forward modes on the command line, named as in scene files (every mode the dynamics
/// layer registers, so a new one needs no change here).
pub fn mode_parser() -> impl clap::builder::TypedValueParser<Value = ForwardMode> {
    use clap::builder::TypedValueParser as _;
    let names: Vec<&'static str> = ForwardMode::ALL.iter().map(|m| m.name()).collect();
    clap::builder::PossibleValuesParser::new(names)
        .map(|name| ForwardMode::from_name(&name).unwrap_or_default())
}

/// Reads the inputs file.
fn read_inputs(path: &PathBuf) -> anyhow::Result<Vec<Vec<f64>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_inputs(&text, path)
}

/// The inputs in `text` (read from `path`, which names it in errors and whose `.json`
/// extension makes it JSON).
pub(crate) fn parse_inputs(text: &str, path: &std::path::Path) -> anyhow::Result<Vec<Vec<f64>>> {
    // JSON by its content, whatever the extension (a JSON list in a .txt file is JSON).
    let looks_like_json = text.trim_start().starts_with(['[', '{']);
    if path.extension().is_some_and(|e| e == "json") || looks_like_json {
        let value: serde_json::Value =
            serde_json::from_str(text).with_context(|| format!("{}: not JSON", path.display()))?;
        let rows = value.get("u").unwrap_or(&value);
        return serde_json::from_value(rows.clone()).with_context(|| {
            format!(
                "{}: expected [[u…], …] or {{\"u\": [[u…], …]}}",
                path.display()
            )
        });
    }
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parsed: Result<Vec<f64>, _> =
            line.split(',').map(|c| c.trim().parse::<f64>()).collect();
        match parsed {
            Ok(row) => rows.push(row),
            Err(_) if rows.is_empty() && index == 0 => continue, // header
            Err(e) => bail!("{} line {}: {e}", path.display(), index + 1),
        }
    }
    if rows.is_empty() {
        bail!(
            "{}: no inputs (one row of n_a comma-separated numbers per step; a first line that \
             is not numbers is taken as a header)",
            path.display()
        );
    }
    Ok(rows)
}

pub fn run(args: &SimArgs) -> anyhow::Result<ExitCode> {
    let scene = load_scene(&args.scene)?;
    let mut system = QuasiDynamicSystem::new(scene)?;
    if let Some(mode) = args.mode {
        system.settings_mut().forward_mode = mode;
    }
    if let Some(kappa) = args.kappa {
        let (low, high) = qd_dynamics::KAPPA_RANGE;
        if !(low..=high).contains(&kappa) {
            bail!("--kappa must lie within [{low:e}, {high:e}], got {kappa:e}");
        }
        system.settings_mut().kappa = kappa;
    }
    if let Some(output) = &args.output
        && output.exists()
        && !args.force
    {
        bail!("{} exists; pass --force to overwrite it", output.display());
    }
    let inputs = read_inputs(&args.inputs)?;
    if let Some((step, row)) = inputs
        .iter()
        .enumerate()
        .find(|(_, row)| row.len() != system.na())
    {
        bail!(
            "input row {} has {} values, the scene has n_a = {}",
            step + 1,
            row.len(),
            system.na()
        );
    }
    let q0 = system.scene().default_q().to_vec();
    let rollout = system.rollout(&mut StepWorkspace::default(), &q0, &inputs)?;
    let names = |i: usize| system.scene().geometries()[i].name.clone();
    let trajectory = Trajectory {
        scene: system.scene().name().to_string(),
        mode: system.settings().forward_mode.name().to_string(),
        h: system.settings().h,
        q: rollout.states,
        u: inputs,
        steps: rollout
            .steps
            .iter()
            .map(|s| StepOut {
                status: s.report.status.name().to_string(),
                iterations: s.report.iterations,
                polished: s.report.polished,
                path: s.report.path.name(),
                contacts: s
                    .contacts
                    .iter()
                    .map(|c| ContactOut {
                        a: names(c.geometries.0),
                        b: names(c.geometries.1),
                        feature: c.feature.to_string(),
                        phi: c.phi,
                        force: c.force.clone(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let json = serde_json::to_string_pretty(&trajectory)?;
    match &args.output {
        Some(path) => std::fs::write(path, json)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => super::stdout::line(format_args!("{json}"))?,
    }
    // A flagged solve is written (its status says so) but the command does not succeed.
    let flagged = trajectory.steps.iter().position(|s| s.status != "solved");
    if let Some(step) = flagged {
        eprintln!(
            "qd: step {} ended {} (the trajectory is written with each step's status)",
            step + 1,
            trajectory.steps[step].status
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
