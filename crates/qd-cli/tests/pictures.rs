//! `qd plot` pictures rendered to pixels: not blank, the object moves, every label inside the
//! canvas; and the inputs `qd plot` reads besides a plan's JSON (its `.npz`, `qd sim` output).

mod common;

use common::run_qd;
use resvg::tiny_skia::{Pixmap, Transform};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qd-pictures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn text(path: &Path) -> &str {
    path.to_str().expect("utf-8")
}

fn qd_ok(args: &[&str]) {
    let (code, _, stderr) = run_qd(args, "");
    assert_eq!(code, 0, "qd {args:?}: {stderr}");
}

/// `qd plan ARGS --output NAME.json`, then `qd plot` of it with `PLOT_ARGS`: the SVG.
fn plan_and_plot(name: &str, plan_args: &[&str], plot_args: &[&str]) -> String {
    let (plan, picture) = (
        scratch(&format!("{name}.json")),
        scratch(&format!("{name}.svg")),
    );
    let mut args = vec!["plan"];
    args.extend(plan_args);
    args.extend(["--quiet", "--output", text(&plan)]);
    qd_ok(&args);
    let mut args = vec!["plot", text(&plan)];
    args.extend(plot_args);
    args.extend(["--output", text(&picture)]);
    qd_ok(&args);
    std::fs::read_to_string(&picture).expect("svg")
}

/// Renders an SVG (shapes only; text is checked by `labels_inside`).
fn render(svg: &str) -> Pixmap {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).expect("SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = Pixmap::new(size.width(), size.height()).expect("pixmap");
    resvg::render(&tree, Transform::default(), &mut pixmap.as_mut());
    pixmap
}

/// The fraction of pixels that are not white.
fn inked(pixmap: &Pixmap) -> f64 {
    let ink = pixmap
        .pixels()
        .iter()
        .filter(|p| p.alpha() > 0 && (p.red() < 235 || p.green() < 235 || p.blue() < 235))
        .count();
    ink as f64 / pixmap.pixels().len() as f64
}

/// The centroid (px) of the pixels `select` picks, and their count.
fn centroid(pixmap: &Pixmap, select: impl Fn(u8, u8, u8) -> bool) -> ((f64, f64), usize) {
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0);
    for (k, p) in pixmap.pixels().iter().enumerate() {
        if select(p.red(), p.green(), p.blue()) {
            sx += (k as u32 % pixmap.width()) as f64;
            sy += (k as u32 / pixmap.width()) as f64;
            n += 1;
        }
    }
    ((sx / n.max(1) as f64, sy / n.max(1) as f64), n)
}

/// The value of `name="…"` in an element's text.
fn attribute(element: &str, name: &str) -> Option<f64> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = element[start..].find('"')? + start;
    element[start..end].trim_end_matches("px").parse().ok()
}

/// Every `<text>` of the SVG lies inside its canvas, its estimated extent included.
fn labels_inside(svg: &str) {
    let root = svg.split('>').next().expect("svg element");
    let (width, height) = (
        attribute(root, "width").expect("width"),
        attribute(root, "height").expect("height"),
    );
    let mut count = 0;
    for element in svg.split("<text").skip(1) {
        let (open, rest) = element.split_once('>').expect("text element");
        let label = rest.split("</text>").next().unwrap_or_default().trim();
        let x = attribute(open, "x").expect("x");
        let y = attribute(open, "y").expect("y");
        let size = attribute(open, "font-size").unwrap_or(12.0);
        // Glyphs are about 0.55 em wide on average in sans-serif.
        let extent = 0.55 * size * label.chars().count() as f64;
        if open.contains("rotate(") {
            // An axis title turned upright: it extends along y around its anchor.
            assert!(
                x >= 0.0
                    && x <= width
                    && y - extent / 2.0 >= -1.0
                    && y + extent / 2.0 <= height + 1.0,
                "label '{label}' at ({x}, {y}) leaves the {width}×{height} canvas"
            );
            count += 1;
            continue;
        }
        let (from, to) = if open.contains(r#"text-anchor="end""#) {
            (x - extent, x)
        } else if open.contains(r#"text-anchor="middle""#) {
            (x - extent / 2.0, x + extent / 2.0)
        } else {
            (x, x + extent)
        };
        assert!(
            from >= -1.0 && to <= width + 1.0 && (0.0..=height).contains(&y),
            "label '{label}' at ({x}, {y}) leaves the {width}×{height} canvas"
        );
        count += 1;
    }
    assert!(count > 3, "the picture has labels");
}

