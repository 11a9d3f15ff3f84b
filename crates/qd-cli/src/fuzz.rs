//! Fuzz tests of the four input formats a user hands to `qd`: `qd distance` lines, scene TOML,
//! URDF and inputs files. Each case mutates a valid seed (numbers replaced by extreme or
//! random values, lines deleted, duplicated or swapped, text cut, bytes inserted) and runs
//! what the command runs on it: the answer must be an error or finite, never a panic.
//!
//! `QD_FUZZ_CASES` sets the cases per format (default 300, what CI runs):
//! `QD_FUZZ_CASES=250000 cargo test --release -p qd-cli --bin qd fuzz` runs 10⁶ in all.

use crate::commands::distance::answer;
use crate::commands::sim::parse_inputs;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use qd_geometry::scene::Scene;

/// Values a mutation puts where a number was.
const EXTREMES: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "1e-320",
    "0",
    "-0.0",
    "1e200",
    "-1",
    "1e9",
    "123456789012345678901234567890",
    "\"x\"",
    "[]",
    "true",
    "1e-7",
    "0.5",
    "3",
];

/// One edit of a text.
#[derive(Debug, Clone)]
enum Mutation {
    /// The k-th number (mod their count) becomes an extreme value or a random float.
    Number(usize, Result<usize, f64>),
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Cut the text at a fraction of its length.
    Truncate(f64),
    /// Insert a byte (a printable ASCII character) at a fraction of the length.
    Insert(f64, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let value = prop_oneof![
        (0..EXTREMES.len()).prop_map(Ok),
        any::<f64>().prop_map(Err),
        (-1e3..1e3f64).prop_map(Err),
    ];
    prop_oneof![
        6 => (any::<usize>(), value).prop_map(|(k, v)| Mutation::Number(k, v)),
        1 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => (0.0..1.0f64).prop_map(Mutation::Truncate),
        1 => (0.0..1.0f64, 32u8..127).prop_map(|(at, byte)| Mutation::Insert(at, byte)),
    ]
}

/// The byte ranges of the numbers in `text`.
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            || (bytes[i] == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        let inside_word = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if starts && !inside_word {
            let start = i;
            i += 1;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || matches!(bytes[i], b'.' | b'e' | b'E' | b'+' | b'-'))
            {
                i += 1;
            }
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    spans
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len().max(1);
    let cut = |f: f64| {
        let at = (f * text.len() as f64) as usize;
        (0..=at.min(text.len()))
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0)
    };
    match mutation {
        Mutation::Number(k, value) => {
            let spans = numbers(text);
            if spans.is_empty() {
                return text.to_string();
            }
            let (start, end) = spans[k % spans.len()];
            let value = match value {
                Ok(i) => EXTREMES[*i].to_string(),
                Err(v) => format!("{v:e}"),
            };
            format!("{}{value}{}", &text[..start], &text[end..])
        }
        Mutation::DeleteLine(i) => {
            if !lines.is_empty() {
                lines.remove(i % n);
            }
            lines.join("\n")
        }
        Mutation::DuplicateLine(i) => {
            if let Some(line) = lines.get(i % n).copied() {
                lines.insert(i % n, line);
            }
            lines.join("\n")
        }
        Mutation::SwapLines(a, b) => {
            if !lines.is_empty() {
                lines.swap(a % n, b % n);
            }
            lines.join("\n")
        }
        Mutation::Truncate(f) => text[..cut(*f)].to_string(),
        Mutation::Insert(f, byte) => {
            let at = cut(*f);
            format!("{}{}{}", &text[..at], *byte as char, &text[at..])
        }
    }
}

/// A seed from `seeds` with up to 6 mutations.
fn mutated(seeds: &'static [&'static str]) -> impl Strategy<Value = String> {
    (0..seeds.len(), prop::collection::vec(mutation(), 1..6)).prop_map(move |(seed, edits)| {
        edits
            .iter()
            .fold(seeds[seed].to_string(), |text, edit| apply(&text, edit))
    })
}

