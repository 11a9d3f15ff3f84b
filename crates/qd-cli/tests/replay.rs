//! `qd replay`: a plan saved by an earlier build (a fixture) replays to its saved states, and
//! plans that do not fit, are corrupted or miss their goal are refused with one readable line.

mod common;

use common::run_qd;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/planar-hand-plan.json"
);

fn temp_file(tag: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("qd-replay-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("plan.json");
    std::fs::write(&path, text).expect("write");
    path
}

fn fixture() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(FIXTURE).expect("fixture")).expect("JSON")
}

/// The number in `text` after `label`.
fn number_after(text: &str, label: &str) -> f64 {
    let rest = &text[text.find(label).expect(label) + label.len()..];
    let token: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '-' | '+'))
        .collect();
    token.parse().expect("a number")
}

#[test]
fn a_plan_saved_by_an_earlier_build_replays_to_its_saved_states() {
    // The fixture was saved when Clarabel solved every exact step: with Clarabel the replay
    // reproduces it to round-off.
    let scene = qd_scenes::source("planar-hand")
        .expect("built-in scene")
        .replacen(
            "[parameters]",
            "[parameters]\nexact_solver = \"clarabel\"",
            1,
        );
    let dir = std::env::temp_dir().join(format!("qd-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let scene_file = dir.join("planar-hand-clarabel.toml");
    std::fs::write(&scene_file, scene).expect("scene file");
    let scene_path = scene_file.to_str().expect("a UTF-8 path");
    let (code, stdout, stderr) = run_qd(&["replay", FIXTURE, "--scene", scene_path], "");
    assert_eq!(code, 0, "{stderr}");
    let deviation = number_after(&stdout, "largest deviation from the saved states");
    assert!(deviation <= 1e-9, "{stdout}");
    // With this build's default exact solver (the own one) each step is the same optimum to
    // round-off; over the plan's 246 steps that drifts to ~1e-7 at most (measured 7.7e-8).
    for args in [
        vec!["replay", FIXTURE],
        vec!["replay", FIXTURE, "--scene", "planar-hand"],
    ] {
        let (code, stdout, stderr) = run_qd(&args, "");
        assert_eq!(code, 0, "{stderr}");
        assert!(number_after(&stdout, "saved states") <= 1e-6, "{stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replays_with_another_exact_form_stay_close() {
    let (code, stdout, stderr) = run_qd(&["replay", FIXTURE, "--mode", "qp"], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("with qp"), "{stdout}");
    // QP with 4 rays and the SOCP differ, but on this plan only by round-off of the solves:
    // the contacts stay inside both cones' common part.
    assert!(number_after(&stdout, "saved states") < 1e-3, "{stdout}");
}

#[test]
fn a_plan_of_another_scene_is_refused() {
    let (code, _, stderr) = run_qd(&["replay", FIXTURE, "--scene", "bimanual-planar"], "");
    assert_ne!(code, 0);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("planar-hand") && stderr.contains("bimanual-planar"),
        "{stderr}"
    );
}

#[test]
fn corrupted_plans_are_refused_with_one_line() {
    let text = std::fs::read_to_string(FIXTURE).expect("fixture");
    let mut cases: Vec<(&str, String)> = vec![
        ("truncated", text[..text.len() / 2].to_string()),
        ("not-json", "qd plan\n".to_string()),
    ];
    let mut short = fixture();
    short["inputs"].as_array_mut().expect("inputs").pop();
    cases.push(("short", short.to_string()));
    let mut nan = fixture();
    nan["states"][0][0] = serde_json::json!("NaN");
    cases.push(("nan", nan.to_string()));
    let mut wide = fixture();
    wide["inputs"][3]
        .as_array_mut()
        .expect("row")
        .push(serde_json::json!(0.0));
    cases.push(("wide", wide.to_string()));
    let mut scene = fixture();
    scene["scene"]["text"] = serde_json::json!("name = \"broken\"\n[[robots]]\n");
    cases.push(("scene", scene.to_string()));
    for (tag, text) in cases {
        let path = temp_file(tag, &text);
        let (code, stdout, stderr) = run_qd(&["replay", path.to_str().expect("utf-8")], "");
        assert_ne!(code, 0, "{tag}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{tag}: {stderr}");
        assert!(stderr.starts_with("qd: "), "{tag}: {stderr}");
        std::fs::remove_dir_all(path.parent().expect("dir")).ok();
    }
}

#[test]
fn a_replay_that_misses_the_goal_exits_non_zero() {
    // Hold the robots still for the whole plan: the ball stays at its start, π from the goal.
    let mut plan = fixture();
    let u_before = plan["u_before"].clone();
    let steps = plan["inputs"].as_array().expect("inputs").len();
    plan["inputs"] = serde_json::Value::Array(vec![u_before; steps]);
    let path = temp_file("miss", &plan.to_string());
    let (code, stdout, stderr) = run_qd(&["replay", path.to_str().expect("utf-8")], "");
    assert_ne!(code, 0, "{stdout}");
    assert!(stderr.contains("outside the goal tolerance"), "{stderr}");
    assert!(stdout.contains("final object error"), "{stdout}");
    std::fs::remove_dir_all(path.parent().expect("dir")).ok();
}

#[test]
fn a_trajectory_optimisation_plan_replays_too() {
    let dir = std::env::temp_dir().join(format!("qd-replay-trajopt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let json = dir.join("plan.json");
    let path = json.to_str().expect("utf-8");
    let (code, _, stderr) = run_qd(&["plan", "planar-hand", "--quiet", "--output", path], "");
    assert_eq!(code, 0, "{stderr}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    // The plan's states and commands are the optimiser's (20 iterations reach the goal).
    assert_eq!(saved["plan"]["states"], saved["q"]);
    assert_eq!(saved["plan"]["inputs"], saved["u"]);
    let (code, stdout, stderr) = run_qd(&["replay", path], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("trajopt plan"), "{stdout}");
    assert!(number_after(&stdout, "saved states") <= 1e-9, "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}
