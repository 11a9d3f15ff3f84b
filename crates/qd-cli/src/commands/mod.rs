//! One module per subcommand.

pub mod distance;
pub mod scene;
pub mod sim;
