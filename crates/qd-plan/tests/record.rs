//! Planning queries and their records: the JSON round-trips, the `.npz` arrays are the JSON's,
//! and nothing existing is overwritten unasked.

use ndarray::{Array1, Array2};
use ndarray_npy::NpzReader;
use qd_plan::{PlanRecord, RecordArray, RrtQuery, SceneSource, TrajoptQuery};

fn planar_hand() -> (SceneSource, qd_geometry::scene::Scene) {
    let text = qd_scenes::source("planar-hand").expect("built-in scene");
    SceneSource::text("builtin:planar-hand", text).expect("scene loads")
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("qd-plan-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn trajopt_record_round_trips_and_its_arrays_are_the_runs() {
    let (source, scene) = planar_hand();
    let query = TrajoptQuery {
        iterations: 2,
        horizon: Some(4),
        ..TrajoptQuery::default()
    };
    let mut observed = 0;
    let outcome = query.run(&source, &scene, |_| observed += 1).expect("runs");
    assert_eq!(observed, 3, "the initial rollout and two iterations");
    let arrays = outcome.record.arrays().expect("arrays");
    let q = arrays.iter().find(|(n, _)| n == "q").expect("q").1.clone();
    let RecordArray::Matrix {
        rows,
        columns,
        values,
    } = q
    else {
        panic!("q is a matrix")
    };
    assert_eq!((rows, columns), (5, 7));
    assert_eq!(values, outcome.states.concat());

    let json = scratch("trajopt.json");
    outcome.record.save(&json, false).expect("saves");
    assert_eq!(PlanRecord::load(&json).expect("loads"), outcome.record);
    assert!(
        outcome.record.save(&json, false).is_err(),
        "an existing file is kept"
    );
    outcome
        .record
        .save(&json, true)
        .expect("overwrites when asked");
}

#[test]
fn rrt_npz_holds_the_records_arrays() {
    let (source, scene) = planar_hand();
    let prepared = RrtQuery {
        seed: 1,
        ..RrtQuery::default()
    }
    .prepare(&scene)
    .expect("prepares");
    let outcome = prepared.run(&source, |_, _| {}).expect("runs");
    assert!(outcome.result.success && outcome.plan.is_some());
    let npz = scratch("rrt.npz");
    outcome.record.save(&npz, false).expect("saves");
    let mut reader = NpzReader::new(std::fs::File::open(&npz).expect("opens")).expect("npz");
    for (name, array) in outcome.record.arrays().expect("arrays") {
        match array {
            RecordArray::Vector(v) => {
                let saved: Array1<f64> = reader.by_name(&name).expect(&name);
                assert_eq!(saved.to_vec(), v, "{name}");
            }
            RecordArray::Integers(v) => {
                let saved: Array1<i64> = reader.by_name(&name).expect(&name);
                assert_eq!(saved.to_vec(), v, "{name}");
            }
            RecordArray::Matrix {
                rows,
                columns,
                values,
            } => {
                let saved: Array2<f64> = reader.by_name(&name).expect(&name);
                assert_eq!(saved.dim(), (rows, columns), "{name}");
                assert_eq!(saved.iter().copied().collect::<Vec<_>>(), values, "{name}");
            }
        }
    }
    // The tree's path ends at a node within the goal tolerance.
    let last = *outcome.result.path.last().expect("a path");
    assert!(prepared.problem.reached(&outcome.result.nodes[last].q));
}

#[test]
fn records_refuse_what_they_cannot_hold() {
    let not_a_record = serde_json::json!({ "planner": "trajopt", "q": [[0.0]] });
    assert!(PlanRecord::from_json(not_a_record).is_err());
    let path = scratch("plan.csv");
    assert!(qd_plan::check_output_path(&path, true).is_err());
}
