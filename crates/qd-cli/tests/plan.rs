//! End-to-end tests of `qd plan` (trajectory optimisation and RRT): the summary, the saved
//! JSON and `.npz` plans (read back with an independent reader), and its refusals.

mod common;

use common::run_qd;
use ndarray::{Array1, Array2};

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("qd-plan-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs `qd ARGS --output FILE` once per file; each run must succeed and print `expected`.
fn run_saving(args: &[&str], outputs: &[&std::path::PathBuf], expected: &str) {
    for output in outputs {
        let mut with_output = args.to_vec();
        with_output.extend(["--output", output.to_str().expect("utf-8")]);
        let (code, stdout, stderr) = run_qd(&with_output, "");
        assert_eq!(code, 0, "stderr: {stderr}");
        assert!(stdout.contains(expected), "{stdout}");
        assert!(stderr.is_empty(), "--quiet prints nothing: {stderr}");
    }
}

#[test]
fn plan_saves_json_and_npz_that_agree() {
    let dir = temp_dir("save");
    let json = dir.join("plan.json");
    let npz = dir.join("plan.npz");
    let base = [
        "plan",
        "planar-hand",
        "--iterations",
        "6",
        "--horizon",
        "8",
        "--quiet",
    ];
    run_saving(&base, &[&json, &npz], "object error 0.3000 m / 0.5000 rad");
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    let q: Vec<Vec<f64>> = serde_json::from_value(plan["q"].clone()).expect("q");
    let u: Vec<Vec<f64>> = serde_json::from_value(plan["u"].clone()).expect("u");
    assert_eq!((q.len(), q[0].len()), (9, 7), "x₀..x_8 of the planar hand");
    assert_eq!((u.len(), u[0].len()), (8, 4));
    assert_eq!(plan["iterations"].as_array().expect("reports").len(), 7);

    let mut reader =
        ndarray_npy::NpzReader::new(std::fs::File::open(&npz).expect("npz")).expect("an npz");
    let q_npz: Array2<f64> = reader.by_name("q").expect("q");
    let u_npz: Array2<f64> = reader.by_name("u").expect("u");
    let cost: Array1<f64> = reader.by_name("cost").expect("cost");
    // The analytic run is deterministic: both files hold the same plan.
    assert_eq!(q_npz.shape(), &[9, 7]);
    for (t, row) in q.iter().enumerate() {
        for (i, value) in row.iter().enumerate() {
            assert_eq!(q_npz[(t, i)], *value);
        }
    }
    assert_eq!(u_npz[(7, 3)], u[7][3]);
    assert_eq!(cost.len(), 7);
    assert_eq!(cost[6], plan["cost"]["total"].as_f64().expect("total"));

    // Never overwritten without --force.
    let mut again = base.to_vec();
    again.extend(["--output", json.to_str().expect("utf-8")]);
    let (code, _, stderr) = run_qd(&again, "");
    assert_eq!(code, 1);
    assert!(stderr.contains("--force"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn plan_errors_are_one_readable_line() {
    // Choices the command line offers are usage errors (exit 2), one line naming the choices.
    for (args, expected) in [
        (
            &["plan", "planar-hand", "--method", "magic"],
            "[possible values: analytic, randomized, zero-order, exact]",
        ),
        (
            &["plan", "planar-hand", "--planner", "prm"],
            "[possible values: trajopt, rrt]",
        ),
        (
            &["sim", "planar-hand", "--mode", "sopc"],
            "a similar value exists: 'socp'",
        ),
    ] {
        let (code, _, stderr) = run_qd(args, "");
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let cases: [(&[&str], &str); 8] = [
        (&["plan", "pusher-box-1d"], "[task]"),
        (&["plan", "planar-hand", "--iterations", "0"], "iteration"),
        (
            &["plan", "planar-hand", "--output", "plan.txt"],
            ".json or .npz",
        ),
        (&["plan", "pusher-box-1d", "--planner", "rrt"], "no [task]"),
        (
            &[
                "plan",
                "planar-hand",
                "--planner",
                "rrt",
                "--goal",
                "0,0.35,-1",
            ],
            "outside the sampling region",
        ),
        (
            &[
                "plan",
                "planar-hand",
                "--planner",
                "rrt",
                "--start",
                "0,0.35",
            ],
            "2 values given",
        ),
        (
            &["plan", "planar-hand", "--goal", "0,0.35,1"],
            "--planner rrt",
        ),
        (
            &["plan", "planar-hand", "--planner", "rrt", "--refine", "0"],
            "refinement factor",
        ),
    ];
    for (args, expected) in cases {
        let (code, _, stderr) = run_qd(args, "");
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn rrt_plans_a_query_of_the_users_choosing() {
    let dir = temp_dir("rrt-query");
    let json = dir.join("tree.json");
    let goal = [0.6, 0.05, -2.0];
    let args = [
        "plan",
        "bimanual-planar",
        "--planner",
        "rrt",
        "--goal",
        "0.6,0.05,-2",
        "--quiet",
    ];
    run_saving(&args, &[&json], "goal reached");
    let tree: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    let saved: Vec<f64> = serde_json::from_value(tree["goal"].clone()).expect("goal");
    assert_eq!(saved, goal);
    // The path's last node is within the task's tolerances (3 cm, 0.1 rad) of that goal.
    let path: Vec<usize> = serde_json::from_value(tree["path"].clone()).expect("path");
    let last: Vec<f64> =
        serde_json::from_value(tree["nodes"][*path.last().expect("a path")]["q"].clone())
            .expect("q");
    let [start, _] = serde_json::from_value::<[usize; 2]>(tree["object_q"].clone()).expect("at");
    let object = &last[start..start + 3];
    assert!(
        (object[0] - goal[0]).hypot(object[1] - goal[1]) <= 0.03,
        "{object:?}"
    );
    assert!((object[2] - goal[2]).abs() <= 0.1, "{object:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn rrt_saves_its_tree_and_path_as_json_and_npz() {
    let dir = temp_dir("rrt");
    let json = dir.join("tree.json");
    let npz = dir.join("tree.npz");
    let base = [
        "plan",
        "planar-hand",
        "--planner",
        "rrt",
        "--seed",
        "1",
        "--quiet",
    ];
    run_saving(&base, &[&json, &npz], "goal reached");
    let tree: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    let nodes = tree["nodes"].as_array().expect("nodes");
    let path: Vec<usize> = serde_json::from_value(tree["path"].clone()).expect("path");
    let segments: Vec<Vec<usize>> =
        serde_json::from_value(tree["segments"].clone()).expect("segments");
    assert_eq!(segments.concat(), path);
    assert_eq!(tree["success"], serde_json::json!(true));

    let mut reader =
        ndarray_npy::NpzReader::new(std::fs::File::open(&npz).expect("npz")).expect("an npz");
    let tree_q: Array2<f64> = reader.by_name("tree_q").expect("tree_q");
    let parent: Array1<i64> = reader.by_name("parent").expect("parent");
    let path_npz: Array1<i64> = reader.by_name("path").expect("path");
    assert_eq!(tree_q.shape(), &[nodes.len(), 7]);
    assert_eq!(parent[0], -1);
    for (i, node) in nodes.iter().enumerate().skip(1) {
        assert_eq!(node["parent"].as_i64(), Some(parent[i]));
    }
    let last = *path.last().expect("a path");
    let q_last: Vec<f64> = serde_json::from_value(nodes[last]["q"].clone()).expect("q");
    for (j, value) in q_last.iter().enumerate() {
        assert_eq!(tree_q[(last, j)], *value);
    }
    assert_eq!(
        path_npz.to_vec(),
        path.iter().map(|&i| i as i64).collect::<Vec<_>>()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn rrt_saves_one_executable_plan_from_start_to_goal() {
    let dir = temp_dir("execute");
    let json = dir.join("plan.json");
    let npz = dir.join("plan.npz");
    let args = [
        "plan",
        "planar-hand",
        "--planner",
        "rrt",
        "--seed",
        "1",
        "--quiet",
    ];
    run_saving(&args, &[&json, &npz], "executable plan");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    let plan = &saved["plan"];
    let rows = |value: &serde_json::Value| -> Vec<Vec<f64>> {
        serde_json::from_value(value.clone()).expect("rows of numbers")
    };
    let (states, inputs) = (rows(&plan["states"]), rows(&plan["inputs"]));
    assert_eq!(states.len(), inputs.len() + 1);
    // It starts where the tree does, with the robots commanded where they are.
    assert_eq!(plan["states"][0], saved["nodes"][0]["q"]);
    let u_before: Vec<f64> = serde_json::from_value(plan["u_before"].clone()).expect("u_before");
    assert_eq!(u_before, states[0][..4].to_vec());
    // No command jumps by more than the documented 0.1 rad per step.
    let mut previous = u_before.clone();
    for u in &inputs {
        for (a, b) in u.iter().zip(&previous) {
            assert!((a - b).abs() <= 0.1 + 1e-12, "a jump from {b} to {a}");
        }
        previous.clone_from(u);
    }
    // The intervals cover the steps in order, and there are regrasp transitions.
    let intervals = plan["intervals"].as_array().expect("intervals");
    let mut next = 0;
    for interval in intervals {
        assert_eq!(interval["start"].as_u64(), Some(next));
        next = interval["end"].as_u64().expect("end");
    }
    assert_eq!(next as usize, inputs.len());
    assert!(intervals.iter().any(|i| i["kind"] == "transition"));
    // The object ends within the goal tolerance (θ = π ± 0.1, y, z within 0.05 m).
    let last = states.last().expect("a state");
    assert!(
        (last[6] - std::f64::consts::PI).abs() <= 0.1,
        "θ = {}",
        last[6]
    );
    assert!((last[4] - 0.0).hypot(last[5] - 0.35) <= 0.05, "{last:?}");
    assert_eq!(plan["reached"].as_bool(), Some(true));
    // The .npz holds the same plan.
    let mut archive =
        ndarray_npy::NpzReader::new(std::fs::File::open(&npz).expect("npz")).expect("reader");
    let q: Array2<f64> = archive.by_name("q").expect("q");
    let u: Array2<f64> = archive.by_name("u").expect("u");
    assert_eq!(q.dim(), (states.len(), 7));
    assert_eq!(u.dim(), (inputs.len(), 4));
    assert_eq!(q.row(q.nrows() - 1).to_vec(), *last);
    let kinds: Array1<i64> = archive.by_name("interval_kind").expect("kinds");
    assert_eq!(kinds.len(), intervals.len());
    // qd replay re-simulates it to the same states.
    let (code, stdout, stderr) = run_qd(&["replay", json.to_str().expect("utf-8")], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("largest deviation from the saved states 0.000e0"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_run_that_cannot_progress_says_why_after_its_summary() {
    let scene = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/finger-and-box.toml"
    );
    for (method, expected) in [
        (
            "analytic",
            "note: the trust region shrank below min_input_radius",
        ),
        ("exact", "use the analytic or randomized method"),
    ] {
        let args = ["plan", scene, "--method", method, "--iterations", "16"];
        let (code, stdout, stderr) = run_qd(&args, "");
        assert_eq!(code, 0, "{method}: {stderr}");
        assert!(stdout.contains("finger-and-box: trajopt"), "{stdout}");
        assert!(stderr.contains(expected), "{method}: {stderr}");
        // Each distinct diagnosis once after the summary, however many iterations said it.
        let notes: Vec<&str> = stderr.lines().filter(|l| l.starts_with("note: ")).collect();
        let mut distinct = notes.clone();
        distinct.dedup();
        assert_eq!(notes, distinct, "{stderr}");
        let (_, _, quiet) = run_qd(&[&args[..], &["--quiet"]].concat(), "");
        assert!(quiet.is_empty(), "--quiet: {quiet}");
    }
}
