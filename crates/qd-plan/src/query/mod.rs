//! Planning queries as the CLI and the Python package run them: a scene's task, the query's
//! options, the planner, the executable plan and the run's record (JSON, and the `.npz`
//! arrays derived from it).

mod record;
mod rrt;
mod trajopt;

pub use record::{PlanRecord, RecordArray, check_output_path};
pub use rrt::{PreparedRrt, RrtOutcome, RrtQuery};
pub use trajopt::{TrajoptOutcome, TrajoptQuery};
