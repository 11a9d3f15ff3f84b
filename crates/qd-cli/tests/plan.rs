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
    let cases: [(&[&str], &str); 9] = [
        (
            &["plan", "planar-hand", "--method", "magic"],
            "unknown method",
        ),
        (&["plan", "bimanual-planar"], "[task.trajopt]"),
        (&["plan", "planar-hand", "--iterations", "0"], "iteration"),
        (
            &["plan", "planar-hand", "--output", "plan.txt"],
            ".json or .npz",
        ),
        (
            &["plan", "planar-hand", "--planner", "prm"],
            "unknown planner",
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
fn rrt_refines_each_segment_from_its_first_node() {
    let dir = temp_dir("refine");
    let json = dir.join("refined.json");
    let args = [
        "plan",
        "planar-hand",
        "--planner",
        "rrt",
        "--seed",
        "1",
        "--refine",
        "2",
        "--iterations",
        "4",
        "--quiet",
    ];
    run_saving(&args, &[&json], "refined");
    let tree: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    let refined = tree["refined"].as_array().expect("refined segments");
    assert!(!refined.is_empty());
    for segment in refined {
        let nodes: Vec<usize> = serde_json::from_value(segment["nodes"].clone()).expect("nodes");
        let q = segment["q"].as_array().expect("q");
        assert_eq!(
            q.len(),
            2 * (nodes.len() - 1) + 1,
            "two fine steps per coarse step"
        );
        assert_eq!(q[0], tree["nodes"][nodes[0]]["q"]);
        assert_eq!(segment["h"].as_f64(), Some(0.05));
    }
    std::fs::remove_dir_all(&dir).ok();
}
