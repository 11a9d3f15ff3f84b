//! `qd`: the command-line front end of the qd planner.
//!
//! Every subcommand prints one readable line on error and exits non-zero.

// Library code returns typed errors: nothing a user can influence may panic (docs/code-style.md).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]
mod commands;
#[cfg(test)]
mod fuzz;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Planning robot manipulation through contact with a convex quasi-dynamic model.
#[derive(Debug, Parser)]
#[command(name = "qd", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Signed distance between pairs of shapes, one JSON query per input line.
    Distance(commands::distance::DistanceArgs),
    /// Simulate a scene under commanded inputs; writes the trajectory as JSON.
    Sim(commands::sim::SimArgs),
    /// Plan a scene's task by trajectory optimisation; prints a summary, saves JSON or .npz.
    Plan(commands::plan::PlanArgs),
    /// Draw a saved plan as an SVG picture (costs and states, or the RRT's tree).
    Plot(commands::plot::PlotArgs),
    /// Re-simulate a saved executable plan and check that it reaches its goal.
    Replay(commands::replay::ReplayArgs),
    /// Inspect scenes: built-in systems or scene files.
    #[command(subcommand)]
    Scene(commands::scene::SceneCommand),
}

/// A command-line mistake in one line (clap's message spans several: the error, the
/// possible values, a tip and a pointer to `--help`), with clap's exit status 2.
fn usage_error(error: &clap::Error) -> ExitCode {
    let text = error.to_string();
    let parts: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("For more information"))
        .collect();
    let line = parts.join(" ");
    eprintln!("qd: {}", line.strip_prefix("error: ").unwrap_or(&line));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error)
            if matches!(
                error.kind(),
                clap::error::ErrorKind::DisplayHelp
                    | clap::error::ErrorKind::DisplayVersion
                    | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) =>
        {
            error.exit()
        }
        Err(error) => return usage_error(&error),
    };
    let result = match cli.command {
        Command::Distance(args) => commands::distance::run(&args),
        Command::Plan(args) => commands::plan::run(&args),
        Command::Plot(args) => commands::plot::run(&args),
        Command::Replay(args) => commands::replay::run(&args),
        Command::Scene(command) => commands::scene::run(&command),
        Command::Sim(args) => commands::sim::run(&args),
    };
    match result {
        Ok(code) => code,
        // The reader stopped reading (`qd sim … | head`): nothing more to say.
        Err(error) if commands::stdout::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("qd: {error:#}");
            ExitCode::FAILURE
        }
    }
}
