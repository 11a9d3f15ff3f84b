//! Standard output for the commands. Writes return their errors instead of panicking as
//! `println!` does, so a reader that stops early (`qd sim … | head`) ends the command quietly:
//! `main` treats a broken pipe as the reader's choice, not a failure.

use std::io::Write;

/// Writes `text` and a newline to standard output.
///
/// # Errors
/// The write failed (a closed pipe among others).
pub fn line(text: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(text)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes `text` as it is to standard output.
///
/// # Errors
/// As [`line()`].
pub fn text(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Whether `error` comes from writing to a reader that has gone away.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
