//! Progress of long runs on standard error: a progress bar on a terminal, plain lines
//! otherwise (logs, pipes, tests), nothing with `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

pub enum Progress {
    Bar(ProgressBar),
    Lines,
    Quiet,
}

impl Progress {
    /// Progress over `length` units (iterations, nodes).
    pub fn new(quiet: bool, length: u64, unit: &str) -> Self {
        if quiet {
            return Progress::Quiet;
        }
        if !std::io::stderr().is_terminal() {
            return Progress::Lines;
        }
        let template = format!("{{bar:30}} {{pos}}/{{len}} {unit}  {{elapsed}}  {{msg}}");
        let style = ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        Progress::Bar(ProgressBar::new(length).with_style(style))
    }

    /// Moves the bar to `position` with `message`; in line mode prints `line` when
    /// `print_line` (so that callers choose how often a log gets a line).
    pub fn update(
        &self,
        position: u64,
        message: &str,
        line: impl FnOnce() -> String,
        print_line: bool,
    ) {
        match self {
            Progress::Bar(bar) => {
                bar.set_position(position);
                bar.set_message(message.to_string());
            }
            Progress::Lines if print_line => eprintln!("{}", line()),
            Progress::Lines | Progress::Quiet => {}
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
