//! Running the built `qd` binary from integration tests.

use std::io::Write;
use std::process::{Child, Command, Stdio};

/// Starts `qd ARGS` with standard input, output and error piped.
pub fn spawn_qd(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_qd"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qd binary runs")
}

/// Runs `qd ARGS` with `stdin`; returns (exit code, stdout, stderr).
pub fn run_qd(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = spawn_qd(args);
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("qd finishes");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
