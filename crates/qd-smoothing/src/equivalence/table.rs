//! Plain-text table of checks.

use super::{Check, CheckKind};

/// Formats checks as a Markdown table: group, identity, N, estimate, expected, |error|,
/// standard error, error / SE, tolerance, result.
pub fn format_checks(checks: &[Check]) -> String {
    let mut out = String::from(
        "| group | identity | N | estimate | expected | abs. error | std. error | error / SE | tolerance | result |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---|---|\n",
    );
    for check in checks {
        let samples = check.samples.map_or("—".to_string(), |n| n.to_string());
        let (se, ratio) = match check.standard_error {
            Some(se) if se > 0.0 => (format!("{se:.3e}"), format!("{:.2}", check.error() / se)),
            Some(se) => (format!("{se:.3e}"), "—".into()),
            None => ("—".into(), "—".into()),
        };
        let tolerance = match check.kind {
            CheckKind::Statistical => {
                let multiple = check
                    .standard_error
                    .filter(|se| *se > 0.0)
                    .map_or(0.0, |se| check.tolerance / se);
                format!("≤ {multiple:.2} SE")
            }
            CheckKind::Deterministic => format!("≤ {:.1e}", check.tolerance),
            CheckKind::AtMost => format!("estimate ≤ {:.3e}", check.expected),
        };
        let expected = match check.kind {
            CheckKind::AtMost => "—".to_string(),
            _ => format!("{:.6e}", check.expected),
        };
        let error = match check.kind {
            CheckKind::AtMost => "—".to_string(),
            _ => format!("{:.3e}", check.error()),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {:.6e} | {} | {} | {} | {} | {} | {} |\n",
            check.group,
            check.name,
            samples,
            check.estimate,
            expected,
            error,
            se,
            ratio,
            tolerance,
            if check.passed { "pass" } else { "**FAIL**" }
        ));
    }
    out
}
