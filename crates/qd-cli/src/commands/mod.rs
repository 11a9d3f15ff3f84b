//! One module per subcommand.

pub mod distance;
pub mod plan;
pub mod scene;
pub mod sim;