#[test]
fn trajectory_figures_are_readable_pictures() {
    let svg = plan_and_plot(
        "t",
        &["planar-hand", "--iterations", "4", "--horizon", "6"],
        &[],
    );
    labels_inside(&svg);
    // Joint names, not q[i]; no float noise in tick labels.
    assert!(svg.contains("left_finger/joint_1") && svg.contains("ball/joint:θ about x"));
    assert!(
        !svg.contains("q[0]") && !svg.contains("99999999"),
        "readable labels"
    );
    let pixmap = render(&svg);
    assert!(inked(&pixmap) > 0.02, "not blank");
    // The kept cost is a blue line.
    let (_, blue) = centroid(&pixmap, |r, g, b| b > 200 && r < 60 && g < 60);
    assert!(blue > 100, "the cost line is drawn ({blue} px)");
}

#[test]
fn rrt_trees_are_readable_pictures() {
    let svg = plan_and_plot(
        "r",
        &["planar-hand", "--planner", "rrt", "--max-nodes", "60"],
        &[],
    );
    labels_inside(&svg);
    assert!(
        svg.contains("regrasp") && svg.contains("extension"),
        "a legend"
    );
    assert!(inked(&render(&svg)) > 0.02, "not blank");
}

#[test]
fn animations_show_the_object_moving_with_axes_time_and_goal() {
    let svg = plan_and_plot(
        "a",
        &["planar-hand", "--iterations", "4", "--horizon", "6"],
        &["--animate"],
    );
    labels_inside(&svg);
    assert!(
        svg.contains("y (m)") && svg.contains("z (m)"),
        "axes of the y–z plane"
    );
    assert!(
        svg.contains("t = 0.00 s") && svg.contains("t = 0.60 s"),
        "the time of each frame"
    );
    assert!(svg.contains("stroke-dasharray"), "the goal's ghost");
    // The first frame is visible; show the last instead, and the ball has moved.
    let first = render(&svg);
    let frames = svg.matches(r#"<g class="frame" visibility="#).count();
    let mut last_only = svg.replace(
        r#"<g class="frame" visibility="visible""#,
        r#"<g class="frame" visibility="hidden""#,
    );
    let last_start = last_only
        .rfind(r#"<g class="frame" visibility="hidden""#)
        .expect("frames");
    last_only.replace_range(
        last_start..last_start + r#"<g class="frame" visibility="hidden""#.len(),
        r#"<g class="frame" visibility="visible""#,
    );
    assert!(frames > 2);
    let last = render(&last_only);
    let orange = |r: u8, g: u8, b: u8| r > 220 && (140..200).contains(&g) && b < 120;
    let ((x0, y0), n0) = centroid(&first, orange);
    let ((x1, y1), n1) = centroid(&last, orange);
    assert!(n0 > 1000 && n1 > 1000, "the ball is drawn ({n0}, {n1} px)");
    assert!(
        (x1 - x0).hypot(y1 - y0) > 20.0,
        "the ball moves: ({x0:.0}, {y0:.0}) → ({x1:.0}, {y1:.0}) px"
    );
}

#[test]
fn bimanual_iiwa_animations_draw_the_table() {
    // Two steps holding the default configuration (qd sim starts there).
    let scene = qd_scenes::load("bimanual-iiwa").expect("built-in scene");
    let hold = scene.actuated_positions(scene.default_q());
    let inputs = scratch("hold.json");
    std::fs::write(&inputs, serde_json::json!([hold, hold]).to_string()).expect("write");
    let (trajectory, picture) = (scratch("b.json"), scratch("b.svg"));
    qd_ok(&[
        "sim",
        "bimanual-iiwa",
        "--inputs",
        text(&inputs),
        "--output",
        text(&trajectory),
    ]);
    qd_ok(&[
        "plot",
        text(&trajectory),
        "--animate",
        "--view",
        "xz",
        "--output",
        text(&picture),
    ]);
    let svg = std::fs::read_to_string(&picture).expect("svg");
    // The table is a grey half-plane under the box.
    assert!(
        svg.contains(r##"fill="#d9d9d9""##),
        "the half-space is drawn"
    );
    let grey = |r: u8, g: u8, b: u8| r == g && g == b && (200..225).contains(&r);
    let (_, n) = centroid(&render(&svg), grey);
    assert!(n > 1000, "the ground covers part of the picture ({n} px)");
}

#[test]
fn npz_plans_and_sim_trajectories_are_plotted() {
    let npz = scratch("n.npz");
    qd_ok(&[
        "plan",
        "planar-hand",
        "--iterations",
        "3",
        "--horizon",
        "5",
        "--quiet",
        "--output",
        text(&npz),
    ]);
    let picture = scratch("n.svg");
    qd_ok(&[
        "plot",
        text(&npz),
        "--scene",
        "planar-hand",
        "--output",
        text(&picture),
    ]);
    let svg = std::fs::read_to_string(&picture).expect("svg");
    assert!(svg.contains("cost per iteration") && svg.contains("ball/joint:y"));
    let animation = scratch("n_anim.svg");
    qd_ok(&[
        "plot",
        text(&npz),
        "--scene",
        "planar-hand",
        "--animate",
        "--output",
        text(&animation),
    ]);
    // An RRT's .npz needs its scene for the object's coordinates.
    let tree = scratch("tree.npz");
    qd_ok(&[
        "plan",
        "planar-hand",
        "--planner",
        "rrt",
        "--max-nodes",
        "30",
        "--quiet",
        "--output",
        text(&tree),
    ]);
    let (code, _, stderr) = run_qd(
        &["plot", text(&tree), "--output", text(&scratch("t1.svg"))],
        "",
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("--scene"), "{stderr}");
    qd_ok(&[
        "plot",
        text(&tree),
        "--scene",
        "planar-hand",
        "--output",
        text(&scratch("t2.svg")),
    ]);
    // A qd sim trajectory: its q panels and its animation.
    let inputs = scratch("inputs.json");
    std::fs::write(&inputs, "[[-0.6, -1.0, 0.6, 1.0], [-0.5, -1.0, 0.5, 1.0]]").expect("write");
    let sim = scratch("sim.json");
    qd_ok(&[
        "sim",
        "planar-hand",
        "--inputs",
        text(&inputs),
        "--output",
        text(&sim),
    ]);
    let sim_picture = scratch("sim.svg");
    qd_ok(&["plot", text(&sim), "--output", text(&sim_picture)]);
    let svg = std::fs::read_to_string(&sim_picture).expect("svg");
    assert!(svg.contains("robots: joint positions") && !svg.contains("cost per iteration"));
    qd_ok(&[
        "plot",
        text(&sim),
        "--animate",
        "--output",
        text(&scratch("sim_anim.svg")),
    ]);
}

#[test]
fn the_default_view_shows_the_motion_the_task_asks_for() {
    // allegro-sphere turns its ball about z: the default view looks down z (x across, y up),
    // where the ball's orientation spokes show the turn.
    let svg = plan_and_plot(
        "yaw",
        &["allegro-sphere", "--iterations", "1", "--horizon", "2"],
        &["--animate"],
    );
    assert!(
        svg.contains(">x (m)<") && svg.contains(">y (m)<"),
        "the x–y plane"
    );
    let frame = svg.split(r#"<g class="frame""#).nth(1).expect("a frame");
    assert!(
        frame.contains(r#"stroke="black""#),
        "orientation spokes on the ball"
    );
    labels_inside(&svg);
}
