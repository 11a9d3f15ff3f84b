//! End-to-end tests of `qd plot`: pictures of saved plans, and its refusals.

mod common;

use common::run_qd;

#[test]
fn plans_of_both_planners_become_svg_pictures() {
    let dir = std::env::temp_dir().join(format!("qd-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases = [
        (
            vec!["--iterations", "4", "--horizon", "5"],
            "cost per iteration",
        ),
        (
            vec!["--planner", "rrt", "--max-nodes", "40"],
            "RRT: 40 nodes",
        ),
    ];
    for (index, (options, title)) in cases.into_iter().enumerate() {
        let plan = dir.join(format!("plan{index}.json"));
        let picture = dir.join(format!("plan{index}.svg"));
        let plan_text = plan.to_str().expect("utf-8");
        let picture_text = picture.to_str().expect("utf-8");
        let mut args = vec!["plan", "planar-hand", "--quiet", "--output", plan_text];
        args.extend(options);
        assert_eq!(run_qd(&args, "").0, 0);
        let (code, _, stderr) = run_qd(&["plot", plan_text, "--output", picture_text], "");
        assert_eq!(code, 0, "{stderr}");
        let svg = std::fs::read_to_string(&picture).expect("svg written");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains(title), "{title} missing");
        // Never overwritten without --force.
        let (code, _, stderr) = run_qd(&["plot", plan_text, "--output", picture_text], "");
        assert_eq!(code, 1);
        assert!(stderr.contains("--force"), "{stderr}");
    }
    let not_a_plan = dir.join("other.json");
    std::fs::write(&not_a_plan, "{\"a\": 1}").expect("write");
    let (code, _, stderr) = run_qd(
        &[
            "plot",
            not_a_plan.to_str().expect("utf-8"),
            "--output",
            "x.svg",
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("not a plan"), "{stderr}");
    assert!(!std::path::Path::new("x.svg").exists(), "nothing written");
    let (code, _, stderr) = run_qd(&["plot", "plan.json", "--output", "x.png"], "");
    assert_eq!(code, 1);
    assert!(stderr.contains(".svg"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn animations_draw_the_ball_where_each_state_puts_it() {
    let dir = std::env::temp_dir().join(format!("qd-animate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let plan = dir.join("plan.json");
    let picture = dir.join("plan.svg");
    let (plan_text, picture_text) = (
        plan.to_str().expect("utf-8"),
        picture.to_str().expect("utf-8"),
    );
    let args = [
        "plan",
        "planar-hand",
        "--iterations",
        "3",
        "--horizon",
        "5",
        "--quiet",
        "--output",
        plan_text,
    ];
    assert_eq!(run_qd(&args, "").0, 0);
    let (code, _, stderr) = run_qd(
        &["plot", plan_text, "--animate", "--output", picture_text],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    let svg = std::fs::read_to_string(&picture).expect("svg");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).expect("plan")).expect("JSON");
    let states: Vec<Vec<f64>> = serde_json::from_value(saved["q"].clone()).expect("q");
    let frames: Vec<&str> = svg.split(r#"<g class="frame""#).skip(1).collect();
    assert_eq!(frames.len(), states.len(), "one frame per configuration");
    // The ball is the only circle: at (y, z) = (q[4], q[5]) in the y–z view of the plane.
    for (frame, q) in frames.iter().zip(&states) {
        let circle = frame.split("<circle ").nth(1).expect("the ball");
        let attribute = |name: &str| -> f64 {
            let start = circle.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
            let end = circle[start..].find('"').expect("closing quote") + start;
            circle[start..end].parse().expect("a number")
        };
        assert!((attribute("cx") - q[4]).abs() < 1e-12);
        assert!((attribute("cy") - q[5]).abs() < 1e-12);
        assert!((attribute("r") - 0.25).abs() < 1e-12);
    }
    std::fs::remove_dir_all(&dir).ok();
}
