//! An RRT's tree in the object's plane: its first translational coordinate across, its
//! rotation angle up (θ for planar objects, the yaw about world z for free ones); extensions
//! grey, regrasps orange, the path red, the goal a cross.

use super::style::{
    Area, LABEL_FONT, LEGEND_WIDTH, LegendEntry, TITLE_FONT, draw_legend, numbers, plot_error,
    range, tick,
};
use anyhow::Context;
use plotters::prelude::*;

/// The point of the object's plane for an object block: (first translation, angle).
fn object_point(block: &[f64]) -> (f64, f64) {
    match block.len() {
        // Free: (x, y, z, w, qx, qy, qz): x and the yaw about world z.
        7 => {
            let (w, x, y, z) = (block[3], block[4], block[5], block[6]);
            (
                block[0],
                (2.0 * (w * z + x * y)).atan2(1.0 - 2.0 * (y * y + z * z)),
            )
        }
        // Planar: (s₁, s₂, θ).
        3 => (block[0], block[2]),
        1 => (block[0], 0.0),
        _ => (f64::NAN, f64::NAN),
    }
}

pub fn draw_tree(area: &Area<'_>, plan: &serde_json::Value) -> anyhow::Result<()> {
    let object = numbers(&plan["object_q"]);
    let [start, count] =
        [object.first(), object.get(1)].map(|v| v.copied().unwrap_or(0.0) as usize);
    let nodes = plan["nodes"].as_array().context("the plan has no nodes")?;
    let points: Vec<(f64, f64)> = nodes
        .iter()
        .map(|node| {
            let q = numbers(&node["q"]);
            q.get(start..start + count)
                .map_or((f64::NAN, f64::NAN), object_point)
        })
        .collect();
    let goal = object_point(&numbers(&plan["goal"]));
    let (x_low, x_high) = range(points.iter().map(|p| p.0).chain([goal.0]));
    let (y_low, y_high) = range(points.iter().map(|p| p.1).chain([goal.1]));
    let title = format!(
        "RRT: {} nodes, {}",
        nodes.len(),
        if plan["success"].as_bool() == Some(true) {
            "goal reached"
        } else {
            "goal not reached"
        }
    );
    let (chart_area, legend_area) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_WIDTH);
    let mut chart = ChartBuilder::on(&chart_area)
        .caption(title, TITLE_FONT)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x_low..x_high, y_low..y_high)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc("object: first translational coordinate (m)")
        .y_desc("object: angle (rad)")
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .label_style(LABEL_FONT)
        .draw()
        .map_err(plot_error)?;
    let grey = RGBColor(170, 170, 170);
    let orange = RGBColor(240, 150, 30);
    for (i, node) in nodes.iter().enumerate() {
        let Some(parent) = node["parent"].as_u64().map(|p| p as usize) else {
            continue;
        };
        let color = if node["edge"] == "regrasp" {
            orange
        } else {
            grey
        };
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![points[parent], points[i]],
                color,
            )))
            .map_err(plot_error)?;
    }
    let path: Vec<(f64, f64)> = numbers(&plan["path"])
        .iter()
        .filter_map(|&i| points.get(i as usize).copied())
        .collect();
    chart
        .draw_series(std::iter::once(PathElement::new(path, RED.stroke_width(2))))
        .map_err(plot_error)?;
    chart
        .draw_series(std::iter::once(Cross::new(goal, 8, BLACK.stroke_width(2))))
        .map_err(plot_error)?;
    let entry = |label: &str, color: RGBColor, dot: bool| LegendEntry {
        label: label.to_string(),
        color: color.to_rgba(),
        dot,
    };
    draw_legend(
        &legend_area,
        &[
            entry("extension", grey, false),
            entry("regrasp", orange, false),
            entry("path to the goal", RED, false),
            entry("goal (cross)", BLACK, true),
        ],
    )
}
