//! End-to-end tests of `qd distance`, running the built binary.

mod common;

use common::run_qd;

fn field(line: &str, name: &str) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(line).expect("output is JSON");
    value[name].clone()
}

#[test]
fn sphere_above_ground_gives_height_minus_radius() {
    let query = r#"{"a": {"halfspace": {}}, "pose_a": {"position": [0, 0, 0], "quaternion_wxyz": [1, 0, 0, 0]}, "b": {"sphere": {"radius": 0.1}}, "pose_b": {"position": [0.3, 0, 0.5], "quaternion_wxyz": [1, 0, 0, 0]}}"#;
    let (code, stdout, stderr) = run_qd(&["distance"], query);
    assert_eq!(code, 0, "stderr: {stderr}");
    let line = stdout.lines().next().expect("one output line");
    assert!((field(line, "distance").as_f64().unwrap() - 0.4).abs() < 1e-12);
    assert_eq!(field(line, "normal"), serde_json::json!([0.0, 0.0, 1.0]));
    assert_eq!(field(line, "witness_a"), serde_json::json!([0.3, 0.0, 0.0]));
}

#[test]
fn bad_lines_are_reported_by_number_and_the_rest_still_run() {
    let good = r#"{"a": {"sphere": {"radius": 0.1}}, "pose_a": {"position": [0, 0, 0]}, "b": {"sphere": {"radius": 0.1}}, "pose_b": {"position": [1, 0, 0]}}"#;
    let negative = r#"{"a": {"sphere": {"radius": -1}}, "pose_a": {"position": [0, 0, 0]}, "b": {"sphere": {"radius": 0.1}}, "pose_b": {"position": [1, 0, 0]}}"#;
    let planes = r#"{"a": {"halfspace": {}}, "pose_a": {"position": [0, 0, 0]}, "b": {"halfspace": {}}, "pose_b": {"position": [1, 0, 0]}}"#;
    let input = format!("{good}\nnot json\n{negative}\n\n{planes}\n{good}\n");
    let (code, stdout, stderr) = run_qd(&["distance"], &input);
    assert_eq!(code, 1);
    assert_eq!(stdout.lines().count(), 2, "both good lines answered");
    let errors: Vec<&str> = stderr.lines().collect();
    assert_eq!(errors.len(), 3, "one line per bad input: {stderr}");
    assert!(errors[0].starts_with("line 2:"));
    assert!(errors[1].starts_with("line 3:") && errors[1].contains("radius"));
    assert!(errors[2].starts_with("line 5:") && errors[2].contains("half-spaces"));
}

#[test]
fn demo_runs_and_answers_every_query() {
    let (code, stdout, stderr) = run_qd(&["distance", "--demo"], "");
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(stdout.lines().count(), 4);
}

#[test]
fn missing_input_file_is_one_readable_line() {
    let (code, _, stderr) = run_qd(&["distance", "--input", "/nonexistent/queries.jsonl"], "");
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.contains("cannot open"));
}

#[test]
fn scene_show_planar_hand_reports_the_split_and_the_contacts() {
    let (code, stdout, stderr) = run_qd(&["scene", "show", "planar-hand"], "");
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.contains("n_a = 4 actuated"), "{stdout}");
    assert!(
        stdout.contains("ball       planar joint, q[4..7] = (y, z, θ about x)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("contacts at the default configuration (φ ≤ 10 m): 4"),
        "{stdout}"
    );
}

#[test]
fn scene_show_of_an_unknown_scene_is_one_readable_line() {
    let (code, _, stderr) = run_qd(&["scene", "show", "no-such-scene"], "");
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("planar-hand"),
        "lists the built-in scenes: {stderr}"
    );
}

