//! What every panel of `qd plot` shares: ranges, readable tick labels, and legends drawn
//! beside the data instead of over it.

use plotters::coord::Shift;
use plotters::prelude::*;

/// The drawing area of one panel.
pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Font of titles and of labels.
pub const TITLE_FONT: (&str, u32) = ("sans-serif", 18);
pub const LABEL_FONT: (&str, u32) = ("sans-serif", 13);

/// Width of the legend column at the right of a panel (px).
pub const LEGEND_WIDTH: u32 = 200;

pub fn plot_error(error: impl std::fmt::Debug) -> anyhow::Error {
    anyhow::anyhow!("drawing failed: {error:?}")
}

/// The numbers of a JSON list (non-numbers skipped).
pub fn numbers(value: &serde_json::Value) -> Vec<f64> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default()
}

/// `[low, high]` of the finite `values`, widened to a non-empty range with a 5 % margin.
pub fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    let margin = ((high - low) * 0.05).max(1e-6 * high.abs().max(1.0));
    (low - margin, high + margin)
}

/// A tick label people read at a glance: three significant digits (more for large integers), no float noise
/// (`0.0001`, `2.5`, `98.6`, `1.2e-7`, `3.4e5`).
pub fn tick(value: f64) -> String {
    // Below 1e-12 is round-off around a zero tick (the axis steps are far larger).
    if value.abs() < 1e-12 {
        return "0".to_string();
    }
    if !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs();
    if !(1e-3..1e5).contains(&magnitude) {
        let text = format!("{value:.1e}");
        return text.replace(".0e", "e");
    }
    let decimals = (2 - magnitude.log10().floor() as i32).clamp(0, 6) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// One entry of a legend.
pub struct LegendEntry {
    pub label: String,
    pub color: RGBAColor,
    /// A dot instead of a line.
    pub dot: bool,
}

/// Draws `entries` down the column `area` (the right part of a panel), one per row; rows
/// shrink to fit and the labels are cut to the column.
pub fn draw_legend(area: &Area<'_>, entries: &[LegendEntry]) -> anyhow::Result<()> {
    let (_, height) = area.dim_in_pixel();
    let top = 40;
    let row = ((height.saturating_sub(top + 20)) / entries.len().max(1) as u32).clamp(9, 20) as i32;
    let size = (row - 3).clamp(8, 13) as u32;
    let max_chars = ((LEGEND_WIDTH - 40) / (size * 6 / 10).max(1)) as usize;
    for (k, entry) in entries.iter().enumerate() {
        let y = top as i32 + k as i32 * row;
        if y + row > height as i32 {
            break;
        }
        if entry.dot {
            area.draw(&Circle::new((14, y), 3, entry.color.filled()))
                .map_err(plot_error)?;
        } else {
            area.draw(&PathElement::new(
                vec![(4, y), (24, y)],
                entry.color.stroke_width(2),
            ))
            .map_err(plot_error)?;
        }
        let mut label = entry.label.clone();
        if label.chars().count() > max_chars {
            label = label.chars().take(max_chars.saturating_sub(1)).collect();
            label.push('…');
        }
        area.draw(&Text::new(
            label,
            (30, y - size as i32 / 2),
            ("sans-serif", size).into_font(),
        ))
        .map_err(plot_error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::tick;

    #[test]
    fn ticks_have_no_float_noise() {
        assert_eq!(tick(9.999999999999998e-8), "1e-7");
        assert_eq!(tick(98.6), "98.6");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(0.0001), "1e-4");
        assert_eq!(tick(0.1 + 0.2), "0.3");
        assert_eq!(tick(12345.678), "12346");
        assert_eq!(tick(-0.5), "-0.5");
        assert_eq!(tick(250000.0), "2.5e5");
        assert_eq!(tick(-5.551115123125783e-17), "0");
    }
}
