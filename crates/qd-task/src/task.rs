//! The manipulation task (`[task]`): move one object from the start configuration to a goal
//! pose. Planners read their own tables of the section (`[task.NAME]`) through
//! [`Task::planner_section`].

use crate::error::TaskError;
use crate::object_pose::ObjectCoordinates;
use qd_geometry::scene::{Scene, parse_table};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The keys of `[task]` this crate reads; every other key must be a planner's table.
const TASK_KEYS: [&str; 3] = ["description", "start_q", "goal"];

/// The goal of a task.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    /// The object to move (an `[[objects]]` name).
    pub object: String,
    /// The object's goal coordinates: its joint's q block (planar: (s₁, s₂, θ); free:
    /// (x, y, z, qw, qx, qy, qz); prismatic: one value).
    pub q: Vec<f64>,
    /// Accepted position error (m), > 0.
    pub position_tolerance: f64,
    /// Accepted rotation error (rad), > 0.
    pub angle_tolerance: f64,
}

/// The part of `[task]` every planner shares.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskSpec {
    #[serde(default)]
    description: String,
    #[serde(default)]
    start_q: Option<Vec<f64>>,
    goal: Goal,
}

/// A scene's task, checked against the scene: start, goal object and pose, and the
/// planners' own tables.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    scene: String,
    description: String,
    start_q: Vec<f64>,
    goal: Goal,
    object: usize,
    planners: toml::Table,
}

impl Task {
    /// The scene's `[task]`; `None` when the file has none.
    ///
    /// # Errors
    /// Unknown keys that are not tables, missing fields, a goal object that is not an object of
    /// the scene, vectors of the wrong length or not finite, tolerances that are not positive.
    pub fn from_scene(scene: &Scene) -> Result<Option<Task>, TaskError> {
        let error = |reason: String| TaskError {
            scene: scene.name().to_string(),
            reason,
        };
        let Some(table) = scene.section("task") else {
            return Ok(None);
        };
        let (shared, planners): (toml::Table, toml::Table) = table
            .clone()
            .into_iter()
            .partition(|(key, _)| TASK_KEYS.contains(&key.as_str()));
        if let Some((key, _)) = planners.iter().find(|(_, value)| !value.is_table()) {
            return Err(error(format!(
                "task.{key} is not a field of [task] (its fields are description, start_q and \
                 goal; its tables belong to planners)"
            )));
        }
        let spec: TaskSpec = parse_table(&shared, "task").map_err(error)?;
        let start_q = match spec.start_q {
            Some(q) => {
                check_length(&q, scene.tree().nq(), "task.start_q").map_err(error)?;
                q
            }
            None => scene.default_q().to_vec(),
        };
        let goal = spec.goal;
        let object = scene
            .objects()
            .iter()
            .position(|o| o.name == goal.object)
            .ok_or_else(|| {
                error(format!(
                    "task.goal.object '{}' is not an object of the scene",
                    goal.object
                ))
            })?;
        let nq = scene.tree().joints()[scene.objects()[object].joint]
            .kind
            .nq();
        check_length(&goal.q, nq, "task.goal.q").map_err(error)?;
        if !(goal.position_tolerance > 0.0 && goal.angle_tolerance > 0.0) {
            return Err(error("task.goal tolerances must be positive".to_string()));
        }
        Ok(Some(Task {
            scene: scene.name().to_string(),
            description: spec.description,
            start_q,
            goal,
            object,
            planners,
        }))
    }

    /// What the task is, in words.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Start configuration (n_q): `task.start_q`, else the scene's default configuration.
    pub fn start_q(&self) -> &[f64] {
        &self.start_q
    }

    /// Where the object must go.
    pub fn goal(&self) -> &Goal {
        &self.goal
    }

    /// Index of the goal object in `Scene::objects`.
    pub fn object(&self) -> usize {
        self.object
    }

    /// The goal object's coordinates in `scene` (the scene the task was read from).
    pub fn object_coordinates(&self, scene: &Scene) -> ObjectCoordinates {
        ObjectCoordinates::new(scene, self.object)
    }

    /// A planner's table of the task (`[task.NAME]`), as TOML; `None` when absent.
    pub fn planner_section(&self, name: &str) -> Option<&toml::Table> {
        self.planners.get(name).and_then(toml::Value::as_table)
    }

    /// A planner's table parsed into its typed settings (`T` should deny unknown fields, so a
    /// misspelt key is an error naming `[task.NAME]`); `None` when absent.
    ///
    /// # Errors
    /// The table does not parse into `T`.
    pub fn parse_planner_section<T: DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<T>, TaskError> {
        self.planner_section(name)
            .map(|table| {
                parse_table(table, &format!("task.{name}")).map_err(|reason| TaskError {
                    scene: self.scene.clone(),
                    reason,
                })
            })
            .transpose()
    }

    /// The names of the task's planner tables, in file order.
    pub fn planner_sections(&self) -> impl Iterator<Item = &str> {
        self.planners.keys().map(String::as_str)
    }

    /// Checks that every planner table of the task is one of `known` (what an application
    /// that registers planners calls, so a misspelt `[task.rtt]` is an error, not ignored).
    ///
    /// # Errors
    /// The first table not in `known`, naming the known ones.
    pub fn check_planner_sections(&self, known: &[&str]) -> Result<(), TaskError> {
        match self.planner_sections().find(|name| !known.contains(name)) {
            Some(name) => Err(TaskError {
                scene: self.scene.clone(),
                reason: format!(
                    "[task.{name}] is not a table any planner reads (known: {})",
                    known.join(", ")
                ),
            }),
            None => Ok(()),
        }
    }
}

/// `values` has `expected` finite entries, else a message naming `what`.
pub(crate) fn check_length(values: &[f64], expected: usize, what: &str) -> Result<(), String> {
    if values.len() != expected {
        return Err(format!(
            "{what} has {} values, expected {expected}",
            values.len()
        ));
    }
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(format!("{what}[{i}] is not finite")),
        None => Ok(()),
    }
}