/// A fresh temporary directory (per test `tag` and process) holding an inputs file `name` with
/// `contents`; returns the directory (for clean-up) and the file's path.
fn inputs_file(tag: &str, name: &str, contents: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("qd-sim-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let inputs = dir.join(name);
    std::fs::write(&inputs, contents).expect("write inputs");
    (dir, inputs)
}

#[test]
fn sim_rolls_out_the_inputs_and_never_overwrites_without_force() {
    let (dir, inputs) = inputs_file("test", "u.json", r#"{"u": [[0.05], [0.2], [0.2]]}"#);
    let output = dir.join("trajectory.json");
    let args = [
        "sim",
        "pusher-box-1d",
        "--inputs",
        inputs.to_str().expect("utf-8"),
        "--output",
        output.to_str().expect("utf-8"),
    ];
    let (code, _, stderr) = run_qd(&args, "");
    assert_eq!(code, 0, "stderr: {stderr}");
    let trajectory: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&output).expect("output")).expect("JSON");
    let q = trajectory["q"].as_array().expect("q");
    assert_eq!(q.len(), 4, "q0 and three steps");
    // The pusher reaches 0.2, 5 cm past touching: the box is pushed forward.
    assert!(q[3][1].as_f64().expect("box x") > 0.25);
    // Statuses as files and the command line spell them, not Rust's Debug text.
    assert_eq!(trajectory["steps"][0]["status"], "solved");
    assert_eq!(trajectory["mode"], "socp");

    let (code, _, stderr) = run_qd(&args, "");
    assert_eq!(code, 1);
    assert!(stderr.contains("--force"), "{stderr}");
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(run_qd(&forced, "").0, 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sim_reports_that_exact_steps_were_refined() {
    let (dir, inputs) = inputs_file("refined", "u.json", "[[0.05], [0.2]]");
    let input_path = inputs.to_str().expect("utf-8");
    for (mode, refined) in [("socp", true), ("qp", true), ("log_barrier_cone", false)] {
        let args = [
            "sim",
            "pusher-box-1d",
            "--inputs",
            input_path,
            "--mode",
            mode,
        ];
        let (code, stdout, stderr) = run_qd(&args, "");
        assert_eq!(code, 0, "stderr: {stderr}");
        let trajectory: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        for step in trajectory["steps"].as_array().expect("steps") {
            assert_eq!(step["polished"].as_bool(), Some(refined), "{mode}: {step}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sim_rejects_inputs_of_the_wrong_length() {
    let (dir, inputs) = inputs_file("bad", "u.csv", "0.1,0.2\n");
    let (code, _, stderr) = run_qd(
        &[
            "sim",
            "pusher-box-1d",
            "--inputs",
            inputs.to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("n_a = 1"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sim_refuses_a_barrier_weight_outside_its_range() {
    let (dir, inputs) = inputs_file("kappa", "u.json", "[[0.05]]");
    for kappa in ["1e-300", "1e300"] {
        let (code, stdout, stderr) = run_qd(
            &[
                "sim",
                "pusher-box-1d",
                "--inputs",
                inputs.to_str().expect("utf-8"),
                "--mode",
                "log_barrier_cone",
                &format!("--kappa={kappa}"),
            ],
            "",
        );
        assert_eq!(code, 1, "{kappa}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("--kappa must lie within"), "{stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_built_in_scene_shows_and_simulates() {
    let dir = std::env::temp_dir().join(format!("qd-all-scenes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (code, listing, stderr) = run_qd(&["scene", "list"], "");
    assert_eq!(code, 0, "{stderr}");
    let names: Vec<String> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    for name in [
        "pusher-box-1d",
        "planar-pushing",
        "planar-hand",
        "allegro-sphere",
        "bimanual-planar",
        "bimanual-iiwa",
        "box-on-table",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} listed: {listing}");
        let (code, shown, stderr) = run_qd(&["scene", "show", name], "");
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(
            shown.contains("contacts at the default configuration"),
            "{shown}"
        );
        // Two steps holding the default configuration.
        let scene = qd_scenes::load(name).expect("scene");
        let hold = scene.actuated_positions(scene.default_q());
        let inputs = dir.join(format!("{name}.json"));
        let body = serde_json::json!({ "u": [hold.clone(), hold] });
        std::fs::write(&inputs, body.to_string()).expect("write inputs");
        let output = dir.join(format!("{name}-out.json"));
        let args = [
            "sim",
            name,
            "--inputs",
            inputs.to_str().expect("utf-8"),
            "--output",
            output.to_str().expect("utf-8"),
        ];
        let (code, _, stderr) = run_qd(&args, "");
        assert_eq!(code, 0, "{name}: {stderr}");
    }
    let (_, shown, _) = run_qd(&["scene", "show", "allegro-sphere"], "");
    assert!(shown.contains("task: yaw the sphere"), "{shown}");
    assert!(
        shown.contains("synergies index, middle, ring, thumb"),
        "{shown}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs `qd ARGS` with its standard output closed by the reader before anything is written
/// (what `| head` does once it has enough), then feeds `stdin`; returns (exit code, stderr).
fn run_with_closed_stdout(args: &[&str], stdin: &str) -> (i32, String) {
    use std::io::{Read, Write};
    let mut child = common::spawn_qd(args);
    drop(child.stdout.take());
    let mut input = child.stdin.take().expect("stdin");
    // The child may already have exited; a failed write here is not the test's concern.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("qd finishes");
    (status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    let query = r#"{"a": {"sphere": {"radius": 0.1}}, "pose_a": {"position": [0, 0, 0]}, "b": {"sphere": {"radius": 0.1}}, "pose_b": {"position": [1, 0, 0]}}"#;
    let (code, stderr) = run_with_closed_stdout(&["distance"], &format!("{query}\n"));
    assert_eq!((code, stderr.as_str()), (0, ""), "distance");
    let dir = std::env::temp_dir().join(format!("qd-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let inputs = dir.join("inputs.json");
    std::fs::write(&inputs, "[[0.0, 0.0, 0.0, 0.0], [0.01, 0.0, 0.0, 0.0]]").expect("inputs");
    let (code, stderr) = run_with_closed_stdout(
        &[
            "sim",
            "planar-hand",
            "--inputs",
            inputs.to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!((code, stderr.as_str()), (0, ""), "sim");
    let (code, stderr) = run_with_closed_stdout(&["scene", "list"], "");
    assert_eq!((code, stderr.as_str()), (0, ""), "scene list");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn inputs_files_are_read_by_their_content_and_an_empty_one_is_an_error() {
    // A JSON list in a .txt file is JSON (it was taken as one CSV header line, 0 steps).
    let (dir, json_txt) = inputs_file("json-txt", "inputs.txt", "[[-0.4, 0.7, 0.4, -0.7]]\n");
    let path = json_txt.to_str().expect("utf-8");
    let (code, stdout, stderr) = run_qd(&["sim", "planar-hand", "--inputs", path], "");
    assert_eq!(code, 0, "{stderr}");
    let trajectory: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(trajectory["u"].as_array().map(Vec::len), Some(1));
    // A header and nothing else: no inputs, one line, exit 1.
    let (header_dir, header_only) = inputs_file("header", "inputs.csv", "u0,u1,u2,u3\n");
    let path = header_only.to_str().expect("utf-8");
    let (code, _, stderr) = run_qd(&["sim", "planar-hand", "--inputs", path], "");
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no inputs"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&header_dir).ok();
}

#[test]
fn negative_noise_and_absurd_horizons_and_node_budgets_are_refused_by_name() {
    for (args, expected) in [
        (
            &[
                "plan",
                "planar-hand",
                "--method",
                "randomized",
                "--sigma0",
                "-1",
            ][..],
            "σ₀ must be finite and > 0, got -1",
        ),
        (
            &["plan", "planar-hand", "--horizon", "100000000"][..],
            "between 1 and 10000 steps",
        ),
        (
            &[
                "plan",
                "planar-hand",
                "--planner",
                "rrt",
                "--max-nodes",
                "100000000000",
            ][..],
            "max_nodes must lie within 2..=1000000",
        ),
    ] {
        let (code, _, stderr) = run_qd(args, "");
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
