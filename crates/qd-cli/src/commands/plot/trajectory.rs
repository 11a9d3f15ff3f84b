//! A trajectory's panels: the cost of each optimiser iteration, and q over time, robots and
//! objects in panels of their own with the coordinates' names.

use super::style::{
    Area, LABEL_FONT, LEGEND_WIDTH, LegendEntry, TITLE_FONT, draw_legend, plot_error, range, tick,
};
use plotters::prelude::*;
use qd_geometry::scene::Scene;

/// Which coordinates a panel shows, with their names.
pub struct Group {
    pub title: String,
    pub coordinates: Vec<(usize, String)>,
}

/// The coordinates of q in groups: the robots' (actuated) and the objects', named after
/// their joints; without a scene, one group `q[i]`.
pub fn groups(scene: Option<&Scene>, nq: usize) -> Vec<Group> {
    let Some(scene) = scene.filter(|s| s.tree().nq() == nq) else {
        return vec![Group {
            title: "configuration q".to_string(),
            coordinates: (0..nq).map(|i| (i, format!("q[{i}]"))).collect(),
        }];
    };
    let names = scene.tree().coordinate_names();
    let split = scene.split();
    let named = |indices: &[usize]| indices.iter().map(|&i| (i, names[i].clone())).collect();
    [
        ("robots: joint positions (rad or m)", &split.actuated),
        ("objects: coordinates (m, rad)", &split.unactuated_q),
    ]
    .into_iter()
    .filter(|(_, indices)| !indices.is_empty())
    .map(|(title, indices)| Group {
        title: title.to_string(),
        coordinates: named(indices),
    })
    .collect()
}

/// The cost per iteration: the kept cost as a line, each candidate's as a dot; a log axis
/// only when the costs span more than a factor of 20.
pub fn draw_costs(area: &Area<'_>, plan: &serde_json::Value) -> anyhow::Result<()> {
    let Some(reports) = plan["iterations"].as_array() else {
        return Ok(());
    };
    let point = |r: &serde_json::Value, key: &str| {
        Some((r["iteration"].as_f64()?, r[key]["total"].as_f64()?))
    };
    let kept: Vec<(f64, f64)> = reports.iter().filter_map(|r| point(r, "cost")).collect();
    let candidates: Vec<(f64, f64)> = reports
        .iter()
        .filter_map(|r| point(r, "candidate_cost"))
        .collect();
    let (chart_area, legend_area) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_WIDTH);
    let positive: Vec<f64> = kept
        .iter()
        .chain(&candidates)
        .map(|p| p.1)
        .filter(|c| *c > 0.0 && c.is_finite())
        .collect();
    let low = positive.iter().copied().fold(f64::INFINITY, f64::min);
    let high = positive.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // Costs spanning more than a factor of 20 are drawn on a log axis: log₁₀ of the cost on
    // a linear axis whose ticks are labelled with the cost itself.
    let log = low.is_finite() && high / low > 20.0;
    let scale = |c: f64| if log { c.log10() } else { c };
    let kept: Vec<(f64, f64)> = kept.iter().map(|&(i, c)| (i, scale(c))).collect();
    let candidates: Vec<(f64, f64)> = candidates
        .iter()
        .filter(|p| p.1 > 0.0 || !log)
        .map(|&(i, c)| (i, scale(c)))
        .collect();
    let (y_low, y_high) = range(positive.iter().map(|&c| scale(c)));
    let y_low = if log { y_low } else { y_low.min(0.0) };
    let x_range = -0.5..(kept.len().max(2) as f64 - 0.5);
    let mut chart = ChartBuilder::on(&chart_area)
        .caption("cost per iteration", TITLE_FONT)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range, y_low..y_high)
        .map_err(plot_error)?;
    let unscale = |v: f64| if log { 10f64.powf(v) } else { v };
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc(if log { "cost (log scale)" } else { "cost" })
        // Iterations are whole numbers: no label between them.
        .x_label_formatter(&|v| {
            if (v - v.round()).abs() < 1e-9 {
                tick(*v)
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| tick(unscale(*v)))
        .label_style(LABEL_FONT)
        .draw()
        .map_err(plot_error)?;
    chart
        .draw_series(LineSeries::new(kept.iter().copied(), BLUE.stroke_width(2)))
        .map_err(plot_error)?;
    chart
        .draw_series(candidates.iter().map(|&p| Circle::new(p, 3, RED.filled())))
        .map_err(plot_error)?;
    draw_legend(
        &legend_area,
        &[
            LegendEntry {
                label: "kept (best so far)".to_string(),
                color: BLUE.to_rgba(),
                dot: false,
            },
            LegendEntry {
                label: "candidate".to_string(),
                color: RED.to_rgba(),
                dot: true,
            },
        ],
    )
}

/// One panel of q over time: the group's coordinates, named in a legend beside the data.
pub fn draw_group(
    area: &Area<'_>,
    states: &[Vec<f64>],
    group: &Group,
    h: Option<f64>,
) -> anyhow::Result<()> {
    let (chart_area, legend_area) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_WIDTH);
    let time = |t: usize| h.map_or(t as f64, |h| t as f64 * h);
    let values = group
        .coordinates
        .iter()
        .flat_map(|(i, _)| states.iter().filter_map(move |q| q.get(*i).copied()));
    let (low, high) = range(values);
    let end = time(states.len().saturating_sub(1)).max(time(1));
    let mut chart = ChartBuilder::on(&chart_area)
        .caption(&group.title, TITLE_FONT)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..end, low..high)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc(if h.is_some() { "time (s)" } else { "time step" })
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .label_style(LABEL_FONT)
        .draw()
        .map_err(plot_error)?;
    let mut legend = Vec::new();
    for (k, (i, name)) in group.coordinates.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        chart
            .draw_series(LineSeries::new(
                states
                    .iter()
                    .enumerate()
                    .map(|(t, q)| (time(t), q.get(*i).copied().unwrap_or(f64::NAN))),
                color.stroke_width(2),
            ))
            .map_err(plot_error)?;
        legend.push(LegendEntry {
            label: name.clone(),
            color,
            dot: false,
        });
    }
    draw_legend(&legend_area, &legend)
}