fn cases() -> u32 {
    std::env::var("QD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// Runs the cases of one format; `check` returns whether the case got through to the deepest
/// stage (an answer, a step, a rollout), counted and printed so that a run shows how much of
/// it exercised more than the parser (`-- --nocapture`).
fn run(
    format: &str,
    seeds: &'static [&'static str],
    check: impl Fn(&str) -> Result<bool, TestCaseError>,
) {
    let cases = cases();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let deep = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&mutated(seeds), |text| {
        if check(&text)? {
            deep.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    eprintln!(
        "fuzz {format}: {cases} cases, {} reached the step or answer",
        deep.into_inner()
    );
}

fn finite(values: &[f64]) -> bool {
    values.iter().all(|v| v.is_finite())
}

/// A loaded scene steps once from its default configuration holding its robots: an error,
/// or a finite configuration.
fn step_once(scene: Scene) -> Result<bool, TestCaseError> {
    if qd_plan::check_scene_sections(&scene).is_err() {
        return Ok(false);
    }
    let Ok(system) = QuasiDynamicSystem::new(scene) else {
        return Ok(false);
    };
    let q = system.scene().default_q().to_vec();
    let u = system.scene().actuated_positions(&q);
    match system.step(&mut StepWorkspace::default(), &q, &u) {
        Ok(result) => {
            prop_assert!(finite(&result.q_next), "q⁺ not finite: {:?}", result.q_next);
            Ok(true)
        }
        Err(_) => Ok(false),
    }
}

const DISTANCE_SEEDS: &[&str] = &[
    r#"{"a": {"sphere": {"radius": 0.1}}, "pose_a": {"position": [0, 0, 0]}, "b": {"box": {"size": [0.2, 0.2, 0.2]}}, "pose_b": {"position": [0.3, 0, 0], "quaternion_wxyz": [1, 0, 0, 0]}}"#,
    r#"{"a": {"capsule": {"radius": 0.05, "length": 0.3}}, "pose_a": {"position": [0, 0.1, 0], "quaternion_wxyz": [0.9, 0.1, 0.3, 0.2]}, "b": {"cylinder": {"radius": 0.2, "length": 0.4}}, "pose_b": {"position": [0.1, 0, 0.5]}}"#,
    r#"{"a": {"halfspace": {}}, "pose_a": {"position": [0, 0, 0]}, "b": {"convex": {"points": [[0, 0, 0.1], [0.2, 0, 0.1], [0, 0.2, 0.1], [0, 0, 0.3]]}}, "pose_b": {"position": [0, 0, -0.05]}}"#,
];

#[test]
fn distance_lines() {
    run("qd distance lines", DISTANCE_SEEDS, |line| {
        let Ok(found) = answer(line) else {
            return Ok(false);
        };
        {
            let all: Vec<f64> = [found.distance]
                .into_iter()
                .chain(found.normal)
                .chain(found.witness_a)
                .chain(found.witness_b)
                .collect();
            prop_assert!(finite(&all), "non-finite answer to {line}");
            let scale = 1.0
                + found
                    .witness_a
                    .iter()
                    .chain(&found.witness_b)
                    .fold(0.0f64, |m, v| m.max(v.abs()));
            for k in 0..3 {
                let gap =
                    found.witness_b[k] - found.witness_a[k] - found.distance * found.normal[k];
                prop_assert!(
                    gap.abs() <= 1e-6 * scale,
                    "witnesses off by {gap} for {line}"
                );
            }
        }
        Ok(true)
    });
}

#[test]
fn scene_files() {
    static SEEDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let seeds = SEEDS.get_or_init(|| {
        [
            "planar-hand",
            "planar-pushing",
            "pusher-box-1d",
            "bimanual-planar",
        ]
        .iter()
        .filter_map(|name| qd_scenes::source(name))
        .collect()
    });
    run("scene files", seeds.as_slice(), |text| {
        let no_files = |path: &str| Err(format!("no file '{path}' in this test"));
        match Scene::from_toml_str(text, &no_files) {
            Ok(scene) => step_once(scene),
            Err(_) => Ok(false),
        }
    });
}

/// A two-link arm with a sphere and a box, beside a free ball.
const URDF_SEEDS: &[&str] = &[r#"<robot name="arm">
  <link name="base"/>
  <link name="upper">
    <inertial><mass value="0.5"/><inertia ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial>
    <collision><origin xyz="0 0 0.1" rpy="0 0 0"/><geometry><capsule radius="0.03" length="0.2"/></geometry></collision>
  </link>
  <link name="fore">
    <inertial><mass value="0.3"/><inertia ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial>
    <collision><origin xyz="0 0 0.1" rpy="0 0.2 0"/><geometry><box size="0.04 0.04 0.2"/></geometry></collision>
    <collision><origin xyz="0 0 0.2"/><geometry><sphere radius="0.03"/></geometry></collision>
  </link>
  <joint name="shoulder" type="revolute"><parent link="base"/><child link="upper"/><origin xyz="0 0 0.05" rpy="0 0 0"/><axis xyz="0 1 0"/><limit lower="-1.5" upper="1.5" effort="10" velocity="1"/></joint>
  <joint name="elbow" type="revolute"><parent link="upper"/><child link="fore"/><origin xyz="0 0 0.2"/><axis xyz="0 1 0"/><limit lower="-2" upper="2" effort="10" velocity="1"/></joint>
</robot>"#];

const URDF_SCENE: &str = r#"
name = "urdf-fuzz"
[[robots]]
name = "arm"
urdf = "arm.urdf"
stiffness = [50.0, 50.0]
[[objects]]
name = "ball"
joint = { type = "planar", axes = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]] }
mass = 0.2
inertia = [0.001, 0.001, 0.001]
default_q = [0.1, 0.35, 0.0]
[[objects.collisions]]
shape = { sphere = { radius = 0.05 } }
"#;

#[test]
fn urdf_files() {
    run("URDF files", URDF_SEEDS, |urdf| {
        let files = |path: &str| {
            if path == "arm.urdf" {
                Ok(urdf.as_bytes().to_vec())
            } else {
                Err(format!("no file '{path}'"))
            }
        };
        match Scene::from_toml_str(URDF_SCENE, &files) {
            Ok(scene) => step_once(scene),
            Err(_) => Ok(false),
        }
    });
}

const INPUTS_SEEDS: &[&str] = &[
    "[[-0.6, -1.0, 0.6, 1.0], [-0.5, -1.0, 0.5, 1.0]]",
    "{\"u\": [[-0.7, -1.03, 0.7, 1.03]]}",
    "u1,u2,u3,u4\n-0.6,-1.0,0.6,1.0\n-0.55,-1.0,0.55,1.0\n",
    "-0.6, -1.0, 0.6, 1.0\n",
];

#[test]
fn inputs_files() {
    let system =
        QuasiDynamicSystem::new(qd_scenes::load("planar-hand").expect("scene")).expect("system");
    for path in ["inputs.json", "inputs.csv"] {
        let path = std::path::PathBuf::from(path);
        run("inputs files", INPUTS_SEEDS, |text| {
            let Ok(rows) = parse_inputs(text, &path) else {
                return Ok(false);
            };
            // As qd sim: rows of the wrong length are refused, the rest rolled out.
            let rows: Vec<Vec<f64>> = rows.into_iter().take(4).collect();
            if rows.iter().any(|r| r.len() != system.na()) {
                return Ok(false);
            }
            let q0 = system.scene().default_q().to_vec();
            let Ok(rollout) = system.rollout(&mut StepWorkspace::default(), &q0, &rows) else {
                return Ok(false);
            };
            prop_assert!(
                rollout.states.iter().all(|q| finite(q)),
                "non-finite rollout of {text}"
            );
            Ok(true)
        });
    }
}
