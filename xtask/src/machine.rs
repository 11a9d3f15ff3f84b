//! The machine and revision a measurement was taken on.

use std::path::Path;
use std::process::Command;

/// Where and when: CPU model, core count, UTC date, git revision (marked when the tree has
/// uncommitted changes).
pub struct Machine {
    /// CPU model name from /proc/cpuinfo.
    pub cpu: String,
    /// Cores available to this process.
    pub cores: usize,
    /// UTC date and time.
    pub date: String,
    /// Short git revision.
    pub revision: String,
}

impl Machine {
    pub fn read(root: &Path) -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let run = |cmd: &str, args: &[&str]| {
            Command::new(cmd)
                .args(args)
                .current_dir(root)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_else(|| "unknown".into())
        };
        let mut revision = run("git", &["rev-parse", "--short", "HEAD"]);
        if !run("git", &["status", "--porcelain"]).is_empty() {
            revision.push_str(" (with uncommitted changes)");
        }
        Machine {
            cpu,
            cores,
            date: run("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            revision,
        }
    }
}
