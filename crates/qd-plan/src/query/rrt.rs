//! An RRT query on a scene's `[task.rrt]` and its path made executable, run the same way by the
//! CLI's `qd plan --planner rrt` and the Python package's `qd.plan_rrt`.

use super::record::PlanRecord;
use crate::error::PlanError;
use crate::{ExecutionSettings, Plan, SceneSource, execute_path};
use qd_geometry::scene::Scene;
use qd_rrt::{RrtProblem, RrtResult, RrtSettings, plan_observed};
use qd_task::PoseError;
use serde::Serialize;

/// What to run; `None` fields take the task's value (docs/rrt.md).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RrtQuery {
    /// Seed of the planner's random choices.
    pub seed: u64,
    /// Node budget.
    pub max_nodes: Option<usize>,
    /// Goal object pose (the object's coordinates), instead of the task's.
    pub goal: Option<Vec<f64>>,
    /// Start object pose, instead of the task's (the robots start as in the task).
    pub start: Option<Vec<f64>>,
    /// The executable plan's time step is h / `refine`.
    pub refine: Option<usize>,
}

/// A query ready to run: the problem and settings, checked.
#[derive(Debug, Clone)]
pub struct PreparedRrt {
    /// The planning problem (with the query's start and goal).
    pub problem: RrtProblem,
    /// The planner's settings.
    pub settings: RrtSettings,
    /// How the path is made executable.
    pub execution: ExecutionSettings,
}

/// A finished query.
#[derive(Debug, Clone)]
pub struct RrtOutcome {
    /// The tree, and the path when the goal was reached.
    pub result: RrtResult,
    /// The executable plan of the path (when the goal was reached).
    pub plan: Option<Plan>,
    /// The whole run as the CLI saves it.
    pub record: PlanRecord,
}

#[derive(Serialize)]
struct RrtRecordOut<'a> {
    scene: &'a str,
    planner: &'static str,
    settings: &'a RrtSettings,
    goal: &'a [f64],
    /// Where the goal object's coordinates sit in q: `[first index, count]`.
    object_q: [usize; 2],
    segments: Vec<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<&'a Plan>,
    #[serde(flatten)]
    result: &'a RrtResult,
}

impl RrtQuery {
    /// The problem and settings of the query on `scene`, checked before anything grows.
    ///
    /// # Errors
    /// A scene without an RRT task, a start or goal outside the task's sampling region or of
    /// the wrong size, settings out of range.
    pub fn prepare(&self, scene: &Scene) -> Result<PreparedRrt, PlanError> {
        let problem = RrtProblem::from_task(scene)?
            .with_query(self.start.as_deref(), self.goal.as_deref())?;
        let mut settings = RrtSettings::from_task(scene, self.seed)?;
        if let Some(nodes) = self.max_nodes {
            settings.max_nodes = nodes;
        }
        settings.check()?;
        let mut execution = ExecutionSettings::from_task(scene)?;
        if let Some(factor) = self.refine {
            execution.factor = factor;
        }
        execution.check()?;
        Ok(PreparedRrt {
            problem,
            settings,
            execution,
        })
    }
}

impl PreparedRrt {
    /// Grows the tree, calling `observe(nodes, closest error)` as it grows.
    ///
    /// # Errors
    /// As [`qd_rrt::plan`].
    pub fn grow(&self, observe: impl FnMut(usize, PoseError)) -> Result<RrtResult, PlanError> {
        Ok(plan_observed(&self.problem, &self.settings, observe)?)
    }

    /// The executable plan of a grown tree's path (None when the goal was not reached).
    ///
    /// # Errors
    /// As [`execute_path`].
    pub fn execute(
        &self,
        source: &SceneSource,
        result: &RrtResult,
    ) -> Result<Option<Plan>, PlanError> {
        if !result.success {
            return Ok(None);
        }
        let motion = execute_path(&self.problem, result, &self.settings, &self.execution)?;
        Ok(Some(Plan::from_rrt(
            source.clone(),
            &self.problem,
            &self.settings,
            &self.execution,
            motion,
        )))
    }

    /// The record of a run: settings, the whole tree, the path, its segments and the plan.
    ///
    /// # Errors
    /// Never in practice (a record that does not serialise).
    pub fn record(&self, result: &RrtResult, plan: Option<&Plan>) -> Result<PlanRecord, PlanError> {
        let object = self.problem.object();
        let record = RrtRecordOut {
            scene: self.problem.system().scene().name(),
            planner: "rrt",
            settings: &self.settings,
            goal: self.problem.goal(),
            object_q: [object.q_start, object.nq],
            segments: result.segments(),
            plan,
            result,
        };
        let json = serde_json::to_value(&record).map_err(|e| PlanError::Malformed {
            what: "record".to_string(),
            reason: e.to_string(),
        })?;
        PlanRecord::from_json(json)
    }

    /// Grows the tree, makes its path executable and records the run.
    ///
    /// # Errors
    /// As [`PreparedRrt::grow`] and [`PreparedRrt::execute`].
    pub fn run(
        &self,
        source: &SceneSource,
        observe: impl FnMut(usize, PoseError),
    ) -> Result<RrtOutcome, PlanError> {
        let result = self.grow(observe)?;
        let plan = self.execute(source, &result)?;
        let record = self.record(&result, plan.as_ref())?;
        Ok(RrtOutcome {
            result,
            plan,
            record,
        })
    }
}
